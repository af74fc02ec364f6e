"""Identifiers that outlive an erasure (removal ids on the tombstone, in the archive and at partners; outbox ids in
the send log and SES's records) are random: none can be recomputed from an address, a scope and a time."""

from chalicelib.domain.consent import Contact, Provenance
from chalicelib.domain.removals import opt_out
from chalicelib.domain.rules import queue_mail
from tests.support.fakes import FakeClock


def test_the_same_removal_of_the_same_person_at_the_same_moment_gets_an_unrelated_id() -> None:
    now = FakeClock().now()
    prov = Provenance(at=now, source="link:one_click", channel="link", policy_version="2026-01")
    ids = set()
    for _ in range(3):
        contact = Contact(address="jane@example.com")
        record = opt_out(contact, "email", prov, now, ("partners",))
        assert record is not None
        ids.add(record.id)
        ids.add(queue_mail(contact, "removal_confirmation", prov, now).id.rsplit("-", 1)[1])
    assert len(ids) == 6


def test_a_mailto_handle_made_before_an_erasure_names_nobody_after_it() -> None:
    """A handle holds the person's item key and a list code, nothing stored beside it: after the erasure the item is
    the tombstone, so links for all email, a topic never held, and a contest that ended, made under an earlier token
    key or the current one, remove nobody, mail nobody and store nothing of the person (SPEC §1.8)."""
    from datetime import timedelta

    from chalicelib.adapters.mime import parse_inbound
    from chalicelib.domain.consent import SuppressionReason
    from chalicelib.domain.tokens import ALL_EMAIL, TokenCodec
    from chalicelib.services.erasure import erase
    from chalicelib.services.inbound import Received, handle_inbound
    from chalicelib.services.links import unsubscribe_links
    from chalicelib.services.storefront import handle_storefront_webhook
    from tests.support.events import body_of, event, signature
    from tests.support.fakes import TOKEN_KEY, WEBHOOK_SECRET, make_deps

    deps, store, mailer, clock = make_deps()
    secrets = deps.secrets.get()
    object.__setattr__(secrets, "tokens", TokenCodec({"k0": bytes(range(100, 132))}, "k0"))
    links = [unsubscribe_links(deps, "jane@example.com", ALL_EMAIL)]  # then the key rotated, both kept
    object.__setattr__(secrets, "tokens", TokenCodec({"k0": bytes(range(100, 132)), "k1": TOKEN_KEY}, "k1"))
    links.append(unsubscribe_links(deps, "jane@example.com", "promotions"))  # a topic never held
    ends = (clock.now() + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    payload = event("c1", "contest.entered", contest_id="spring", contest_ends_at=ends, marketing_opt_in=False)
    body = body_of(payload)
    handle_storefront_webhook(deps, body, signature(WEBHOOK_SECRET, body, clock.now().timestamp()))
    links.append(unsubscribe_links(deps, "jane@example.com", "contest:spring"))
    clock.advance(days=2)  # the contest ended
    erase(deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")
    (tombstone,) = store.items.values()
    sent = len(mailer.sent)
    for n, link in enumerate(links):
        mailto = link.mailto.removeprefix("mailto:")
        raw = f"From: jane@example.com\r\nTo: {mailto}\r\nSubject: unsubscribe\r\n\r\nunsubscribe\r\n".encode()
        outcome = handle_inbound(deps, Received(f"m{n}", parse_inbound(raw, (mailto,)), None, {}, None))
        assert outcome.applied_to is None and outcome.review_id is None
    assert len(mailer.sent) == sent and list(store.items.values()) == [tombstone]
    assert all("jane" not in link.mailto for link in links)
