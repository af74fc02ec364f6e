"""Erasure (SPEC §1.8): on request, or on learning that a person is under 13.

The contact is first suppressed for good; then the address's item becomes its tombstone in one write conditioned
on the version read: the same key, keyed by the
keyed hash of the address, holding only suppressions, the removal records and the erasure's ledger entries. A
request that read the contact before finds its version gone and reads the tombstone; one that read "nobody" finds
the key taken. Only then is everything else with personal data deleted. A crash in between leaves the address
suppressed, and the erasure safe to repeat."""

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from ..domain.consent import Contact, Provenance, RemovalRecord, Status, Suppression, SuppressionReason
from ..domain.removals import REMOVAL_DEADLINE, STRENGTH, opt_out
from ..domain.timeutil import iso
from .contacts import MAX_ATTEMPTS, Contended
from .ports import Deps, VersionConflict


@dataclass(frozen=True)
class ErasureReceipt:
    """Proof that an erasure happened, without the personal data it erased."""

    receipt_id: str
    erased_at: str
    reason: str
    subject: str  # the keyed hash the tombstone is kept under
    deleted: dict[str, int] = field(default_factory=dict)  # each place personal data lived, and what went from it


def erase(
    deps: Deps, address: str, reason: SuppressionReason, source: str, asked_by: str | None = None
) -> ErasureReceipt:
    """`asked_by`: the storefront platform's shop that asked (`shopify:<shop>`), which is not written back to."""
    secrets = deps.secrets.get()
    alias = secrets.hash_address(address)
    now = deps.clock.now()
    prov = Provenance(at=now, source=source, channel="system", policy_version=deps.policy_version)
    receipt = ErasureReceipt(
        receipt_id=hashlib.sha256(f"{alias}|{iso(now)}".encode()).hexdigest()[:20],
        erased_at=iso(now),
        reason=reason.value,
        subject=alias,
    )
    previous = _replace_with_tombstone(deps, address, alias, reason, prov, asked_by)
    deleted = receipt.deleted
    # mailto: handles are read back from the person's item, now the tombstone: nothing of them to delete
    deleted["contact"] = int(previous is not None)
    # went with the contact item; mail sent and waiting for the sweep to settle it was not pending any more
    owed = set(previous.outbox) if previous else set()
    deleted["pending_mail"] = len(owed - deps.store.sent_among(owed)) if owed else 0
    # postal removals the mail house got rows for: taken back by the erasure's own postal removal
    deleted["mail_house_rows_taken_back"] = sum(
        "mailhouse" in r.destinations for r in (previous.removals.values() if previous else ())
    ) + sum(1 for at in (previous.archived.values() if previous else ()) if "#" in at)
    if previous is not None:
        done = [r for r in previous.removals.values() if r.state == "done"]
        if done:
            deps.store.archive_done(None, done)  # the operator's view keeps the record, not the address
        deps.store.forget_archived_recipient(previous.archived)
        deleted["archived_removals_unnamed"] = len(done) + len(previous.archived)
    deleted.update(_erase_review_items(deps, address))
    deleted.update(deps.store.delete_contact_items(address))
    if deps.data_exports is not None:  # what a storefront's data request exported of the person
        deleted["data_exports"] = deps.data_exports.delete_under(data_export_prefix(alias))
    return receipt


def data_export_prefix(alias: str) -> str:
    """Where data-request exports of one address live: under its keyed hash, so erasure finds them."""
    return f"exports/data-requests/{alias.replace(':', '-')}/"


