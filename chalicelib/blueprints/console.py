"""/console: the customer-service console, server-rendered, working without JavaScript. Signed out, /console is the
sign-in page and every other console URL sends the browser there (303)."""

import logging
from collections.abc import Callable
from datetime import datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any

from chalice.app import Blueprint, Response

from .. import wiring
from ..domain.errors import InvalidInput
from ..domain.forms import Form, parse_form
from ..domain.timeutil import parse_iso
from ..services import console
from ..services.inbound import list_review
from ..settings import get_settings
from .http import cross_site, raw_bytes

bp = Blueprint(__name__)
log = logging.getLogger(__name__)
FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"]
HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
}
WRONG_CREDENTIALS = "That email and password do not match a console account."


def _cookie_name() -> str:
    # the __Host- prefix holds the cookie to this host and to Secure, which a plain-http local stage cannot have
    return "listkeeper_console" if get_settings().stage == "local" else "__Host-listkeeper-console"


def _cookie(value: str, max_age: int) -> str:
    secure = "" if get_settings().stage == "local" else "; Secure"
    return f"{_cookie_name()}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Strict{secure}"


def _session() -> console.Session | None:
    raw = bp.current_request.headers.get("cookie", "")
    try:
        morsel = SimpleCookie(raw).get(_cookie_name())
    except CookieError:
        return None
    return console.session_of(wiring.deps(), morsel.value if morsel else None)


def _page(template: str, status: int = 200, session: console.Session | None = None, **values: Any) -> Response:
    from ..rendering import render

    tag = console.form_tag(wiring.deps(), session) if session else ""
    body = render(template, session=session, form_tag=tag, **values)
    return Response(body=body, status_code=status, headers=dict(HEADERS))


def _redirect(location: str, cookie: str | None = None) -> Response:
    headers: dict[str, str | list[str]] = {"Location": location, "Cache-Control": "no-store"}
    if cookie:
        headers["Set-Cookie"] = cookie
    return Response(body="", status_code=303, headers=headers)


def _form() -> Form:
    request = bp.current_request
    return parse_form(request.headers.get("content-type", ""), raw_bytes(request))


def _field(form: Form, name: str) -> str:
    return (form.get(name) or [""])[0]


def signed_in(view: Callable[[console.Session], Response]) -> Callable[..., Response]:
    """A console page: signed out, the browser goes to the sign-in page; a form needs the session's anti-CSRF tag."""

    def wrapper(*args: Any, **kwargs: Any) -> Response:
        session = _session()
        if session is None:
            return _redirect("/console")
        return view(session, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


@bp.route("/console", methods=["GET"], content_types=["*/*"])
def console_home() -> Response:
    if _session() is not None:
        return _redirect("/console/review")
    return _page("console/sign_in.html", error=None, email="")


@bp.route("/console", methods=["POST"], content_types=FORM_TYPES)
def console_sign_in() -> Response:
    if cross_site(bp.current_request):
        return _page("console/sign_in.html", 403, error="This form was sent from another site.", email="")
    try:
        form = _form()
    except InvalidInput:
        return _page("console/sign_in.html", 400, error="This form could not be read.", email="")
    email = _field(form, "email")
    signed = console.sign_in(wiring.deps(), email, _field(form, "password"))
    if signed is None:
        return _page("console/sign_in.html", 401, error=WRONG_CREDENTIALS, email=email[:254])
    session, sealed = signed
    log.info("console sign-in", extra={"staff_sub": session.staff.sub, "role": session.staff.role})
    return _redirect("/console/review", _cookie(sealed, console.SESSION_SECONDS))


@bp.route("/console/sign-out", methods=["POST"], content_types=FORM_TYPES)
@signed_in
def console_sign_out(session: console.Session) -> Response:
    if cross_site(bp.current_request) or not console.check_form_tag(
        wiring.deps(), session, _field(_form(), "form_tag")
    ):
        return _page("console/sign_in.html", 403, error="This form has expired; sign out again.", email="")
    return _redirect("/console", _cookie("", 0))


def _left(due_at: str, now: datetime) -> str:
    hours = (parse_iso(due_at) - now).total_seconds() / 3600
    return f"{hours:.1f} h left" if hours >= 0 else f"overdue by {-hours:.1f} h"


@bp.route("/console/review", methods=["GET"], content_types=["*/*"])
@signed_in
def console_review(session: console.Session) -> Response:
    deps = wiring.deps()
    now = deps.clock.now()
    items = [item | {"left": _left(item["due_at"], now)} for item in list_review(deps)]
    return _page("console/review.html", session=session, items=items)
