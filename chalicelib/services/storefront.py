"""POST /webhooks/storefront (SPEC §3.1): verified, validated, deduplicated, applied exactly once."""

import copy
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.addresses import normalize_address
from ..domain.consent import Basis, Contact, Provenance, Status, SuppressionReason, TopicState
from ..domain.errors import EventIdReused, InvalidInput, InvalidSignature
from ..domain.hashing import is_keyed_hash
from ..domain.removals import offer_confirmation, opt_out, propagate_existing, request_opt_in
from ..domain.rules import (
    began_email_subscription,
    join_implied_topics,
    left_every_marketing_list,
    opted_in_after,
    queue_mail,
    remember_event,
)
from ..domain.shopify import (
    DATA_REQUEST,
    MARKETING_CONSENT,
    PLATFORM,
    ComplianceRequest,
    ShopifyDelivery,
    compliance_request,
    shop_of,
    shopify_envelopes,
)
from ..domain.signatures import verify_platform_signature, verify_signature
from ..domain.storefront_events import (
    AGE_REPORTED,
    CHILD_AGE,
    CONTEST_ENTERED,
    EMAIL_CHANGED,
    ERASURE_REQUESTED,
    INFO_SAVED,
    SIGNUP_TYPES,
    AgeReport,
    ConsentChange,
    ContestEntry,
    CustomerRef,
    EmailChange,
    Envelope,
    SignupEvent,
    age_on,
    parse_age_report,
    parse_consent,
    parse_contest,
    parse_email_change,
    parse_envelope,
    parse_erasure,
    parse_signup,
)
from ..domain.timeutil import iso
from ..domain.topics import (
    CONTEST_PREFIX,
    IMPLIED_EMAIL_TOPICS,
    IMPLIED_POSTAL_TOPICS,
    PROMOTIONS,
    UPDATES,
    Channel,
    channels_of,
)
from ..domain.woocommerce import WooDelivery, is_ping, woocommerce_envelope, woocommerce_event_id
from .contacts import FactWaiting, change_contact
from .data_requests import export_for_data_request
from .erasure import erase
from .outbox import change_and_deliver
from .ports import ClaimOutcome, Deps
from .shop_redaction import begin_redaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookResult:
    status: str  # processed | duplicate | ignored
    event_id: str


def _prov(deps: Deps, envelope: Envelope, ip: str | None = None, user_agent: str | None = None) -> Provenance:
    return Provenance(
        at=envelope.created_at,
        source=envelope.source,
        channel="storefront",
        policy_version=deps.policy_version,
        ip=ip,
        user_agent=user_agent,
        event_id=envelope.id,
    )


# Each type: a parser (validates fully before anything is written) and an applier (returns whether it changed).
Handler = tuple[Callable[[Envelope], Any], Callable[[Deps, Envelope, Any], bool]]


class AlreadyApplied(Exception):
    """The contact already holds this event id: another delivery of the same event applied it first."""


def handle_storefront_webhook(deps: Deps, raw_body: bytes, signature: str | None) -> WebhookResult:
    """Verify, validate fully, then claim the event id, then apply. Nothing is written before the input is known
    to be good, so a 401 or 400 changes nothing."""
    secrets = deps.secrets.get()
    verify_signature(signature, raw_body, secrets.webhook_secrets, deps.clock.now().timestamp())
    return handle_envelope(deps, parse_envelope(raw_body))


def handle_woocommerce_webhook(deps: Deps, raw_body: bytes, delivery: WooDelivery) -> WebhookResult:
    """A WooCommerce store's webhook: its own signature, then the same handling as the envelope's. The ping
    WooCommerce sends, unsigned, when a webhook is created changes nothing and is answered as such."""
    if is_ping(raw_body, delivery):
        return WebhookResult("ignored", "ping")
    verify_platform_signature(delivery.signature, raw_body, deps.secrets.get().woocommerce_secrets)
    envelope = woocommerce_envelope(raw_body, delivery)
    if envelope is None:
        return WebhookResult("ignored", woocommerce_event_id(delivery))
    return handle_envelope(deps, envelope)


