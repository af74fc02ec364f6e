"""What every storefront payload reader needs alike (listkeeper's envelope, Shopify's, WooCommerce's): a header
read strictly, a JSON object body, a postal address only when whole, and a name from its parts. Each refusal is an
InvalidInput whose code names the problem (400, nothing changes)."""

import json
from collections.abc import Mapping
from typing import Any

from .errors import InvalidInput

MAX_HEADER = 200
WHOLE_ADDRESS = ("line1", "city", "postal_code", "country")


def header(value: str | None, name: str) -> str:
    if not value or not value.strip():
        raise InvalidInput(f"the {name} header is required", code="missing_field")
    if len(value) > MAX_HEADER or not value.isascii() or not value.isprintable():
        raise InvalidInput(f"the {name} header is not valid", code="invalid_field")
    return value.strip()


def json_object(raw_body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the body is not valid JSON", code="malformed_json") from None
    if not isinstance(parsed, dict):
        raise InvalidInput("the body must be a JSON object", code="malformed_json")
    return parsed


def whole_postal(fields: Mapping[str, Any]) -> dict[str, str] | None:
    """The address's text fields, stripped, when it can be mailed to (street, city, postal code, country)."""
    kept = {k: v.strip() for k, v in fields.items() if isinstance(v, str) and v.strip()}
    return kept if all(k in kept for k in WHOLE_ADDRESS) else None


def full_name(*parts: Any) -> str | None:
    name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return name or None
