"""HTTP middleware, applied once to every route: body size limit, SPEC §3 error shape, one log line per request."""

import time
from collections.abc import Callable
from functools import cache

from aws_lambda_powertools import Logger
from chalice.app import Request, Response

from .http import body_too_large, conform_error_shape, error_response


@cache
def logger() -> Logger:
    # A service name distinct from the Chalice app name, or every line would be printed twice.
    return Logger(service="listkeeper-http")


def http_middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
    started = time.perf_counter()
    if body_too_large(request):
        response = error_response(413, "payload_too_large", "request bodies are limited to 256 KiB")
    else:
        response = conform_error_shape(get_response(request))
    logger().info(
        "request",
        extra={
            "method": request.method,
            "route": request.context.get("resourcePath"),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    return response