def handle_shopify_webhook(deps: Deps, raw_body: bytes, delivery: ShopifyDelivery) -> WebhookResult:
    """A Shopify shop's webhook: a configured shop and the app's signature, then each event it carries through the
    same handling as the envelope's (a customer's saved information and their marketing consent are two)."""
    shop = _configured_shop(deps, delivery)
    verify_platform_signature(delivery.signature, raw_body, deps.secrets.get().shopify_secrets)
    return _apply_shopify(deps, raw_body, delivery, shop)


def handle_shopify_event(deps: Deps, event: dict[str, Any]) -> WebhookResult:
    """The same delivery through Amazon EventBridge (the app's partner event source): AWS authenticates the source,
    so there is no signature; the headers come as `detail.metadata`, the body as `detail.payload`. A webhook id seen
    over HTTPS is the same delivery here."""
    detail = event.get("detail")
    if not isinstance(detail, dict) or not isinstance(detail.get("metadata"), dict):
        raise InvalidInput("detail.metadata is required", code="missing_field")
    if not isinstance(detail.get("payload"), dict):
        raise InvalidInput("detail.payload must be a JSON object", code="missing_field")
    delivery = ShopifyDelivery.from_headers(detail["metadata"])  # its HMAC, if any, is not what is trusted here
    shop = _configured_shop(deps, delivery)
    return _apply_shopify(deps, json.dumps(detail["payload"]).encode(), delivery, shop)


def _configured_shop(deps: Deps, delivery: ShopifyDelivery) -> str:
    shop = shop_of(delivery)
    if shop is None or shop not in deps.shopify_shops:
        raise InvalidSignature("missing or invalid signature")  # an unknown shop is told no more than a forger
    return shop


def _apply_shopify(deps: Deps, raw_body: bytes, delivery: ShopifyDelivery, shop: str) -> WebhookResult:
    compliance = compliance_request(raw_body, delivery, shop)
    if compliance is not None:
        return _apply_compliance(deps, compliance, shop)
    envelopes = shopify_envelopes(raw_body, delivery, shop, deps.clock.now())
    if not envelopes:
        return WebhookResult("ignored", f"shopify:{shop}:{delivery.webhook_id}")
    for envelope in envelopes:  # all of them are read before any is applied: a bad one changes nothing
        PLATFORM_HANDLERS[envelope.type][0](envelope)
    envelopes = _moves_first(deps, envelopes)
    results = [handle_envelope(deps, envelope, PLATFORM_HANDLERS) for envelope in envelopes]
    status = "processed" if any(r.status == "processed" for r in results) else results[0].status
    return WebhookResult(status, envelopes[0].id)


def _apply_compliance(deps: Deps, request: ComplianceRequest, shop: str) -> WebhookResult:
    """A customer's data request, or the shop's redaction. Claimed like any event, and applied again on a
    redelivery (both are safe to repeat), so a crash between the claim and the work loses nothing."""
    claim = deps.store.claim_event(request.event_id, request.digest, deps.clock.now())
    if claim is ClaimOutcome.CONFLICT:
        raise EventIdReused(f"event id {request.event_id} was already used for a different payload")
    if request.topic == DATA_REQUEST:
        described = {"platform": PLATFORM, "shop": shop, "id": str(request.request_id)}
        export_for_data_request(deps, described, request.email, request.customer_id)
    else:
        begin_redaction(deps, f"{PLATFORM}:{shop}")
    return WebhookResult("processed" if claim is ClaimOutcome.NEW else "duplicate", request.event_id)


