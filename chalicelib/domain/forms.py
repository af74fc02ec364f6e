"""Reading HTML form posts (urlencoded or multipart) with limits, and telling an RFC 8058 one-click apart."""

from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs

from .errors import InvalidInput
from .mime_limits import content_field_bytes, unified_lines

MAX_FIELDS = 100
MAX_FORM_BYTES = 64 * 1024
# The email package parses a Content-* header again at every look, at ~0.1 ms a parameter: without these bounds a
# 64 KiB body of parameters takes seconds, for anyone posting to any /u/ path. A boundary is at most 70 characters
# (RFC 2046), and a form part needs one short Content-Disposition.
MAX_CONTENT_TYPE = 1024
MAX_PART_HEADER_BYTES = 8 * 1024
ONE_CLICK = {"List-Unsubscribe": ["One-Click"]}

Form = dict[str, list[str]]


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def parse_form(content_type: str, body: bytes) -> Form:
    if len(body) > MAX_FORM_BYTES:
        raise InvalidInput("the form is too large", code="invalid_form")
    media = _media_type(content_type)
    if media == "application/x-www-form-urlencoded":
        try:
            fields = parse_qs(
                body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS, strict_parsing=False
            )
        except (UnicodeDecodeError, ValueError):
            raise InvalidInput("the form could not be read", code="invalid_form") from None
        return fields
    if media == "multipart/form-data":
        return _parse_multipart(content_type, body)
    raise InvalidInput("forms must be urlencoded or multipart", code="invalid_form")


def _parse_multipart(content_type: str, body: bytes) -> Form:
    too_long = len(content_type) > MAX_CONTENT_TYPE
    if too_long or content_field_bytes(unified_lines(body)) > MAX_PART_HEADER_BYTES:
        raise InvalidInput("the form's headers are too large", code="invalid_form")
    header = f"Content-Type: {content_type}\r\n\r\n".encode()
    try:
        message = BytesParser(policy=HTTP).parsebytes(header + body)
    except Exception:  # noqa: BLE001 - the email parser raises many kinds on malformed input
        raise InvalidInput("the form could not be read", code="invalid_form") from None
    if not message.is_multipart():
        raise InvalidInput("the form could not be read", code="invalid_form")
    fields: Form = {}
    for count, part in enumerate(message.iter_parts()):
        if count >= MAX_FIELDS:
            raise InvalidInput("the form has too many fields", code="invalid_form")
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            raise InvalidInput("the form could not be read", code="invalid_form")
        try:
            fields.setdefault(name, []).append(payload.decode("utf-8"))
        except UnicodeDecodeError:
            raise InvalidInput("the form could not be read", code="invalid_form") from None
    return fields


def is_one_click(fields: Form) -> bool:
    """RFC 8058: exactly `List-Unsubscribe=One-Click`. Anything more or less is not a one-click removal."""
    return fields == ONE_CLICK
