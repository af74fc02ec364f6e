"""The secrets document (README, "Deploy to AWS"): a bad value is refused before it can weaken a check, and a
failed refresh keeps the last good secrets instead of failing every request mid-rotation."""

import base64
import json
from typing import Any

import pytest

from chalicelib.adapters.ssm_secrets import SsmSecretsSource, secrets_from_json


def document(**changes: Any) -> str:
    doc = {
        "webhook_secrets": ["a-webhook-secret-of-some-length"],
        "api_keys": ["an-api-key-of-some-length-too"],
        "token_keys": {"k1": base64.b64encode(bytes(32)).decode()},
        "active_token_key": "k1",
        "hash_peppers": {"p1": base64.b64encode(bytes(range(32))).decode()},
        "active_hash_pepper": "p1",
    }
    doc.update(changes)
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"api_keys": [""]}, "api_keys"),  # `Authorization: Bearer ` would pass
        ({"api_keys": []}, "api_keys"),
        ({"api_keys": ["short"]}, "api_keys"),
        ({"webhook_secrets": [""]}, "webhook_secrets"),
        ({"webhook_secrets": "one-string-not-a-list-of-them"}, "webhook_secrets"),
        ({"hash_peppers": {"p1": base64.b64encode(b"tiny").decode()}}, "hash_peppers"),
        ({"active_hash_pepper": "p2"}, "active_hash_pepper"),
        ({"token_keys": {"k1": "not base64!"}}, "token_keys"),
    ],
)
def test_a_bad_secrets_document_is_refused_naming_the_field_not_the_value(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field) as refused:
        secrets_from_json(document(**changes), 730)
    for value in changes.values():
        if isinstance(value, list) and value and value[0]:
            assert str(value[0]) not in str(refused.value)


class FlakyParameterStore:
    def __init__(self, values: list[Any]) -> None:
        self.values = values
        self.calls = 0

    def get_parameter(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        value = self.values.pop(0)
        if isinstance(value, Exception):
            raise value
        return {"Parameter": {"Value": value}}


def test_a_failed_refresh_keeps_the_last_good_secrets_and_tries_again_later() -> None:
    rotated = document(api_keys=["an-api-key-after-the-rotation"])
    store = FlakyParameterStore([document(), RuntimeError("throttled"), document(api_keys=[""]), rotated])
    source = SsmSecretsSource(store, "/listkeeper/test/secrets", 730, ttl_seconds=0)
    assert source.get().api_keys == ("an-api-key-of-some-length-too",)
    assert source.get().api_keys == ("an-api-key-of-some-length-too",)  # the store failed: last good kept
    assert source.get().api_keys == ("an-api-key-of-some-length-too",)  # a bad document: last good kept
    assert source.get().api_keys == ("an-api-key-after-the-rotation",)
    assert store.calls == 4


def test_without_any_good_secrets_a_failure_is_not_hidden() -> None:
    source = SsmSecretsSource(FlakyParameterStore([document(api_keys=[""])]), "/x", 730)
    with pytest.raises(ValueError, match="api_keys"):
        source.get()
