"""The customer-service console in a real browser (Debian's Chromium via Playwright) against `make run`: each role
signs in, settles review items made by sending mail to the SMTP listener, records a phone removal, reads a contact
and the deadlines; an agent cannot erase; hostile mail renders inert; every page passes axe-core with no serious or
critical violation, by keyboard and on a phone-sized screen too. Screenshots go to test-artifacts/."""

import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Stack
from tests.e2e.test_browser import ARTIFACTS, browser, eligibility, new_subscriber  # noqa: F401 - the fixture
from tests.e2e.test_inbox import send

pytestmark = pytest.mark.e2e
AGENT = ("agent@shop.example", "Dev-agent-password-1")
ADMIN = ("admin@shop.example", "Dev-admin-password-1")
HOSTILE = (
    "Please stop sending catalogs to my mother, {address}.\n"
    "<script>alert('script')</script>\n<img src=x onerror=\"alert('img')\">\n"
    "<a href=\"javascript:alert('link')\">click me</a>\n"
)
AXE = Axe()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811 - the browser fixture, imported
    # JavaScript on: what is tested is that the pages run none (no script of theirs, mail's markup inert)
    context = browser.new_context()
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield opened
    context.close()
    assert not dialogs, f"a script ran: {dialogs}"


def sign_in(page: Page, stack: Stack, who: tuple[str, str]) -> None:
    page.goto(f"{stack.base_url}/console")
    page.get_by_label("Email").fill(who[0])
    page.get_by_label("Password").fill(who[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()


def accessible(page: Page, name: str) -> None:
    """No serious or critical axe-core violation, and a screenshot for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)
    found = AXE.run(page).response["violations"]
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in found]
    assert not [b for b in bad if b[1] in ("serious", "critical")], f"{name}: {bad}"


def hostile_request(stack: Stack) -> tuple[str, str]:
    """A stranger asks to remove someone else, in mail full of markup: it can only wait for a person."""
    mother, _ = new_subscriber(stack)
    sender = f"child-{time.time_ns()}@example.com"
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "support@shop.example", "<b>Catalogs</b> for Mum"
    message.set_content(HOSTILE.format(address=mother))
    send(stack, message)
    return sender, mother


def test_an_agent_settles_hostile_mail_from_the_queue_and_it_stays_inert(stack: Stack, page: Page) -> None:
    sender, mother = hostile_request(stack)
    page.goto(f"{stack.base_url}/console/review")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # signed out: sent to sign in
    accessible(page, "sign-in")
    sign_in(page, stack, AGENT)
    accessible(page, "review-queue")
    row = page.get_by_role("row").filter(has_text=sender)
    expect(row).to_contain_text("h left")
    row.get_by_role("link").click()
    expect(page.locator("pre.mail")).to_contain_text("<script>alert('script')</script>")
    assert page.locator("pre.mail script, pre.mail img, pre.mail a, h1 b").count() == 0
    expect(page.get_by_role("button", name="Erase this person")).to_have_count(0)  # not an agent's
    accessible(page, "review-item")
    page.get_by_label("Remove from postal mail").check()
    page.get_by_label("Remove from email").uncheck()
    page.get_by_label("Whose address", exact=False).fill(mother)
    page.get_by_role("button", name="Apply the removals").click()
    expect(page.get_by_role("status")).to_contain_text(f"Removed: remove_postal for {mother}.")
    expect(page.get_by_role("cell", name="postal", exact=True)).to_be_visible()
    accessible(page, "review-done")
    assert eligibility(stack, mother, "catalog", "postal") == (False, "suppressed")
    assert eligibility(stack, mother, "updates") == (True, "subscribed")


def test_an_agent_records_a_phone_removal_reads_the_proof_and_the_deadlines_but_cannot_erase(
    stack: Stack, page: Page
) -> None:
    address, _ = new_subscriber(stack)
    sign_in(page, stack, AGENT)
    page.get_by_role("link", name="Contacts").click()
    page.get_by_label("Email").fill(address)
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", name=address)).to_be_visible()
    expect(page.get_by_role("heading", name="Erase this person")).to_have_count(0)
    page.get_by_label("All marketing email").check()
    page.get_by_label("Chat").check()
    page.get_by_label("Note (required): what the person asked for").fill("Asked in chat to get no more newsletters")
    page.get_by_role("button", name="Record the removal").click()
    expect(page.get_by_role("status")).to_contain_text("1 removal record(s) opened")
    expect(page.locator("ol.ledger")).to_contain_text("agent:chat by chat")
    expect(page.locator("ol.ledger")).to_contain_text("recorded by agent@shop.example")
    accessible(page, "contact")
    assert eligibility(stack, address, "updates") == (False, "suppressed")
    page.get_by_role("link", name="Deadlines").click()
    expect(page.get_by_role("heading", name="Deadlines")).to_be_visible()
    accessible(page, "deadlines")
    answer = page.goto(f"{stack.base_url}/console/audit")
    assert answer is not None and answer.status == 403


def test_an_admin_erases_after_typing_the_address_and_sees_it_in_the_log(stack: Stack, page: Page) -> None:
    address, _ = new_subscriber(stack)
    sign_in(page, stack, ADMIN)
    page.get_by_role("link", name="Contacts").click()
    page.get_by_label("Email").fill(address)
    page.get_by_role("button", name="Look up").click()
    page.get_by_label("Type the address again to confirm").fill(address)
    page.get_by_role("button", name="Erase", exact=True).click()
    expect(page.get_by_role("heading", name="Erased")).to_be_visible()
    page.get_by_role("link", name="Console actions").click()
    expect(page.get_by_role("row").filter(has_text="admin@shop.example").first).to_contain_text("erase")
    accessible(page, "audit")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    answer = page.goto(f"{stack.base_url}/console/audit")
    assert answer is not None and page.url.endswith("/console")  # the session ended


def test_by_keyboard_alone_on_a_phone_sized_screen(stack: Stack, browser: Browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, java_script_enabled=True)
    page = context.new_page()
    page.goto(f"{stack.base_url}/console")
    page.keyboard.press("Tab")  # the Email field is the first stop
    page.keyboard.type(AGENT[0])
    page.keyboard.press("Tab")
    page.keyboard.type(AGENT[1])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    for path in ("/console/review", "/console/contacts", "/console/deadlines"):
        page.goto(f"{stack.base_url}{path}")
        wide: Any = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{path} scrolls sideways on a phone by {wide}px"
    page.screenshot(path=str(ARTIFACTS / "console-phone.png"), full_page=True)
    context.close()


def test_the_preference_page_passes_axe_too(stack: Stack, page: Page) -> None:
    _, link = new_subscriber(stack)
    page.goto(link)
    expect(page.get_by_role("heading", name="Your mail preferences")).to_be_visible()
    accessible(page, "preference-page")
