"""Opting out and opting back in (SPEC §1.3, §1.4, §5). Every opt-out, whatever its channel, goes through
`opt_out`, which changes the state, writes the ledger entry and opens the removal record together."""

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from .consent import (
    PERMANENT_REASONS,
    Basis,
    Contact,
    Provenance,
    RemovalRecord,
    Status,
    Suppression,
    SuppressionReason,
    TopicState,
)
from .rules import is_marketing_email_list, left_every_marketing_list, queue_mail
from .timeutil import iso, parse_iso
from .topics import ALL_ACQUIRED, FIXED_TOPICS, PARTNER_SHARING, Channel, channels_of

REMOVAL_DEADLINE = timedelta(hours=48)
# A stronger reason replaces a weaker one on the same channel, never the reverse: a request can be lifted by the
# person's confirmed opt-in, an erasure only by that of an adult, a bounce or complaint never, a child's never.
STRENGTH = {
    SuppressionReason.REQUEST: 0,
    SuppressionReason.ERASURE: 1,
    SuppressionReason.BOUNCE: 2,
    SuppressionReason.COMPLAINT: 2,
    SuppressionReason.CHILD: 3,
}
NOTICE_INTERVAL = timedelta(days=1)
CHANNEL_SCOPES = frozenset(ch.value for ch in Channel)


def opt_out(
    contact: Contact,
    scope: str,
    prov: Provenance,
    now: datetime,
    destinations: tuple[str, ...] = (),
    reason: SuppressionReason = SuppressionReason.REQUEST,
) -> RemovalRecord | None:
    """Remove the contact from `scope` ("email", "postal" or one topic). Returns the new removal record, or None
    when the scope was already left (so repeating a click changes nothing). A bounce or complaint on a channel the
    person had already left hardens the reason (it can then never be lifted) without a second removal."""
    # read before the change: a postal or sharing removal clears the basis partners got the name and address on
    held = contact.topics.get(PARTNER_SHARING)
    shared_before = held is not None and held.status is Status.SUBSCRIBED and held.basis is not None
    if scope in CHANNEL_SCOPES:
        existing = contact.suppressions.get(scope)
        if existing is not None:
            if STRENGTH[reason] > STRENGTH[existing.reason]:
                contact.suppressions[scope] = Suppression(reason, existing.since, existing.source)
                contact.record("suppress", scope, reason.value, prov)
            return None
        contact.suppressions[scope] = Suppression(reason, prov.at_iso, prov.source)
        contact.record("suppress", scope, reason.value, prov)
        # Every topic of the channel is left too, so that confirming one topic later revives only that one; and
        # third-party lists are left for good (SPEC §1.6: they never override a removal).
        # Topics never held are recorded as left as well, so no later implied sign-up can add them.
        channel = Channel(scope)
        held_here = [t for t, held in contact.topics.items() if held.status is Status.SUBSCRIBED]
        for topic in [*FIXED_TOPICS, *held_here]:
            current = contact.topics.get(topic)
            if channel in channels_of(topic) and (current is None or current.status is Status.SUBSCRIBED):
                contact.topics[topic] = TopicState(Status.UNSUBSCRIBED, None, prov.at_iso, prov.source)
        contact.topics[ALL_ACQUIRED] = TopicState(Status.UNSUBSCRIBED, None, prov.at_iso, prov.source)
    else:
        state = contact.topics.get(scope)
        if state is not None and state.status is Status.UNSUBSCRIBED:
            return None
        # recorded even for a topic never held, so that no later implied sign-up can add it
        contact.topics[scope] = TopicState(Status.UNSUBSCRIBED, None, prov.at_iso, prov.source)
        contact.record("unsubscribe", scope, reason.value, prov)
    record = RemovalRecord(
        shared=shared_before,
        # random, never a hash of the address: the id outlives an erasure (tombstone, archive, partners' copies)
        id=f"rm-{secrets.token_hex(10)}",
        scope=scope,
        source=prov.source,
        received_at=iso(now),
        due_at=iso(now + REMOVAL_DEADLINE),
        state="open" if destinations else "done",
        destinations=dict.fromkeys(destinations, "pending"),
        next_attempt_at=iso(now) if destinations else None,
        done_at=None if destinations else iso(now),
        reason=reason.value,
    )
    contact.removals[record.id] = record
    return record


def propagate_existing(contact: Contact, destinations: tuple[str, ...], prov: Provenance, now: datetime) -> bool:
    """The person had left all marketing email (at once, or list by list) before listkeeper knew them somewhere it
    now writes removals back to (a new storefront account, or an address they moved to): their choice goes there
    too, at its own time, with 48 hours from now to get there."""
    suppression = contact.suppressions.get("email")
    if not destinations or (suppression is None and not left_every_marketing_list(contact)):
        return False
    email_scoped = [
        r
        for r in contact.removals.values()
        if r.state != "done" and (r.scope == "email" or is_marketing_email_list(r.scope))
    ]
    if email_scoped:
        latest = max(email_scoped, key=lambda r: r.received_at)
        new = [d for d in destinations if d not in latest.destinations]
        latest.destinations.update(dict.fromkeys(new, "pending"))
        return bool(new)
    if suppression is not None:
        scope, since, reason = "email", suppression.since, suppression.reason.value
    else:
        scope, state = max(
            (
                (t, st)
                for t, st in contact.topics.items()
                if st.status is Status.UNSUBSCRIBED and is_marketing_email_list(t)
            ),
            key=lambda held: held[1].since,
        )
        since, reason = state.since, SuppressionReason.REQUEST.value
    record = RemovalRecord(
        id=f"rm-{secrets.token_hex(10)}",
        scope=scope,
        source=prov.source,
        received_at=since,  # the person's own time, written back as when they withdrew consent
        due_at=iso(now + REMOVAL_DEADLINE),
        destinations=dict.fromkeys(destinations, "pending"),
        next_attempt_at=iso(now),
        reason=reason,
    )
    contact.removals[record.id] = record
    contact.record("propagate", scope, "new_destination", prov)
    return True


