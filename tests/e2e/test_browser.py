"""The preference page in a real browser (Debian's headless Chromium via Playwright) against `make run`:
from a real welcome email in /dev/outbox to changed topics, checked through /v1/eligibility. Without JavaScript,
on a phone-sized screen, by keyboard. A missing browser fails these tests; it never skips them."""

import json
import os
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.conftest import Stack
from tests.e2e.test_local_stack import call, webhook
from tests.support.events import POSTAL, event

pytestmark = pytest.mark.e2e
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert os.path.exists(CHROMIUM), "Debian's chromium is required for the browser tests (make test installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def eligibility(stack: Stack, address: str, topic: str, channel: str = "email") -> tuple[bool, str]:
    body = json.dumps({"channel": channel, "topic": topic, "recipients": [address]}).encode()
    headers = {"Content-Type": "application/json", "Authorization": "Bearer dev-api-key"}
    _, answer = call(f"{stack.base_url}/v1/eligibility", body, headers)
    result = answer["results"][0]
    return result["allowed"], result["reason"]


def welcome_link(stack: Stack, address: str) -> str:
    """The preferences link, read out of the welcome email's HTML part as the emulated SES recorded it."""
    _, outbox = call(f"{stack.base_url}/dev/outbox.json")
    (welcome,) = [m for m in outbox if m["to"] == address]
    match = re.search(r'href="([^"]+/u/[^"]+)"', welcome["html"])
    assert match, "the welcome email links to the preference page"
    return match.group(1)


def new_subscriber(stack: Stack) -> tuple[str, str]:
    address = f"shopper-{time.time_ns()}@example.com"
    status, _ = webhook(stack, event(f"evt-{address}", email=address, postal_address=POSTAL))
    assert status == 200
    return address, welcome_link(stack, address)


def open_page(browser: Browser, url: str, **context: Any) -> Page:
    page = browser.new_context(java_script_enabled=False, **context).new_page()
    response = page.goto(url)
    assert response is not None and response.status == 200
    return page


def test_a_person_manages_every_topic_from_the_welcome_email_without_javascript(stack: Stack, browser: Browser) -> None:
    address, link = new_subscriber(stack)
    page = open_page(browser, link)
    expect(page.get_by_role("heading", name="Your mail preferences")).to_be_visible()
    expect(page.get_by_label("Email updates from the store")).to_be_checked()
    expect(page.get_by_label("Shopping-preference surveys")).to_be_checked()
    expect(page.get_by_label("Products, services, contests and promotions")).not_to_be_checked()

    page.get_by_label("Shopping-preference surveys").uncheck()
    page.get_by_label("Products, services, contests and promotions").check()
    page.get_by_label("Sharing your name and postal address with partners").uncheck()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status")).to_contain_text("Subscribed to: Products, services, contests and promotions.")
    expect(page.get_by_role("status")).to_contain_text("Removed: Shopping-preference surveys")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "preferences-saved.png"), full_page=True)

    assert eligibility(stack, address, "promotions") == (True, "subscribed")
    assert eligibility(stack, address, "surveys") == (False, "unsubscribed")
    assert eligibility(stack, address, "updates") == (True, "subscribed")
    assert eligibility(stack, address, "partner_sharing", "postal") == (False, "unsubscribed")
    assert eligibility(stack, address, "catalog", "postal") == (True, "subscribed")

    page.get_by_role("button", name="Unsubscribe from all email").click()
    expect(page.get_by_role("status")).to_contain_text("Removed: all marketing email.")
    for topic in ("updates", "promotions", "surveys"):
        assert eligibility(stack, address, topic) == (False, "suppressed")
    assert eligibility(stack, address, "catalog", "postal") == (True, "subscribed")
    page.screenshot(path=str(ARTIFACTS / "preferences-unsubscribed.png"), full_page=True)


def test_a_scanner_opening_every_link_changes_nothing(stack: Stack, browser: Browser) -> None:
    address, link = new_subscriber(stack)
    scanner = browser.new_context(java_script_enabled=True).new_page()  # some scanners run scripts
    for _ in range(3):
        scanner.goto(link)
        urllib.request.urlopen(urllib.request.Request(link, method="HEAD"), timeout=10).close()
    assert eligibility(stack, address, "updates") == (True, "subscribed")
    _, outbox = call(f"{stack.base_url}/dev/outbox.json")
    assert [m["subject"] for m in outbox if m["to"] == address] == ["Welcome to Example Store email updates"]


def test_on_a_phone_by_keyboard_every_control_is_labelled_and_reachable(stack: Stack, browser: Browser) -> None:
    _, link = new_subscriber(stack)
    page = open_page(browser, link, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "no sideways scrolling on a phone"
    for box in page.get_by_role("checkbox").all():
        assert box.get_attribute("id") and page.locator(f'label[for="{box.get_attribute("id")}"]').count() == 1
        size = box.bounding_box()
        assert size is not None and size["width"] >= 20 and size["height"] >= 20
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.value || document.activeElement.textContent"))
    assert order == [
        "updates", "surveys", "promotions", "catalog", "partner_sharing",
        "save", "unsubscribe_all", "stop_postal",
    ]  # fmt: skip
    page.screenshot(path=str(ARTIFACTS / "preferences-phone.png"), full_page=True)


def test_a_bad_link_shows_the_neutral_page(stack: Stack, browser: Browser) -> None:
    _, link = new_subscriber(stack)
    page = browser.new_context(java_script_enabled=False).new_page()
    response = page.goto(link[:-5])
    assert response is not None and response.status == 400
    expect(page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
