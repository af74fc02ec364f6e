"""POST /v1/imports (SPEC §1.6, §3.3): a third-party list, kept as `acquired:<source>` with its provenance.

Records are their own items beside the contact (never a write over the contact item, so an import can never race
a removal away), written 25 per BatchWriteItem after one batched read (100 per request) finds who is suppressed,
erased, or has left that source's mailings: those are never touched."""

import re
from typing import Any

from ..domain.addresses import normalize_address
from ..domain.consent import Status
from ..domain.errors import InvalidAddress, InvalidInput
from ..domain.storefront_events import postal_address_of
from ..domain.timeutil import iso
from ..domain.topics import ACQUIRED_PREFIX, ALL_ACQUIRED
from .ports import Deps

MAX_RECORDS = 1000
SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def import_records(deps: Deps, body: Any) -> dict[str, int]:
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", code="malformed_json")
    source = body.get("source")
    if not isinstance(source, str) or not SOURCE.match(source):
        raise InvalidInput("source must be 1-64 letters, digits, '.', '_' or '-'", code="invalid_source")
    records = body.get("records")
    if not isinstance(records, list):
        raise InvalidInput("records must be a list", code="missing_field")
    if len(records) > MAX_RECORDS:
        raise InvalidInput(f"at most {MAX_RECORDS} records per call", code="too_many_records")
    valid: dict[str, dict[str, Any]] = {}
    invalid = 0
    for record in records:
        try:
            if not isinstance(record, dict):
                raise InvalidInput("a record must be an object")
            address = normalize_address(record.get("email"))
            name = record.get("name")
            if name is not None and (not isinstance(name, str) or len(name) > 200 or any(ord(c) < 32 for c in name)):
                raise InvalidInput("bad name")
            postal = postal_address_of(record) if record.get("postal_address") is not None else None
        except (InvalidAddress, InvalidInput):
            invalid += 1
            continue
        valid[address] = {"email": address, "name": name, "postal_address": postal}
    loaded = deps.store.load_many(valid)
    topic = f"{ACQUIRED_PREFIX}{source}"
    now = iso(deps.clock.now())
    keep, skipped = [], 0
    for address, record in valid.items():
        found = loaded.get(address)
        contact = found.contact if found else None
        left = contact is not None and (
            bool(contact.suppressions)
            or any(
                contact.topics[t].status is Status.UNSUBSCRIBED for t in (topic, ALL_ACQUIRED) if t in contact.topics
            )
        )
        if (found is not None and found.erased) or left:
            skipped += 1
            continue
        keep.append(
            {**record, "source": source, "topic": topic, "imported_at": now, "policy_version": deps.policy_version}
        )
    imported = deps.store.put_acquired(keep) if keep else 0  # fewer when an erasure landed meanwhile
    return {"imported": imported, "skipped_suppressed": skipped + len(keep) - imported, "invalid": invalid}
