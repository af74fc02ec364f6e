from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.consent import (
    Basis,
    Contact,
    Provenance,
    Status,
    Suppression,
    SuppressionReason,
    TopicState,
)
from chalicelib.domain.rules import Reason, eligibility, join_implied_topics
from chalicelib.domain.timeutil import iso
from chalicelib.domain.topics import IMPLIED_EMAIL_TOPICS, IMPLIED_POSTAL_TOPICS, Channel

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def prov(at: datetime = T0, source: str = "storefront:customer.info_saved") -> Provenance:
    return Provenance(at=at, source=source, channel="storefront", policy_version="2026-01")


def suppressed(channel: Channel, reason: SuppressionReason, at: datetime = T0) -> Contact:
    contact = Contact(address="jane@example.com")
    contact.suppressions[channel.value] = Suppression(reason, iso(at), "link:one_click")
    return contact


def test_saving_info_joins_updates_and_surveys_and_records_proof() -> None:
    contact = Contact(address="jane@example.com")
    joined = join_implied_topics(contact, IMPLIED_EMAIL_TOPICS, prov())
    assert joined == ["updates", "surveys"]
    assert all(contact.topics[t].basis is Basis.IMPLIED for t in joined)
    assert [(e.action, e.subject, e.detail) for e in contact.ledger] == [
        ("subscribe", "updates", "implied"),
        ("subscribe", "surveys", "implied"),
    ]
    assert eligibility(contact, Channel.EMAIL, "updates", T0).reason is Reason.SUBSCRIBED


def test_implied_signup_never_rejoins_a_topic_the_person_left() -> None:
    contact = Contact(address="jane@example.com")
    contact.topics["surveys"] = TopicState(Status.UNSUBSCRIBED, None, iso(T0), "page")
    assert join_implied_topics(contact, IMPLIED_EMAIL_TOPICS, prov(T0 + timedelta(days=1))) == ["updates"]
    assert eligibility(contact, Channel.EMAIL, "surveys", T0).reason is Reason.UNSUBSCRIBED


def test_a_suppressed_channel_gains_nothing_but_the_other_channel_does() -> None:
    contact = suppressed(Channel.EMAIL, SuppressionReason.REQUEST)
    joined = join_implied_topics(contact, IMPLIED_EMAIL_TOPICS + IMPLIED_POSTAL_TOPICS, prov())
    assert joined == ["catalog", "partner_sharing"]
    assert eligibility(contact, Channel.EMAIL, "updates", T0).reason is Reason.SUPPRESSED
    assert eligibility(contact, Channel.POSTAL, "catalog", T0).allowed


def test_suppression_beats_a_subscription_made_before_or_after_it() -> None:
    contact = suppressed(Channel.EMAIL, SuppressionReason.BOUNCE)
    contact.topics["promotions"] = TopicState(Status.SUBSCRIBED, Basis.EXPRESS, iso(T0 + timedelta(days=1)), "x")
    assert eligibility(contact, Channel.EMAIL, "promotions", T0) == eligibility(contact, Channel.EMAIL, "updates", T0)
    assert not eligibility(contact, Channel.EMAIL, "promotions", T0).allowed


def _with_contest(reason: SuppressionReason, entered: datetime) -> Contact:
    contact = suppressed(Channel.EMAIL, reason)
    contact.topics["contest:spring"] = TopicState(
        Status.SUBSCRIBED, Basis.EXPRESS, iso(entered), "storefront:contest.entered", iso(T0 + timedelta(days=30))
    )
    return contact


def test_a_contest_entered_after_a_self_requested_opt_out_is_allowed_for_that_contest_only() -> None:
    contact = _with_contest(SuppressionReason.REQUEST, T0 + timedelta(hours=1))
    now = T0 + timedelta(days=2)
    assert eligibility(contact, Channel.EMAIL, "contest:spring", now) == eligibility(
        contact, Channel.EMAIL, "contest:spring", now
    )
    assert eligibility(contact, Channel.EMAIL, "contest:spring", now).reason is Reason.CONTEST_ENTRANT
    assert eligibility(contact, Channel.EMAIL, "promotions", now).reason is Reason.SUPPRESSED
    assert not eligibility(contact, Channel.EMAIL, "contest:spring", T0 + timedelta(days=31)).allowed


