"""A cheap look at MIME headers before the email package parses them.

The email package parses a Content-* field again at every look (a part's Content-Type a dozen times), at ~0.1 ms
a parameter, so an input full of them must be refused before parsing: inbound mail and multipart forms alike."""

import re

_CONTENT_FIELD = re.compile(rb"^content-[!-9;-~]*[ \t]*:[^\n]*(?:\n[ \t][^\n]*)*", re.IGNORECASE | re.MULTILINE)


def unified_lines(raw: bytes) -> bytes:
    """Every line ending as LF: the parser also ends lines at a bare CR, so a count must too."""
    return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def content_field_bytes(lines: bytes) -> int:
    """The size of every Content-* field (with its folded lines) in `lines`, which have unified endings."""
    return sum(map(len, _CONTENT_FIELD.findall(lines)))
