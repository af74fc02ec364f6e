"""The inbound classifier: its early labelled messages (safe outcomes only), the real-mail corpus, and hostile or
broken input."""

from pathlib import Path

import pytest

from chalicelib.adapters.mime import parse_inbound, strict_sender
from chalicelib.domain.inbound import Kind, classify
from tests.support.mail import CASES, build

AGENTS = frozenset({"shop.example"})
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
ACTING = {Kind.REQUEST, Kind.FORWARDED, Kind.MAILTO}


def verdict_for(raw: bytes, recipients: tuple[str, ...] = ("support@shop.example",)):  # type: ignore[no-untyped-def]
    return classify(parse_inbound(raw, recipients), AGENTS)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_each_early_labelled_message_is_read_as_labelled_or_left_to_a_person(case: dict) -> None:  # type: ignore[type-arg]
    """The first 30 messages were written beside the first classifier, so they measure nothing (the labelled
    sets in tests/fixtures/requests/*.jsonl and `make bench` do); they pin the safe outcomes: a request is acted on
    exactly as labelled or sent to review, and a message that asks nothing is never acted on."""
    verdict = verdict_for(build(case))
    if case["expect"] in {k.value for k in ACTING}:
        assert verdict.kind is Kind.REVIEW or verdict.kind.value == case["expect"], verdict.reason
        if verdict.kind is not Kind.REVIEW:
            assert list(verdict.scopes) == case.get("scopes", list(verdict.scopes))
            assert verdict.address == case.get("address", verdict.address)
    else:
        assert verdict.kind not in ACTING, verdict.reason


CORPUS_FILES = sorted(CORPUS.glob("*/*.eml"))
ARF_RECIPIENTS = {
    "arf-01.eml": "redacted@example.net",
    "arf-12.eml": "user@example.com",
    "arf-16.eml": "kijitora@example.com",
    "arf-22.eml": "kijitora@example.com",
    "arf-25.eml": "hashed@example.com",
}


def test_the_corpus_is_all_here() -> None:
    assert len(CORPUS_FILES) == 213 and (CORPUS / "real-bounces" / "LICENSE").exists()


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_no_real_bounce_or_auto_reply_is_read_as_a_request(path: Path) -> None:
    verdict = verdict_for(path.read_bytes())
    assert verdict.kind not in ACTING and verdict.kind is not Kind.REVIEW, verdict.reason
    if path.name in ARF_RECIPIENTS:
        assert (verdict.kind, verdict.address) == (Kind.COMPLAINT, ARF_RECIPIENTS[path.name])
    elif path.name == "arf-19.eml":
        assert verdict.kind is Kind.DSN  # a DMARC failure report, not a recipient's complaint
    elif path.parent.name == "real-bounces":
        assert verdict.kind in (Kind.DSN, Kind.AUTO_REPLY, Kind.OTHER)


def test_a_mailto_unsubscribe_is_exact_whatever_the_words() -> None:
    raw = build({"id": "m", "from": "zed@example.com", "subject": "", "body": "sent from my phone"})
    verdict = verdict_for(raw, ("unsubscribe+ABCDEFGHIJKLMNOP@shop.example",))
    assert verdict.kind is Kind.MAILTO and verdict.handle == "abcdefghijklmnop"


@pytest.mark.parametrize(
    "header",
    [
        "alice@example.org)<bob@example.com>",
        "alice@example.com, bob@example.com",
        "Alice <alice@example.com> <bob@example.com>",
        '"bob@example.com" <alice@example.com>, x@y.com',
        "alice@example.org (bob@example.com)",
        "undisclosed-recipients:;",
        "",
        "no address at all",
    ],
)
def test_from_never_yields_a_guessed_address(header: str) -> None:
    raw = f"From: {header}\r\nTo: support@shop.example\r\nSubject: unsubscribe\r\n\r\nunsubscribe\r\n".encode()
    mail = parse_inbound(raw)
    assert mail.sender is None
    assert classify(mail, AGENTS).kind is Kind.REVIEW


