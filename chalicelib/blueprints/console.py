"""/console: the customer-service console, server-rendered, working without JavaScript. Signed out, /console is the
sign-in page and every other console URL sends the browser there (303)."""

import logging
from collections.abc import Callable
from datetime import datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any

from chalice.app import Blueprint, Response

from .. import wiring
from ..domain.errors import Forbidden, InvalidInput, NotFound
from ..domain.forms import Form, parse_form
from ..domain.timeutil import parse_iso
from ..services import console
from ..services.agent_requests import erase_by_admin, record_agent_removal
from ..services.contacts_view import show_contact
from ..services.removals_view import list_removals
from ..services.review import list_review, removals_opened_by, resolve_review, show_review
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


def signed_in(view: Callable[..., Response]) -> Callable[..., Response]:
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


REMOVALS = (
    ("remove_email", "Remove from email"),
    ("remove_postal", "Remove from postal mail"),
    ("remove_sharing", "Stop partner sharing"),
)


def _item_page(session: console.Session, review_id: str, status: int = 200, error: str | None = None) -> Response:
    deps = wiring.deps()
    try:
        item = show_review(deps, review_id)
    except NotFound:
        return _page("console/done.html", 404, session, summary="This item is no longer waiting.", removals=[])
    item["left"] = _left(item["due_at"], deps.clock.now())
    scopes = item.get("suggested_scopes") or []
    suggested = {s for s in scopes if s in dict(REMOVALS)}  # ticked in advance
    labels = dict(REMOVALS) | {"erase": "Erase this person", "dismiss": "Not a request"}
    readable = [labels.get(s, s) for s in scopes]
    return _page(
        "console/item.html",
        status,
        session,
        item=item,
        removals=REMOVALS,
        suggested=suggested,
        readable=readable,
        error=error,
    )


@bp.route("/console/review/{review_id}", methods=["GET"], content_types=["*/*"])
@signed_in
def console_review_item(session: console.Session, review_id: str) -> Response:
    return _item_page(session, review_id)


@bp.route("/console/review/{review_id}", methods=["POST"], content_types=FORM_TYPES)
@signed_in
def console_resolve(session: console.Session, review_id: str) -> Response:
    deps = wiring.deps()
    form = _form()
    if cross_site(bp.current_request) or not console.check_form_tag(deps, session, _field(form, "form_tag")):
        return _item_page(session, review_id, 403, "This form has expired: nothing was changed. Try again.")
    action = _field(form, "action")
    chosen = {"apply": form.get("remove", []), "dismiss": ["dismiss"], "erase": ["erase"]}.get(action)
    if not chosen:
        return _item_page(session, review_id, 400, "Choose at least one removal: nothing was changed.")
    email = _field(form, "email").strip() or None
    try:
        item = show_review(deps, review_id)
        result = resolve_review(deps, review_id, None, email, list(chosen), staff=session.staff)
    except Forbidden:
        return _item_page(session, review_id, 403, "Only an admin may erase a person: nothing was changed.")
    except NotFound:
        return _item_page(session, review_id, 404)
    except InvalidInput as exc:
        return _item_page(session, review_id, 400, f"{exc.message[:1].upper()}{exc.message[1:]}: nothing was changed.")
    target = result.get("email")
    removals = removals_opened_by(deps, target, str(item["received_at"])) if target and action == "apply" else []
    done = {"apply": "Removed", "dismiss": "Marked as not a request", "erase": "Erased"}[action]
    summary = f"{done}: {', '.join(result['actions'])}" + (f" for {target}." if target else ".")
    return _page("console/done.html", session=session, summary=summary, removals=removals)


@bp.route("/console/deadlines", methods=["GET"], content_types=["*/*"])
@signed_in
def console_deadlines(session: console.Session) -> Response:
    deps = wiring.deps()
    lists = {state: list_removals(deps, state) for state in ("open", "at_risk", "overdue")}
    counts = {state: len(found) for state, found in lists.items()}
    titles = {"overdue": "Overdue", "at_risk": "At risk", "open": "Open (all not yet done)"}
    return _page("console/deadlines.html", session=session, lists=lists, counts=counts, titles=titles)


@bp.route("/console/audit", methods=["GET"], content_types=["*/*"])
@signed_in
def console_audit(session: console.Session) -> Response:
    if not session.staff.is_admin:
        return _page("console/done.html", 403, session, summary="Only admins see the console's actions.", removals=[])
    return _page("console/audit.html", session=session, entries=wiring.deps().store.list_audit(200))


CONTACT_SCOPES = (
    ("email", "All marketing email"),
    ("postal", "All postal mail"),
    ("partner_sharing", "Partner sharing"),
)


def _contacts_page(
    session: console.Session, email: str = "", status: int = 200, message: str = "", error: bool = False, **extra: Any
) -> Response:
    contact = None
    if email and not extra.get("receipt"):
        try:
            contact = show_contact(wiring.deps(), email)
        except NotFound:
            message = message or "No one is held under this address."
        except InvalidInput as exc:
            status, message, error = 400, exc.message, True
    values = {"contact": contact, "receipt": None, "scopes": CONTACT_SCOPES} | extra
    return _page("console/contacts.html", status, session, email=email[:254], message=message, error=error, **values)


@bp.route("/console/contacts", methods=["GET"], content_types=["*/*"])
@signed_in
def console_contacts(session: console.Session) -> Response:
    return _contacts_page(session)


@bp.route("/console/contacts", methods=["POST"], content_types=FORM_TYPES)
@signed_in
def console_contact_action(session: console.Session) -> Response:
    """Addresses travel in the form, never in the URL: URLs end up in access logs."""
    deps = wiring.deps()
    form = _form()
    email = _field(form, "email").strip()
    if cross_site(bp.current_request) or not console.check_form_tag(deps, session, _field(form, "form_tag")):
        return _contacts_page(session, "", 403, "This form has expired: nothing was changed. Try again.", True)
    action = _field(form, "do")
    try:
        if action == "remove":
            opened = record_agent_removal(
                deps, session.staff, email, form.get("scope", []), _field(form, "channel"), _field(form, "note")
            )
            said = f"Recorded: {len(opened)} removal record(s) opened." if opened else "Already removed: nothing new."
            return _contacts_page(session, email, 200, said)
        if action == "erase":
            receipt = erase_by_admin(deps, session.staff, email, _field(form, "confirm"))
            return _contacts_page(session, email, 200, "Erased.", receipt=receipt)
    except Forbidden:
        return _contacts_page(session, email, 403, "Only an admin may erase a person: nothing was changed.", True)
    except InvalidInput as exc:
        return _contacts_page(session, email, 400, f"{exc.message}: nothing was changed.", True)
    return _contacts_page(session, email)
