"""Fuzzing the front every HTTP request passes (chalicelib/front.py): any raw path, query string, cookies, headers
and body a function URL can hand over. It never raises (a raise is a 502 for anyone on the internet), answers in
the function URL's format, refuses without the origin secret before the app runs, never hands the secret to the
app, and gives the app only a route of its own table with that route's parameters."""

from ipaddress import ip_address
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import app
from chalicelib.front import ORIGIN_HEADER, ORIGIN_SECRET_VARIABLE, FunctionUrlFront
from tests.fuzz.fuzzing import Tally, any_text, fuzz

CATEGORY = "fuzz: function URL front"
SECRET = "fuzz-origin-secret"
METHODS = ["GET", "POST", "GET", "POST", "HEAD", "DELETE", "PUT", "PATCH", "OPTIONS", "get", "BREW"]
# the app's own route shapes, filled with anything, beside paths of any text
ROUTE_PATHS = st.sampled_from(sorted(app.routes)).flatmap(
    lambda route: st.lists(any_text(20), min_size=route.count("{"), max_size=route.count("{")).map(
        lambda values: _filled(route, values)
    )
)
PATHS = st.one_of(ROUTE_PATHS, any_text(80), st.just("/"), st.just("//u//x/"))
HEADERS = st.dictionaries(st.text(min_size=1, max_size=30), any_text(60), max_size=6)


def _filled(route: str, values: list[str]) -> str:
    for value in values:
        start = route.index("{")
        route = route[:start] + value + route[route.index("}", start) + 1 :]
    return route


@pytest.mark.reliability
def test_any_request_gets_an_answer_and_the_app_only_its_own_routes(monkeypatch: Any) -> None:
    monkeypatch.setenv(ORIGIN_SECRET_VARIABLE, SECRET)
    monkeypatch.setenv("LISTKEEPER_PUBLIC_BASE_URL", "https://lists.shop.example")
    seen: list[dict[str, Any]] = []

    def recording_app(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "multiValueHeaders": {}, "body": "ok"}

    front = FunctionUrlFront(app.routes, recording_app)
    tally = Tally(CATEGORY, ())

    @fuzz(400)
    @given(
        path=PATHS,
        query=any_text(60),
        method=st.sampled_from(METHODS),
        headers=HEADERS,
        cookies=st.one_of(st.none(), st.lists(any_text(30), max_size=3)),
        body=st.one_of(st.none(), any_text(100)),
        base64=st.booleans(),
        with_secret=st.sampled_from([True, True, True, False]),
        viewer=st.one_of(st.none(), any_text(40), st.just("203.0.113.9:443"), st.just("2001:db8::1:80")),
    )
    @tally.counted
    def check(
        path: str,
        query: str,
        method: str,
        headers: dict[str, str],
        cookies: list[str] | None,
        body: str | None,
        base64: bool,
        with_secret: bool,
        viewer: str | None,
    ) -> None:
        sent = {k: v for k, v in headers.items() if k.lower() not in (ORIGIN_HEADER, "cloudfront-viewer-address")}
        if with_secret:
            sent[ORIGIN_HEADER] = SECRET
        if viewer is not None:
            sent["cloudfront-viewer-address"] = viewer
        event: dict[str, Any] = {
            "rawPath": path,
            "rawQueryString": query,
            "headers": sent,
            "requestContext": {"requestId": "r", "http": {"method": method, "sourceIp": "130.176.0.1"}},
            "body": body,
            "isBase64Encoded": base64,
        }
        if cookies is not None:
            event["cookies"] = cookies
        seen.clear()
        answer = front(event, None)
        assert isinstance(answer["statusCode"], int) and isinstance(answer["body"], str)
        assert all(isinstance(v, str) for v in answer["headers"].values())
        assert "multiValueHeaders" not in answer
        if not with_secret:
            assert answer["statusCode"] == 403 and not seen
            return
        if not seen:
            assert answer["statusCode"] in (404, 405)
            return
        (rest,) = seen
        route = rest["requestContext"]["resourcePath"]
        assert route in app.routes and rest["httpMethod"] in app.routes[route]
        assert ORIGIN_HEADER not in {k.lower() for k in rest["headers"]}
        assert set(rest["pathParameters"] or {}) == {p.strip("{}") for p in route.split("/") if p.startswith("{")}
        assert all(value and "/" not in value for value in (rest["pathParameters"] or {}).values())
        ip_address(rest["requestContext"]["identity"]["sourceIp"])  # an address, or CloudFront's own: never text
        reached.append(route)

    reached: list[str] = []
    with tally.recorded(at_least=400):
        check()
    assert len(set(reached)) >= len(app.routes) // 2, sorted(set(reached))  # the routes themselves were reached
