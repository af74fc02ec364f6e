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


def test_erasure_deletes_every_mailto_handle_the_address_may_have_had() -> None:
    """A handle holds a token sealing the address: links for a topic never held, for a contest that ended, and
    those made under an earlier token key all go with the erasure (SPEC §1.8)."""
    from datetime import timedelta

    from chalicelib.domain.consent import SuppressionReason
    from chalicelib.domain.tokens import ALL_EMAIL, TokenCodec
    from chalicelib.services.erasure import erase
    from chalicelib.services.links import unsubscribe_links
    from chalicelib.services.storefront import handle_storefront_webhook
    from tests.support.events import body_of, event, signature
    from tests.support.fakes import TOKEN_KEY, WEBHOOK_SECRET, make_deps

    deps, store, _, clock = make_deps()
    secrets = deps.secrets.get()
    old_codec = TokenCodec({"k0": bytes(range(100, 132))}, "k0")
    # links made under an earlier key, then the key rotated (both kept, as during a rotation)
    object.__setattr__(secrets, "tokens", old_codec)
    unsubscribe_links(deps, "jane@example.com", ALL_EMAIL)
    object.__setattr__(secrets, "tokens", TokenCodec({"k0": bytes(range(100, 132)), "k1": TOKEN_KEY}, "k1"))
    unsubscribe_links(deps, "jane@example.com", "promotions")  # a topic never held
    ends = (clock.now() + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    payload = event("c1", "contest.entered", contest_id="spring", contest_ends_at=ends, marketing_opt_in=False)
    body = body_of(payload)
    handle_storefront_webhook(deps, body, signature(WEBHOOK_SECRET, body, clock.now().timestamp()))
    unsubscribe_links(deps, "jane@example.com", "contest:spring")
    clock.advance(days=2)  # the contest ended
    assert len(store.handles) == 3
    receipt = erase(deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")
    assert store.handles == {} and receipt.deleted["link_handles_checked"] >= 3
