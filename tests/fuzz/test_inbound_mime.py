"""Fuzzing the inbound mail path (SPEC §4): raw bytes -> chalicelib/adapters/mime.py -> the classifier in
chalicelib/domain/inbound.py, seeded from the real messages in tests/fixtures/corpus/ and the labelled requests.

`parse_inbound` documents that it never raises (what it cannot read comes back with `problem` set, for review) and
`classify` has no errors at all, so every exception is a crash: in production the Lambda would fail and retry the
message. So is a parse that outlives its budget. Beyond that: a machine's message (bounce, auto-reply,
`Auto-Submitted`, list mail) is never read as a person's request, From yields one address it holds or none, and a
request is only ever for the sender (or, via an allow-listed agent, for the original sender)."""

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.adapters.mime import parse_inbound
from chalicelib.domain.addresses import normalize_address
from chalicelib.domain.inbound import InboundMail, Kind, Verdict, classify
from tests.fuzz.fuzzing import Tally, fuzz, mostly, plain_address, time_budget
from tests.support.mail import CASES, build

CATEGORY = "fuzz: inbound MIME path"
AGENTS = frozenset({"shop.example"})
SUPPORT = ("support@shop.example",)
ACTING = {Kind.REQUEST, Kind.FORWARDED, Kind.MAILTO}
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
# CPU seconds for one message: the inbound Lambda has 60 s, at a fraction of a core
BUDGET_SECONDS = 10.0


CORPUS_MAIL = tuple(path.read_bytes() for path in sorted(CORPUS.glob("*/*.eml")))
# bounces, complaints and auto-replies; not-bounces/ holds ordinary mail that only looks like them
MACHINE_MAIL = tuple(path.read_bytes() for path in sorted(CORPUS.glob("real-bounces/*.eml")))
# The labelled messages people wrote (requests among them), as they arrive; with one fixed MIME boundary in place
# of the email package's random one, so that every run fuzzes the same bytes.
PEOPLE_MAIL = tuple(re.sub(rb"={15}\d+==", b"===============4242==", build(case)) for case in CASES)


def read(raw: bytes) -> tuple[InboundMail, Verdict]:
    with time_budget(BUDGET_SECONDS):
        mail = parse_inbound(raw, SUPPORT)
        return mail, classify(mail, AGENTS)


