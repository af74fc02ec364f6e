"""Shopify consent against the rest of a person's life, second part: a genuine Shopify unsubscribe is never mistaken
for an echo or made stale by a contest, an announced use does not hide the last list, an order's other contact
stays apart from the account holder, a move keeps what Shopify is owed, and what a redaction kept takes a late
complaint or a mailto: unsubscribe where it is."""

from datetime import UTC, datetime, timedelta
from typing import Any

from chalice.test import Client

from chalicelib import wiring
from chalicelib.services.sweep import run_sweep
from devstack.shopify import ShopifyAdminEmulation
from tests.functional.helpers import allowed, api, mails, one_click, subscribe, topic_link, webhook
from tests.functional.test_lifecycle import contest
from tests.functional.test_shopify import BOB, consent, deliver, resource


def _iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat().replace("+00:00", "Z")


def test_a_shopify_unsubscribe_is_not_ignored_for_someone_who_left_their_only_topic(
    client: Client, sent_mail: Any
) -> None:
    webhook(client, contest("c1", True, email=BOB))  # promotions (express) + contest:spring, no updates
    one_click(client, topic_link(client, "promotions", BOB))  # left his only list; no Shopify account known yet
    before = len(mails(sent_mail, BOB))
    # he also unsubscribed from the shop's marketing in Shopify: the shop's first delivery says so
    now = _iso(timedelta(0))
    body = resource("customers/create", updated_at=now) | consent("unsubscribed", now)
    assert deliver(client, "customers/create", body, "w-bob").json_body["status"] == "processed"
    assert allowed(client, "updates", address=BOB)[0] is False, "re-subscribed to updates by the same delivery"
    assert len(mails(sent_mail, BOB)) == before, "welcomed although Shopify says unsubscribed"


def test_a_shopify_unsubscribe_ends_third_party_mailings_too(client: Client) -> None:
    subscribe(client, BOB, "evt_bob")  # updates+surveys from the storefront
    api(client, "POST", "/v1/imports", {"source": "fairco", "records": [{"email": BOB}]})
    one_click(client, topic_link(client, "surveys", BOB))
    one_click(client, topic_link(client, "updates", BOB))
    now = _iso(timedelta(0))
    deliver(client, "customers/create", resource("customers/create", updated_at=now) | consent("unsubscribed", now))
    assert allowed(client, "acquired:fairco", address=BOB)[0] is False


def test_a_contest_entry_does_not_make_an_earlier_shopify_unsubscribe_stale(client: Client) -> None:
    deliver(client, "customers/create", resource("customers/create"), "w-bob")  # updates+surveys, implied
    webhook(client, contest("c1", False, email=BOB))  # entered a contest today, no marketing opt-in
    earlier = _iso(timedelta(days=-2))  # he unsubscribed in Shopify two days ago; the webhook comes now
    late = resource("customers/create", updated_at=earlier) | consent("unsubscribed", earlier)
    assert deliver(client, "customers/update", late, "w-late").json_body["status"] == "processed"
    assert allowed(client, "updates", address=BOB)[0] is False


def test_leaving_the_last_list_is_written_back_after_a_policy_announcement(
    client: Client, shopify_admin: ShopifyAdminEmulation
) -> None:
    deliver(client, "customers/create", resource("customers/create"), "w-bob")
    answer = api(
        client,
        "POST",
        "/v1/policy-announcements",
        {"use": "analytics", "policy_version": "v2", "description": "We analyse purchases."},
    )
    assert answer.status_code == 200, answer.json_body
    run_sweep(wiring.deps())  # Bob is told, and holds use:analytics
    one_click(client, topic_link(client, "surveys", BOB))
    one_click(client, topic_link(client, "updates", BOB))
    assert allowed(client, "updates", address=BOB)[0] is False
    run_sweep(wiring.deps())
    assert shopify_admin.records() != [], "Shopify was never told"


def test_an_order_contact_is_not_moved_into_the_account_holder(client: Client) -> None:
    order = resource("orders/create")  # contact jon@example.com, customer john@example.com, accepts marketing
    deliver(client, "orders/create", order, "w-order")
    assert allowed(client, "promotions", address="jon@example.com") == (True, "subscribed")
    holder = resource("customers/create") | {"id": order["customer"]["id"], "email": order["customer"]["email"]}
    deliver(client, "customers/create", holder, "w-john")
    assert allowed(client, "promotions", address="john@example.com")[0] is False, "John got Jon's consent"
    assert allowed(client, "promotions", address="jon@example.com") == (True, "subscribed"), "Jon was moved out"


