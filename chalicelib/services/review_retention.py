"""How long a review item keeps the words of the message it came from (SPEC §3.3, §1.8)."""

from datetime import timedelta
from typing import Any

from ..domain.timeutil import parse_iso
from .ports import Deps

TEXT_KEPT = timedelta(days=30)  # the review item's copy of the words lives no longer than the raw message
TEXT_REMOVED = "(the message's text was removed 30 days after it arrived, with the raw message; the request stays)"


def forget_old_review_text(deps: Deps, item: dict[str, Any]) -> bool:
    """An item still waiting after 30 days keeps its clock, sender and suggestion, but no longer the person's
    words (which may hold a password the store's policy told them to send)."""
    if item.get("text") == TEXT_REMOVED or parse_iso(str(item["received_at"])) + TEXT_KEPT > deps.clock.now():
        return False
    deps.store.put_review({**item, "text": TEXT_REMOVED, "subject": None, "storage_key": None})
    return True
