"""The function URL front's own rules: which route a raw path is, and what reaches Chalice and goes back."""

import logging
from typing import Any

import pytest

from chalicelib.front import FunctionUrlFront, url_response, viewer_address

ROUTES = {
    "/console/review": {"GET": None},
    "/console/{page}": {"GET": None},
    "/v1/contacts/{email}": {"GET": None, "DELETE": None},
    "/health": {"GET": None},
}


def url_event(method: str, path: str, query: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "x.lambda-url.us-east-1.on.aws"},
        "requestContext": {"requestId": "r", "http": {"method": method, "sourceIp": "130.176.0.1"}},
        **extra,
    }


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    monkeypatch.delenv("LISTKEEPER_ORIGIN_SECRET", raising=False)
    monkeypatch.setenv("LISTKEEPER_STAGE", "local")
    monkeypatch.setenv("LISTKEEPER_PUBLIC_BASE_URL", "https://lists.shop.example")
    return []


def front_for(seen: list[dict[str, Any]]) -> FunctionUrlFront:
    def app(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "multiValueHeaders": {}, "body": "ok"}

    return FunctionUrlFront(ROUTES, app)


@pytest.mark.parametrize(
    ("path", "route", "parameters"),
    [
        ("/console/review", "/console/review", {}),  # a literal segment wins over a parameter, as in API Gateway
        ("/console/deadlines", "/console/{page}", {"page": "deadlines"}),
        ("/v1/contacts/jane%40example.com", "/v1/contacts/{email}", {"email": "jane%40example.com"}),
        ("/v1/contacts/a%2Fb", "/v1/contacts/{email}", {"email": "a%2Fb"}),  # an encoded slash stays in its segment
        ("/health/", "/health", {}),
    ],
)
def test_a_raw_path_finds_its_route_with_its_parameters_as_sent(
    seen: list[dict[str, Any]], path: str, route: str, parameters: dict[str, str]
) -> None:
    assert front_for(seen).route(path) == (route, parameters)


@pytest.mark.parametrize(
    "path", ["/", "/tok3n", "/console/review/tok3n/", "/v1/contacts/", "/v1/contacts//tok3n", "//health", "/health//"]
)
def test_a_path_no_route_names_is_a_404_logged_without_the_path(
    seen: list[dict[str, Any]], path: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    answer = front_for(seen)(url_event("GET", path), None)
    assert answer["statusCode"] == 404 and not seen
    (line,) = [r.__dict__ for r in caplog.records if r.getMessage() == "request"]
    assert line["status"] == 404 and line["method"] == "GET" and "tok3n" not in repr(line)


@pytest.mark.parametrize("stage", ["prod", "", None])
def test_a_deployed_stage_without_its_origin_secret_refuses_everything(
    seen: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, stage: str | None
) -> None:
    if stage is None:
        monkeypatch.delenv("LISTKEEPER_STAGE")
    else:
        monkeypatch.setenv("LISTKEEPER_STAGE", stage)
    event = url_event("GET", "/health")
    event["headers"]["x-listkeeper-origin"] = ""
    assert front_for(seen)(event, None)["statusCode"] == 403 and not seen


def test_chalice_gets_every_query_value_the_cookies_and_the_links_host(seen: list[dict[str, Any]]) -> None:
    event = url_event("GET", "/health", "state=open&state=done&empty=", cookies=["a=1", "b=2"])
    event["headers"]["cloudfront-viewer-address"] = "2001:db8::7:443"
    front_for(seen)(event, None)
    (rest,) = seen
    assert rest["multiValueQueryStringParameters"] == {"state": ["open", "done"], "empty": [""]}
    assert rest["headers"]["cookie"] == "a=1; b=2" and rest["headers"]["host"] == "lists.shop.example"
    assert rest["requestContext"]["resourcePath"] == "/health" and rest["pathParameters"] is None
    assert rest["requestContext"]["identity"]["sourceIp"] == "2001:db8::7"


def test_the_origin_secret_header_never_reaches_the_app(seen: list[dict[str, Any]], monkeypatch: Any) -> None:
    monkeypatch.setenv("LISTKEEPER_ORIGIN_SECRET", "s3cret")
    event = url_event("GET", "/health")
    event["headers"]["x-listkeeper-origin"] = "s3cret"
    assert front_for(seen)(event, None)["statusCode"] == 200
    assert "x-listkeeper-origin" not in seen[0]["headers"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("198.51.100.4:1234", "198.51.100.4"),
        ("2001:db8::1:80", "2001:db8::1"),
        ("", "edge"),
        ("garbage", "edge"),
        ("not-an-ip:80", "edge"),
        ("6.6.6.6:1,1.2.3.4:5678", "edge"),  # a header sent twice, joined
    ],
)
def test_the_viewer_address_is_cloudfronts_view_of_the_client(header: str, expected: str) -> None:
    assert viewer_address({"cloudfront-viewer-address": header}, "edge") == expected


def test_set_cookie_leaves_as_cookies_and_other_repeated_headers_are_joined() -> None:
    answer = url_response(
        {
            "statusCode": 303,
            "headers": {"Location": "/console", "Content-Type": "text/plain"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "Vary": ["Accept", "Cookie"]},
            "body": "",
        }
    )
    assert answer["cookies"] == ["a=1", "b=2"] and answer["headers"] == {
        "Location": "/console",
        "Content-Type": "text/plain",
        "Vary": "Accept, Cookie",
    }


def test_an_answer_without_a_content_type_is_json_as_api_gateway_said() -> None:
    answer = url_response({"statusCode": 200, "headers": {}, "multiValueHeaders": {}, "body": '{"status":"ok"}'})
    assert answer["headers"] == {"Content-Type": "application/json"}


def test_a_request_that_came_by_another_name_keeps_its_host(seen: list[dict[str, Any]]) -> None:
    event = url_event("GET", "/health")
    event["headers"]["host"] = "localhost:8000"
    front_for(seen)(event, None)
    assert seen[0]["headers"]["host"] == "localhost:8000"
