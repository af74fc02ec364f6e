"""Shopify's mandatory compliance webhooks beyond `customers/redact`: a customer's data request writes what
listkeeper holds for them to the bucket (and erasure reaches it); the shop's redaction forgets everyone known through
that shop alone, keeping only their choices to leave under the keyed hash of the address."""

import json
import logging
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.adapters.aws import client as aws_client
from tests.functional.helpers import allowed, api, link_path, mails, one_click, subscribe, table_snapshot
from tests.functional.test_shopify import BOB, consent, deliver, resource

BUCKET = "listkeeper-local"


def exports() -> dict[str, dict[str, Any]]:
    listed = aws_client("s3").list_objects_v2(Bucket=BUCKET, Prefix="exports/data-requests/").get("Contents", [])
    return {
        o["Key"]: json.loads(aws_client("s3").get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()) for o in listed
    }


def test_a_data_request_exports_what_is_held_and_erasure_takes_the_file_back(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    deliver(client, "customers/create", resource("customers/create") | consent("subscribed"))
    caplog.set_level(logging.INFO)
    answer = deliver(client, "customers/data_request", resource("customers/data_request"), "w-data")
    assert answer.json_body == {"status": "processed", "event_id": "shopify:dev-shop.myshopify.com:w-data"}
    ((key, document),) = exports().items()
    assert key.startswith("exports/data-requests/") and key.endswith("/shopify-dev-shop.myshopify.com-9999.json")
    assert BOB not in key  # named by the address's keyed hash
    held = document["held"]
    assert held["email"] == BOB and held["profile"]["name"] == "Bob Biller"
    assert {"updates", "promotions"} <= set(held["topics"]) and held["ledger"]
    assert document["data_request"] == {"platform": "shopify", "shop": "dev-shop.myshopify.com", "id": "9999"}
    logged = caplog.text
    assert key in logged and BOB not in logged  # the operator finds the file by its key; no address in the log
    assert (
        deliver(client, "customers/data_request", resource("customers/data_request"), "w-data").json_body["status"]
        == "duplicate"
    )
    receipt = api(client, "DELETE", "/v1/contacts/bob%40biller.com").json_body["receipt"]
    assert receipt["deleted"]["data_exports"] == 1 and exports() == {}


def test_a_data_request_for_a_customer_not_held_writes_nothing(client: Client) -> None:
    answer = deliver(client, "customers/data_request", resource("customers/data_request"), "w-data")
    assert answer.json_body["status"] == "processed" and exports() == {}


@pytest.mark.parametrize(
    ("topic", "change", "code"),
    [
        ("customers/data_request", {"shop_domain": "other-shop.myshopify.com"}, "invalid_field"),
        ("customers/data_request", {"data_request": None}, "missing_field"),
        ("customers/data_request", {"customer": {"id": "1", "email": BOB}}, "invalid_field"),
        ("shop/redact", {"shop_domain": "other-shop.myshopify.com"}, "invalid_field"),
    ],
)
def test_a_malformed_compliance_webhook_is_refused_and_changes_nothing(
    client: Client, topic: str, change: dict[str, Any], code: str
) -> None:
    deliver(client, "customers/create", resource("customers/create"))
    before = table_snapshot()
    answer = deliver(client, topic, resource(topic) | change, "w-bad")
    assert answer.status_code == 400 and answer.json_body["error"]["code"] == code
    assert table_snapshot() == before and exports() == {}


def test_the_shops_redaction_forgets_those_known_only_through_it_and_keeps_only_choices_to_leave(
    client: Client, sent_mail: Any
) -> None:
    # Bob: known only through the shop, still subscribed. Cleo: only through the shop, left all email here.
    deliver(client, "customers/create", resource("customers/create") | consent("subscribed"), "w-bob")
    cleo = resource("customers/create", id=7002, email="cleo@example.com", first_name="Cleo", default_address=None)
    deliver(client, "customers/create", cleo, "w-cleo")
    one_click(client, link_path(mails(sent_mail, "cleo@example.com")[0]))
    # Dan: a customer of the shop the storefront's own envelope also sent; he stays whole
    subscribe(client, "dan@example.com", "evt_dan")
    dan = {"id": 7003, "email": "dan@example.com", "first_name": "Dan", "last_name": "Lee", "default_address": None}
    deliver(client, "customers/create", resource("customers/create") | dan, "w-dan")
    deliver(client, "customers/data_request", resource("customers/data_request"), "w-data")
    assert len(exports()) == 1

    answer = deliver(client, "shop/redact", resource("shop/redact"), "w-shop")
    assert answer.json_body["status"] == "processed"

    held = json.dumps(table_snapshot())
    for gone in (BOB, "Bob Biller", "706405506930370084", "cleo@example.com", "Cleo", "7002", "151 O'Connor"):
        assert gone not in held, gone
    assert exports() == {}
    assert api(client, "GET", "/v1/contacts/bob%40biller.com").status_code == 404
    # Cleo's choice to leave stays, under the keyed hash: she is never mailed again, and nothing else is kept
    assert allowed(client, "updates", address="cleo@example.com") == (False, "suppressed")
    kept = api(client, "GET", "/v1/contacts/cleo%40example.com").json_body
    assert set(kept["suppressions"]) == {"email"} and kept["profile"] == {}
    assert [e["action"] for e in kept["ledger"]] == ["forget"]
    assert allowed(client, "updates", address="dan@example.com") == (True, "subscribed")
    assert api(client, "GET", "/v1/contacts/dan%40example.com").json_body["profile"]["name"]

    # Bob may come back through another door, as anyone new; Cleo's removal still holds when she does
    subscribe(client, BOB, "evt_bob_again")
    assert allowed(client, "updates", address=BOB) == (True, "subscribed")
    subscribe(client, "cleo@example.com", "evt_cleo_again")
    assert allowed(client, "updates", address="cleo@example.com") == (False, "suppressed")
    assert allowed(client, "catalog", "postal", address="cleo@example.com") == (True, "subscribed")
    assert deliver(client, "shop/redact", resource("shop/redact"), "w-shop").json_body["status"] == "duplicate"


def test_a_large_shops_redaction_goes_on_in_the_sweep_until_nobody_is_left(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import wiring
    from chalicelib.services import shop_redaction
    from chalicelib.services.sweep import run_sweep

    monkeypatch.setattr(shop_redaction, "AT_ONCE", 2)  # the webhook is answered in seconds: a few at once
    monkeypatch.setattr(shop_redaction, "PER_SWEEP", 3)
    people = [f"p{i}@example.com" for i in range(7)]
    for i, address in enumerate(people):
        deliver(client, "customers/create", resource("customers/create") | {"id": 8000 + i, "email": address}, f"w{i}")
    assert deliver(client, "shop/redact", resource("shop/redact"), "w-shop").json_body["status"] == "processed"

    def held() -> list[str]:
        return [a for a in people if api(client, "GET", f"/v1/contacts/{a.replace('@', '%40')}").status_code == 200]

    assert len(held()) == 5
    assert run_sweep(wiring.deps()).forgotten == 3 and len(held()) == 2
    assert run_sweep(wiring.deps()).forgotten == 2 and held() == []
    assert run_sweep(wiring.deps()).forgotten == 0 and wiring.deps().store.pending_redactions() == []


def test_an_export_written_while_an_erasure_ran_is_taken_back(client: Client) -> None:
    from dataclasses import replace

    from chalicelib import wiring
    from chalicelib.adapters.data_exports import S3DataExports
    from chalicelib.domain.consent import SuppressionReason
    from chalicelib.services.data_requests import export_for_data_request
    from chalicelib.services.erasure import erase

    deliver(client, "customers/create", resource("customers/create"))
    deps = wiring.deps()

    class ErasedMeanwhile(S3DataExports):
        """The erasure lands after the export read the person and before its file is written."""

        def write(self, key: str, body: bytes) -> None:
            erase(deps, BOB, SuppressionReason.ERASURE, "api:erasure")
            super().write(key, body)

    racing = replace(deps, data_exports=ErasedMeanwhile(lambda: aws_client("s3"), BUCKET))
    request = {"platform": "shopify", "shop": "dev-shop.myshopify.com", "id": "1"}
    assert export_for_data_request(racing, request, BOB, None) == []
    assert exports() == {}
