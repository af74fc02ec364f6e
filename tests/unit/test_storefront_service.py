"""The storefront webhook use case against in-memory fakes: effects, exactly-once, and what a 4xx leaves behind."""

import pytest

from chalicelib.domain.consent import Suppression, SuppressionReason
from chalicelib.domain.errors import EventIdReused, InvalidInput, InvalidSignature
from chalicelib.domain.rules import Reason, eligibility
from chalicelib.domain.storefront_events import digest_of
from chalicelib.domain.timeutil import iso
from chalicelib.domain.topics import Channel
from chalicelib.services.contacts import Contended
from chalicelib.services.ports import MailError
from chalicelib.services.storefront import handle_storefront_webhook
from tests.support.events import POSTAL, body_of, event, signature
from tests.support.fakes import WEBHOOK_SECRET, FakeClock, PermanentMailError, make_deps


def deliver(deps, payload, *, secret=WEBHOOK_SECRET, at=None):  # type: ignore[no-untyped-def]
    body = body_of(payload)
    clock = deps.clock
    return handle_storefront_webhook(deps, body, signature(secret, body, at or clock.now().timestamp()))


def allowed(store, clock: FakeClock, channel: Channel, topic: str, address: str = "jane@example.com") -> Reason:  # type: ignore[no-untyped-def]
    return eligibility(store.load(address).contact, channel, topic, clock.now()).reason


def test_saved_info_subscribes_to_updates_and_surveys_and_sends_one_welcome() -> None:
    deps, store, mailer, clock = make_deps()
    result = deliver(deps, event("e1", name="Jane"))
    assert (result.status, result.event_id) == ("processed", "e1")
    assert allowed(store, clock, Channel.EMAIL, "updates") is Reason.SUBSCRIBED
    assert allowed(store, clock, Channel.EMAIL, "surveys") is Reason.SUBSCRIBED
    assert allowed(store, clock, Channel.POSTAL, "catalog") is Reason.NOT_SUBSCRIBED
    assert [m.to for m in mailer.sent] == ["jane@example.com"]
    welcome = mailer.sent[0]
    assert welcome.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert welcome.headers["List-Unsubscribe"].startswith("<https://lists.shop.example/u/k1.")
    assert "mailto:unsubscribe+" in welcome.headers["List-Unsubscribe"]
    assert "Hello Jane" in welcome.text and "Hello Jane" in welcome.html
    # sent and still claimed (no second write): the sweep settles it on the send log's word after the lease
    held = store.load("jane@example.com").contact
    assert held is not None and [m.sending_since for m in held.outbox.values()] == [iso(clock.now())]
    assert [store.was_sent(i) for i in held.outbox] == [True]


def test_a_postal_address_also_joins_catalog_and_partner_sharing() -> None:
    deps, store, _, clock = make_deps()
    deliver(deps, event("e1", "order.placed", postal_address=POSTAL))
    assert allowed(store, clock, Channel.POSTAL, "catalog") is Reason.SUBSCRIBED
    assert allowed(store, clock, Channel.POSTAL, "partner_sharing") is Reason.SUBSCRIBED


def test_the_same_event_again_is_a_duplicate_with_no_second_effect() -> None:
    deps, store, mailer, _ = make_deps()
    payload = event("e1")
    deliver(deps, payload)
    saves = store.saves
    assert deliver(deps, payload).status == "duplicate"
    assert store.saves == saves and len(mailer.sent) == 1


def test_the_same_id_with_a_different_payload_is_refused_and_changes_nothing() -> None:
    deps, store, _, _ = make_deps()
    deliver(deps, event("e1", email="jane@example.com"))
    with pytest.raises(EventIdReused):
        deliver(deps, event("e1", email="john@example.com"))
    assert store.load("john@example.com").contact is None


def test_a_second_saved_info_does_not_send_a_second_welcome() -> None:
    deps, _, mailer, _ = make_deps()
    deliver(deps, event("e1"))
    assert deliver(deps, event("e2", name="Jane")).status == "processed"
    assert len(mailer.sent) == 1


