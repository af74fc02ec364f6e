"""`ses_events` (SPEC §4): SES configuration-set notifications, delivered through SNS.

Permanent bounce → `bounce` suppression; complaint → `complaint` suppression (each a removal record); transient
bounces change nothing; a Send event records that SES accepted an outbox message (exactly-once sending)."""

import json
import logging
from typing import Any

from ..domain.addresses import normalize_address
from ..domain.consent import Contact, Provenance, SuppressionReason
from ..domain.errors import InvalidAddress
from ..domain.removals import opt_out
from .contacts import change_contact
from .ports import Deps

log = logging.getLogger(__name__)


def _suppress(deps: Deps, raw_address: object, reason: SuppressionReason, feedback_id: str | None) -> bool:
    try:
        address = normalize_address(raw_address)
    except InvalidAddress:
        log.warning("SES event names an invalid address; ignored")
        return False
    now = deps.clock.now()
    prov = Provenance(
        at=now, source=f"ses:{reason.value}", channel="ses", policy_version=deps.policy_version, event_id=feedback_id
    )

    def decide(contact: Contact) -> bool:
        entries = len(contact.ledger)
        opt_out(contact, "email", prov, now, deps.destinations_for("email"), reason)
        return len(contact.ledger) != entries  # a new suppression, or a request hardened into a bounce/complaint

    return change_contact(deps, address, decide).written


def handle_ses_notification(deps: Deps, message: str) -> str:
    """Apply one SNS message body from the SES configuration set. Returns what it did (for logs and tests)."""
    try:
        event: dict[str, Any] = json.loads(message)
    except ValueError:
        log.warning("SES notification is not JSON; ignored")
        return "ignored"
    kind = event.get("eventType") or event.get("notificationType")
    mail = event.get("mail") or {}
    if kind == "Send":
        outbox_id = ((mail.get("tags") or {}).get("outbox_id") or [None])[0]
        if outbox_id:
            deps.store.record_sent(str(outbox_id), str(mail.get("messageId", "")))
            return "sent"
        return "ignored"
    if kind == "Bounce":
        bounce = event.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return "transient_bounce"
        for recipient in bounce.get("bouncedRecipients") or []:
            _suppress(deps, recipient.get("emailAddress"), SuppressionReason.BOUNCE, bounce.get("feedbackId"))
        return "bounce"
    if kind == "Complaint":
        complaint = event.get("complaint") or {}
        for recipient in complaint.get("complainedRecipients") or []:
            _suppress(deps, recipient.get("emailAddress"), SuppressionReason.COMPLAINT, complaint.get("feedbackId"))
        return "complaint"
    return "ignored"
