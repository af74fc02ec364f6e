"""`inbound_email` (SPEC §4): a message to customer service or to a `mailto:` unsubscribe address, applied.

Removal for the sender whatever SPF/DKIM/DMARC say (removal must never need more than one reply; the verdicts are
logged with the request); another address only when an allow-listed agent forwarded the message; an ARF complaint
suppresses the complained-about recipient; machines never get a reply; what cannot be settled goes to review with
its 48-hour clock."""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..domain.addresses import normalize_address
from ..domain.consent import Contact, Provenance, Status, SuppressionReason
from ..domain.errors import InvalidInput, InvalidToken, NotFound
from ..domain.inbound import InboundMail, Kind, Verdict, classify
from ..domain.removals import REMOVAL_DEADLINE, notify_removed_by_someone_else, opt_out, queue_removal_confirmation
from ..domain.timeutil import iso
from ..domain.tokens import ALL_EMAIL, OPT_IN_PREFIX
from ..domain.topics import ALL_ACQUIRED, Channel, channels_of
from .outbox import change_and_deliver
from .ports import Deps
from .suppress import suppress_permanently

log = logging.getLogger(__name__)
SNIPPET = 600


@dataclass(frozen=True)
class Received:
    """One message as SES receiving (or the local SMTP listener) hands it over."""

    message_id: str
    mail: InboundMail
    storage_key: str | None = None  # where the raw message is kept (S3), for a human to read
    verdicts: dict[str, str] = field(default_factory=dict)  # spf, dkim, dmarc
    received_at: datetime | None = None  # when SES took the message in: the same on every redelivery


@dataclass(frozen=True)
class InboundOutcome:
    verdict: Verdict
    applied_to: str | None = None
    review_id: str | None = None


def _remove(deps: Deps, address: str, scopes: tuple[str, ...], prov: Provenance, *, by_someone_else: bool) -> bool:
    """Remove `address` from `scopes`. The person asked themself: a removal confirmation (at most daily). Someone
    else asked for them: a notice with a one-click undo instead (SPEC §6)."""
    now = deps.clock.now()

    def decide(contact: Contact) -> bool:
        held = [t for t, state in contact.topics.items() if state.status is Status.SUBSCRIBED and _real_topic(t)]
        removed = [s for s in scopes if opt_out(contact, s, prov, now, deps.destinations_for(s)) is not None]
        if removed and by_someone_else:
            restore = [t for t in held if contact.topics[t].status is Status.UNSUBSCRIBED or _on(t, removed)]
            notify_removed_by_someone_else(contact, removed, restore, prov, now)
        elif removed:
            queue_removal_confirmation(contact, removed, prov, now)
        return bool(removed)

    return change_and_deliver(deps, address, decide).written


def review_id_for(message_id: str, received_at: datetime) -> str:
    return f"{iso(received_at)[:19].replace(':', '')}-{hashlib.sha256(message_id.encode()).hexdigest()[:12]}"


def _queue_review(deps: Deps, received: Received, verdict: Verdict) -> str:
    # Keyed and clocked by the message's arrival, not this delivery: a notification redelivered after a crash
    # rewrites the same item instead of queueing the message twice with a later deadline.
    arrived = received.received_at or deps.clock.now()
    review_id = review_id_for(received.message_id, arrived)
    mail = received.mail
    deps.store.put_review(
        {
            "id": review_id,
            "message_id": received.message_id,
            "received_at": iso(arrived),
            "due_at": iso(arrived + REMOVAL_DEADLINE),
            "sender": mail.sender,
            "subject": mail.subject[:300],
            "snippet": mail.text[:SNIPPET],
            "reason": verdict.reason,
            "suggested_scopes": list(verdict.scopes),
            "address": verdict.address,
            "storage_key": received.storage_key,
        }
    )
    return review_id


def forged_agent(received: Received) -> bool:
    """An agent's forward removes someone other than the sender, so unlike a person's own request it is not taken
    on the From header alone: unless DMARC vouches for the From, any failed SPF, DKIM or DMARC check sends it to a
    human. (No checks run on the local stack, whose verdicts are all GRAY.)"""
    verdicts = {name: status.upper() for name, status in received.verdicts.items()}
    return verdicts.get("dmarc") != "PASS" and "FAIL" in verdicts.values()


