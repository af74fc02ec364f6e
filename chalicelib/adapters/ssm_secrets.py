"""Secrets from one SSM Parameter Store SecureString (JSON), cached for a few minutes so rotations are picked up.

{"webhook_secrets": ["..."], "api_keys": ["..."], "token_keys": {"k1": "<base64 of 32 bytes>"},
 "active_token_key": "k1",
 "hash_peppers": {"p1": "<base64>"}, "active_hash_pepper": "p1"}
"""

import base64
import json
import threading
import time
from typing import Any

from ..domain.tokens import TokenCodec
from ..services.ports import Secrets


def secrets_from_json(text: str, token_max_age_days: int) -> Secrets:
    doc = json.loads(text)
    keys = {kid: base64.b64decode(raw) for kid, raw in doc["token_keys"].items()}
    return Secrets(
        webhook_secrets=tuple(doc["webhook_secrets"]),
        api_keys=tuple(doc["api_keys"]),
        tokens=TokenCodec(keys, doc["active_token_key"], token_max_age_days),
        peppers={pid: base64.b64decode(raw) for pid, raw in doc["hash_peppers"].items()},
        active_pepper=doc["active_hash_pepper"],
    )


class SsmSecretsSource:
    def __init__(self, client: Any, name: str, token_max_age_days: int, ttl_seconds: int = 300) -> None:
        self._client = client
        self._name = name
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
            response = self._client.get_parameter(Name=self._name, WithDecryption=True)
            secrets = secrets_from_json(response["Parameter"]["Value"], self._max_age)
            self._cached = (now, secrets)
            return secrets
