"""Telling people before their data is used in a new way (SPEC §1.9).

An announced use is a topic `use:<name>`. Each person still receiving email is told, by email, with an opt-out link;
the use applies to them only once their own window has closed without an opt-out. Anyone suppressed, or who left
email, is never enrolled."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .consent import Basis, Contact, Provenance, Status, TopicState
from .rules import queue_mail
from .timeutil import iso
from .topics import Channel, channels_of


@dataclass(frozen=True)
class Announcement:
    use: str  # the topic, use:<name>
    policy_version: str
    description: str
    window_days: int
    announced_at: str


def receives_email(contact: Contact) -> bool:
    if Channel.EMAIL.value in contact.suppressions:
        return False
    return any(
        state.status is Status.SUBSCRIBED and Channel.EMAIL in channels_of(topic) and not topic.startswith("use:")
        for topic, state in contact.topics.items()
    )


def notify_of_new_use(contact: Contact, announcement: Announcement, prov: Provenance, now: datetime) -> bool:
    """Enrol the contact in the new use from the end of its window, and owe it the notice. Once per person."""
    if announcement.use in contact.topics or not receives_email(contact):
        return False
    starts = now + timedelta(days=announcement.window_days)
    contact.topics[announcement.use] = TopicState(
        Status.SUBSCRIBED, Basis.IMPLIED, prov.at_iso, prov.source, starts_at=iso(starts)
    )
    contact.record("notice", announcement.use, announcement.policy_version, prov)
    message = queue_mail(contact, "policy_notice", prov, now)
    message.params = {
        "use": announcement.use,
        "description": announcement.description,
        "starts_at": iso(starts),
        "version": announcement.policy_version,
    }
    return True
