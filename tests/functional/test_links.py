"""/u/{token} through the whole Lambda: scanners change nothing, one-click works from any client, the page is
CSRF-protected, re-subscribing needs a confirmed opt-in, and bad links all look alike."""

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.domain.timeutil import parse_iso
from tests.functional.helpers import (
    ADDRESS,
    FORM,
    allowed,
    form_tag,
    link_path,
    mails,
    one_click,
    table_snapshot,
    topic_link,
)


def test_get_and_head_show_the_page_and_change_nothing(client: Client, welcome_link: str) -> None:
    before = table_snapshot()
    for _ in range(3):
        page = client.http.get(welcome_link)
        assert page.status_code == 200
        assert page.headers["X-Robots-Tag"].startswith("noindex")
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert "Set-Cookie" not in page.headers
        assert client.http.head(welcome_link).status_code == 200
    assert table_snapshot() == before
    text = page.body.decode()
    assert "ja…@example.com" in text and ADDRESS not in text
    assert re.search(r'value="updates" checked', text) and re.search(r'value="catalog" checked', text)
    assert not re.search(r'value="promotions" checked', text)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (FORM, b"List-Unsubscribe=One-Click"),
        (FORM + "; charset=utf-8", b"List-Unsubscribe=One-Click"),
        (
            "multipart/form-data; boundary=b0undary",
            b'--b0undary\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
            b"One-Click\r\n--b0undary--\r\n",
        ),
    ],
)
def test_one_click_unsubscribes_from_all_email_answers_200_and_is_safe_to_repeat(
    client: Client, welcome_link: str, sent_mail: Any, content_type: str, body: bytes
) -> None:
    response = one_click(client, welcome_link, content_type, body)
    assert response.status_code == 200
    assert "Location" not in response.headers and "Set-Cookie" not in response.headers
    assert "You are unsubscribed from all marketing email." in response.body.decode()
    assert allowed(client, "updates") == (False, "suppressed")
    assert allowed(client, "catalog", "postal") == (True, "subscribed")  # the welcome's link covers email only
    contact = wiring.store().load(ADDRESS).contact
    assert contact is not None
    (removal,) = contact.removals.values()
    assert removal.scope == "email" and removal.source == "link:one_click"
    assert parse_iso(removal.due_at) - parse_iso(removal.received_at) == timedelta(hours=48)
    after_first = table_snapshot()
    assert one_click(client, welcome_link, content_type, body).status_code == 200
    assert table_snapshot() == after_first
    confirmations = [m for m in mails(sent_mail) if "unsubscribed" in m["Subject"]]
    assert len(confirmations) == 1
    assert confirmations[0]["List-Unsubscribe"] is None  # transactional


def test_a_topic_link_removes_that_topic_only(client: Client, welcome_link: str) -> None:
    assert one_click(client, topic_link(client, "surveys")).status_code == 200
    assert allowed(client, "surveys") == (False, "unsubscribed")
    assert allowed(client, "updates") == (True, "subscribed")


def test_at_most_one_removal_confirmation_a_day(client: Client, welcome_link: str, sent_mail: Any) -> None:
    one_click(client, topic_link(client, "surveys"))
    one_click(client, topic_link(client, "catalog"))
    assert allowed(client, "catalog", "postal") == (False, "unsubscribed")
    confirmations = [m for m in mails(sent_mail) if m["X-Listkeeper-Outbox"].startswith("removal_confirmation")]
    assert [m["Subject"] for m in confirmations] == ["You left: Shopping-preference surveys"]


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        (FORM, b"List-Unsubscribe=One-Click&extra=1", 400),
        (FORM, b"", 400),
        (FORM, b"List-Unsubscribe=yes", 400),
        ("application/json", b'{"List-Unsubscribe": "One-Click"}', 400),
        ("text/plain", b"List-Unsubscribe=One-Click", 400),
    ],
)
def test_any_other_post_is_never_a_removal(
    client: Client, welcome_link: str, content_type: str, body: bytes, status: int
) -> None:
    before = table_snapshot()
    assert one_click(client, welcome_link, content_type, body).status_code == status
    assert table_snapshot() == before
    assert allowed(client, "updates") == (True, "subscribed")


def _bad_tokens(good: str) -> list[str]:
    token = good.removeprefix("/u/")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    return [flipped, token[:-4], token[:10], "k9" + token[2:], "nonsense", "k1." + "A" * 80]


def test_every_bad_link_gets_the_same_neutral_page_and_no_write(client: Client, welcome_link: str) -> None:
    before = table_snapshot()
    bodies = set()
    for bad in _bad_tokens(welcome_link):
        for response in (client.http.get(f"/u/{bad}"), one_click(client, f"/u/{bad}")):
            assert response.status_code == 400
            bodies.add(response.body)
    assert len(bodies) == 1 and b"This link cannot be used" in bodies.pop()
    assert table_snapshot() == before


def save(client: Client, path: str, fields: list[tuple[str, str]], headers: dict[str, str] | None = None) -> Any:
    return client.http.post(path, headers={"Content-Type": FORM, **(headers or {})}, body=urlencode(fields).encode())


