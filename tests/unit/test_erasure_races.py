"""Erasure while another request changes the same contact (SPEC §1.8, §5, §6): what lands during the erasure is
kept in the tombstone or not written at all, and nothing is sent to the address."""

from chalicelib.domain.consent import Contact, SuppressionReason
from chalicelib.domain.tokens import ALL_EMAIL
from chalicelib.services.erasure import erase
from chalicelib.services.preferences import Visitor, one_click
from chalicelib.services.storefront import handle_storefront_webhook
from tests.support.events import POSTAL, body_of, event, signature
from tests.support.fakes import WEBHOOK_SECRET, make_deps

ADDRESS = "jane@example.com"


def test_a_one_click_landing_while_the_tombstone_is_written_sends_nothing_and_loses_nothing() -> None:
    deps, store, mailer, clock = make_deps()
    body = body_of(event("e1", email=ADDRESS, postal_address=POSTAL))
    handle_storefront_webhook(deps, body, signature(WEBHOOK_SECRET, body, clock.now().timestamp()))
    token = deps.secrets.get().tokens.issue(ADDRESS, ALL_EMAIL, clock.now())
    mailer.sent.clear()
    save = store.save
    clicked: list[str] = []

    def save_while_someone_clicks(contact: Contact, move_ledger: int = 0) -> None:
        if contact.address != ADDRESS and not clicked:  # the tombstone, under its keyed hash
            clicked.extend(one_click(deps, token, Visitor()).messages())
        save(contact, move_ledger)

    store.save = save_while_someone_clicks  # type: ignore[method-assign]
    erase(deps, ADDRESS, SuppressionReason.ERASURE, "api:erasure")
    assert clicked == ["You are unsubscribed from all marketing email."]
    assert [m.subject for m in mailer.sent] == []  # no confirmation to an address being erased
    loaded = store.load(ADDRESS)
    assert loaded.contact is None and loaded.tombstone is not None
    records = loaded.tombstone.removals.values()
    assert sorted((r.scope, r.source) for r in records) == [("email", "api:erasure"), ("postal", "api:erasure")]
