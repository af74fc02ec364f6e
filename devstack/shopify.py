"""A Shopify shop's Admin GraphQL endpoint, as far as listkeeper's write-back uses it: it checks the access token,
takes each `customerEmailMarketingConsentUpdate` of a request, answers as Shopify does (payload per alias, user
errors, the cost extension), and records what it received for `GET /dev/shopify(.json)`.

The shop's customers are the ones the webhooks sent to listkeeper on this stack described (the stack shows this
emulation every Shopify webhook it accepts), so a record names the customer's email as the shop knows it. A
development aid outside the system, like the outbox viewer: erasure does not reach it."""

import html
import json
import re
import threading
from datetime import UTC, datetime
from typing import Any

_PATH = re.compile(
    r"/(?P<shop>[a-z0-9][a-z0-9-]*\.myshopify\.com)/admin/api/(?P<version>[0-9]{4}-[0-9]{2})/graphql\.json$"
)
_GID = re.compile(r"^gid://shopify/Customer/(?P<id>[1-9][0-9]*)$")
COST_PER_WRITE = 10
BUCKET = 2000


def _json(status: int, document: Any) -> tuple[int, bytes]:
    return status, json.dumps(document).encode()


class ShopifyAdminEmulation:
    def __init__(self, tokens: dict[str, str]) -> None:
        self._tokens = dict(tokens)
        self._lock = threading.Lock()
        self._records: list[dict[str, Any]] = []
        self._emails: dict[tuple[str, int], str] = {}

    def learn(self, shop: str | None, topic: str | None, body: bytes) -> None:
        """A webhook the shop sent: remember the customer's email by id, as the shop has it."""
        try:
            resource = json.loads(body)
        except ValueError:
            return
        if not shop or not isinstance(resource, dict):
            return
        customer = resource if (topic or "").startswith("customers/") else resource.get("customer")
        if isinstance(customer, dict) and isinstance(customer.get("id"), int):
            email = customer.get("email") or resource.get("email")
            if isinstance(email, str) and email:
                with self._lock:
                    self._emails[(shop.lower(), customer["id"])] = email

    def records(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._records]

    def post(self, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """The write-back's transport, for tests that run without the HTTP server."""
        match = _PATH.search(url.split("?", 1)[0])
        if match is None:
            return _json(404, {"errors": "Not Found"})
        token = next((v for k, v in headers.items() if k.lower() == "x-shopify-access-token"), None)
        return self.handle(match["shop"], token, body)

    def handle_path(self, path: str, token: str | None, body: bytes) -> tuple[int, bytes] | None:
        """The HTTP server's route: None when the path is not an Admin API endpoint."""
        match = _PATH.search(path)
        return None if match is None else self.handle(match["shop"], token, body)

    def handle(self, shop: str, token: str | None, body: bytes) -> tuple[int, bytes]:
        if token is None or self._tokens.get(shop) != token:
            return _json(
                401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
            )
        try:
            request = json.loads(body)
            variables = request["variables"]
            query = request["query"]
        except (ValueError, KeyError, TypeError):
            return _json(400, {"errors": {"query": "Required parameter missing or invalid"}})
        if "customerEmailMarketingConsentUpdate" not in str(query) or not isinstance(variables, dict):
            return _json(200, {"errors": [{"message": "only the consent update is emulated here"}]})
        data: dict[str, Any] = {}
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        with self._lock:
            for alias, given in variables.items():
                data[alias] = self._update(shop, given, now)
        cost = COST_PER_WRITE * len(data)
        extensions = {
            "cost": {
                "requestedQueryCost": cost,
                "actualQueryCost": cost,
                "throttleStatus": {"maximumAvailable": BUCKET, "currentlyAvailable": BUCKET - cost, "restoreRate": 100},
            }
        }
        return _json(200, {"data": data, "extensions": extensions})

    def _update(self, shop: str, given: Any, now: str) -> dict[str, Any]:
        consent = given.get("emailMarketingConsent") if isinstance(given, dict) else None
        match = _GID.match(str(given.get("customerId", ""))) if isinstance(given, dict) else None
        if match is None:
            return {"customer": None, "userErrors": [_error("customerId", "Customer does not exist", "INVALID")]}
        state = consent.get("marketingState") if isinstance(consent, dict) else None
        if state not in ("SUBSCRIBED", "UNSUBSCRIBED", "PENDING"):
            return {
                "customer": None,
                "userErrors": [_error("marketingState", "Marketing state is invalid", "INCLUSION")],
            }
        assert isinstance(consent, dict)
        customer_id = int(match["id"])
        at = consent.get("consentUpdatedAt") or now
        self._records.append(
            {
                "customer_id": customer_id,
                "email": self._emails.get((shop, customer_id)),
                "marketing_state": state,
                "consent_updated_at": at,
                "received_at": now,
            }
        )
        return {
            "customer": {
                "id": given["customerId"],
                "emailMarketingConsent": {"marketingState": state, "consentUpdatedAt": at},
            },
            "userErrors": [],
        }


def _error(field: str, message: str, code: str) -> dict[str, Any]:
    return {"field": ["input", field], "message": message, "code": code}


def shopify_page(records: list[dict[str, Any]]) -> str:
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(r.get(k) if r.get(k) is not None else ''))}</td>"
            for k in ("received_at", "customer_id", "email", "marketing_state", "consent_updated_at")
        )
        + "</tr>"
        for r in reversed(records)
    )
    empty = "" if records else "<p>Nothing written back yet: removals reach here within one sweep.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Emulated Shopify Admin API</title>'
        "<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}</style></head><body>"
        "<h1>Emulated Shopify Admin API</h1><p>Email marketing consent written back by listkeeper, newest first "
        '(<a href="/dev/shopify.json">JSON</a>, oldest first).</p>'
        f"{empty}<table><thead><tr><th>Received</th><th>Customer id</th><th>Email</th><th>Marketing state</th>"
        f"<th>Consent updated at</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    )