def _moves_first(deps: Deps, envelopes: list[Envelope]) -> list[Envelope]:
    """A platform names a customer by its own id and sends their current address: when the one address held for
    that id is another, the person changed it there, and their choices move with them (SPEC §3.1
    `customer.email_changed`) before anything else of the delivery is applied at the new address."""
    # a customer's record, not an order: an order may carry another contact address for the same account
    saved = next((e for e in envelopes if e.type == INFO_SAVED and e.data.get("customer_id")), None)
    if saved is None:
        return envelopes
    customer_id = str(saved.data["customer_id"])
    new = normalize_address(saved.data["email"])
    held = [a for a in deps.store.addresses_of_customer(customer_id) if a != new and not is_keyed_hash(a)]
    if len(held) != 1:
        return envelopes  # a new customer, or several addresses under one id: nothing is guessed
    data = {"customer_id": customer_id, "old_email": held[0], "new_email": new}
    moved = Envelope(
        f"{saved.id}#moved", EMAIL_CHANGED, saved.created_at, data, saved.digest, origin=saved.origin, shop=saved.shop
    )
    return [moved, *envelopes]


def handle_envelope(deps: Deps, envelope: Envelope, handlers: dict[str, "Handler"] | None = None) -> WebhookResult:
    handler = (handlers or HANDLERS).get(envelope.type)
    if handler is None:
        return WebhookResult("ignored", envelope.id)
    parse, apply = handler
    event = parse(envelope)
    claim = deps.store.claim_event(envelope.id, envelope.digest, deps.clock.now())
    if claim is ClaimOutcome.CONFLICT:
        raise EventIdReused(f"event id {envelope.id} was already used for a different payload")
    try:
        applied_now = apply(deps, envelope, event)
    except AlreadyApplied:
        # Deliveries of one id racing each other: the one whose write carried it says "processed", even when it
        # claimed the id second; every other one is a duplicate, the first claimer included.
        return WebhookResult("duplicate", envelope.id)
    # A redelivery whose first attempt crashed after the claim is applied now, and so is "processed".
    status = "processed" if claim is ClaimOutcome.NEW or applied_now else "duplicate"
    return WebhookResult(status, envelope.id)


def _update_profile(contact: Contact, event: SignupEvent) -> bool:
    profile = contact.profile
    before = (profile.customer_id, profile.name, profile.postal_address, profile.language)
    profile.customer_id = event.customer_id or profile.customer_id
    profile.name = event.name or profile.name
    profile.postal_address = event.postal_address or profile.postal_address
    profile.language = event.locale or profile.language
    return before != (profile.customer_id, profile.name, profile.postal_address, profile.language)


def _note_origin(deps: Deps, contact: Contact, envelope: Envelope, customer_id: str | None) -> bool:
    """Who gave listkeeper this person's data, and their customer id at Shopify (where email removals are written
    back: a person who had left all email is written back there too). Returns whether anything is new."""
    profile = contact.profile
    before = (list(profile.known_through), list(profile.accounts))
    profile.known_through = sorted({*profile.known_through, envelope.known_through})
    if customer_id and customer_id.startswith(f"{PLATFORM}:") and customer_id not in profile.accounts:
        profile.accounts = sorted({*profile.accounts, customer_id})
        owed = tuple(d.name for d in deps.destinations if d.platform == PLATFORM)
        propagate_existing(contact, owed, _prov(deps, envelope), deps.clock.now())
    return before != (profile.known_through, profile.accounts)


