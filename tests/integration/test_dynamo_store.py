"""The DynamoDB store against moto: conditions, versions, batching, and the request budget per webhook."""

import email
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from chalicelib import wiring
from chalicelib.domain.consent import Contact, Provenance
from chalicelib.domain.rules import join_implied_topics
from chalicelib.domain.topics import IMPLIED_EMAIL_TOPICS
from chalicelib.services.ports import ClaimOutcome, VersionConflict
from chalicelib.services.storefront import handle_storefront_webhook
from tests.support.events import POSTAL, body_of, event, signature
from tests.support.table import scan_table

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def prov(i: int = 0) -> Provenance:
    return Provenance(at=NOW, source=f"test:{i}", channel="api", policy_version="2026-01")


def test_a_contact_round_trips_through_the_table(aws: dict[str, str]) -> None:
    store = wiring.store()
    contact = Contact(address="jane@example.com", created_at="2026-11-25T00:00:00.000000Z")
    join_implied_topics(contact, IMPLIED_EMAIL_TOPICS, prov())
    contact.profile.postal_address = dict(POSTAL)
    store.save(contact)
    loaded = store.load("jane@example.com").contact
    assert loaded is not None and loaded.version == 1
    assert loaded.topics == contact.topics and loaded.ledger == contact.ledger
    assert loaded.profile == contact.profile


def test_a_write_based_on_a_stale_read_is_refused(aws: dict[str, str]) -> None:
    store = wiring.store()
    store.save(Contact(address="jane@example.com"))
    first, second = store.load("jane@example.com").contact, store.load("jane@example.com").contact
    assert first is not None and second is not None
    store.save(first)
    with pytest.raises(VersionConflict):
        store.save(second)
    with pytest.raises(VersionConflict):
        store.save(Contact(address="jane@example.com"))  # "create" when it already exists


def test_event_claims_tell_new_same_and_conflicting_payloads(aws: dict[str, str]) -> None:
    store = wiring.store()
    assert store.claim_event("e1", "d1", NOW) is ClaimOutcome.NEW
    assert store.claim_event("e1", "d1", NOW) is ClaimOutcome.SAME
    assert store.claim_event("e1", "d2", NOW) is ClaimOutcome.CONFLICT


def test_older_ledger_entries_move_to_their_own_items_and_nothing_is_lost(aws: dict[str, str]) -> None:
    from chalicelib.adapters.aws import client
    from chalicelib.services.contacts import HOT_LEDGER, change_contact
    from chalicelib.services.contacts_view import show_contact

    deps = wiring.deps()
    count = iter(range(100))

    def entries(n: int) -> Callable[[Contact], bool]:
        def record(contact: Contact) -> bool:
            for _ in range(n):
                i = next(count)
                contact.record("subscribe", f"contest:c{i}", "express", prov(i))
            return True

        return record

    change_contact(deps, "jane@example.com", entries(HOT_LEDGER + 3))  # a change's own entries stay with it
    loaded = deps.store.load("jane@example.com").contact
    assert loaded is not None and len(loaded.ledger) == HOT_LEDGER + 3
    change_contact(deps, "jane@example.com", entries(1))  # too many on the item: the ones read move out
    loaded = deps.store.load("jane@example.com").contact
    assert loaded is not None and [e.source for e in loaded.ledger] == [f"test:{HOT_LEDGER + 3}"]
    change_contact(deps, "jane@example.com", entries(1), settle_ledger=True)  # the sweep's writes: all read move
    loaded = deps.store.load("jane@example.com").contact
    assert loaded is not None and [e.source for e in loaded.ledger] == [f"test:{HOT_LEDGER + 4}"]
    rows = client("dynamodb").query(
        TableName="listkeeper-local",
        KeyConditionExpression="pk = :pk AND begins_with(sk, :l)",
        ExpressionAttributeValues={":pk": {"S": f"C#{deps.store.key_of('jane@example.com')}"}, ":l": {"S": "L#"}},
    )["Items"]
    assert sum(int(r["n"]["N"]) for r in rows) == HOT_LEDGER + 4 and len(rows) == 3  # ten at most to an item
    # the proof of consent reads both, each entry once
    shown = [e["source"] for e in show_contact(deps, "jane@example.com")["ledger"]]
    assert sorted(shown) == sorted(f"test:{i}" for i in range(HOT_LEDGER + 5))


