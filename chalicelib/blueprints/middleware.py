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


def count_server_error() -> None:
    """A route that failed still answers (a 500 in SPEC §3's shape), so Lambda's own Errors metric never sees it:
    count it ourselves, for the alarm. Imported here: only a failing request pays for the metrics module."""
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = Metrics(service="listkeeper-http")
    metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()


def http_middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
    started = time.perf_counter()
    if body_too_large(request):
        response = error_response(413, "payload_too_large", "request bodies are limited to 256 KiB")
    else:
        response = conform_error_shape(get_response(request))
    if response.status_code >= 500:
        count_server_error()
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