def apply_signup(deps: Deps, envelope: Envelope, event: SignupEvent) -> bool:
    """SPEC §1.1 and §1.3. Returns whether this call changed anything."""
    if event.birthdate is not None and age_on(event.birthdate, envelope.created_at.date()) < CHILD_AGE:
        erase(deps, event.email, SuppressionReason.CHILD, envelope.source)  # SPEC §1.8
        return True
    prov = _prov(deps, envelope, event.ip, event.user_agent)
    topics = IMPLIED_EMAIL_TOPICS + (IMPLIED_POSTAL_TOPICS if event.postal_address else ())
    gains_id: list[bool] = []  # does this write first give the contact the customer id?

    def decide(contact: Contact) -> bool:
        if envelope.id in contact.applied_events:
            raise AlreadyApplied(envelope.id)
        offered: list[str] = []
        if deps.double_opt_in:  # SPEC §6: email subscriptions begin only when the person confirms
            postal = tuple(t for t in topics if Channel.EMAIL not in channels_of(t))
            joined = join_implied_topics(contact, postal, prov)
            new = [t for t in topics if t not in postal and t not in contact.topics]
            if new and not contact.suppressions.get(Channel.EMAIL.value):
                offered = offer_confirmation(contact, new, prov, deps.clock.now())
        else:
            joined = join_implied_topics(contact, topics, prov)
            if began_email_subscription(joined):
                queue_mail(contact, "welcome", prov, deps.clock.now())
        gains_id[:] = [contact.profile.customer_id != event.customer_id]
        # an order's contact address may be another than its customer's: only a customer record names their account
        account = event.customer_id if envelope.type == INFO_SAVED else None
        profile_changed = _update_profile(contact, event) | _note_origin(deps, contact, envelope, account)
        if not joined and not profile_changed and not offered:
            return False
        remember_event(contact, envelope.id, deps.clock.now())
        return True

    customer = (_waiting_key(deps, event.customer_id),) if event.customer_id else ()
    late: list[dict[str, Any]] = []

    def no_fact_came_meanwhile(contact: Contact) -> bool:
        """An age report or erasure naming only this customer id may have been kept after our read, and missed this
        contact (not written yet, or not in the eventually consistent customer index): read it again once the
        contact holds the id, before anything is sent. One read, on the write that first gives the contact the id."""
        if not customer or not gains_id or not gains_id[0]:
            return True
        fact = deps.store.load(event.email, waiting=customer).waiting
        late.extend([fact] if fact else [])
        return not late

    try:
        change = change_and_deliver(
            deps,
            event.email,
            decide,
            waiting=(*customer, _moved_key(deps, event.email)),
            may_send=no_fact_came_meanwhile,
        )
        if not late:
            return change.written
        fact = late[0]
    except FactWaiting as waiting_fact:
        fact = waiting_fact.fact
    if "reason" in fact or "to" not in fact:
        # the storefront reported this customer's age (or erasure) before this sign-up: apply it, send nothing
        reason = SuppressionReason(fact.get("reason", SuppressionReason.ERASURE.value))
        erase(deps, event.email, reason, str(fact.get("source", envelope.source)))
        return True
    # the person had already moved from this address to another when this older event came: it is theirs there
    moved_to = deps.store.address_at(str(fact["to"]))
    if moved_to is None or is_keyed_hash(moved_to):
        return False  # the new address was erased since: nothing is kept of this one either
    try:
        return change_and_deliver(deps, moved_to, decide, waiting=customer).written
    except FactWaiting:
        erase(deps, moved_to, SuppressionReason.ERASURE, envelope.source)
        return True


WAITING_DAYS = 400  # how long a fact about a customer not held yet is kept for their first sign-up


def _waiting_key(deps: Deps, customer_id: str) -> str:
    """Keyed (HMAC under the pepper), never the customer id itself."""
    return deps.secrets.get().hash_address(f"customer:{customer_id}")


def _moved_key(deps: Deps, address: str) -> str:
    """Where the fact "the person moved away from this address" waits for events about it that come late."""
    return deps.secrets.get().hash_address(f"moved:{address}")


def _keep_for_later(deps: Deps, who: CustomerRef, reason: SuppressionReason, source: str) -> None:
    """Webhooks are not ordered and the customer index is eventually consistent: a fact about a customer id is
    kept before the addresses are looked up, so a sign-up that comes after (or races) it finds it."""
    if who.customer_id:
        fact = {"reason": reason.value, "source": source, "at": iso(deps.clock.now())}
        deps.store.put_waiting_fact(_waiting_key(deps, who.customer_id), fact, WAITING_DAYS)


