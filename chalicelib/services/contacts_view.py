"""GET and DELETE /v1/contacts/{email} (SPEC §1.10, §1.8): what listkeeper holds about a person, and erasure."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from ..domain.addresses import normalize_address
from ..domain.consent import Contact, Status, SuppressionReason
from ..domain.errors import NotFound
from ..domain.rules import eligibility
from ..domain.timeutil import parse_iso
from ..domain.topics import ACQUIRED_PREFIX, ALL_ACQUIRED, page_channel
from .erasure import erase
from .ports import Deps


def show_contact(deps: Deps, raw_address: str) -> dict[str, Any]:
    """Everything held about the address (an access request): the contact, and the records of third-party lists
    it appears on — a person known only from an import is shown too."""
    address = normalize_address(raw_address)
    loaded = deps.store.load(address)
    contact = loaded.contact
    acquired = [] if loaded.erased else deps.store.acquired_of(address)
    if loaded.erased or (contact is None and not acquired):
        raise NotFound("no contact with that address")  # an erased person is not held: nothing to show
    if contact is None:
        return {"email": address, "acquired": acquired, "topics": {}, "suppressions": {}, "ledger": [], "removals": []}
    older = deps.store.older_ledger(address)
    # an entry moved off the item by a write that then lost its race is still on the item: shown once
    ledger = older + [entry for entry in contact.ledger if entry not in older]
    now = deps.clock.now()
    sources = {f"{ACQUIRED_PREFIX}{r['source']}" for r in acquired}
    return {
        "acquired": acquired,
        "email": contact.address,
        "created_at": contact.created_at,
        "profile": {k: v for k, v in asdict(contact.profile).items() if v not in (None, [])},
        "topics": {topic: _topic_view(contact, topic, now, topic in sources) for topic in contact.topics},
        "suppressions": {ch: asdict(s) for ch, s in contact.suppressions.items()},
        "ledger": [entry.as_dict() for entry in ledger],
        "removals": [asdict(r) for r in sorted(contact.removals.values(), key=lambda r: r.received_at)],
    }


def _topic_view(contact: Contact, topic: str, now: datetime, acquired: bool) -> dict[str, Any]:
    """The stored state, what eligibility answers for it now (`now`, the same rules as /v1/eligibility), and, where
    the two read differently, why."""
    state = contact.topics[topic]
    shown: dict[str, Any] = {k: v for k, v in asdict(state).items() if v is not None}
    verdict = eligibility(contact, page_channel(topic), topic, now, acquired=acquired)
    shown["now"] = {"allowed": verdict.allowed, "reason": verdict.reason.value}
    if topic == ALL_ACQUIRED:
        shown["note"] = "no third-party list may be used for this person: they left a whole channel"
    elif state.starts_at is not None and now < parse_iso(state.starts_at):
        shown["note"] = f"a new use: it applies from {state.starts_at} unless the person opts out before"
    elif state.expires_at is not None and parse_iso(state.expires_at) <= now:
        shown["note"] = f"ended at {state.expires_at}"
    elif state.status is Status.SUBSCRIBED and not verdict.allowed:
        shown["note"] = f"held as subscribed, but {verdict.reason.value} on this channel"
    return shown


def erase_contact(deps: Deps, raw_address: str) -> dict[str, Any]:
    """SPEC §3.3: erasure wherever the address appears; an address never held still gets its tombstone (so it can
    never be added later) and a receipt."""
    receipt = erase(deps, normalize_address(raw_address), SuppressionReason.ERASURE, "api:erasure")
    return {"status": "erased", "receipt": asdict(receipt)}
