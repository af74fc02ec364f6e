"""Hundreds of mixed requests under random AWS faults and crashes: nothing lost, nothing sent twice, every removal
done before its deadline. Time is the test's own clock; botocore's retry sleeps are skipped, nothing waits."""

import email
import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.adapters.aws import client
from chalicelib.adapters.dynamo_store import contact_from_item
from chalicelib.adapters.ses_mailer import SesMailer
from chalicelib.domain.consent import Contact
from chalicelib.domain.rules import eligibility
from chalicelib.domain.topics import Channel
from chalicelib.services.sweep import run_sweep
from tests.integration.conftest import World
from tests.support.faults import (
    DYNAMO_500,
    DYNAMO_THROTTLE,
    EVENTS_500,
    S3_SLOWDOWN,
    SES_500,
    SES_REJECTED,
    SES_THROTTLE,
    FaultPlan,
    injected,
    no_retry_sleep,
)
from tests.support.reliability import Outcome, assert_clean
from tests.support.table import scan_table

SUBSCRIBERS = 160
MIXED = 240


def all_contacts() -> list[Contact]:
    items = scan_table()
    return [contact_from_item(i) for i in items if i["sk"]["S"] == "C"]


def sent_outbox_ids(world: World) -> Counter[str]:
    return Counter(email.message_from_string(m.raw_data)["X-Listkeeper-Outbox"] for m in world.sent())


def with_retries(world: World, action: Callable[[], Any], attempts: int = 25) -> bool:
    """A caller that retries like Lambda's event sources (and a storefront) do after a failure."""
    for _ in range(attempts):
        try:
            action()
            return True
        except Exception:
            world.advance(seconds=2)
    return False


@pytest.mark.reliability
def test_mixed_requests_under_random_faults_lose_nothing_and_send_nothing_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(2026)
    crashes = Counter[str]()
    real_send = SesMailer.send

    def flaky_send(self: SesMailer, message: Any) -> str:
        roll = rng.random()
        if roll < 0.04:
            crashes["before_ses"] += 1
            raise RuntimeError("died before SES was called")
        result = real_send(self, message)
        if roll > 0.96:
            crashes["after_ses"] += 1
            raise RuntimeError("died after SES accepted, before the sent mark")
        return result

    monkeypatch.setattr(SesMailer, "send", flaky_send)
    plan = FaultPlan(
        {
            "dynamodb": (0.3, [DYNAMO_THROTTLE, DYNAMO_500]),
            "ses": (0.25, [SES_THROTTLE] * 15 + [SES_500] * 4 + [SES_REJECTED]),
            "s3": (0.4, [S3_SLOWDOWN]),
            "eventbridge": (0.4, [EVENTS_500]),
        },
        seed=2026,
    )
    services = {
        "dynamodb": client("dynamodb"),
        "ses": client("ses"),
        "s3": client("s3"),
        "eventbridge": client("events"),
    }
    addresses = [f"shopper{i}@example.com" for i in range(SUBSCRIBERS)]
    asked: Counter[str] = Counter()
    started = world.clock.now()
    with no_retry_sleep(), injected(plan, services):
        for i, address in enumerate(addresses):
            assert with_retries(world, lambda a=address, p=bool(i % 2): world.subscribe(a, postal=p))
        for _ in range(MIXED):
            address = rng.choice(addresses)
            kind = rng.choice(["all_email", "catalog", "surveys", "resubscribe", "redeliver"])
            if kind == "all_email":
                ok = with_retries(world, lambda a=address: world.one_click(a))
            elif kind in ("catalog", "surveys"):
                ok = with_retries(world, lambda a=address, k=kind: world.one_click(a, k))
            else:  # a replayed or a fresh storefront event: never re-subscribes anyone
                event_id = f"evt-{address}" if kind == "redeliver" else f"evt-again-{rng.random()}"
                ok = with_retries(world, lambda a=address, e=event_id: world.subscribe(a, e))
            assert ok, "every request eventually succeeds when retried"
            # SES's Send events reach ses_events within seconds, well inside the 15-minute send lease
            assert with_retries(world, world.feed_send_events, attempts=1000)
            if kind in ("all_email", "catalog", "surveys"):
                asked[f"{address}|{'email' if kind == 'all_email' else kind}"] += 1
            world.advance(seconds=rng.randint(1, 30))

        sweeps = 0
        while sweeps < 48 * 12:
            world.advance(minutes=5)
            assert with_retries(world, world.feed_send_events, attempts=1000)
            with_retries(world, lambda: run_sweep(world.deps))
            sweeps += 1
            plan.enabled = False  # the test's own look, not part of the system under faults
            pending = world.deps.store.pending_counts()
            plan.enabled = True
            if pending["n_open"] == 0 and pending["n_outbox"] == 0:
                break
    elapsed = world.clock.now() - started

    contacts = all_contacts()
    records = [(c.address, r) for c in contacts for r in c.removals.values()]
    # nothing lost: every opt-out asked for holds (and left a record, unless all email was already left), and each
    # record reached every destination
    recorded = {f"{address}|{r.scope}" for address, r in records}
    by_address = {c.address: c for c in contacts}
    lost = 0
    for key in asked:
        address, scope = key.split("|")
        channel = Channel.POSTAL if scope == "catalog" else Channel.EMAIL
        topic = "updates" if scope == "email" else scope
        held = not eligibility(by_address[address], channel, topic, world.clock.now()).allowed
        lost += not (held and (key in recorded or f"{address}|email" in recorded))
    sent = sent_outbox_ids(world)
    assert_clean(
        Outcome(
            "fault: mixed requests under random AWS faults",
            tried=SUBSCRIBERS + MIXED,
            faults=sum(plan.injected.values()) + sum(crashes.values()),
            lost_removals=lost + sum(1 for _, r in records if r.state != "done"),
            duplicate_sends=sum(n - 1 for n in sent.values()),
        )
    )
    assert all(r.state == "done" and set(r.destinations.values()) <= {"done"} for _, r in records)
    assert all(r.done_at is not None and r.done_at <= r.due_at for _, r in records), "done within 48 hours"
    # nothing twice: each outbox id reached SES once at most, and nothing is left pending but the dead letters
    assert sent and max(sent.values()) == 1
    leftovers = [m for c in contacts for m in c.outbox.values()]
    assert all(m.dead for m in leftovers)
    assert not {m.id for m in leftovers} & set(sent)
    assert plan.injected["dynamodb"] > 100 and plan.injected["ses"] > 10
    assert crashes["before_ses"] > 0 and crashes["after_ses"] > 0
    print(
        f"\nfault run: {SUBSCRIBERS + MIXED} requests, {len(records)} removals all done, {sum(sent.values())} "
        f"emails each sent once, {len(leftovers)} dead letters; faults injected {dict(plan.injected)}, "
        f"crashes {dict(crashes)}; all settled after {sweeps} sweeps, {elapsed / timedelta(hours=1):.1f} h "
        "of simulated time"
    )
