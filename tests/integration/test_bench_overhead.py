"""The handler-overhead and memory benches compare like with like (bench/overhead.py, bench/memory.py): the
hand-written handler makes the same AWS requests as the app and leaves the same state behind, the null transport
answers every request the two make and lets nothing through to the network, and the memory run measures the app
alone in its own process."""

import email
from typing import Any

import pytest

from bench import memory
from bench.overhead import (
    SECRETS_PARAMETER,
    TABLE,
    LambdaContext,
    NullTransport,
    RawHandler,
    Requests,
    _app_clients,
    contact_pk,
    one_click_event,
    subscribed_item,
    webhook_event,
)
from chalicelib import wiring
from chalicelib.adapters.aws import client
from chalicelib.adapters.dynamo_store import contact_from_item
from chalicelib.domain.consent import Contact
from devstack.bootstrap import local_secrets
from tests.support.fakes import TOKEN_KEY

SEEDED_AT = "2026-11-01T10:00:00Z"


def _secrets_json() -> str:
    """The secrets document the emulated parameter store holds (the one the app reads)."""
    parameter = client("ssm").get_parameter(Name=SECRETS_PARAMETER, WithDecryption=True)
    return str(parameter["Parameter"]["Value"])


def _handlers(raw: RawHandler, null: NullTransport | None = None) -> dict[str, Requests]:
    counts = {"app": Requests(), "raw": Requests()}
    for side, clients in (("app", _app_clients()), ("raw", raw.clients)):
        for aws_client in clients:
            aws_client.meta.events.register("before-call", counts[side])
            if null is not None:
                aws_client.meta.events.register("before-send", null)
    return counts


def _event(operation: str, side: str) -> tuple[str, dict[str, Any]]:
    if operation == "one_click":
        address = f"click-{side}@example.com"
        deps = wiring.deps()
        return address, one_click_event(deps.secrets.get().tokens.issue(address, "*", deps.clock.now()))
    address = f"new-{side}@example.com"
    return address, webhook_event(f"evt-{side}", address)


def _state(contact: Contact) -> dict[str, Any]:
    """What a person's choices amount to, without the times and ids that differ between any two requests."""
    return {
        "version": contact.version,
        "topics": {topic: state.status.value for topic, state in contact.topics.items()},
        "suppressions": {channel: s.reason.value for channel, s in contact.suppressions.items()},
        "removals": sorted((r.scope, r.state, tuple(r.destinations)) for r in contact.removals.values()),
        "ledger": [(e.action, e.subject, e.detail) for e in contact.ledger],
        "outbox": len(contact.outbox),
        "profile_name": contact.profile.name,
    }


@pytest.mark.parametrize("operation", ["one_click", "webhook"])
def test_the_raw_handler_makes_the_apps_requests_and_leaves_the_apps_state(
    aws: dict[str, str], sent_mail: Any, operation: str
) -> None:
    from app import front as app  # the deployed handler, behind the function URL

    raw = RawHandler()
    counts = _handlers(raw)
    events = {}
    for side in ("app", "raw"):
        address = f"click-{side}@example.com"
        pk = contact_pk(address, _secrets_json())
        seeded = subscribed_item(pk, address, f"seed-{side}", f"cust-{side}", "Jane Doe", SEEDED_AT, 2)
        raw.dynamodb.put_item(TableName=TABLE, Item=seeded)
        events[side] = _event(operation, side)
    for count in counts.values():
        count.counts.clear()

    answers = {"app": app(events["app"][1], LambdaContext()), "raw": getattr(raw, operation)(events["raw"][1], None)}

    assert [answers[side]["statusCode"] for side in ("app", "raw")] == [200, 200]
    assert counts["app"].per_call(1) == counts["raw"].per_call(1)
    assert sum(counts["app"].per_call(1).values()) == (3 if operation == "one_click" else 5)
    states = {}
    for side, (address, _) in events.items():
        key = {"pk": {"S": contact_pk(address, _secrets_json())}, "sk": {"S": "C"}}
        item = client("dynamodb").get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]
        states[side] = _state(contact_from_item(item))  # the app can read what the raw handler wrote
    assert states["app"] == states["raw"]
    assert states["app"]["outbox"] == 1  # both sent their mail and left it claimed for the sweep to settle
    mails = {
        side: [email.message_from_string(m.raw_data) for m in sent_mail() if address in m.destinations]
        for side, (address, _) in events.items()
    }
    assert [len(mails["app"]), len(mails["raw"])] == [1, 1]
    assert mails["app"][0]["Subject"] == mails["raw"][0]["Subject"]
    assert bool(mails["app"][0]["List-Unsubscribe"]) == bool(mails["raw"][0]["List-Unsubscribe"])


@pytest.mark.usefixtures("aws_env")
def test_the_null_transport_answers_both_handlers_alike_and_lets_nothing_through() -> None:
    from app import front as app  # the deployed handler, behind the function URL

    wiring.reset()
    secrets_json = local_secrets(TOKEN_KEY)
    seeded = {}
    for side in ("app", "raw"):
        pk = contact_pk(f"click-{side}@example.com", secrets_json)
        seeded[pk] = subscribed_item(pk, f"click-{side}@example.com", "s", "c", "Jane", SEEDED_AT, 2)
    raw = RawHandler()
    counts = _handlers(raw, NullTransport(secrets_json, seeded))
    try:
        for operation, expected in (("one_click", "unsubscribed"), ("webhook", '"processed"')):
            for count in counts.values():
                count.counts.clear()
            app_answer = app(_event(operation, "app")[1], LambdaContext())
            raw_answer = getattr(raw, operation)(_event(operation, "raw")[1], None)
            assert expected in app_answer["body"] and expected in raw_answer["body"]
            assert counts["app"].per_call(1) == counts["raw"].per_call(1)
        # an operation the transport has no answer for fails at once: the bench never reaches the network
        with pytest.raises(AssertionError, match="network"):
            client("sqs").send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/123456789012/q", MessageBody="x")
    finally:
        wiring.reset()


def test_the_memory_run_measures_the_app_alone_in_its_own_process() -> None:
    result = memory.measure(requests=20)

    assert result["statuses"] == {"200": 20}
    assert set(result["modules_not_loaded"]) == {"boto3", "moto"}  # neither the SDK's resource layer nor moto
    assert [s["requests"] for s in result["samples"]] == [20]
    assert 0 < result["peak_rss_mb"] <= memory.LAMBDA_MB


def test_the_raw_handler_stores_a_contact_as_the_app_does() -> None:
    from bench import overhead
    from chalicelib.adapters.dynamo_store import PLAIN, readable

    assert overhead._PLAIN == PLAIN
    seeded = subscribed_item("C#p1:x", "a@example.com", "e1", "c1", "Ann", SEEDED_AT, 2)
    packed = overhead._packed(seeded)
    assert set(packed) <= PLAIN | {"z"} and "topics" not in packed
    assert contact_from_item(readable(packed)) == contact_from_item(seeded) == contact_from_item(packed)
