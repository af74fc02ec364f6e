"""Turning raw inbound mail into an InboundMail, defensively (SPEC §4; ARCHITECTURE "Python's email package").

Limits are checked on the raw bytes before the parser sees them (deep multipart nesting makes it recurse too far),
unknown charsets fall back to a lossless-enough decode, and From is read strictly: exactly one valid address or
none (the `parseaddr` confusion of CVE-2023-27043 cannot pick a wrong address)."""

import re
from email import message_from_bytes
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage, Message
from email.policy import default
from html.parser import HTMLParser

from ..domain.addresses import ENCODED_WORD, normalize_address
from ..domain.errors import InvalidAddress
from ..domain.inbound import InboundMail
from ..domain.mime_limits import content_field_bytes, unified_lines
from ..domain.reading import ADDRESS_IN_TEXT

MAX_BYTES = 10 * 1024 * 1024
MAX_MULTIPARTS = 40  # bounds the nesting depth, and so the parser's recursion
MAX_PARTS = 500
MAX_TEXT = 64 * 1024
# The email package parses a header again at every look (a part's Content-Type a dozen times), at ~0.1 ms a
# parameter or an address: a few hundred KiB of header kept it busy past the Lambda's timeout, and retried.
MAX_MIME_HEADER_BYTES = 8 * 1024  # every Content-* field of every part, together
MAX_HEADER_BYTES = 64 * 1024  # the fields of the message's header, and of the one it forwards or returns
MAX_ADDRESS_HEADER_BYTES = 8 * 1024  # of those, the address fields: their parse grows with the square of the size
_ADDRESS_FIELDS = frozenset(
    {"from", "to", "cc", "bcc", "sender", "reply-to", "resent-from", "resent-to", "resent-cc", "resent-bcc"}
)
_MULTIPART = re.compile(rb"^content-type:\s*multipart/", re.IGNORECASE | re.MULTILINE)
_ANY_PART = re.compile(rb"^content-type:", re.IGNORECASE | re.MULTILINE)
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_registry = HeaderRegistry()


class _TextFromHtml(HTMLParser):
    """Visible text of an HTML body, without what mail clients put in quotes (blockquote, gmail_quote)."""

    SKIP: frozenset[str] = frozenset({"style", "script", "head", "blockquote"})
    BREAKS: frozenset[str] = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class")
        if tag in self.SKIP or "quote" in classes:
            self._skip_depth += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skip_depth and tag in self.SKIP | {"div"}:
            self._skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextFromHtml()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # noqa: BLE001, S110 - malformed HTML yields what was read so far
        pass
    return re.sub(r"[ \t]+", " ", "".join(parser.parts))


def _decode(part: Message) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else part.get_payload(decode=True)
    except (LookupError, UnicodeError, ValueError, AssertionError):
        content = None
    if isinstance(content, str):
        return content[:MAX_TEXT]
    raw = part.get_payload(decode=True)
    if isinstance(raw, bytes):
        return raw[:MAX_TEXT].decode("utf-8", errors="replace")
    return ""


def strict_sender(message: Message) -> str | None:
    """The From header's single address, or None when it does not hold exactly one valid address."""
    # the header as it came, before the email package's own parse (which may already have dropped the trap)
    values = [value for name, value in message.raw_items() if name.lower() == "from"]
    if len(values) != 1:
        return None
    raw = str(values[0])
    if "\n" in raw.strip() and not raw.strip().startswith("="):
        raw = " ".join(raw.split())
    unquoted = _QUOTED.sub('""', raw)
    if unquoted.count("@") != 1 or any(c in unquoted for c in ",;"):
        return None  # two addresses, or one hidden in a comment: never guess which
    try:
        header = _registry("from", raw)
        addresses = header.addresses  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - any parse failure means "not exactly one valid address"
        return None
    # defects in an encoded display name (bad base64 padding …) are tolerated; the address itself is checked below
    if len(addresses) != 1 or not addresses[0].addr_spec:
        return None
    if ENCODED_WORD.search(unquoted) and addresses[0].addr_spec.lower() not in raw.lower():
        return None  # the address came out of an encoded-word (`x@=?utf-8?q?shop.example?=`): not what was written
    try:
        return normalize_address(addresses[0].addr_spec)
    except InvalidAddress:
        return None


class _HeadersTooLarge(Exception):
    """Reading this header would take longer than a Lambda may run."""


def _bounded(message: Message) -> Message:
    """The message, once its header is known to be small enough to read (the fields as they came, not parsed)."""
    sizes = [(name.lower(), len(name) + len(str(value))) for name, value in message.raw_items()]
    addresses = sum(size for name, size in sizes if name in _ADDRESS_FIELDS)
    if sum(size for _, size in sizes) > MAX_HEADER_BYTES or addresses > MAX_ADDRESS_HEADER_BYTES:
        raise _HeadersTooLarge
    return message


def _recipients(message: Message, envelope: tuple[str, ...]) -> tuple[str, ...]:
    found = list(envelope)
    for name in ("To", "Cc", "Delivered-To", "X-Original-To"):
        for value in message.get_all(name) or []:
            # (?<!…): a match starts only where a run starts, so a long run without an @ is scanned once
            found.extend(m.group(0) for m in re.finditer(r"(?<![\w.+'-])[\w.+'-]+@[\w.-]+", str(value)))
    return tuple(dict.fromkeys(a.lower() for a in found))


def _returned_headers(message: Message) -> Message | None:
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return _bounded(inner[0])
        elif ctype == "text/rfc822-headers":
            return _bounded(message_from_bytes(_decode(part).encode("utf-8", errors="replace"), policy=default))
    return None


