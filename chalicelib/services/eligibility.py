"""POST /v1/eligibility (SPEC §3.3): may each recipient get this mailing?"""

from typing import Any

from ..domain.addresses import normalize_address
from ..domain.errors import InvalidAddress, InvalidInput
from ..domain.rules import Reason, eligibility
from ..domain.topics import ACQUIRED_PREFIX, Channel, parse_channel, parse_topic
from .ports import Deps

MAX_RECIPIENTS = 1000


def check_eligibility(deps: Deps, body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", code="malformed_json")
    channel = parse_channel(body.get("channel"))
    topic = parse_topic(body.get("topic"))
    recipients = body.get("recipients")
    if not isinstance(recipients, list):
        raise InvalidInput("recipients must be a list of addresses", code="missing_field")
    if len(recipients) > MAX_RECIPIENTS:
        raise InvalidInput(f"at most {MAX_RECIPIENTS} recipients per call", code="too_many_recipients")
    normalized: list[str | None] = []
    for raw in recipients:
        try:
            normalized.append(normalize_address(raw))
        except InvalidAddress:
            normalized.append(None)
    wanted = {a for a in normalized if a is not None}
    loaded = deps.store.load_many(wanted)
    acquired: dict[str, Any] = {}
    if topic.startswith(ACQUIRED_PREFIX):
        records = deps.store.acquired_many(wanted, topic.removeprefix(ACQUIRED_PREFIX))
        # a postal mailing needs a postal address on the record
        acquired = {a: r for a, r in records.items() if channel is Channel.EMAIL or r.get("postal_address")}
    now = deps.clock.now()
    results: list[dict[str, Any]] = []
    for raw, address in zip(recipients, normalized, strict=True):
        if address is None:
            results.append({"recipient": raw, "allowed": False, "reason": Reason.INVALID_ADDRESS.value})
            continue
        found = loaded.get(address)
        if found is not None and found.erased:
            verdict_allowed, reason = False, Reason.SUPPRESSED
        else:
            contact = found.contact if found else None
            verdict = eligibility(contact, channel, topic, now, acquired=address in acquired)
            verdict_allowed, reason = verdict.allowed, verdict.reason
        results.append({"recipient": raw, "allowed": verdict_allowed, "reason": reason.value})
    return results
