"""The local stack's stand-in for SES "Send" events (devstack/ses_emulation.py: SendEventPump): every message the
app's SES client got accepted reaches `ses_events` once, later and from the pump's thread, and fills the send log
that keeps the sweep from sending it again; a failed delivery of the event is retried, a rejected send feeds
nothing. The pump watches the client, so what it costs follows the mail sent, never the items stored."""

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client
from chalicelib.services.ses_events import handle_ses_notification
from devstack.ses_emulation import OUTBOX_HEADER, SendEventPump
from tests.integration.conftest import World


class Recorder:
    """Plays `ses_events`: keeps each Send event, hands it to the real handler, and can fail a delivery."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.events: list[dict[str, Any]] = []
        self.failures_to_inject = 0

    def __call__(self, envelope: dict[str, Any], _context: Any) -> None:
        if self.failures_to_inject:
            self.failures_to_inject -= 1
            raise RuntimeError("the ses_events delivery failed")
        message = envelope["Records"][0]["Sns"]["Message"]
        self.events.append(json.loads(message))
        handle_ses_notification(self.world.deps, message)

    def outbox_ids(self) -> list[str]:
        return [event["mail"]["tags"]["outbox_id"][0] for event in self.events]


def sent_outbox_ids(world: World) -> list[str]:
    import email

    return [str(email.message_from_string(raw.raw_data).get(OUTBOX_HEADER)) for raw in world.sent()]


def test_each_accepted_send_is_fed_once_after_the_send_and_fills_the_send_log(world: World) -> None:
    recorder = Recorder(world)
    pump = SendEventPump(client("ses"), recorder)
    assert world.subscribe("ann@example.com") == "processed"  # the welcome is sent inside the request
    assert recorder.events == []  # nothing is fed from inside the send itself
    assert pump.pump_once() == 1
    assert recorder.outbox_ids() == sent_outbox_ids(world)
    assert recorder.events[0]["mail"]["destination"] == ["ann@example.com"]
    assert recorder.events[0]["mail"]["messageId"] == world.sent()[0].id
    assert world.deps.store.was_sent(recorder.outbox_ids()[0])
    assert pump.pump_once() == 0  # fed once, never again


def test_a_failed_delivery_of_the_event_is_retried_at_the_next_tick_in_order(world: World) -> None:
    recorder = Recorder(world)
    pump = SendEventPump(client("ses"), recorder)
    world.subscribe("bea@example.com")
    world.subscribe("cal@example.com")
    recorder.failures_to_inject = 1
    with pytest.raises(RuntimeError):
        pump.pump_once()
    assert recorder.events == []
    assert pump.pump_once() == 2
    assert recorder.outbox_ids() == sent_outbox_ids(world)  # both, in sending order, each once
    assert all(world.deps.store.was_sent(outbox_id) for outbox_id in recorder.outbox_ids())


def test_a_send_ses_rejects_feeds_nothing(world: World) -> None:
    recorder = Recorder(world)
    pump = SendEventPump(client("ses"), recorder)
    raw = f"From: x@unverified.example\r\nTo: dan@example.com\r\n{OUTBOX_HEADER}: ob-1\r\nSubject: s\r\n\r\nbody\r\n"
    with pytest.raises(ClientError):
        client("ses").send_raw_email(Source="x@unverified.example", RawMessage={"Data": raw.encode()})
    assert pump.pump_once() == 0
    assert recorder.events == []
