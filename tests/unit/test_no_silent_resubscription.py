"""SPEC §1.3 and §1.8 as a property over random sequences of every kind of event: once an address is suppressed or
erased, nothing but its own confirmed opt-in ever makes it eligible again."""

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.rules import Reason
from chalicelib.domain.tokens import ALL_EMAIL
from chalicelib.services.eligibility import check_eligibility
from chalicelib.services.imports import import_records
from chalicelib.services.preferences import Visitor, one_click, submit_form
from chalicelib.services.ses_events import handle_ses_notification
from chalicelib.services.storefront import handle_storefront_webhook
from tests.support.events import POSTAL, body_of, event, signature
from tests.support.fakes import WEBHOOK_SECRET, make_deps

ADDRESS = "jane@example.com"
WATCHED = ("updates", "surveys", "promotions", "acquired:fair")
ACTIONS = st.sampled_from(
    [
        "info_saved",
        "info_saved_postal",
        "order",
        "contest_opt_in",
        "contest_no",
        "import",
        "one_click",
        "unsubscribe_topic",
        "bounce",
        "complaint",
        "erasure",
        "child",
        "ask_again",
        "confirm",
        "email_changed_in",
    ]
)


class Session:
    def __init__(self) -> None:
        self.deps, self.store, self.mailer, self.clock = make_deps()
        self.n = 0

    def webhook(self, event_type: str, **data: object) -> None:
        self.n += 1
        payload = event(
            f"e{self.n}", event_type, created_at=self.clock.now().isoformat().replace("+00:00", "Z"), **data
        )
        if event_type in (
            "contest.entered",
            "customer.erasure_requested",
            "customer.age_reported",
            "customer.email_changed",
        ):
            payload["data"].pop("customer_id", None)
        if event_type == "customer.email_changed":
            payload["data"] = {"customer_id": "c-9", **data}
        if event_type in ("customer.erasure_requested", "customer.age_reported"):
            payload["data"] = dict(data)
        body = body_of(payload)
        handle_storefront_webhook(self.deps, body, signature(WEBHOOK_SECRET, body, self.clock.now().timestamp()))

    def token(self, scope: str) -> str:
        return self.deps.secrets.get().tokens.issue(ADDRESS, scope, self.clock.now())

    def reasons(self) -> dict[str, str]:
        body = {"channel": "email", "topic": "", "recipients": [ADDRESS]}
        out = {}
        for topic in WATCHED:
            body["topic"] = topic
            out[topic] = check_eligibility(self.deps, body)[0]["reason"]
        return out

    def act(self, action: str) -> None:
        self.clock.advance(minutes=7)
        ends = (self.clock.now().replace(year=self.clock.now().year + 1)).isoformat().replace("+00:00", "Z")
        if action == "info_saved":
            self.webhook("customer.info_saved", email=ADDRESS)
        elif action == "info_saved_postal":
            self.webhook("customer.info_saved", email=ADDRESS, postal_address=POSTAL)
        elif action == "order":
            self.webhook("order.placed", email=ADDRESS)
        elif action in ("contest_opt_in", "contest_no"):
            self.webhook(
                "contest.entered", email=ADDRESS, contest_id=f"c{self.n}", contest_ends_at=ends,
                marketing_opt_in=action == "contest_opt_in",
            )  # fmt: skip
        elif action == "import":
            import_records(self.deps, {"source": "fair", "records": [{"email": ADDRESS}]})
        elif action == "one_click":
            one_click(self.deps, self.token(ALL_EMAIL), Visitor())
        elif action == "unsubscribe_topic":
            one_click(self.deps, self.token("surveys"), Visitor())
        elif action in ("bounce", "complaint"):
            kind = "Bounce" if action == "bounce" else "Complaint"
            recipients = [{"emailAddress": ADDRESS}]
            detail = (
                {"bounceType": "Permanent", "bouncedRecipients": recipients}
                if kind == "Bounce"
                else {"complainedRecipients": recipients}
            )
            handle_ses_notification(self.deps, json.dumps({"eventType": kind, kind.lower(): detail, "mail": {}}))
        elif action == "erasure":
            self.webhook("customer.erasure_requested", email=ADDRESS)
        elif action == "child":
            self.webhook("customer.age_reported", email=ADDRESS, age=11)
        elif action == "email_changed_in":
            self.webhook("customer.email_changed", old_email="old@example.com", new_email=ADDRESS)
        elif action == "ask_again":
            token = self.token(ALL_EMAIL)
            tag = self.deps.secrets.get().tokens.form_tag(token)
            form = {"form_tag": [tag], "action": ["save"], "shown": list(WATCHED[:3]), "topic": list(WATCHED[:3])}
            submit_form(self.deps, token, form, Visitor())

    def confirm(self) -> set[str]:
        """The person clicks the newest confirmation link sent to them and presses the button."""
        confirmations = [m for m in self.mailer.sent if m.subject.startswith("Confirm") and m.to == ADDRESS]
        if not confirmations:
            return set()
        token = re.search(r"/u/(\S+)", confirmations[-1].text).group(1)  # type: ignore[union-attr]
        topics = set(
            self.deps.secrets.get().tokens.verify(token, self.clock.now()).scope.removeprefix("optin:").split(",")
        )
        tag = self.deps.secrets.get().tokens.form_tag(token)
        try:
            submit_form(self.deps, token, {"form_tag": [tag], "action": ["confirm"]}, Visitor())
        except Exception:
            return set()
        return topics


@settings(max_examples=300, deadline=None)
@given(actions=st.lists(ACTIONS, min_size=1, max_size=16))
def test_only_a_confirmed_opt_in_makes_a_suppressed_or_erased_address_eligible_again(actions: list[str]) -> None:
    session = Session()
    blocked: set[str] = set()  # topics the address was suppressed for, and not confirmed since
    permanent = False
    for action in actions:
        confirmed = session.confirm() if action == "confirm" else set()
        if action != "confirm":
            session.act(action)
        if action in ("bounce", "complaint", "child"):
            permanent = True  # never lifted; an adult's erasure is lifted only by their own confirmed opt-in
        reasons = session.reasons()
        for topic, reason in reasons.items():
            if reason == Reason.SUPPRESSED.value:
                blocked.add(topic)
            elif reason == Reason.SUBSCRIBED.value and topic in blocked:
                assert not permanent, f"{topic} eligible again after a bounce, complaint or child report: {actions}"
                assert topic in confirmed, f"{topic} eligible again without a confirmed opt-in: {actions}"
                blocked.discard(topic)
        if permanent:
            assert all(r != Reason.SUBSCRIBED.value for r in reasons.values()), actions
    erasures = [i for i, a in enumerate(actions) if a in ("erasure", "child")]
    if erasures and "confirm" not in actions[erasures[-1] :]:
        assert session.store.load(ADDRESS).contact is None
        assert all("jane" not in repr(c) for c in session.store.items.values())
