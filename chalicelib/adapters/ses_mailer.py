"""Sending through SES as raw MIME that we build ourselves, so every header (List-Unsubscribe…) survives."""

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from typing import Any

from botocore.exceptions import ClientError

from ..services.ports import MailError, OutgoingEmail, PermanentMailError

# RFC 5322 allows 998-octet lines; at 78 the email package would RFC 2047-encode a long link token, which
# breaks List-Unsubscribe in mail clients.
MIME_POLICY = SMTP.clone(max_line_length=998)
PERMANENT_CODES = frozenset({"MessageRejected", "MailFromDomainNotVerified", "InvalidParameterValue"})


def build_mime(email: OutgoingEmail, sender: str, domain: str) -> bytes:
    """A multipart/alternative message. The email package refuses CR/LF in header values, and encodes non-ASCII
    words, so nothing in a name or subject can add a header."""
    message = EmailMessage(policy=MIME_POLICY)
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<{email.message_id}@{domain}>"
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message.as_bytes()


class SesMailer:
    def __init__(self, client: Any, sender: str, configuration_set: str | None, domain: str) -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set
        self._domain = domain

    def send(self, email: OutgoingEmail) -> str:
        raw = build_mime(email, self._sender, self._domain)
        extra = {"ConfigurationSetName": self._configuration_set} if self._configuration_set else {}
        try:
            response = self._client.send_raw_email(Destinations=[email.to], RawMessage={"Data": raw}, **extra)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in PERMANENT_CODES:
                raise PermanentMailError(code) from exc
            raise MailError(code or "send failed") from exc
        return str(response["MessageId"])
