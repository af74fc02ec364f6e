"""Email address validation and the one canonical form used as identity (SPEC §2).

Compared case-insensitively, the domain in its IDNA (punycode) form, Unicode NFC-normalised; plus-tags and dots
are kept. Anything that is not exactly one bare address is rejected, never guessed.
"""

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

from .errors import InvalidAddress

MAX_ADDRESS_LENGTH = 254
# An RFC 2047 encoded-word. RFC 2047 §5 forbids one anywhere in an addr-spec, but Python's email package decodes it
# even there, so `=?utf-8?q?a=40evil.example=2c_b?=@example.com` would become other recipients in a To header.
ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bq]\?[^?\s]*\?=", re.IGNORECASE)


def normalize_address(raw: object) -> str:
    """Return the canonical form of one email address, or raise InvalidAddress."""
    if not isinstance(raw, str):
        raise InvalidAddress("an email address must be a string")
    candidate = raw.strip(" \t")
    if not candidate:
        raise InvalidAddress("the email address is empty")
    if any(ch in candidate for ch in "\r\n\x00"):
        raise InvalidAddress("the email address contains a line break or NUL")
    if ENCODED_WORD.search(candidate):
        raise InvalidAddress("the email address holds an encoded-word (RFC 2047), which an address may not")
    if len(candidate) > MAX_ADDRESS_LENGTH * 4:
        raise InvalidAddress("the email address is too long")
    candidate = unicodedata.normalize("NFC", candidate)
    try:
        # email-validator rejects display names, comments, angle brackets, lists and quoted local parts:
        # exactly the "one bare address" rule. Deliverability (DNS) is not checked on a request path.
        valid = validate_email(candidate, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise InvalidAddress(f"not a valid email address: {exc}") from None
    domain = (valid.ascii_domain or valid.domain).lower()
    local = unicodedata.normalize("NFC", valid.local_part).lower()
    address = f"{local}@{domain}"
    if len(address.encode("utf-8")) > MAX_ADDRESS_LENGTH:
        raise InvalidAddress("the email address is too long")
    return address


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]
