"""Sending an outbox entry exactly once.

A sender first *claims* due entries (stamps `sending_since`) in the same conditional write as whatever else it
changes, then sends, then settles (removes the sent ones) in a second write. If that second write never happens,
the entry stays claimed; once its lease has passed, the sweep asks the send log (filled from SES "Send" events,
which carry the outbox id as a message tag) whether SES took it: if so it is settled, if not it is sent again."""

from datetime import datetime

from ..domain.consent import Contact
from ..domain.timeutil import iso, parse_iso
from ..domain.work import SEND_LEASE


def claim_due_mail(contact: Contact, now: datetime, already_sent: set[str] | None = None) -> list[str]:
    """Stamp every due, unclaimed (or lease-expired) entry as being sent now; drop the ones the send log says SES
    already took. Returns the claimed ids."""
    claimed: list[str] = []
    for message in list(contact.outbox.values()):
        if message.dead:
            continue
        if message.sending_since is not None:
            if parse_iso(message.sending_since) + SEND_LEASE > now:
                continue  # another sender holds it
            if already_sent and message.id in already_sent:
                del contact.outbox[message.id]
                continue
        elif parse_iso(message.next_attempt_at) > now:
            continue
        message.sending_since = iso(now)
        claimed.append(message.id)
    return claimed


def expired_claims(contact: Contact, now: datetime) -> list[str]:
    return [
        m.id
        for m in contact.outbox.values()
        if not m.dead and m.sending_since is not None and parse_iso(m.sending_since) + SEND_LEASE <= now
    ]
