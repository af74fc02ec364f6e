"""The review queue in the console: each item shown as text, settled by a named staff member with the message's own
clock; an agent cannot erase; every decision is in the ledger and in the admins' log."""

import html
import re
from typing import Any
from urllib.parse import urlencode

from chalice.test import Client

from chalicelib import wiring
from tests.functional.helpers import allowed, api, subscribe, table_snapshot
from tests.functional.test_console_sign_in import FORM, cookie_of, sign_in
from tests.functional.test_inbound import receive, request_mail

HOSTILE = (
    "Please remove my wife, rose@example.com. <script>alert(1)</script> <img src=x onerror=alert(2)> "
    '<a href="javascript:alert(3)">click</a> My password is Hunter-22.'
)


def signed_in(client: Client, role: str = "agent") -> str:
    return cookie_of(sign_in(client, f"{role}@shop.example", f"Dev-{role}-password-1"))


def tag_of(page: str) -> str:
    return re.search(r'name="form_tag" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]


def queued(client: Client) -> dict[str, Any]:
    subscribe(client, "rose@example.com")
    assert receive(client, request_mail("quinn@example.com", HOSTILE), "m-quinn") == "review"
    (item,) = api(client, "GET", "/v1/review").json_body["review"]
    return dict(item)


def post(client: Client, cookie: str, path: str, fields: list[tuple[str, str]]) -> Any:
    return client.http.post(path, headers=FORM | {"Cookie": cookie}, body=urlencode(fields))


def test_the_queue_and_the_item_show_hostile_mail_as_inert_text_with_secrets_redacted(client: Client) -> None:
    item = queued(client)
    cookie = signed_in(client)
    queue = client.http.get("/console/review", headers={"Cookie": cookie}).body.decode()
    assert ("quinn@example.com" in queue and "48.0 h left" in queue) or "47." in queue
    page = client.http.get(f"/console/review/{item['id']}", headers={"Cookie": cookie})
    text = page.body.decode()
    assert page.status_code == 200 and "script-src" not in page.headers["Content-Security-Policy"]
    assert "<script>" not in text and "<img" not in text and 'href="javascript:' not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "Hunter-22" not in text
    assert 'name="email"' in text and "required" in text  # two people named: nobody is suggested
    assert "Erase this person" not in text  # an agent is not offered what they may not do
    # the reading's suggestion, in words, is ticked in advance
    assert "The reading suggests</dt><dd>Remove from email" in text
    assert 'value="remove_email" checked' in text and 'value="remove_postal" checked' not in text


def test_an_agent_resolves_with_the_messages_clock_and_is_named_in_the_ledger_and_the_log(client: Client) -> None:
    item = queued(client)
    cookie = signed_in(client)
    page = client.http.get(f"/console/review/{item['id']}", headers={"Cookie": cookie}).body.decode()
    before = table_snapshot()
    unnamed = post(
        client,
        cookie,
        f"/console/review/{item['id']}",
        [("form_tag", tag_of(page)), ("action", "apply"), ("remove", "remove_email")],
    )
    assert unnamed.status_code == 400 and "nothing was changed" in unnamed.body.decode()
    assert table_snapshot() == before
    done = post(
        client,
        cookie,
        f"/console/review/{item['id']}",
        [("form_tag", tag_of(page)), ("action", "apply"), ("remove", "remove_email"), ("email", "rose@example.com")],
    )
    text = html.unescape(done.body.decode())
    assert done.status_code == 200 and "Removed: remove_email for rose@example.com." in text
    assert item["received_at"] in text and item["due_at"] in text  # the record the message opened, its own clock
    assert allowed(client, "updates", address="rose@example.com") == (False, "suppressed")
    ledger = api(client, "GET", "/v1/contacts/rose%40example.com").json_body["ledger"]
    (decided,) = [e for e in ledger if e["source"] == "email:review"]
    assert (
        decided["staff_email"] == "agent@shop.example" and decided["staff_sub"] and decided["at"] == item["received_at"]
    )
    (entry,) = wiring.store().list_audit(10)
    assert entry["staff_email"] == "agent@shop.example" and entry["action"] == "review:remove_email"
    assert entry["review_id"] == item["id"] and "rose" not in str(entry)  # the person only by keyed hash
    assert api(client, "GET", "/v1/review").json_body == {"review": []}


def test_an_agent_cannot_erase_and_nothing_changes_an_admin_can(client: Client) -> None:
    item = queued(client)
    agent = signed_in(client)
    page = client.http.get(f"/console/review/{item['id']}", headers={"Cookie": agent}).body.decode()
    before = table_snapshot()
    refused = post(
        client,
        agent,
        f"/console/review/{item['id']}",
        [("form_tag", tag_of(page)), ("action", "erase"), ("email", "rose@example.com")],
    )
    assert refused.status_code == 403 and table_snapshot() == before
    admin = signed_in(client, "admin")
    page = client.http.get(f"/console/review/{item['id']}", headers={"Cookie": admin}).body.decode()
    assert "Erase this person" in page
    erased = post(
        client,
        admin,
        f"/console/review/{item['id']}",
        [("form_tag", tag_of(page)), ("action", "erase"), ("email", "rose@example.com")],
    )
    assert erased.status_code == 200 and api(client, "GET", "/v1/contacts/rose%40example.com").status_code == 404
    log = client.http.get("/console/audit", headers={"Cookie": admin}).body.decode()
    assert "admin@shop.example" in log and "review:erase" in log
    assert client.http.get("/console/audit", headers={"Cookie": agent}).status_code == 403


def test_a_form_without_the_sessions_tag_changes_nothing(client: Client) -> None:
    item = queued(client)
    cookie = signed_in(client)
    other = signed_in(client)  # another session's tag is no good either
    other_tag = tag_of(client.http.get("/console/review", headers={"Cookie": other}).body.decode())
    before = table_snapshot()
    for tag in ("", "0" * 32, other_tag):
        answer = post(client, cookie, f"/console/review/{item['id']}", [("form_tag", tag), ("action", "dismiss")])
        assert answer.status_code == 403
    assert table_snapshot() == before


def test_the_deadlines_page_lists_open_removals_with_their_destinations(client: Client, welcome_link: str) -> None:
    client.http.post(welcome_link, headers=FORM, body="List-Unsubscribe=One-Click")
    page = client.http.get("/console/deadlines", headers={"Cookie": signed_in(client)}).body.decode()
    assert "1 open" in page and "jane@example.com" in page and "link:one_click" in page and "pending" in page
