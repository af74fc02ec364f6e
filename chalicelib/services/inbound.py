"""`inbound_email` (SPEC §4): a message to customer service or to a `mailto:` unsubscribe address, applied.

Removal for the sender whatever SPF/DKIM/DMARC say (removal must never need more than one reply; the verdicts are
logged with the request); another address only when an allow-listed agent forwarded the message; an ARF complaint
suppresses the complained-about recipient; machines never get a reply; what cannot be settled goes to review with
its 48-hour clock."""

import hashlib
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..domain.consent import Provenance, SuppressionReason
from ..domain.hashing import is_keyed_hash
from ..domain.inbound import InboundMail, Kind, Verdict, classify, is_machine
from ..domain.redaction import redact
from ..domain.removals import REMOVAL_DEADLINE
from ..domain.timeutil import iso
from ..domain.tokens import ALL_EMAIL, OPT_IN_PREFIX, scope_code
from ..domain.topics import ACQUIRED_PREFIX, ALL_ACQUIRED, FIXED_TOPICS
from .ports import Deps
from .review import SCOPE_ACTIONS, remove_as_asked
from .suppress import suppress_permanently

log = logging.getLogger(__name__)
TEXT_SHOWN = 4000  # of the message's own text, secrets redacted; the raw message stays in the bucket (30 days)


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


def review_id_for(message_id: str, received_at: datetime) -> str:
    return f"{iso(received_at)[:19].replace(':', '')}-{hashlib.sha256(message_id.encode()).hexdigest()[:12]}"


def _queue_review(deps: Deps, received: Received, verdict: Verdict, *, erase: bool = False) -> str:
    # Keyed and clocked by the message's arrival, not this delivery: a notification redelivered after a crash
    # rewrites the same item instead of queueing the message twice with a later deadline.
    arrived = _arrival(deps, received)
    review_id = review_id_for(received.message_id, arrived)
    mail = received.mail
    scopes = ["erase"] if erase else [SCOPE_ACTIONS.get(s, s) for s in verdict.scopes]
    deps.store.put_review(
        {
            "id": review_id,
            "message_id": received.message_id,
            "received_at": iso(arrived),
            "due_at": iso(arrived + REMOVAL_DEADLINE),
            "sender": mail.sender,
            "subject": redact(mail.subject)[:300],
            "text": redact(_shown_text(mail))[:TEXT_SHOWN],
            "reason": "asks for erasure, which an operator decides" if erase else verdict.reason,
            "cues": list(verdict.cues),
            "suggested_address": verdict.address,
            "suggested_scopes": scopes,
            "storage_key": received.storage_key,
        }
    )
    return review_id


def _shown_text(mail: InboundMail) -> str:
    if mail.forwarded is not None:
        return f"{mail.text}\n\n---------- attached message ----------\n{mail.forwarded.text}"
    return mail.text


def _arrival(deps: Deps, received: Received) -> datetime:
    return received.received_at or deps.clock.now()


def forged_agent(received: Received) -> bool:
    """An agent's forward removes someone other than the sender, so unlike a person's own request it is not taken
    on the From header alone: unless DMARC vouches for the From, any failed SPF, DKIM or DMARC check sends it to a
    human. (No checks run on the local stack, whose verdicts are all GRAY.)"""
    verdicts = {name: status.upper() for name, status in received.verdicts.items()}
    return verdicts.get("dmarc") != "PASS" and "FAIL" in verdicts.values()


def trusted_complaint(deps: Deps, received: Received, verdict: Verdict) -> str | None:
    """Why an ARF report may not suppress anyone, or None when it may: it must come from a configured
    feedback-loop domain whose SES verdicts pass (DKIM or SPF), and name an address listkeeper mailed the
    returned message to (the send log). Anyone can write an ARF report naming anyone."""
    sender_domain = (received.mail.sender or "").rpartition("@")[2]
    loops = deps.feedback_loop_domains
    if not any(sender_domain == d or sender_domain.endswith(f".{d}") for d in loops):
        return "a complaint report from a domain that is not a configured feedback loop"
    verdicts = {name: status.upper() for name, status in received.verdicts.items()}
    if "PASS" not in (verdicts.get("dkim"), verdicts.get("spf")):
        return "a complaint report whose sender could not be authenticated"
    outbox_id = received.mail.feedback_outbox_id
    if not verdict.address or not outbox_id:
        return "a complaint report that does not name one of listkeeper's messages"
    if deps.secrets.get().hash_address(verdict.address) not in deps.store.sent_to(outbox_id):
        return "a complaint report about a message listkeeper did not send to that address"
    return None


def _spam(received: Received) -> bool:
    return received.verdicts.get("spam") == "FAIL"


def _automated(mail: InboundMail) -> bool:
    return is_machine(mail) is not None


