"""GET /v1/removals?state=… (SPEC §3.3): removal records and their deadlines, for the operator."""

from datetime import timedelta
from typing import Any

from ..domain.consent import RemovalRecord
from ..domain.errors import InvalidInput
from ..domain.hashing import is_keyed_hash
from ..domain.work import deadline_state
from .ports import Deps

STATES = ("open", "at_risk", "overdue", "done")
INDEX_COUNT = {"open": "n_open", "at_risk": "n_at_risk", "overdue": "n_overdue"}
DONE_DAYS = 7
LIMIT = 1000


def _as_dict(recipient: str | None, record: RemovalRecord, state: str) -> dict[str, Any]:
    return {
        "id": record.id,
        "recipient": recipient,
        "scope": record.scope,
        "source": record.source,
        "received_at": record.received_at,
        "due_at": record.due_at,
        "state": state,
        "destinations": dict(record.destinations),
    }


def list_removals(deps: Deps, state: str | None) -> list[dict[str, Any]]:
    if state not in STATES:
        raise InvalidInput("state must be one of open, at_risk, overdue, done", code="invalid_state")
    now = deps.clock.now()
    if state == "done":
        days = [(now - timedelta(days=n)).strftime("%Y-%m-%d") for n in range(DONE_DAYS)]
        return [_as_dict(r, rec, "done") for r, rec in deps.store.list_done(days, LIMIT)]
    # "open" lists every removal not done yet; at_risk and overdue are subsets, judged by the clock now.
    attribute = INDEX_COUNT[state]
    addresses = deps.store.pending_addresses("n_open" if state == "open" else attribute)
    out = []
    for address, loaded in sorted(deps.store.load_many(addresses).items()):
        if loaded.contact is None:
            continue
        for record in loaded.contact.removals.values():
            current = deadline_state(record, now)
            if current == "done" or (state != "open" and current != state):
                continue
            out.append(_as_dict(None if is_keyed_hash(address) else address, record, current))
    return sorted(out, key=lambda r: r["due_at"])[:LIMIT]
