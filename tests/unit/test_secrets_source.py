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
        ({"woocommerce_secrets": [""]}, "woocommerce_secrets"),  # an empty secret would sign anything
        ({"woocommerce_secrets": []}, "woocommerce_secrets"),
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


class SplitParameterStore:
    """In AWS the API keys and webhook secrets live in the API function's own parameter."""

    def __init__(self, shared: str, api: str | None) -> None:
        self.values = {"/s/secrets": shared, **({"/s/api-secrets": api} if api is not None else {})}

    def get_parameters(self, Names: list[str], **_: Any) -> dict[str, Any]:
        return {
            "Parameters": [{"Name": n, "Value": self.values[n]} for n in Names if n in self.values],
            "InvalidParameters": [n for n in Names if n not in self.values],
        }

    def get_parameter(self, Name: str, **_: Any) -> dict[str, Any]:
        return {"Parameter": {"Value": self.values[Name]}}


def shared_only() -> str:
    doc = json.loads(document())
    return json.dumps({k: v for k, v in doc.items() if k not in ("api_keys", "webhook_secrets")})


def test_the_api_function_reads_its_own_parameter_with_the_shared_one_and_the_others_never_see_it() -> None:
    api = json.dumps({"api_keys": ["an-api-key-of-its-own-here"], "webhook_secrets": ["a-webhook-secret-here"]})
    store = SplitParameterStore(shared_only(), api)
    for_api = SsmSecretsSource(store, "/s/secrets", 730, api_name="/s/api-secrets").get()
    assert for_api.api_keys == ("an-api-key-of-its-own-here",) and for_api.tokens is not None
    for_sweep = SsmSecretsSource(store, "/s/secrets", 730).get()
    assert for_sweep.api_keys == () and for_sweep.webhook_secrets == ()  # every API call would be refused there


def test_the_api_function_without_its_parameter_fails_closed() -> None:
    with pytest.raises(ValueError, match="missing"):
        SsmSecretsSource(SplitParameterStore(shared_only(), None), "/s/secrets", 730, api_name="/s/api-secrets").get()
