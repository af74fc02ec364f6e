"""Storefront webhook signatures (SPEC §3.1): `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`."""

import base64
import hashlib
import hmac
from collections.abc import Sequence

from .errors import InvalidSignature

TOLERANCE_SECONDS = 300
MAX_HEADER_LENGTH = 4096


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(header: str | None, body: bytes, secrets: Sequence[str], now: float) -> None:
    """Accept when the timestamp is within tolerance and any v1 matches any of our secrets (rotation on both sides).
    Every failure raises the same InvalidSignature, so the answer tells an attacker nothing."""
    if not header or len(header) > MAX_HEADER_LENGTH or not secrets:
        raise InvalidSignature("missing or invalid signature")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        # ASCII only: str.isdigit() also says yes to "²" (which int() refuses) and to other scripts' digits, and
        # hmac.compare_digest refuses non-ASCII text; neither can be part of a genuine header
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value.isascii():
            candidates.append(value.strip().lower())
    if timestamp is None or not candidates or abs(now - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature("missing or invalid signature")
    signed = f"{timestamp}.".encode() + body
    matched = False
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        for candidate in candidates:
            # compare every pair, without stopping early, so timing does not reveal which one matched
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise InvalidSignature("missing or invalid signature")


def verify_platform_signature(header: str | None, body: bytes, secrets: Sequence[str]) -> None:
    """A storefront platform's signature (WooCommerce's X-WC-Webhook-Signature, Shopify's X-Shopify-Hmac-Sha256):
    base64 of HMAC-SHA256 over the raw body, under any of the current secrets. Every failure is the same."""
    if not header or len(header) > MAX_HEADER_LENGTH or not secrets or not header.isascii():
        raise InvalidSignature("missing or invalid signature")
    matched = False
    for secret in secrets:
        expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        matched |= hmac.compare_digest(expected, header.strip())
    if not matched:
        raise InvalidSignature("missing or invalid signature")
