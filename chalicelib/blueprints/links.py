"""/u/{token}: the link in every marketing email (SPEC §3.2). GET and HEAD only read; POST acts."""

import logging
from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint, Response

from .. import wiring
from ..domain.errors import InvalidInput, InvalidToken
from ..domain.forms import is_one_click, parse_form
from ..domain.words import negotiate
from ..services.contacts import Contended
from ..services.intake import defer_one_click
from ..services.preferences import Visitor, one_click, open_link, submit_form
from .http import cross_site, raw_bytes
from .pages import form_error_page, neutral_page, one_click_page, preferences_page, received_page, server_error_page

bp = Blueprint(__name__)
log = logging.getLogger(__name__)
# Every type is let through so that anything but a form gets the SPEC's 400 page (parse_form refuses it).
FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "*/*"]


def _store() -> str:
    return wiring.deps().mail.store_name


def _language() -> str:
    """The page speaks the visitor's language as the browser states it (the link itself names none)."""
    return negotiate(bp.current_request.headers.get("accept-language"))


def _page_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Errors on pages are pages: the neutral one for any bad link, whatever the fault."""

    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except InvalidToken:
            return neutral_page(_store(), _language())
        except InvalidInput as exc:
            return form_error_page(exc.refusal, _store(), _language())
        except Contended:
            return server_error_page(_store(), _language())
        except Exception:
            log.exception("link page failed")
            return server_error_page(_store(), _language())

    wrapper.__name__ = view.__name__
    return wrapper


def _visitor() -> Visitor:
    request = bp.current_request
    identity = (request.context or {}).get("identity") or {}
    return Visitor(ip=identity.get("sourceIp"), user_agent=(request.headers.get("user-agent") or "")[:512] or None)


def _one_click(token: str) -> Response:
    """A mail client posts a one-click once and never again: if the store cannot take it now, it goes into the
    intake queue (the sweep applies it) rather than being lost. Only when that fails too is the answer an error."""
    try:
        return one_click_page(one_click(wiring.deps(), token, _visitor()), _store(), _language())
    except (InvalidToken, InvalidInput):
        raise
    except Exception:
        log.exception("one-click could not be applied now; deferring it to the intake")
    defer_one_click(wiring.deps(), token, _visitor())
    return received_page(_store(), _language())


# A GET has no body, so its Content-Type means nothing: whatever a link checker sends, it gets the page, not a 415.
@bp.route("/u/{token}", methods=["GET", "HEAD"], content_types=["*/*"])
@_page_errors
def show_link(token: str) -> Response:
    return preferences_page(open_link(wiring.deps(), token), _store(), _language())


@bp.route("/u/{token}", methods=["POST"], content_types=FORM_TYPES)
@_page_errors
def post_link(token: str) -> Response:
    request = bp.current_request
    form = parse_form(request.headers.get("content-type", ""), raw_bytes(request))
    if is_one_click(form):
        # RFC 8058: mail clients post this without cookies, from no page; answer 200, no redirect.
        return _one_click(token)
    if cross_site(bp.current_request):
        raise InvalidInput("this form was sent from another site", code="invalid_form", refusal="cross_site")
    return preferences_page(submit_form(wiring.deps(), token, form, _visitor()), _store(), _language())
