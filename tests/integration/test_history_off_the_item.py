"""What moved off the contact's item (its ledger, and the settling of sent mail) against moto: rules that look back
still see it, nothing is sent twice while a Send event is late, and nothing of a person outlives their erasure or a
storefront's redaction because a sweep was writing their history at that moment."""

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.domain.consent import SuppressionReason
from chalicelib.services.contacts_view import show_contact
from chalicelib.services.erasure import erase, forget_known_only_through
from chalicelib.services.sweep import run_sweep
from tests.integration.conftest import World
from tests.integration.test_erasure import confirmations, enter_contest
from tests.support.table import scan_table


def ledger_items(world: World, address: str) -> list[dict[str, Any]]:
    key = world.deps.store.key_of(address)
    return [i for i in scan_table() if i["pk"]["S"] == f"C#{key}" and i["sk"]["S"].startswith("L#")]


def test_the_daily_limit_on_opt_in_confirmations_holds_after_the_sweep_moved_the_ledger(world: World) -> None:
    world.subscribe("jane@example.com")
    world.one_click("jane@example.com")  # she left: an opt-in now asks her to confirm
    enter_contest(world, "c1")
    assert len(confirmations(world)) == 1
    world.feed_send_events()
    world.advance(minutes=16)
    run_sweep(world.deps)
    assert world.deps.store.load("jane@example.com").contact.ledger == []  # type: ignore[union-attr]
    world.advance(hours=1)
    enter_contest(world, "c2")  # the entry sent again an hour later
    assert len(confirmations(world)) == 1
    world.advance(hours=24)
    enter_contest(world, "c3")
    assert len(confirmations(world)) == 2


def test_a_late_send_event_never_makes_the_sweep_send_twice(world: World) -> None:
    world.subscribe("jane@example.com")
    for _ in range(10):  # ses_events failing for hours: SNS and Lambda keep retrying its Send event
        world.advance(minutes=30)
        run_sweep(world.deps)
    assert len(world.sent()) == 1
    world.feed_send_events()
    world.advance(minutes=30)
    run_sweep(world.deps)
    assert len(world.sent()) == 1 and world.deps.store.load("jane@example.com").contact.outbox == {}  # type: ignore[union-attr]


def test_a_send_the_log_never_learns_of_is_sent_again_once_after_the_wait(world: World) -> None:
    world.subscribe("jane@example.com")  # crashed after claiming, before SES took it: no Send event will come
    for _ in range(16):
        world.advance(minutes=30)
        run_sweep(world.deps)
    assert len(world.sent()) == 2  # again once, six hours on; then that send is waited for in turn


def test_without_a_send_log_mail_is_settled_by_a_write_after_the_send(world: World) -> None:
    from chalicelib.services.storefront import handle_storefront_webhook
    from tests.support.events import body_of, event, signature

    deps = replace(world.deps, send_log_fed=False)  # a stage with no configuration set publishing Send events
    body = body_of(event("e1", email="ann@example.com", created_at=world.clock.now().isoformat()[:19] + "Z"))
    handle_storefront_webhook(deps, body, signature("dev-webhook-secret", body, world.clock.now().timestamp()))
    assert len(world.sent()) == 1 and deps.store.load("ann@example.com").contact.outbox == {}  # type: ignore[union-attr]


def sweep_losing_its_contact_write_to_a_one_click(world: World, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Jane subscribed; the sweep moves her history off the item, and a one-click lands after its history write and
    before its contact write, which loses and is retried with more entries grouped again. Returns [True] once the
    one-click landed."""
    world.subscribe("jane@example.com")
    world.feed_send_events()
    store_type = type(world.deps.store)
    write = store_type._write_ledger_items
    once: list[bool] = []

    def a_one_click_lands_in_between(self: Any, key: str, entries: list[Any]) -> Any:
        written = write(self, key, entries)
        if not once:
            once.append(True)
            world.one_click("jane@example.com")
        return written

    monkeypatch.setattr(store_type, "_write_ledger_items", a_one_click_lands_in_between)
    world.advance(minutes=16)
    run_sweep(world.deps)
    monkeypatch.undo()
    return once


def test_a_sweep_that_lost_its_write_to_a_retry_shows_each_ledger_entry_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    once = sweep_losing_its_contact_write_to_a_one_click(world, monkeypatch)
    ledger = show_contact(world.deps, "jane@example.com")["ledger"]
    keys = [(e["at"], e["action"], e["subject"]) for e in ledger]
    assert once and len(keys) == len(set(keys)) and ("suppress" in {k[1] for k in keys})


def test_an_erasure_receipt_counts_entries_two_retried_archive_rows_both_hold_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    once = sweep_losing_its_contact_write_to_a_one_click(world, monkeypatch)
    archived = world.deps.store.older_ledger("jane@example.com")
    grouped = sum(int(i.get("n", {}).get("N", "1")) for i in ledger_items(world, "jane@example.com"))
    assert once and grouped > len(archived)  # the same entries sit in two archive rows
    receipt = erase(world.deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")
    assert receipt.deleted["older_ledger_entries"] == len(archived)


def test_a_redaction_while_the_sweep_writes_the_persons_history_leaves_none_of_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.subscribe("jane@example.com")
    world.one_click("jane@example.com")  # a remnant (her choice to leave) will be kept
    world.feed_send_events()
    contact = world.deps.store.load("jane@example.com").contact
    assert contact is not None
    origin = contact.profile.known_through[0]
    store_type = type(world.deps.store)
    write = store_type._write_ledger_items
    once: list[bool] = []

    def the_redaction_lands_first(self: Any, key: str, entries: list[Any]) -> Any:
        if not once:
            once.append(True)
            assert forget_known_only_through(world.deps, "jane@example.com", origin, "shop_redact") is not None
        return write(self, key, entries)

    monkeypatch.setattr(store_type, "_write_ledger_items", the_redaction_lands_first)
    world.advance(minutes=16)
    run_sweep(world.deps)
    assert once and ledger_items(world, "jane@example.com") == []
    assert "203.0.113.5" not in str(scan_table())  # the one-click's IP was on her ledger


def test_an_erasures_own_entries_stay_with_its_tombstone_through_sweeps_and_a_second_erasure(world: World) -> None:
    world.subscribe("jane@example.com")
    erase(world.deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")
    proof = world.deps.store.load("jane@example.com").tombstone
    assert proof is not None and proof.ledger
    world.advance(minutes=16)
    run_sweep(world.deps)
    erase(world.deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")  # asked again
    tombstone = world.deps.store.load("jane@example.com").tombstone
    assert (
        tombstone is not None
        and [e.action for e in proof.ledger] == [e.action for e in tombstone.ledger][: len(proof.ledger)]
    )


def test_an_erasure_receipt_counts_only_mail_that_was_never_sent(world: World) -> None:
    world.subscribe("jane@example.com")  # the welcome went out and waits, claimed, for the sweep to settle it
    world.feed_send_events()
    assert world.deps.store.load("jane@example.com").contact.outbox  # type: ignore[union-attr]
    receipt = erase(world.deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")
    assert receipt.deleted["contact"] == 1 and receipt.deleted["pending_mail"] == 0
