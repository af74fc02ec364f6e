"""POST /webhooks/storefront (listkeeper's signed envelope), /webhooks/woocommerce (a WooCommerce store's) and
/webhooks/shopify (a Shopify shop's)."""

from typing import Any

from chalice.app import Blueprint

from .. import wiring
from ..domain.shopify import ShopifyDelivery
from ..domain.woocommerce import WooDelivery
from ..services.storefront import handle_shopify_webhook, handle_storefront_webhook, handle_woocommerce_webhook
from .http import handled, raw_bytes

bp = Blueprint(__name__)


@bp.route("/webhooks/storefront", methods=["POST"], content_types=["application/json"])
@handled
def storefront_webhook() -> dict[str, Any]:
    request = bp.current_request
    result = handle_storefront_webhook(wiring.deps(), raw_bytes(request), request.headers.get("listkeeper-signature"))
    return {"status": result.status, "event_id": result.event_id}


# JSON deliveries, and the form-encoded ping WooCommerce sends when a webhook is saved
@bp.route(
    "/webhooks/woocommerce",
    methods=["POST"],
    content_types=["application/json", "application/x-www-form-urlencoded"],
)
@handled
def woocommerce_webhook() -> dict[str, Any]:
    request = bp.current_request
    headers = request.headers
    delivery = WooDelivery(
        signature=headers.get("x-wc-webhook-signature"),
        topic=headers.get("x-wc-webhook-topic"),
        source=headers.get("x-wc-webhook-source"),
        delivery_id=headers.get("x-wc-webhook-delivery-id"),
        content_type=headers.get("content-type", ""),
    )
    result = handle_woocommerce_webhook(wiring.deps(), raw_bytes(request), delivery)
    return {"status": result.status, "event_id": result.event_id}


@bp.route("/webhooks/shopify", methods=["POST"], content_types=["application/json"])
@handled
def shopify_webhook() -> dict[str, Any]:
    request = bp.current_request
    delivery = ShopifyDelivery.from_headers(request.headers)
    result = handle_shopify_webhook(wiring.deps(), raw_bytes(request), delivery)
    return {"status": result.status, "event_id": result.event_id}
