"""The sweep against moto: propagation with acknowledgement, deadline states and metrics, exactly-once mail
across crashes, and a cost that follows due work rather than table size."""

import csv
import io
import json
from collections import Counter
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.adapters.aws import client
from chalicelib.adapters.dynamo_store import contact_to_item
from chalicelib.domain.consent import Contact
from chalicelib.services.removals_view import list_removals
from chalicelib.services.sweep import run_sweep
from tests.conftest import CallCounter
from tests.integration.conftest import World
from tests.support.faults import EVENTS_500, FaultPlan, injected, no_retry_sleep


def removal_states(world: World, address: str) -> dict[str, str]:
    contact = world.deps.store.load(address).contact
    assert contact is not None
    return {r.scope: r.state for r in contact.removals.values()}


def test_removals_reach_every_destination_and_are_then_done(world: World) -> None:
    world.subscribe("jane@example.com")
    world.one_click("jane@example.com")  # all email: partners
    world.one_click("jane@example.com", "catalog")  # postal: partners and the mail house
    assert {r["scope"]: r["destinations"] for r in list_removals(world.deps, "open")} == {
        "email": {"partners": "pending"},
        "catalog": {"partners": "pending", "mailhouse": "pending"},
    }
    events = CallCounter()
    client("events").meta.events.register(
        "provide-client-params.events.PutEvents", lambda params, **_: events.calls.extend(params["Entries"])
    )
    report = run_sweep(world.deps)
    assert report.delivered == {"partners": 2, "mailhouse": 1, "shopify": 0} and report.removals_done == 2
    assert removal_states(world, "jane@example.com") == {"email": "done", "catalog": "done"}
    assert list_removals(world.deps, "open") == []
    done = list_removals(world.deps, "done")
    assert {r["scope"] for r in done} == {"email", "catalog"} and all(
        r["recipient"] == "jane@example.com" for r in done
    )
    details = [json.loads(entry["Detail"]) for entry in events.calls]
    assert all("jane@example.com" not in json.dumps(d) for d in details)  # partners get a keyed hash
    assert {d["subject_hash"].split(":")[0] for d in details} == {"p1"}
    day = world.clock.now().strftime("%Y-%m-%d")
    body = client("s3").get_object(Bucket="listkeeper-local", Key=f"postal-removals/{day}.csv")["Body"].read()
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [(r["scope"], r["line1"], r["postal_code"]) for r in rows] == [("catalog", "1 Main St", "12345")]
    assert run_sweep(world.deps).delivered == {"partners": 0, "mailhouse": 0, "shopify": 0}  # nothing due twice


def test_a_destination_that_keeps_failing_makes_the_removal_at_risk_then_overdue(world: World) -> None:
    world.subscribe("jane@example.com")
    world.one_click("jane@example.com")
    plan = FaultPlan({"eventbridge": (1.0, [EVENTS_500])})
    with no_retry_sleep(), injected(plan, {"eventbridge": client("events")}):
        assert run_sweep(world.deps).counts["RemovalsOpen"] == 1
        world.advance(hours=36)
        report = run_sweep(world.deps)
        assert report.counts["RemovalsAtRisk"] == 1 and report.counts["RemovalsOverdue"] == 0
        assert [r["state"] for r in list_removals(world.deps, "at_risk")] == ["at_risk"]
        world.advance(hours=12)
        report = run_sweep(world.deps)
        assert report.counts["RemovalsOverdue"] == 1
        (overdue,) = list_removals(world.deps, "overdue")
        assert overdue["recipient"] == "jane@example.com" and overdue["destinations"] == {"partners": "pending"}
        assert len(list_removals(world.deps, "open")) == 1  # open lists every removal not yet done
    assert plan.injected["eventbridge"] >= 3
    world.advance(hours=1)
    report = run_sweep(world.deps)
    assert report.removals_done == 1 and report.counts["RemovalsOverdue"] == 0
    assert [r["state"] for r in list_removals(world.deps, "done")] == ["done"]


