"""After erasure nothing is ever sent to the address again, adult or child (SPEC §1.8), and nothing of it is kept."""

import email
import re
from datetime import timedelta

import pytest

from chalicelib.adapters.aws import client
from chalicelib.domain.consent import SuppressionReason
from chalicelib.services.eligibility import check_eligibility
from chalicelib.services.erasure import erase
from chalicelib.services.preferences import Visitor, submit_form
from chalicelib.services.storefront import handle_storefront_webhook
from chalicelib.services.sweep import run_sweep
from tests.integration.conftest import World
from tests.support.events import body_of, event, signature
from tests.support.table import scan_table


def enter_contest(world: World, event_id: str, address: str = "jane@example.com") -> None:
    ends = (world.clock.now() + timedelta(days=20)).isoformat().replace("+00:00", "Z")
    payload = event(event_id, "contest.entered", email=address, contest_id="spring", contest_ends_at=ends,
                    marketing_opt_in=True, created_at=world.clock.now().isoformat().replace("+00:00", "Z"))  # fmt: skip
    payload["data"].pop("customer_id", None)
    body = body_of(payload)
    handle_storefront_webhook(world.deps, body, signature("dev-webhook-secret", body, world.clock.now().timestamp()))


def confirmations(world: World) -> list[email.message.Message]:
    parsed = [email.message_from_string(m.raw_data) for m in world.sent()]
    return [m for m in parsed if str(m["Subject"]).startswith("Confirm")]


def reason(world: World, topic: str) -> str:
    body = {"channel": "email", "topic": topic, "recipients": ["jane@example.com"]}
    return str(check_eligibility(world.deps, body)[0]["reason"])


def plain_address_stored() -> bool:
    items = scan_table()
    return any("jane@example.com" in str(item) for item in items)


def confirm(world: World, message: email.message.Message) -> None:
    text = message.get_payload()[0].get_payload(decode=True).decode()
    token = re.search(r"/u/(\S+)", text).group(1)  # type: ignore[union-attr]
    tag = world.deps.secrets.get().tokens.form_tag(token)
    submit_form(world.deps, token, {"form_tag": [tag], "action": ["confirm"]}, Visitor())


def test_an_erased_adult_is_never_sent_anything_again(world: World) -> None:
    """SPEC §1.8: nothing is ever sent to an erased address, not even a confirmation asked for by a contest entry."""
    world.subscribe("jane@example.com", "evt-1")
    codec = world.deps.secrets.get().tokens
    old_link = codec.issue("jane@example.com", "optin:promotions", world.clock.now())  # one sent before
    world.advance(minutes=1)
    erase(world.deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")
    sent = len(world.sent())
    world.subscribe("jane@example.com", "evt-2")  # implied sign-ups store and send nothing
    enter_contest(world, "c-1")
    enter_contest(world, "c-2")
    run_sweep(world.deps)
    assert len(world.sent()) == sent and confirmations(world) == []
    assert not plain_address_stored()
    assert reason(world, "promotions") == "suppressed" and reason(world, "contest:spring") == "suppressed"
    # a confirmation link from before the erasure confirms nothing, and says so
    form = {"form_tag": [codec.form_tag(old_link)], "action": ["confirm"]}
    view = submit_form(world.deps, old_link, form, Visitor())
    assert view.messages() == ["Nothing could be confirmed: we cannot send to this address again."]
    assert reason(world, "promotions") == "suppressed" and not plain_address_stored()


def test_a_child_is_never_sent_anything_again(world: World) -> None:
    world.subscribe("jane@example.com", "evt-1")
    erase(world.deps, "jane@example.com", SuppressionReason.CHILD, "storefront:customer.age_reported")
    sent = len(world.sent())
    enter_contest(world, "c-1")
    assert len(world.sent()) == sent
    run_sweep(world.deps)
    assert len(world.sent()) == sent and reason(world, "promotions") == "suppressed"
    token = world.deps.secrets.get().tokens.issue("jane@example.com", "optin:promotions", world.clock.now())
    tag = world.deps.secrets.get().tokens.form_tag(token)
    view = submit_form(world.deps, token, {"form_tag": [tag], "action": ["confirm"]}, Visitor())
    assert view.messages() == ["Nothing could be confirmed: we cannot send to this address again."]
    assert reason(world, "promotions") == "suppressed" and not plain_address_stored()


def test_an_erasure_keeps_the_open_removals_clocks(world: World) -> None:
    world.subscribe("jane@example.com", "evt-1")
    world.one_click("jane@example.com")
    open_ids = set(world.deps.store.load("jane@example.com").contact.removals)  # type: ignore[union-attr]
    erase(world.deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")
    tombstone = world.deps.store.load("jane@example.com").tombstone
    assert tombstone is not None and open_ids <= set(tombstone.removals)
    from chalicelib.services.removals_view import list_removals

    listed = [r for r in list_removals(world.deps, "open") if r["id"] in open_ids]
    assert listed and all(r["recipient"] is None for r in listed)  # null once erased


def test_erasure_takes_the_address_out_of_every_archived_removal(world: World) -> None:
    world.subscribe("jane@example.com", "evt-1")
    for i in range(24):  # more removals than the contact item keeps: the older ones live only in the archive
        world.one_click("jane@example.com", f"contest:c{i}")
        world.advance(minutes=1)
        run_sweep(world.deps)
    contact = world.deps.store.load("jane@example.com").contact
    assert contact is not None and len(contact.archived) == 4
    archive = [
        i for i in client("dynamodb").scan(TableName="listkeeper-local")["Items"] if i["pk"]["S"].startswith("RD#")
    ]
    assert len(archive) == 24 and all("jane@example.com" in str(i) for i in archive)
    erase(world.deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")
    archive = [
        i for i in client("dynamodb").scan(TableName="listkeeper-local")["Items"] if i["pk"]["S"].startswith("RD#")
    ]
    assert len(archive) == 24, "the records stay, for the operator"
    assert not plain_address_stored()


def archived_items() -> list[dict[str, object]]:
    items = scan_table()
    return [item for item in items if item["pk"]["S"].startswith("RD#")]


def test_the_receipt_counts_what_went_from_each_place(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC §1.8: the contact, its older ledger entries and third-party records in its partition, its pending mail."""
    from chalicelib.services.contacts import HOT_LEDGER
    from chalicelib.services.imports import import_records
    from chalicelib.services.ports import MailError

    def throttled(_: object) -> str:
        raise MailError("Throttling")

    with monkeypatch.context() as patched:
        patched.setattr(world.deps.mailer, "send", throttled)
        world.subscribe("jane@example.com", "evt-1")  # the welcome stays owed, in the outbox
    import_records(world.deps, {"source": "fair", "records": [{"email": "jane@example.com", "name": "Jane"}]})
    ends = (world.clock.now() + timedelta(days=20)).isoformat().replace("+00:00", "Z")
    for i in range(HOT_LEDGER + 2):  # enough entries to move the oldest ledger entries to their own items
        payload = event(
            f"c-{i}",
            "contest.entered",
            email="jane@example.com",
            contest_id=f"c{i}",
            contest_ends_at=ends,
            marketing_opt_in=False,
        )
        body = body_of(payload)
        handle_storefront_webhook(
            world.deps, body, signature("dev-webhook-secret", body, world.clock.now().timestamp())
        )
    receipt = erase(world.deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")
    deleted = receipt.deleted
    assert deleted["contact"] == 1 and deleted["third_party_records"] == 1 and deleted["older_ledger_entries"] >= 1
    assert deleted["pending_mail"] == 1
    assert not plain_address_stored()