def test_load_many_reads_in_batches_of_100(aws: dict[str, str], dynamodb_calls) -> None:  # type: ignore[no-untyped-def]
    store = wiring.store()
    for i in range(0, 250, 2):
        store.save(Contact(address=f"user{i}@example.com"))
    dynamodb_calls.reset()
    found = store.load_many(f"user{i}@example.com" for i in range(250))
    assert len(found) == 125
    # one key per address answers contact, tombstone or nobody: 250 addresses in 3 requests
    assert dynamodb_calls.calls == ["BatchGetItem"] * 3


def _deliver(payload: dict[str, object]) -> str:
    body = body_of(payload)
    sig = signature("dev-webhook-secret", body, datetime.now(UTC).timestamp())
    return handle_storefront_webhook(wiring.deps(), body, sig).status


def test_dynamodb_requests_per_webhook_are_the_designed_number(aws: dict[str, str], dynamodb_calls) -> None:  # type: ignore[no-untyped-def]
    # new subscriber: claim + read + conditional write (the sent welcome stays claimed for the sweep to settle)
    assert _deliver(event("e1")) == "processed"
    assert dynamodb_calls.calls == [
        "PutItem",  # claim the event id
        "BatchGetItem",  # read the address's item (contact or tombstone) and any fact waiting for the customer
        "PutItem",  # write it, conditioned on the version read, with the welcome claimed in its outbox
        "BatchGetItem",  # the contact now holds the customer id: a fact about it kept since the read? (none)
    ]
    # a change without mail (a postal address now): claim + read + write
    dynamodb_calls.reset()
    assert _deliver(event("e2", postal_address=POSTAL)) == "processed"
    assert dynamodb_calls.calls == ["PutItem", "BatchGetItem", "PutItem"]
    # the same state again under a new id: claim + read, no write
    dynamodb_calls.reset()
    again = event("e3", postal_address=POSTAL)
    assert _deliver(again) == "processed"
    assert dynamodb_calls.calls == ["PutItem", "BatchGetItem"]
    # a redelivery: the failed claim, then a read to see it was applied
    dynamodb_calls.reset()
    assert _deliver(again) == "duplicate"
    assert dynamodb_calls.calls == ["PutItem", "BatchGetItem"]
    assert dynamodb_calls.count("Scan", "TransactWriteItems") == 0


def test_a_one_click_with_its_confirmation_is_one_read_and_one_write(
    aws: dict[str, str], dynamodb_calls, sent_mail
) -> None:  # type: ignore[no-untyped-def]
    from chalicelib.domain.tokens import ALL_EMAIL
    from chalicelib.services.preferences import Visitor, one_click

    assert _deliver(event("e1")) == "processed"
    deps = wiring.deps()
    token = deps.secrets.get().tokens.issue("jane@example.com", ALL_EMAIL, datetime.now(UTC))
    dynamodb_calls.reset()
    one_click(deps, token, Visitor())
    # the read, then the change with its removal, ledger entry and the confirmation claimed, in one conditional write
    assert dynamodb_calls.calls == ["GetItem", "PutItem"]
    last = email.message_from_string(sent_mail()[-1].raw_data)
    assert last["Subject"] == "You are unsubscribed from Example Store"


def test_throttled_requests_are_retried_and_the_webhook_still_lands(aws: dict[str, str], sent_mail) -> None:  # type: ignore[no-untyped-def]
    from botocore.awsrequest import AWSResponse

    from chalicelib.adapters.aws import client

    throttles = {"left": 3}

    class Raw:
        def stream(self, **_: object) -> object:
            yield b""

    def throttle(request: object, **_: object) -> AWSResponse | None:
        if throttles["left"]:
            throttles["left"] -= 1
            body = b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"slow down"}'
            response = AWSResponse("https://dynamodb", 400, {"x-amzn-errortype": "ThrottlingException"}, Raw())
            response._content = body  # type: ignore[attr-defined]
            return response
        return None

    ddb = client("dynamodb")
    ddb.meta.events.register_first("before-send.dynamodb", throttle)
    try:
        assert _deliver(event("e1")) == "processed"
    finally:
        ddb.meta.events.unregister("before-send.dynamodb", throttle)
    assert throttles["left"] == 0
    assert wiring.store().load("jane@example.com").contact is not None
    assert len(sent_mail()) == 1


