"""The sweep (SPEC §4): every few minutes, do what is due and count what is pending.

It reads only the sparse `due` index (so its cost follows due work, not table size): delivers pending removals to
every destination in batches, settles or resends mail, expires contest grants, moves removal records to at_risk /
overdue, archives done records, and returns the counts the operator's metrics and alarms watch."""

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from ..domain.consent import Contact, Provenance, RemovalRecord
from ..domain.hashing import is_keyed_hash
from ..domain.rules import retry_after, takes_marketing_email
from ..domain.timeutil import iso
from ..domain.topics import Channel, page_channel
from ..domain.work import advance_removal_states, deadline_state, expire_contests, prune_done_removals
from .contacts import change_contact
from .erasure import being_erased
from .intake import apply_deferred
from .mail_claims import claim_due_mail, claims
from .outbox import send_claimed
from .policy import notify_pending
from .ports import Deps, Destination, RemovalNotice
from .review_retention import forget_old_review_text
from .shop_redaction import continue_redactions

log = logging.getLogger(__name__)
BATCH = 400  # contacts per sweep run; the rest wait for the next run, still in due order


@dataclass
class SweepReport:
    contacts: int = 0
    delivered: dict[str, int] = field(default_factory=dict)  # destination -> removals acknowledged
    removals_done: int = 0
    mail_sent: int = 0
    contests_expired: int = 0
    notices: int = 0
    deferred_applied: int = 0  # one-clicks taken from the intake queue
    forgotten: int = 0  # people forgotten with a storefront that left
    counts: dict[str, int] = field(default_factory=dict)
    failures: int = 0  # steps that failed and were left for the next run (each logged): alarmed when it persists


METRIC_NAMES = {
    "n_open": "RemovalsOpen",
    "n_at_risk": "RemovalsAtRisk",
    "n_overdue": "RemovalsOverdue",
    "n_outbox": "OutboxPending",
    "n_dead": "OutboxDead",
}


def _subject_hash(deps: Deps, address: str) -> str:
    return address if is_keyed_hash(address) else deps.secrets.get().hash_address(address)


def _notice(deps: Deps, contact: Contact, record: RemovalRecord, destination: Destination) -> RemovalNotice:
    """Partners get a keyed hash; the name and postal address only go where they were shared already — as the
    contact stood before the removal, which itself ends the sharing. A storefront platform gets the person's ids on
    that platform, which it holds already (an erasure keeps them on its removal until they are written back)."""
    destination_channels = destination.channels
    platform = f"{destination.platform}:" if destination.platform else None
    accounts = sorted({*contact.profile.accounts, *record.accounts}) if platform else []
    shared = record.shared or (
        "partner_sharing" in contact.topics and contact.topics["partner_sharing"].basis is not None
    )
    postal_scope = record.scope == "postal" or (
        record.scope != "email" and page_channel(record.scope) is Channel.POSTAL
    )
    show_postal = postal_scope and (shared or destination_channels == frozenset({"postal"}))
    return RemovalNotice(
        removal_id=record.id,
        scope=record.scope,
        reason=record.reason,
        received_at=record.received_at,
        subject_hash=_subject_hash(deps, contact.address),
        name=contact.profile.name if show_postal else None,
        postal_address=contact.profile.postal_address if show_postal else None,
        forget=dict(record.forget),
        accounts=tuple(a for a in accounts if platform and a.startswith(platform)),
    )


