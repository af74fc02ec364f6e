"""Where the Shopify write-back and the shop's redaction meet the rest of a person's life: a confirmed opt-in, an
order placed with another address, an erasure asked by one shop of two, a sweep that read before a redaction, a
mailto: unsubscribe after it, a third-party list and a review item that hold the person too."""

import json
from dataclasses import replace
from typing import Any

from chalice.test import Client

from chalicelib import wiring
from chalicelib.adapters.shopify_admin import ShopifyConsentWriteBack
from chalicelib.adapters.ssm_secrets import secrets_from_json
from chalicelib.domain.consent import SuppressionReason
from chalicelib.services.erasure import erase
from chalicelib.services.ports import RemovalNotice
from chalicelib.services.sweep import SweepReport, _sweep_contact, run_sweep
from devstack.bootstrap import local_secrets
from devstack.shopify import ShopifyAdminEmulation
from tests.functional.helpers import allowed, api, form_tag, link_path, mails, one_click, subscribe, table_snapshot
from tests.functional.test_inbound import receive, request_mail
from tests.functional.test_links import page_fields, save
from tests.functional.test_shopify import BOB, consent, deliver, resource

SHOP = "dev-shop.myshopify.com"


def test_a_confirmed_opt_in_withdraws_the_write_back_and_a_stale_echo_changes_nothing(
    client: Client, sent_mail: Any, shopify_admin: ShopifyAdminEmulation
) -> None:
    deliver(client, "customers/create", resource("customers/create") | consent("subscribed"), "w-bob")
    welcome = link_path(mails(sent_mail, BOB)[0])
    one_click(client, welcome)
    (removal,) = api(client, "GET", "/v1/contacts/bob%40biller.com").json_body["removals"]
    # Bob asks for updates again before the sweep wrote his removal to Shopify, and confirms
    tag, shown = page_fields(client, welcome)
    fields = [("form_tag", tag), ("action", "save"), ("topic", "updates")]
    save(client, welcome, fields + [("shown", t) for t in shown if t != "catalog"])
    (confirmation,) = [m for m in mails(sent_mail, BOB) if str(m["Subject"]).startswith("Confirm")]
    page = link_path(confirmation)
    save(client, page, [("form_tag", form_tag(client.http.get(page).body.decode())), ("action", "confirm")])
    assert allowed(client, "updates", address=BOB) == (True, "subscribed")
    run_sweep(wiring.deps())
    assert shopify_admin.records() == []  # Shopify is not told he left: he came back
    # Shopify's own state from before he came back arrives late: older than his confirmation, so stale
    late = resource("customers/create", updated_at=removal["received_at"]) | consent(
        "unsubscribed", removal["received_at"]
    )
    assert deliver(client, "customers/update", late, "w-late").json_body["status"] == "processed"
    assert allowed(client, "updates", address=BOB) == (True, "subscribed")


def test_an_order_placed_with_another_address_never_writes_back_for_the_account_holder(
    client: Client, sent_mail: Any, shopify_admin: ShopifyAdminEmulation
) -> None:
    order = resource("orders/create")
    holder = {"id": order["customer"]["id"], "email": order["customer"]["email"]}
    deliver(client, "customers/create", resource("customers/create") | holder | consent("subscribed"), "w-john")
    subscribe(client, order["email"], "evt_jon")  # the order's contact address, who had left email here
    one_click(client, link_path(mails(sent_mail, order["email"])[0]))
    run_sweep(wiring.deps())
    deliver(client, "orders/create", order, "w-order")
    run_sweep(wiring.deps())
    assert shopify_admin.records() == []
    assert allowed(client, "updates", address=holder["email"]) == (True, "subscribed")


def test_an_erasure_asked_by_one_shop_is_still_written_back_to_the_others(client: Client) -> None:
    deliver(client, "customers/create", resource("customers/create") | consent("subscribed"), "w-bob")
    deps = wiring.deps()
    contact = deps.store.load(BOB).contact
    assert contact is not None
    contact.profile.accounts = [*contact.profile.accounts, "shopify:other-shop.myshopify.com:55"]
    deps.store.save(contact)
    erase(deps, BOB, SuppressionReason.ERASURE, "shopify:erasure.requested", asked_by=f"shopify:{SHOP}")
    tombstone = deps.store.load(BOB).tombstone
    assert tombstone is not None
    (email,) = [r for r in tombstone.removals.values() if r.scope == "email"]
    assert email.accounts == ["shopify:other-shop.myshopify.com:55"]


def test_a_sweep_that_read_before_the_redaction_never_brings_the_address_back(client: Client, sent_mail: Any) -> None:
    cleo = resource("customers/create", id=7002, email="cleo@example.com", first_name="Cleo", default_address=None)
    deliver(client, "customers/create", cleo, "w-cleo")
    one_click(client, link_path(mails(sent_mail, "cleo@example.com")[0]))
    deps = wiring.deps()
    stale = deps.store.load("cleo@example.com").contact  # what a sweep read just before
    assert stale is not None
    (removal_id,) = stale.removals
    assert deliver(client, "shop/redact", resource("shop/redact"), "w-shop").json_body["status"] == "processed"
    acknowledged = {name: {removal_id} for name in stale.removals[removal_id].destinations}
    _sweep_contact(deps, stale, acknowledged, SweepReport(), frozenset())
    assert "cleo@example.com" not in json.dumps(table_snapshot())
    assert allowed(client, "updates", address="cleo@example.com") == (False, "suppressed")


