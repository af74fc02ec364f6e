from datetime import UTC, datetime, timedelta

from chalicelib.domain.consent import Contact, Provenance, Status, Suppression, SuppressionReason
from chalicelib.domain.removals import (
    REMOVAL_DEADLINE,
    confirm_opt_in,
    opt_out,
    queue_removal_confirmation,
    request_opt_in,
)
from chalicelib.domain.rules import Reason, eligibility, join_implied_topics
from chalicelib.domain.timeutil import iso, parse_iso
from chalicelib.domain.topics import IMPLIED_EMAIL_TOPICS, IMPLIED_POSTAL_TOPICS, Channel

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def prov(source: str = "link:one_click", at: datetime = NOW) -> Provenance:
    return Provenance(at=at, source=source, channel="link", policy_version="2026-01", ip="198.51.100.7")


def subscriber() -> Contact:
    contact = Contact(address="jane@example.com")
    join_implied_topics(
        contact, IMPLIED_EMAIL_TOPICS + IMPLIED_POSTAL_TOPICS, prov("storefront:x", NOW - timedelta(days=9))
    )
    return contact


def test_unsubscribing_from_all_email_suppresses_records_proof_and_starts_the_48_hour_clock() -> None:
    contact = subscriber()
    record = opt_out(contact, "email", prov(), NOW, ("partners",))
    assert record is not None
    assert (record.scope, record.source, record.state) == ("email", "link:one_click", "open")
    assert parse_iso(record.due_at) - parse_iso(record.received_at) == REMOVAL_DEADLINE == timedelta(hours=48)
    assert record.destinations == {"partners": "pending"}
    assert contact.suppressions["email"].reason is SuppressionReason.REQUEST
    assert contact.ledger[-1].action == "suppress" and contact.ledger[-1].ip == "198.51.100.7"
    for topic in IMPLIED_EMAIL_TOPICS:
        assert eligibility(contact, Channel.EMAIL, topic, NOW).reason is Reason.SUPPRESSED
    assert eligibility(contact, Channel.POSTAL, "catalog", NOW).allowed


def test_repeating_an_opt_out_changes_nothing() -> None:
    contact = subscriber()
    assert opt_out(contact, "email", prov(), NOW) is not None
    ledger, removals = len(contact.ledger), dict(contact.removals)
    assert opt_out(contact, "email", prov(), NOW + timedelta(minutes=1)) is None
    assert opt_out(contact, "surveys", prov(), NOW) is None  # left already, with all email
    assert (len(contact.ledger), contact.removals) == (ledger, removals)
    other = subscriber()
    assert opt_out(other, "surveys", prov(), NOW) is not None
    assert opt_out(other, "surveys", prov(), NOW + timedelta(seconds=5)) is None
    assert len(other.removals) == 1


def test_leaving_one_topic_keeps_the_others() -> None:
    contact = subscriber()
    opt_out(contact, "surveys", prov(), NOW)
    assert eligibility(contact, Channel.EMAIL, "surveys", NOW).reason is Reason.UNSUBSCRIBED
    assert eligibility(contact, Channel.EMAIL, "updates", NOW).allowed


def test_an_opt_out_with_no_destinations_is_done_at_once() -> None:
    record = opt_out(subscriber(), "catalog", prov(), NOW)
    assert record is not None and record.state == "done"


def test_a_removal_confirmation_goes_at_most_once_a_day() -> None:
    contact = subscriber()
    assert queue_removal_confirmation(contact, ["surveys"], prov(), NOW)
    assert not queue_removal_confirmation(contact, ["updates"], prov(), NOW + timedelta(hours=23))
    assert queue_removal_confirmation(contact, ["updates"], prov(), NOW + timedelta(hours=24))
    kinds = [m.kind for m in contact.outbox.values()]
    assert kinds == ["removal_confirmation", "removal_confirmation"]


def test_no_removal_confirmation_to_a_bounced_or_complaining_address() -> None:
    for reason in (SuppressionReason.BOUNCE, SuppressionReason.COMPLAINT):
        contact = subscriber()
        contact.suppressions["email"] = Suppression(reason, iso(NOW), "ses")
        assert not queue_removal_confirmation(contact, ["catalog"], prov(), NOW)
        assert contact.outbox == {}


def test_asking_again_for_what_was_left_needs_a_confirmation_and_a_new_topic_does_not() -> None:
    contact = subscriber()
    opt_out(contact, "surveys", prov(), NOW)
    outcome = request_opt_in(contact, ["surveys", "promotions"], prov("page:save"))
    assert outcome.needs_confirmation == ["surveys"] and outcome.subscribed == ["promotions"]
    assert eligibility(contact, Channel.EMAIL, "surveys", NOW).reason is Reason.UNSUBSCRIBED
    assert contact.topics["promotions"].basis.value == "express"


def test_confirming_lifts_a_self_requested_suppression_for_the_confirmed_topics_only() -> None:
    contact = subscriber()
    opt_out(contact, "email", prov(), NOW)
    assert request_opt_in(contact, ["updates"], prov("page:save")).needs_confirmation == ["updates"]
    assert confirm_opt_in(contact, ["updates"], prov("page:confirm_opt_in")) == ["updates"]
    assert "email" not in contact.suppressions
    assert eligibility(contact, Channel.EMAIL, "updates", NOW).reason is Reason.SUBSCRIBED
    assert contact.topics["updates"].basis.value == "confirmed"
    # surveys was left together with all email: confirming updates does not silently bring it back
    assert eligibility(contact, Channel.EMAIL, "surveys", NOW).reason is Reason.UNSUBSCRIBED
    assert [e.action for e in contact.ledger[-2:]] == ["lift_suppression", "subscribe"]


def test_bounce_complaint_erasure_and_child_never_lift_even_when_confirmed() -> None:
    for reason in (
        SuppressionReason.BOUNCE,
        SuppressionReason.COMPLAINT,
        SuppressionReason.ERASURE,
        SuppressionReason.CHILD,
    ):
        contact = subscriber()
        contact.suppressions["email"] = Suppression(reason, iso(NOW), "x")
        assert request_opt_in(contact, ["updates"], prov()).refused == ["updates"]
        assert confirm_opt_in(contact, ["updates"], prov()) == []
        assert contact.suppressions["email"].reason is reason
        assert not eligibility(contact, Channel.EMAIL, "updates", NOW).allowed


def test_a_left_topic_is_recorded_even_if_never_held_so_no_signup_adds_it() -> None:
    contact = Contact(address="new@example.com")
    opt_out(contact, "surveys", prov(), NOW)
    join_implied_topics(contact, IMPLIED_EMAIL_TOPICS, prov("storefront:x", NOW + timedelta(days=1)))
    assert contact.topics["surveys"].status is Status.UNSUBSCRIBED
    assert contact.topics["updates"].status is Status.SUBSCRIBED
