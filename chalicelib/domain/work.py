"""Pending work on a contact and its clocks: when the sweep must look at it next, what it counts toward the
operator's metrics, and the deadline states of its removal records (SPEC §4 `sweep`, §5)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .consent import Contact, OutboxMessage, Provenance, RemovalRecord, Status
from .timeutil import iso, parse_iso
from .topics import is_contest

AT_RISK_BEFORE = timedelta(hours=12)
SEND_LEASE = timedelta(minutes=15)  # a claimed send not settled by then is checked against the send log
# SES's Send event reaches the send log through SNS and an asynchronous call of ses_events, retried for up to six
# hours when throttled (twice when it fails, then kept in its dead letters, alarmed, to be replayed): a claimed
# send the log does not know is sent again only after this long, and asked about hourly until then
SEND_LOG_WAIT = timedelta(hours=6)
SEND_LOG_RECHECK = timedelta(hours=1)
PARKED = "9999-12-31T00:00:00.000000Z"  # in the index for the counts, never due (dead mail)
OPEN_STATES = ("open", "at_risk", "overdue")


@dataclass(frozen=True)
class WorkSummary:
    due_at: str | None  # None: nothing pending, the contact leaves the index
    removals_open: int = 0
    removals_at_risk: int = 0
    removals_overdue: int = 0
    outbox_pending: int = 0
    outbox_dead: int = 0


def deadline_state(record: RemovalRecord, now: datetime) -> str:
    if record.state == "done":
        return "done"
    due = parse_iso(record.due_at)
    if now >= due:
        return "overdue"
    if now >= due - AT_RISK_BEFORE:
        return "at_risk"
    return "open"


def advance_removal_states(contact: Contact, now: datetime) -> bool:
    changed = False
    for record in contact.removals.values():
        state = deadline_state(record, now)
        if state != record.state:
            record.state = state
            changed = True
    return changed


def mail_due_at(message: OutboxMessage) -> str:
    if message.dead:
        return PARKED
    if message.sending_since is not None:
        return max(iso(parse_iso(message.sending_since) + SEND_LEASE), message.next_attempt_at)
    return message.next_attempt_at


def _removal_times(record: RemovalRecord) -> list[str]:
    if record.state == "done":
        return []
    times = [record.next_attempt_at] if record.next_attempt_at else []
    due = parse_iso(record.due_at)
    if record.state == "open":
        times.append(iso(due - AT_RISK_BEFORE))
    elif record.state == "at_risk":
        times.append(record.due_at)
    return times


def summarize(contact: Contact) -> WorkSummary:
    times: list[str] = []
    for message in contact.outbox.values():
        times.append(mail_due_at(message))
    for record in contact.removals.values():
        times.extend(_removal_times(record))
    for topic, state in contact.topics.items():
        if is_contest(topic) and state.status is Status.SUBSCRIBED and state.expires_at:
            times.append(state.expires_at)
    states = [r.state for r in contact.removals.values()]
    return WorkSummary(
        due_at=min(times) if times else None,
        removals_open=sum(s in OPEN_STATES for s in states),
        removals_at_risk=states.count("at_risk"),
        removals_overdue=states.count("overdue"),
        outbox_pending=sum(not m.dead for m in contact.outbox.values()),
        outbox_dead=sum(m.dead for m in contact.outbox.values()),
    )


def expire_contests(contact: Contact, now: datetime, prov: Provenance) -> list[str]:
    """A contest grant ends with its contest (SPEC §1.5)."""
    ended = [
        topic
        for topic, state in contact.topics.items()
        if is_contest(topic) and state.expires_at and parse_iso(state.expires_at) <= now
    ]
    for topic in ended:
        del contact.topics[topic]
        contact.record("expire", topic, "contest_ended", prov)
    return ended


def prune_done_removals(contact: Contact, keep: int = 20) -> None:
    """Done records are archived outside the contact by the sweep; the item keeps only the newest few."""
    done = sorted((r for r in contact.removals.values() if r.state == "done"), key=lambda r: r.done_at or "")
    for record in done[: max(0, len(done) - keep)]:
        # so an erasure can still find its archived copy, and the mail-house file its row went to
        day = f"#{record.received_at[:10]}" if "mailhouse" in record.destinations else ""
        contact.archived[record.id] = f"{record.done_at or ''}{day}"
        del contact.removals[record.id]
