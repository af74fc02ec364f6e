"""The API as deployed: CloudFront in front of the function's URL, which hands the function its own event format
(chalicelib/front.py turns it into the one Chalice routes). Each test sends what CloudFront would forward."""

import base64
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

import app as deployed
from chalicelib.front import ORIGIN_HEADER, ORIGIN_SECRET_VARIABLE
from tests.functional.helpers import ADDRESS, FORM, form_tag, link_path, mails, subscribe
from tests.support.events import POSTAL, body_of, event, signature

SECRET = "origin-secret-for-tests"
VIEWER = "203.0.113.9"
API_KEY = {"Authorization": "Bearer dev-api-key"}
ONE_CLICK = b"List-Unsubscribe=One-Click"


@pytest.fixture
def front(client: Client, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv(ORIGIN_SECRET_VARIABLE, SECRET)

    def call(
        method: str,
        path: str,
        query: str = "",
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        cookies: list[str] | None = None,
        origin_secret: str | None = SECRET,
    ) -> dict[str, Any]:
        sent = {k.lower(): v for k, v in (headers or {}).items()}
        sent["host"] = "abcdefghijklmnop.lambda-url.us-east-1.on.aws"  # CloudFront sends the origin's host
        sent["cloudfront-viewer-address"] = f"{VIEWER}:50123"
        if origin_secret is not None:
            sent[ORIGIN_HEADER] = origin_secret
        text = body.decode("utf-8", "replace")
        binary = text.encode() != body
        url_event = {
            "version": "2.0",
            "rawPath": path,
            "rawQueryString": query,
            "headers": sent,
            "requestContext": {
                "requestId": "req-1",
                "http": {"method": method, "path": path, "sourceIp": "130.176.0.1", "userAgent": "Amazon CloudFront"},
            },
            "body": base64.b64encode(body).decode() if binary or method == "POST" else (text or None),
            "isBase64Encoded": binary or method == "POST",
        }
        if cookies:
            url_event["cookies"] = cookies
        answer = deployed.front(url_event, None)
        assert "multiValueHeaders" not in answer  # a function URL does not read them
        return answer

    yield call


def body_text(answer: dict[str, Any]) -> str:
    raw = answer["body"]
    return base64.b64decode(raw).decode() if answer["isBase64Encoded"] else str(raw)


def contact(front: Any, address: str = ADDRESS) -> dict[str, Any]:
    answer = front(
        "GET", "/v1/contacts/" + address.replace("@", "%40"), headers={"Authorization": "Bearer dev-api-key"}
    )
    assert answer["statusCode"] == 200, answer
    return dict(json.loads(body_text(answer)))


def mailed(front: Any) -> bool:
    return bool(contact(front)["topics"]["updates"]["now"]["allowed"])


def test_a_mail_scanner_opening_the_link_changes_nothing_and_the_one_click_post_removes(
    client: Client, sent_mail: Any, front: Any
) -> None:
    subscribe(client)
    path = link_path(mails(sent_mail)[0])
    page = front("GET", path, headers={"User-Agent": "Link scanner"})
    assert page["statusCode"] == 200 and "text/html" in page["headers"]["Content-Type"]
    assert mailed(front)
    head = front("HEAD", path)
    assert head["statusCode"] == 200
    clicked = front("POST", path, headers={"Content-Type": FORM}, body=ONE_CLICK)
    assert clicked["statusCode"] == 200
    held = contact(front)
    assert not held["topics"]["updates"]["now"]["allowed"]
    # the proof names the person's address as CloudFront saw it, not CloudFront's own
    assert VIEWER in json.dumps(held["ledger"]) and "130.176.0.1" not in json.dumps(held["ledger"])


def test_only_cloudfront_reaches_the_app_so_the_firewall_cannot_be_gone_around(
    client: Client, sent_mail: Any, front: Any
) -> None:
    subscribe(client)
    path = link_path(mails(sent_mail)[0])
    for secret in (None, "", "guessed"):
        refused = front(
            "POST", path, headers={"Content-Type": FORM}, body=b"List-Unsubscribe=One-Click", origin_secret=secret
        )
        assert refused["statusCode"] == 403
        assert json.loads(refused["body"])["error"]["code"] == "forbidden"
    assert mailed(front)


def test_unknown_routes_and_methods_get_the_error_shape(client: Client, front: Any) -> None:
    missing = front("GET", "/nothing/here")
    assert missing["statusCode"] == 404 and json.loads(missing["body"])["error"]["code"] == "not_found"
    assert front("GET", "/u")["statusCode"] == 404  # a parameter is never empty
    wrong = front("PUT", "/webhooks/storefront")
    assert wrong["statusCode"] == 405 and wrong["headers"]["Allow"] == "POST"


def test_a_signed_webhook_arrives_byte_for_byte(client: Client, sent_mail: Any, front: Any) -> None:
    body = body_of(event("evt_front", email="ana@example.com", postal_address=POSTAL, first_name="Ána"))
    headers = {
        "Content-Type": "application/json",
        "Listkeeper-Signature": signature("dev-webhook-secret", body, time.time()),
    }
    answer = front("POST", "/webhooks/storefront", headers=headers, body=body)
    assert answer["statusCode"] == 200 and json.loads(body_text(answer))["status"] == "processed"
    again = front("POST", "/webhooks/storefront", headers=headers, body=body)
    assert json.loads(body_text(again))["status"] == "duplicate"
    assert len(mails(sent_mail, "ana@example.com")) == 1


def test_the_preference_page_checks_the_origin_against_the_links_domain_not_the_functions(
    client: Client, sent_mail: Any, front: Any
) -> None:
    subscribe(client)
    path = link_path(mails(sent_mail)[0])
    page = body_text(front("GET", path))
    form = urlencode({"form_tag": form_tag(page), "action": "unsubscribe_all"}).encode()
    foreign = front("POST", path, headers={"Content-Type": FORM, "Origin": "https://evil.example"}, body=form)
    assert foreign["statusCode"] == 400
    assert mailed(front)
    own = front("POST", path, headers={"Content-Type": FORM, "Origin": "http://127.0.0.1:8000"}, body=form)
    assert own["statusCode"] in (200, 303)
    assert not mailed(front)


def test_the_console_session_cookie_goes_out_and_comes_back_apart_from_the_headers(client: Client, front: Any) -> None:
    form = urlencode({"email": "agent@shop.example", "password": "Dev-agent-password-1"}).encode()
    signed_in = front("POST", "/console", headers={"Content-Type": FORM}, body=form)
    assert signed_in["statusCode"] == 303 and signed_in["headers"]["Location"] == "/console/review"
    (cookie,) = signed_in["cookies"]
    assert "HttpOnly" in cookie and not any(k.lower() == "set-cookie" for k in signed_in["headers"])
    queue = front("GET", "/console/review", cookies=[cookie.split(";")[0], "other=1"])
    assert queue["statusCode"] == 200 and "Sign in" not in body_text(queue)
    assert front("GET", "/console/review")["headers"]["Location"] == "/console"
