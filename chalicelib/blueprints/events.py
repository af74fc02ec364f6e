"""Lambda functions that are not HTTP: `sweep` (on a schedule) and `ses_events` (SNS). Names are contract."""

import logging
from typing import Any

from chalice.app import Blueprint, Rate, SNSEvent

from .. import wiring
from ..names import SES_EVENTS_TOPIC
from ..services.ses_events import handle_ses_notification
from ..services.sweep import SweepReport, run_sweep

bp = Blueprint(__name__)
log = logging.getLogger(__name__)


def publish_metrics(report: SweepReport) -> None:
    from aws_lambda_powertools import Metrics  # imported here: only the sweep pays for it
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = Metrics(service="listkeeper-sweep")
    for name, value in report.counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.add_metric(name="RemovalsDelivered", unit=MetricUnit.Count, value=sum(report.delivered.values()))
    metrics.flush_metrics()


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="sweep")
def sweep(event: Any) -> dict[str, Any]:
    report = run_sweep(wiring.deps())
    publish_metrics(report)
    log.info("sweep done: %s", report)
    return {"contacts": report.contacts, "removals_done": report.removals_done, "mail_sent": report.mail_sent}


@bp.on_sns_message(topic=SES_EVENTS_TOPIC, name="ses_events")
def ses_events(event: SNSEvent) -> str:
    # An exception here makes Lambda retry the delivery, so a throttled write is not lost.
    return handle_ses_notification(wiring.deps(), event.message)
