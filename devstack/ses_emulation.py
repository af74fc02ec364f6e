"""What AWS does around SES that moto does not: the configuration set's "Send" events, published through SNS to
`ses_events` for every message SES accepted. The local stack runs this as a pump; tests use the same builders."""

import email
import json
import threading
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

OUTBOX_HEADER = "X-Listkeeper-Outbox"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:listkeeper-ses-events"


def sns_envelope(message: dict[str, Any], topic_arn: str = TOPIC_ARN) -> dict[str, Any]:
    """An SNS -> Lambda event carrying one message, in the shape Lambda receives it."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": topic_arn,
                    "Subject": None,
                    "Message": json.dumps(message),
                    "Timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                    "SignatureVersion": "1",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def send_event(raw_message: str, provider_id: str) -> dict[str, Any] | None:
    """The SES "Send" event for one raw message we sent, or None if it carries no outbox id."""
    parsed = email.message_from_string(raw_message)
    outbox_id = parsed.get(OUTBOX_HEADER)
    if not outbox_id:
        return None
    return {
        "eventType": "Send",
        "mail": {
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "source": parsed.get("From", ""),
            "messageId": provider_id,
            "destination": [parsed.get("To", "")],
            "headersTruncated": False,
            "tags": {"outbox_id": [outbox_id]},
        },
        "send": {},
    }


class SendEventPump(threading.Thread):
    """Polls moto server's record of sent mail and feeds each new message's Send event to `handler`. A handler
    failure leaves the message to be fed again, as SNS retries a failed Lambda delivery."""

    def __init__(self, aws_endpoint: str, handler: Callable[[dict[str, Any], Any], Any], interval: float = 1.0):
        super().__init__(name="ses-send-events", daemon=True)
        self._endpoint = aws_endpoint
        self._handler = handler
        self._interval = interval
        self._seen = 0
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.pump_once()
            except Exception as exc:  # noqa: BLE001 - keep pumping; the next tick retries
                print(f"ses event pump: {exc}", flush=True)

    def pump_once(self) -> int:
        with urllib.request.urlopen(f"{self._endpoint}/moto-api/data.json", timeout=10) as response:
            sent = json.load(response).get("ses", {}).get("RawMessage", [])
        fed = 0
        for raw in sent[self._seen :]:
            event = send_event(raw["raw_data"], raw["id"])
            if event is not None:
                self._handler(sns_envelope(event), None)
            self._seen += 1
            fed += 1
        return fed

    def stop(self) -> None:
        self._stop.set()


class Ticker(threading.Thread):
    """Runs `action` every `interval` seconds, as EventBridge runs a scheduled Lambda."""

    def __init__(self, name: str, action: Callable[[], Any], interval: float) -> None:
        super().__init__(name=name, daemon=True)
        self._action = action
        self._interval = interval
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._action()
            except Exception as exc:  # noqa: BLE001 - a failed run is retried at the next tick
                print(f"{self.name}: {exc}", flush=True)

    def stop(self) -> None:
        self._stop.set()
