"""A one-click the table cannot take at that moment is kept in the intake queue and applied by the sweep, with the
time of the click: mail clients send it once and never retry, so an outage must not lose the removal."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

from chalicelib import wiring
from chalicelib.adapters import sqs_intake
from chalicelib.adapters.aws import client as aws_client
from chalicelib.domain.timeutil import parse_iso
from chalicelib.services.sweep import run_sweep
from tests.functional.helpers import ADDRESS, allowed, api, one_click, table_snapshot
from tests.support.faults import DYNAMO_500, DYNAMO_THROTTLE, EVENTS_500, FaultPlan, injected, no_retry_sleep
from tests.support.reliability import Outcome, assert_clean

SQS_500 = (500, b'{"__type":"com.amazonaws.sqs#InternalError","message":"internal"}')


@contextmanager
def outage(*services: str) -> Iterator[FaultPlan]:
    """Every request to the named services fails: DynamoDB throttles or errors, SQS errors."""
    errors = {"dynamodb": [DYNAMO_THROTTLE, DYNAMO_500], "sqs": [SQS_500], "events": [EVENTS_500]}
    plan = FaultPlan({s: (1.0, errors[s]) for s in services})
    with no_retry_sleep(), injected(plan, {s: aws_client(s) for s in services}):
        yield plan


def queued() -> int:
    sqs = aws_client("sqs")
    url = sqs.get_queue_url(QueueName="listkeeper-local-intake")["QueueUrl"]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def test_a_one_click_during_a_table_outage_is_received_and_applied_by_the_sweep(
    client: Client, welcome_link: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqs_intake, "VISIBILITY_SECONDS", 0)  # a failed try comes back at once, not in 5 minutes
    clicked = datetime.now(UTC)
    with outage("dynamodb") as plan:
        answer = one_click(client, welcome_link)
    assert answer.status_code == 200
    assert "Your request is received" in answer.body.decode()
    assert queued() == 1 and allowed(client, "updates") == (True, "subscribed")  # kept, not yet applied

    with outage("dynamodb"), pytest.raises(ClientError):  # still down at the next sweep: the click stays queued
        run_sweep(wiring.deps())
    assert queued() == 1

    swept = datetime.now(UTC)
    run_sweep(wiring.deps())
    assert queued() == 0
    assert allowed(client, "updates") == (False, "suppressed")
    (record,) = api(client, "GET", f"/v1/contacts/{ADDRESS}").json_body["removals"]
    # the 48-hour clock runs from the click, not from when the sweep got to it
    assert clicked <= parse_iso(record["received_at"]) < swept
    assert record["source"] == "link:one_click"
    assert_clean(
        Outcome(
            "fault: one-click during a table outage",
            tried=1,
            faults=sum(plan.injected.values()),
            lost_removals=int(allowed(client, "updates")[0]),
        )
    )


def test_when_the_intake_fails_too_the_answer_is_an_error_not_a_false_success(
    client: Client, welcome_link: str
) -> None:
    with outage("dynamodb", "sqs"):
        answer = one_click(client, welcome_link)
    assert answer.status_code == 500
    assert "Please try again" in answer.body.decode() and "received" not in answer.body.decode()
    assert queued() == 0


def test_a_bad_link_is_never_queued_even_during_an_outage(client: Client, welcome_link: str) -> None:
    before = table_snapshot()
    with outage("dynamodb"):
        answer = one_click(client, welcome_link[:-4] + "AAAA")
    assert answer.status_code == 400
    assert queued() == 0 and table_snapshot() == before
