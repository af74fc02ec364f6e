"""SPEC §1.8 as a property over random orders of every event that concerns a person — sign-ups by customer id,
orders, contest entries, imports, one-clicks, age reports and erasures by address or by customer id (before or
after the person is known), email changes: once an address is erased or reported as a child's, it is never mailed
again, never eligible for email or postal mail, and nothing with its plain address is stored."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.services.eligibility import check_eligibility
from tests.support.events import POSTAL
from tests.support.reliability import Outcome, assert_clean
from tests.unit.test_no_silent_resubscription import ADDRESS, Session

CUSTOMER = "cust-1"  # the customer id the storefront's saved-info events carry
ACTIONS = st.sampled_from(
    [
        "info_saved_postal",
        "order",
        "contest_opt_in",
        "contest_no",
        "import",
        "one_click",
        "ask_again",
        "confirm",
        "email_changed_in",
        "erasure",
        "child",
        "erasure_by_id",
        "child_by_id",
    ]
)


class PrivacySession(Session):
    def by_id(self, action: str) -> None:
        if action == "erasure_by_id":
            self.webhook("customer.erasure_requested", customer_id=CUSTOMER)
        else:
            self.webhook("customer.age_reported", customer_id=CUSTOMER, age=10)

    def signed_up_with_the_id(self, action: str) -> bool:
        return action == "info_saved_postal"

    def holds_the_id(self) -> bool:
        contact = self.store.load(ADDRESS).contact
        return contact is not None and contact.profile.customer_id == CUSTOMER

    def eligible_anywhere(self) -> list[str]:
        found = []
        for channel, topic in (("email", "updates"), ("email", "promotions"), ("postal", "catalog")):
            body = {"channel": channel, "topic": topic, "recipients": [ADDRESS]}
            if check_eligibility(self.deps, body)[0]["allowed"]:
                found.append(topic)
        return found


def run(actions: list[str]) -> str | None:
    """Plays the actions; returns what went wrong, or None."""
    session = PrivacySession()
    erased_since: int | None = None  # how much mail had gone out when the address was first erased
    fact_waiting = False  # an erasure or age report by customer id that no contact held yet
    for index, action in enumerate(actions):
        mail_before = len(session.mailer.sent)
        erases = action in ("erasure", "child")
        if action in ("erasure_by_id", "child_by_id"):
            erases = session.holds_the_id()
            fact_waiting = True
            session.by_id(action)
        elif action == "confirm":
            session.confirm()
        elif action == "info_saved_postal":
            erases = fact_waiting  # the sign-up of a customer a fact was kept for
            session.webhook("customer.info_saved", email=ADDRESS, customer_id=CUSTOMER, postal_address=POSTAL)
        else:
            session.act(action)
        if erases and erased_since is None:
            erased_since = mail_before
        if erased_since is None:
            continue
        mailed = [m.subject for m in session.mailer.sent[erased_since:] if m.to == ADDRESS]
        if mailed:
            return f"mailed {mailed} after erasure, at step {index}: {actions}"
        if session.eligible_anywhere():
            return f"eligible for {session.eligible_anywhere()} after erasure, at step {index}: {actions}"
        if any(ADDRESS in repr(c) for c in session.store.items.values()) or any(
            a == ADDRESS for a, _ in session.store.acquired
        ):
            return f"the plain address is stored after erasure, at step {index}: {actions}"
    return None


@pytest.mark.reliability
def test_no_erased_or_child_address_is_ever_mailed_eligible_or_stored_again() -> None:
    tally = {"tried": 0, "wrong": 0}

    @settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(actions=st.lists(ACTIONS, min_size=1, max_size=14))
    def check(actions: list[str]) -> None:
        tally["tried"] += 1
        problem = run(actions)
        tally["wrong"] += problem is not None
        assert problem is None, problem

    try:
        check()
    finally:
        assert_clean(
            Outcome(
                "privacy: interleavings of sign-up, age report, erasure, email change, import, one-click, contest",
                tried=tally["tried"],
                wrong_state_changes=tally["wrong"],
            )
        )
