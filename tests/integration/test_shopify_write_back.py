"""Email removals written back to Shopify (the `shopify` destination): the Admin API's consent update for each
Shopify customer the person is, at the removal's own time, within one sweep; throttling and outages wait with the
sweep's backoff and lose nothing; only removals from all email of people Shopify knows go there."""

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from chalicelib.adapters import shopify_admin as write_back_adapter
from chalicelib.adapters.shopify_admin import ShopifyConsentWriteBack
from chalicelib.domain.consent import SuppressionReason
from chalicelib.domain.shopify import ShopifyDelivery
from chalicelib.services.erasure import erase
from chalicelib.services.ports import RemovalNotice
from chalicelib.services.removals_view import list_removals
from chalicelib.services.storefront import handle_shopify_webhook
from chalicelib.services.sweep import run_sweep
from devstack.shopify import ShopifyAdminEmulation
from tests.functional.test_shopify import consent, resource
from tests.integration.conftest import World

SHOP, SECRET, BOB, BOB_ID = "dev-shop.myshopify.com", "dev-shopify-secret", "bob@biller.com", 706405506930370084


def from_shopify(world: World, admin: ShopifyAdminEmulation, body: dict[str, Any], webhook_id: str) -> str:
    """The shop sends a customer webhook (and, being the shop, knows the customer)."""
    raw = json.dumps(body).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    topic = "customers/update" if webhook_id != "w-1" else "customers/create"
    admin.learn(SHOP, topic, raw)
    delivery = ShopifyDelivery(signature=signature, topic=topic, shop=SHOP, webhook_id=webhook_id)
    return handle_shopify_webhook(world.deps, raw, delivery).status


def removals(world: World, address: str) -> list[Any]:
    found = world.deps.store.load(address)
    holder = found.contact or found.tombstone
    assert holder is not None
    return sorted(holder.removals.values(), key=lambda r: r.received_at)


def test_a_one_click_reaches_the_shop_within_one_sweep_at_its_own_time(
    world: World, shopify_admin: ShopifyAdminEmulation
) -> None:
    assert from_shopify(world, shopify_admin, resource("customers/create") | consent("subscribed"), "w-1")
    world.one_click(BOB)
    (removal,) = removals(world, BOB)
    assert removal.destinations == {"partners": "pending", "shopify": "pending"}
    report = run_sweep(world.deps)
    assert report.delivered["shopify"] == 1 and report.failures == 0
    (written,) = shopify_admin.records()
    assert written["customer_id"] == BOB_ID and written["email"] == BOB
    assert written["marketing_state"] == "UNSUBSCRIBED" and written["consent_updated_at"] == removal.received_at
    assert list_removals(world.deps, "done")[0]["destinations"] == {"partners": "done", "shopify": "done"}
    # Shopify tells the app of the change it was told: an echo, which changes nothing here
    echo = resource("customers/create", updated_at="2026-12-01T10:00:00Z") | consent(
        "unsubscribed", removal.received_at
    )
    assert from_shopify(world, shopify_admin, echo, "w-echo") == "processed"
    assert len(list_removals(world.deps, "open")) == 0 and len(removals(world, BOB)) <= 1
    run_sweep(world.deps)
    assert len(shopify_admin.records()) == 1  # nothing written twice


def test_people_shopify_does_not_know_and_single_topics_are_not_written_back(
    world: World, shopify_admin: ShopifyAdminEmulation
) -> None:
    world.subscribe("jane@example.com")
    world.one_click("jane@example.com")
    from_shopify(world, shopify_admin, resource("customers/create") | consent("subscribed"), "w-1")
    world.one_click(BOB, "promotions")  # Shopify holds one consent for all marketing: leaving one topic is not it
    assert {r["recipient"]: r["destinations"] for r in list_removals(world.deps, "open")} == {
        "jane@example.com": {"partners": "pending"},
        BOB: {"partners": "pending"},
    }
    run_sweep(world.deps)
    assert shopify_admin.records() == []


