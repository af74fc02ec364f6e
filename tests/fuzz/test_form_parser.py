"""Fuzzing the preference-form parser (chalicelib/domain/forms.py), which reads every POST /u/{token} body before the
token is even looked at (SPEC §3.2): any body and Content-Type give the fields that were sent or InvalidInput (the
400 page). It never invents a field or a topic, never takes more than `List-Unsubscribe=One-Click` for a one-click
removal, and never spends long on a body however it is built."""

import re
import string
from urllib.parse import quote, quote_plus, unquote_plus

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.forms import MAX_FIELDS, is_one_click, parse_form
from chalicelib.domain.topics import parse_topic
from tests.fuzz.fuzzing import Tally, fuzz, mostly, time_budget

CATEGORY = "fuzz: preference-form parser"
URLENCODED = "application/x-www-form-urlencoded"
# SPEC §2's vocabulary, as the whole of a topic name
TOPIC_NAME = re.compile(
    r"(updates|surveys|promotions|catalog|partner_sharing|(contest|acquired|use):[A-Za-z0-9][A-Za-z0-9._-]{0,63})"
)
TOPICS = ["updates", "surveys", "promotions", "catalog", "partner_sharing", "contest:spring-26", "acquired:fair"]
# a parse of a 64 KiB body must not hold the link Lambda (29 s) or anyone's page
BUDGET_SECONDS = 5.0

names = st.one_of(
    st.sampled_from(["List-Unsubscribe", "action", "form_tag", "topic", "shown", "list-unsubscribe"]),
    st.text(max_size=12),
)
values = st.one_of(
    st.sampled_from(["One-Click", "one-click", "save", "unsubscribe_all", "stop_postal", *TOPICS]),
    st.sampled_from(TOPICS).map(lambda topic: topic + "\n"),  # a line break after a real topic name
    st.text(max_size=30),
    st.text(st.sampled_from("&=%+;\"'\r\n\t --\\"), max_size=8),
)
fields = st.lists(st.tuples(names, values), max_size=12)
# RFC 8058's exact body, alone or among other fields anywhere in the form
with_one_click = st.builds(
    lambda others, at: [*others[:at], ("List-Unsubscribe", "One-Click"), *others[at:]],
    st.lists(st.tuples(names, values), max_size=3),
    st.integers(0, 3),
)


def grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    return form


@st.composite
def urlencoded(draw: st.DrawFn, pairs: list[tuple[str, str]]) -> tuple[str, bytes]:
    """As browsers and mail clients send it: `+` or `%20` for spaces, either case of hex, with or without a charset."""
    quoting = draw(st.sampled_from([quote_plus, lambda text: quote(text, safe="")]))
    body = "&".join(f"{quoting(name)}={quoting(value)}" for name, value in pairs)
    if draw(st.booleans()):
        body = re.sub(r"%[0-9A-F]{2}", lambda escape: escape.group(0).lower(), body)
    charset = draw(st.sampled_from(["", "; charset=utf-8", ";charset=UTF-8", ' ; charset="utf-8"']))
    media = draw(st.sampled_from([URLENCODED, URLENCODED.upper(), "Application/X-WWW-Form-Urlencoded"]))
    return media + charset, body.encode()


def browser_name(name: str) -> str:
    # the HTML standard's escaping of a field name in multipart/form-data
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


@st.composite
def multipart(draw: st.DrawFn, pairs: list[tuple[str, str]]) -> tuple[str, bytes]:
    everything = "".join(name + value for name, value in pairs)
    boundary = draw(
        st.text(string.ascii_letters + string.digits + "'()+_,-./:=?", min_size=1, max_size=70).filter(
            lambda candidate: candidate not in everything and not candidate.endswith(" ")
        )
    )
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{browser_name(name)}"\r\n\r\n{value}\r\n'
        for name, value in pairs
    )
    quoted = draw(st.booleans()) or any(ch in boundary for ch in "'()+,/:=?")
    media = draw(st.sampled_from(["multipart/form-data", "Multipart/Form-Data"]))
    return f'{media}; boundary="{boundary}"' if quoted else f"{media}; boundary={boundary}", (
        f"{parts}--{boundary}--\r\n".encode()
    )


def read(content_type: str, body: bytes) -> dict[str, list[str]] | None:
    try:
        with time_budget(BUDGET_SECONDS):
            return parse_form(content_type, body)
    except InvalidInput:
        return None


@pytest.mark.reliability
def test_a_form_as_browsers_and_mail_clients_encode_it_reads_back_exactly() -> None:
    tally = Tally(CATEGORY, (InvalidInput,))

    @fuzz(150)
    @given(data=st.data(), pairs=st.one_of(fields, with_one_click), as_multipart=st.booleans())
    @tally.counted
    def check(data: st.DataObject, pairs: list[tuple[str, str]], as_multipart: bool) -> None:
        if as_multipart:
            # browsers never send a nameless part, and a form of no fields at all is refused (it carries no action);
            # a backslash in a name reads as a quoted-pair (RFC 5322), which no name of ours holds
            pairs = [(name.replace("\\", "") or "x", value) for name, value in pairs] or [("action", "save")]
            content_type, body = data.draw(multipart(pairs))
            expected = grouped([(browser_name(name), value) for name, value in pairs])
        else:
            content_type, body = data.draw(urlencoded(pairs))
            expected = grouped(pairs)
        form = read(content_type, body)
        assert form == expected, (content_type, body)
        assert is_one_click(form) == (pairs == [("List-Unsubscribe", "One-Click")])

    with tally.recorded():
        check()


