"""Email removals written back to Shopify (SPEC §5, a destination): the Admin GraphQL API's
`customerEmailMarketingConsentUpdate`, state UNSUBSCRIBED at the removal's own time, for each Shopify customer id the
person holds. Shopify Email, and every tool that reads consent from Shopify, then stops mailing them too.

A write is acknowledged when Shopify answers it without user errors (or says the customer cannot be mailed there at
all: gone, or without an address). Throttling — HTTP 429, or the cost-based limit's THROTTLED error — and outages
stop that shop's writes for this run: the sweep retries them with its backoff. Writes go out in a few mutations per
request, and fewer once the shop's cost bucket runs low."""

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..names import SHOPIFY as PLATFORM
from ..services.ports import RemovalNotice

log = logging.getLogger(__name__)

WRITES_PER_REQUEST = 10  # about 10 cost points each: far inside a bucket of 1,000 (or 2,000 on Shopify Plus)
TIMEOUT_SECONDS = 10
MUTATION = "customerEmailMarketingConsentUpdate"
# what one write selects: the customer's id and consent as stored, and the errors that tell a refusal apart
_SELECTION = (
    "{ customer { id emailMarketingConsent { marketingState consentUpdatedAt } } userErrors { field message code } }"
)

# (url, headers, body) -> (status, body); urllib here, replaced in tests and by the local stack's emulation
Post = Callable[[str, dict[str, str], bytes], tuple[int, bytes]]


def http_post(url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    import urllib.error  # here: only the sweep posts, and no function should load it at cold start for nothing
    import urllib.request

    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - https or loopback
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


@dataclass(frozen=True)
class Write:
    removal_id: str
    customer_id: str  # Shopify's numeric id
    consent_updated_at: str


def _accounts(notice: RemovalNotice) -> list[tuple[str, str]]:
    """(shop, numeric id) of each Shopify customer the notice names (a removal comes here only when it leaves the
    person with no marketing email: Shopify holds one consent for all of it)."""
    found = []
    for account in notice.accounts:
        platform, _, rest = account.partition(":")
        shop, _, customer = rest.rpartition(":")
        if platform == PLATFORM and shop and customer.isdigit():
            found.append((shop, customer))
    return found


class ShopifyConsentWriteBack:
    platform: str | None = PLATFORM

    def __init__(
        self,
        name: str,
        channels: frozenset[str],
        api_version: str,
        endpoint: str,
        tokens: Callable[[], dict[str, str]],
        post: Post | None = None,
        shops: frozenset[str] | None = None,
    ) -> None:
        self.name = name
        self._shops = shops  # the shops still connected (None: any); a shop that left has nobody to tell
        self.channels = channels
        self._version = api_version
        self._endpoint = endpoint  # with {shop} and {version}
        self._tokens = tokens
        self._post = post

    def deliver(self, notices: list[RemovalNotice]) -> set[str]:
        writes: dict[str, list[Write]] = defaultdict(list)
        owed: dict[str, int] = {}  # removal id -> writes still to be acknowledged
        for notice in notices:
            accounts = _accounts(notice)
            owed[notice.removal_id] = len(accounts)  # none: nothing in Shopify to write, so nothing owed
            for shop, customer in accounts:
                if self._shops is not None and shop not in self._shops:
                    owed[notice.removal_id] -= 1  # the store no longer runs that shop: its consent is gone with it
                    continue
                writes[shop].append(Write(notice.removal_id, customer, notice.received_at))
        tokens = self._tokens()
        for shop, pending in writes.items():
            token = tokens.get(shop)
            if token is None:
                log.error("no Admin API access token for a Shopify shop: its write-backs wait")
                continue
            for start in range(0, len(pending), WRITES_PER_REQUEST):
                done, go_on = self._send(shop, token, pending[start : start + WRITES_PER_REQUEST])
                for write in done:
                    owed[write.removal_id] -= 1
                if not go_on:
                    break  # throttled or failing: the rest of this shop waits for the next run
        return {removal_id for removal_id, left in owed.items() if left == 0}

    def _send(self, shop: str, token: str, batch: list[Write]) -> tuple[list[Write], bool]:
        """One request of aliased mutations; returns the writes acknowledged and whether to go on with this shop."""
        variables = {
            f"c{i}": {
                "customerId": f"gid://shopify/Customer/{write.customer_id}",
                "emailMarketingConsent": {
                    "marketingState": "UNSUBSCRIBED",
                    "consentUpdatedAt": write.consent_updated_at,
                },
            }
            for i, write in enumerate(batch)
        }
        declared = ", ".join(f"$c{i}: CustomerEmailMarketingConsentUpdateInput!" for i in range(len(batch)))
        fields = " ".join(f"c{i}: {MUTATION}(input: $c{i}) {_SELECTION}" for i in range(len(batch)))
        body = json.dumps({"query": f"mutation WriteBack({declared}) {{ {fields} }}", "variables": variables})
        url = self._endpoint.format(shop=shop, version=self._version)
        headers = {"Content-Type": "application/json", "X-Shopify-Access-Token": token}
        try:
            status, raw = (self._post or http_post)(url, headers, body.encode())
        except Exception as exc:  # noqa: BLE001 - refused, reset, timed out, or refused by http.client itself
            # only the kind of failure: an error's message may quote the request's headers, the token among them
            log.warning("Shopify Admin API unreachable (%s): write-backs wait", type(exc).__name__)
            return [], False
        if status != 200:
            log.warning("Shopify Admin API answered %s: write-backs wait", status)  # 429: throttled; 5xx; 401
            return [], False
        try:
            answer = json.loads(raw)
        except ValueError:
            log.warning("Shopify Admin API answered something that is not JSON: write-backs wait")
            return [], False
        errors = answer.get("errors") or []
        if errors:
            codes = sorted({str((e.get("extensions") or {}).get("code")) for e in errors if isinstance(e, dict)})
            log.warning("Shopify Admin API refused the request (%s): write-backs wait", ",".join(codes) or "errors")
            return [], False
        data = answer.get("data") or {}
        done = [write for i, write in enumerate(batch) if _acknowledged(data.get(f"c{i}"))]
        return done, _room_for_more(answer)


def _acknowledged(result: Any) -> bool:
    if not isinstance(result, dict):
        return False
    user_errors = result.get("userErrors") or []
    if not user_errors:
        return True
    # the customer is gone from the shop, or has no address there: Shopify cannot mail them, nothing is left to do
    if all(isinstance(e, dict) and (e.get("field") or [""])[-1] == "customerId" for e in user_errors):
        log.info("a Shopify customer written back to no longer exists there")
        return True
    codes = sorted({str(e.get("code")) for e in user_errors if isinstance(e, dict)})
    log.warning("Shopify refused a consent write-back (%s): it waits", ",".join(codes))
    return False


def _room_for_more(answer: dict[str, Any]) -> bool:
    """The cost-based limit: stop before the next request would be throttled."""
    cost = (answer.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    available, requested = status.get("currentlyAvailable"), cost.get("requestedQueryCost")
    if isinstance(available, int | float) and isinstance(requested, int | float):
        return available >= requested
    return True
