"""Read, decide with the pure rules, write back on a version condition: the one way a contact changes."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.consent import Contact, LedgerEntry
from ..domain.errors import ListkeeperError
from ..domain.hashing import is_keyed_hash
from ..domain.timeutil import iso
from .ports import Deps, Loaded, VersionConflict

MAX_ATTEMPTS = 8
# The contact's item holds the ledger entries written since the sweep last wrote it (the sweep moves them all to
# items of their own); a contact the sweep has no reason to visit moves them on the change after this many.
HOT_LEDGER = 8


class FactWaiting(Exception):
    """A fact about this person arrived before them (an age report, an erasure) and must be applied first."""

    def __init__(self, fact: dict[str, Any]) -> None:
        super().__init__("a fact is waiting for this contact")
        self.fact = fact


class Contended(ListkeeperError):
    """Too many concurrent writers on one contact; the caller may retry (nothing was lost or half-written)."""

    code = "try_again"


@dataclass
class Change:
    contact: Contact | None
    written: bool
    erased: bool = False


def change_contact(
    deps: Deps,
    address: str,
    decide: Callable[[Contact], bool],
    *,
    create: bool = True,
    current: Contact | None = None,
    waiting: tuple[str, ...] = (),
    revive: bool = True,
    settle_ledger: bool = False,
) -> Change:
    """Apply `decide` (which mutates the contact and says whether it changed anything) with optimistic locking.

    Two requests when something changes (a read and a conditional write), one when nothing does; a caller that has
    just read the contact passes it as `current` and saves the read. On a conflict the decision is made again on
    fresh state, so a rule is never applied to stale data. `revive=False`: what a storefront that left kept of the
    person is changed as it is, under the keyed hash (a bounce is not the person coming back). `settle_ledger`: the
    entries read move off the contact's item with this write (the sweep's writes)."""
    for attempt in range(MAX_ATTEMPTS):
        loaded = Loaded(current) if attempt == 0 and current is not None else deps.store.load(address, waiting)
        if loaded.erased:
            return Change(None, written=False, erased=True)
        if loaded.waiting is not None:
            raise FactWaiting(loaded.waiting)  # decided before any write: the caller applies the fact instead
        if (loaded.contact is None or loaded.remnant) and not create:
            # upkeep (the sweep, a move) never brings back an address a storefront took away: only the person does
            return Change(None, written=False)
        if loaded.remnant and not revive and loaded.tombstone is not None:
            contact = loaded.tombstone  # changed where it is, under the keyed hash: not the person coming back
        else:
            contact = loaded.contact or Contact(address=address, created_at=iso(deps.clock.now()))
        read = list(contact.ledger)
        if not decide(contact):
            return Change(loaded.contact, written=False)
        try:
            # what an erasure keeps (under the keyed hash) stays whole on its item: it is the erasure's proof, and a
            # later erasure deletes the partition's other items
            kept_whole = is_keyed_hash(contact.address)
            deps.store.save(contact, 0 if kept_whole else _settled(read, contact.ledger, settle_ledger))
        except VersionConflict:
            continue
        return Change(contact, written=True)
    raise Contended("the contact is being changed by many requests at once; try again")


def _settled(read: list[LedgerEntry], now: list[LedgerEntry], settle: bool) -> int:
    """How many of the oldest entries may move off the item: only entries read from the table (never this
    change's own, which are written with it), all of them when settling or when the item holds too many."""
    if not settle and len(now) <= HOT_LEDGER:
        return 0
    count = 0
    while count < min(len(read), len(now)) and now[count] is read[count]:
        count += 1
    return count
