"""Announcing a new use of data (SPEC §1.9): POST /v1/policy-announcements, and the sweep's fan-out of notices."""

import re
from datetime import datetime
from functools import partial
from typing import Any

from ..domain.consent import Contact, Provenance
from ..domain.errors import InvalidInput, ListkeeperError
from ..domain.policy import Announcement, notify_of_new_use
from ..domain.timeutil import iso
from ..domain.topics import USE_PREFIX
from .outbox import change_and_deliver
from .ports import Deps

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")
NOTICES_PER_SWEEP = 200


class AlreadyAnnounced(ListkeeperError):
    code = "already_announced"


def announce(deps: Deps, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", code="malformed_json")
    name, version, description = body.get("use"), body.get("policy_version"), body.get("description")
    window = body.get("window_days", 30)
    if not isinstance(name, str) or not NAME.match(name):
        raise InvalidInput("use must be 1-41 lower-case letters, digits, '_' or '-'", code="invalid_use")
    if not isinstance(version, str) or not 0 < len(version) <= 32:
        raise InvalidInput("policy_version is required", code="missing_field")
    if not isinstance(description, str) or not 0 < len(description) <= 500:
        raise InvalidInput("description (what the new use is) is required", code="missing_field")
    if isinstance(window, bool) or not isinstance(window, int) or not 7 <= window <= 365:
        raise InvalidInput("window_days must be a whole number from 7 to 365", code="invalid_field")
    item = {
        "use": f"{USE_PREFIX}{name}",
        "policy_version": version,
        "description": description,
        "window_days": window,
        "announced_at": iso(deps.clock.now()),
        "cursor": "0|",
    }
    if not deps.store.put_announcement(item):
        raise AlreadyAnnounced(f"{item['use']} was announced already")
    return {k: v for k, v in item.items() if k != "cursor"}


def notify_pending(deps: Deps, budget: int = NOTICES_PER_SWEEP) -> int:
    """Tell the next page of people about each announcement still being sent out; called by the sweep."""
    told = 0
    for item in deps.store.list_announcements():
        cursor = str(item.get("cursor", "done"))
        if cursor == "done" or budget <= 0:
            continue
        announcement = Announcement(
            use=item["use"],
            policy_version=item["policy_version"],
            description=item["description"],
            window_days=int(item["window_days"]),
            announced_at=item["announced_at"],
        )
        now = deps.clock.now()
        version = announcement.policy_version
        prov = Provenance(at=now, source=f"policy:{version}", channel="email", policy_version=version)
        decide = partial(_tell, announcement=announcement, prov=prov, now=now)
        while cursor != "done" and budget > 0:
            addresses, cursor = deps.store.audience_page(cursor, budget)
            for address in addresses:
                told += int(change_and_deliver(deps, address, decide, create=False).written)
            budget -= len(addresses)
            deps.store.set_announcement_cursor(announcement.use, cursor)  # after the page: a crash repeats it
    return told


def _tell(contact: Contact, *, announcement: Announcement, prov: Provenance, now: datetime) -> bool:
    return notify_of_new_use(contact, announcement, prov, now)
