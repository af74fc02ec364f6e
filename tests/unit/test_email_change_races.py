"""customer.email_changed racing an unsubscribe on the old address: a choice to leave made after the old contact
was read for the move, but before it moved out, still reaches the new address."""

from chalicelib.domain.consent import Provenance
from chalicelib.domain.removals import opt_out
from chalicelib.services.contacts import change_contact
from chalicelib.services.eligibility import check_eligibility
from chalicelib.services.storefront import handle_storefront_webhook
from tests.support.events import body_of, event, signature
from tests.support.fakes import WEBHOOK_SECRET, make_deps


def deliver(deps, payload) -> str:  # type: ignore[no-untyped-def]
    body = body_of(payload)
    return handle_storefront_webhook(deps, body, signature(WEBHOOK_SECRET, body, deps.clock.now().timestamp())).status


def reason(deps, address: str) -> str:  # type: ignore[no-untyped-def]
    body = {"channel": "email", "topic": "updates", "recipients": [address]}
    return str(check_eligibility(deps, body)[0]["reason"])


def test_an_unsubscribe_landing_between_the_read_and_the_move_out_follows_to_the_new_address() -> None:
    deps, store, _, _ = make_deps()
    deliver(deps, event("signup", email="old@example.com", customer_id="cust-5"))
    load = store.load
    reads = {"old@example.com": 0}

    def unsubscribe_after_the_first_read(address: str, waiting: str | None = None):  # type: ignore[no-untyped-def]
        loaded = load(address, waiting)
        if address == "old@example.com":
            reads[address] += 1
            if reads[address] == 1:  # the move has read the old contact: now the person clicks unsubscribe there
                store.load = load  # type: ignore[method-assign]
                prov = Provenance(at=deps.clock.now(), source="link:one_click", channel="link", policy_version="x")
                change_contact(deps, "old@example.com", lambda c: opt_out(c, "email", prov, prov.at, ()) is not None)
                store.load = unsubscribe_after_the_first_read  # type: ignore[method-assign]
        return loaded

    store.load = unsubscribe_after_the_first_read  # type: ignore[method-assign]
    change = event("move", "customer.email_changed")
    change["data"] = {"customer_id": "cust-5", "old_email": "old@example.com", "new_email": "new@example.com"}
    assert deliver(deps, change) == "processed"
    store.load = load  # type: ignore[method-assign]
    assert reason(deps, "old@example.com") == "suppressed"
    assert reason(deps, "new@example.com") == "suppressed"
