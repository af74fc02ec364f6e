"""Builders of storefront webhook deliveries, signed as the storefront signs them (SPEC §3.1)."""

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.signatures import sign


def event(
    event_id: str, event_type: str = "customer.info_saved", created_at: str | None = None, **data: Any
) -> dict[str, Any]:
    data.setdefault("email", "jane@example.com")
    if event_type == "customer.info_saved":
        data.setdefault("customer_id", "cust-1")
    if event_type == "order.placed":
        data.setdefault("order_id", "order-1")
    return {
        "id": event_id,
        "type": event_type,
        "created_at": created_at or datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def body_of(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def signature(secret: str, body: bytes, at: float) -> str:
    return sign(secret, int(at), body)


POSTAL = {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}
