"""A Shopify shop's own webhooks (`POST /webhooks/shopify`): a configured shop's signed deliveries, deduplicated by
webhook id, translated into saved information, orders, the customer's email marketing consent and the compliance
erasure; anything forged, unknown or malformed changes nothing."""

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

from tests.functional.helpers import allowed, api, link_path, mails, one_click, table_snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shopify"
SECRET, SHOP = "dev-shopify-secret", "dev-shop.myshopify.com"
BOB = "bob@biller.com"


def resource(topic: str, **changes: Any) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{topic.replace('/', '-')}.json").read_text()) | changes


def deliver(
    client: Client, topic: str, body: Any, webhook_id: str = "w-1", secret: str = SECRET, shop: str = SHOP
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode(),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2025-10",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Triggered-At": "2026-11-20T15:15:00.000000Z",
    }
    return client.http.post("/webhooks/shopify", headers=headers, body=raw)


def consent(state: str, at: str = "2026-11-20T15:16:00Z") -> dict[str, Any]:
    return {"email_marketing_consent": {"state": state, "opt_in_level": "single_opt_in", "consent_updated_at": at}}


def test_a_new_customer_is_saved_info_once_with_the_shops_namespaced_id(client: Client, sent_mail: Any) -> None:
    answer = deliver(client, "customers/create", resource("customers/create"))
    assert answer.json_body == {"status": "processed", "event_id": "shopify:dev-shop.myshopify.com:w-1"}
    assert allowed(client, "updates", address=BOB) == (True, "subscribed")  # SPEC §1.1: saved info
    assert allowed(client, "promotions", address=BOB) == (False, "not_subscribed")  # not_subscribed is no consent
    assert allowed(client, "catalog", "postal", address=BOB) == (True, "subscribed")
    view = api(client, "GET", "/v1/contacts/bob%40biller.com").json_body
    assert view["profile"]["customer_id"] == "shopify:dev-shop.myshopify.com:706405506930370084"
    assert view["profile"]["postal_address"]["region"] == "ON"
    assert deliver(client, "customers/create", resource("customers/create")).json_body["status"] == "duplicate"
    assert len(mails(sent_mail, BOB)) == 1


def test_subscribed_is_an_express_opt_in_and_unsubscribed_an_opt_out(client: Client) -> None:
    deliver(client, "customers/create", resource("customers/create") | consent("subscribed"))
    assert allowed(client, "promotions", address=BOB) == (True, "subscribed")
    view = api(client, "GET", "/v1/contacts/bob%40biller.com").json_body
    (joined,) = [e for e in view["ledger"] if e["subject"] == "promotions"]
    assert joined["source"] == "shopify:marketing_consent" and joined["detail"] == "express"
    left = resource("customers/create", updated_at="2026-11-22T10:00:00Z")
    deliver(client, "customers/update", left | consent("unsubscribed", "2026-11-22T10:00:00Z"), "w-2")
    assert allowed(client, "updates", address=BOB) == (False, "suppressed")
    removals = api(client, "GET", "/v1/contacts/bob%40biller.com").json_body["removals"]
    assert [r["source"] for r in removals] == ["shopify:marketing_consent"]
    assert removals[0]["received_at"].startswith("2026-11-22T10:00:00")  # the person's own time: the 48-hour clock


def test_a_consent_never_lifts_a_removal_made_here_it_asks_the_person_instead(client: Client, sent_mail: Any) -> None:
    deliver(client, "customers/create", resource("customers/create"))
    one_click(client, link_path(mails(sent_mail, BOB)[0]))
    # consent given before the person left here, delivered after: the newer opt-out wins, and nobody is asked
    older = resource("customers/create") | consent("subscribed", "2026-11-20T15:16:00Z")
    assert deliver(client, "customers/update", older, "w-older").json_body["status"] == "processed"
    assert not any("Confirm" in str(m["Subject"]) for m in mails(sent_mail, BOB))
    later = resource("customers/create", updated_at="2099-01-01T00:00:00Z") | consent(
        "subscribed", "2099-01-01T00:00:00Z"
    )
    deliver(client, "customers/update", later, "w-3")
    assert allowed(client, "updates", address=BOB) == (False, "suppressed")
    assert any("Confirm" in str(m["Subject"]) for m in mails(sent_mail, BOB))  # SPEC §1.3: only the person lifts it


def test_an_order_with_accepted_marketing_places_the_order_and_opts_in(client: Client) -> None:
    assert deliver(client, "orders/create", resource("orders/create"), "w-order").json_body["status"] == "processed"
    assert allowed(client, "promotions", address="jon@example.com") == (True, "subscribed")
    view = api(client, "GET", "/v1/contacts/jon%40example.com").json_body
    (order, *_) = [e for e in view["ledger"] if e["source"] == "shopify:order.placed"]
    assert order["ip"] == "198.51.100.7" and "Safari" in order["user_agent"]


