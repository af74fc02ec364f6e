"""Lambda functions that are not HTTP: `sweep` (on a schedule) and `ses_events` (SNS). Names are contract."""

import json
import logging
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Rate, SNSEvent

from .. import wiring
from ..domain.errors import InvalidInput, InvalidSignature
from ..names import INBOUND_TOPIC, SES_EVENTS_TOPIC

if TYPE_CHECKING:
    from ..services.sweep import SweepReport

# Each function imports the services it runs inside its handler: every function (the API's too) loads this module to
# register it, and none should pay at cold start for another's code (the inbox reader, the sweep, the platforms').

bp = Blueprint(__name__)
log = logging.getLogger(__name__)


def publish_metrics(report: "SweepReport") -> None:
    from aws_lambda_powertools import Metrics  # imported here: only the sweep pays for it
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = Metrics(service="listkeeper-sweep")
    for name, value in report.counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.add_metric(name="RemovalsDelivered", unit=MetricUnit.Count, value=sum(report.delivered.values()))
    metrics.add_metric(name="SweepFailures", unit=MetricUnit.Count, value=report.failures)
    metrics.flush_metrics()


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="sweep")
def sweep(event: Any) -> dict[str, Any]:
    from ..services.sweep import run_sweep

    report = run_sweep(wiring.deps())
    publish_metrics(report)
    log.info("sweep done: %s", report)
    return {"contacts": report.contacts, "removals_done": report.removals_done, "mail_sent": report.mail_sent}


@bp.on_sns_message(topic=INBOUND_TOPIC, name="inbound_email")
def inbound_email(event: SNSEvent) -> str:
    """A message SES received. A throttled read or write raises, so Lambda retries; a message that is gone or
    cannot be parsed is reported and never retried forever."""
    from ..adapters.aws import client
    from ..adapters.ses_inbound import MissingMessage, received_from
    from ..services.inbound import handle_inbound

    try:
        notification = json.loads(event.message)
    except ValueError:
        log.error("inbound notification is not JSON; dropped")
        return "unreadable_notification"
    try:
        received = received_from(notification, client("s3"))
    except MissingMessage as exc:
        log.error("inbound message missing: %s", exc)
        return "missing"
    outcome = handle_inbound(wiring.deps(), received)
    return outcome.verdict.kind.value


@bp.on_sns_message(topic=SES_EVENTS_TOPIC, name="ses_events")
def ses_events(event: SNSEvent) -> str:
    from ..services.ses_events import handle_ses_notification

    # An exception here makes Lambda retry the delivery, so a throttled write is not lost.
    return handle_ses_notification(wiring.deps(), event.message)


@bp.lambda_function(name="shopify_events")
def shopify_events(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Shopify's webhooks through the app's EventBridge partner event source (a rule on that bus invokes this).
    A delivery that can never apply is reported and dropped; a failure to apply raises, so EventBridge retries it
    and, in the end, keeps it in the function's dead-letter queue."""
    from ..services.storefront import handle_shopify_event

    try:
        result = handle_shopify_event(wiring.deps(), event)
    except InvalidSignature:
        log.error("a Shopify event from a shop not configured here was dropped")
        return {"status": "refused", "code": "unknown_shop"}
    except InvalidInput as exc:
        log.error("a Shopify event could not be read (%s): dropped", exc.code)
        return {"status": "invalid", "code": exc.code}
    return {"status": result.status, "event_id": result.event_id}