def test_throttling_and_outages_wait_with_the_sweeps_backoff_and_lose_nothing(
    world: World, shopify_admin: ShopifyAdminEmulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_shopify(world, shopify_admin, resource("customers/create"), "w-1")
    world.one_click(BOB)
    throttled = json.dumps({"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}).encode()
    answers = [(429, b'{"errors":"Exceeded 2 calls per second for api client."}'), (200, throttled), (503, b"")]
    calls: list[str] = []

    def shop(url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        calls.append(url)
        return answers.pop(0) if answers else shopify_admin.post(url, headers, body)

    monkeypatch.setattr(write_back_adapter, "http_post", shop)
    for attempt in range(3):
        report = run_sweep(world.deps)
        assert report.failures >= 1 and report.delivered["shopify"] == 0
        (removal,) = removals(world, BOB)
        assert removal.destinations == {"partners": "done", "shopify": "pending"} and removal.state != "done"
        assert len(calls) == attempt + 1
        run_sweep(world.deps)  # within the backoff: Shopify is not asked again
        assert len(calls) == attempt + 1
        world.advance(hours=1)
    assert run_sweep(world.deps).delivered["shopify"] == 1
    (written,) = shopify_admin.records()
    assert written["consent_updated_at"] == removals(world, BOB)[0].received_at  # the person's time, not the retry's
    assert removals(world, BOB) == [] or removals(world, BOB)[0].state == "done"


def test_a_wrong_access_token_leaves_the_write_back_pending(world: World, shopify_admin: ShopifyAdminEmulation) -> None:
    from_shopify(world, shopify_admin, resource("customers/create"), "w-1")
    world.one_click(BOB)
    shopify_admin._tokens[SHOP] = "a-rotated-token-listkeeper-was-not-given"
    report = run_sweep(world.deps)
    assert report.failures >= 1 and shopify_admin.records() == []
    assert removals(world, BOB)[0].destinations["shopify"] == "pending"


def test_an_erasure_is_still_written_back_and_then_the_ids_are_gone(
    world: World, shopify_admin: ShopifyAdminEmulation
) -> None:
    from_shopify(world, shopify_admin, resource("customers/create") | consent("subscribed"), "w-1")
    erase(world.deps, BOB, SuppressionReason.CHILD, "storefront:customer.age_reported")
    (pending,) = [r for r in removals(world, BOB) if r.scope == "email"]
    assert pending.accounts == [f"shopify:{SHOP}:{BOB_ID}"]  # the tombstone keeps them only for this
    run_sweep(world.deps)
    assert [r["customer_id"] for r in shopify_admin.records()] == [BOB_ID]
    assert all(r.accounts == [] for r in removals(world, BOB))
    item = json.dumps(world.deps.store.load(BOB).tombstone.__dict__, default=str)  # type: ignore[union-attr]
    assert str(BOB_ID) not in item and BOB not in item


def test_the_shops_own_redaction_writes_nothing_back(world: World, shopify_admin: ShopifyAdminEmulation) -> None:
    from_shopify(world, shopify_admin, resource("customers/create") | consent("subscribed"), "w-1")
    raw = json.dumps(resource("customers/redact")).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    redact = ShopifyDelivery(signature=signature, topic="customers/redact", shop=SHOP, webhook_id="w-redact")
    assert handle_shopify_webhook(world.deps, raw, redact).status == "processed"
    run_sweep(world.deps)
    assert shopify_admin.records() == []
    assert all(r["state"] == "done" for r in list_removals(world.deps, "done"))


def test_a_person_who_had_left_is_written_back_when_shopify_first_names_them(
    world: World, shopify_admin: ShopifyAdminEmulation
) -> None:
    world.subscribe(BOB)
    world.one_click(BOB)
    run_sweep(world.deps)
    world.advance(days=3)
    # the store connects Shopify; the customer's record there still says subscribed
    from_shopify(world, shopify_admin, resource("customers/create") | consent("subscribed"), "w-1")
    owed = [r for r in removals(world, BOB) if r.state != "done"]
    assert [(r.scope, r.destinations) for r in owed] == [("email", {"shopify": "pending"})]
    suppressed_since = world.deps.store.load(BOB).contact.suppressions["email"].since  # type: ignore[union-attr]
    assert owed[0].received_at == suppressed_since  # the person's own time; 48 hours from now to get there
    run_sweep(world.deps)
    (written,) = shopify_admin.records()
    assert written["marketing_state"] == "UNSUBSCRIBED" and written["consent_updated_at"] == suppressed_since


def notice(removal_id: str, customer: int, scope: str = "email") -> RemovalNotice:
    return RemovalNotice(
        removal_id=removal_id,
        scope=scope,
        reason="request",
        received_at="2026-12-01T10:00:00+00:00",
        subject_hash="p1:x",
        accounts=(f"shopify:{SHOP}:{customer}",),
    )


def test_writes_go_in_batches_and_stop_before_the_cost_bucket_runs_dry() -> None:
    admin = ShopifyAdminEmulation({SHOP: "dev-shopify-token"})
    requests: list[int] = []

    def low_bucket(url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        status, raw = admin.post(url, headers, body)
        answer = json.loads(raw)
        requests.append(len(answer["data"]))
        answer["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] = 50  # less than the next request
        return status, json.dumps(answer).encode()

    endpoint = "http://127.0.0.1:1/dev/shopify/{shop}/admin/api/{version}/graphql.json"
    write_back = ShopifyConsentWriteBack(
        "shopify", frozenset({"email"}), "2025-10", endpoint, lambda: {SHOP: "dev-shopify-token"}, low_bucket
    )
    acknowledged = write_back.deliver([notice(f"rm-{i}", 1000 + i) for i in range(25)])
    assert requests == [10] and len(acknowledged) == 10  # the other 15 wait for the next sweep
    assert [r["customer_id"] for r in admin.records()] == list(range(1000, 1010))


@pytest.mark.parametrize(
    ("errors", "acknowledged"),
    [
        ([{"field": ["input", "customerId"], "message": "Customer does not exist", "code": "INVALID"}], True),
        ([{"field": ["input", "emailMarketingConsent"], "message": "Invalid", "code": "INVALID"}], False),
        ([{"field": None, "message": "Internal error", "code": "INTERNAL_ERROR"}], False),
    ],
)
def test_a_user_error_waits_unless_the_customer_cannot_be_mailed_there_at_all(
    errors: list[dict[str, Any]], acknowledged: bool
) -> None:
    def answer(url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        return 200, json.dumps({"data": {"c0": {"customer": None, "userErrors": errors}}}).encode()

    write_back = ShopifyConsentWriteBack(
        "shopify", frozenset({"email"}), "2025-10", "https://{shop}/{version}", lambda: {SHOP: "t" * 20}, answer
    )
    assert write_back.deliver([notice("rm-1", 7)]) == ({"rm-1"} if acknowledged else set())


def test_leaving_every_email_topic_one_by_one_reaches_the_shop_with_the_last_one(
    world: World, shopify_admin: ShopifyAdminEmulation
) -> None:
    from_shopify(world, shopify_admin, resource("customers/create") | consent("subscribed"), "w-1")
    held = [t for t, s in world.deps.store.load(BOB).contact.topics.items() if s.status.value == "subscribed"]  # type: ignore[union-attr]
    email_topics = [t for t in held if t in ("updates", "surveys", "promotions")]
    assert len(email_topics) == 3
    for topic in email_topics[:-1]:
        world.one_click(BOB, topic)
    run_sweep(world.deps)
    assert shopify_admin.records() == []  # still taking some marketing email: Shopify's one consent stays
    world.one_click(BOB, email_topics[-1])
    run_sweep(world.deps)
    (written,) = shopify_admin.records()
    assert written["marketing_state"] == "UNSUBSCRIBED"
    # Shopify's echo adds nothing: no second removal, no suppression the person did not ask for
    echo = resource("customers/create", updated_at="2026-12-02T10:00:00Z") | consent(
        "unsubscribed", written["consent_updated_at"]
    )
    removals_before = len(removals(world, BOB))
    assert from_shopify(world, shopify_admin, echo, "w-echo") == "processed"
    assert len(removals(world, BOB)) == removals_before
    assert "email" not in world.deps.store.load(BOB).contact.suppressions  # type: ignore[union-attr]
