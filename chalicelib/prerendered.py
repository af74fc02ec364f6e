"""What a one-click needs, rendered by the template engine ahead of time: its answer page and the removal
confirmation it sends. A mail provider's one-click is often the first request a fresh container gets, and this way
it loads no engine (SPEC §3.2 asks only for a 200). `python -m chalicelib.prerendered` writes
`templates/prerendered/` from the templates; `tests/unit/test_prerendered.py` fails when they differ, and holds each
filled page to what the engine itself renders."""

import sys
from functools import cache
from pathlib import Path

from .domain.words import LANGUAGES

FOLDER = Path(__file__).resolve().parent / "templates" / "prerendered"
TEMPLATES = ("pages/one_click.html", "mail/removal_confirmation.txt", "mail/removal_confirmation.html")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"}  # as the engine escapes


def slot(name: str) -> str:
    """A value's place in a prerendered file: text no escaping changes and no catalogue entry holds."""
    return f"⟦{name}⟧"


def _file(template: str, language: str) -> Path:
    stem, _, extension = template.replace("/", ".").rpartition(".")
    return FOLDER / f"{stem}.{language}.{extension}"


def prerender(template: str, language: str) -> str:
    from .domain.words import Words
    from .rendering import render

    values = {
        "store": slot("store"),
        "said": slot("said"),
        "scopes": [slot("labels")],  # a scope no catalogue names is shown as given: the slot itself
        "preferences_url": slot("preferences_url"),
    }
    return render(template, t=Words(language), **values)


@cache
def _text(template: str, language: str) -> str:
    return _file(template, language).read_text(encoding="utf-8")


def fill(template: str, language: str, **values: str) -> str:
    """The prerendered file with each value in its slot, escaped as the engine would for an HTML template."""
    text = _text(template, language)
    escape = template.endswith(".html")
    for name, value in values.items():
        shown = "".join(_ESCAPES.get(c, c) for c in value) if escape else value
        text = text.replace(slot(name), shown)
    return text


def main() -> int:
    FOLDER.mkdir(exist_ok=True)
    for template in TEMPLATES:
        for language in LANGUAGES:
            _file(template, language).write_text(prerender(template, language), encoding="utf-8")
    print(f"wrote {len(TEMPLATES) * len(LANGUAGES)} files to {FOLDER}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