def apply_contest(deps: Deps, envelope: Envelope, entry: ContestEntry) -> bool:
    """SPEC §1.2 and §1.5: a grant for the contest until it ends; only JSON true joins promotions, and a person who
    had asked to be removed gets a confirmation to answer instead."""
    prov = _prov(deps, envelope, entry.ip, entry.user_agent)
    topic = f"{CONTEST_PREFIX}{entry.contest_id}"

    def decide(contact: Contact) -> bool:
        if envelope.id in contact.applied_events:
            raise AlreadyApplied(envelope.id)
        if left_after(contact, topic, prov.at_iso):
            # entered before the person left (that contest, or all email) but delivered after: a newer opt-out
            # beats an older entry, so nothing is granted and no confirmation is asked for
            remember_event(contact, envelope.id, deps.clock.now())
            return True
        if entry.ends_at > deps.clock.now():
            contact.topics[topic] = TopicState(
                Status.SUBSCRIBED, Basis.EXPRESS, prov.at_iso, prov.source, iso(entry.ends_at)
            )
            contact.record("subscribe", topic, "contest_entry", prov)
        if entry.name and not contact.profile.name:
            contact.profile.name = entry.name
        _note_origin(deps, contact, envelope, None)
        if entry.marketing_opt_in:
            outcome = request_opt_in(contact, [PROMOTIONS], prov, confirm_every_new=deps.double_opt_in)
            # at most one confirmation a day, whatever asks for it (SPEC §6): resubmitted entries mail nobody twice
            offer_confirmation(contact, outcome.needs_confirmation, prov, deps.clock.now())
        remember_event(contact, envelope.id, deps.clock.now())
        return True

    # an erased address is sent nothing, ever (SPEC §1.8): an entry with an opt-in changes nothing there either
    return change_and_deliver(deps, entry.email, decide).written


def left_after(contact: Contact, topic: str, at_iso: str) -> bool:
    """Did the person leave this topic, or email altogether, after `at_iso`?"""
    state = contact.topics.get(topic)
    if state is not None and state.status is Status.UNSUBSCRIBED and state.since > at_iso:
        return True
    suppression = contact.suppressions.get(Channel.EMAIL.value)
    return suppression is not None and suppression.since > at_iso


def _resolve(deps: Deps, who: CustomerRef) -> list[str]:
    """Every address the event names: the email given, and every contact holding the customer id."""
    found = [who.email] if who.email else []
    if who.customer_id:
        found += [a for a in deps.store.addresses_of_customer(who.customer_id) if a not in found]
    return found


def apply_age_report(deps: Deps, envelope: Envelope, report: AgeReport) -> bool:
    if report.age >= CHILD_AGE:
        return False
    source = envelope.source
    _keep_for_later(deps, report.who, SuppressionReason.CHILD, source)
    addresses = _resolve(deps, report.who)
    for address in addresses:
        erase(deps, address, SuppressionReason.CHILD, source)
    return bool(addresses) or report.who.customer_id is not None


def apply_erasure(deps: Deps, envelope: Envelope, who: CustomerRef) -> bool:
    source = envelope.source
    _keep_for_later(deps, who, SuppressionReason.ERASURE, source)
    addresses = _resolve(deps, who)
    # a shop that asks for the erasure has forgotten the customer itself: only other shops are written back to
    asked_by = envelope.known_through if envelope.shop else None
    for address in addresses:
        erase(deps, address, SuppressionReason.ERASURE, source, asked_by=asked_by)
    return bool(addresses) or who.customer_id is not None


