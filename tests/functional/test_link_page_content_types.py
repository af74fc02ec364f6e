"""GET and HEAD of a link answer with the page whatever Content-Type header the client sends (SPEC §3.2).

A GET carries no body, so its Content-Type says nothing; some link checkers and proxies still send one. Chalice's
default media-type check answered those with a JSON 415 instead of the page (found by schemathesis' content-type
probes against the local stack)."""

from typing import Any

import pytest
from chalice.test import Client

from tests.functional.helpers import allowed

STRAY_TYPES = ["text/plain", "application/x-www-form-urlencoded", "text/html; charset=utf-8"]


@pytest.mark.parametrize("content_type", STRAY_TYPES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_preference_page_ignores_a_stray_content_type(
    client: Client, welcome_link: str, method: str, content_type: str
) -> None:
    response = client.http.request(method, welcome_link, headers={"Content-Type": content_type})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "noindex" in response.headers["X-Robots-Tag"]


@pytest.mark.parametrize("content_type", STRAY_TYPES)
def test_a_bad_link_with_a_stray_content_type_still_gets_the_neutral_page(client: Client, content_type: str) -> None:
    response = client.http.get("/u/k1.not-a-token", headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")


def test_a_stray_content_type_on_a_get_changes_nothing(client: Client, welcome_link: str, sent_mail: Any) -> None:
    client.http.get(welcome_link, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert allowed(client, "updates") == (True, "subscribed")
