"""`ses_events` (SPEC §4): SES configuration-set notifications, delivered through SNS.

Permanent bounce → `bounce` suppression; complaint → `complaint` suppression (each a removal record); transient
bounces change nothing; a Send event records that SES accepted an outbox message (exactly-once sending)."""

import json
import logging
from typing import Any

from ..domain.addresses import normalize_address
from ..domain.consent import SuppressionReason
from ..domain.errors import InvalidAddress
from .ports import Deps
from .suppress import suppress_permanently

log = logging.getLogger(__name__)


def _hashes(secrets: Any, addresses: list[Any]) -> list[str]:
    """Keyed hashes of the recipients (what a feedback-loop report must name to count, SPEC §4)."""
    out = []
    for address in addresses:
        try:
            out.append(secrets.hash_address(normalize_address(str(address))))
        except InvalidAddress:
            continue
    return out


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
            secrets = deps.secrets.get()
            recipients = tuple(_hashes(secrets, mail.get("destination") or []))
            deps.store.record_sent(str(outbox_id), str(mail.get("messageId", "")), recipients)
            return "sent"
        return "ignored"
    if kind == "Bounce":
        bounce = event.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return "transient_bounce"
        for recipient in bounce.get("bouncedRecipients") or []:
            suppress_permanently(
                deps, recipient.get("emailAddress"), SuppressionReason.BOUNCE, "ses", bounce.get("feedbackId")
            )
        return "bounce"
    if kind == "Complaint":
        complaint = event.get("complaint") or {}
        for recipient in complaint.get("complainedRecipients") or []:
            suppress_permanently(
                deps, recipient.get("emailAddress"), SuppressionReason.COMPLAINT, "ses", complaint.get("feedbackId")
            )
        return "complaint"
    return "ignored"