def apply_email_change(deps: Deps, envelope: Envelope, change: EmailChange) -> bool:
    """The person's choices and suppressions follow them to the new address; suppressions also stay on the old
    one. The new address is written first, so no suppression is ever missing in between."""
    if change.old_email == change.new_email:
        return False
    # the person lives at the new address now: events that come late about it are theirs there again
    deps.store.delete_waiting_fact(_moved_key(deps, change.new_email))
    old = deps.store.load(change.old_email)
    if old.erased:
        return False
    if old.contact is None:
        return _move_before_the_old_contact(deps, envelope, change)
    source = old.contact
    prov = _prov(deps, envelope)

    def move_in(contact: Contact) -> bool:
        if envelope.id in contact.applied_events:
            return False
        for channel, suppression in source.suppressions.items():
            contact.suppressions.setdefault(channel, suppression)
        for topic, state in source.topics.items():
            mine = contact.topics.get(topic)
            if mine is None or (state.status is Status.UNSUBSCRIBED and mine.status is Status.SUBSCRIBED):
                contact.topics[topic] = state  # a choice to leave always follows; nothing is re-subscribed
        contact.profile.customer_id = change.customer_id
        contact.profile.known_through = sorted({*contact.profile.known_through, *source.profile.known_through})
        # the accounts move too; one the person had left email under is written back from here (the old
        # address's pending write-back loses its accounts as it moves out)
        for account in [*source.profile.accounts, change.customer_id]:
            _note_origin(deps, contact, envelope, account)
        contact.profile.name = contact.profile.name or source.profile.name
        contact.profile.postal_address = contact.profile.postal_address or source.profile.postal_address
        contact.profile.language = contact.profile.language or source.profile.language
        contact.record("email_changed", "address", "moved_in", prov)
        remember_event(contact, envelope.id, deps.clock.now())
        return True

    moved = change_contact(deps, change.new_email, move_in).written
    seen: list[Contact] = []  # the old contact as move_out last read it: fresher than `source`

    def move_out(contact: Contact) -> bool:
        seen[:] = [copy.deepcopy(contact)]
        if envelope.id in contact.applied_events:
            return False
        # The person lives at the new address now: the old one keeps its suppressions, gets nothing more, and no
        # longer holds their name or postal address (they would otherwise reach exports under the old address).
        for topic, state in list(contact.topics.items()):
            if state.status is Status.SUBSCRIBED:
                contact.topics[topic] = TopicState(Status.UNSUBSCRIBED, None, prov.at_iso, prov.source)
        contact.profile.customer_id = None
        contact.profile.accounts = []  # the customer lives at the new address: write-backs follow them there
        contact.profile.name = None
        contact.profile.postal_address = None
        contact.profile.language = None
        contact.record("email_changed", "address", "moved_out", prov)
        remember_event(contact, envelope.id, deps.clock.now())
        return True

    change_contact(deps, change.old_email, move_out, create=False)
    if seen:
        # an opt-out that landed on the old address after `source` was read, before it moved out, follows too
        _follow_late_opt_outs(deps, change.new_email, source, seen[0], prov)
    return moved


def _move_before_the_old_contact(deps: Deps, envelope: Envelope, change: EmailChange) -> bool:
    """The change came before anything about the old address (webhooks are not ordered): the new address is held
    for the customer, and a fact under a keyed hash of the old address sends any later event about it there. Only
    keyed hashes are kept in the fact. A sign-up that raced this and created the old contact after our read is
    moved like any other, so no interleaving leaves the person at the old address."""
    prov = _prov(deps, envelope)

    held_id = f"{envelope.id}#held"  # not the event's own id: a move that still follows must be able to apply

    def hold(contact: Contact) -> bool:
        if held_id in contact.applied_events:
            return False
        contact.profile.customer_id = change.customer_id
        _note_origin(deps, contact, envelope, change.customer_id)
        contact.record("email_changed", "address", "moved_in", prov)
        remember_event(contact, held_id, deps.clock.now())
        return True

    held = change_contact(deps, change.new_email, hold)
    if held.erased:
        return False
    fact = {"to": deps.secrets.get().address_key(change.new_email), "source": prov.source, "at": prov.at_iso}
    deps.store.put_waiting_fact(_moved_key(deps, change.old_email), fact, WAITING_DAYS)
    if deps.store.load(change.old_email).contact is not None:
        return apply_email_change(deps, envelope, change)  # a sign-up landed in between: move it now
    return held.written


