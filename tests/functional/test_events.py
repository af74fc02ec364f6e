"""The `ses_events` and `sweep` Lambdas invoked as AWS invokes them, and GET /v1/removals over HTTP."""

import json
from pathlib import Path
from typing import Any

from chalice.test import Client

from chalicelib import wiring
from tests.functional.helpers import allowed, one_click, subscribe

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ses"


def ses_event(client: Client, name: str) -> Any:
    message = (FIXTURES / name).read_text()
    return client.lambda_.invoke("ses_events", client.events.generate_sns_event(message=message))


def removals(client: Client, state: str, key: str = "dev-api-key") -> Any:
    return client.http.get(f"/v1/removals?state={state}", headers={"Authorization": f"Bearer {key}"})


def test_a_permanent_bounce_suppresses_and_opens_a_removal(client: Client) -> None:
    subscribe(client, "gone@example.com")
    assert ses_event(client, "bounce_permanent.json").payload == "bounce"
    assert allowed(client, "updates", address="gone@example.com") == (False, "suppressed")
    contact = wiring.store().load("gone@example.com").contact
    assert contact is not None and contact.suppressions["email"].reason.value == "bounce"
    (record,) = contact.removals.values()
    assert (record.scope, record.reason, record.source) == ("email", "bounce", "ses:bounce")
    assert ses_event(client, "bounce_permanent.json").payload == "bounce"  # redelivered by SNS: no second removal
    assert len(wiring.store().load("gone@example.com").contact.removals) == 1  # type: ignore[union-attr]


def test_a_transient_bounce_changes_nothing(client: Client) -> None:
    subscribe(client, "full@example.com")
    assert ses_event(client, "bounce_transient.json").payload == "transient_bounce"
    assert allowed(client, "updates", address="full@example.com") == (True, "subscribed")


def test_a_complaint_suppresses_for_good(client: Client) -> None:
    subscribe(client, "angry@example.com", "evt_angry")
    assert ses_event(client, "complaint.json").payload == "complaint"
    assert allowed(client, "updates", address="angry@example.com") == (False, "suppressed")
    assert wiring.store().load("angry@example.com").contact.suppressions["email"].reason.value == "complaint"  # type: ignore[union-attr]


def test_a_send_event_fills_the_send_log(client: Client) -> None:
    message = {"eventType": "Send", "mail": {"messageId": "m-1", "tags": {"outbox_id": ["welcome-abc"]}}, "send": {}}
    result = client.lambda_.invoke("ses_events", client.events.generate_sns_event(message=json.dumps(message)))
    assert result.payload == "sent" and wiring.store().was_sent("welcome-abc")
    assert not wiring.store().was_sent("welcome-other")


def test_the_operator_sees_open_and_done_removals(client: Client, welcome_link: str) -> None:
    assert one_click(client, welcome_link).status_code == 200
    response = removals(client, "open")
    assert response.status_code == 200
    (record,) = response.json_body["removals"]
    assert record["recipient"] == "jane@example.com" and record["state"] == "open"
    assert record["destinations"] == {"partners": "pending"}
    assert removals(client, "at_risk").json_body == {"removals": []}
    assert client.lambda_.invoke("sweep", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )).payload["removals_done"] == 1  # fmt: skip
    assert removals(client, "open").json_body == {"removals": []}
    (done,) = removals(client, "done").json_body["removals"]
    assert done["id"] == record["id"] and done["destinations"] == {"partners": "done"}


def test_removals_need_a_key_and_a_known_state(client: Client) -> None:
    assert removals(client, "open", key="nope").status_code == 401
    response = client.http.get("/v1/removals?state=lost", headers={"Authorization": "Bearer dev-api-key"})
    assert response.status_code == 400 and response.json_body["error"]["code"] == "invalid_state"
    response = client.http.get("/v1/removals", headers={"Authorization": "Bearer dev-api-key"})
    assert response.status_code == 400
