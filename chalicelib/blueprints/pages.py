"""HTML for the person behind a link: the preference page, the opt-in confirmation page and the neutral page,
in the visitor's language. Everything echoed is escaped by the template engine; nothing depends on JavaScript."""

from chalice.app import Response

from ..domain.words import Words
from ..services.preferences import PageView

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


def _page(status: int, template: str, words: Words, store: str, **values: object) -> Response:
    from ..rendering import render  # the engine loads on the first page, not with the app

    text = render(template, t=words, store=store, **values)
    headers: dict[str, str | list[str]] = {**PAGE_HEADERS, "Content-Language": words.language}
    return Response(body=text, status_code=status, headers=headers)


def preferences_page(view: PageView, store: str, language: str, status: int = 200) -> Response:
    words = Words(language, view.uses)
    said = [words.say(s) for s in view.said]
    template = "pages/optin.html" if view.kind == "optin" else "pages/preferences.html"
    return _page(status, template, words, store, view=view, said=said, error=False)


def one_click_page(view: PageView, store: str, language: str) -> Response:
    """The answer to an RFC 8058 one-click, prerendered: no template engine on the path mail providers take."""
    from ..prerendered import fill

    said = Words(language, view.uses).say(view.said[0])
    body = fill("pages/one_click.html", language, said=said, store=store)
    headers: dict[str, str | list[str]] = {**PAGE_HEADERS, "Content-Language": language}
    return Response(body=body, status_code=200, headers=headers)


def _notice(status: int, kind: str, lines: list[str], language: str, store: str, said: list[str]) -> Response:
    return _page(
        status, "pages/notice.html", Words(language), store, kind=kind, lines=lines, said=said, error=bool(said)
    )


def neutral_page(store: str, language: str) -> Response:
    """The same page, with status 400, whatever was wrong with a link: it tells nothing about any address."""
    return _notice(400, "invalid", ["page.invalid.text"], language, store, [])


def form_error_page(refusal: str | None, store: str, language: str) -> Response:
    """A refused form, in words of the catalogue (never an internal message)."""
    reason = Words(language)(f"refusal.{refusal or 'bad_form'}")
    return _notice(400, "refused", ["page.refused.nothing_changed"], language, store, [reason])


def received_page(store: str, language: str) -> Response:
    """A one-click kept for later: it is as final as one applied now, so the person need not do anything more."""
    return _notice(200, "received", ["page.received.text"], language, store, [])


def server_error_page(store: str, language: str) -> Response:
    return _notice(500, "failed", ["page.failed.text"], language, store, [])


__all__ = [
    "form_error_page",
    "neutral_page",
    "one_click_page",
    "preferences_page",
    "received_page",
    "server_error_page",
]
