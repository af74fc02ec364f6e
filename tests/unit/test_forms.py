import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.forms import is_one_click, parse_form

BOUNDARY = "----x7"


def multipart(*fields: tuple[str, str]) -> bytes:
    parts = "".join(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields)
    return f"{parts}--{BOUNDARY}--\r\n".encode()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"List-Unsubscribe=One-Click"),
        ("application/x-www-form-urlencoded; charset=utf-8", b"List-Unsubscribe=One-Click"),
        ("Application/X-WWW-Form-Urlencoded;charset=UTF-8", b"List-Unsubscribe=One-Click"),
        (f"multipart/form-data; boundary={BOUNDARY}", multipart(("List-Unsubscribe", "One-Click"))),
    ],
)
def test_rfc_8058_one_click_bodies_are_recognised(content_type: str, body: bytes) -> None:
    assert is_one_click(parse_form(content_type, body))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"List-Unsubscribe=one-click",
        b"List-Unsubscribe=One-Click&action=save",
        b"List-Unsubscribe=One-Click&List-Unsubscribe=One-Click",
        b"list-unsubscribe=One-Click",
        b"action=unsubscribe_all",
        b"List-Unsubscribe=",
    ],
)
def test_anything_else_is_not_a_one_click(body: bytes) -> None:
    assert not is_one_click(parse_form("application/x-www-form-urlencoded", body))


def test_multipart_forms_keep_repeated_fields() -> None:
    form = parse_form(
        f"multipart/form-data; boundary={BOUNDARY}", multipart(("topic", "updates"), ("topic", "surveys"))
    )
    assert form == {"topic": ["updates", "surveys"]}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b"List-Unsubscribe=One-Click"),
        ("multipart/form-data; boundary=zzz", b"not multipart at all"),
        ("application/x-www-form-urlencoded", b"\xff\xfe=\xff"),
        ("application/x-www-form-urlencoded", b"a=1&" * 200),
        ("application/x-www-form-urlencoded", b"a=" + b"x" * 70_000),
    ],
)
def test_unreadable_forms_are_rejected(content_type: str, body: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_form(content_type, body)
