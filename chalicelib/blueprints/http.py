"""The one place where errors become HTTP responses, plus request helpers shared by the routes."""

import functools
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from chalice.app import Request, Response

from ..domain.errors import (
    EventIdReused,
    Forbidden,
    InvalidInput,
    InvalidSignature,
    InvalidToken,
    ListkeeperError,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
)
from ..services.contacts import Contended
from ..services.policy import AlreadyAnnounced

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
STATUS_BY_ERROR: list[tuple[type[ListkeeperError], int]] = [
    (InvalidSignature, 401),
    (Unauthorized, 401),
    (InvalidToken, 400),
    (InvalidInput, 400),
    (Forbidden, 403),
    (NotFound, 404),
    (EventIdReused, 409),
    (AlreadyAnnounced, 409),
    (PayloadTooLarge, 413),
    (Contended, 503),
]
# Chalice's own error codes, translated into SPEC §3's shape.
CHALICE_CODES = {
    "BadRequestError": "bad_request",
    "UnauthorizedError": "unauthorized",
    "ForbiddenError": "forbidden",
    "NotFoundError": "not_found",
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "TooManyRequestsError": "too_many_requests",
    "InternalServerError": "internal_error",
}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps({"error": {"code": code, "message": message}}),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def response_for(exc: Exception) -> Response:
    if isinstance(exc, ListkeeperError):
        for kind, status in STATUS_BY_ERROR:
            if isinstance(exc, kind):
                extra = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
                return error_response(status, exc.code, exc.message, extra)
    log.exception("unhandled error")
    return error_response(500, "internal_error", "an internal error occurred; nothing was half-applied")


def conform_error_shape(response: Response) -> Response:
    """Chalice answers some errors itself ({"Code", "Message"}); give them SPEC §3's shape."""
    if response.status_code < 400 or not isinstance(response.body, dict):
        return response
    body = response.body
    if "error" in body or "Code" not in body:
        return response
    code = CHALICE_CODES.get(str(body.get("Code")), "error")
    return error_response(response.status_code, code, str(body.get("Message", "")))


def body_too_large(request: Request) -> bool:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        return True
    raw = request.raw_body
    return raw is not None and len(raw) > MAX_BODY_BYTES


def cross_site(request: Request) -> bool:
    """A form post from another site's page (the browser says so in Origin or Sec-Fetch-Site)."""
    headers = request.headers
    if headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = headers.get("origin")
    return bool(origin) and origin != "null" and urlsplit(origin).netloc != headers.get("host", "")


def raw_bytes(request: Request) -> bytes:
    raw = request.raw_body
    return raw if isinstance(raw, bytes) else (raw or "").encode()


def json_body(request: Request) -> Any:
    try:
        return json.loads(raw_bytes(request))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the body is not valid JSON", code="malformed_json") from None


def require_api_key(request: Request, api_keys: tuple[str, ...]) -> None:
    header = request.headers.get("authorization") or ""
    scheme, _, presented = header.partition(" ")
    matched = False
    for key in api_keys:
        # constant time, and every key compared, so timing reveals neither which key nor how much matched
        matched |= hmac.compare_digest(presented.strip().encode(), key.encode())
    if scheme.lower() != "bearer" or not matched:
        raise Unauthorized("a valid API key is required: Authorization: Bearer <key>")


def handled(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a view, turning any exception into SPEC §3's JSON error (never a stack trace)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - this is the one place errors become responses
            return response_for(exc)

    return wrapper