def _returned_outbox_id(message: Message) -> str | None:
    """Which of listkeeper's own messages a report returns: its X-Listkeeper-Outbox header, else the local part of
    its Message-ID (listkeeper writes `<outbox id@domain>`)."""
    try:
        returned = _returned_headers(message)
    except _HeadersTooLarge:
        return None
    if returned is None:
        return None
    value = str(returned.get("X-Listkeeper-Outbox") or "").strip()
    if not value:
        value = str(returned.get("Message-ID") or "").strip().strip("<>").partition("@")[0]
    return value[:100] if re.fullmatch(r"[\w.-]{1,100}", value) else None


def _feedback(message: Message) -> tuple[str | None, str | None]:
    """ARF (RFC 5965) and Hotmail's JMRP: (feedback type, complained-about recipient). The recipient is
    Original-Rcpt-To in the report, else X-HmXmrOriginalRecipient or To of the returned message."""
    candidates: list[str] = []
    feedback_type: str | None = None
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            payload = part.get_payload()
            text = "\n".join(str(p) for p in payload) if isinstance(payload, list) else str(payload or _decode(part))
            for line in text.splitlines():
                name, _, value = line.partition(":")
                key = name.strip().lower()
                if key in ("original-rcpt-to", "removal-recipient"):
                    candidates.append(value.strip().removeprefix("rfc822;").strip())
                elif key == "feedback-type":
                    feedback_type = value.strip().lower()
    returned = _returned_headers(message)
    if returned is not None and returned.get("X-HmXmrOriginalRecipient"):
        feedback_type = feedback_type or "jmrp"
        candidates.append(str(returned.get("X-HmXmrOriginalRecipient")))
    if feedback_type is None:
        return None, None
    if returned is not None and returned.get("To"):
        candidates.append(str(returned.get("To")))
    for candidate in candidates:
        match = ADDRESS_IN_TEXT.search(candidate)
        if match:
            try:
                return feedback_type, normalize_address(match.group(0))
            except InvalidAddress:
                continue
    return feedback_type, None


def _body_and_forward(message: Message) -> tuple[str, Message | None, tuple[str, ...]]:
    """The message's own text, the first attached message (message/rfc822), and all part types."""
    plain: list[str] = []
    html: list[str] = []
    forwarded: Message | None = None
    types: list[str] = []

    def visit(part: Message, depth: int) -> None:
        nonlocal forwarded
        ctype = part.get_content_type()
        types.append(ctype)
        if len(types) > MAX_PARTS:
            return
        if ctype == "message/rfc822":
            inner = part.get_payload()
            if forwarded is None and isinstance(inner, list) and inner and isinstance(inner[0], Message):
                forwarded = inner[0]
            return  # the returned or forwarded original is not the sender's own text
        if part.is_multipart():
            payload = part.get_payload()
            for child in payload if isinstance(payload, list) else []:
                if isinstance(child, Message):
                    visit(child, depth + 1)
            return
        if part.get_content_disposition() == "attachment":
            return
        if ctype == "text/plain":
            plain.append(_decode(part))
        elif ctype == "text/html":
            html.append(html_to_text(_decode(part)))

    visit(message, 0)
    text = "\n".join(plain) if plain else "\n".join(html)
    return text[:MAX_TEXT], forwarded, tuple(types)


def _to_inbound(message: Message, envelope: tuple[str, ...], nested: bool = False) -> InboundMail:
    _bounded(message)
    text, forwarded, types = _body_and_forward(message)
    headers: dict[str, str] = {}
    for name, value in message.items():
        headers.setdefault(name.lower(), str(value))
    content_type = message.get_content_type()
    feedback_type, feedback_recipient = (None, None) if nested else _feedback(message)
    report_type = message.get_param("report-type") if content_type == "multipart/report" else ""
    return InboundMail(
        sender=strict_sender(message),
        recipients=() if nested else _recipients(message, envelope),
        subject=" ".join(str(message.get("Subject", "")).split())[:500],
        headers=headers,
        content_type=content_type,
        report_type=report_type.lower() if isinstance(report_type, str) else "",
        part_types=types,
        text=text,
        forwarded=_to_inbound(forwarded, (), nested=True) if forwarded is not None and not nested else None,
        feedback_recipient=feedback_recipient,
        feedback_type=feedback_type,
        feedback_outbox_id=_returned_outbox_id(message) if feedback_type else None,
    )


def parse_inbound(raw: bytes, envelope_recipients: tuple[str, ...] = ()) -> InboundMail:
    """Never raises: a message that cannot be read comes back with `problem` set (and goes to review)."""
    if len(raw) > MAX_BYTES:
        return InboundMail(sender=None, recipients=envelope_recipients, problem="message too large")
    lines = unified_lines(raw)
    if len(_MULTIPART.findall(lines)) > MAX_MULTIPARTS or len(_ANY_PART.findall(lines)) > MAX_PARTS:
        return InboundMail(sender=None, recipients=envelope_recipients, problem="too many or too deeply nested parts")
    if content_field_bytes(lines) > MAX_MIME_HEADER_BYTES:
        return InboundMail(sender=None, recipients=envelope_recipients, problem="headers too large")
    try:
        message = message_from_bytes(raw, policy=default)
        return _to_inbound(message, envelope_recipients)
    except _HeadersTooLarge:
        return InboundMail(sender=None, recipients=envelope_recipients, problem="headers too large")
    except (RecursionError, MemoryError):
        return InboundMail(sender=None, recipients=envelope_recipients, problem="too deeply nested")
    except Exception as exc:  # noqa: BLE001 - whatever the input, the function must not crash in a retry loop
        return InboundMail(sender=None, recipients=envelope_recipients, problem=f"unreadable ({type(exc).__name__})")
