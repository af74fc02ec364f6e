"""The whole Lambda through chalice.test.Client: status codes, error shapes and effects a caller sees."""

import json
import time
from typing import Any

import pytest
from chalice.test import Client

from tests.support.events import POSTAL, body_of, event, signature

SECRET, API_KEY = "dev-webhook-secret", "dev-api-key"


def post_webhook(
    client: Client, payload: Any, *, secret: str = SECRET, at: float | None = None, raw: bytes | None = None
) -> Any:
    body = raw if raw is not None else body_of(payload)
    return client.http.post(
        "/webhooks/storefront",
        headers={
            "Content-Type": "application/json",
            "Listkeeper-Signature": signature(secret, body, at or time.time()),
        },
        body=body,
    )


def api(client: Client, path: str, payload: Any, key: str | None = API_KEY) -> Any:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return client.http.post(path, headers=headers, body=json.dumps(payload))


def eligible(client: Client, recipients: list[Any], topic: str = "updates", channel: str = "email") -> list[Any]:
    response = api(client, "/v1/eligibility", {"channel": channel, "topic": topic, "recipients": recipients})
    assert response.status_code == 200
    return response.json_body["results"]


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.json_body["error"]["code"] == code
    assert response.json_body["error"]["message"]


def test_health_needs_no_key(client: Client) -> None:
    response = client.http.get("/health")
    assert response.status_code == 200 and response.json_body == {"status": "ok"}


def test_a_signed_saved_info_event_subscribes_and_eligibility_says_so(client: Client, sent_mail: Any) -> None:
    response = post_webhook(client, event("evt_1", email="Jane@Example.com", postal_address=POSTAL))
    assert response.status_code == 200
    assert response.json_body == {"status": "processed", "event_id": "evt_1"}
    assert eligible(client, ["jane@example.com", "JANE@example.COM", "nobody@example.com", "bad"]) == [
        {"recipient": "jane@example.com", "allowed": True, "reason": "subscribed"},
        {"recipient": "JANE@example.COM", "allowed": True, "reason": "subscribed"},
        {"recipient": "nobody@example.com", "allowed": False, "reason": "not_subscribed"},
        {"recipient": "bad", "allowed": False, "reason": "invalid_address"},
    ]
    assert eligible(client, ["jane@example.com"], "catalog", "postal")[0]["allowed"] is True
    assert eligible(client, ["jane@example.com"], "promotions")[0]["reason"] == "not_subscribed"
    assert len(sent_mail()) == 1


def test_redelivery_is_a_duplicate_and_a_reused_id_is_a_conflict(client: Client, sent_mail: Any) -> None:
    payload = event("evt_1")
    assert post_webhook(client, payload).json_body["status"] == "processed"
    reserialised = json.dumps(payload, indent=2, sort_keys=True).encode()  # the same event as parsed JSON
    assert post_webhook(client, None, raw=reserialised).json_body == {"status": "duplicate", "event_id": "evt_1"}
    assert_error(post_webhook(client, event("evt_1", email="john@example.com")), 409, "event_id_reused")
    assert eligible(client, ["john@example.com"])[0]["reason"] == "not_subscribed"
    assert len(sent_mail()) == 1


def test_unknown_event_types_are_ignored(client: Client) -> None:
    response = post_webhook(client, event("evt_9", "customer.loyalty_changed"))
    assert response.json_body == {"status": "ignored", "event_id": "evt_9"}


@pytest.mark.parametrize(
    ("kwargs", "header"),
    [
        ({"secret": "not-the-secret"}, None),
        ({"at": time.time() - 301}, None),
        ({}, ""),
        ({}, "t=1,v1=abc"),
    ],
)
def test_bad_signatures_get_401_and_change_nothing(client: Client, kwargs: dict[str, Any], header: str | None) -> None:
    payload = event("evt_1")
    if header is None:
        response = post_webhook(client, payload, **kwargs)
    else:
        response = client.http.post(
            "/webhooks/storefront",
            headers={"Content-Type": "application/json", "Listkeeper-Signature": header},
            body=body_of(payload),
        )
    assert_error(response, 401, "invalid_signature")
    assert post_webhook(client, payload).json_body["status"] == "processed"  # the id was never claimed