def test_the_compliance_redact_erases_the_customer(client: Client) -> None:
    deliver(client, "customers/create", resource("customers/create"))
    answer = deliver(client, "customers/redact", resource("customers/redact"), "w-redact")
    assert answer.json_body["status"] == "processed"
    assert api(client, "GET", "/v1/contacts/bob%40biller.com").status_code == 404
    assert deliver(client, "customers/create", resource("customers/create"), "w-again").status_code == 200
    assert allowed(client, "updates", address=BOB) == (False, "suppressed")  # SPEC §1.8: never added back


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"secret": "dev-webhook-secret"}, 401, "invalid_signature"),
        ({"secret": "wrong"}, 401, "invalid_signature"),
        ({"shop": "other-shop.myshopify.com"}, 401, "invalid_signature"),  # a shop not configured here
        ({"shop": "evil.example"}, 401, "invalid_signature"),
        ({"body": b"{not json"}, 400, "malformed_json"),
        ({"body": {"id": "x", "email": BOB, "updated_at": "2026-11-20T10:15:00Z"}}, 400, "invalid_field"),
        ({"body": {"id": 7, "email": "a@b)<c@d>", "updated_at": "2026-11-20T10:15:00Z"}}, 400, "invalid_address"),
        ({"body": {"id": 7, "email": BOB}}, 400, "missing_field"),
        (
            {
                "body": {"id": 7, "email": BOB, "updated_at": "2026-11-20T10:15:00Z"}
                | consent("subscribed", "yesterday")
            },
            400,
            "invalid_timestamp",
        ),
    ],
)
def test_a_wrong_delivery_is_refused_precisely_and_changes_nothing(
    client: Client, sent_mail: Any, change: dict[str, Any], status: int, code: str
) -> None:
    before = table_snapshot()
    body = change.pop("body", resource("customers/create"))
    answer = deliver(client, "customers/create", body, **change)
    assert answer.status_code == status and answer.json_body["error"]["code"] == code, answer.json_body
    assert table_snapshot() == before and not mails(sent_mail, BOB)


def test_a_topic_listkeeper_does_not_act_on_is_ignored(client: Client) -> None:
    before = table_snapshot()
    answer = deliver(client, "products/create", {"id": 1, "title": "A hat"})
    assert answer.json_body == {"status": "ignored", "event_id": "shopify:dev-shop.myshopify.com:w-1"}
    assert table_snapshot() == before


def test_a_customer_who_left_in_shopify_is_never_welcomed_and_an_echo_changes_nothing(
    client: Client, sent_mail: Any
) -> None:
    left = resource("customers/create") | consent("unsubscribed")
    assert deliver(client, "customers/create", left).json_body["status"] == "processed"
    assert allowed(client, "updates", address=BOB) == (False, "suppressed")
    assert not [m for m in mails(sent_mail, BOB) if "Welcome" in str(m["Subject"])]  # removed before being read
    again = resource("customers/create", updated_at="2026-11-23T10:00:00Z") | consent("unsubscribed")
    assert deliver(client, "customers/update", again, "w-echo").json_body["status"] == "processed"
    assert len(api(client, "GET", "/v1/contacts/bob%40biller.com").json_body["removals"]) == 1


def test_a_changed_address_in_shopify_takes_the_persons_choices_along(client: Client, sent_mail: Any) -> None:
    deliver(client, "customers/create", resource("customers/create"))
    one_click(client, link_path(mails(sent_mail, BOB)[0]))  # Bob left all email here
    moved = resource("customers/create", email="bob@newmail.example", updated_at="2026-11-24T10:00:00Z")
    assert deliver(client, "customers/update", moved, "w-moved").json_body["status"] == "processed"
    assert allowed(client, "updates", address="bob@newmail.example") == (False, "suppressed")  # his choice followed
    assert allowed(client, "updates", address=BOB) == (False, "suppressed")
    assert allowed(client, "catalog", "postal", address=BOB) == (False, "unsubscribed")  # the old address gets nothing
    assert not mails(sent_mail, "bob@newmail.example")  # no welcome at the new address: he had left
    view = api(client, "GET", "/v1/contacts/bob%40newmail.example").json_body
    assert view["profile"]["customer_id"] == "shopify:dev-shop.myshopify.com:706405506930370084"


def test_an_order_with_another_contact_address_is_no_move(client: Client) -> None:
    deliver(client, "customers/create", resource("customers/create"))
    order = resource("orders/create", email="orders@biller.com", contact_email="orders@biller.com")
    order["customer"] = order["customer"] | {"id": 706405506930370084}
    deliver(client, "orders/create", order, "w-o")
    assert allowed(client, "updates", address=BOB) == (True, "subscribed")


