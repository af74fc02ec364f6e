import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.domain.tokens import ALL_EMAIL
from chalicelib.services.ports import Deps
from chalicelib.services.preferences import Visitor, one_click
from chalicelib.services.ses_events import handle_ses_notification
from chalicelib.services.storefront import handle_storefront_webhook
from devstack.ses_emulation import send_event
from tests.support.events import POSTAL, body_of, event, signature
from tests.support.fakes import FakeClock


@dataclasses.dataclass
class World:
    """Real adapters against in-process moto, with a clock the test moves."""

    deps: Deps
    clock: FakeClock
    sent: Callable[[], list[Any]]
    fed: int = 0
    payloads: dict[str, bytes] = dataclasses.field(default_factory=dict)

    def subscribe(self, address: str, event_id: str | None = None, postal: bool = True) -> str:
        """Deliver a signed customer.info_saved; a redelivery of an event id repeats its first payload exactly."""
        event_id = event_id or f"evt-{address}"
        if event_id not in self.payloads:
            payload = event(event_id, email=address, **({"postal_address": POSTAL} if postal else {}))
            payload["created_at"] = self.clock.now().isoformat().replace("+00:00", "Z")
            self.payloads[event_id] = body_of(payload)
        body = self.payloads[event_id]
        sig = signature("dev-webhook-secret", body, self.clock.now().timestamp())
        return handle_storefront_webhook(self.deps, body, sig).status

    def one_click(self, address: str, scope: str = ALL_EMAIL) -> None:
        token = self.deps.secrets.get().tokens.issue(address, scope, self.clock.now())
        one_click(self.deps, token, Visitor(ip="203.0.113.5"))

    def feed_send_events(self) -> int:
        """What SES + SNS do in AWS: a Send event to ses_events for every message SES accepted."""
        messages = self.sent()
        for raw in messages[self.fed :]:
            notification = send_event(raw.raw_data, raw.id)
            if notification is not None:
                handle_ses_notification(self.deps, json.dumps(notification))
            self.fed += 1
        return len(messages)

    def advance(self, **delta: float) -> None:
        self.clock.moment += timedelta(**delta)


@pytest.fixture
def world(aws: dict[str, str], sent_mail: Callable[[], list[Any]]) -> World:
    clock = FakeClock()
    return World(dataclasses.replace(wiring.deps(), clock=clock), clock, sent_mail)