def test_the_contest_exception_needs_the_entry_to_come_after_the_opt_out() -> None:
    contact = _with_contest(SuppressionReason.REQUEST, T0 - timedelta(hours=1))
    assert eligibility(contact, Channel.EMAIL, "contest:spring", T0).reason is Reason.SUPPRESSED


def test_the_contest_exception_never_applies_to_bounce_complaint_erasure_or_child() -> None:
    for reason in (
        SuppressionReason.BOUNCE,
        SuppressionReason.COMPLAINT,
        SuppressionReason.ERASURE,
        SuppressionReason.CHILD,
    ):
        contact = _with_contest(reason, T0 + timedelta(hours=1))
        assert eligibility(contact, Channel.EMAIL, "contest:spring", T0 + timedelta(days=1)).reason is (
            Reason.SUPPRESSED
        )


def test_unknown_contacts_and_topics_of_another_channel_are_not_subscribed() -> None:
    assert eligibility(None, Channel.EMAIL, "updates", T0).reason is Reason.NOT_SUBSCRIBED
    contact = Contact(address="jane@example.com")
    join_implied_topics(contact, IMPLIED_POSTAL_TOPICS, prov())
    assert eligibility(contact, Channel.EMAIL, "catalog", T0).reason is Reason.NOT_SUBSCRIBED
    assert eligibility(contact, Channel.POSTAL, "catalog", T0).reason is Reason.SUBSCRIBED


# --- property: no sequence of storefront events re-subscribes a suppressed address (SPEC §1.3) ----------------

storefront_event = st.tuples(
    st.sampled_from(["customer.info_saved", "order.placed"]),
    st.booleans(),  # with a postal address
    st.integers(min_value=-10_000, max_value=10_000),  # event time, minutes from the suppression (out of order too)
)


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(storefront_event, max_size=6),
    after=st.lists(storefront_event, max_size=12),
    channel=st.sampled_from(list(Channel)),
    reason=st.sampled_from(list(SuppressionReason)),
)
def test_no_sequence_of_storefront_events_resubscribes_a_suppressed_address(
    before: list[tuple[str, bool, int]],
    after: list[tuple[str, bool, int]],
    channel: Channel,
    reason: SuppressionReason,
) -> None:
    contact = Contact(address="jane@example.com")

    def apply(events: list[tuple[str, bool, int]]) -> None:
        for kind, with_postal, minutes in events:
            topics = IMPLIED_EMAIL_TOPICS + (IMPLIED_POSTAL_TOPICS if with_postal else ())
            join_implied_topics(contact, topics, prov(T0 + timedelta(minutes=minutes), f"storefront:{kind}"))

    apply(before)
    contact.suppressions[channel.value] = Suppression(reason, iso(T0), "test")
    apply(after)
    now = T0 + timedelta(days=30)
    for topic in ("updates", "surveys", "promotions", "catalog", "partner_sharing"):
        assert not eligibility(contact, channel, topic, now).allowed


@settings(max_examples=200, deadline=None)
@given(events=st.lists(storefront_event, max_size=12), left=st.sampled_from(["updates", "surveys", "catalog"]))
def test_no_sequence_of_storefront_events_rejoins_a_topic_the_person_left(
    events: list[tuple[str, bool, int]], left: str
) -> None:
    contact = Contact(address="jane@example.com")
    contact.topics[left] = TopicState(Status.UNSUBSCRIBED, None, iso(T0), "page")
    for kind, with_postal, minutes in events:
        topics = IMPLIED_EMAIL_TOPICS + (IMPLIED_POSTAL_TOPICS if with_postal else ())
        join_implied_topics(contact, topics, prov(T0 + timedelta(minutes=minutes), f"storefront:{kind}"))
    channel = Channel.POSTAL if left == "catalog" else Channel.EMAIL
    assert eligibility(contact, channel, left, T0 + timedelta(days=1)).reason is Reason.UNSUBSCRIBED
