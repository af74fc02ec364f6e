"""SPEC §6: opt-in confirmation emails go out at most once per address per day, whatever asks for them — contest
entries delivered again and again, or a forwarded preference page submitted over and over."""

from datetime import timedelta

from chalicelib.domain.tokens import ALL_EMAIL
from chalicelib.services.links import unsubscribe_links
from chalicelib.services.preferences import Visitor, submit_form
from chalicelib.services.storefront import handle_storefront_webhook
from tests.support.events import body_of, event, signature
from tests.support.fakes import WEBHOOK_SECRET, make_deps


def deliver(deps, payload) -> None:  # type: ignore[no-untyped-def]
    body = body_of(payload)
    handle_storefront_webhook(deps, body, signature(WEBHOOK_SECRET, body, deps.clock.now().timestamp()))


def confirmations(mailer) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.to for m in mailer.sent if m.subject.startswith("Confirm")]


def left_everything(deps) -> None:  # type: ignore[no-untyped-def]
    """A subscriber who asked to stop all email: any promotions opt-in now needs their confirmation."""
    deliver(deps, event("e-signup"))
    token = preferences_token(deps)
    submit_form(deps, token, {"action": ["unsubscribe_all"], "form_tag": [_tag(deps, token)]}, Visitor())


def _tag(deps, token: str) -> str:  # type: ignore[no-untyped-def]
    from chalicelib.services.preferences import open_link

    return open_link(deps, token).form_tag


def contest(deps, event_id: str) -> None:  # type: ignore[no-untyped-def]
    ends = (deps.clock.now() + timedelta(days=20)).isoformat().replace("+00:00", "Z")
    at = deps.clock.now().isoformat().replace("+00:00", "Z")
    payload = event(event_id, "contest.entered", at, contest_id=event_id, contest_ends_at=ends, marketing_opt_in=True)
    deliver(deps, payload)


def test_contest_entries_ask_for_one_confirmation_a_day_however_many_arrive() -> None:
    deps, _, mailer, clock = make_deps()
    left_everything(deps)
    for index in range(5):
        contest(deps, f"contest-{index}")
    assert confirmations(mailer) == ["jane@example.com"]
    clock.advance(hours=25)
    contest(deps, "contest-next-day")
    assert confirmations(mailer) == ["jane@example.com", "jane@example.com"]


def preferences_token(deps) -> str:  # type: ignore[no-untyped-def]
    return unsubscribe_links(deps, "jane@example.com", ALL_EMAIL).preferences_url.rsplit("/u/", 1)[1]


def test_a_preference_page_submitted_again_and_again_mails_its_owner_once_a_day() -> None:
    deps, _, mailer, clock = make_deps()
    left_everything(deps)
    token = preferences_token(deps)
    form = {"action": ["save"], "shown": ["promotions"], "topic": ["promotions"], "form_tag": [_tag(deps, token)]}
    first = submit_form(deps, token, form, Visitor())
    assert any("We sent a confirmation email" in m for m in first.messages())
    for _ in range(3):
        again = submit_form(deps, token, form, Visitor())
        assert any("already sent today" in m for m in again.messages())
    assert confirmations(mailer) == ["jane@example.com"]
    clock.advance(hours=25)
    submit_form(deps, token, form, Visitor())
    assert len(confirmations(mailer)) == 2


def test_the_confirmation_page_says_confirmed_only_when_something_was() -> None:
    deps, _, mailer, _ = make_deps()
    left_everything(deps)
    contest(deps, "contest-1")
    confirmation = [m for m in mailer.sent if m.subject.startswith("Confirm")][-1]
    url = next(w for w in confirmation.text.split() if "/u/" in w)
    token = url.rsplit("/u/", 1)[1].rstrip(".")
    form = {"action": ["confirm"], "form_tag": [_tag(deps, token)]}
    assert submit_form(deps, token, form, Visitor()).messages()[0].startswith("Confirmed.")
    assert submit_form(deps, token, form, Visitor()).messages()[0].startswith("Already confirmed.")


def test_a_contest_entry_made_before_an_opt_out_but_delivered_after_it_grants_and_asks_nothing() -> None:
    """A newer opt-out beats an older entry; an entry made after the opt-out still gets its contest (SPEC §1.5)."""
    from chalicelib.services.eligibility import check_eligibility

    deps, _, mailer, clock = make_deps()
    deliver(deps, event("e-signup"))
    entered_at = clock.now().isoformat().replace("+00:00", "Z")
    clock.advance(minutes=5)
    token = preferences_token(deps)
    submit_form(deps, token, {"action": ["unsubscribe_all"], "form_tag": [_tag(deps, token)]}, Visitor())
    ends = (clock.now() + timedelta(days=20)).isoformat().replace("+00:00", "Z")
    late = event(
        "late", "contest.entered", entered_at, contest_id="spring", contest_ends_at=ends, marketing_opt_in=True
    )
    sent_before = len(mailer.sent)
    deliver(deps, late)

    def reason(topic: str) -> str:
        body = {"channel": "email", "topic": topic, "recipients": ["jane@example.com"]}
        return str(check_eligibility(deps, body)[0]["reason"])

    assert reason("contest:spring") != "contest_entrant" and len(mailer.sent) == sent_before
    clock.advance(minutes=5)
    contest(deps, "autumn")
    assert reason("contest:autumn") == "contest_entrant"


def test_the_confirmation_says_what_the_change_did() -> None:
    """Leaving one list is "You left: <that list>", in the words of the preference page; leaving all email is
    being unsubscribed from the store."""
    deps, _, mailer, clock = make_deps()
    deliver(deps, event("e-signup"))
    token = preferences_token(deps)
    form = {"action": ["save"], "shown": ["updates", "surveys"], "topic": ["updates"], "form_tag": [_tag(deps, token)]}
    view = submit_form(deps, token, form, Visitor())
    assert view.messages()[0] == "Removed: Shopping-preference surveys."
    assert mailer.sent[-1].subject == "You left: Shopping-preference surveys"
    clock.advance(hours=25)  # one confirmation a day
    submit_form(deps, token, {"action": ["unsubscribe_all"], "form_tag": [_tag(deps, token)]}, Visitor())
    assert mailer.sent[-1].subject == "You are unsubscribed from Example Store"
