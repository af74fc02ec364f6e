"""SPEC §6: in a stage set to double opt-in, every new email subscription begins only when the person confirms."""

import dataclasses
import re

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.rules import Reason, eligibility
from chalicelib.domain.tokens import ALL_EMAIL
from chalicelib.domain.topics import Channel
from chalicelib.services.preferences import Visitor, one_click, submit_form
from chalicelib.services.storefront import handle_storefront_webhook
from tests.support.events import POSTAL, body_of, event, signature
from tests.support.fakes import WEBHOOK_SECRET, make_deps


def test_saved_info_asks_for_confirmation_first_and_subscribes_only_on_it() -> None:
    deps, store, mailer, clock = make_deps()
    deps = dataclasses.replace(deps, double_opt_in=True)

    def deliver(event_id: str) -> None:
        body = body_of(
            event(event_id, postal_address=POSTAL, created_at=clock.now().isoformat().replace("+00:00", "Z"))
        )
        handle_storefront_webhook(deps, body, signature(WEBHOOK_SECRET, body, clock.now().timestamp()))

    def reason(topic: str, channel: Channel = Channel.EMAIL) -> Reason:
        return eligibility(store.load("jane@example.com").contact, channel, topic, clock.now()).reason

    deliver("e1")
    deliver("e2")  # saving info again the same day sends no second confirmation
    assert [m.subject for m in mailer.sent] == ["Confirm: email from Example Store again"]
    assert reason("updates") is Reason.NOT_SUBSCRIBED
    assert reason("catalog", Channel.POSTAL) is Reason.SUBSCRIBED  # postal mail is not an email subscription
    token = re.search(r"/u/(\S+)", mailer.sent[0].text).group(1)  # type: ignore[union-attr]
    assert deps.secrets.get().tokens.verify(token, clock.now()).scope == "optin:updates,surveys"
    tag = deps.secrets.get().tokens.form_tag(token)
    submit_form(deps, token, {"form_tag": [tag], "action": ["confirm"]}, Visitor())
    assert reason("updates") is Reason.SUBSCRIBED and reason("surveys") is Reason.SUBSCRIBED
    assert store.load("jane@example.com").contact.topics["updates"].basis.value == "confirmed"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("confirms", "later_opt_out", "expected"),
    [
        ("promotions", ALL_EMAIL, Reason.SUPPRESSED),  # all email left after the link was sent
        ("surveys", "surveys", Reason.UNSUBSCRIBED),  # the very topic left after the link was sent
    ],
)
def test_a_confirmation_link_made_before_a_later_opt_out_confirms_nothing(
    confirms: str, later_opt_out: str, expected: Reason
) -> None:
    deps, store, _, clock = make_deps()
    body = body_of(event("e1", created_at=clock.now().isoformat().replace("+00:00", "Z")))
    handle_storefront_webhook(deps, body, signature(WEBHOOK_SECRET, body, clock.now().timestamp()))
    codec = deps.secrets.get().tokens
    old_link = codec.issue("jane@example.com", f"optin:{confirms}", clock.now())
    clock.advance(minutes=1)
    one_click(deps, codec.issue("jane@example.com", later_opt_out, clock.now()), Visitor())  # the newer opt-out
    with pytest.raises(InvalidInput, match="after this link"):
        submit_form(deps, old_link, {"form_tag": [codec.form_tag(old_link)], "action": ["confirm"]}, Visitor())
    contact = store.load("jane@example.com").contact
    assert eligibility(contact, Channel.EMAIL, confirms, clock.now()).reason is expected


def test_marketing_mail_owed_before_an_opt_out_is_not_sent_after_it() -> None:
    from chalicelib.domain.consent import Provenance, Suppression, SuppressionReason
    from chalicelib.domain.rules import queue_mail
    from chalicelib.services.mail_claims import claim_due_mail
    from chalicelib.services.outbox import send_claimed
    from chalicelib.services.ports import MailError

    deps, store, mailer, clock = make_deps()
    mailer.failures.append(MailError("Throttling"))
    body = body_of(event("e1", created_at=clock.now().isoformat().replace("+00:00", "Z")))
    handle_storefront_webhook(deps, body, signature(WEBHOOK_SECRET, body, clock.now().timestamp()))
    contact = store.load("jane@example.com").contact
    assert contact is not None and [m.kind for m in contact.outbox.values()] == ["welcome"]
    contact.suppressions["email"] = Suppression(SuppressionReason.REQUEST, "2026-11-25T12:00:01.000000Z", "link")
    prov = Provenance(at=clock.now(), source="t", channel="link", policy_version="2026-01")
    queue_mail(contact, "removal_confirmation", prov, clock.now()).params = {"scopes": "email"}
    clock.advance(hours=1)  # past the welcome's backoff: both are due
    claimed = claim_due_mail(contact, clock.now())
    store.save(contact)
    sent = send_claimed(deps, contact, claimed)
    assert [m.subject for m in mailer.sent] == ["You are unsubscribed from Example Store"] and len(sent) == 1
    # the welcome is dropped at once; the confirmation stays claimed until the send log settles it
    held = store.load("jane@example.com").contact
    assert held is not None and [m.kind for m in held.outbox.values()] == ["removal_confirmation"]
    assert [store.was_sent(i) for i in claimed] == [False, True]
