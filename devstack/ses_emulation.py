"""What AWS does around SES that moto does not: the configuration set's "Send" events, published through SNS to
`ses_events` for every message SES accepted. The local stack runs this as a pump; tests use the same builders."""

import email
import json
import threading
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

OUTBOX_HEADER = "X-Listkeeper-Outbox"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:listkeeper-ses-events"
_RAW_MESSAGE = "listkeeper_raw_message"  # where a send request keeps its message until SES answered


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
    """Feeds `handler` the Send event of every message the app's SES client got accepted, after the send and from its
    own thread, as SES and SNS do. A handler failure leaves the message to be fed again, as SNS retries a failed
    Lambda delivery.

    The sends are seen on the client itself (botocore events). Reading them from moto server's model dump
    (`/moto-api/data.json`) instead walks every object moto ever created, each DynamoDB item version included: with
    20,000 contacts that took seconds of moto's time every second, and `make run` slowed as its table grew."""

    def __init__(self, ses_client: Any, handler: Callable[[dict[str, Any], Any], Any], interval: float = 1.0):
        super().__init__(name="ses-send-events", daemon=True)
        self._handler = handler
        self._interval = interval
        self._accepted: deque[tuple[str, str]] = deque()  # (raw message, SES message id), oldest first
        self._lock = threading.Lock()
        self._stop = threading.Event()
        ses_client.meta.events.register("provide-client-params.ses.SendRawEmail", self._remember_message)
        ses_client.meta.events.register("after-call.ses.SendRawEmail", self._remember_acceptance)

    @staticmethod
    def _remember_message(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_RAW_MESSAGE] = params.get("RawMessage", {}).get("Data")

    def _remember_acceptance(
        self, http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        raw = context.get(_RAW_MESSAGE)
        if raw is None or http_response.status_code >= 300 or "MessageId" not in parsed:
            return
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
        with self._lock:
            self._accepted.append((text, str(parsed["MessageId"])))

    def run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.pump_once()
            except Exception as exc:  # noqa: BLE001 - keep pumping; the next tick retries
                print(f"ses event pump: {exc}", flush=True)

    def pump_once(self) -> int:
        fed = 0
        while True:
            with self._lock:
                if not self._accepted:
                    return fed
                raw, provider_id = self._accepted[0]
            event = send_event(raw, provider_id)
            if event is not None:
                self._handler(sns_envelope(event), None)  # raises: the message stays first in line
            with self._lock:
                self._accepted.popleft()
            fed += 1

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
