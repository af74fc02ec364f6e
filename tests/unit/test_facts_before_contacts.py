"""A fact that arrives before the contact it concerns is kept and applied when the contact appears (webhooks are
not ordered, and the customer index is eventually consistent): a child reported before their sign-up is never
signed up or welcomed, and an erasure asked for a customer id not held yet still reaches their first address."""

from chalicelib.services.eligibility import check_eligibility
from chalicelib.services.storefront import handle_storefront_webhook
from tests.support.events import POSTAL, body_of, event, signature
from tests.support.fakes import WEBHOOK_SECRET, make_deps


def deliver(deps, payload) -> str:  # type: ignore[no-untyped-def]
    body = body_of(payload)
    return handle_storefront_webhook(deps, body, signature(WEBHOOK_SECRET, body, deps.clock.now().timestamp())).status


def fact_about(customer_id: str, event_type: str, event_id: str, **data: object) -> dict:  # type: ignore[type-arg]
    payload = event(event_id, event_type)
    payload["data"] = {"customer_id": customer_id, **data}
    return payload


def test_a_child_reported_before_their_sign_up_is_never_signed_up_nor_welcomed() -> None:
    deps, store, mailer, _ = make_deps()
    assert deliver(deps, fact_about("cust-77", "customer.age_reported", "age-1", age=11)) == "processed"
    assert deliver(deps, event("signup-1", customer_id="cust-77", email="kid@example.com", postal_address=POSTAL))
    loaded = store.load("kid@example.com")
    assert loaded.contact is None and loaded.erased and loaded.tombstone is not None
    assert {s.reason.value for s in loaded.tombstone.suppressions.values()} == {"child"}
    assert mailer.sent == []
    for channel, topic in (("email", "updates"), ("postal", "catalog")):
        (result,) = check_eligibility(deps, {"channel": channel, "topic": topic, "recipients": ["kid@example.com"]})
        assert (result["allowed"], result["reason"]) == (False, "suppressed")
    # a second address of the same customer, later, is erased too: the fact stays for its 400 days
    deliver(deps, event("signup-2", customer_id="cust-77", email="kid.other@example.com"))
    assert store.load("kid.other@example.com").erased and mailer.sent == []


def test_an_erasure_for_a_customer_not_held_yet_reaches_their_first_address() -> None:
    deps, store, mailer, _ = make_deps()
    deliver(deps, fact_about("cust-88", "customer.erasure_requested", "erase-1"))
    deliver(deps, event("signup-3", customer_id="cust-88", email="late@example.com", name="Late Person"))
    loaded = store.load("late@example.com")
    assert loaded.contact is None and loaded.erased and mailer.sent == []


def test_an_erasure_request_after_an_age_report_does_not_weaken_the_childs_fact() -> None:
    deps, store, _, _ = make_deps()
    deliver(deps, fact_about("cust-99", "customer.age_reported", "age-2", age=9))
    deliver(deps, fact_about("cust-99", "customer.erasure_requested", "erase-2"))
    deliver(deps, event("signup-4", customer_id="cust-99", email="young@example.com"))
    tombstone = store.load("young@example.com").tombstone
    assert tombstone is not None and {s.reason.value for s in tombstone.suppressions.values()} == {"child"}


def test_the_waiting_fact_is_kept_under_a_keyed_hash_never_the_customer_id() -> None:
    deps, store, _, _ = make_deps()
    deliver(deps, fact_about("cust-secret-42", "customer.age_reported", "age-3", age=12))
    (key,) = store.waiting
    assert "cust-secret-42" not in key and "cust-secret-42" not in str(store.waiting[key])


def test_an_adult_reported_before_their_sign_up_is_signed_up_as_usual() -> None:
    deps, store, mailer, _ = make_deps()
    deliver(deps, fact_about("cust-55", "customer.age_reported", "age-4", age=40))
    deliver(deps, event("signup-5", customer_id="cust-55", email="adult@example.com"))
    assert store.load("adult@example.com").contact is not None and [m.to for m in mailer.sent] == ["adult@example.com"]


def test_a_child_reported_between_the_sign_ups_read_and_its_write_is_neither_kept_nor_welcomed() -> None:
    """The report finds no contact (not written yet) and keeps its fact; the sign-up had read before the fact was
    there. The sign-up reads the fact again once its contact holds the customer id, before sending anything."""
    deps, store, mailer, _ = make_deps()
    save = store.save
    reported: list[str] = []

    def report_lands_first(contact, move_ledger=0):  # type: ignore[no-untyped-def]
        if contact.address == "kid@example.com" and not reported:
            reported.append(deliver(deps, fact_about("cust-99", "customer.age_reported", "age-9", age=9)))
        save(contact, move_ledger)

    store.save = report_lands_first  # type: ignore[method-assign]
    deliver(deps, event("signup-9", customer_id="cust-99", email="kid@example.com", name="Kid", postal_address=POSTAL))
    assert reported == ["processed"]
    loaded = store.load("kid@example.com")
    assert loaded.contact is None and loaded.erased and mailer.sent == []
    assert "Kid" not in repr(list(store.items.values()))
