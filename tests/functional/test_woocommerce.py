"""A WooCommerce store's own webhooks (`POST /webhooks/woocommerce`): signed by the store, deduplicated by delivery,
translated into saved info and orders; its creation ping answered with no effect; anything wrong changes nothing."""

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from tests.functional.helpers import allowed, api, link_path, mails, one_click, table_snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "woocommerce"
SECRET = "dev-woocommerce-secret"
ADDRESS = "john.doe@example.com"


def resource(topic: str, **changes: Any) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{topic}.json").read_text()) | changes


def deliver(
    client: Client,
    topic: str,
    body: Any,
    delivery: str = "d-1",
    secret: str = SECRET,
    content_type: str = "application/json",
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
    headers = {
        "Content-Type": content_type,
        "X-WC-Webhook-Source": "https://shop.example/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": topic.partition(".")[0],
        "X-WC-Webhook-Event": topic.partition(".")[2],
        "X-WC-Webhook-Signature": signature,
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": delivery,
    }
    return client.http.post("/webhooks/woocommerce", headers=headers, body=raw)


def test_a_new_customer_is_saved_info_once_with_the_stores_namespaced_id(client: Client, sent_mail: Any) -> None:
    answer = deliver(client, "customer.created", resource("customer.created"))
    assert answer.status_code == 200
    assert answer.json_body == {"status": "processed", "event_id": "woocommerce:shop.example:d-1"}
    assert allowed(client, "updates", address=ADDRESS) == (True, "subscribed")
    assert allowed(client, "catalog", "postal", address=ADDRESS) == (True, "subscribed")  # the shipping address
    view = api(client, "GET", "/v1/contacts/john.doe%40example.com").json_body
    assert view["profile"]["customer_id"] == "woocommerce:shop.example:25" and view["profile"]["name"] == "John Doe"
    assert {e["source"] for e in view["ledger"]} == {"woocommerce:customer.info_saved"}
    assert any(e["at"].startswith("2017-03-21T19:09:30") for e in view["ledger"])  # the store's time, in UTC
    assert len(mails(sent_mail, ADDRESS)) == 1  # the welcome
    again = deliver(client, "customer.created", resource("customer.created"))
    assert again.json_body["status"] == "duplicate" and len(mails(sent_mail, ADDRESS)) == 1


def test_an_order_places_an_order_and_a_guest_checkout_has_no_customer_id(client: Client) -> None:
    answer = deliver(client, "order.created", resource("order.created"), "d-order")
    assert answer.json_body["status"] == "processed"
    view = api(client, "GET", "/v1/contacts/john.doe%40example.com").json_body
    assert "customer_id" not in view["profile"]
    (entry, *_) = [e for e in view["ledger"] if e["source"] == "woocommerce:order.placed"]
    assert entry["ip"] == "192.0.2.10" and entry["user_agent"].startswith("Mozilla/5.0")


def test_an_update_never_resubscribes_someone_who_left(client: Client, sent_mail: Any) -> None:
    deliver(client, "customer.created", resource("customer.created"))
    one_click(client, link_path(mails(sent_mail, ADDRESS)[0]))
    changed = resource("customer.created", date_modified_gmt="2017-04-01T10:00:00")  # saved again, later
    assert deliver(client, "customer.updated", changed, "d-2").json_body["status"] == "processed"
    assert allowed(client, "updates", address=ADDRESS) == (False, "suppressed")


def test_the_creation_ping_is_answered_and_changes_nothing(client: Client) -> None:
    before = table_snapshot()
    answer = client.http.post(
        "/webhooks/woocommerce",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-WC-Webhook-Source": "https://shop.example/"},
        body=b"webhook_id=12",
    )
    assert answer.status_code == 200 and answer.json_body["status"] == "ignored"
    assert table_snapshot() == before


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"secret": "dev-webhook-secret"}, 401, "invalid_signature"),  # the envelope's secret is not the store's
        ({"secret": "wrong"}, 401, "invalid_signature"),
        ({"body": b"{not json"}, 400, "malformed_json"),
        ({"body": b"webhook_id=12&x=1", "content_type": "application/x-www-form-urlencoded"}, 400, "malformed_json"),
        ({"body": {"id": 25, "date_created_gmt": "2017-03-21T19:09:28"}}, 400, "missing_field"),
        ({"body": {"id": 25, "email": "a@b)<c@d>", "date_created_gmt": "2017-03-21T19:09:28"}}, 400, "invalid_address"),
        ({"body": {"id": "25", "email": ADDRESS, "date_created_gmt": "2017-03-21T19:09:28"}}, 400, "invalid_field"),
        ({"body": {"id": 25, "email": ADDRESS}}, 400, "missing_field"),
    ],
)
def test_a_wrong_delivery_is_refused_precisely_and_changes_nothing(
    client: Client, change: dict[str, Any], status: int, code: str
) -> None:
    before = table_snapshot()
    body = change.pop("body", resource("customer.created"))
    answer = deliver(client, "customer.created", body, **change)
    assert answer.status_code == status and answer.json_body["error"]["code"] == code, answer.json_body
    assert table_snapshot() == before


def test_a_topic_listkeeper_does_not_act_on_is_ignored(client: Client) -> None:
    before = table_snapshot()
    answer = deliver(client, "product.created", {"id": 1, "name": "A hat"})
    assert answer.json_body == {"status": "ignored", "event_id": "woocommerce:shop.example:d-1"}
    assert table_snapshot() == before


def test_a_delivery_during_a_table_outage_fails_whole_and_its_redelivery_applies_it_once(
    client: Client, sent_mail: Any
) -> None:
    from tests.functional.test_intake import outage

    with outage("dynamodb"):
        failed = deliver(client, "customer.created", resource("customer.created"), "d-outage")
    assert failed.status_code >= 500 and "Traceback" not in failed.body.decode()  # WooCommerce retries a non-2xx
    assert api(client, "GET", "/v1/contacts/john.doe%40example.com").status_code == 404  # nothing half-applied
    assert deliver(client, "customer.created", resource("customer.created"), "d-outage").json_body["status"] == (
        "processed"
    )
    assert deliver(client, "customer.created", resource("customer.created"), "d-outage").json_body["status"] == (
        "duplicate"
    )
    assert allowed(client, "updates", address=ADDRESS) == (True, "subscribed")
    assert len(mails(sent_mail, ADDRESS)) == 1  # one welcome, however many deliveries