def test_the_welcome_reaches_ses_with_its_unsubscribe_headers_intact(aws: dict[str, str], sent_mail) -> None:  # type: ignore[no-untyped-def]
    _deliver(event("e1", name="Jane Q. Public"))
    (raw,) = sent_mail()
    message = email.message_from_string(raw.raw_data)
    assert message["To"] == "jane@example.com"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_link, mailto = (part.strip(" <>") for part in message["List-Unsubscribe"].split(","))
    assert https_link.startswith("http://127.0.0.1:8000/u/k1.")
    assert mailto.startswith("mailto:unsubscribe+") and mailto.endswith("@shop.example")
    types = [part.get_content_type() for part in message.walk()]
    assert types == ["multipart/alternative", "text/plain", "text/html"]


def test_every_field_of_a_contact_survives_the_table(aws: dict[str, str]) -> None:
    """A field that is written but not read back would silently drop state (a window, a claim, a record)."""
    import dataclasses

    from chalicelib.adapters.aws import client
    from chalicelib.domain.consent import (
        Basis,
        OutboxMessage,
        RemovalRecord,
        Status,
        Suppression,
        SuppressionReason,
        TopicState,
    )

    def filled(cls: type) -> set[str]:
        return {f.name for f in dataclasses.fields(cls)}

    t = [f"2026-01-0{i}T00:00:00.000000Z" for i in range(1, 10)]
    contact = Contact(address="full@example.com", created_at=t[0])
    contact.topics["use:x"] = TopicState(Status.SUBSCRIBED, Basis.IMPLIED, t[1], "src", expires_at=t[2], starts_at=t[3])
    contact.suppressions["email"] = Suppression(SuppressionReason.REQUEST, "s", "src")
    contact.record("subscribe", "updates", "implied", prov())
    contact.applied_events["evt"] = "t"
    contact.profile.customer_id, contact.profile.name, contact.profile.postal_address = "c", "n", dict(POSTAL)
    contact.outbox["m"] = OutboxMessage("m", "welcome", t[4], t[5], 2, False, {"k": "v"}, t[6])
    contact.removals["r"] = RemovalRecord(
        "r", "email", "src", t[7], t[8], "at_risk", {"p": "pending"}, "bounce", 3, t[8]
    )
    contact.last_removal_notice, contact.last_opt_in_offer = "t", "u"
    wiring.store().save(contact)
    loaded = wiring.store().load("full@example.com").contact
    assert loaded is not None
    # stored as its plain attributes (keys, indexes, conditions) and one compressed document: no name in the clear
    from chalicelib.adapters.dynamo_store import PLAIN
    from tests.support.table import scan_table

    (stored,) = [i for i in client("dynamodb").scan(TableName="listkeeper-local")["Items"] if i["sk"]["S"] == "C"]
    assert set(stored) - PLAIN == {"z"} and "topics" not in stored
    assert next(i for i in scan_table() if i["sk"]["S"] == "C")["profile"]["M"]["name"] == {
        "S": "n"
    }  # the audit sees it
    for cls, original, copy in [
        (TopicState, contact.topics["use:x"], loaded.topics["use:x"]),
        (OutboxMessage, contact.outbox["m"], loaded.outbox["m"]),
        (RemovalRecord, contact.removals["r"], loaded.removals["r"]),
    ]:
        assert all(getattr(original, f) == getattr(copy, f) for f in filled(cls)), cls
    assert dataclasses.replace(loaded, version=contact.version) == contact


def test_a_waiting_fact_is_read_with_the_contact_in_one_request_and_a_childs_is_never_weakened(
    aws: dict[str, str], dynamodb_calls
) -> None:  # type: ignore[no-untyped-def]
    store = wiring.store()
    store.put_waiting_fact("p1:abc", {"reason": "child", "source": "storefront:customer.age_reported"}, 400)
    store.put_waiting_fact("p1:abc", {"reason": "erasure", "source": "storefront:customer.erasure_requested"}, 400)
    dynamodb_calls.reset()
    loaded = store.load("kid@example.com", waiting=("p1:abc",))
    assert dynamodb_calls.calls == ["BatchGetItem"]
    assert loaded.contact is None and loaded.waiting is not None and loaded.waiting["reason"] == "child"
    assert store.load("kid@example.com", waiting=("p1:other",)).waiting is None
    items = scan_table(store._table)
    (fact,) = [i for i in items if i["pk"]["S"].startswith("W#")]
    assert int(fact["ttl"]["N"]) > 0 and "kid" not in str(fact)
