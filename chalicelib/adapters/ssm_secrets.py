"""Secrets from one SSM Parameter Store SecureString (JSON), cached for a few minutes so rotations are picked up.

{"webhook_secrets": ["..."], "api_keys": ["..."], "token_keys": {"k1": "<base64 of 32 bytes>"},
 "active_token_key": "k1",
 "hash_peppers": {"p1": "<base64>"}, "active_hash_pepper": "p1"}
"""

import base64
import binascii
import json
import logging
import threading
import time
from typing import Any

from ..domain.tokens import TokenCodec
from ..services.ports import Secrets

MIN_SECRET_CHARS = 8  # shorter is a mistake, not a secret (the local stage's documented `dev-api-key` is 11)
MIN_PEPPER_BYTES = 16
RETRY_AFTER_FAILURE_SECONDS = 30

log = logging.getLogger(__name__)


def _secret_list(doc: dict[str, Any], field: str, required: bool) -> tuple[str, ...]:
    if field not in doc and not required:
        return ()  # a function that checks no API key or webhook is not given them (they live apart in AWS)
    values = doc.get(field)
    if not isinstance(values, list) or not values:
        raise ValueError(f"secrets document: {field} must be a non-empty list")
    if not all(isinstance(v, str) and len(v.strip()) >= MIN_SECRET_CHARS for v in values):
        raise ValueError(f"secrets document: every {field} entry needs at least {MIN_SECRET_CHARS} characters")
    return tuple(values)


def _tokens_by_shop(doc: dict[str, Any], field: str) -> dict[str, str]:
    raw = doc.get(field, {})
    if not isinstance(raw, dict) or not all(
        isinstance(k, str)
        and isinstance(v, str)
        and len(v.strip()) >= MIN_SECRET_CHARS
        and v.strip().isascii()
        and v.strip().isprintable()  # a header value: no line break may reach the request (or its error message)
        for k, v in raw.items()
    ):
        raise ValueError(f"secrets document: {field} must map each shop to its access token")
    return {k.strip().lower(): v.strip() for k, v in raw.items()}


def _keyring(doc: dict[str, Any], field: str, min_bytes: int) -> dict[str, bytes]:
    raw = doc.get(field)
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"secrets document: {field} must map ids to base64 keys")
    try:
        keys = {str(kid): base64.b64decode(value, validate=True) for kid, value in raw.items()}
    except (binascii.Error, ValueError, TypeError):
        raise ValueError(f"secrets document: {field} holds a value that is not base64") from None
    if any(len(key) < min_bytes for key in keys.values()):
        raise ValueError(f"secrets document: {field} keys need at least {min_bytes} bytes")
    return keys


def _document(text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except ValueError:
        raise ValueError("secrets document: not JSON") from None
    if not isinstance(doc, dict):
        raise ValueError("secrets document: not a JSON object")
    return doc


def secrets_from_json(text: str, token_max_age_days: int, require_api: bool = True) -> Secrets:
    """Parse and check the document; a ValueError names the field at fault, never a value."""
    return secrets_from_doc(_document(text), token_max_age_days, require_api)


def secrets_from_doc(doc: dict[str, Any], token_max_age_days: int, require_api: bool) -> Secrets:
    keys = _keyring(doc, "token_keys", 32)
    peppers = _keyring(doc, "hash_peppers", MIN_PEPPER_BYTES)
    if doc.get("active_hash_pepper") not in peppers:
        raise ValueError("secrets document: active_hash_pepper names no pepper in hash_peppers")
    if doc.get("active_token_key") not in keys:
        raise ValueError("secrets document: active_token_key names no key in token_keys")
    return Secrets(
        webhook_secrets=_secret_list(doc, "webhook_secrets", require_api),
        api_keys=_secret_list(doc, "api_keys", require_api),
        woocommerce_secrets=_secret_list(doc, "woocommerce_secrets", False),
        shopify_secrets=_secret_list(doc, "shopify_secrets", False),
        shopify_tokens=_tokens_by_shop(doc, "shopify_tokens"),
        tokens=TokenCodec(keys, doc["active_token_key"], token_max_age_days),
        peppers=peppers,
        active_pepper=doc["active_hash_pepper"],
    )


class SsmSecretsSource:
    def __init__(
        self, client: Any, name: str, token_max_age_days: int, ttl_seconds: int = 300, api_name: str | None = None
    ) -> None:
        self._client = client
        self._name = name
        # the API function's own parameter (API keys, webhook secrets), read with the shared one in one request
        self._api_name = api_name
        self._max_age = token_max_age_days
        self._ttl = ttl_seconds
        self._cached: tuple[float, Secrets] | None = None
        self._lock = threading.Lock()

    def get(self) -> Secrets:
        now = time.monotonic()
        cached = self._cached
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        with self._lock:
            try:
                secrets = secrets_from_doc(self._fetch(), self._max_age, require_api=self._api_name is not None)
            except Exception:
                if self._cached is None:
                    raise  # nothing good to fall back on: the request fails, and says so in the log
                # mid-rotation or throttled: keep serving the last good secrets, ask again a little later
                log.exception("secrets refresh failed; keeping the last good secrets")
                last = self._cached[1]
                self._cached = (now - self._ttl + min(self._ttl, RETRY_AFTER_FAILURE_SECONDS), last)
                return last
            self._cached = (now, secrets)
            return secrets

    def _fetch(self) -> dict[str, Any]:
        if self._api_name is None:
            response = self._client.get_parameter(Name=self._name, WithDecryption=True)
            return _document(response["Parameter"]["Value"])
        response = self._client.get_parameters(Names=[self._name, self._api_name], WithDecryption=True)
        if response.get("InvalidParameters"):
            raise ValueError("secrets: a parameter is missing: " + ", ".join(response["InvalidParameters"]))
        merged: dict[str, Any] = {}
        for parameter in response["Parameters"]:
            merged.update(_document(parameter["Value"]))
        return merged