def run_sweep(deps: Deps, batch: int = BATCH) -> SweepReport:
    now = deps.clock.now()
    report = SweepReport()
    # 0. One-clicks the table could not take when they came; applied first, so their removals propagate below.
    try:
        report.deferred_applied = apply_deferred(deps)
    except Exception:
        log.exception("the intake queue could not be read")
        report.failures += 1
    addresses = deps.store.due_addresses(iso(now), batch)
    loaded = deps.store.load_many(addresses)
    contacts = [found.contact for found in loaded.values() if found.contact is not None]
    report.contacts = len(contacts)

    # 1. Hand every due removal to its pending destinations, batched per destination.
    by_destination: dict[str, list[RemovalNotice]] = defaultdict(list)
    moot: dict[str, set[str]] = defaultdict(set)  # nothing to tell: the person takes marketing email again
    for contact in contacts:
        for record in contact.removals.values():
            if record.state == "done" or (record.next_attempt_at or "") > iso(now):
                continue
            for destination in deps.destinations:
                if record.destinations.get(destination.name) != "pending":
                    continue
                if destination.platform and takes_marketing_email(contact):
                    # a platform keeps one consent for all marketing email: told "unsubscribed" now, it would
                    # stop mail the person has since chosen (a list swapped on the page, an opt-in confirmed)
                    moot[destination.name].add(record.id)
                else:
                    by_destination[destination.name].append(_notice(deps, contact, record, destination))
    acknowledged: dict[str, set[str]] = {}
    for destination in deps.destinations:
        notices = by_destination.get(destination.name, [])
        try:
            acknowledged[destination.name] = destination.deliver(notices) if notices else set()
            if len(acknowledged[destination.name]) < len(notices):
                report.failures += 1  # some were refused: retried next run, and counted so a lasting outage shows
        except Exception:
            log.exception("destination %s failed", destination.name)
            report.failures += 1
            acknowledged[destination.name] = set()
        report.delivered[destination.name] = len(acknowledged[destination.name])
        acknowledged[destination.name] |= moot[destination.name]

    # 2. Record the outcome, move clocks, settle mail SES took (one read of the send log for all), claim mail due:
    # one conditional write per contact.
    try:
        sent = deps.store.sent_among(i for contact in contacts for i in claims(contact))
    except Exception:
        log.exception("the send log could not be read")
        report.failures += 1
        sent = None
    for contact in contacts:
        try:
            _sweep_contact(deps, contact, acknowledged, report, sent)
        except Exception:
            log.exception("sweep could not update a contact")
            report.failures += 1

    # 3. Tell the next people about any newly announced use of their data (SPEC §1.9).
    try:
        report.notices = notify_pending(deps)
    except Exception:
        log.exception("policy notices failed")
        report.failures += 1

    # 3b. Storefronts that left: forget the next people known through them alone.
    try:
        report.forgotten = continue_redactions(deps)
    except Exception:
        log.exception("a storefront's redaction could not go on")
        report.failures += 1

    # 4. What is pending now, for the metrics and alarms.
    report.counts = {METRIC_NAMES[k]: v for k, v in deps.store.pending_counts().items()}
    # customer-service messages waiting for a human carry the same 48-hour clock
    report.counts["ReviewOpen"] = 0
    for item in deps.store.list_reviews():
        state = deadline_state(RemovalRecord("", "", "", item["received_at"], item["due_at"]), now)
        report.counts["ReviewOpen"] += 1
        try:
            forget_old_review_text(deps, item)
        except Exception:
            log.exception("a review item's old text could not be removed")
            report.failures += 1
        if state == "at_risk":
            report.counts["RemovalsAtRisk"] += 1
        elif state == "overdue":
            report.counts["RemovalsOverdue"] += 1
    return report


def _sweep_contact(
    deps: Deps,
    contact: Contact,
    acknowledged: dict[str, set[str]],
    report: SweepReport,
    sent: frozenset[str] | None,
) -> None:
    now = deps.clock.now()
    prov = Provenance(at=now, source="sweep", channel="system", policy_version=deps.policy_version)
    # unread (None): every claim stays as it is, for the next run
    send_log = {i: i in sent for i in claims(contact)} if sent is not None else {}
    claimed: list[str] = []
    done_records: list[RemovalRecord] = []
    archived: dict[str, str] = {}  # removal id -> done_at, of every archive row this run wrote
    expired: list[str] = []

    def decide(fresh: Contact) -> bool:
        done_records.clear()
        changed = False
        for record in fresh.removals.values():
            if record.state == "done" or (record.next_attempt_at or "") > iso(now):
                continue
            for name, state in record.destinations.items():
                if state == "pending" and record.id in acknowledged.get(name, set()):
                    record.destinations[name] = "done"
            if all(state == "done" for state in record.destinations.values()):
                record.state, record.done_at, record.next_attempt_at = "done", iso(now), None
                record.accounts = []  # written back everywhere: the ids go
                done_records.append(record)
            else:
                record.attempts += 1
                record.next_attempt_at = iso(now + retry_after(record.attempts))
            changed = True
        changed |= advance_removal_states(fresh, now)
        expired[:] = expire_contests(fresh, now, prov)
        before = _outbox_state(fresh)
        claimed[:] = claim_due_mail(fresh, now, send_log)
        changed |= bool(expired or claimed or before != _outbox_state(fresh))
        if done_records:
            # archived before the contact write; a retry rewrites the same keys
            erased = is_keyed_hash(fresh.address) or being_erased(fresh)
            deps.store.archive_done(None if erased else fresh.address, done_records)
            archived.update({r.id: r.done_at or "" for r in done_records})
            prune_done_removals(fresh)
        return changed

    # the sweep writes the contact anyway: its history since the last visit moves off the item with this write
    change = change_contact(deps, contact.address, decide, create=False, current=contact, settle_ledger=True)
    if archived and not change.written:
        # erased or forgotten since this run archived with the address: neither could know these rows (a later
        # run archives them again, with the address, if the person is still held)
        deps.store.forget_archived_recipient(archived)
    if not change.written or change.contact is None:
        return
    report.removals_done += len(done_records)
    report.contests_expired += len(expired)
    if claimed:
        try:
            report.mail_sent += len(send_claimed(deps, change.contact, claimed))
        except Exception:
            log.exception("sweep delivery failed")
            report.failures += 1


def _outbox_state(contact: Contact) -> set[tuple[str, str | None, str]]:
    return {(m.id, m.sending_since, m.next_attempt_at) for m in contact.outbox.values()}
