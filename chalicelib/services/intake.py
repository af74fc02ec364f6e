"""One-clicks the store could not take at that moment, kept in a durable queue and applied by the sweep.

A mail client sends an RFC 8058 one-click once and never retries it, so a DynamoDB outage or a contended contact
at that instant must not lose the removal (SPEC §5): the link is checked (no database read), the click is queued
with its own time, and the person is told it is received. The sweep applies it with that time, so the 48-hour
clock runs from the click."""

import logging

from ..domain.errors import InvalidInput, InvalidToken
from ..domain.timeutil import iso, parse_iso
from .ports import Deps, Intake
from .preferences import Visitor, one_click, one_click_claims

log = logging.getLogger(__name__)
ONE_CLICK = "one_click"


class NoIntake(Exception):
    """The stage has no intake queue, so there is nowhere to keep the request."""


def _intake(deps: Deps) -> Intake:
    if deps.intake is None:
        raise NoIntake("no intake queue is configured")
    return deps.intake


def defer_one_click(deps: Deps, token: str, visitor: Visitor) -> None:
    """Queue a one-click for later. Raises what a bad link raises, or the queue's own failure (nothing is kept)."""
    one_click_claims(deps, token)  # only a link that can unsubscribe is kept
    request = {"kind": ONE_CLICK, "token": token, "ip": visitor.ip, "user_agent": visitor.user_agent}
    _intake(deps).defer({**request, "clicked_at": iso(deps.clock.now())})


def apply_deferred(deps: Deps, limit: int = 50) -> int:
    """Apply what the intake holds; a request that fails for now stays queued and comes back. Returns the count
    applied (or dropped as unusable)."""
    if deps.intake is None:
        return 0
    applied = 0
    for receipt, request in deps.intake.take(limit):
        try:
            if request.get("kind") == ONE_CLICK:
                visitor = Visitor(ip=request.get("ip"), user_agent=request.get("user_agent"))
                one_click(deps, str(request["token"]), visitor, parse_iso(str(request["clicked_at"])))
            else:
                log.error("unknown deferred request kind %r dropped", request.get("kind"))
        except (InvalidToken, InvalidInput, KeyError, ValueError):
            log.exception("a deferred request can never apply; dropped")  # e.g. its signing key was retired
        except Exception:
            log.exception("a deferred request failed again; it stays queued")
            continue
        deps.intake.done(receipt)
        applied += 1
    return applied