def _follow_late_opt_outs(deps: Deps, new_email: str, before: Contact, after: Contact, prov: Provenance) -> None:
    late_suppressions = {ch: s for ch, s in after.suppressions.items() if ch not in before.suppressions}
    late_topics = {
        topic: state
        for topic, state in after.topics.items()
        if state.status is Status.UNSUBSCRIBED
        and not (topic in before.topics and before.topics[topic].status is Status.UNSUBSCRIBED)
    }
    if not late_suppressions and not late_topics:
        return

    def follow(contact: Contact) -> bool:
        changed = False
        for channel, suppression in late_suppressions.items():
            if channel not in contact.suppressions:
                contact.suppressions[channel] = suppression
                changed = True
        for topic, state in late_topics.items():
            mine = contact.topics.get(topic)
            if mine is None or mine.status is Status.SUBSCRIBED:
                contact.topics[topic] = state
                changed = True
        if changed:
            contact.record("email_changed", "address", "late_opt_outs_followed", prov)
            owed = tuple(
                d.name for d in deps.destinations if d.platform and d.name in deps.destinations_for("email", contact)
            )
            propagate_existing(contact, owed, prov, deps.clock.now())
        return changed

    change_contact(deps, new_email, follow, create=False)


def apply_marketing_consent(deps: Deps, envelope: Envelope, change: ConsentChange) -> bool:
    """A storefront platform's record of the person's email marketing consent (SPEC §1.2, §1.3). `subscribed` is an
    express opt-in to updates and promotions, or a confirmation email where the person had asked to be removed;
    `unsubscribed` is their opt-out, made where the platform asked them (an echo of listkeeper's own write-back
    changes nothing: they left already). A consent older than the person's last opt-out grants nothing."""
    prov = _prov(deps, envelope)
    now = deps.clock.now()

    def decide(contact: Contact) -> bool:
        if envelope.id in contact.applied_events:
            raise AlreadyApplied(envelope.id)
        _note_origin(deps, contact, envelope, change.customer_id)
        if change.state == "unsubscribed" and opted_in_after(contact, prov.at_iso):
            pass  # the person opted in here after that: Shopify's older state (or the echo of our own) is stale
        elif change.state == "unsubscribed" and left_every_marketing_list(contact, by=prov.at_iso):
            pass  # the echo of the write-back of their last list (its own time): nothing left to leave
        elif change.state == "unsubscribed":
            opt_out(contact, Channel.EMAIL.value, prov, envelope.created_at, deps.destinations_for("email", contact))
        elif not left_after(contact, UPDATES, prov.at_iso):
            outcome = request_opt_in(contact, [UPDATES, PROMOTIONS], prov, confirm_every_new=deps.double_opt_in)
            offer_confirmation(contact, outcome.needs_confirmation, prov, now)
        remember_event(contact, envelope.id, now)
        return True

    return change_and_deliver(deps, change.email, decide).written


HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(SIGNUP_TYPES, (parse_signup, apply_signup)),
    CONTEST_ENTERED: (parse_contest, apply_contest),
    AGE_REPORTED: (parse_age_report, apply_age_report),
    ERASURE_REQUESTED: (parse_erasure, apply_erasure),
    EMAIL_CHANGED: (parse_email_change, apply_email_change),
}

# What storefront platforms send beyond the envelope's types; never accepted from /webhooks/storefront.
PLATFORM_HANDLERS: dict[str, Handler] = HANDLERS | {MARKETING_CONSENT: (parse_consent, apply_marketing_consent)}
