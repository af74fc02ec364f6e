"""Mail as SES receives it: raw MIME we build, so headers survive; nothing can inject a header."""

import email
import email.message
import email.policy

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.adapters.ses_mailer import SesMailer, build_mime
from chalicelib.services.ports import MailError, OutgoingEmail, PermanentMailError
from tests.fuzz.fuzzing import any_text, fuzz

LONG_LINK = "<https://lists.shop.example/u/k1." + "A" * 120 + ">, <mailto:unsubscribe+abc@shop.example>"


def message(**changes: str) -> OutgoingEmail:
    fields = {"message_id": "welcome-1", "to": "jane@example.com", "subject": "Welcome", "text": "hi", "html": "<p>hi"}
    fields.update(changes)
    return OutgoingEmail(headers={"List-Unsubscribe": LONG_LINK}, **fields)  # type: ignore[arg-type]


def test_a_long_list_unsubscribe_stays_plain_on_one_line() -> None:
    raw = build_mime(message(), "Example Store <news@shop.example>", "shop.example")
    parsed = email.message_from_bytes(raw)
    assert parsed["List-Unsubscribe"] == LONG_LINK
    assert b"=?utf-8?" not in raw.split(b"\r\n\r\n", 1)[0].split(b"List-Unsubscribe:")[1].split(b"\r\n")[0]


@pytest.mark.parametrize("field", ["subject", "to"])
def test_a_header_value_with_a_line_break_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match="linefeed"):
        build_mime(message(**{field: "x\r\nBcc: victim@example.org"}), "Store <news@shop.example>", "shop.example")


def test_unicode_subjects_are_encoded_not_broken() -> None:
    raw = build_mime(message(subject="Bienvenue, José"), "Store <news@shop.example>", "shop.example")
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == "Bienvenue, José"


def test_a_message_with_a_unicode_subject_and_body_is_seven_bit_clean() -> None:
    raw = build_mime(
        message(subject="Vous avez quitté : Enquêtes", text="Comme demandé\n", html="<p>Retiré</p>"),
        "Store <news@shop.example>",
        "shop.example",
    )
    assert max(raw) < 128  # passes a relay without 8BITMIME
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    texts = [p.get_content().rstrip("\r\n") for p in parsed.walk() if p.get_content_maintype() == "text"]
    assert texts == ["Comme demandé", "<p>Retiré</p>"]


class FailingClient:
    def __init__(self, code: str) -> None:
        self.code = code

    def send_raw_email(self, **_: object) -> dict[str, str]:
        raise ClientError({"Error": {"Code": self.code, "Message": "x"}}, "SendRawEmail")


def test_ses_errors_are_told_apart_permanent_from_retryable() -> None:
    with pytest.raises(PermanentMailError):
        SesMailer(FailingClient("MessageRejected"), "s@shop.example", None, "shop.example").send(message())
    with pytest.raises(MailError) as caught:
        SesMailer(FailingClient("Throttling"), "s@shop.example", None, "shop.example").send(message())
    assert not caught.value.permanent


def test_an_unverified_sender_is_rejected_by_ses(aws: dict[str, str]) -> None:
    from chalicelib.adapters.aws import client

    mailer = SesMailer(client("ses"), "Other <news@not-verified.example>", None, "not-verified.example")
    with pytest.raises(PermanentMailError):
        mailer.send(message())


# --- the message as every mail client reads it back -------------------------------------------------------------

SENDER = "Example Store <news@shop.example>"
HEADERS = {"List-Unsubscribe": LONG_LINK, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def read_back(raw: bytes) -> tuple[dict[str, str], str, str]:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None and html is not None
    assert all(len(line) <= 998 for line in raw.split(b"\r\n")), "RFC 5322 line limit"
    assert b"\n" not in raw.replace(b"\r\n", b""), "every line ends in CRLF"
    return {name.lower(): str(value) for name, value in parsed.items()}, plain.get_content(), html.get_content()


def as_read(text: str) -> str:
    """What a reader gets back from a text part: lines end in CRLF, and the part ends with one."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return (lines if lines.endswith("\n") else lines + "\n").replace("\n", "\r\n")


def test_plain_mail_is_written_as_it_reads() -> None:
    outgoing = OutgoingEmail("welcome-2", "jane@example.com", "Welcome", "Hello\nthere", "<p>Hello</p>", HEADERS)
    raw = build_mime(outgoing, SENDER, "shop.example")
    headers, text, html = read_back(raw)
    assert (headers["from"], headers["to"], headers["subject"]) == (SENDER, "jane@example.com", "Welcome")
    assert headers["message-id"] == "<welcome-2@shop.example>" and headers["x-listkeeper-outbox"] == "welcome-2"
    assert headers["list-unsubscribe"] == LONG_LINK
    assert headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click"
    assert headers["content-type"].startswith("multipart/alternative")
    assert (text, html) == ("Hello\r\nthere\r\n", "<p>Hello</p>\r\n")
    assert b"Content-Transfer-Encoding: 7bit" in raw


def test_non_ascii_and_overlong_body_lines_are_encoded_and_read_back_exactly() -> None:
    body = "Merci, José — à bientôt ✓\n" + "x" * 2000 + "\n=3D stays literal\n"
    raw = build_mime(message(text=body, html=f"<p>{body}</p>"), SENDER, "shop.example")
    _, text, html = read_back(raw)
    assert (text, html) == (as_read(body), as_read(f"<p>{body}</p>"))
    assert b"quoted-printable" in raw and "José".encode() not in raw


@pytest.mark.parametrize("name", ["Bcc\r\nX", "X-Bad Name", "X:Colon", "", "X-Café"])
def test_a_header_name_that_is_not_a_field_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError):
        build_mime(OutgoingEmail("m", "jane@example.com", "s", "t", "h", {name: "v"}), SENDER, "shop.example")


# What a storefront event can carry in a name (storefront_events.py refuses controls and line separators), and
# whatever a body may hold.
header_text = st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=80)


@fuzz(150)
@given(subject=header_text, name=header_text, text=any_text(400), html=any_text(400))
def test_any_subject_name_or_body_reads_back_unchanged_and_adds_no_header(
    subject: str, name: str, text: str, html: str
) -> None:
    """Whatever a name, subject or body holds, a mail client reads it back as it was, and no header is added."""
    sender = f'"{name}" <news@shop.example>' if '"' not in name and "\\" not in name else SENDER
    outgoing = OutgoingEmail("m-1", "jane@example.com", subject, text, html, dict(HEADERS))
    headers, text_read, html_read = read_back(build_mime(outgoing, sender, "shop.example"))
    assert set(headers) == {"from", "to", "subject", "date", "message-id", "x-listkeeper-outbox", "mime-version",
                            "content-type", "list-unsubscribe", "list-unsubscribe-post"}  # fmt: skip
    assert " ".join(headers["subject"].split()) == " ".join(subject.split())  # folding may change white space
    assert headers["to"] == "jane@example.com" and headers["list-unsubscribe"] == LONG_LINK
    readable = [part.encode("utf-8", "replace").decode() for part in (text, html)]
    assert (text_read, html_read) == tuple(as_read(part) for part in readable)
