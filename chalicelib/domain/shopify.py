"""Shopify webhooks, translated into listkeeper's storefront envelope (SPEC §3.1): one delivery may be two events, the
customer's saved information and their email marketing consent, each claimed and applied once.

Shopify signs the raw body (`X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 under the app's client secret), and names
the topic (`X-Shopify-Topic`), the shop (`X-Shopify-Shop-Domain`) and the webhook (`X-Shopify-Webhook-Id`, the same
on every retry of one delivery)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..names import SHOPIFY
from .addresses import normalize_address
from .errors import InvalidInput
from .platform_payloads import full_name, header, json_object, whole_postal
from .storefront_events import ERASURE_REQUESTED, INFO_SAVED, ORDER_PLACED, Envelope, digest_of
from .timeutil import parse_rfc3339

PLATFORM = SHOPIFY
MARKETING_CONSENT = "marketing_consent"  # a platform's own consent record: never accepted in listkeeper's envelope
CONSENT_STATES = ("subscribed", "unsubscribed")  # not_subscribed, pending, invalid: nothing beyond saved info
_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$")


@dataclass(frozen=True)
class ShopifyDelivery:
    signature: str | None
    topic: str | None
    shop: str | None
    webhook_id: str | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, Any]) -> "ShopifyDelivery":
        """From the HTTPS request's headers, or an EventBridge event's `detail.metadata` (any case)."""
        found = {str(k).lower(): v for k, v in headers.items() if isinstance(v, str)}
        return cls(
            signature=found.get("x-shopify-hmac-sha256"),
            topic=found.get("x-shopify-topic"),
            shop=found.get("x-shopify-shop-domain"),
            webhook_id=found.get("x-shopify-webhook-id"),
        )


def shop_of(delivery: ShopifyDelivery) -> str | None:
    """The shop's myshopify domain, or None when the header holds none."""
    shop = (delivery.shop or "").strip().lower()
    return shop if _SHOP.match(shop) else None


def _id(resource: dict[str, Any], name: str = "id") -> int:
    value = resource.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(f"{name} must be a positive integer", code="invalid_field")
    return value


def _postal(address: Any) -> dict[str, str] | None:
    if not isinstance(address, dict):
        return None
    fields = {
        "line1": address.get("address1"),
        "line2": address.get("address2"),
        "city": address.get("city"),
        "region": address.get("province_code") or address.get("province"),
        "postal_code": address.get("zip"),
        "country": address.get("country_code") or address.get("country"),
    }
    return whole_postal(fields)


def _same(customer: dict[str, Any], email: Any) -> bool:
    held = customer.get("email")
    return isinstance(held, str) and isinstance(email, str) and held.strip().lower() == email.strip().lower()


def _name(resource: dict[str, Any]) -> str | None:
    return full_name(resource.get("first_name"), resource.get("last_name"))


def _time(resource: dict[str, Any], *names: str) -> str:
    for name in names:
        if resource.get(name):
            return str(parse_rfc3339(resource[name], name).isoformat())
    raise InvalidInput(f"{names[0]} is required", code="missing_field")


DATA_REQUEST, SHOP_REDACT = "customers/data_request", "shop/redact"


@dataclass(frozen=True)
class ComplianceRequest:
    """One of the mandatory compliance webhooks beyond `customers/redact`: a customer's data request, or the shop's
    redaction 48 hours after it uninstalled the app."""

    topic: str
    event_id: str
    digest: str
    request_id: str | None = None
    email: str | None = None
    customer_id: str | None = None


def compliance_request(raw_body: bytes, delivery: ShopifyDelivery, shop: str) -> ComplianceRequest | None:
    """The request a delivery carries, or None when its topic is not one of these."""
    topic = header(delivery.topic, "X-Shopify-Topic")
    if topic not in (DATA_REQUEST, SHOP_REDACT):
        return None
    event_id = f"shopify:{shop}:{header(delivery.webhook_id, 'X-Shopify-Webhook-Id')}"
    resource = json_object(raw_body)
    if str(resource.get("shop_domain", "")).lower() != shop:
        raise InvalidInput("shop_domain must be the shop that sent it", code="invalid_field")
    if topic == SHOP_REDACT:
        return ComplianceRequest(topic, event_id, digest_of(resource))
    customer, request = resource.get("customer"), resource.get("data_request")
    if not isinstance(customer, dict) or not isinstance(request, dict):
        raise InvalidInput("customer and data_request are required", code="missing_field")
    email = normalize_address(customer["email"]) if customer.get("email") else None
    return ComplianceRequest(
        topic, event_id, digest_of(resource), str(_id(request)), email, f"{PLATFORM}:{shop}:{_id(customer)}"
    )


