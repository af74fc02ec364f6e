"""A storefront that leaves takes its customers' data with it (Shopify's `shop/redact`, 48 hours after the shop
uninstalled the app): everyone listkeeper knows through that shop alone is forgotten (erasure.py:
forget_known_only_through). A shop may have many customers and its webhook must be answered in seconds, so the
redaction is recorded first, a first batch is done at once, and the sweep carries on batch by batch until the
index lists nobody more."""

import logging

from ..domain.timeutil import iso
from .erasure import forget_known_only_through
from .ports import Deps

log = logging.getLogger(__name__)
AT_ONCE = 10  # people forgotten while the webhook waits (Shopify waits 5 seconds)
PER_SWEEP = 200  # and by each sweep after


def begin_redaction(deps: Deps, origin: str) -> None:
    deps.store.put_redaction(origin, iso(deps.clock.now()))
    carry_on(deps, origin, AT_ONCE)


def carry_on(deps: Deps, origin: str, limit: int) -> int:
    """Forget up to `limit` more people known only through `origin`; the redaction ends once none is left."""
    listed = deps.store.known_only_through(origin, limit)
    forgotten = sum(forget_known_only_through(deps, a, origin, "shopify:shop.redact") is not None for a in listed)
    if len(listed) < limit:
        deps.store.delete_redaction(origin)
        log.info("redaction of %s finished: remove the shop from LISTKEEPER_SHOPIFY_SHOPS and its token", origin)
    return forgotten


def continue_redactions(deps: Deps) -> int:
    """The sweep's share: a batch of each storefront's redaction still under way."""
    return sum(carry_on(deps, origin, PER_SWEEP) for origin in deps.store.pending_redactions())