def test_a_delivery_during_a_table_outage_fails_whole_and_its_retry_applies_it_once(
    client: Client, sent_mail: Any
) -> None:
    from tests.functional.test_intake import outage

    left = resource("customers/create") | consent("unsubscribed")
    with outage("dynamodb"):
        failed = deliver(client, "customers/create", left, "w-outage")
    assert failed.status_code >= 500 and "Traceback" not in failed.body.decode()  # Shopify retries a non-2xx
    assert deliver(client, "customers/create", left, "w-outage").json_body["status"] == "processed"
    assert deliver(client, "customers/create", left, "w-outage").json_body["status"] == "duplicate"
    assert allowed(client, "updates", address=BOB) == (False, "suppressed")
    assert len(api(client, "GET", "/v1/contacts/bob%40biller.com").json_body["removals"]) == 1
    assert not mails(sent_mail, BOB)


def bridged(topic: str, payload: Any, webhook_id: str = "w-1", shop: str = SHOP) -> dict[str, Any]:
    """An event of the app's EventBridge partner event source, shaped as Shopify sends it."""
    return {
        "version": "0",
        "id": "5f4ea8b8-9c1a-3d6e-8a61-1f7f5b2c0c11",
        "detail-type": "shopifyWebhook",
        "source": "aws.partner/shopify.com/123456/listkeeper",
        "account": "123456789012",
        "time": "2026-11-20T15:15:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "payload": payload,
            "metadata": {
                "Content-Type": "application/json",
                "X-Shopify-Topic": topic,
                "X-Shopify-Shop-Domain": shop,
                "X-Shopify-Order-Id": "",
                "X-Shopify-Test": "false",
                "X-Shopify-Webhook-Id": webhook_id,
                "X-Shopify-API-Version": "2025-10",
                "X-Shopify-Hmac-SHA256": "not checked: AWS authenticates the partner source",
                "X-Shopify-Triggered-At": "2026-11-20T15:15:00.000000Z",
                "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
            },
        },
    }


def invoke(client: Client, event: dict[str, Any]) -> dict[str, Any]:
    answer = client.lambda_.invoke("shopify_events", event).payload
    assert isinstance(answer, dict)
    return answer


def test_an_eventbridge_delivery_is_the_same_mapping_and_the_same_delivery_as_over_https(
    client: Client, sent_mail: Any
) -> None:
    body = resource("customers/create") | consent("subscribed")
    answer = invoke(client, bridged("customers/create", body))
    assert answer == {"status": "processed", "event_id": "shopify:dev-shop.myshopify.com:w-1"}
    assert allowed(client, "promotions", address=BOB) == (True, "subscribed")
    assert invoke(client, bridged("customers/create", body))["status"] == "duplicate"
    assert deliver(client, "customers/create", body).json_body["status"] == "duplicate"  # one webhook id, one effect
    assert len(mails(sent_mail, BOB)) == 1
    left = resource("customers/create", updated_at="2026-11-22T10:00:00Z") | consent(
        "unsubscribed", "2026-11-22T10:00:00Z"
    )
    assert invoke(client, bridged("customers/update", left, "w-2"))["status"] == "processed"
    assert allowed(client, "updates", address=BOB) == (False, "suppressed")


@pytest.mark.parametrize(
    ("event", "answer"),
    [
        (bridged("customers/create", resource("customers/create"), shop="other-shop.myshopify.com"), "refused"),
        (bridged("customers/create", {"id": "x", "email": BOB, "updated_at": "2026-11-20T10:15:00Z"}), "invalid"),
        (bridged("customers/create", "not an object"), "invalid"),
        ({"detail-type": "shopifyWebhook", "detail": {"payload": {}}}, "invalid"),
    ],
)
def test_an_eventbridge_event_that_can_never_apply_is_dropped_with_nothing_changed(
    client: Client, sent_mail: Any, event: dict[str, Any], answer: str
) -> None:
    before = table_snapshot()
    assert invoke(client, event)["status"] == answer  # answered, not raised: retrying it would never succeed
    assert table_snapshot() == before and not mails(sent_mail, BOB)


def test_an_eventbridge_delivery_during_an_outage_raises_so_it_is_retried_then_applies_once(client: Client) -> None:
    from tests.functional.test_intake import outage

    left = resource("customers/create") | consent("unsubscribed")
    with outage("dynamodb"), pytest.raises(ClientError):
        client.lambda_.invoke("shopify_events", bridged("customers/create", left, "w-outage"))
    assert invoke(client, bridged("customers/create", left, "w-outage"))["status"] == "processed"
    assert allowed(client, "updates", address=BOB) == (False, "suppressed")
    assert len(api(client, "GET", "/v1/contacts/bob%40biller.com").json_body["removals"]) == 1