def handle_inbound(deps: Deps, received: Received) -> InboundOutcome:
    verdict = classify(received.mail, deps.agent_domains)
    if verdict.kind is Kind.FORWARDED and forged_agent(received):
        verdict = Verdict(Kind.REVIEW, verdict.scopes, verdict.address, "an agent's forward that failed SPF/DKIM/DMARC")
    log.info(
        "inbound mail classified",
        extra={"kind": verdict.kind.value, "reason": verdict.reason, "verdicts": received.verdicts},
    )
    now = deps.clock.now()
    prov = Provenance(
        at=now,
        source=f"email:{verdict.kind.value}",
        channel="email",
        policy_version=deps.policy_version,
        event_id=received.message_id,
    )
    if verdict.kind is Kind.MAILTO and verdict.handle:
        token = deps.store.get_link_handle(verdict.handle)
        try:
            claims = deps.secrets.get().tokens.verify(token or "", now)
        except InvalidToken:
            return InboundOutcome(verdict, review_id=_queue_review(deps, received, verdict))
        if claims.scope.startswith(OPT_IN_PREFIX):
            return InboundOutcome(verdict)
        scope = "email" if claims.scope == ALL_EMAIL else claims.scope
        _remove(deps, claims.address, (scope,), prov, by_someone_else=False)
        return InboundOutcome(verdict, applied_to=claims.address)
    if verdict.kind in (Kind.REQUEST, Kind.FORWARDED) and verdict.address:
        _remove(deps, verdict.address, verdict.scopes, prov, by_someone_else=verdict.kind is Kind.FORWARDED)
        return InboundOutcome(verdict, applied_to=verdict.address)
    if verdict.kind is Kind.COMPLAINT and verdict.address:
        suppress_permanently(deps, verdict.address, SuppressionReason.COMPLAINT, "email", received.message_id)
        return InboundOutcome(verdict, applied_to=verdict.address)
    if verdict.kind is Kind.REVIEW:
        return InboundOutcome(verdict, review_id=_queue_review(deps, received, verdict))
    return InboundOutcome(verdict)  # DSN, auto-reply, anything else: recorded in the log, nothing more


def _on(topic: str, scopes: list[str]) -> bool:
    """Is the topic within one of the removed scopes (a channel, or itself)?"""
    return topic in scopes or any(Channel(s) in channels_of(topic) for s in scopes if s in ("email", "postal"))


def _real_topic(topic: str) -> bool:
    return topic != ALL_ACQUIRED


REVIEW_ACTIONS = {"remove_email": ("email",), "remove_postal": ("postal",), "dismiss": ()}


def list_review(deps: Deps) -> list[dict[str, Any]]:
    now = iso(deps.clock.now())
    items = sorted(deps.store.list_reviews(), key=lambda i: i["due_at"])
    for item in items:
        item["state"] = "overdue" if item["due_at"] <= now else "open"
    return items


def resolve_review(deps: Deps, review_id: str, action: object, address: object) -> dict[str, Any]:
    item = deps.store.get_review(review_id)
    if item is None:
        raise NotFound("no such review item")
    if action not in REVIEW_ACTIONS:
        raise InvalidInput("action must be remove_email, remove_postal or dismiss", code="invalid_action")
    scopes = REVIEW_ACTIONS[str(action)]
    target: str | None = None
    if scopes:
        target = normalize_address(address if address is not None else item.get("address") or item.get("sender"))
        prov = Provenance(
            at=deps.clock.now(),
            source="email:review",
            channel="email",
            policy_version=deps.policy_version,
            event_id=item.get("message_id"),
        )
        asked_for_self = target == item.get("sender")
        _remove(deps, target, scopes, prov, by_someone_else=not asked_for_self)
    deps.store.delete_review(review_id)  # only after the removal is written: a crash before it leaves the item
    return {"id": review_id, "status": "resolved", "action": action, "email": target}
