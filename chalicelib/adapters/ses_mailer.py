"""Sending through SES as raw MIME that we build ourselves, so every header (List-Unsubscribe…) survives."""

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from ..services.ports import AmbiguousMailError, MailError, OutgoingEmail, PermanentMailError

# RFC 5322 allows 998-octet lines; at 78 the email package would RFC 2047-encode a long link token, which
# breaks List-Unsubscribe in mail clients.
MIME_POLICY = SMTP.clone(max_line_length=998)
OUTBOX_HEADER = "X-Listkeeper-Outbox"
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
    message[OUTBOX_HEADER] = email.message_id
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
        extra: dict[str, Any] = {"Tags": [{"Name": "outbox_id", "Value": email.message_id}]}
        if self._configuration_set:
            extra["ConfigurationSetName"] = self._configuration_set  # its Send events fill the send log
        try:
            response = self._client.send_raw_email(Destinations=[email.to], RawMessage={"Data": raw}, **extra)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            if code in PERMANENT_CODES:
                raise PermanentMailError(code) from exc
            if status >= 500:
                raise AmbiguousMailError(code or str(status)) from exc
            raise MailError(code or "send failed") from exc
        except (BotoConnectionError, HTTPClientError) as exc:
            raise AmbiguousMailError(type(exc).__name__) from exc
        return str(response["MessageId"])