def queue_removal_confirmation(contact: Contact, scopes: list[str], prov: Provenance, now: datetime) -> bool:
    """SPEC §6: at most one removal confirmation per address per day, and none to a bounced, complained, erased
    or child address."""
    if not scopes or any(s.reason in PERMANENT_REASONS for s in contact.suppressions.values()):
        return False
    if contact.last_removal_notice and now - parse_iso(contact.last_removal_notice) < NOTICE_INTERVAL:
        return False
    message = queue_mail(contact, "removal_confirmation", prov, now)
    message.params = {"scopes": ",".join(scopes)}
    contact.last_removal_notice = iso(now)
    return True


@dataclass
class OptInOutcome:
    subscribed: list[str] = field(default_factory=list)
    needs_confirmation: list[str] = field(default_factory=list)  # a fresh opt-in the person must confirm
    refused: list[str] = field(default_factory=list)  # blocked for good: bounce, complaint, erasure, child


def request_opt_in(
    contact: Contact, topics: list[str], prov: Provenance, *, confirm_every_new: bool = False
) -> OptInOutcome:
    """The person asks for topics. A topic never held is an express opt-in; a topic left before, or on a channel
    the person asked to be removed from, needs a confirmed fresh opt-in (SPEC §1.3) — and in a double opt-in stage
    (`confirm_every_new`, SPEC §6) every new subscription does."""
    outcome = OptInOutcome()
    for topic in topics:
        suppressions = [contact.suppressions[ch.value] for ch in channels_of(topic) if ch.value in contact.suppressions]
        state = contact.topics.get(topic)
        if any(s.reason in PERMANENT_REASONS for s in suppressions):
            outcome.refused.append(topic)
        elif (
            suppressions
            or (state is not None and state.status is Status.UNSUBSCRIBED)
            or (confirm_every_new and (state is None or state.status is not Status.SUBSCRIBED))
        ):
            outcome.needs_confirmation.append(topic)
        elif state is None or state.status is not Status.SUBSCRIBED:
            contact.topics[topic] = TopicState(Status.SUBSCRIBED, Basis.EXPRESS, prov.at_iso, prov.source)
            contact.record("subscribe", topic, Basis.EXPRESS.value, prov)
            outcome.subscribed.append(topic)
    return outcome


def confirm_opt_in(contact: Contact, topics: list[str], prov: Provenance) -> list[str]:
    """The person confirmed a fresh opt-in sent to their address: lift a self-requested suppression on the topics'
    channels and subscribe them. Permanent suppressions never lift. Returns the topics now subscribed."""
    confirmed: list[str] = []
    for topic in topics:
        channels = [ch.value for ch in channels_of(topic)]
        if any(contact.suppressions[ch].reason in PERMANENT_REASONS for ch in channels if ch in contact.suppressions):
            continue
        for ch in channels:
            if ch in contact.suppressions:
                del contact.suppressions[ch]
                contact.record("lift_suppression", ch, Basis.CONFIRMED.value, prov)
        state = contact.topics.get(topic)
        if state is not None and state.status is Status.SUBSCRIBED and state.basis is Basis.CONFIRMED:
            continue
        contact.topics[topic] = TopicState(Status.SUBSCRIBED, Basis.CONFIRMED, prov.at_iso, prov.source)
        contact.record("subscribe", topic, Basis.CONFIRMED.value, prov)
        confirmed.append(topic)
    return confirmed


def notify_removed_by_someone_else(
    contact: Contact, scopes: list[str], restore: list[str], prov: Provenance, now: datetime
) -> bool:
    """SPEC §6: an address removed at someone else's request (an agent's forward, a reviewed message) is told, with
    a one-click way to undo it: a confirmation of the topics it held. Never to a bounced, complained, erased or
    child address."""
    if not scopes or any(s.reason in PERMANENT_REASONS for s in contact.suppressions.values()):
        return False
    message = queue_mail(contact, "removal_notice", prov, now)
    message.params = {"scopes": ",".join(scopes), "topics": ",".join(restore)}
    return True


OFFER_INTERVAL = timedelta(days=1)


def offer_confirmation(contact: Contact, topics: list[str], prov: Provenance, now: datetime) -> list[str]:
    """Owe the contact a confirmation email for `topics` (a double opt-in), at most once a day. Returns the topics
    offered, or [] when nothing was due."""
    if not topics:
        return []
    # the ledger moves off the contact's item: the time of the last offer is kept on the contact itself (entries
    # still on the item count too, for a contact written before it was)
    offers = [e.at for e in contact.ledger if e.action == "offer_opt_in"] + [contact.last_opt_in_offer or ""]
    if max(offers) and parse_iso(max(offers)) > now - OFFER_INTERVAL:
        return []
    message = queue_mail(contact, "optin_confirmation", prov, now)
    message.params = {"topics": ",".join(topics)}
    contact.last_opt_in_offer = iso(now)
    # recorded at the time it was sent, not the event's: the daily limit counts sends, however old their causes
    contact.record("offer_opt_in", ",".join(topics), "confirmation_sent", replace(prov, at=now))
    return topics