def page_fields(client: Client, path: str) -> tuple[str, list[str]]:
    page = client.http.get(path).body.decode()
    return form_tag(page), re.findall(r'name="shown" value="([^"]+)"', page)


def test_the_form_changes_each_topic_and_confirms_what_was_saved(client: Client, welcome_link: str) -> None:
    tag, shown = page_fields(client, welcome_link)
    fields = [("form_tag", tag), ("action", "save")] + [("shown", t) for t in shown]
    fields += [("topic", "updates"), ("topic", "promotions"), ("topic", "catalog")]  # surveys, sharing unticked
    response = save(client, welcome_link, fields)
    assert response.status_code == 200
    text = response.body.decode()
    assert "Subscribed to: Products, services, contests and promotions." in text
    assert "Removed: Shopping-preference surveys and Sharing your name and postal address with partners." in text
    assert allowed(client, "promotions") == (True, "subscribed")
    assert allowed(client, "surveys") == (False, "unsubscribed")
    assert allowed(client, "partner_sharing", "postal") == (False, "unsubscribed")
    assert allowed(client, "catalog", "postal") == (True, "subscribed")
    contact = wiring.store().load(ADDRESS).contact
    assert contact is not None and {r.scope for r in contact.removals.values()} == {"surveys", "partner_sharing"}
    assert contact.topics["promotions"].basis.value == "express"


def test_unsubscribe_from_all_and_stop_postal_buttons(client: Client, welcome_link: str) -> None:
    tag, _ = page_fields(client, welcome_link)
    assert save(client, welcome_link, [("form_tag", tag), ("action", "unsubscribe_all")]).status_code == 200
    assert allowed(client, "updates") == (False, "suppressed")
    assert save(client, welcome_link, [("form_tag", tag), ("action", "stop_postal")]).status_code == 200
    assert allowed(client, "catalog", "postal") == (False, "suppressed")


@pytest.mark.parametrize(
    ("fields", "headers"),
    [
        ([("action", "unsubscribe_all")], {}),  # no anti-CSRF tag
        ([("form_tag", "0" * 32), ("action", "unsubscribe_all")], {}),
        ([("form_tag", "TAG"), ("action", "unsubscribe_all")], {"Origin": "https://evil.example"}),
        ([("form_tag", "TAG"), ("action", "unsubscribe_all")], {"Sec-Fetch-Site": "cross-site"}),
        ([("form_tag", "TAG"), ("action", "drop_tables")], {}),
        ([("form_tag", "TAG"), ("action", "save"), ("shown", "<script>alert(1)</script>")], {}),
    ],
)
def test_forged_or_malformed_form_posts_change_nothing(
    client: Client, welcome_link: str, fields: list[tuple[str, str]], headers: dict[str, str]
) -> None:
    tag, _ = page_fields(client, welcome_link)
    fields = [(k, tag if v == "TAG" else v) for k, v in fields]
    before = table_snapshot()
    response = save(client, welcome_link, fields, headers)
    assert response.status_code == 400
    assert "<script>" not in response.body.decode()
    assert table_snapshot() == before


def test_a_tag_from_another_link_is_refused(client: Client, welcome_link: str) -> None:
    other_tag, _ = page_fields(client, topic_link(client, "surveys"))
    assert save(client, welcome_link, [("form_tag", other_tag), ("action", "unsubscribe_all")]).status_code == 400
    assert allowed(client, "updates") == (True, "subscribed")


def test_coming_back_after_unsubscribing_needs_a_confirmed_fresh_opt_in(
    client: Client, welcome_link: str, sent_mail: Any
) -> None:
    one_click(client, welcome_link)
    tag, shown = page_fields(client, welcome_link)
    response = save(
        client,
        welcome_link,
        [("form_tag", tag), ("action", "save"), ("topic", "updates")] + [("shown", t) for t in shown if t != "catalog"],
    )
    assert "We sent a confirmation email for: Email updates from the store." in response.body.decode()
    assert allowed(client, "updates") == (False, "suppressed")
    (confirmation,) = [m for m in mails(sent_mail) if m["Subject"].startswith("Confirm")]
    confirm_path = link_path(confirmation)
    before = table_snapshot()
    page = client.http.get(confirm_path)  # a scanner, or the person looking: nothing changes yet
    assert page.status_code == 200 and "Confirm your subscription" in page.body.decode()
    assert client.http.head(confirm_path).status_code == 200
    assert table_snapshot() == before
    assert one_click(client, confirm_path).status_code == 400  # a confirmation link never unsubscribes
    assert allowed(client, "updates") == (False, "suppressed")
    confirmed = save(client, confirm_path, [("form_tag", form_tag(page.body.decode())), ("action", "confirm")])
    assert confirmed.status_code == 200 and "Confirmed." in confirmed.body.decode()
    assert allowed(client, "updates") == (True, "subscribed")
    assert allowed(client, "surveys") == (False, "unsubscribed")  # only what was confirmed
    contact = wiring.store().load(ADDRESS).contact
    assert contact is not None and contact.topics["updates"].basis.value == "confirmed"
