"""Link tokens for /u/{token} (SPEC §3.2).

A token is `<key id>.<base64url(nonce | XChaCha20-Poly1305 ciphertext)>` (libsodium's AEAD, through PyNaCl).
Encryption makes it opaque (the address is not readable), the Poly1305 tag makes it unforgeable and unalterable, the
24-byte nonce is random (safe at any volume, unlike GCM's 12), the key id lets keys rotate (old keys stay in the
keyring for verification), and verifying needs no database read. The issue day inside bounds its life.
"""

import base64
import binascii
import hashlib
import hmac
import os
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
)
from nacl.exceptions import CryptoError

from .errors import InvalidToken

ALL_EMAIL = "*"  # scope of links in listkeeper's own mail: all marketing email
OPT_IN_PREFIX = "optin:"  # scope of a fresh opt-in confirmation link: "optin:<topic>,<topic>"
OPT_IN_LIFETIME_DAYS = 7
FORMAT_VERSION = 1
NONCE_BYTES: int = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
MAX_TOKEN_LENGTH = 1024
MIN_LIFETIME_DAYS = 400
_KID = re.compile(r"^[a-z0-9]{1,8}$")
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class LinkClaims:
    address: str
    scope: str
    issued_second: int  # seconds since 2020-01-01 UTC (fits 4 bytes until 2156): when the link was made

    @property
    def issued_at(self) -> datetime:
        return _EPOCH + timedelta(seconds=self.issued_second)


def second_number(now: datetime) -> int:
    return int((now - _EPOCH).total_seconds())


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


HANDLE_KEY_BYTES = 16  # the address's item key: 128 bits of its keyed hash
SCOPE_CODE_BYTES = 3  # which of the person's lists: matched against the scopes their item names
HANDLE_TAG_BYTES = 6  # a forger must guess 48 bits, one email per guess
HANDLE_BYTES = HANDLE_KEY_BYTES + SCOPE_CODE_BYTES + HANDLE_TAG_BYTES  # 25 bytes: 40 base32 characters


def scope_code(scope: str) -> bytes:
    """A short name for a scope; list names are not secret, the handle's tag is what binds it."""
    return hashlib.sha256(b"mailto-scope\x00" + scope.encode()).digest()[:SCOPE_CODE_BYTES]


def _handle_tag(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, b"mailto\x00" + body, hashlib.sha256).digest()[:HANDLE_TAG_BYTES]


@dataclass(frozen=True)
class MailtoHandle:
    item_key: bytes  # where the person's item lives: what their address hashes to under the pepper
    scope_code: bytes


