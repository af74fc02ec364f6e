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