def shopify_envelopes(raw_body: bytes, delivery: ShopifyDelivery, shop: str, now: datetime) -> list[Envelope]:
    """The events a delivery carries, in the order they are applied; [] for a topic listkeeper does not act on."""
    topic = header(delivery.topic, "X-Shopify-Topic")
    event_id = f"shopify:{shop}:{header(delivery.webhook_id, 'X-Shopify-Webhook-Id')}"
    if topic not in ("customers/create", "customers/update", "orders/create", "customers/redact"):
        return []
    resource = json_object(raw_body)
    digest = digest_of(resource)

    def envelope(kind: str, suffix: str, at: str, data: dict[str, Any]) -> Envelope:
        kept = {k: v for k, v in data.items() if v is not None}
        return Envelope(
            event_id + suffix, kind, parse_rfc3339(at, "created_at"), kept, digest, origin="shopify", shop=shop
        )

    if topic == "customers/redact":  # mandatory compliance webhook: the shop asks listkeeper to forget a customer
        customer = resource.get("customer")
        if not isinstance(customer, dict):
            raise InvalidInput("customer is required", code="missing_field")
        data = {"customer_id": f"shopify:{shop}:{_id(customer)}", "email": customer.get("email") or None}
        # compliance webhooks carry no time of their own: the erasure is as of its delivery
        return [envelope(ERASURE_REQUESTED, "", now.isoformat(), data)]
    if topic == "orders/create":
        customer = resource.get("customer") if isinstance(resource.get("customer"), dict) else None
        email = resource.get("email") or resource.get("contact_email")
        if not email:
            raise InvalidInput("email is required", code="missing_field")
        client = resource.get("client_details") if isinstance(resource.get("client_details"), dict) else {}
        at = _time(resource, "created_at")
        order = envelope(
            ORDER_PLACED,
            "",
            at,
            {
                "order_id": f"shopify:{shop}:{_id(resource)}",
                "email": email,
                # an order may carry another contact address than its customer's: that address is not the
                # customer's, so it is not filed under their id (nor moved, exported or erased with them)
                "customer_id": f"shopify:{shop}:{_id(customer)}" if customer and _same(customer, email) else None,
                "name": _name(customer or {}) or _name(resource.get("shipping_address") or {}),
                "postal_address": _postal(resource.get("shipping_address")) or _postal(resource.get("billing_address")),
                "ip": resource.get("browser_ip") or (client or {}).get("browser_ip"),
                "user_agent": (client or {}).get("user_agent"),
            },
        )
        if resource.get("buyer_accepts_marketing") is True:
            consent = {"email": email, "state": "subscribed"}  # the order's contact: not necessarily the customer
            return [order, envelope(MARKETING_CONSENT, "#consent", at, consent)]
        return [order]
    email = resource.get("email")
    if not email:
        return []  # a customer without an email address (a phone-only account): nothing for a mailing list
    customer_id = f"shopify:{shop}:{_id(resource)}"
    at = _time(resource, "updated_at", "created_at")
    saved = envelope(
        INFO_SAVED,
        "",
        at,
        {
            "customer_id": customer_id,
            "email": email,
            "name": _name(resource),
            "postal_address": _postal(resource.get("default_address")),
            "locale": resource.get("locale") if isinstance(resource.get("locale"), str) else None,
        },
    )
    found = resource.get("email_marketing_consent")
    marketing: dict[str, Any] = found if isinstance(found, dict) else {}
    state = marketing.get("state")
    if state not in CONSENT_STATES:
        return [saved]
    when = marketing.get("consent_updated_at") or at
    change = envelope(MARKETING_CONSENT, "#consent", when, {"email": email, "state": state, "customer_id": customer_id})
    # a person who left is removed before their saved information is read, so it neither joins nor welcomes them
    return [change, saved] if state == "unsubscribed" else [saved, change]


__all__ = [
    "DATA_REQUEST",
    "MARKETING_CONSENT",
    "PLATFORM",
    "SHOP_REDACT",
    "ComplianceRequest",
    "ShopifyDelivery",
    "compliance_request",
    "shop_of",
    "shopify_envelopes",
]
