"""WooCommerce webhooks, translated into listkeeper's storefront envelope (SPEC §3.1) so that one path validates,
deduplicates and applies every storefront event.

WooCommerce signs the raw body (`X-WC-Webhook-Signature`: base64 HMAC-SHA256 under the webhook's secret), names the
topic (`X-WC-Webhook-Topic`), the site (`X-WC-Webhook-Source`) and each delivery (`X-WC-Webhook-Delivery-ID`). The
payload is the REST API's customer or order resource. WooCommerce keeps no marketing consent of its own: a saved
customer is saved info, an order is an order (SPEC §1.1)."""

from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .errors import InvalidInput
from .platform_payloads import full_name, header, json_object, whole_postal
from .storefront_events import INFO_SAVED, ORDER_PLACED, Envelope, digest_of
from .timeutil import iso, parse_rfc3339

TOPICS = {
    "customer.created": INFO_SAVED,
    "customer.updated": INFO_SAVED,
    "order.created": ORDER_PLACED,
}


@dataclass(frozen=True)
class WooDelivery:
    """The headers of one delivery."""

    signature: str | None
    topic: str | None
    source: str | None  # the store's URL
    delivery_id: str | None
    content_type: str = "application/json"


def is_ping(raw_body: bytes, delivery: WooDelivery) -> bool:
    """The form post WooCommerce makes when a webhook is saved (`webhook_id=<n>`), before any topic is delivered."""
    if not delivery.content_type.startswith("application/x-www-form-urlencoded") or len(raw_body) > 100:
        return False
    try:
        form = parse_qs(raw_body.decode("ascii"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return False
    return list(form) == ["webhook_id"] and form["webhook_id"][0].isdigit()


def site_of(delivery: WooDelivery) -> str:
    host = urlsplit(header(delivery.source, "X-WC-Webhook-Source")).hostname
    if not host:
        raise InvalidInput("the X-WC-Webhook-Source header must be the store's URL", code="invalid_field")
    return host


def woocommerce_event_id(delivery: WooDelivery) -> str:
    return f"woocommerce:{site_of(delivery)}:{header(delivery.delivery_id, 'X-WC-Webhook-Delivery-ID')}"


def _postal(resource: dict[str, Any]) -> dict[str, str] | None:
    """The shipping address, else the billing one, when it is a whole postal address."""
    for kind in ("shipping", "billing"):
        found = resource.get(kind)
        if not isinstance(found, dict):
            continue
        address = {
            "line1": found.get("address_1"),
            "line2": found.get("address_2"),
            "city": found.get("city"),
            "region": found.get("state"),
            "postal_code": found.get("postcode"),
            "country": found.get("country"),
        }
        kept = whole_postal(address)
        if kept is not None:
            return kept
    return None


def _name(resource: dict[str, Any]) -> str | None:
    parts = [resource.get("first_name"), resource.get("last_name")]
    billing = resource.get("billing")
    if not any(isinstance(p, str) and p.strip() for p in parts) and isinstance(billing, dict):
        parts = [billing.get("first_name"), billing.get("last_name")]
    return full_name(*parts)


def _when(resource: dict[str, Any], *fields: str) -> str:
    """WooCommerce's GMT times come without a zone ("2017-03-22T16:28:02")."""
    for name in fields:
        value = resource.get(name)
        if isinstance(value, str) and value:
            stamp = value if value.endswith("Z") or "+" in value[10:] else value + "Z"
            return iso(parse_rfc3339(stamp, name).astimezone(UTC))
    raise InvalidInput(f"{fields[0]} is required", code="missing_field")


def woocommerce_envelope(raw_body: bytes, delivery: WooDelivery) -> Envelope | None:
    """The delivery as a storefront envelope, or None for a topic listkeeper does not act on."""
    event_id = woocommerce_event_id(delivery)
    kind = TOPICS.get(header(delivery.topic, "X-WC-Webhook-Topic"))
    if kind is None:
        return None
    resource = json_object(raw_body)
    site = site_of(delivery)
    if not isinstance(resource.get("id"), int) or resource["id"] <= 0:
        raise InvalidInput("id must be a positive integer", code="invalid_field")
    data: dict[str, Any] = {"name": _name(resource), "postal_address": _postal(resource)}
    if kind == ORDER_PLACED:
        found = resource.get("billing")
        billing: dict[str, Any] = found if isinstance(found, dict) else {}
        data |= {
            "order_id": f"woocommerce:{site}:{resource['id']}",
            "email": billing.get("email") or None,
            "ip": resource.get("customer_ip_address") or None,
            "user_agent": resource.get("customer_user_agent") or None,
        }
        if data["email"] is None:
            raise InvalidInput("billing.email is required", code="missing_field")
        customer = resource.get("customer_id")
        if isinstance(customer, int) and customer > 0:  # 0 is a guest checkout
            data["customer_id"] = f"woocommerce:{site}:{customer}"
        created = _when(resource, "date_created_gmt")
    else:
        if not resource.get("email"):
            raise InvalidInput("email is required", code="missing_field")
        data |= {"customer_id": f"woocommerce:{site}:{resource['id']}", "email": resource["email"]}
        created = _when(resource, "date_modified_gmt", "date_created_gmt")
    data = {k: v for k, v in data.items() if v is not None}
    return Envelope(
        id=event_id,
        type=kind,
        created_at=parse_rfc3339(created, "created_at"),
        data=data,
        digest=digest_of(resource),
        origin="woocommerce",
        shop=site,
    )


__all__ = ["WooDelivery", "is_ping", "woocommerce_envelope", "woocommerce_event_id"]
