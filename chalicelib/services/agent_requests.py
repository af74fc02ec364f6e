"""Requests customer service takes by phone or chat: the person asked an agent, who records it in the console. The
removal opens at once with source `agent:<channel>`, the agent named on the ledger entry with their note."""

from ..domain.addresses import normalize_address
from ..domain.consent import Contact, Provenance, RemovalRecord, SuppressionReason
from ..domain.errors import Forbidden, InvalidInput
from ..domain.redaction import redact
from ..domain.removals import opt_out, queue_removal_confirmation
from ..domain.topics import PARTNER_SHARING
from .erasure import ErasureReceipt, erase
from .outbox import change_and_deliver
from .ports import Deps, Staff
from .review import record_console_action

CHANNELS = ("phone", "chat")
SCOPES = ("email", "postal", PARTNER_SHARING)
MAX_NOTE = 1000


def record_agent_removal(
    deps: Deps, staff: Staff, raw_address: str, scopes: list[str], channel: str, note: str
) -> list[RemovalRecord]:
    """Remove the person from `scopes` as they asked an agent; returns the removal records opened (none when every
    scope was already left). Bad input changes nothing."""
    if channel not in CHANNELS:
        raise InvalidInput("say how the person asked: phone or chat", code="invalid_channel")
    if not scopes or any(s not in SCOPES for s in scopes):
        raise InvalidInput("choose what to remove: email, postal mail or partner sharing", code="invalid_scope")
    if not note.strip():
        raise InvalidInput("a note is required: what the person asked for, in their words", code="missing_field")
    address = normalize_address(raw_address)
    now = deps.clock.now()
    prov = Provenance(
        at=now,
        source=f"agent:{channel}",
        channel=channel,
        policy_version=deps.policy_version,
        staff_sub=staff.sub,
        staff_email=staff.email,
        note=redact(note.strip())[:MAX_NOTE],  # people read out passwords on the phone too
    )
    opened: list[RemovalRecord] = []

    def decide(contact: Contact) -> bool:
        opened.clear()
        for scope in dict.fromkeys(scopes):
            record = opt_out(contact, scope, prov, now, deps.destinations_for(scope, contact))
            if record is not None:
                opened.append(record)
        if opened:
            queue_removal_confirmation(contact, [r.scope for r in opened], prov, now)
        return bool(opened)

    change_and_deliver(deps, address, decide)
    record_console_action(deps, staff, f"removal:{channel}:{'+'.join(dict.fromkeys(scopes))}", address)
    return list(opened)


def erase_by_admin(deps: Deps, staff: Staff, raw_address: str, typed: str) -> ErasureReceipt:
    """Erasure from the console: admins only, and only once the address was typed again in full."""
    if not staff.is_admin:
        raise Forbidden("only an admin may erase a person")
    address = normalize_address(raw_address)
    if not typed.strip() or normalize_address(typed) != address:
        raise InvalidInput("type the address again, exactly, to confirm the erasure", code="confirmation_required")
    receipt = erase(deps, address, SuppressionReason.ERASURE, "agent:console")
    record_console_action(deps, staff, "erase", address, receipt=receipt.receipt_id)
    return receipt
