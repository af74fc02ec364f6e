"""An erasure while the sweep is finishing one of the person's removals (SPEC §1.8, §5): the archived record stays,
for the operator, but never with the plain address."""

from typing import Any

from chalicelib.domain.consent import Contact, SuppressionReason
from chalicelib.services.erasure import erase
from chalicelib.services.sweep import run_sweep
from tests.integration.conftest import World
from tests.support.table import scan_table

ADDRESS = "jane@example.com"


def plain_address_stored() -> bool:
    items = scan_table()
    return any(ADDRESS in str(item) for item in items)


def archived_removals() -> list[dict[str, Any]]:
    items = scan_table()
    return [item for item in items if item["pk"]["S"].startswith("RD#")]


def test_an_erasure_between_the_sweeps_archive_write_and_its_contact_write_leaves_no_address(world: World) -> None:
    world.subscribe(ADDRESS, "evt-1")
    world.one_click(ADDRESS)  # a removal waiting for its destinations
    store = world.deps.store
    archive_done = store.archive_done

    def archive_then_erased(address: str | None, records: list[Any]) -> None:
        archive_done(address, records)
        store.archive_done = archive_done  # type: ignore[method-assign]
        erase(world.deps, ADDRESS, SuppressionReason.ERASURE, "api:erasure")

    store.archive_done = archive_then_erased  # type: ignore[method-assign]
    run_sweep(world.deps)
    assert store.archive_done is archive_done, "the sweep archived the removal while the erasure ran"
    assert archived_removals(), "the record stays, for the operator"
    assert not plain_address_stored()


def test_a_sweep_run_between_the_erasures_first_write_and_its_tombstone_leaves_no_address(world: World) -> None:
    world.subscribe(ADDRESS, "evt-1")
    world.one_click(ADDRESS)
    store = world.deps.store
    save = store.save
    swept: list[int] = []

    def sweep_before_the_tombstone(contact: Contact, move_ledger: int = 0) -> None:
        if contact.address != ADDRESS and not swept:  # the tombstone, under its keyed hash
            swept.append(run_sweep(world.deps).removals_done)
        save(contact, move_ledger)

    store.save = sweep_before_the_tombstone  # type: ignore[method-assign]
    erase(world.deps, ADDRESS, SuppressionReason.ERASURE, "api:erasure")
    assert swept == [1], "the sweep finished the removal while the erasure ran"
    assert archived_removals(), "the record stays, for the operator"
    assert not plain_address_stored()