def _replace_with_tombstone(
    deps: Deps, address: str, alias: str, reason: SuppressionReason, prov: Provenance, asked_by: str | None
) -> Contact | None:
    """Write the tombstone over the address's item; returns the contact it replaced (None if there was none)."""
    for _ in range(MAX_ATTEMPTS):
        loaded = deps.store.load(address)
        previous = loaded.contact
        if previous is not None and _seal(previous, reason, prov):
            # Suppressed for good first: a request that read the contact before finds its version gone and
            # decides again on a contact that takes no new removal and is sent nothing, so no mail is owed to an
            # address being erased. One more write, on a rare operation.
            try:
                deps.store.save(previous)
            except VersionConflict:
                continue
        if previous is not None:  # the same key: written on the contact's version, it replaces the contact
            tombstone = Contact(address=alias, created_at=prov.at_iso, version=previous.version)
        else:
            tombstone = loaded.tombstone or Contact(address=alias, created_at=prov.at_iso)
        if not _seal_tombstone(deps, tombstone, previous, reason, prov, asked_by) and previous is None:
            return None  # erased before, and nothing more to record
        try:
            deps.store.save(tombstone)
        except VersionConflict:
            continue
        return previous
    raise Contended("the contact is being changed by many requests at once; try again")


def _seal_tombstone(
    deps: Deps,
    tombstone: Contact,
    previous: Contact | None,
    reason: SuppressionReason,
    prov: Provenance,
    asked_by: str | None,
) -> bool:
    """Suppress every channel on the tombstone, keeping from the contact only what carries no personal data and
    must outlive it: open removals (their 48-hour clocks go on), bounces and complaints (never lifted by an opt-in),
    and which mail-house rows to take back."""
    held = previous.removals.values() if previous else []
    earlier = {r.id: r.received_at[:10] for r in held if "mailhouse" in r.destinations}
    # and those already pruned from the item into the archive: their mail-house day was kept with them
    archived = previous.archived.items() if previous else []
    earlier |= {rid: at.partition("#")[2] for rid, at in archived if at.partition("#")[2]}
    lasting = {
        channel: suppression
        for channel, suppression in (previous.suppressions.items() if previous else [])
        if suppression.reason in (SuppressionReason.BOUNCE, SuppressionReason.COMPLAINT)
    }
    for kept in (r for r in held if r.state != "done"):
        tombstone.removals.setdefault(kept.id, kept)
    entries = len(tombstone.ledger)
    for channel in ("email", "postal"):
        record = opt_out(tombstone, channel, prov, prov.at, deps.destinations_for(channel, previous), reason)
        if record is not None and channel == "postal":
            record.forget = dict(earlier)
        if channel in lasting and tombstone.suppressions[channel].reason is not SuppressionReason.CHILD:
            tombstone.suppressions[channel] = lasting[channel]
    # the person's email removals still owed to their storefronts keep the customer ids until written back there,
    # except the shop that asked for the erasure (it has forgotten the customer already)
    held_accounts = previous.profile.accounts if previous else []
    accounts = [a for a in held_accounts if not (asked_by and a.startswith(f"{asked_by}:"))]
    for record in tombstone.removals.values():
        if accounts and record.scope == "email" and record.state != "done":
            record.accounts = sorted({*record.accounts, *accounts})
    if len(tombstone.ledger) != entries:
        tombstone.record("erase", "all", reason.value, prov)
    return len(tombstone.ledger) != entries


def _erase_review_items(deps: Deps, address: str) -> dict[str, int]:
    """Customer-service messages from, about or naming the person go, and so do their raw messages in the bucket
    (otherwise kept for the 30 days of its lifecycle): a message naming the address in its words is about them."""
    items = [item for item in deps.store.list_reviews() if _mentions(item, address)]
    raw = 0
    for item in items:
        key = item.get("storage_key")
        if key and deps.raw_mail is not None:
            deps.raw_mail.delete(str(key))
            raw += 1
        deps.store.delete_review(str(item["id"]))
    return {"review_items": len(items), "raw_messages": raw}


def _mentions(item: dict[str, Any], address: str) -> bool:
    if address in (item.get("sender"), item.get("suggested_address")):
        return True
    words = f"{item.get('subject') or ''}\n{item.get('text') or ''}".lower()
    return address.lower() in words