def split_head(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(header block, the blank line, body), whichever line ending the message uses."""
    match = re.search(rb"\r?\n\r?\n", raw)
    if match is None:
        return raw, b"", b""
    return raw[: match.start()], raw[match.start() : match.end()], raw[match.end() :]


REQUEST_WORDS = [
    b"Please unsubscribe me.",
    b"Remove me from your mailing list and stop the catalogs.",
    b"Bitte abmelden.",
    b"Darme de baja por favor.",
    b"D\xc3\xa9sabonnez-moi.",
    b"STOP",
]
CHARSETS = [
    "utf-8",
    "iso-8859-1",
    "windows-1252",
    "iso-2022-jp",
    "shift_jis",
    "koi8-r",
    "utf-7",
    "utf-16",
    "x-unknown",
    "",
    "utf-8''",
    '"',
    "us-ascii\x00",
]


@st.composite
def body_mutation(draw: st.DrawFn, body: bytes) -> bytes:
    """The body (never the header block) changed as broken software and hostile senders change it."""
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(body)))
        how = draw(
            st.sampled_from(["flip", "insert", "delete", "duplicate", "words", "charset", "boundary", "truncate"])
        )
        if how == "flip" and body:
            at = min(at, len(body) - 1)
            body = body[:at] + bytes([body[at] ^ draw(st.integers(1, 255))]) + body[at + 1 :]
        elif how == "insert":
            body = body[:at] + draw(st.binary(min_size=1, max_size=16)) + body[at:]
        elif how == "delete":
            body = body[:at] + body[at + draw(st.integers(1, 200)) :]
        elif how == "duplicate":
            body = body[:at] + body[at : at + draw(st.integers(1, 400))] * draw(st.integers(2, 5)) + body[at:]
        elif how == "words":  # a person's words inside a machine's message (a returned original, say)
            body = body[:at] + b"\n" + draw(st.sampled_from(REQUEST_WORDS)) + b"\n" + body[at:]
        elif how == "charset":
            body = re.sub(
                rb"charset=\"?[\w.:-]*\"?", f'charset="{draw(st.sampled_from(CHARSETS))}"'.encode(), body, count=1
            )
        elif how == "boundary":
            body = re.sub(rb"\n--[^\r\n]+", b"\n--", body, count=draw(st.integers(1, 3)))
        else:
            body = body[:at]
    return body


MACHINE_MARKERS = [
    b"Auto-Submitted: auto-replied",
    b"Auto-Submitted: auto-generated",
    b"Auto-Submitted: auto-notified",
    b"AUTO-SUBMITTED: Auto-Replied (vacation)",
    b'Auto-Submitted:auto-replied; owner-email="x@example.org"',
    b"Auto-Submitted:\r\n auto-generated",
    b"Precedence: bulk",
    b"Precedence: junk",
    b"Precedence: list",
    b"List-Id: <deals.lists.example.com>",
    b"List-Unsubscribe: <mailto:leave@lists.example.com>",
    b"X-Autoreply: yes",
    b"X-Autorespond: yes",
    b"X-Auto-Response-Suppress: All",
    b"Feedback-ID: 1:campaign:list:esp",
    b"Return-Path: <>",
]
HOSTILE_HEADERS = [
    b"X-Broken-Without-A-Colon",
    b"Subject: =?x-unknown?q?unsubscribe?=",
    b"Subject: =?utf-8?b?dW5zdWJzY3JpYmU?==?utf-8?b?!!?=",
    b"Cc: =?utf-8?q?a=40b.example=2c_c=40d.example?=",
    b"X-Eight-Bit: \xff\xfe\x00\x80",
    b'Content-Type: text/plain; charset="utf-8; boundary=""',
    b"Date: Mon, 99 Foo 20260 99:99:99 +9999",
    b"Message-ID: <<<@@@>>>",
    b"To: undisclosed-recipients:;",
    b"To: " + b"a@b.example, " * 400,
    b"Received: " + b"from x by y; " * 800,
    b"X-Long: " + b"x" * 40_000,
]


@st.composite
def machine_message(draw: st.DrawFn) -> bytes:
    """A machine's message: a real bounce, complaint or auto-reply with its body broken, or a person's message
    (a removal request, often) that a machine marked as its own, as RFC 3834 says automatic mail is marked."""
    if draw(st.booleans()):
        head, blank, body = split_head(draw(st.sampled_from(MACHINE_MAIL)))
        return head + blank + draw(body_mutation(body))
    head, blank, body = split_head(draw(st.sampled_from(PEOPLE_MAIL)))
    lines = head.split(b"\r\n")
    marker = draw(st.sampled_from(MACHINE_MARKERS))
    if draw(st.booleans()):  # or a daemon or null sender (a subject alone never makes a machine: SPEC §4)
        marker = draw(
            st.sampled_from(
                [
                    b"From: MAILER-DAEMON@mx.example.net",
                    b"From: postmaster@example.org",
                    b"Return-Path: <>",
                ]
            )
        )
        lines = [line for line in lines if not line.lower().startswith(marker.split(b":")[0].lower() + b":")]
    lines.insert(draw(st.integers(1, len(lines))), marker)
    # broken or huge headers go after the marker: a line that is no header ends the header block there
    lines += draw(st.lists(st.sampled_from(HOSTILE_HEADERS), max_size=2))
    words = b"\r\n".join(draw(st.lists(st.sampled_from(REQUEST_WORDS), min_size=1, max_size=2)))
    return b"\r\n".join(lines) + (blank or b"\r\n\r\n") + words + b"\r\n" + draw(body_mutation(body))


@pytest.mark.reliability
def test_a_machines_message_is_never_read_as_a_persons_request() -> None:
    """RFC 3834 and SPEC §4: machines never ask to be removed and never get a reply, however broken they are."""
    tally = Tally(CATEGORY, ())

    @fuzz(120)
    @given(raw=machine_message())
    @tally.counted
    def check(raw: bytes) -> None:
        _, verdict = read(raw)
        assert verdict.kind not in ACTING, f"{verdict.kind}: {verdict.reason}"

    with tally.recorded():
        check()


@st.composite
def any_mutation(draw: st.DrawFn) -> bytes:
    """Real mail, machine or person, broken anywhere: header block included."""
    raw = draw(st.sampled_from(CORPUS_MAIL + PEOPLE_MAIL))
    head, blank, body = split_head(raw)
    if draw(st.booleans()):
        lines = head.splitlines()
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(lines)))
            how = draw(st.sampled_from(["hostile", "drop", "fold", "duplicate"]))
            if how == "hostile":
                lines.insert(at, draw(st.sampled_from(HOSTILE_HEADERS)))
            elif how == "drop" and lines:
                del lines[min(at, len(lines) - 1)]
            elif how == "fold" and lines:
                lines.insert(min(at, len(lines)), b" \t" + draw(st.binary(max_size=20)).replace(b"\n", b""))
            elif lines:
                lines.insert(at, lines[min(at, len(lines) - 1)])
        head = draw(st.sampled_from([b"\r\n", b"\n", b"\r"])).join(lines)
    return head + (blank or b"\r\n\r\n") + draw(body_mutation(body))


def assert_reads_what_is_there(raw: bytes, mail: InboundMail, verdict: Verdict) -> None:
    if mail.sender is not None:
        assert normalize_address(mail.sender) == mail.sender
        local, _, host = mail.sender.rpartition("@")
        if mail.sender.isascii():
            # the sender is an address the message holds, never one made up from parts of it
            assert local.encode() in raw.lower(), f"sender {mail.sender!r} is not in the message"
            if not host.startswith("xn--") and ".xn--" not in host:
                assert host.encode() in raw.lower(), f"sender {mail.sender!r} is not in the message"
    if mail.problem is not None:
        assert verdict.kind in (Kind.REVIEW, Kind.DSN, Kind.COMPLAINT, Kind.AUTO_REPLY), verdict
    if verdict.kind is Kind.REQUEST:
        assert verdict.address == mail.sender, "a request for someone other than the sender"
    if verdict.kind is Kind.FORWARDED:
        assert mail.sender is not None and mail.sender.rpartition("@")[2] in AGENTS
        assert verdict.address is not None
        local = verdict.address.partition("@")[0]
        assert not local.isascii() or local.encode() in raw.lower(), "forwarded for an address not in the message"
    if verdict.kind is Kind.MAILTO:
        assert verdict.handle is not None and any(verdict.handle in r for r in mail.recipients)


@pytest.mark.reliability
def test_real_mail_broken_anywhere_is_read_or_sent_to_review_never_crashed() -> None:
    tally = Tally(CATEGORY, ())

    @fuzz(120)
    @given(raw=any_mutation())
    @tally.counted
    def check(raw: bytes) -> None:
        mail, verdict = read(raw)
        assert_reads_what_is_there(raw, mail, verdict)

    with tally.recorded():
        check()


def nested(depth: int, newline: bytes, kind: str) -> bytes:
    if kind == "message":
        head = b"Content-Type: message/rfc822" + newline + newline
        return head * depth + b"From: b@example.org" + newline + newline + b"unsubscribe me" + newline
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"%s%s--b%d%s' % (i, newline, newline, i, newline)
        for i in range(depth)
    )
    closing = b"".join(b"%s--b%d--%s" % (newline, i, newline) for i in reversed(range(depth)))
    return opening + b"Content-Type: text/plain" + newline + newline + b"unsubscribe me" + closing


@st.composite
def hostile_structure(draw: st.DrawFn) -> bytes:
    """Mail bombs and malformed mail from a person asking to be removed: deep nesting, many parts, odd charsets,
    broken and huge headers, every line ending."""
    newline = draw(st.sampled_from([b"\r\n", b"\n", b"\r"]))
    sender = draw(plain_address).encode()
    head = [b"From: " + sender, b"To: support@shop.example", b"Subject: unsubscribe"]
    shape = draw(st.sampled_from(["nesting", "messages", "parts", "charset", "headers", "huge", "params", "runs"]))
    if shape == "nesting":
        body = nested(draw(st.integers(1, 1200)), newline, "multipart")
        return newline.join(head) + newline + body
    if shape == "messages":
        body = nested(draw(st.integers(1, 900)), newline, "message")
        return newline.join(head) + newline + body
    if shape == "parts":
        count = draw(st.integers(1, 3000))
        part = b"--b" + newline + b"Content-Type: text/plain" + newline + newline + b"unsubscribe" + newline
        head.append(b'Content-Type: multipart/mixed; boundary="b"')
        return newline.join(head) + newline + newline + part * count + b"--b--" + newline
    if shape == "charset":
        charset = draw(st.sampled_from(CHARSETS)).encode()
        cte = draw(st.sampled_from([b"base64", b"quoted-printable", b"8bit", b"x-uuencode", b"bogus"]))
        head += [b"Content-Type: text/plain; charset=" + charset, b"Content-Transfer-Encoding: " + cte]
        body = draw(mostly(st.sampled_from(REQUEST_WORDS), st.binary(max_size=200)))
        return newline.join(head) + newline + newline + body
    if shape == "headers":
        head += draw(st.lists(st.sampled_from(HOSTILE_HEADERS), min_size=1, max_size=6))
        return newline.join(head) + newline + newline + b"Please unsubscribe me."
    if shape == "huge":  # one field or many, up to a few hundred KiB of header
        unit = draw(
            st.sampled_from(
                [b"x ", b"(c) a@b.example, ", b"=?utf-8?q?a?= ", b"g: a@b.example;, ", b"<a@b> ", b",", b"\\a", b"a."]
            )
        )
        name = draw(st.sampled_from([b"Subject", b"To", b"Cc", b"References", b"X-Long", b"From"]))
        size = draw(st.integers(1, 400_000))
        value = (unit * (size // len(unit) + 1))[:size]
        field = name + b": " + value
        if draw(st.booleans()):
            field = newline.join([field] * draw(st.integers(2, 40)))
        return newline.join([*head, field]) + newline + newline + b"Please unsubscribe me."
    if shape == "runs":  # long runs of the characters an address is made of, with or without an @ in them
        run = draw(st.sampled_from([b"x", b"a.", b"b-", b"@", b"x@", b"a@b", b".c"])) * draw(st.integers(1, 40_000))
        if draw(st.booleans()):
            head.append(b"To: support@shop.example " + run[:60_000])
            run = b""
        return newline.join(head) + newline + newline + b"Please unsubscribe me. " + run
    count = draw(st.integers(1, 30_000))  # parameters: every look at a Content-* field parses them all again
    where = draw(st.sampled_from(["top", "part", "disposition"]))
    params = b"a=b; " * count
    if where == "top":
        head.append(b"Content-Type: text/plain; " + params)
        return newline.join(head) + newline + newline + b"Please unsubscribe me."
    header = b"Content-Type: text/plain; " if where == "part" else b"Content-Disposition: inline; "
    head.append(b'Content-Type: multipart/mixed; boundary="b"')
    parts = draw(st.integers(1, 64))
    part = b"--b" + newline + header + params[: len(params) // parts] + newline + newline + b"unsubscribe" + newline
    return newline.join(head) + newline + newline + part * parts + b"--b--" + newline


@pytest.mark.reliability
def test_mail_bombs_and_malformed_mail_are_read_or_sent_to_review_in_time() -> None:
    tally = Tally(CATEGORY, ())

    @fuzz(60)
    @given(raw=hostile_structure())
    @tally.counted
    def check(raw: bytes) -> None:
        mail, verdict = read(raw)
        assert_reads_what_is_there(raw, mail, verdict)

    with tally.recorded():
        check()


TWO_SENDERS = [
    b"{a}, {b}",
    b"{a},{b}",
    b"<{a}>, <{b}>",
    b"{a} <{b}>",
    b"<{a}> <{b}>",
    b"{a})<{b}>",
    b"{a} ({b})",
    b"({a}) {b}",
    b"g: {a}, {b};",
    b"{a}; {b}",
    b"Ann <{a}>, Bob <{b}>",
    b"{a}\r\n {b}",
    b"<{a}>\r\nFrom: {b}",  # two From fields
    b"{a_local}@=?utf-8?q?{b_host}?=",  # an encoded-word where the domain should be
]
ONE_SENDER_AND_A_DECOY = [b'"{b}" <{a}>', b"=?utf-8?q?{b_q}?= <{a}>", b"Ann (not {b_local}) <{a}>"]


@pytest.mark.reliability
def test_a_from_header_never_yields_an_address_it_does_not_hold_alone() -> None:
    """SPEC §4: the sender is the single address in From; otherwise the message goes to review, and the envelope
    sender, a display name or a comment is never used instead (CVE-2023-27043)."""
    tally = Tally(CATEGORY, ())

    @fuzz(150)
    @given(
        a=plain_address,
        b=plain_address,
        shape=st.one_of(
            st.tuples(st.just("two"), st.sampled_from(TWO_SENDERS)),
            st.tuples(st.just("decoy"), st.sampled_from(ONE_SENDER_AND_A_DECOY)),
        ),
        words=st.sampled_from(REQUEST_WORDS),
    )
    @tally.counted
    def check(a: str, b: str, shape: tuple[str, bytes], words: bytes) -> None:
        if normalize_address(a) == normalize_address(b):
            return
        kind, template = shape
        parts = {
            "a": a,
            "b": b,
            "a_local": a.partition("@")[0],
            "b_host": b.partition("@")[2],
            "b_local": b.partition("@")[0],
            "b_q": b.replace("@", "=40"),
        }
        header = template
        for key, value in parts.items():
            header = header.replace(b"{" + key.encode() + b"}", value.encode())
        raw = b"From: " + header + b"\r\nTo: support@shop.example\r\nSubject: unsubscribe\r\n\r\n" + words + b"\r\n"
        mail, verdict = read(raw)
        assert mail.sender != normalize_address(b), f"From {header!r} read as the decoy {b}"
        if kind == "two":
            assert mail.sender is None, f"From {header!r} read as {mail.sender}"
            assert verdict.kind is Kind.REVIEW, verdict
        else:
            assert mail.sender in (None, normalize_address(a)), f"From {header!r} read as {mail.sender}"

    with tally.recorded():
        check()


def bomb(header: bytes, body: bytes = b"Please unsubscribe me.", newline: bytes = b"\r\n") -> bytes:
    return newline.join([b"From: ann@example.com", b"To: support@shop.example", header]) + newline * 2 + body


CR_PART = b"--b\rContent-Type: text/plain\r\runsubscribe\r"
MAIL_BOMBS = {
    # found by this suite: each kept the email package parsing for minutes (the inbound Lambda has 60 s)
    "content_type_parameters": bomb(b"Content-Type: text/plain; " + b"a=b; " * 40_000),
    "part_parameters": bomb(
        b'Content-Type: multipart/mixed; boundary="b"',
        (b"--b\r\nContent-Type: text/plain; " + b"a=b; " * 400 + b"\r\n\r\nunsubscribe\r\n") * 100 + b"--b--\r\n",
    ),
    "recipients": bomb(b"Cc: " + b"(c) a@b.example, " * 40_000),
    # and address fields of a few tens of KiB, whose parse grows with the square of their size
    "recipient_commas": bomb(b"To: " + b"," * 30_000),
    "recipient_backslashes": bomb(b"Cc: " + b"\\a" * 15_000),
    "recipient_dots": bomb(b"Reply-To: " + b"a." * 21_000),
    "subject": bomb(b"Subject: " + b"x " * 500_000),
    "forwarded_recipients": bomb(
        b'Content-Type: multipart/mixed; boundary="b"',
        b"--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: bob@example.org\r\nTo: "
        + b"g: a@b.example;, " * 40_000
        + b"\r\n\r\nunsubscribe\r\n--b--\r\n",
    ),
    # found by this suite: with bare CR line endings the part and nesting counts saw nothing, and 50,000 parts
    # were parsed one by one
    "bare_cr_parts": bomb(b'Content-Type: multipart/mixed; boundary="b"', CR_PART * 50_000, b"\r"),
    "bare_cr_nesting": bomb(
        b'Content-Type: multipart/mixed; boundary="b0"',
        b"".join(b'--b%d\rContent-Type: multipart/mixed; boundary="b%d"\r\r' % (i, i + 1) for i in range(300)),
        b"\r",
    ),
}


@pytest.mark.reliability
@pytest.mark.parametrize("name", sorted(MAIL_BOMBS))
def test_a_mail_bomb_goes_to_review_unread_and_at_once(name: str) -> None:
    tally = Tally(CATEGORY, ())

    @tally.counted
    def check() -> None:
        mail, verdict = read(MAIL_BOMBS[name])
        assert mail.problem is not None, "a mail bomb was parsed"
        assert verdict.kind is Kind.REVIEW

    with tally.recorded():
        check()


SLOW_TO_READ = {
    # found by this suite: the address pattern backtracked over every start inside a long run of address
    # characters, so 64 KiB of text (or of a To header) took tens of seconds to search
    "address_run_in_text": bomb(b"Subject: unsubscribe", b"Please unsubscribe me. " + b"x" * 64_000),
    "address_run_in_recipients": bomb(b"X-Original-To: " + b"x" * 60_000),
    "address_run_in_a_forward": bomb(
        b'Content-Type: multipart/mixed; boundary="b"',
        b"--b\r\nContent-Type: text/plain\r\n\r\nPlease remove this customer. "
        + b"x" * 64_000
        + b"\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: bob@example.org\r\n\r\nunsubscribe "
        + b"y" * 64_000
        + b"\r\n--b--\r\n",
    ).replace(b"From: ann@example.com", b"From: agent@shop.example"),
}


@pytest.mark.reliability
@pytest.mark.parametrize("name", sorted(SLOW_TO_READ))
def test_long_runs_of_address_characters_are_read_in_time(name: str) -> None:
    tally = Tally(CATEGORY, ())

    @tally.counted
    def check() -> None:
        _, verdict = read(SLOW_TO_READ[name])
        assert verdict.kind in (Kind.REQUEST, Kind.FORWARDED), verdict
        assert verdict.address == ("bob@example.org" if "forward" in name else "ann@example.com")

    with tally.recorded():
        check()