def test_an_order_never_lifts_a_suppression_nor_sends_a_welcome() -> None:
    deps, store, mailer, clock = make_deps()
    deliver(deps, event("e1"))
    contact = store.load("jane@example.com").contact
    contact.suppressions["email"] = Suppression(SuppressionReason.REQUEST, "2026-11-25T12:00:00.000000Z", "link")
    store.save(contact)
    clock.advance(days=1)
    deliver(deps, event("e2", "order.placed", postal_address=POSTAL))
    assert allowed(store, clock, Channel.EMAIL, "updates") is Reason.SUPPRESSED
    assert allowed(store, clock, Channel.POSTAL, "catalog") is Reason.SUBSCRIBED
    assert len(mailer.sent) == 1


def test_unknown_types_are_ignored_and_store_nothing() -> None:
    deps, store, _, _ = make_deps()
    assert deliver(deps, event("e1", "customer.something_new")).status == "ignored"
    assert store.claims == {} and store.items == {}


def test_a_bad_signature_or_payload_changes_nothing() -> None:
    deps, store, _, _ = make_deps()
    with pytest.raises(InvalidSignature):
        deliver(deps, event("e1"), secret="wrong")
    with pytest.raises(InvalidInput):
        deliver(deps, event("e1", email="not an address"))
    assert store.claims == {} and store.items == {}


def test_a_redelivery_after_a_crash_between_claim_and_write_is_applied() -> None:
    deps, store, mailer, clock = make_deps()
    payload = event("e1")
    store.claim_event("e1", digest_of(payload), clock.now())  # the first delivery died right after claiming
    assert deliver(deps, payload).status == "processed"
    assert allowed(store, clock, Channel.EMAIL, "updates") is Reason.SUBSCRIBED
    assert len(mailer.sent) == 1


def test_of_two_deliveries_of_one_id_at_once_only_the_one_that_applied_it_says_processed() -> None:
    deps, store, mailer, _ = make_deps()
    payload = event("e1")
    statuses: list[str] = []
    load = store.load

    def load_after_a_redelivery_overtakes(address: str, waiting: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
        store.load = load  # type: ignore[method-assign]
        statuses.append(deliver(deps, payload).status)  # claims the id second, writes the contact first
        return load(address, waiting)

    store.load = load_after_a_redelivery_overtakes  # type: ignore[method-assign]
    statuses.append(deliver(deps, payload).status)  # claimed the id first
    assert statuses == ["processed", "duplicate"]
    assert len(mailer.sent) == 1


def test_a_concurrent_writer_makes_the_decision_run_again_on_fresh_state() -> None:
    deps, store, mailer, clock = make_deps()
    store.conflicts_to_inject = 3
    assert deliver(deps, event("e1")).status == "processed"
    assert allowed(store, clock, Channel.EMAIL, "updates") is Reason.SUBSCRIBED
    assert len(mailer.sent) == 1


def test_endless_contention_answers_try_again_without_a_partial_write() -> None:
    deps, store, _, _ = make_deps()
    store.conflicts_to_inject = 100
    with pytest.raises(Contended):
        deliver(deps, event("e1"))
    assert store.items == {}


def test_a_child_is_neither_stored_nor_mailed() -> None:
    deps, store, mailer, _ = make_deps()
    assert deliver(deps, event("e1", birthdate="2020-05-01", name="Kid")).status == "processed"
    assert mailer.sent == []
    (key,) = store.items  # only the tombstone: a keyed hash, suppressions and a receipt
    tombstone = store.items[key]
    assert "@" not in key and tombstone.profile.name is None
    assert {s.reason.value for s in tombstone.suppressions.values()} == {"child"}
    assert "jane" not in repr(tombstone)
    assert deliver(deps, event("e2")).status == "processed"  # a later sign-up stores and sends nothing
    assert store.load("jane@example.com").contact is None and mailer.sent == []


def test_a_failed_send_stays_in_the_outbox_for_a_retry_and_is_not_lost() -> None:
    deps, store, mailer, _ = make_deps()
    mailer.failures.append(MailError("Throttling"))
    assert deliver(deps, event("e1")).status == "processed"
    (pending,) = store.load("jane@example.com").contact.outbox.values()
    assert pending.kind == "welcome" and pending.attempts == 1 and not pending.dead
    assert pending.next_attempt_at > pending.created_at


def test_a_permanently_rejected_send_is_kept_as_dead_not_dropped() -> None:
    deps, store, mailer, _ = make_deps()
    mailer.failures.append(PermanentMailError("MessageRejected"))
    deliver(deps, event("e1"))
    (pending,) = store.load("jane@example.com").contact.outbox.values()
    assert pending.dead and pending.attempts == 1
