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

    def unsubscribe_after_the_first_read(address: str, waiting: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
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


def moved(customer_id: str, old: str, new: str, event_id: str = "move") -> dict:  # type: ignore[type-arg]
    change = event(event_id, "customer.email_changed")
    change["data"] = {"customer_id": customer_id, "old_email": old, "new_email": new}
    return change


def test_a_change_of_address_that_comes_before_the_sign_up_sends_the_sign_up_to_the_new_address() -> None:
    """Webhooks are not ordered (SPEC §2): the sign-up under the old address, delivered after the change, is the
    person's at the new address; nothing is kept of the old one, and the welcome goes to the new one."""
    deps, store, mailer, _ = make_deps()
    assert deliver(deps, moved("cust-7", "old@example.com", "new@example.com")) == "processed"
    assert deliver(deps, event("signup", email="old@example.com", customer_id="cust-7", name="Ana")) == "processed"
    assert store.load("old@example.com").contact is None
    assert reason(deps, "old@example.com") == "not_subscribed"
    assert reason(deps, "new@example.com") == "subscribed"
    held = store.load("new@example.com").contact
    assert held is not None and held.profile.name == "Ana" and held.profile.customer_id == "cust-7"
    assert [m.to for m in mailer.sent] == ["new@example.com"]


def test_a_sign_up_landing_while_the_early_change_is_kept_is_moved_all_the_same() -> None:
    deps, store, _, _ = make_deps()
    put = store.put_waiting_fact

    def sign_up_first(key: str, fact: dict[str, str], keep_days: int) -> None:
        store.put_waiting_fact = put  # type: ignore[method-assign]
        deliver(deps, event("signup", email="old@example.com", customer_id="cust-7"))
        put(key, fact, keep_days)

    store.put_waiting_fact = sign_up_first  # type: ignore[method-assign]
    assert deliver(deps, moved("cust-7", "old@example.com", "new@example.com")) == "processed"
    assert store.put_waiting_fact == put, "the sign-up did not land in between"
    assert reason(deps, "old@example.com") == "unsubscribed"  # moved out
    assert reason(deps, "new@example.com") == "subscribed"


def test_moving_back_to_an_earlier_address_makes_later_events_about_it_count_there_again() -> None:
    deps, _, _, _ = make_deps()
    deliver(deps, moved("cust-7", "old@example.com", "new@example.com"))
    deliver(deps, moved("cust-7", "new@example.com", "old@example.com", "move-back"))
    deliver(deps, event("signup-later", email="old@example.com", customer_id="cust-7"))
    assert reason(deps, "old@example.com") == "subscribed"


def test_a_late_sign_up_under_an_address_left_for_one_since_erased_keeps_and_sends_nothing() -> None:
    from chalicelib.domain.consent import SuppressionReason
    from chalicelib.services.erasure import erase

    deps, store, mailer, _ = make_deps()
    deliver(deps, moved("cust-7", "old@example.com", "new@example.com"))
    erase(deps, "new@example.com", SuppressionReason.ERASURE, "api:erasure")
    deliver(deps, event("signup", email="old@example.com", customer_id="cust-7", name="Ana"))
    assert store.load("old@example.com").contact is None and mailer.sent == []
    assert "Ana" not in repr(list(store.items.values()))
