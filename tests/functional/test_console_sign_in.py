"""The console's door: Cognito checks the password, listkeeper's own sealed 8-hour session follows; signed out, every
console URL leads to the sign-in page."""

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.blueprints.console import WRONG_CREDENTIALS

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def sign_in(client: Client, email: str, password: str) -> Any:
    return client.http.post("/console", headers=FORM, body=urlencode({"email": email, "password": password}))


def cookie_of(answer: Any) -> str:
    return str(answer.headers["Set-Cookie"]).split(";")[0]


def test_signed_out_the_console_is_the_sign_in_form_and_every_other_page_leads_there(client: Client) -> None:
    page = client.http.get("/console")
    text = page.body.decode()
    assert page.status_code == 200
    assert '<label for="email">Email</label>' in text and '<label for="password">Password</label>' in text
    assert ">Sign in</button>" in text
    assert (
        page.headers["Cache-Control"] == "no-store"
        and "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    )
    moved = client.http.get("/console/review")
    assert moved.status_code == 303 and moved.headers["Location"] == "/console"


@pytest.mark.parametrize(
    ("email", "password"),
    [("agent@shop.example", "wrong"), ("nobody@shop.example", "Dev-agent-password-1"), ("", "")],
)
def test_wrong_credentials_get_the_same_form_with_a_neutral_error_and_no_session(
    client: Client, email: str, password: str
) -> None:
    answer = sign_in(client, email, password)
    assert answer.status_code == 401 and "Set-Cookie" not in answer.headers
    assert WRONG_CREDENTIALS.encode() in answer.body.replace(b"&#39;", b"'")


@pytest.mark.parametrize(("email", "role"), [("agent@shop.example", "agent"), ("admin@shop.example", "admin")])
def test_each_role_signs_in_with_a_sealed_http_only_strict_cookie(client: Client, email: str, role: str) -> None:
    password = {"agent": "Dev-agent-password-1", "admin": "Dev-admin-password-1"}[role]
    answer = sign_in(client, email, password)
    assert answer.status_code == 303 and answer.headers["Location"] == "/console/review"
    cookie = str(answer.headers["Set-Cookie"])
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # the local stage is plain http; every other stage adds it
    assert email not in cookie and role not in cookie.split(";")[0]  # sealed, not merely signed
    queue = client.http.get("/console/review", headers={"Cookie": cookie_of(answer)})
    assert queue.status_code == 200 and f"{email} ({role})".encode() in queue.body


def test_an_altered_or_expired_session_is_no_session(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    cookie = cookie_of(sign_in(client, "agent@shop.example", "Dev-agent-password-1"))
    name, _, value = cookie.partition("=")
    altered = f"{name}={value[:-2]}{'A' if value[-2] != 'A' else 'B'}{value[-1]}"
    assert client.http.get("/console/review", headers={"Cookie": altered}).status_code == 303
    deps = wiring.deps()
    later = deps.clock.now() + timedelta(hours=8, minutes=1)
    monkeypatch.setattr(type(deps.clock), "now", lambda self: later)
    assert client.http.get("/console/review", headers={"Cookie": cookie}).status_code == 303


def test_a_link_token_cannot_pass_for_a_session(client: Client) -> None:
    token = wiring.deps().secrets.get().tokens.issue("agent@shop.example", "*", wiring.deps().clock.now())
    assert client.http.get("/console/review", headers={"Cookie": f"listkeeper_console={token}"}).status_code == 303


def test_signing_out_needs_the_pages_tag_and_ends_the_cookie(client: Client) -> None:
    cookie = cookie_of(sign_in(client, "agent@shop.example", "Dev-agent-password-1"))
    headers = FORM | {"Cookie": cookie}
    assert client.http.post("/console/sign-out", headers=headers, body="form_tag=forged").status_code == 403
    page = client.http.get("/console/review", headers={"Cookie": cookie}).body.decode()
    tag = page.split('name="form_tag" value="', 1)[1].split('"', 1)[0]
    out = client.http.post("/console/sign-out", headers=headers, body=f"form_tag={tag}")
    assert out.status_code == 303 and "Max-Age=0" in str(out.headers["Set-Cookie"])


def test_a_sign_in_posted_from_another_site_is_refused(client: Client) -> None:
    answer = client.http.post(
        "/console",
        headers=FORM | {"Origin": "https://evil.example"},
        body=urlencode({"email": "agent@shop.example", "password": "Dev-agent-password-1"}),
    )
    assert answer.status_code == 403 and "Set-Cookie" not in answer.headers
