"""Talking to the `make run` stack over real HTTP: JSON calls, and storefront webhooks signed as the storefront
signs them."""

import json
import time
import urllib.error
import urllib.request
from typing import Any

from tests.e2e.conftest import Stack
from tests.support.events import body_of, signature

API_KEY = {"Authorization": "Bearer dev-api-key"}


def call(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None
) -> tuple[int, Any]:
    """One request; a JSON answer is parsed, anything else comes back as text."""
    request = urllib.request.Request(
        url, data=body, headers=headers or {}, method=method or ("POST" if body else "GET")
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw[:1] in (b"{", b"[") else raw.decode()


def webhook(stack: Stack, payload: dict[str, Any]) -> tuple[int, Any]:
    body = body_of(payload)
    headers = {
        "Content-Type": "application/json",
        "Listkeeper-Signature": signature("dev-webhook-secret", body, time.time()),
    }
    return call(f"{stack.base_url}/webhooks/storefront", body, headers)


def api(stack: Stack, path: str, payload: Any = None, method: str | None = None) -> tuple[int, Any]:
    """A call to the operator API with the local stage's key."""
    body = None if payload is None else json.dumps(payload).encode()
    headers = {**API_KEY, **({"Content-Type": "application/json"} if body is not None else {})}
    return call(f"{stack.base_url}{path}", body, headers, method)
