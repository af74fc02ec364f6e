"""Erasure (SPEC §1.8): on request, or on learning that a person is under 13.

Order matters: first the contact is suppressed for good, so that requests racing the erasure change nothing more
on it; then the tombstone — a record keyed by a keyed hash of the address, holding only suppressions, the removal
records and a receipt — so the address is suppressed on every channel before anything is deleted; then every item
with personal data. A crash in between leaves the address suppressed and the erasure safe to repeat."""

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..domain.consent import Contact, Provenance, Suppression, SuppressionReason
from ..domain.removals import STRENGTH, opt_out
from ..domain.timeutil import iso
from ..domain.tokens import ALL_EMAIL
from ..domain.topics import FIXED_TOPICS
from .contacts import change_contact
from .ports import Deps


@dataclass(frozen=True)
class ErasureReceipt:
    """Proof that an erasure happened, without the personal data it erased."""

    receipt_id: str
    erased_at: str
    reason: str
    subject: str  # the keyed hash the tombstone is kept under
    deleted: dict[str, int] = field(default_factory=dict)  # each place personal data lived, and what went from it


def erase(deps: Deps, address: str, reason: SuppressionReason, source: str) -> ErasureReceipt:
    secrets = deps.secrets.get()
    alias = secrets.hash_address(address)
    now = deps.clock.now()
    loaded = deps.store.load(address)
    tombstone_address = loaded.tombstone.address if loaded.tombstone else alias
    prov = Provenance(at=now, source=source, channel="system", policy_version=deps.policy_version)
    previous = _seal(deps, address, loaded.contact, reason, prov)
    receipt = ErasureReceipt(
        receipt_id=hashlib.sha256(f"{tombstone_address}|{iso(now)}".encode()).hexdigest()[:20],
        erased_at=iso(now),
        reason=reason.value,
        subject=tombstone_address,
    )

    # rows the mail house got about this person's earlier postal removals are taken back with the erasure
    earlier = {
        r.id: r.received_at[:10]
        for r in (previous.removals.values() if previous else [])
        if "mailhouse" in r.destinations
    }

    # a bounce or complaint outlives the erasure: no plain address in it, and it must never be lifted by an opt-in
    lasting = {
        channel: suppression
        for channel, suppression in (previous.suppressions.items() if previous else [])
        if suppression.reason in (SuppressionReason.BOUNCE, SuppressionReason.COMPLAINT)
    }

    still_open = [r for r in (previous.removals.values() if previous else []) if r.state != "done"]

    def decide(tombstone: Contact) -> bool:
        entries = len(tombstone.ledger)
        for kept in still_open:  # their 48-hour clocks go on (no personal data in them)
            tombstone.removals.setdefault(kept.id, kept)
        for channel in ("email", "postal"):
            record = opt_out(tombstone, channel, prov, now, deps.destinations_for(channel), reason)
            if record is not None and channel == "postal":
                record.forget = dict(earlier)
            if channel in lasting and tombstone.suppressions[channel].reason is not SuppressionReason.CHILD:
                tombstone.suppressions[channel] = lasting[channel]
        if len(tombstone.ledger) != entries:
            tombstone.record("erase", "all", reason.value, prov)
        return len(tombstone.ledger) != entries

    change_contact(deps, tombstone_address, decide)
    deleted = receipt.deleted
    # mailto: handles seal the address in their token: every one a link may have been made with goes, for every
    # scope the person held, left, entered or was sent a link for, under every token key still held
    scopes = {ALL_EMAIL, *FIXED_TOPICS}
    if previous is not None:
        scopes |= {
            *previous.topics,
            *(e.subject for e in previous.ledger),
            *(r.scope for r in previous.removals.values()),
        }
    handles = sorted({h for scope in scopes for h in secrets.tokens.mailto_handles_under_every_key(address, scope)})
    deps.store.delete_link_handles(handles)
    deleted["link_handles_checked"] = len(handles)
    if previous is not None:
        done = [r for r in previous.removals.values() if r.state == "done"]
        if done:
            deps.store.archive_done(None, done)  # the operator's view keeps the record, not the address
        deps.store.forget_archived_recipient(previous.archived)
        deleted["archived_removals_unnamed"] = len(done) + len(previous.archived)
    deleted.update(_erase_review_items(deps, address))
    deleted["contact_items"] = deps.store.delete_contact_items(address)  # contact, older ledger, third-party records
    return receipt


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


def _seal(
    deps: Deps, address: str, contact: Contact | None, reason: SuppressionReason, prov: Provenance
) -> Contact | None:
    """Suppress the contact itself for good before the tombstone copies it. A request that read the contact before
    this write finds its version gone and decides again on a contact that takes no new removal and is sent nothing,
    so no removal lands after the copy (to be deleted unseen) and no mail is owed to an address being erased.
    Returns the contact as sealed: every removal written before it is in it."""
    if contact is None:
        return None

    def decide(current: Contact) -> bool:
        changed = False
        for channel in ("email", "postal"):
            held = current.suppressions.get(channel)
            if held is None or STRENGTH[held.reason] < STRENGTH[reason]:
                current.suppressions[channel] = Suppression(reason, prov.at_iso, prov.source)
                changed = True
        return changed

    sealed = change_contact(deps, address, decide, create=False, current=contact)
    return sealed.contact or contact


def being_erased(contact: Contact) -> bool:
    """A contact under its own address sealed by an erasure that has not finished deleting it."""
    return any(s.reason in (SuppressionReason.ERASURE, SuppressionReason.CHILD) for s in contact.suppressions.values())
