"""GET and DELETE /v1/contacts/{email} (SPEC §1.10, §1.8): what listkeeper holds about a person, and erasure."""

from dataclasses import asdict
from typing import Any

from ..domain.addresses import normalize_address
from ..domain.consent import SuppressionReason
from ..domain.errors import NotFound
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
    ledger = deps.store.older_ledger(address) + contact.ledger
    return {
        "acquired": acquired,
        "email": contact.address,
        "created_at": contact.created_at,
        "profile": {k: v for k, v in asdict(contact.profile).items() if v is not None},
        "topics": {topic: {k: v for k, v in asdict(s).items() if v is not None} for topic, s in contact.topics.items()},
        "suppressions": {ch: asdict(s) for ch, s in contact.suppressions.items()},
        "ledger": [entry.as_dict() for entry in ledger],
        "removals": [asdict(r) for r in sorted(contact.removals.values(), key=lambda r: r.received_at)],
    }


def erase_contact(deps: Deps, raw_address: str) -> dict[str, Any]:
    """SPEC §3.3: erasure wherever the address appears; an address never held still gets its tombstone (so it can
    never be added later) and a receipt."""
    receipt = erase(deps, normalize_address(raw_address), SuppressionReason.ERASURE, "api:erasure")
    return {"status": "erased", "receipt": asdict(receipt)}