class TokenCodec:
    def __init__(self, keys: Mapping[str, bytes], active_kid: str, max_age_days: int = 730) -> None:
        if active_kid not in keys:
            raise ValueError("the active token key id is not in the keyring")
        for kid, key in keys.items():
            if not _KID.match(kid) or len(key) != 32:
                raise ValueError("token keys need ids of 1-8 [a-z0-9] and 32-byte keys")
        if max_age_days < MIN_LIFETIME_DAYS:
            raise ValueError(f"tokens must live at least {MIN_LIFETIME_DAYS} days")
        self._raw = dict(keys)
        self._raw_active = keys[active_kid]
        self._active = active_kid
        self._max_age_days = max_age_days

    def issue(self, address: str, scope: str, now: datetime) -> str:
        plain = struct.pack(">BI", FORMAT_VERSION, second_number(now)) + scope.encode() + b"\x00" + address.encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(plain, self._active.encode(), nonce, self._raw_active)
        return f"{self._active}.{_b64encode(nonce + sealed)}"

    def verify(self, token: str, now: datetime) -> LinkClaims:
        """Return the claims of a genuine, unexpired token; raise InvalidToken (without saying why) otherwise."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("invalid link")
        kid, dot, body = token.partition(".")
        key = self._raw.get(kid)
        if not dot or key is None:
            raise InvalidToken("invalid link")
        try:
            raw = _b64decode(body)
            if _b64encode(raw) != body:
                # only the spelling we issue: base64 decoding also takes padding, the standard alphabet, characters
                # it skips and changed unused low bits, and an altered link must not keep working
                raise ValueError("not the issued encoding")
            plain = crypto_aead_xchacha20poly1305_ietf_decrypt(raw[NONCE_BYTES:], kid.encode(), raw[:NONCE_BYTES], key)
        except (CryptoError, ValueError, binascii.Error):
            raise InvalidToken("invalid link") from None
        version, second = struct.unpack(">BI", plain[:5])
        scope, sep, address = plain[5:].partition(b"\x00")
        if version != FORMAT_VERSION or not sep:
            raise InvalidToken("invalid link")
        if second_number(now) - second > self._max_age_days * 86400:
            raise InvalidToken("invalid link")
        return LinkClaims(address=address.decode(), scope=scope.decode(), issued_second=second)

    def _purpose_key(self, kid: str, purpose: str) -> bytes | None:
        raw = self._raw.get(kid)
        return None if raw is None else hmac.new(raw, b"purpose\x00" + purpose.encode(), hashlib.sha256).digest()

    def seal(self, purpose: str, payload: bytes, now: datetime) -> str:
        """An opaque, tamper-proof value for `purpose` alone (a staff session): sealed under a key derived for that
        purpose, so it can never pass for a link token or for another purpose's value."""
        key = self._purpose_key(self._active, purpose)
        assert key is not None
        plain = struct.pack(">BI", FORMAT_VERSION, second_number(now)) + payload
        nonce = os.urandom(NONCE_BYTES)
        sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(plain, f"{purpose}\x00{self._active}".encode(), nonce, key)
        return f"{self._active}.{_b64encode(nonce + sealed)}"

    def unseal(self, purpose: str, value: str, now: datetime, max_age_seconds: int) -> bytes:
        """The payload of a value `seal` made for `purpose` less than `max_age_seconds` ago; InvalidToken otherwise."""
        if not isinstance(value, str) or len(value) > 4 * MAX_TOKEN_LENGTH:
            raise InvalidToken("invalid value")
        kid, dot, body = value.partition(".")
        key = self._purpose_key(kid, purpose)
        if not dot or key is None:
            raise InvalidToken("invalid value")
        try:
            raw = _b64decode(body)
            plain = crypto_aead_xchacha20poly1305_ietf_decrypt(
                raw[NONCE_BYTES:], f"{purpose}\x00{kid}".encode(), raw[:NONCE_BYTES], key
            )
        except (CryptoError, ValueError, binascii.Error):
            raise InvalidToken("invalid value") from None
        version, second = struct.unpack(">BI", plain[:5])
        age = second_number(now) - second
        if version != FORMAT_VERSION or not 0 <= age <= max_age_seconds:
            raise InvalidToken("invalid value")
        return plain[5:]

    def purpose_tag(self, purpose: str, value: str) -> str:
        """A MAC of `value` for `purpose` under the active key (a console form's anti-CSRF tag)."""
        key = self._purpose_key(self._active, purpose)
        assert key is not None
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def form_tag(self, token: str) -> str:
        """The anti-CSRF value a preference form must send back: a MAC of the link token under the key that sealed
        it, so only a page we rendered for this very link can carry it."""
        key = self._raw.get(token.partition(".")[0], self._raw_active)
        return hmac.new(key, b"form\x00" + token.encode(), hashlib.sha256).hexdigest()[:32]

    def check_form_tag(self, token: str, tag: object) -> bool:
        return isinstance(tag, str) and hmac.compare_digest(self.form_tag(token).encode(), tag.encode()[:64])

    def mailto_handle(self, item_key: bytes, scope: str) -> str:
        """The local-part handle of a mailto: unsubscribe address (at most 64 octets, so the token itself cannot go
        there): the person's item key, a code for the list, and a tag. Nothing is stored to read it back, and it
        holds no address: once the item is a tombstone, the handle names nobody."""
        if len(item_key) != HANDLE_KEY_BYTES:
            raise ValueError("an item key is 16 bytes")
        body = item_key + scope_code(scope)
        return base64.b32encode(body + _handle_tag(self._raw_active, body)).decode("ascii").lower()

    def read_mailto_handle(self, handle: str) -> MailtoHandle | None:
        """The item key and list code of a handle made under any key still held; None for anything else."""
        try:
            raw = base64.b32decode(handle.upper())
        except (binascii.Error, ValueError):
            return None
        if len(raw) != HANDLE_BYTES:
            return None
        body, tag = raw[:-HANDLE_TAG_BYTES], raw[-HANDLE_TAG_BYTES:]
        if not any(hmac.compare_digest(_handle_tag(key, body), tag) for key in self._raw.values()):
            return None
        return MailtoHandle(item_key=body[:HANDLE_KEY_BYTES], scope_code=body[HANDLE_KEY_BYTES:])
