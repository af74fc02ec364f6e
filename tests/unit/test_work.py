from datetime import UTC, datetime, timedelta

from chalicelib.domain.consent import Basis, Contact, OutboxMessage, Provenance, Status, TopicState
from chalicelib.domain.removals import opt_out
from chalicelib.domain.timeutil import iso
from chalicelib.domain.work import (
    PARKED,
    SEND_LEASE,
    SEND_LOG_RECHECK,
    SEND_LOG_WAIT,
    advance_removal_states,
    deadline_state,
    expire_contests,
    summarize,
)
from chalicelib.services.mail_claims import claim_due_mail

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
PROV = Provenance(at=NOW, source="link:one_click", channel="link", policy_version="2026-01")


def with_removal() -> Contact:
    contact = Contact(address="jane@example.com")
    opt_out(contact, "email", PROV, NOW, ("partners",))
    return contact


def test_a_removal_is_open_then_at_risk_12_hours_before_its_deadline_then_overdue() -> None:
    (record,) = with_removal().removals.values()
    assert deadline_state(record, NOW + timedelta(hours=35, minutes=59)) == "open"
    assert deadline_state(record, NOW + timedelta(hours=36)) == "at_risk"
    assert deadline_state(record, NOW + timedelta(hours=48)) == "overdue"
    record.state = "done"
    assert deadline_state(record, NOW + timedelta(hours=100)) == "done"


def test_states_are_moved_and_counted_for_the_metrics() -> None:
    contact = with_removal()
    assert summarize(contact).removals_open == 1 and summarize(contact).removals_at_risk == 0
    assert advance_removal_states(contact, NOW + timedelta(hours=40))
    assert not advance_removal_states(contact, NOW + timedelta(hours=41))
    work = summarize(contact)
    assert (work.removals_open, work.removals_at_risk, work.removals_overdue) == (1, 1, 0)
    advance_removal_states(contact, NOW + timedelta(hours=49))
    assert summarize(contact).removals_overdue == 1


def test_the_sweep_is_due_at_the_next_retry_or_the_next_deadline_step_whichever_first() -> None:
    contact = with_removal()
    (record,) = contact.removals.values()
    assert summarize(contact).due_at == record.next_attempt_at == iso(NOW)
    record.next_attempt_at = iso(NOW + timedelta(days=3))
    assert summarize(contact).due_at == iso(NOW + timedelta(hours=36))  # when it turns at_risk


def test_nothing_pending_leaves_the_index_and_dead_mail_is_counted_but_never_due() -> None:
    contact = Contact(address="jane@example.com")
    assert summarize(contact).due_at is None
    contact.outbox["m1"] = OutboxMessage("m1", "welcome", iso(NOW), iso(NOW), attempts=3, dead=True)
    work = summarize(contact)
    assert (work.due_at, work.outbox_dead, work.outbox_pending) == (PARKED, 1, 0)


def test_claimed_mail_is_not_claimed_again_until_its_lease_ends() -> None:
    contact = Contact(address="jane@example.com")
    contact.outbox["m1"] = OutboxMessage("m1", "welcome", iso(NOW), iso(NOW))
    assert claim_due_mail(contact, NOW) == ["m1"]
    assert claim_due_mail(contact, NOW + SEND_LEASE - timedelta(seconds=1)) == []
    assert summarize(contact).due_at == iso(NOW + SEND_LEASE)
    assert claim_due_mail(contact, NOW + SEND_LEASE) == []  # lapsed, but nobody asked the send log: left alone
    assert "m1" in contact.outbox
    assert claim_due_mail(contact, NOW + SEND_LEASE, send_log={"m1": True}) == []
    assert contact.outbox == {}  # the send log said SES took it: settled, not resent


def test_an_expired_claim_that_ses_never_took_is_claimed_again_once_its_send_event_cannot_still_come() -> None:
    contact = Contact(address="jane@example.com")
    contact.outbox["m1"] = OutboxMessage("m1", "welcome", iso(NOW), iso(NOW), sending_since=iso(NOW))
    assert claim_due_mail(contact, NOW + SEND_LEASE, send_log={"m1": False}) == []  # its Send event may be late
    assert contact.outbox["m1"].next_attempt_at == iso(NOW + SEND_LEASE + SEND_LOG_RECHECK)  # asked again then
    assert summarize(contact).due_at == iso(NOW + SEND_LEASE + SEND_LOG_RECHECK)
    assert claim_due_mail(contact, NOW + SEND_LOG_WAIT, send_log={"m1": False}) == ["m1"]


def test_a_claim_the_send_log_knows_is_settled_even_inside_its_lease() -> None:
    contact = Contact(address="jane@example.com")
    contact.outbox["m1"] = OutboxMessage("m1", "welcome", iso(NOW), iso(NOW), sending_since=iso(NOW))
    assert claim_due_mail(contact, NOW + timedelta(seconds=5), send_log={"m1": True}) == [] and not contact.outbox


def test_contest_grants_end_with_their_contest() -> None:
    contact = Contact(address="jane@example.com")
    ends = iso(NOW + timedelta(days=2))
    contact.topics["contest:spring"] = TopicState(Status.SUBSCRIBED, Basis.EXPRESS, iso(NOW), "x", ends)
    assert summarize(contact).due_at == ends
    assert expire_contests(contact, NOW + timedelta(days=1), PROV) == []
    assert expire_contests(contact, NOW + timedelta(days=2), PROV) == ["contest:spring"]
    assert "contest:spring" not in contact.topics and contact.ledger[-1].action == "expire"


def test_a_contact_remembers_applied_event_ids_as_long_as_their_claim_lives() -> None:
    from chalicelib.domain.rules import EVENTS_REMEMBERED_FOR, remember_event

    contact = Contact(address="jane@example.com")
    remember_event(contact, "old", NOW)
    remember_event(contact, "recent", NOW + EVENTS_REMEMBERED_FOR - timedelta(days=1))
    assert set(contact.applied_events) == {"old", "recent"}
    remember_event(contact, "new", NOW + EVENTS_REMEMBERED_FOR + timedelta(seconds=1))
    assert set(contact.applied_events) == {"recent", "new"}  # the claim on "old" has expired too
