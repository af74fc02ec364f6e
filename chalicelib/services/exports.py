"""POST /v1/postal-exports (SPEC §1.7, §3.3): a CSV of the people who may get a postal mailing, written to S3.

It reads the sparse `postal` index (only items that hold a postal address), then checks each person with the same
eligibility rules as /v1/eligibility, so a postal suppression or a sharing opt-out never reaches an export."""

import csv
import io
from collections.abc import Callable
from typing import Any

from ..domain.errors import InvalidInput
from ..domain.rules import eligibility
from ..domain.timeutil import iso
from ..domain.topics import ACQUIRED_PREFIX, Channel, channels_of, parse_topic
from .ports import Deps

FIELDS = ["name", "line1", "line2", "city", "region", "postal_code", "country"]


ObjectWriter = Callable[[str, bytes], None]  # (key, body): where the export is written


def postal_export(deps: Deps, body: Any, write: ObjectWriter) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", code="malformed_json")
    topic = parse_topic(body.get("topic"))
    if Channel.POSTAL not in channels_of(topic):
        raise InvalidInput("postal exports are for catalog, partner_sharing or acquired:<source>", code="invalid_topic")
    acquired_source = topic.removeprefix(ACQUIRED_PREFIX) if topic.startswith(ACQUIRED_PREFIX) else None
    wanted_sk = f"A#{acquired_source}" if acquired_source else "C"
    addresses = sorted({address for address, sk in deps.store.postal_holders() if sk == wanted_sk})
    loaded = deps.store.load_many(addresses)
    records = deps.store.acquired_many(addresses, acquired_source) if acquired_source else {}
    now = deps.clock.now()
    rows = []
    for address in addresses:
        found = loaded.get(address)
        if found is not None and found.erased:
            continue
        contact = found.contact if found else None
        verdict = eligibility(contact, Channel.POSTAL, topic, now, acquired=address in records)
        if not verdict.allowed:
            continue
        if acquired_source:
            name, postal = records[address].get("name"), records[address].get("postal_address") or {}
        else:
            assert contact is not None
            name, postal = contact.profile.name, contact.profile.postal_address or {}
        if postal:
            rows.append({"name": name or "", **{k: postal.get(k, "") for k in FIELDS[1:]}})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    key = f"exports/{topic.replace(':', '-')}/{iso(now)}.csv"
    write(key, out.getvalue().encode("utf-8"))
    return {"key": key, "count": len(rows)}