def test_metrics_are_published_as_embedded_metric_format(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.blueprints.events import publish_metrics

    world.subscribe("jane@example.com")
    world.one_click("jane@example.com")
    publish_metrics(run_sweep(world.deps, batch=0))
    emf = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    names = {m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"RemovalsOpen", "RemovalsAtRisk", "RemovalsOverdue", "OutboxPending", "OutboxDead"} <= names
    assert emf["RemovalsOpen"] == [1.0]


def _crash_once(target: Any, method: str, monkeypatch: pytest.MonkeyPatch, *, after: bool) -> dict[str, int]:
    """Make `method` raise once, before or after doing its real work, as a Lambda dying mid-request would."""
    real = getattr(target, method)
    state = {"crashes": 0}

    def crashing(*args: Any, **kwargs: Any) -> Any:
        if state["crashes"] == 0:
            state["crashes"] += 1
            if after:
                real(*args, **kwargs)
            raise RuntimeError("the function died here")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, method, crashing)
    return state


def outbox_ids(sent: list[Any]) -> Counter[str]:
    import email

    return Counter(email.message_from_string(m.raw_data)["X-Listkeeper-Outbox"] for m in sent)


def test_a_crash_before_sending_is_sent_once_by_the_sweep(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    crash = _crash_once(type(world.deps.mailer), "send", monkeypatch, after=False)
    world.subscribe("jane@example.com")
    assert crash["crashes"] == 1 and world.sent() == []
    run_sweep(world.deps)
    assert world.sent() == []  # still inside the claim's lease: the sweep does not race the original sender
    world.advance(minutes=16)
    run_sweep(world.deps)
    assert world.sent() == []  # the send log does not know it: its Send event may still come
    world.advance(hours=6)
    run_sweep(world.deps)  # it cannot any more: sent now
    world.feed_send_events()
    world.advance(minutes=30)
    run_sweep(world.deps)
    assert list(outbox_ids(world.sent()).values()) == [1]
    assert world.deps.store.load("jane@example.com").contact.outbox == {}  # type: ignore[union-attr]


def test_a_lost_sent_mark_after_ses_accepted_never_sends_twice(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    crash = _crash_once(type(world.deps.mailer), "send", monkeypatch, after=True)  # SES took it, then we died
    world.subscribe("jane@example.com")
    assert crash["crashes"] == 1 and len(world.sent()) == 1
    contact = world.deps.store.load("jane@example.com").contact
    assert contact is not None and len(contact.outbox) == 1  # unsettled
    world.feed_send_events()  # SES's Send event reaches ses_events: the send log knows
    world.advance(minutes=16)
    run_sweep(world.deps)
    assert list(outbox_ids(world.sent()).values()) == [1]
    assert world.deps.store.load("jane@example.com").contact.outbox == {}  # type: ignore[union-attr]


def test_mail_sent_on_the_request_path_is_settled_by_the_sweep_from_the_send_log(world: World) -> None:
    world.subscribe("jane@example.com")
    contact = world.deps.store.load("jane@example.com").contact
    assert contact is not None and [m.sending_since is not None for m in contact.outbox.values()] == [True]
    world.feed_send_events()
    run_sweep(world.deps)
    assert len(world.deps.store.load("jane@example.com").contact.outbox) == 1  # type: ignore[union-attr]
    world.advance(minutes=16)  # the lease has passed: the send log says SES took it
    run_sweep(world.deps)
    assert list(outbox_ids(world.sent()).values()) == [1]
    assert world.deps.store.load("jane@example.com").contact.outbox == {}  # type: ignore[union-attr]


def test_the_sweep_run_that_delivers_a_removal_settles_its_confirmation_and_moves_its_history(world: World) -> None:
    from chalicelib.services.contacts_view import show_contact

    world.subscribe("jane@example.com")
    world.feed_send_events()
    world.advance(minutes=16)
    run_sweep(world.deps)  # the welcome settled
    world.one_click("jane@example.com")
    world.feed_send_events()
    world.advance(minutes=1)  # inside the confirmation's lease: the send log's word is enough
    before = show_contact(world.deps, "jane@example.com")["ledger"]
    report = run_sweep(world.deps)
    contact = world.deps.store.load("jane@example.com").contact
    assert contact is not None and report.removals_done == 1
    assert contact.outbox == {} and contact.ledger == []  # one write: mail settled, history off the item
    assert sorted(outbox_ids(world.sent()).values()) == [1, 1]  # the welcome and the confirmation, once each
    # the proof of consent is whole: every entry once, wherever it lives now
    assert show_contact(world.deps, "jane@example.com")["ledger"] == before and len(before) >= 5


def _fill(table_size: int, due: int) -> None:
    """`table_size` contacts with nothing pending, and `due` with a removal still to deliver."""
    from chalicelib.domain.consent import Provenance
    from chalicelib.domain.removals import opt_out
    from tests.support.fakes import FakeClock

    store = wiring.store()
    now = FakeClock().now()
    prov = Provenance(at=now, source="test", channel="api", policy_version="2026-01")
    items = []
    for i in range(table_size):
        contact = Contact(address=f"quiet{i}@example.com")
        if i < due:
            opt_out(contact, "email", prov, now, ("partners",))
        items.append({"PutRequest": {"Item": contact_to_item(contact, 1, store.key_of(contact.address))}})
    ddb = client("dynamodb")
    for start in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={"listkeeper-local": items[start : start + 25]})


@pytest.mark.parametrize("table_size", [300, 3000])
def test_the_sweep_reads_only_due_items_whatever_the_table_size(world: World, table_size: int) -> None:
    _fill(table_size, due=20)
    store = world.deps.store
    calls = CallCounter()
    client("dynamodb").meta.events.register("before-call.dynamodb", calls)
    store.items_read = 0  # type: ignore[attr-defined]
    run_sweep(world.deps)
    # the same numbers at both sizes: 20 due contacts read through the index, whatever else the table holds
    # 20 index items for the due work; the counts query afterwards finds nothing pending (all delivered)
    assert store.items_read == 20  # type: ignore[attr-defined]
    assert calls.count("Scan") == 0
    assert calls.count("BatchGetItem") == 1 and calls.count("PutItem") == 20 and calls.count("GetItem") == 0
    # each of the 8 shards once for due work and once for the counts; the review queue, announcements and
    # storefront redactions under way once each
    assert calls.count("Query") == 2 * 8 + 3
    # control: a scan-based sweep would read the whole table, so the harness can see growth
    scanned = client("dynamodb").scan(TableName="listkeeper-local", Select="COUNT")["ScannedCount"]
    assert scanned >= table_size


def test_review_items_near_their_deadline_count_as_at_risk(world: World) -> None:
    from chalicelib.adapters.mime import parse_inbound
    from chalicelib.services.inbound import Received, handle_inbound

    raw = b"From: quinn@example.com\r\nSubject: x\r\n\r\nPlease unsubscribe rose@example.com.\r\n"
    outcome = handle_inbound(world.deps, Received("m-1", parse_inbound(raw, ("support@shop.example",))))
    assert outcome.review_id is not None
    assert run_sweep(world.deps).counts["ReviewOpen"] == 1
    world.advance(hours=37)
    report = run_sweep(world.deps)
    assert (report.counts["RemovalsAtRisk"], report.counts["RemovalsOverdue"]) == (1, 0)
    world.advance(hours=12)
    assert run_sweep(world.deps).counts["RemovalsOverdue"] == 1


def test_an_erasure_takes_back_the_mail_houses_rows_about_the_person(world: World) -> None:
    from chalicelib.domain.consent import SuppressionReason
    from chalicelib.services.erasure import erase

    world.subscribe("jane@example.com")
    world.one_click("jane@example.com", "catalog")
    run_sweep(world.deps)
    day = world.clock.now().strftime("%Y-%m-%d")

    def day_file() -> str:
        key = f"postal-removals/{day}.csv"
        return client("s3").get_object(Bucket="listkeeper-local", Key=key)["Body"].read().decode()

    assert "1 Main St" in day_file()
    erase(world.deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")
    world.advance(minutes=5)
    report = run_sweep(world.deps)
    assert report.delivered["mailhouse"] == 1
    rows = list(csv.DictReader(io.StringIO(day_file())))
    assert [(r["scope"], r["reason"], r["name"], r["line1"]) for r in rows] == [("postal", "erasure", "", "")]
    assert "jane" not in day_file().lower()


def test_an_erasure_takes_back_the_mail_house_row_of_a_removal_already_pruned_from_the_contact(world: World) -> None:
    from chalicelib.domain.consent import SuppressionReason
    from chalicelib.domain.work import prune_done_removals
    from chalicelib.services.contacts import change_contact
    from chalicelib.services.erasure import erase

    world.subscribe("jane@example.com")
    world.one_click("jane@example.com", "catalog")
    run_sweep(world.deps)
    day = world.clock.now().strftime("%Y-%m-%d")
    key = f"postal-removals/{day}.csv"
    assert "1 Main St" in client("s3").get_object(Bucket="listkeeper-local", Key=key)["Body"].read().decode()
    # the done record leaves the item for the archive, as it does once 20 newer ones are done
    change_contact(world.deps, "jane@example.com", lambda c: prune_done_removals(c, keep=0) is None, create=False)
    loaded = world.deps.store.load("jane@example.com").contact
    assert loaded is not None and not loaded.removals and loaded.archived
    receipt = erase(world.deps, "jane@example.com", SuppressionReason.ERASURE, "api:erasure")
    assert receipt.deleted["mail_house_rows_taken_back"] == 1
    world.advance(minutes=5)
    run_sweep(world.deps)
    text = client("s3").get_object(Bucket="listkeeper-local", Key=key)["Body"].read().decode()
    assert "1 Main St" not in text and "jane" not in text.lower()


def test_a_review_item_waiting_30_days_keeps_its_request_but_no_longer_the_persons_words(world: World) -> None:
    from chalicelib.domain.timeutil import iso
    from chalicelib.services.review import list_review
    from chalicelib.services.review_retention import TEXT_REMOVED

    received_at = iso(world.clock.now())
    item = {"id": "r1", "message_id": "m1", "received_at": received_at, "due_at": received_at, "sender": "a@b.example",
            "subject": "my account", "text": "please remove me, my password is [redacted]", "reason": "unsure",
            "suggested_address": "a@b.example", "storage_key": "inbound/m1"}  # fmt: skip
    world.deps.store.put_review(item)
    world.advance(days=29)
    run_sweep(world.deps)
    assert list_review(world.deps)[0]["text"] == item["text"]
    world.advance(days=2)
    run_sweep(world.deps)
    (kept,) = list_review(world.deps)
    assert kept["text"] == TEXT_REMOVED and kept["subject"] is None and kept["storage_key"] is None
    assert (kept["id"], kept["sender"], kept["due_at"], kept["state"]) == ("r1", "a@b.example", received_at, "overdue")


@pytest.mark.parametrize("scope", ["partner_sharing", "catalog"])
def test_partners_get_the_name_and_postal_address_they_hold_with_a_postal_or_sharing_removal(
    world: World, scope: str
) -> None:
    """SPEC §5: a partner can act on a sharing or postal removal only knowing whom it concerns — taken from the
    contact as it stood before the removal, which itself ends the sharing."""
    world.subscribe("jane@example.com")
    world.one_click("jane@example.com", scope)
    events = CallCounter()
    client("events").meta.events.register(
        "provide-client-params.events.PutEvents", lambda params, **_: events.calls.extend(params["Entries"])
    )
    run_sweep(world.deps)
    (detail,) = [json.loads(entry["Detail"]) for entry in events.calls]
    assert detail["scope"] == scope and detail["postal_address"]["line1"] == "1 Main St"
    assert "jane@example.com" not in json.dumps(detail)  # still no address: a keyed hash identifies the person


def test_partners_get_no_name_with_an_email_removal(world: World) -> None:
    world.subscribe("jane@example.com")
    world.one_click("jane@example.com")
    events = CallCounter()
    client("events").meta.events.register(
        "provide-client-params.events.PutEvents", lambda params, **_: events.calls.extend(params["Entries"])
    )
    run_sweep(world.deps)
    (detail,) = [json.loads(entry["Detail"]) for entry in events.calls]
    assert "postal_address" not in detail and "name" not in detail
