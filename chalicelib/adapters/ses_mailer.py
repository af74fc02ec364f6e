"""Sending through SES as raw MIME that we build ourselves, so every header (List-Unsubscribe…) survives."""

import binascii
import os
import re
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from ..services.ports import AmbiguousMailError, MailError, OutgoingEmail, PermanentMailError

# RFC 5322 allows 998-octet lines; at 78 the email package would RFC 2047-encode a long link token, which
# breaks List-Unsubscribe in mail clients.
MAX_LINE = 998
MIME_POLICY = SMTP.clone(max_line_length=MAX_LINE)
OUTBOX_HEADER = "X-Listkeeper-Outbox"
PERMANENT_CODES = frozenset({"MessageRejected", "MailFromDomainNotVerified", "InvalidParameterValue"})
LINE_BREAK_REFUSED = "Header values may not contain linefeed or carriage return characters"
_FIELD_NAME = re.compile(r"[!-9;-~]+")  # RFC 5322 ftext: printable ASCII except the colon
_PLAIN_VALUE = re.compile(r"[ -~]*")  # printable ASCII and space: written as it is
_LINE_BREAK = re.compile(r"[\r\n]")
_PLAIN_LINE = re.compile(rf"[\t -~]{{0,{MAX_LINE}}}")  # 7bit as RFC 2045 allows it: no NUL, no bare CR or LF


def build_mime(email: OutgoingEmail, sender: str, domain: str) -> bytes:
    """A multipart/alternative message. Nothing in a name, subject or header value can add a header: CR and LF
    are refused, and a value that is not plain ASCII goes through the email package, which encodes it."""
    fields = [
        ("From", sender),
        ("To", email.to),
        ("Subject", email.subject),
        ("Date", formatdate(usegmt=True)),
        ("Message-ID", f"<{email.message_id}@{domain}>"),
        (OUTBOX_HEADER, email.message_id),
        *email.headers.items(),
    ]
    for name, value in fields:
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"invalid header name {name!r}")
        if _LINE_BREAK.search(value):
            raise ValueError(LINE_BREAK_REFUSED)
    if all(_PLAIN_VALUE.fullmatch(value) and len(name) + 2 + len(value) <= MAX_LINE for name, value in fields):
        return _plain_mime(fields, email.text, email.html)
    return _encoded_mime(fields, email.text, email.html)


def _plain_mime(fields: list[tuple[str, str]], text: str, html: str) -> bytes:
    """The common case, written directly: the email package parses every header it is given, about 5 ms a mail
    against 0.07 ms here (bench/overhead.py)."""
    parts = [_body_part("plain", text), _body_part("html", html)]
    boundary = "=_" + os.urandom(16).hex()
    while any(boundary.encode() in part for part in parts):  # cannot happen with 128 random bits; cheap to rule out
        boundary = "=_" + os.urandom(16).hex()
    head = "".join(f"{name}: {value}\r\n" for name, value in fields)
    head += f'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
    # the CRLF before each delimiter belongs to the delimiter (RFC 2046 §5.1.1), not to the part above it
    delimiter = f"\r\n--{boundary}\r\n".encode()
    closing = f"\r\n--{boundary}--\r\n".encode()
    return head.encode("ascii") + delimiter[2:] + delimiter.join(parts) + closing


def _body_part(subtype: str, content: str) -> bytes:
    """One text part: 7bit when it is printable ASCII in short lines, else quoted-printable UTF-8 (which keeps
    mostly-ASCII text readable and every line within limits)."""
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and lines[-1] == "":  # the text's own final line break; an empty text is one empty line
        lines.pop()
    if all(_PLAIN_LINE.fullmatch(line) for line in lines):
        encoding, body = "7bit", "".join(f"{line}\r\n" for line in lines).encode("ascii")
    else:
        # a lone surrogate (JSON can carry one in a name) has no UTF-8 form: "?" rather than no mail at all
        encoded = binascii.b2a_qp("\n".join(lines).encode("utf-8", "replace") + b"\n", istext=True)
        encoding, body = "quoted-printable", encoded.replace(b"\n", b"\r\n")
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n'
    return head.encode("ascii") + body


def _encoded_mime(fields: list[tuple[str, str]], text: str, html: str) -> bytes:
    """Non-ASCII header text (a name, a subject): the email package encodes it as RFC 2047 words."""
    message = EmailMessage(policy=MIME_POLICY)
    for name, value in fields:
        message[name] = value
    # quoted-printable like the other path: a 7-bit message passes any relay on the way
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
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