@st.composite
def hostile_form(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real form, then broken: bytes changed, parts nested or multiplied, odd encodings, huge headers."""
    pairs = draw(fields)
    content_type, body = draw(st.one_of(multipart(pairs), urlencoded(pairs)))
    for _ in range(draw(st.integers(0, 3))):
        how = draw(
            st.sampled_from(
                ["flip", "insert", "cut", "nest", "many", "params", "rfc2231", "encoding", "line_ends", "type"]
            )
        )
        boundary = content_type.partition("boundary=")[2].strip('"') or "b"
        at = draw(st.integers(0, len(body)))
        if how == "flip" and body:
            at = min(at, len(body) - 1)
            body = body[:at] + bytes([body[at] ^ draw(st.integers(1, 255))]) + body[at + 1 :]
        elif how == "insert":
            body = body[:at] + draw(st.binary(min_size=1, max_size=12)) + body[at:]
        elif how == "cut":
            body = body[:at]
        elif how == "nest":
            inner = body.replace(boundary.encode(), b"in" + boundary.encode())
            body = (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="topic"\r\n'
                    f'Content-Type: multipart/mixed; boundary="in{boundary}"\r\n\r\n'
                ).encode()
                + inner
                + f"\r\n--{boundary}--\r\n".encode()
            )
        elif how == "many":
            part = f'--{boundary}\r\nContent-Disposition: form-data; name="topic"\r\n\r\nupdates\r\n'.encode()
            body = part * draw(st.integers(90, 2000)) + body
        elif how == "params":  # a part header with thousands of parameters: every look at it parses them all
            count = draw(st.integers(100, 12000))
            header = draw(st.sampled_from(["Content-Disposition: form-data; name=x", "Content-Type: text/plain"]))
            body = f"--{boundary}\r\n{header}; {'a=b; ' * count}\r\n\r\nv\r\n".encode() + body
        elif how == "rfc2231":
            body = (
                f"--{boundary}\r\nContent-Disposition: form-data; name*=utf-8''topic\r\n\r\nupdates\r\n".encode() + body
            )
        elif how == "encoding":
            cte = draw(st.sampled_from(["base64", "quoted-printable", "x-unknown", "7bit"]))
            body = body.replace(b"\r\n\r\n", f"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n".encode(), 1)
        elif how == "line_ends":
            body = body.replace(b"\r\n", draw(st.sampled_from([b"\n", b"\r", b"\r\r\n"])))
        else:
            content_type = draw(
                st.sampled_from(
                    [
                        "multipart/form-data",
                        "multipart/form-data; boundary=",
                        f"multipart/form-data; boundary={boundary}; boundary=other",
                        f"multipart/mixed; boundary={boundary}",
                        f"multipart/form-data; boundary={boundary}; {'x=y; ' * 2000}",
                        "text/plain",
                        "",
                        "application/x-www-form-urlencoded; charset=latin-1",
                    ]
                )
            )
    return content_type, body


def segments(body: bytes) -> set[tuple[str, str]]:
    """What an urlencoded body can mean, read independently of the parser: its name=value pieces, decoded."""
    text = body.decode("utf-8", errors="replace")
    found = set()
    for piece in text.split("&"):
        name, _, value = piece.partition("=")
        found.add((unquote_plus(name), unquote_plus(value)))
    return found


@pytest.mark.reliability
def test_a_broken_or_hostile_form_is_refused_or_read_without_inventing_a_field_or_topic() -> None:
    tally = Tally(CATEGORY, (InvalidInput,))

    # found by this suite: a line break after a topic name passed the topic check, whose `$` allows one
    @example(form=(URLENCODED, b"action=save&shown=updates&topic=contest%3Aspring%0A"))
    @fuzz(200)
    @given(form=mostly(hostile_form(), st.tuples(st.text(max_size=60), st.binary(max_size=300)), odds=10))
    @tally.counted
    def check(form: tuple[str, bytes]) -> None:
        content_type, body = form
        parsed = read(content_type, body)
        if parsed is None:
            return
        assert sum(len(found) for found in parsed.values()) <= MAX_FIELDS
        urlencoded_body = content_type.split(";")[0].strip().lower() == URLENCODED
        sent = segments(body) if urlencoded_body else set()
        for name, found in parsed.items():
            for value in found:
                if urlencoded_body:
                    assert (name, value) in sent, f"{name}={value!r} is not in the body"
                elif b"content-transfer-encoding" not in body.lower():
                    assert value.encode() in body, f"{name}={value!r} is not in the body"
        for raw in parsed.get("topic", []) + parsed.get("shown", []):
            try:
                topic = parse_topic(raw)
            except InvalidInput:
                continue
            assert topic == raw and TOPIC_NAME.fullmatch(topic), f"{raw!r} read as a topic"

    with tally.recorded():
        check()


@pytest.mark.reliability
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        # found by this suite: thousands of parameters in a part's header took 11 s to read (the email package
        # parses them again at every look), for anyone posting to any /u/ path
        ("multipart/form-data; boundary=b", b"--b\r\nContent-Type: text/plain; " + b"a=b; " * 12000 + b"\r\n\r\nv\r\n"),
        ("multipart/form-data; boundary=b; " + "a=b; " * 12000, b'--b\r\nContent-Disposition: form-data; name="a"\r\n'),
    ],
    ids=["part_header", "request_header"],
)
def test_a_form_with_huge_headers_is_refused_quickly(content_type: str, body: bytes) -> None:
    tally = Tally(CATEGORY, (InvalidInput,))

    @tally.counted
    def check() -> None:
        assert read(content_type, body) is None

    with tally.recorded():
        check()