def test_a_quoted_display_name_with_an_at_sign_is_still_one_address() -> None:
    raw = b'From: "Bob @ Home" <bob@example.com>\r\nSubject: x\r\n\r\nx'
    assert parse_inbound(raw).sender == "bob@example.com"
    from email import message_from_bytes
    from email.policy import default

    assert strict_sender(message_from_bytes(raw, policy=default)) == "bob@example.com"


def test_a_thousand_nested_multiparts_are_refused_before_parsing() -> None:
    depth = 1000
    head = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth))
    raw = f"From: a@example.com\r\nSubject: unsubscribe\r\n{head}\r\nunsubscribe\r\n".encode()
    mail = parse_inbound(raw)
    assert mail.problem is not None and "nested" in mail.problem
    assert classify(mail, AGENTS).kind is Kind.REVIEW


def test_unknown_charsets_and_broken_encodings_do_not_crash() -> None:
    raw = (
        b"From: ann@example.com\r\nSubject: =?x-unknown?q?unsubscribe?=\r\n"
        b"Content-Type: text/plain; charset=x-made-up\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64 unsubscribe\r\n"
    )
    verdict = verdict_for(raw)
    assert verdict.kind in (Kind.REQUEST, Kind.REVIEW, Kind.OTHER)


def test_an_oversized_message_goes_to_review_unread() -> None:
    raw = b"From: ann@example.com\r\nSubject: unsubscribe\r\n\r\n" + b"x" * (10 * 1024 * 1024 + 1)
    mail = parse_inbound(raw)
    assert mail.problem == "message too large" and classify(mail, AGENTS).kind is Kind.REVIEW


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied\r\nSubject: Out of office",
        "Return-Path: <>\r\nSubject: Automatic reply: unsubscribe",
        "Precedence: bulk\r\nSubject: unsubscribe",
        "List-Id: <deals.lists.example.com>\r\nSubject: unsubscribe",
        "X-Autoreply: yes\r\nSubject: unsubscribe",
    ],
)
def test_automatic_messages_never_count_as_requests(headers: str) -> None:
    raw = f"From: ann@example.com\r\n{headers}\r\n\r\nPlease unsubscribe me.\r\n".encode()
    assert verdict_for(raw).kind not in ACTING


@pytest.mark.parametrize(
    "subject",
    ["Re: Bounce-back sale", "Returned item", "Vacation photos", "Delivery rejected?", "Automatic reply: unsubscribe"],
)
def test_a_subject_alone_never_makes_a_persons_request_a_machines(subject: str) -> None:
    raw = f"From: ann@example.com\r\nSubject: {subject}\r\n\r\nPlease take me off your email list.\r\n".encode()
    verdict = verdict_for(raw)
    assert (verdict.kind, verdict.scopes, verdict.address) == (Kind.REQUEST, ("email",), "ann@example.com")


@pytest.mark.parametrize(
    "headers",
    ["Return-Path: <>", "Auto-Submitted: auto-generated", "X-Autoreply: yes", "Precedence: auto_reply"],
)
def test_report_structure_a_null_sender_or_rfc3834_headers_make_a_machine(headers: str) -> None:
    raw = f"From: ann@example.com\r\n{headers}\r\nSubject: x\r\n\r\nPlease take me off your email list.\r\n".encode()
    assert verdict_for(raw).kind in (Kind.DSN, Kind.AUTO_REPLY)


@pytest.mark.parametrize(
    ("subject", "body", "kind"),
    [
        ("Re: Your order has shipped", "remove", Kind.REVIEW),  # "this" may be the order mail
        ("Re: Your autumn catalog is on its way", "Please stop.", Kind.REVIEW),  # post, or the email about it?
        ("Re: Weekly deals newsletter", "stop", Kind.REQUEST),  # plainly marketing mail
        ("Re: Votre avis compte", "Non merci.", Kind.REVIEW),  # a few words in reply: a person reads them
        ("Hello", "Non merci.", Kind.OTHER),  # not a reply, no list words
    ],
)
def test_a_bare_reply_acts_only_on_mail_that_is_plainly_a_newsletter(subject: str, body: str, kind: Kind) -> None:
    raw = f"From: ann@example.com\r\nSubject: {subject}\r\n\r\n{body}\r\n".encode()
    assert verdict_for(raw).kind is kind
