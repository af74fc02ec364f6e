"""SPEC §1.9: a new use is announced, people still receiving email are told by email, they can opt out from the
notice's link, and the use applies to a person only once their window closed without an opt-out."""

import email
import json
import re

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.services.eligibility import check_eligibility
from chalicelib.services.policy import AlreadyAnnounced, announce
from chalicelib.services.preferences import Visitor, submit_form
from chalicelib.services.sweep import run_sweep
from tests.integration.conftest import World

USE = "use:personalised-offers"


def reason(world: World, address: str, topic: str = USE) -> str:
    body = {"channel": "email", "topic": topic, "recipients": [address]}
    return str(check_eligibility(world.deps, body)[0]["reason"])


def notices(world: World) -> dict[str, email.message.Message]:
    parsed = [email.message_from_string(m.raw_data) for m in world.sent()]
    return {str(m["To"]): m for m in parsed if "new use" in str(m["Subject"])}


def test_a_new_use_applies_only_after_the_window_and_only_to_those_who_did_not_opt_out(world: World) -> None:
    for name in ("ann", "bob", "cat"):
        world.subscribe(f"{name}@example.com", postal=False)
    world.one_click("cat@example.com")  # cat left all email: never enrolled, never told
    announced = announce(
        world.deps,
        {"use": "personalised-offers", "policy_version": "2026-06", "description": "Offers based on purchases.",
         "window_days": 30},
    )  # fmt: skip
    assert announced["use"] == USE
    with pytest.raises(AlreadyAnnounced):
        announce(world.deps, {"use": "personalised-offers", "policy_version": "x", "description": "y"})
    with pytest.raises(InvalidInput):
        announce(world.deps, {"use": "Bad Name", "policy_version": "x", "description": "y"})

    assert run_sweep(world.deps).notices == 2
    assert run_sweep(world.deps).notices == 0  # each person is told once
    told = notices(world)
    assert set(told) == {"ann@example.com", "bob@example.com"}
    notice = told["bob@example.com"]
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Offers based on purchases." in notice.get_payload()[0].get_payload(decode=True).decode()
    assert reason(world, "ann@example.com") == "not_subscribed"  # the window is open: not yet

    # bob opens the notice's link and unticks the new use
    text = notice.get_payload()[0].get_payload(decode=True).decode()
    token = re.search(r"/u/(\S+)", text).group(1)  # type: ignore[union-attr]
    tag = world.deps.secrets.get().tokens.form_tag(token)
    form = {"form_tag": [tag], "action": ["save"], "shown": ["updates", USE], "topic": ["updates"]}
    view = submit_form(world.deps, token, form, Visitor())
    # people read the use as it was announced, never its short name (issue: "offers2" on the page)
    assert view.messages()[0] == "Removed: Offers based on purchases."
    assert [view.label(r.topic) for r in view.rows if r.topic == USE] == ["Offers based on purchases"]
    to_bob = [email.message_from_string(m.raw_data) for m in world.sent()]
    assert [m["Subject"] for m in to_bob if m["To"] == "bob@example.com"][-1] == "You left: Offers based on purchases"
    assert "personalised-offers" not in text.split("/u/")[0]  # the notice names the use by its description

    world.advance(days=30, minutes=1)
    assert reason(world, "ann@example.com") == "subscribed"
    assert reason(world, "bob@example.com") == "unsubscribed"
    assert reason(world, "cat@example.com") == "suppressed"
    assert reason(world, "bob@example.com", "updates") == "subscribed"  # nothing else changed for bob
    contact = world.deps.store.load("ann@example.com").contact
    assert contact is not None
    assert [(e.action, e.detail) for e in contact.ledger if e.subject == USE] == [("notice", "2026-06")]
    assert json.dumps(announced)  # the operator gets the announcement back as JSON


def test_the_contact_view_says_what_eligibility_says_and_why_it_reads_differently(world: World) -> None:
    """Issue seen by a newcomer: the view showed a new use `subscribed` while eligibility said `not_subscribed`."""
    from chalicelib.services.contacts_view import show_contact

    world.subscribe("ann@example.com", postal=False)
    announce(world.deps, {"use": "personalised-offers", "policy_version": "2026-06", "description": "Offers."})
    run_sweep(world.deps)
    topics = show_contact(world.deps, "ann@example.com")["topics"]
    assert topics[USE]["now"] == {"allowed": False, "reason": reason(world, "ann@example.com")}
    assert topics[USE]["note"].startswith("a new use: it applies from")
    assert topics["updates"]["now"] == {"allowed": True, "reason": "subscribed"} and "note" not in topics["updates"]
    world.one_click("ann@example.com")  # leaving all email also leaves every third-party list
    topics = show_contact(world.deps, "ann@example.com")["topics"]
    assert "third-party list" in topics["acquired:*"]["note"]
    assert topics["updates"]["now"] == {"allowed": False, "reason": reason(world, "ann@example.com", "updates")}
