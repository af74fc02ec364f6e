"""Erasure against writes that read "nobody here" just before it (SPEC §1.8): the address's item becomes its
tombstone under the same key, so a first write conditioned on "no item" fails and decides again on the tombstone;
writes that cannot carry that condition (third-party records, ledger overflow) take back what they wrote.

Each test lets the writer read, runs the erasure at the worst moment, then lets the writer go on, on moto."""

from typing import Any

from chalicelib.domain.consent import Contact, Provenance, SuppressionReason
from chalicelib.services.eligibility import check_eligibility
from chalicelib.services.erasure import erase
from chalicelib.services.exports import postal_export
from chalicelib.services.imports import import_records
from tests.integration.conftest import World
from tests.support.events import POSTAL
from tests.support.table import scan_table

ADDRESS = "kid@example.com"


def table() -> list[dict[str, Any]]:
    return scan_table()


def plain_address_stored() -> bool:
    return any(ADDRESS in str(item) for item in table())


def allowed(world: World, topic: str, channel: str = "email") -> bool:
    body = {"recipients": [ADDRESS], "topic": topic, "channel": channel}
    return bool(check_eligibility(world.deps, body)[0]["allowed"])


def exported(world: World, topic: str) -> int:
    return int(postal_export(world.deps, {"topic": topic}, lambda _key, _data: None)["count"])


def erase_when_first_saved(world: World) -> list[str]:
    """Run the erasure right before the writer's first save of ADDRESS, after the writer read "nobody"."""
    store = world.deps.store
    save = store.save
    erased: list[str] = []

    def erasure_lands_first(contact: Contact, move_ledger: int = 0) -> None:
        if contact.address == ADDRESS and contact.version == 0 and not erased:
            erased.append(erase(world.deps, ADDRESS, SuppressionReason.CHILD, "storefront:age").subject)
        save(contact, move_ledger)

    store.save = erasure_lands_first  # type: ignore[method-assign]
    return erased


def test_a_sign_up_that_read_nobody_before_an_erasure_creates_no_contact(world: World) -> None:
    erased = erase_when_first_saved(world)
    assert world.subscribe(ADDRESS, "evt-1") == "processed"
    assert erased, "the erasure did not run between the sign-up's read and its write"
    assert not allowed(world, "updates") and not allowed(world, "catalog", "postal")
    assert exported(world, "catalog") == 0
    assert world.deps.store.load(ADDRESS).erased and not plain_address_stored()
    assert world.sent() == []


def test_an_import_that_read_nobody_before_an_erasure_keeps_no_record(world: World) -> None:
    store = world.deps.store
    put_acquired = store.put_acquired

    def erasure_between_read_and_write(records: list[dict[str, Any]]) -> int:
        erase(world.deps, ADDRESS, SuppressionReason.ERASURE, "api:erasure")
        return put_acquired(records)

    store.put_acquired = erasure_between_read_and_write  # type: ignore[method-assign]
    record = {"email": ADDRESS, "name": "Kid", "postal_address": POSTAL}
    answer = import_records(world.deps, {"source": "fair", "records": [record]})
    assert answer["imported"] == 0 and answer["skipped_suppressed"] == 1
    assert store.acquired_of(ADDRESS) == [] and not plain_address_stored()
    assert not allowed(world, "acquired:fair") and exported(world, "acquired:fair") == 0


def test_ledger_entries_written_by_a_change_that_lost_to_an_erasure_are_taken_back(world: World) -> None:
    from chalicelib.services.contacts import HOT_LEDGER, change_contact

    world.subscribe(ADDRESS, "evt-1")
    store = world.deps.store
    prov = Provenance(at=world.clock.now(), source="test", channel="api", policy_version="2026-01")

    def many_entries(contact: Contact) -> bool:
        for i in range(HOT_LEDGER + 5):
            contact.record("subscribe", f"contest:c{i}", "express", prov)
        return True

    assert change_contact(world.deps, ADDRESS, many_entries, create=False).written  # all on the item: nothing read
    write_ledger = store._write_ledger_items  # type: ignore[attr-defined]

    def erasure_after_the_overflow(key: str, entries: list[Any]) -> list[dict[str, Any]]:
        written = write_ledger(key, entries)
        store._write_ledger_items = write_ledger  # type: ignore[attr-defined]
        erase(world.deps, ADDRESS, SuppressionReason.ERASURE, "api:erasure")
        return list(written)

    store._write_ledger_items = erasure_after_the_overflow  # type: ignore[attr-defined]

    change = change_contact(world.deps, ADDRESS, many_entries, create=False)  # the entries read move out first
    assert change.erased and not change.written
    assert not plain_address_stored()
    key = store.key_of(ADDRESS)  # type: ignore[attr-defined]
    assert [i["sk"]["S"] for i in table() if i["pk"]["S"] == f"C#{key}"] == ["C"]  # the tombstone alone
