"""Sending an outbox entry exactly once.

A sender first *claims* due entries (stamps `sending_since`) in the same conditional write as whatever else it
changes, then sends. A sent entry stays claimed: no second write on the request path. The sweep asks the send log
(filled from SES "Send" events, which carry the outbox id as a message tag) whether SES took it: if so it is
settled; a claim the log still does not know once its Send event can no longer be on its way is sent again. A
refused send is released at once, for its backoff."""

from datetime import datetime

from ..domain.consent import Contact
from ..domain.timeutil import iso, parse_iso
from ..domain.work import SEND_LEASE, SEND_LOG_RECHECK, SEND_LOG_WAIT


def claim_due_mail(contact: Contact, now: datetime, send_log: dict[str, bool] | None = None) -> list[str]:
    """Stamp every due, unclaimed entry as being sent now. A claimed entry the send log knows SES took is settled
    (`send_log`: outbox id -> SES took it); one whose claim has lapsed is claimed again only on the send log's
    word that SES did not, and only once its Send event could no longer be on its way (SEND_LOG_WAIT); without the
    log's word, it is left for the sweep. Returns the claimed ids."""
    claimed: list[str] = []
    for message in list(contact.outbox.values()):
        if message.dead:
            continue
        if message.sending_since is not None:
            checked = (send_log or {}).get(message.id)
            if checked:  # SES took it, whoever sent it: settled, lease or not
                del contact.outbox[message.id]
                continue
            since = parse_iso(message.sending_since)
            if since + SEND_LEASE > now:
                continue  # another sender holds it
            if checked is None:
                continue  # only the send log may say whether SES took it
            if since + SEND_LOG_WAIT > now:
                # SES may have taken it and its Send event be late: asked again later, sent again only past the wait
                message.next_attempt_at = iso(min(now + SEND_LOG_RECHECK, since + SEND_LOG_WAIT))
                continue
        elif parse_iso(message.next_attempt_at) > now:
            continue
        message.sending_since = iso(now)
        claimed.append(message.id)
    return claimed


def claims(contact: Contact) -> list[str]:
    """Entries claimed by a sender and not settled: the send log may know them sent already."""
    return [m.id for m in contact.outbox.values() if not m.dead and m.sending_since is not None]
