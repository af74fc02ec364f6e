"""Customer-service messages the inbox reader could not settle (SPEC §3 `/v1/review`), and how a human settles them;
also the removal a person's message asks for, shared with the reader. Imported by the API and the console without
the reader itself (its cold start is the inbound function's alone)."""

from datetime import datetime
from typing import Any

from ..domain.addresses import normalize_address
from ..domain.consent import Contact, Provenance, RemovalRecord, Status, SuppressionReason
from ..domain.errors import Forbidden, InvalidInput, NotFound
from ..domain.removals import notify_removed_by_someone_else, opt_out, queue_removal_confirmation
from ..domain.timeutil import iso, parse_iso
from ..domain.topics import ALL_ACQUIRED, PARTNER_SHARING, Channel, channels_of
from ..domain.work import deadline_state
from .erasure import erase
from .outbox import change_and_deliver
from .ports import Deps, Staff


def remove_as_asked(
    deps: Deps,
    address: str,
    scopes: tuple[str, ...],
    prov: Provenance,
    *,
    by_someone_else: bool,
    confirm: bool = True,
) -> bool:
    """Remove `address` from `scopes`, as of `prov.at` (the message's arrival: its 48-hour clock). The person asked
    themself: a removal confirmation (at most daily; none to an auto-responder). Someone else asked for them: a
    notice with a one-click undo instead (SPEC §6)."""
    now = deps.clock.now()

    def decide(contact: Contact) -> bool:
        held = [t for t, state in contact.topics.items() if state.status is Status.SUBSCRIBED and _real_topic(t)]
        removed = [
            s for s in scopes if opt_out(contact, s, prov, prov.at, deps.destinations_for(s, contact)) is not None
        ]
        if removed and by_someone_else:
            restore = [t for t in held if contact.topics[t].status is Status.UNSUBSCRIBED or _on(t, removed)]
            notify_removed_by_someone_else(contact, removed, restore, prov, now)
        elif removed and confirm:
            queue_removal_confirmation(contact, removed, prov, now)
        return bool(removed)

    return change_and_deliver(deps, address, decide).written


def _on(topic: str, scopes: list[str]) -> bool:
    """Is the topic within one of the removed scopes (a channel, or itself)?"""
    return topic in scopes or any(Channel(s) in channels_of(topic) for s in scopes if s in ("email", "postal"))


def _real_topic(topic: str) -> bool:
    return topic != ALL_ACQUIRED


REMOVAL_ACTIONS = {"remove_email": "email", "remove_postal": "postal", "remove_sharing": PARTNER_SHARING}
SCOPE_ACTIONS = {scope: action for action, scope in REMOVAL_ACTIONS.items()}
ACTIONS = (*REMOVAL_ACTIONS, "dismiss", "erase")


def _shown(item: dict[str, Any], now: datetime) -> dict[str, Any]:
    state = deadline_state(RemovalRecord("", "", "", item["received_at"], item["due_at"]), now)
    return {name: item.get(name) for name in REVIEW_FIELDS} | {"state": state}


def list_review(deps: Deps) -> list[dict[str, Any]]:
    now = deps.clock.now()
    return [_shown(item, now) for item in sorted(deps.store.list_reviews(), key=lambda i: i["due_at"])]


def show_review(deps: Deps, review_id: str) -> dict[str, Any]:
    item = deps.store.get_review(review_id)
    if item is None:
        raise NotFound("no such review item")
    return _shown(item, deps.clock.now())


def removals_opened_by(deps: Deps, address: str, received_at: str) -> list[RemovalRecord]:
    """The removal records a resolved message opened: the person's records that carry the message's own time."""
    contact = deps.store.load(address).contact
    if contact is None:
        return []
    return [r for r in contact.removals.values() if r.received_at == received_at]


def record_console_action(deps: Deps, staff: Staff, action: str, address: str | None, **detail: str) -> None:
    """The admins' log of console actions: the staff member and what they did; the person acted on appears only as
    the keyed hash their record is kept under, so erasing them leaves nothing of them here."""
    entry: dict[str, Any] = {
        "at": iso(deps.clock.now()),
        "staff_sub": staff.sub,
        "staff_email": staff.email,
        "role": staff.role,
        "action": action,
        **detail,
    }
    if address is not None:
        entry["person"] = deps.store.key_of(address)
    deps.store.put_audit(entry)


REVIEW_FIELDS = (
    "id",
    "received_at",
    "due_at",
    "sender",
    "subject",
    "text",
    "reason",
    "cues",
    "suggested_address",
    "suggested_scopes",
    "storage_key",
)


def _actions_of(action: object, actions: object) -> list[str]:
    chosen = actions if actions is not None else [action] if action is not None else None
    if not isinstance(chosen, list) or not chosen or not all(isinstance(a, str) and a in ACTIONS for a in chosen):
        raise InvalidInput(
            f"action must be one of {', '.join(ACTIONS)} (or actions, a list of them)", code="invalid_action"
        )
    if len(chosen) > 1 and ({"dismiss", "erase"} & set(chosen)):
        raise InvalidInput("dismiss and erase stand alone", code="invalid_action")
    return list(dict.fromkeys(chosen))


def resolve_review(
    deps: Deps,
    review_id: str,
    action: object,
    address: object,
    actions: object = None,
    staff: Staff | None = None,
) -> dict[str, Any]:
    """Settle one review item. The removal opens with the message's own arrival time, so its 48-hour deadline is
    the email's, not the resolution's; no one is acted on without being named (SPEC §3). A staff member deciding in
    the console is named in the ledger and in the audit log; only an admin may erase."""
    chosen = _actions_of(action, actions)
    if staff is not None and "erase" in chosen and not staff.is_admin:
        raise Forbidden("only an admin may erase a person")
    item = deps.store.get_review(review_id)
    if item is None:
        raise NotFound("no such review item")
    target: str | None = None
    if chosen != ["dismiss"]:
        named = address if address is not None else item.get("suggested_address")
        if named is None:
            raise InvalidInput(
                "this message names no single person: say whose address to act on (email)", code="address_required"
            )
        if not isinstance(named, str):
            raise InvalidInput("email must be a string", code="invalid_address")
        target = normalize_address(named)
        if chosen == ["erase"]:
            erase(deps, target, SuppressionReason.ERASURE, "email:review")
        else:
            prov = Provenance(
                at=parse_iso(str(item["received_at"])),
                source="email:review",
                channel="email",
                policy_version=deps.policy_version,
                event_id=item.get("message_id"),
                staff_sub=staff.sub if staff else None,
                staff_email=staff.email if staff else None,
            )
            scopes = tuple(REMOVAL_ACTIONS[a] for a in chosen)
            remove_as_asked(deps, target, scopes, prov, by_someone_else=target != item.get("sender"))
    deps.store.delete_review(review_id)  # only after the removal is written: a crash before it leaves the item
    if staff is not None:
        record_console_action(deps, staff, "review:" + "+".join(chosen), target, review_id=review_id)
    result: dict[str, Any] = {"id": review_id, "status": "resolved", "actions": chosen, "email": target}
    if len(chosen) == 1:
        result["action"] = chosen[0]
    return result