def handle_inbound(deps: Deps, received: Received) -> InboundOutcome:
    verdict = classify(received.mail, deps.agent_domains)
    if verdict.kind is Kind.FORWARDED and forged_agent(received):
        verdict = replace(verdict, kind=Kind.REVIEW, reason="an agent's forward that failed SPF/DKIM/DMARC")
    if verdict.kind is Kind.COMPLAINT:
        refused = trusted_complaint(deps, received, verdict)
        if refused is not None:
            verdict = replace(verdict, kind=Kind.REVIEW, reason=refused, scopes=("email",))
    # no personal data in logs: the kind, the rule's reason and the cue names only
    log.info(
        "inbound mail classified",
        extra={
            "kind": verdict.kind.value,
            "reason": verdict.reason,
            "cues": sorted({cue.partition(":")[0] for cue in verdict.cues}),  # kinds, not the words
            "verdicts": received.verdicts,
        },
    )
    arrived = _arrival(deps, received)
    prov = Provenance(
        at=arrived,
        source=f"email:{verdict.kind.value}",
        channel="email",
        policy_version=deps.policy_version,
        event_id=received.message_id,
    )
    if verdict.kind is Kind.MAILTO and verdict.handle:
        found = _mailto_target(deps, received, verdict.handle)
        if found is None:
            return InboundOutcome(verdict, review_id=_queue_review(deps, received, verdict))
        address, scope = found
        kept = is_keyed_hash(address) and _kept_by_a_storefront_that_left(deps, address)
        if (is_keyed_hash(address) and not kept) or scope.startswith(OPT_IN_PREFIX):
            return InboundOutcome(verdict)  # erased already (suppressed for good), or not a list to leave
        scope = "email" if scope == ALL_EMAIL else scope
        # an auto-responder's mailto: removal is applied, but never answered (RFC 3834)
        confirm = not _automated(received.mail) and not _spam(received) and not kept  # kept: no address to answer
        remove_as_asked(deps, address, (scope,), prov, by_someone_else=False, confirm=confirm)
        return InboundOutcome(verdict, applied_to=address)
    if verdict.kind in (Kind.REQUEST, Kind.FORWARDED) and verdict.address:
        # flagged as spam: the removal is applied (never lose one) but not answered — the From may be forged, and
        # a reply would be backscatter that raises the complaint rate
        remove_as_asked(
            deps,
            verdict.address,
            verdict.scopes,
            prov,
            by_someone_else=verdict.kind is Kind.FORWARDED,
            confirm=not _spam(received),
        )
        review_id = _queue_review(deps, received, verdict, erase=True) if verdict.erase else None
        return InboundOutcome(verdict, applied_to=verdict.address, review_id=review_id)
    if verdict.kind is Kind.COMPLAINT and verdict.address:
        suppress_permanently(deps, verdict.address, SuppressionReason.COMPLAINT, "email", received.message_id)
        return InboundOutcome(verdict, applied_to=verdict.address)
    if verdict.kind is Kind.REVIEW:
        return InboundOutcome(verdict, review_id=_queue_review(deps, received, verdict))
    return InboundOutcome(verdict)  # DSN, auto-reply, anything else: recorded in the log, nothing more


def _kept_by_a_storefront_that_left(deps: Deps, alias: str) -> bool:
    held = deps.store.load(alias).contact
    return held is not None and held.remnant


def _mailto_target(deps: Deps, received: Received, handle: str) -> tuple[str, str] | None:
    """Whose item the handle names and which of their lists: the address from the item (or from the sender, when
    nothing is held for it yet and the sender's own address is the one the handle names), the list from the scopes
    the person's records name. None when either cannot be settled: a human reads it then."""
    secrets = deps.secrets.get()
    read = secrets.tokens.read_mailto_handle(handle)
    if read is None:
        return None
    key = f"{secrets.active_pepper}:{read.item_key.hex()}"
    address = deps.store.address_at(key)
    sender = received.mail.sender
    if address is None and sender and secrets.address_key(sender) == key:
        address = sender
    elif address and is_keyed_hash(address) and sender and secrets.address_key(sender) == key:
        # not erased if it is what a storefront that left kept of them: their own removal applies there
        address = sender if deps.store.load(sender).remnant else address
    if address is None:
        return None
    if is_keyed_hash(address):
        return address, ALL_EMAIL
    scopes = {ALL_EMAIL, ALL_ACQUIRED, *FIXED_TOPICS}
    held = deps.store.load(address).contact
    if held is not None:
        scopes |= {*held.topics, *(e.subject for e in held.ledger), *(r.scope for r in held.removals.values())}
    scopes |= {f"{ACQUIRED_PREFIX}{record['source']}" for record in deps.store.acquired_of(address)}
    named = [scope for scope in scopes if scope_code(scope) == read.scope_code]
    if not named and held is not None:
        # a list the person was on long ago (an ended contest): named only by the ledger moved off the item
        older = {entry.subject for entry in deps.store.older_ledger(address)}
        named = [scope for scope in older - scopes if scope_code(scope) == read.scope_code]
    return (address, named[0]) if len(named) == 1 else None
