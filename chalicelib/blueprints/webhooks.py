"""POST /webhooks/storefront."""

from typing import Any

from chalice.app import Blueprint

from .. import wiring
from ..services.storefront import handle_storefront_webhook
from .http import handled, raw_bytes

bp = Blueprint(__name__)


@bp.route("/webhooks/storefront", methods=["POST"], content_types=["application/json"])
@handled
def storefront_webhook() -> dict[str, Any]:
    request = bp.current_request
    result = handle_storefront_webhook(wiring.deps(), raw_bytes(request), request.headers.get("listkeeper-signature"))
    return {"status": result.status, "event_id": result.event_id}
