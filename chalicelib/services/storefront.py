"""POST /webhooks/storefront (SPEC §3.1): verified, deduplicated, applied exactly once."""

import logging
from dataclasses import dataclass

from ..domain.consent import Contact, Provenance
from ..domain.errors import EventIdReused
from ..domain.rules import began_email_subscription, join_implied_topics, queue_mail, remember_event
from ..domain.signatures import verify_signature
from ..domain.storefront_events import (
    CHILD_AGE,
    SIGNUP_TYPES,
    Envelope,
    SignupEvent,
    age_on,
    parse_envelope,
    parse_signup,
)
from ..domain.topics import IMPLIED_EMAIL_TOPICS, IMPLIED_POSTAL_TOPICS
from .outbox import change_and_deliver
from .ports import ClaimOutcome, Deps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookResult:
    status: str  # processed | duplicate | ignored
    event_id: str


def handle_storefront_webhook(deps: Deps, raw_body: bytes, signature: str | None) -> WebhookResult:
    """Verify, validate fully, then claim the event id, then apply. Nothing is written before the input is known
    to be good, so a 401 or 400 changes nothing."""
    secrets = deps.secrets.get()
    verify_signature(signature, raw_body, secrets.webhook_secrets, deps.clock.now().timestamp())
    envelope = parse_envelope(raw_body)
    if envelope.type not in SIGNUP_TYPES:
        return WebhookResult("ignored", envelope.id)
    event = parse_signup(envelope)
    claim = deps.store.claim_event(envelope.id, envelope.digest, deps.clock.now())
    if claim is ClaimOutcome.CONFLICT:
        raise EventIdReused(f"event id {envelope.id} was already used for a different payload")
    applied_now = apply_signup(deps, envelope, event)
    # A redelivery whose first attempt crashed after the claim is applied now, and so is "processed".
    status = "processed" if claim is ClaimOutcome.NEW or applied_now else "duplicate"
    return WebhookResult(status, envelope.id)


def _update_profile(contact: Contact, event: SignupEvent) -> bool:
    profile = contact.profile
    before = (profile.customer_id, profile.name, profile.postal_address)
    profile.customer_id = event.customer_id or profile.customer_id
    profile.name = event.name or profile.name
    profile.postal_address = event.postal_address or profile.postal_address
    return before != (profile.customer_id, profile.name, profile.postal_address)


def apply_signup(deps: Deps, envelope: Envelope, event: SignupEvent) -> bool:
    """SPEC §1.1 and §1.3. Returns whether this call changed anything."""
    if event.birthdate is not None and age_on(event.birthdate, envelope.created_at.date()) < CHILD_AGE:
        # Nothing about a child is stored and nothing is sent (SPEC §1.8).
        log.info("signup of a child ignored", extra={"event_id": envelope.id})
        return False
    prov = Provenance(
        at=envelope.created_at,
        source=f"storefront:{envelope.type}",
        channel="storefront",
        policy_version=deps.policy_version,
        ip=event.ip,
        user_agent=event.user_agent,
        event_id=envelope.id,
    )
    topics = IMPLIED_EMAIL_TOPICS + (IMPLIED_POSTAL_TOPICS if event.postal_address else ())

    def decide(contact: Contact) -> bool:
        if envelope.id in contact.applied_events:
            return False
        joined = join_implied_topics(contact, topics, prov)
        profile_changed = _update_profile(contact, event)
        if began_email_subscription(joined):
            queue_mail(contact, "welcome", prov, deps.clock.now())
        if not joined and not profile_changed:
            return False
        remember_event(contact, envelope.id, deps.clock.now())
        return True

    return change_and_deliver(deps, event.email, decide).written