def _seal(contact: Contact, reason: SuppressionReason, prov: Provenance) -> bool:
    changed = False
    for channel in ("email", "postal"):
        held = contact.suppressions.get(channel)
        if held is None or STRENGTH[held.reason] < STRENGTH[reason]:
            contact.suppressions[channel] = Suppression(reason, prov.at_iso, prov.source)
            changed = True
    return changed


def being_erased(contact: Contact) -> bool:
    """A contact under its own address sealed by an erasure that has not finished deleting it."""
    return any(s.reason in (SuppressionReason.ERASURE, SuppressionReason.CHILD) for s in contact.suppressions.values())


def forget_known_only_through(deps: Deps, address: str, origin: str, source: str) -> dict[str, int] | None:
    """A storefront that leaves takes its customers' data with it (Shopify's `shop/redact`): a person listkeeper
    knows through it alone is forgotten. Where they had left a channel or a topic, only those choices stay, under the
    keyed hash of the address (a remnant: read by the address it is a contact holding nothing else, so they are never
    mailed there again, and nothing else of theirs is refused); otherwise their item goes. Open removals keep their
    clocks. Returns what went from where, or None when the person is known elsewhere too by now."""
    alias = deps.secrets.get().hash_address(address)
    now = deps.clock.now()
    prov = Provenance(at=now, source=source, channel="system", policy_version=deps.policy_version)
    if deps.store.acquired_of(address):
        return None  # a third-party list holds them too: known elsewhere
    for _ in range(MAX_ATTEMPTS):
        previous = deps.store.load(address).contact
        if previous is None or previous.profile.known_through != [origin]:
            return None
        left = {topic: state for topic, state in previous.topics.items() if state.status is Status.UNSUBSCRIBED}
        try:
            if previous.suppressions or left:
                remnant = Contact(address=alias, created_at=prov.at_iso, version=previous.version, remnant=True)
                remnant.suppressions = dict(previous.suppressions)
                remnant.topics = left
                remnant.removals = {k: r for k, r in previous.removals.items() if r.state != "done"}
                _take_back_details(deps, remnant, previous, prov)
                remnant.record("forget", "all", "storefront_left", prov)
                deps.store.save(remnant)
            else:
                deps.store.delete_contact(address, previous.version)
        except VersionConflict:
            continue
        break
    else:
        raise Contended("the contact is being changed by many requests at once; try again")
    deleted = {"contact": 1, "choices_kept": int(bool(previous.suppressions or left))}
    done = [r for r in previous.removals.values() if r.state == "done"]
    if done:
        deps.store.archive_done(None, done)  # the operator's view keeps the record, not the address
    deps.store.forget_archived_recipient(previous.archived)
    # review items stay: a message waiting there may be the person's own request, which must not be lost; they
    # follow their own lifecycle (their words go after 30 days)
    deleted.update(deps.store.delete_contact_items(address))
    if deps.data_exports is not None:
        deleted["data_exports"] = deps.data_exports.delete_under(data_export_prefix(alias))
    return deleted


def _take_back_details(deps: Deps, remnant: Contact, previous: Contact, prov: Provenance) -> None:
    """Where the person's name and postal address went with a removal (the mail house's rows, partners told of a
    shared postal removal), one more removal takes them back, as an erasure's does; the choice itself stays."""
    rows = {r.id: r.received_at[:10] for r in previous.removals.values() if "mailhouse" in r.destinations}
    rows |= {rid: at.partition("#")[2] for rid, at in previous.archived.items() if at.partition("#")[2]}
    shared = any(r.shared for r in previous.removals.values())
    if not rows and not shared:
        return
    destinations = deps.destinations_for("postal")
    record = RemovalRecord(
        id=f"rm-{secrets.token_hex(10)}",
        scope="postal",
        source=prov.source,
        received_at=prov.at_iso,
        due_at=iso(prov.at + REMOVAL_DEADLINE),
        destinations=dict.fromkeys(destinations, "pending"),
        next_attempt_at=prov.at_iso,
        reason="forgotten",
        forget=rows,
    )
    remnant.removals[record.id] = record
