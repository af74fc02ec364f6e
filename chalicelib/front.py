"""The API function's entry point behind its Lambda function URL (CloudFront in front, infra/resources.py).

A function URL hands Lambda its own event (payload format 2.0: raw path, raw query string, cookies apart); Chalice
routes API Gateway's REST event (the matched route in `requestContext.resourcePath`, path parameters, multi-value
query strings). `FunctionUrlFront` turns one into the other, finds the route as API Gateway did (a literal segment
before a `{parameter}`), and turns Chalice's answer into what a function URL sends back (cookies apart again, no
multi-value headers).

Only CloudFront may call it: CloudFront adds a secret header to every origin request (`ORIGIN_HEADER`), and a
request without it is refused before the app sees it, so nobody reaches the function around the firewall. Without
the secret configured, only the local stage answers.
"""

import hmac
import json
import os
from collections.abc import Callable, Mapping
from ipaddress import ip_address
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .blueprints.middleware import logger

ORIGIN_HEADER = "x-listkeeper-origin"
ORIGIN_SECRET_VARIABLE = "LISTKEEPER_ORIGIN_SECRET"  # noqa: S105 - the variable's name, not its value
PUBLIC_BASE_URL_VARIABLE = "LISTKEEPER_PUBLIC_BASE_URL"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class FunctionUrlFront:
    def __init__(self, routes: Mapping[str, Mapping[str, Any]], app: Handler) -> None:
        self._app = app
        # by segment count, literal segments first (API Gateway's precedence: /a/b is chosen over /a/{x})
        self._routes: dict[int, list[tuple[str, list[str]]]] = {}
        for path in sorted(routes, key=lambda p: [s.startswith("{") for s in _segments(p)]):
            self._routes.setdefault(len(_segments(path)), []).append((path, _segments(path)))
        self._methods = {path: sorted(methods) for path, methods in routes.items()}

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        method = event["requestContext"]["http"]["method"].upper()
        if not _from_the_front(headers.get(ORIGIN_HEADER, "")):
            return _refused(method, 403, "forbidden", "requests come through the links' domain")
        matched = self.route(event.get("rawPath") or "/")
        if matched is None:
            return _refused(method, 404, "not_found", "no such route")
        path, parameters = matched
        if method not in self._methods[path]:
            allowed = ", ".join(self._methods[path])
            return _refused(method, 405, "method_not_allowed", f"{method} is not allowed here", Allow=allowed)
        public_host = urlsplit(os.environ.get(PUBLIC_BASE_URL_VARIABLE, "")).netloc
        return url_response(self._app(self.rest_event(event, headers, path, parameters, public_host), context))

    def route(self, raw_path: str) -> tuple[str, dict[str, str]] | None:
        """The route a raw path names and its parameters, as received (still percent-encoded, as API Gateway
        passed them: the routes that take an address decode it themselves)."""
        segments = _segments(raw_path)
        for path, pattern in self._routes.get(len(segments), []):
            parameters: dict[str, str] = {}
            for want, got in zip(pattern, segments, strict=True):
                if want.startswith("{"):
                    if not got:
                        break
                    parameters[want.strip("{}")] = got
                elif want != got:
                    break
            else:
                return path, parameters
        return None

    @staticmethod
    def rest_event(
        event: dict[str, Any], headers: dict[str, str], path: str, parameters: dict[str, str], public_host: str
    ) -> dict[str, Any]:
        http = event["requestContext"]["http"]
        headers.pop(ORIGIN_HEADER, None)
        if event.get("cookies"):
            headers["cookie"] = "; ".join(event["cookies"])
        # Behind CloudFront the Host is the function URL's own; the viewer's was the links' domain, the one origin
        # checks compare to. A request that reached the function under another name (the local stack's
        # `localhost:8000`) keeps the name the browser used.
        if ".lambda-url." in headers.get("host", ""):
            headers["host"] = public_host
        query = parse_qs(event.get("rawQueryString") or "", keep_blank_values=True)
        return {
            "resource": path,
            "path": event.get("rawPath") or "/",
            "httpMethod": http["method"].upper(),
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": parameters or None,
            "stageVariables": None,
            "body": event.get("body"),
            "isBase64Encoded": bool(event.get("isBase64Encoded")),
            "requestContext": {
                "resourcePath": path,
                "httpMethod": http["method"].upper(),
                "path": event.get("rawPath") or "/",
                "requestId": event["requestContext"].get("requestId"),
                "domainName": public_host,
                "identity": {
                    "sourceIp": viewer_address(headers, http.get("sourceIp")),
                    "userAgent": http.get("userAgent"),
                },
            },
        }


def _from_the_front(sent: str) -> bool:
    secret = os.environ.get(ORIGIN_SECRET_VARIABLE, "")
    if not secret:
        # only the local stage may run without one; a deployed stage missing it refuses everything, never nothing
        return os.environ.get("LISTKEEPER_STAGE") == "local"
    return hmac.compare_digest(sent.encode(), secret.encode())


def viewer_address(headers: Mapping[str, str], fallback: str | None) -> str | None:
    """The client's address: CloudFront's `CloudFront-Viewer-Address` (`ip:port`, IPv6 unbracketed); the function
    URL's own source address is CloudFront's edge. Kept as consent proof, so anything but an address is not taken."""
    host, _, port = headers.get("cloudfront-viewer-address", "").rpartition(":")
    try:
        return str(ip_address(host)) if port.isdigit() else fallback
    except ValueError:
        return fallback


def url_response(response: dict[str, Any]) -> dict[str, Any]:
    """Chalice's answer in a function URL's response format: one value a header, Set-Cookie as `cookies`."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in (response.get("headers") or {}).items():
        if name.lower() == "set-cookie":
            cookies.append(value)
        else:
            headers[name] = value
    for name, values in (response.get("multiValueHeaders") or {}).items():
        if name.lower() == "set-cookie":
            cookies.extend(values)
        else:
            headers[name] = ", ".join(values)
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = "application/json"  # what API Gateway said of Chalice's JSON answers
    answer: dict[str, Any] = {
        "statusCode": response["statusCode"],
        "headers": headers,
        "body": response.get("body") or "",
        "isBase64Encoded": bool(response.get("isBase64Encoded")),
    }
    if cookies:
        answer["cookies"] = cookies
    return answer


def _segments(path: str) -> list[str]:
    # one leading slash and at most one trailing one: "//u/x" or "/u//x" keep their empty segment and match nothing
    inner = path.removeprefix("/").removesuffix("/")
    return inner.split("/") if inner else []


def _refused(method: str, status: int, code: str, message: str, **headers: str) -> dict[str, Any]:
    # the same line the app logs for the requests it answers (never the path: it may hold a link token)
    logger().info("request", extra={"method": method, "route": None, "status": status, "duration_ms": 0.0})
    return _error(status, code, message, **headers)


def _error(status: int, code: str, message: str, **headers: str) -> dict[str, Any]:
    body = json.dumps({"error": {"code": code, "message": message}})
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **headers},
        "body": body,
        "isBase64Encoded": False,
    }
