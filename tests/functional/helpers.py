"""Helpers for the functional tests: subscribing, reading mail, calling links and the API."""

import email
import json
import re
import time
from typing import Any

from chalice.test import Client

from tests.support.events import POSTAL, body_of, event, signature
from tests.support.table import scan_table

ADDRESS = "jane@example.com"
FORM = "application/x-www-form-urlencoded"


def subscribe(client: Client, address: str = ADDRESS, event_id: str = "evt_1") -> None:
    body = body_of(event(event_id, email=address, postal_address=POSTAL))
    headers = {
        "Content-Type": "application/json",
        "Listkeeper-Signature": signature("dev-webhook-secret", body, time.time()),
    }
    assert client.http.post("/webhooks/storefront", headers=headers, body=body).json_body["status"] == "processed"


def mails(sent_mail: Any, to: str = ADDRESS) -> list[email.message.Message]:
    parsed = [email.message_from_string(m.raw_data) for m in sent_mail()]
    return [m for m in parsed if m["To"] == to]


def link_path(message: email.message.Message) -> str:
    if message["List-Unsubscribe"]:
        url = message["List-Unsubscribe"].split(",")[0].strip(" <>")
    else:
        text = next(p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/plain")
        url = re.search(r"http://\S+/u/\S+", text).group(0)  # type: ignore[union-attr]
    return "/u/" + url.split("/u/", 1)[1]


def topic_link(client: Client, topic: str, address: str = ADDRESS) -> str:
    response = client.http.post(
        "/v1/unsubscribe-links",
        headers={"Content-Type": "application/json", "Authorization": "Bearer dev-api-key"},
        body=json.dumps({"recipient": address, "topic": topic}),
    )
    return "/u/" + response.json_body["preferences_url"].split("/u/", 1)[1]


def allowed(client: Client, topic: str, channel: str = "email", address: str = ADDRESS) -> tuple[bool, str]:
    response = client.http.post(
        "/v1/eligibility",
        headers={"Content-Type": "application/json", "Authorization": "Bearer dev-api-key"},
        body=json.dumps({"channel": channel, "topic": topic, "recipients": [address]}),
    )
    result = response.json_body["results"][0]
    return result["allowed"], result["reason"]


def table_snapshot() -> list[Any]:
    items = scan_table()
    return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def form_tag(page: str) -> str:
    return re.search(r'name="form_tag" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]


def one_click(client: Client, path: str, content_type: str = FORM, body: bytes = b"List-Unsubscribe=One-Click") -> Any:
    return client.http.post(path, headers={"Content-Type": content_type}, body=body)


def webhook(client: Client, payload: dict[str, Any]) -> Any:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "Listkeeper-Signature": signature("dev-webhook-secret", body, time.time()),
    }
    return client.http.post("/webhooks/storefront", headers=headers, body=body)


def api(client: Client, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": "Bearer dev-api-key", "Content-Type": "application/json"}
    call = getattr(client.http, method.lower())
    return call(path, headers=headers, body=json.dumps(body)) if body is not None else call(path, headers=headers)
