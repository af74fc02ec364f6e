"""Bounces and complaints (SPEC §2): an email suppression that no opt-in ever lifts, also on an erased address."""

import logging

from ..domain.addresses import normalize_address
from ..domain.consent import Contact, Provenance, SuppressionReason
from ..domain.errors import InvalidAddress
from ..domain.removals import opt_out
from .contacts import change_contact
from .ports import Deps

log = logging.getLogger(__name__)


def suppress_permanently(
    deps: Deps, raw_address: object, reason: SuppressionReason, channel: str, event_id: str | None = None
) -> bool:
    """Suppress email for a bounce or complaint, with its removal record. Returns whether anything changed."""
    try:
        address = normalize_address(raw_address)
    except InvalidAddress:
        log.warning("a %s names an invalid address; ignored", reason.value)
        return False
    now = deps.clock.now()
    prov = Provenance(
        at=now,
        source=f"{channel}:{reason.value}",
        channel=channel,
        policy_version=deps.policy_version,
        event_id=event_id,
    )

    def decide(contact: Contact) -> bool:
        entries = len(contact.ledger)
        opt_out(contact, "email", prov, now, deps.destinations_for("email", contact), reason)
        return len(contact.ledger) != entries  # a new suppression, or a weaker reason hardened

    change = change_contact(deps, address, decide, revive=False)
    if change.erased:
        # an erased address keeps only its tombstone: the bounce or complaint hardens that, so no opt-in lifts it
        tombstone = deps.store.load(address).tombstone
        if tombstone is not None:
            return change_contact(deps, tombstone.address, decide, create=False).written
    return change.written