def test_a_mailto_unsubscribe_after_the_redaction_still_applies(client: Client, sent_mail: Any) -> None:
    from tests.functional.helpers import topic_link

    dana = resource("customers/create", id=7009, email="dana@example.com", first_name="Dana", default_address=None)
    deliver(client, "customers/create", dana, "w-dana")
    welcome = mails(sent_mail, "dana@example.com")[0]
    mailto = str(welcome["List-Unsubscribe"]).split(",")[1].strip(" <>").removeprefix("mailto:")
    one_click(client, topic_link(client, "surveys", "dana@example.com"))  # she left one list only
    deliver(client, "shop/redact", resource("shop/redact"), "w-shop")
    receive(client, request_mail("dana@example.com", "", subject="unsubscribe"), recipients=(mailto,))
    assert allowed(client, "updates", address="dana@example.com") == (False, "suppressed")
    subscribe(client, "dana@example.com", "evt_dana_again")  # a later sign-up elsewhere does not undo it
    assert allowed(client, "updates", address="dana@example.com") == (False, "suppressed")


def test_the_redaction_spares_people_a_list_holds_and_keeps_their_waiting_messages(
    client: Client, sent_mail: Any
) -> None:
    deliver(client, "customers/create", resource("customers/create"), "w-bob")
    api(client, "POST", "/v1/imports", {"source": "fairco", "records": [{"email": BOB, "name": "Bob"}]})
    eve = resource("customers/create", id=7010, email="eve@example.com", first_name="Eve", default_address=None)
    deliver(client, "customers/create", eve, "w-eve")
    # Eve's own message waits in review: it must outlive the redaction, or her request would be lost
    receive(client, request_mail("eve@example.com", "What do you do with my address exactly?"), "m-eve")
    waiting = api(client, "GET", "/v1/review").json_body["review"]
    deliver(client, "shop/redact", resource("shop/redact"), "w-shop")
    assert api(client, "GET", "/v1/contacts/bob%40biller.com").json_body["profile"]["name"] == "Bob Biller"
    assert api(client, "GET", "/v1/contacts/eve%40example.com").status_code == 404
    assert api(client, "GET", "/v1/review").json_body["review"] == waiting


def test_an_access_token_that_could_break_a_header_is_refused_when_read() -> None:
    document = json.loads(local_secrets())
    document["shopify_tokens"] = {SHOP: "shpat_0123456789abcdef\\nX-Injected: 1".replace("\\n", "\n")}
    try:
        secrets_from_json(json.dumps(document), 730)
    except ValueError as refused:
        assert "shopify_tokens" in str(refused) and "shpat" not in str(refused)
    else:
        raise AssertionError("a token with a line break was accepted")


def test_a_shop_the_store_no_longer_runs_is_not_written_to() -> None:
    calls: list[str] = []

    def post(url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        calls.append(url)
        return 401, b'{"errors":"[API] Invalid API key or access token"}'

    write_back = ShopifyConsentWriteBack(
        "shopify", frozenset({"email"}), "2025-10", "https://{shop}/{version}", lambda: {}, post, frozenset({SHOP})
    )
    gone = RemovalNotice(
        "rm-1", "email", "request", "2026-12-01T10:00:00+00:00", "p1:x", accounts=("shopify:old-shop.myshopify.com:5",)
    )
    still = replace(gone, removal_id="rm-2", accounts=(f"shopify:{SHOP}:6",))
    assert write_back.deliver([gone, still]) == {"rm-1"} and calls == []  # rm-2 waits for its token


def test_the_mail_houses_rows_of_someone_the_redaction_forgets_are_taken_back(client: Client) -> None:
    from chalicelib.adapters.aws import client as aws_client
    from tests.functional.helpers import topic_link

    deliver(client, "customers/create", resource("customers/create"), "w-bob")  # with his postal address
    one_click(client, topic_link(client, "catalog", BOB))  # a postal removal: the mail house gets his row
    run_sweep(wiring.deps())
    bucket = "listkeeper-local"

    def day_files() -> str:
        listed = aws_client("s3").list_objects_v2(Bucket=bucket, Prefix="postal-removals/").get("Contents", [])
        return "".join(aws_client("s3").get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode() for o in listed)

    assert "151 O'Connor Street" in day_files()
    deliver(client, "shop/redact", resource("shop/redact"), "w-shop")
    run_sweep(wiring.deps())
    assert "151 O'Connor Street" not in day_files() and "Bob Biller" not in day_files()
    assert allowed(client, "catalog", "postal", address=BOB) == (False, "unsubscribed")  # his choice stays