def test_bad_payloads_get_400_naming_the_problem_and_change_nothing(client: Client) -> None:
    assert_error(post_webhook(client, None, raw=b"{oops"), 400, "malformed_json")
    assert_error(post_webhook(client, event("evt_1", email="alice@x)<bob@y>")), 400, "invalid_address")
    response = post_webhook(client, event("evt_2", name="Jane\r\nBcc: x@example.org"))
    assert_error(response, 400, "invalid_field")
    assert "data.name" in response.json_body["error"]["message"]
    assert eligible(client, ["jane@example.com"])[0]["reason"] == "not_subscribed"


def test_bodies_over_256_kib_get_413(client: Client) -> None:
    payload = event("evt_1", name="x")
    payload["padding"] = "x" * (256 * 1024)
    assert_error(post_webhook(client, payload), 413, "payload_too_large")


def test_the_api_needs_a_valid_bearer_key(client: Client) -> None:
    body = {"channel": "email", "topic": "updates", "recipients": []}
    assert_error(api(client, "/v1/eligibility", body, key=None), 401, "unauthorized")
    assert_error(api(client, "/v1/eligibility", body, key="dev-api-key-but-longer"), 401, "unauthorized")
    assert_error(
        api(client, "/v1/unsubscribe-links", {"recipient": "a@example.com", "topic": "updates"}, key="x"),
        401,
        "unauthorized",
    )
    assert api(client, "/v1/eligibility", body).json_body == {"results": []}


def test_eligibility_validates_its_request(client: Client) -> None:
    assert_error(
        api(client, "/v1/eligibility", {"channel": "fax", "topic": "updates", "recipients": []}), 400, "invalid_channel"
    )
    assert_error(
        api(client, "/v1/eligibility", {"channel": "email", "topic": "spam", "recipients": []}), 400, "invalid_topic"
    )
    too_many = {"channel": "email", "topic": "updates", "recipients": ["a@example.com"] * 1001}
    assert_error(api(client, "/v1/eligibility", too_many), 400, "too_many_recipients")
    results = eligible(client, [f"user{i}@example.com" for i in range(1000)])
    assert len(results) == 1000 and results[999]["recipient"] == "user999@example.com"


def test_unsubscribe_links_follow_rfc_8058(client: Client) -> None:
    response = api(client, "/v1/unsubscribe-links", {"recipient": "Jane@Example.com", "topic": "promotions"})
    assert response.status_code == 200
    body = response.json_body
    assert body["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    https_part, mailto_part = (p.strip() for p in body["list_unsubscribe"].split(","))
    assert https_part == f"<{body['preferences_url']}>"
    assert body["preferences_url"].startswith("http://127.0.0.1:8000/u/k1.")
    assert "jane" not in body["preferences_url"].lower()
    local_part = mailto_part.removeprefix("<mailto:").split("@")[0]
    assert local_part.startswith("unsubscribe+") and len(local_part) <= 64
    assert_error(
        api(client, "/v1/unsubscribe-links", {"recipient": "two@a.com, b@b.com", "topic": "updates"}),
        400,
        "invalid_address",
    )
    assert_error(api(client, "/v1/unsubscribe-links", {"recipient": "a@example.com"}), 400, "missing_field")


def test_an_unexpected_fault_is_a_500_without_a_stack_trace(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters.dynamo_store import DynamoContactStore

    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError("disk on fire at /secret/path.py line 42")

    monkeypatch.setattr(DynamoContactStore, "claim_event", explode)
    response = post_webhook(client, event("evt_1"))
    assert_error(response, 500, "internal_error")
    assert "Traceback" not in response.body.decode() and "/secret/path" not in response.body.decode()


def test_unsupported_media_types_get_the_same_error_shape(client: Client) -> None:
    response = client.http.post("/webhooks/storefront", headers={"Content-Type": "text/plain"}, body=b"hi")
    assert_error(response, 415, "unsupported_media_type")