def test_a_move_keeps_the_pending_last_list_write_back(client: Client, shopify_admin: ShopifyAdminEmulation) -> None:
    deliver(client, "customers/create", resource("customers/create"), "w-bob")
    one_click(client, topic_link(client, "surveys", BOB))
    one_click(client, topic_link(client, "updates", BOB))  # his last list: a write-back is owed
    moved = resource("customers/create", email="bob@new.example", updated_at=_iso(timedelta(0)))
    deliver(client, "customers/update", moved, "w-move")
    run_sweep(wiring.deps())
    assert shopify_admin.records() != [], "Shopify was never told"


def test_a_topic_swap_on_the_page_does_not_unsubscribe_the_person_in_shopify(
    client: Client, sent_mail: Any, shopify_admin: ShopifyAdminEmulation
) -> None:
    from tests.functional.helpers import link_path
    from tests.functional.test_links import page_fields, save

    deliver(client, "customers/create", resource("customers/create"), "w-bob")
    one_click(client, topic_link(client, "surveys", BOB))
    welcome = link_path(mails(sent_mail, BOB)[0])
    tag, shown = page_fields(client, welcome)
    # leaves updates, takes promotions (never held: an express opt-in), in one submission
    save(
        client,
        welcome,
        [
            ("form_tag", tag),
            ("action", "save"),
            ("topic", "promotions"),
            ("topic", "catalog"),
            ("topic", "partner_sharing"),
        ]
        + [("shown", t) for t in shown],
    )
    assert allowed(client, "promotions", address=BOB) == (True, "subscribed")
    run_sweep(wiring.deps())
    assert shopify_admin.records() == [], "Shopify told he withdrew all marketing consent"


def test_the_holders_redaction_and_data_request_spare_the_orders_other_contact(client: Client) -> None:
    from chalicelib.services.data_requests import export_for_data_request

    order = resource("orders/create")
    cid = f"shopify:dev-shop.myshopify.com:{order['customer']['id']}"
    holder = resource("customers/create") | {"id": order["customer"]["id"], "email": order["customer"]["email"]}
    deliver(client, "customers/create", holder, "w-john")
    deliver(client, "orders/create", order, "w-order")  # Jon, the order's contact, is not John
    keys = export_for_data_request(wiring.deps(), {"platform": "shopify", "shop": "s", "id": "1"}, None, cid)
    assert len(keys) == 1, f"John data request exported another person too: {keys}"
    redact = {
        "shop_id": 1,
        "shop_domain": "dev-shop.myshopify.com",
        "customer": {"id": order["customer"]["id"], "email": order["customer"]["email"]},
        "orders_to_redact": [],
    }
    deliver(client, "customers/redact", redact, "w-redact")
    assert api(client, "GET", "/v1/contacts/jon%40example.com").status_code == 200, "Jon erased by John's redaction"


def _dana(client: Client, sent_mail: Any) -> str:
    dana = resource("customers/create", id=7009, email="dana@example.com", first_name="Dana", default_address=None)
    deliver(client, "customers/create", dana, "w-dana")
    welcome = mails(sent_mail, "dana@example.com")[0]
    one_click(client, topic_link(client, "surveys", "dana@example.com"))  # she left one list: a remnant stays
    deliver(client, "shop/redact", resource("shop/redact"), "w-shop")
    return str(welcome["List-Unsubscribe"]).split(",")[1].strip(" <>").removeprefix("mailto:")


def test_a_late_complaint_does_not_bring_back_a_redacted_address(client: Client, sent_mail: Any) -> None:
    import json

    from chalicelib.domain.consent import SuppressionReason
    from chalicelib.services.suppress import suppress_permanently
    from tests.functional.helpers import table_snapshot

    _dana(client, sent_mail)
    assert "dana@example.com" not in json.dumps(table_snapshot())
    suppress_permanently(wiring.deps(), "dana@example.com", SuppressionReason.COMPLAINT, "ses", "ses-msg-1")
    assert "dana@example.com" not in json.dumps(table_snapshot()), "the redacted address is stored again"


def test_a_mailto_unsubscribe_from_another_sender_is_not_lost_after_the_redaction(
    client: Client, sent_mail: Any
) -> None:
    from tests.functional.test_inbound import receive, request_mail

    mailto = _dana(client, sent_mail)
    receive(client, request_mail("dana.alias@example.org", "", subject="unsubscribe"), recipients=(mailto,))
    reviewed = api(client, "GET", "/v1/review").json_body["review"]
    subscribe(client, "dana@example.com", "evt_dana_again")  # she signs up elsewhere later
    assert reviewed or allowed(client, "updates", address="dana@example.com")[0] is False


def test_a_third_party_list_may_hold_someone_a_redaction_kept_choices_of(client: Client, sent_mail: Any) -> None:
    _dana(client, sent_mail)
    answer = api(client, "POST", "/v1/imports", {"source": "fairco", "records": [{"email": "dana@example.com"}]})
    assert answer.json_body["imported"] == 1  # not taken for an erasure
    assert allowed(client, "surveys", address="dana@example.com") == (False, "unsubscribed")  # her choice stays
