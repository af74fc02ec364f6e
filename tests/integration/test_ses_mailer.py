"""Mail as SES receives it: raw MIME we build, so headers survive; nothing can inject a header."""

import email

import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.ses_mailer import SesMailer, build_mime
from chalicelib.services.ports import MailError, OutgoingEmail, PermanentMailError

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
