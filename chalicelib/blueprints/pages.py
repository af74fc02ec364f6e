"""HTML for the person behind a link: the preference page, the opt-in confirmation page and the neutral page.
Everything echoed is escaped; nothing depends on JavaScript."""

import html
from functools import cache
from pathlib import Path
from string import Template

from chalice.app import Response

from ..services.preferences import PageView

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the link token must not leak to other sites
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
}
SUPPRESSION_NOTES = {
    "request": "You are unsubscribed from all marketing email. Tick a topic and save to ask for it again: "
    "we will send a confirmation email first.",
    "bounce": "Email to this address bounced, so we no longer send marketing email to it.",
    "complaint": "This address reported our email as unwanted, so we no longer send marketing email to it.",
}
POSTAL_NOTES = {"request": "You asked us to stop all postal mail."}


@cache
def _layout() -> Template:
    return Template((TEMPLATES / "page.html").read_text(encoding="utf-8"))


def page(status: int, title: str, body: str, store: str) -> Response:
    text = _layout().substitute(title=html.escape(title), store=html.escape(store), body=body)
    return Response(body=text, status_code=status, headers=dict(PAGE_HEADERS))


def _messages(messages: list[str], error: bool = False) -> str:
    if not messages:
        return ""
    items = "".join(f"<p>{html.escape(m)}</p>" for m in messages)
    return f'<div class="status{" error" if error else ""}" role="status">{items}</div>'


def _rows(view: PageView, channel: str) -> str:
    out = []
    for row in view.rows:
        if row.channel != channel:
            continue
        ident = "t-" + "".join(ch if ch.isalnum() else "-" for ch in row.topic)
        checked = " checked" if row.subscribed else ""
        out.append(
            f'<div class="row"><input type="checkbox" id="{html.escape(ident)}" name="topic" '
            f'value="{html.escape(row.topic)}"{checked}>'
            f'<label for="{html.escape(ident)}">{html.escape(row.label)}</label>'
            f'<input type="hidden" name="shown" value="{html.escape(row.topic)}"></div>'
        )
    return "".join(out)


def preferences_page(view: PageView, store: str, status: int = 200) -> Response:
    tag = f'<input type="hidden" name="form_tag" value="{html.escape(view.form_tag)}">'
    who = f'<p class="who">For <strong>{html.escape(view.masked_address)}</strong></p>'
    if view.kind == "optin":
        topics = "".join(f"<li>{html.escape(t)}</li>" for t in view.optin_topics)
        body = (
            f"<h1>Confirm your subscription</h1>{who}{_messages(view.messages)}"
            f"<p>You asked to receive email again about:</p><ul>{topics}</ul>"
            f'<form method="post">{tag}<div class="actions">'
            '<button type="submit" name="action" value="confirm">Yes, send me these emails</button></div></form>'
            '<p class="note">If you did not ask for this, close this page: nothing changes.</p>'
        )
        return page(status, "Confirm your subscription", body, store)
    email_note = SUPPRESSION_NOTES.get(view.email_suppressed or "", "") if view.email_suppressed else ""
    postal_note = POSTAL_NOTES.get(view.postal_suppressed or "", "") if view.postal_suppressed else ""
    body = (
        f"<h1>Your mail preferences</h1>{who}{_messages(view.messages)}"
        f'<form method="post">{tag}'
        f"<fieldset><legend>Email</legend>{_note(email_note)}{_rows(view, 'email')}</fieldset>"
        f"<fieldset><legend>Postal mail</legend>{_note(postal_note)}{_rows(view, 'postal')}</fieldset>"
        '<div class="actions"><button type="submit" name="action" value="save">Save my choices</button></div>'
        '<fieldset><legend>Stop everything</legend><div class="actions">'
        '<button type="submit" name="action" value="unsubscribe_all" class="secondary">'
        "Unsubscribe from all email</button>"
        '<button type="submit" name="action" value="stop_postal" class="secondary">Stop all postal mail</button>'
        "</div></fieldset></form>"
    )
    return page(status, "Your mail preferences", body, store)


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>' if text else ""


def neutral_page(store: str) -> Response:
    """The same page, with status 400, whatever was wrong with a link: it tells nothing about any address."""
    body = (
        "<h1>This link cannot be used</h1>"
        "<p>It may be incomplete or too old. To change what you receive, use the link in a recent email from us, "
        "or write to customer service and ask to be removed: we will do it within 48 hours.</p>"
    )
    return page(400, "Link not valid", body, store)


def form_error_page(message: str, store: str) -> Response:
    body = f"<h1>That did not work</h1>{_messages([message], error=True)}<p>Nothing was changed.</p>"
    return page(400, "Nothing was changed", body, store)


def received_page(store: str) -> Response:
    """A one-click kept for later: it is as final as one applied now, so the person need not do anything more."""
    body = (
        "<h1>Your request is received</h1>"
        "<p>You will be unsubscribed within a few minutes. You do not need to do anything more.</p>"
    )
    return page(200, "Request received", body, store)


def server_error_page(store: str) -> Response:
    body = "<h1>Something went wrong</h1><p>Nothing was lost. Please try again in a minute.</p>"
    return page(500, "Please try again", body, store)
