"""The promise of SPEC §1 as pure functions over a Contact. Each rule lives here once, named after what it keeps."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .consent import (
    PERMANENT_REASONS,
    Basis,
    Contact,
    OutboxMessage,
    Provenance,
    Status,
    Suppression,
    TopicState,
)
from .timeutil import iso, parse_iso
from .topics import ACQUIRED_PREFIX, ALL_ACQUIRED, CONTEST_PREFIX, USE_PREFIX, Channel, channels_of, is_contest


class Reason(StrEnum):
    SUBSCRIBED = "subscribed"
    CONTEST_ENTRANT = "contest_entrant"
    NOT_SUBSCRIBED = "not_subscribed"
    UNSUBSCRIBED = "unsubscribed"
    SUPPRESSED = "suppressed"
    INVALID_ADDRESS = "invalid_address"


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    reason: Reason


def active_suppression(contact: Contact, channel: Channel) -> Suppression | None:
    return contact.suppressions.get(channel.value)


def join_implied_topics(contact: Contact, topics: tuple[str, ...], prov: Provenance) -> list[str]:
    """SPEC §1.1, bounded by §1.3: saved info or an order joins the implied topics, except that it never
    re-subscribes: a topic the person left stays left, and a suppressed channel gains nothing.
    Returns the topics newly joined."""
    joined: list[str] = []
    for topic in topics:
        if any(active_suppression(contact, ch) for ch in channels_of(topic)):
            continue
        if topic in contact.topics:
            continue  # already subscribed, or explicitly left: either way the person's choice stands
        contact.topics[topic] = TopicState(Status.SUBSCRIBED, Basis.IMPLIED, prov.at_iso, prov.source)
        contact.record("subscribe", topic, Basis.IMPLIED.value, prov)
        joined.append(topic)
    return joined


def began_email_subscription(joined: list[str]) -> bool:
    """SPEC §3.1: a welcome email goes out only when a new email subscription began."""
    return any(Channel.EMAIL in channels_of(topic) for topic in joined)


def queue_mail(contact: Contact, kind: str, prov: Provenance, now: datetime) -> OutboxMessage:
    """Owe the contact an email, due now; the entry is written with the change that caused it (SPEC §6)."""
    message = OutboxMessage(
        # random, never a hash of the address: the id is in the message, SES's records and the send log
        id=f"{kind}-{secrets.token_hex(10)}",
        kind=kind,
        created_at=iso(now),
        next_attempt_at=iso(now),
    )
    contact.outbox[message.id] = message
    return message


def _expired(state: TopicState, now: datetime) -> bool:
    """Outside its time: a contest that ended, or a new use whose opt-out window is still open."""
    ended = state.expires_at is not None and parse_iso(state.expires_at) <= now
    return ended or (state.starts_at is not None and now < parse_iso(state.starts_at))


def is_marketing_email_list(topic: str) -> bool:
    """A list of marketing email: contest grants, third-party lists and uses not yet in force aside."""
    return (
        topic not in ("email", "postal")
        and Channel.EMAIL in channels_of(topic)
        and not topic.startswith((CONTEST_PREFIX, ACQUIRED_PREFIX, USE_PREFIX))
    )


def _marketing_email_topics(contact: Contact) -> list[tuple[str, TopicState]]:
    return [(topic, state) for topic, state in contact.topics.items() if is_marketing_email_list(topic)]


def takes_marketing_email(contact: Contact, besides: str | None = None) -> bool:
    """Does the person take marketing email on some list (other than `besides`)? A storefront platform keeps one
    consent for all of it: when the answer turns no, the platform is told they left."""
    return Channel.EMAIL.value not in contact.suppressions and any(
        state.status is Status.SUBSCRIBED and topic != besides for topic, state in _marketing_email_topics(contact)
    )


def left_every_marketing_list(contact: Contact, by: str | None = None) -> bool:
    """The person left each marketing email list they had, one by one (the last of them no earlier than `by`)."""
    held = _marketing_email_topics(contact)
    if not held or any(state.status is not Status.UNSUBSCRIBED for _, state in held):
        return False
    return by is None or max(state.since for _, state in held) >= by


def opted_in_after(contact: Contact, at_iso: str) -> bool:
    """Did the person join a marketing email list themselves (expressly, or by confirming) after `at_iso`? A
    contest entry or a third-party list is no such opt-in."""
    return any(
        state.status is Status.SUBSCRIBED and state.basis in (Basis.EXPRESS, Basis.CONFIRMED) and state.since > at_iso
        for _, state in _marketing_email_topics(contact)
    )


def eligibility(
    contact: Contact | None, channel: Channel, topic: str, now: datetime, *, acquired: bool = False
) -> Eligibility:
    """May this contact be sent marketing on `channel` for `topic` now? Suppression beats every topic, except a
    contest the person entered after a self-requested suppression (SPEC §1.5, §2). `acquired` says a third-party
    record exists for an `acquired:<source>` topic: it is used only for that source's mailings, and never overrides
    a removal (SPEC §1.6)."""
    if topic.startswith(ACQUIRED_PREFIX):
        return _acquired_eligibility(contact, channel, topic, acquired)
    if contact is None or channel not in channels_of(topic):
        return Eligibility(False, Reason.NOT_SUBSCRIBED)
    state = contact.topics.get(topic)
    active = state is not None and state.status is Status.SUBSCRIBED and not _expired(state, now)
    suppression = active_suppression(contact, channel)
    if suppression is not None:
        if (
            active
            and state is not None
            and is_contest(topic)
            and suppression.reason not in PERMANENT_REASONS
            and state.since > suppression.since
        ):
            return Eligibility(True, Reason.CONTEST_ENTRANT)
        return Eligibility(False, Reason.SUPPRESSED)
    if state is None or _expired(state, now):
        return Eligibility(False, Reason.NOT_SUBSCRIBED)
    if state.status is Status.UNSUBSCRIBED:
        return Eligibility(False, Reason.UNSUBSCRIBED)
    return Eligibility(True, Reason.SUBSCRIBED)


def _acquired_eligibility(contact: Contact | None, channel: Channel, topic: str, acquired: bool) -> Eligibility:
    if contact is not None:
        if active_suppression(contact, channel) is not None:
            return Eligibility(False, Reason.SUPPRESSED)
        for held in (contact.topics.get(topic), contact.topics.get(ALL_ACQUIRED)):
            if held is not None and held.status is Status.UNSUBSCRIBED:
                return Eligibility(False, Reason.UNSUBSCRIBED)
    return Eligibility(True, Reason.SUBSCRIBED) if acquired else Eligibility(False, Reason.NOT_SUBSCRIBED)


EVENTS_REMEMBERED_FOR = timedelta(days=30)  # as long as an event id's claim is kept (adapters/dynamo_store.py)


def remember_event(contact: Contact, event_id: str, at: datetime, keep: int = 25) -> None:
    """Keep the ids of recently applied events, so that a redelivery after a crash applies nothing twice; no
    longer than the claim on the id itself lives, so the contact's item does not grow with its history."""
    oldest = iso(at - EVENTS_REMEMBERED_FOR)
    contact.applied_events = {i: t for i, t in contact.applied_events.items() if t >= oldest}
    contact.applied_events[event_id] = iso(at)
    if len(contact.applied_events) > keep:
        newest = sorted(contact.applied_events.items(), key=lambda kv: kv[1])[-keep:]
        contact.applied_events = dict(newest)


def retry_after(attempts: int) -> timedelta:
    """Exponential backoff for pending work: 1, 2, 4 … minutes, capped at one hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))
