"""The sender and operator API (SPEC §3.3), behind a bearer API key."""

from typing import Any
from urllib.parse import unquote

from chalice.app import Blueprint

from .. import wiring
from ..domain.addresses import normalize_address
from ..domain.errors import InvalidInput
from ..domain.topics import parse_topic
from ..services.contacts_view import erase_contact, show_contact
from ..services.eligibility import check_eligibility
from ..services.exports import postal_export
from ..services.imports import import_records
from ..services.links import unsubscribe_links
from ..services.policy import announce
from ..services.removals_view import list_removals
from ..services.review import list_review, resolve_review
from .http import handled, json_body, require_api_key

bp = Blueprint(__name__)


def _authorized_body() -> Any:
    request = bp.current_request
    require_api_key(request, wiring.deps().secrets.get().api_keys)
    return json_body(request)


@bp.route("/v1/eligibility", methods=["POST"], content_types=["application/json"])
@handled
def eligibility() -> dict[str, Any]:
    return {"results": check_eligibility(wiring.deps(), _authorized_body())}


@bp.route("/v1/removals", methods=["GET"])
@handled
def removals() -> dict[str, Any]:
    request = bp.current_request
    require_api_key(request, wiring.deps().secrets.get().api_keys)
    params: dict[str, str] = dict(request.query_params or {})
    state = params.get("state")
    return {"removals": list_removals(wiring.deps(), state)}


@bp.route("/v1/contacts/{email}", methods=["GET"])
@handled
def contact(email: str) -> dict[str, Any]:
    require_api_key(bp.current_request, wiring.deps().secrets.get().api_keys)
    return show_contact(wiring.deps(), unquote(email))


@bp.route("/v1/contacts/{email}", methods=["DELETE"])
@handled
def erase_contact_route(email: str) -> dict[str, Any]:
    require_api_key(bp.current_request, wiring.deps().secrets.get().api_keys)
    return erase_contact(wiring.deps(), unquote(email))


@bp.route("/v1/imports", methods=["POST"], content_types=["application/json"])
@handled
def imports() -> dict[str, Any]:
    return import_records(wiring.deps(), _authorized_body())


@bp.route("/v1/postal-exports", methods=["POST"], content_types=["application/json"])
@handled
def postal_exports() -> dict[str, Any]:
    written = postal_export(wiring.deps(), _authorized_body(), wiring.export_writer())
    return {**written, "download_url": wiring.export_download_url(str(written["key"]))}


@bp.route("/v1/policy-announcements", methods=["POST"], content_types=["application/json"])
@handled
def policy_announcement() -> dict[str, Any]:
    return announce(wiring.deps(), _authorized_body())


@bp.route("/v1/review", methods=["GET"])
@handled
def review_queue() -> dict[str, Any]:
    require_api_key(bp.current_request, wiring.deps().secrets.get().api_keys)
    return {"review": list_review(wiring.deps())}


@bp.route("/v1/review/{review_id}", methods=["POST"], content_types=["application/json"])
@handled
def resolve_review_item(review_id: str) -> dict[str, Any]:
    body = _authorized_body()
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", code="malformed_json")
    return resolve_review(wiring.deps(), review_id, body.get("action"), body.get("email"), body.get("actions"))


@bp.route("/v1/unsubscribe-links", methods=["POST"], content_types=["application/json"])
@handled
def create_unsubscribe_links() -> dict[str, Any]:
    body = _authorized_body()
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", code="malformed_json")
    if body.get("recipient") is None:
        raise InvalidInput("recipient is required", code="missing_field")
    if body.get("topic") is None:
        raise InvalidInput("topic is required", code="missing_field")
    address = normalize_address(body["recipient"])
    links = unsubscribe_links(wiring.deps(), address, parse_topic(body["topic"]))
    return {
        "list_unsubscribe": links.list_unsubscribe,
        "list_unsubscribe_post": links.list_unsubscribe_post,
        "preferences_url": links.preferences_url,
    }
