"""Races with real concurrency on the `make run` stack (SPEC §1): requests released together by a barrier, trial
after trial, each trial on a fresh address, and the promise checked every time.

Each scenario records one Outcome for `make reliability`; `tried` counts the requests sent in the races."""

import html
import itertools
import random
import re
import smtplib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from functools import partial
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.dynamo_store import readable
from tests.e2e.client import api, call, webhook
from tests.e2e.conftest import Stack
from tests.support.events import POSTAL, event
from tests.support.reliability import Outcome, assert_clean

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

TRIALS = 10
WELCOME = "Welcome to Example Store email updates"
SETTLE_SECONDS = 1.5  # at least one run of the test stack's one-second sweep
EMAIL_TOPICS = ("updates", "surveys", "promotions")
SETUP_WORKERS = 4
_serial = itertools.count()

Answer = tuple[int, Any]


def emulated_dynamodb(stack: Stack) -> Any:
    """The local stack's DynamoDB, for a test's own look at the table."""
    return boto3.client(
        "dynamodb",
        endpoint_url=stack.aws_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def fresh_address(kind: str) -> str:
    return f"race-{kind}-{time.time_ns()}-{next(_serial)}@example.com"


def rfc3339(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def together(
    actions: list[Callable[[], Answer]], after: dict[int, float] | None = None
) -> list[Answer | BaseException]:
    """Run the actions on their own threads, released at the same moment (action i `after[i]` seconds later); their
    answers in the same order."""
    gate = threading.Barrier(len(actions))
    answers: list[Answer | BaseException] = [TimeoutError("no answer")] * len(actions)

    def run(index: int, action: Callable[[], Answer]) -> None:
        gate.wait()
        time.sleep((after or {}).get(index, 0.0))
        try:
            answers[index] = action()
        except Exception as exc:  # a failed request is counted, not raised
            answers[index] = exc

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return answers


@dataclass
class Tally:
    """What a scenario sent and what went wrong, per SPEC rule."""

    tried: int = 0
    lost_removals: int = 0
    duplicate_sends: int = 0
    wrong_state_changes: int = 0
    http_5xx: int = 0
    crashes: int = 0
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def answers(self, answers: list[Answer | BaseException]) -> None:
        with self.lock:
            self.tried += len(answers)
            for answer in answers:
                if isinstance(answer, BaseException):
                    self.crashes += 1
                    self.notes.append(f"request failed: {answer!r}")
                elif answer[0] >= 500:
                    self.http_5xx += 1
                    self.notes.append(f"answered {answer[0]}: {str(answer[1])[:200]}")

    def wrong(self, kind: str, address: str, detail: str) -> None:
        note = f"{kind} for {address}: {detail}"
        with self.lock:
            if note not in self.notes:  # the same fault seen again by a later check is still one fault
                setattr(self, kind, getattr(self, kind) + 1)
                self.notes.append(note)

    def outcome(self, category: str) -> Outcome:
        return Outcome(
            category=category,
            tried=self.tried,
            lost_removals=self.lost_removals,
            duplicate_sends=self.duplicate_sends,
            wrong_state_changes=self.wrong_state_changes,
            http_5xx=self.http_5xx,
            crashes=self.crashes,
        )


def two_at_a_time(trial: Callable[[int], None], count: int) -> None:
    """Run trials 0 … count-1, two at once on their own addresses: the race is within each trial, and two of them
    keep both of the stack's processes (app and emulation) busy. Trials 2k and 2k+1 always run together."""
    with ThreadPoolExecutor(2) as pool:
        for first in range(0, count, 2):
            list(pool.map(trial, range(first, min(first + 2, count))))


def ok(answer: Answer | BaseException) -> bool:
    return not isinstance(answer, BaseException) and answer[0] == 200


# --- the ways in ---------------------------------------------------------------------------------------------------


def one_click(link: str) -> Answer:
    """RFC 8058, as a mail client sends it: no cookies, no page."""
    body = b"List-Unsubscribe=One-Click"
    return call(link, body, {"Content-Type": "application/x-www-form-urlencoded"})


def form_tag_of(link: str) -> str:
    status, page = call(link)
    assert status == 200, page
    found = re.search(r'name="form_tag" value="([^"]+)"', page)
    assert found, "the preference page carries its form tag"
    return html.unescape(found.group(1))


def unsubscribe_all(link: str, form_tag: str) -> Answer:
    """The preference page's "unsubscribe from all email" button, posted by the page itself."""
    body = f"form_tag={quote(form_tag)}&action=unsubscribe_all".encode()
    return call(link, body, {"Content-Type": "application/x-www-form-urlencoded"})


def write_to_customer_service(stack: Stack, address: str, text: str) -> Answer:
    """A removal request by email through the SMTP listener that plays SES receiving. A message it could not take
    is answered 451 (try again later): counted like a 503."""
    message = EmailMessage()
    message["From"] = address
    message["To"] = "support@shop.example"
    message["Subject"] = "Mailing list"
    message.set_content(text)
    try:
        with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=60) as smtp:
            smtp.send_message(message)
    except smtplib.SMTPResponseException as exc:
        return 503, f"SMTP {exc.smtp_code} {exc.smtp_error!r}"
    return 200, "250"


def erase(stack: Stack, address: str) -> Answer:
    return api(stack, f"/v1/contacts/{quote(address)}", method="DELETE")


def welcomed(stack: Stack, addresses: list[str], **data: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    """Sign the addresses up; for each, the one-click link of its welcome email (scope: all marketing email) and
    the sign-up event. The outbox is read once for all of them: it is a dump of everything the emulation holds."""
    payloads = {address: event(f"evt-setup-{address}", email=address, **data) for address in addresses}
    with ThreadPoolExecutor(SETUP_WORKERS) as pool:  # different addresses: no race, just a quicker setup
        for status, answer in pool.map(partial(webhook, stack), payloads.values()):
            assert (status, answer["status"]) == (200, "processed"), answer
    links = {m["to"]: m["headers"]["List-Unsubscribe"] for m in outbox(stack) if m["to"] in payloads}
    return {a: (str(links[a].split(",")[0].strip(" <>")), payloads[a]) for a in addresses}


def sender_links(stack: Stack, addresses: list[str], topic: str) -> dict[str, str]:
    """The one-click link a sender puts in its own mail to each address, from `/v1/unsubscribe-links`."""

    def made(address: str) -> str:
        status, answer = api(stack, "/v1/unsubscribe-links", {"recipient": address, "topic": topic})
        assert status == 200, answer
        return str(answer["preferences_url"])

    with ThreadPoolExecutor(SETUP_WORKERS) as pool:
        return dict(zip(addresses, pool.map(made, addresses), strict=True))


# --- what the stack says afterwards ----------------------------------------------------------------------------------


def outbox(stack: Stack) -> list[dict[str, Any]]:
    status, messages = call(f"{stack.base_url}/dev/outbox.json")
    assert status == 200
    return list(messages)


def eligible(stack: Stack, channel: str, topic: str, addresses: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = list(addresses)
    status, answer = api(stack, "/v1/eligibility", {"channel": channel, "topic": topic, "recipients": wanted})
    assert status == 200, answer
    return {r["recipient"]: r for r in answer["results"]}


def contact(stack: Stack, address: str) -> tuple[int, Any]:
    return api(stack, f"/v1/contacts/{quote(address)}")


def contacts(stack: Stack, addresses: Iterable[str]) -> dict[str, tuple[int, Any]]:
    """What `GET /v1/contacts/{email}` says of each address, asked a few at a time."""
    wanted = list(addresses)
    with ThreadPoolExecutor(SETUP_WORKERS) as pool:
        return dict(zip(wanted, pool.map(partial(contact, stack), wanted), strict=True))


def all_removals(stack: Stack) -> dict[str, dict[str, Any]]:
    """Every removal record the operator can see, by id: those still pending and those done (SPEC §3.3)."""
    found: dict[str, dict[str, Any]] = {}
    for state in ("open", "done"):
        status, answer = api(stack, f"/v1/removals?state={state}")
        assert status == 200, answer
        found.update({r["id"]: r for r in answer["removals"]})
    return found


def removal_scopes(held: tuple[int, Any], address: str, removals: dict[str, dict[str, Any]]) -> Counter[str]:
    """How many removal records exist per scope for the address: on the contact, or archived once done."""
    status, answer = held
    records = {r["id"]: r["scope"] for r in answer["removals"]} if status == 200 else {}
    records.update({i: r["scope"] for i, r in removals.items() if r["recipient"] == address})
    return Counter(records.values())


def confirmations_to(messages: list[dict[str, Any]], address: str) -> int:
    """Removal confirmations sent to the address, whatever they say they removed (by their outbox kind)."""
    return sum(
        1
        for m in messages
        if m["to"] == address and str(m["headers"].get("X-Listkeeper-Outbox", "")).startswith("removal_confirmation")
    )


def mail_to(messages: list[dict[str, Any]], address: str, subject: str) -> int:
    return sum(1 for m in messages if m["to"] == address and m["subject"] == subject)


def count_resends(messages: list[dict[str, Any]], tally: Tally, addresses: set[str]) -> None:
    """The same outbox entry reaching SES twice is a duplicate send, whatever its kind (SPEC §6)."""
    ids = Counter(m["headers"].get("X-Listkeeper-Outbox") for m in messages if m["to"] in addresses)
    for outbox_id, times in ids.items():
        if outbox_id and times > 1:
            tally.wrong("duplicate_sends", outbox_id, f"sent {times} times")


def still_left(
    stack: Stack, tally: Tally, left: dict[str, tuple[str, ...]], held: dict[str, tuple[int, Any]] | None = None
) -> None:
    """Every address must still be kept off the email topics it left, whatever the sweep has done since; given the
    contacts as `held`, none of those topics may even be held as subscribed under the suppression (confirming one
    topic later would revive it too)."""
    for topic in EMAIL_TOPICS:
        asked = [a for a, topics in left.items() if topic in topics]
        if not asked:
            continue
        for address, result in eligible(stack, "email", topic, asked).items():
            if result["allowed"]:
                tally.wrong("wrong_state_changes", address, f"eligible for {topic} again: {result['reason']}")
    for address, (status, answer) in (held or {}).items():
        assert status == 200, answer
        topics = left[address]
        again = [t for t in topics if answer["topics"].get(t, {}).get("status") == "subscribed"]
        if again:
            tally.wrong("wrong_state_changes", address, f"holds {again} as subscribed again")


def off_both_channels(stack: Stack, tally: Tally, addresses: list[str]) -> None:
    for channel, topic in (("email", "updates"), ("postal", "catalog")):
        for address, result in eligible(stack, channel, topic, addresses).items():
            if result["allowed"]:
                tally.wrong("wrong_state_changes", address, f"still eligible for {topic}")


def report(tally: Tally, category: str) -> None:
    print(f"{category}: {tally.outcome(category)}")
    for note in tally.notes:
        print(f"  {note}")
    assert_clean(tally.outcome(category))


# --- 0. the emulated DynamoDB keeps DynamoDB's promise -------------------------------------------------------------


def test_of_conditional_writes_racing_on_one_item_exactly_one_succeeds_on_the_local_stack(stack: Stack) -> None:
    """listkeeper's only locks are conditional writes (the contact's version, the event-id claim): of writes
    conditioned on the same state of one item, DynamoDB lets exactly one succeed, and so must the emulation. The
    condition is long so that each evaluation takes a while, as a busy table's would."""
    dynamodb = emulated_dynamodb(stack)
    table = f"race-probe-{time.time_ns()}"
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    condition = "attribute_not_exists(pk)" + "".join(f" AND NOT w{i} = :v{i}" for i in range(12))
    values = {f":v{i}": {"N": str(i)} for i in range(12)}

    def claim(key: str, writer: int) -> Answer:
        try:
            dynamodb.put_item(
                TableName=table,
                Item={"pk": {"S": key}, "writer": {"N": str(writer)}},
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            return 400, exc.response["Error"]["Code"]
        return 200, writer

    tally = Tally()
    try:
        for attempt in range(10):
            answers = together([partial(claim, f"item-{attempt}", writer) for writer in range(6)])
            tally.answers(answers)
            winners = sum(1 for answer in answers if ok(answer))
            if winners != 1:
                tally.wrong("wrong_state_changes", f"item-{attempt}", f"{winners} conditional writes succeeded")
    finally:
        dynamodb.delete_table(TableName=table)
    report(tally, "race: conditional writes on the local stack")


# --- 1. subscribe and unsubscribe at the same moment -----------------------------------------------------------------


def test_a_subscribe_and_a_one_click_at_the_same_moment_never_leave_the_address_subscribed(stack: Stack) -> None:
    """Odd trials: a fresh address is signed up while a sender's one-click link for `updates` is posted. Even
    trials: a welcomed address saves a postal address while its welcome's one-click (all email) is posted."""
    tally = Tally()
    addresses = [fresh_address("subscribe") for _ in range(TRIALS)]
    links = {address: link for address, (link, _) in welcomed(stack, addresses[::2]).items()}
    links.update(sender_links(stack, addresses[1::2], "updates"))
    left: dict[str, tuple[str, ...]] = {}
    removed: dict[str, str] = {}

    def trial(index: int) -> None:
        address = addresses[index]
        link = links[address]
        if index % 2:
            scope, topics = "updates", ("updates",)
            signup = event(f"evt-{address}", email=address, name="Ray")
        else:
            scope, topics = "email", EMAIL_TOPICS
            signup = event(f"evt-moved-{address}", email=address, postal_address=POSTAL)
        click_first = index % 4 < 2
        actions = [partial(one_click, link), partial(webhook, stack, signup)]
        answers = together(actions if click_first else actions[::-1])
        tally.answers(answers)
        if ok(answers[0 if click_first else 1]):
            left[address], removed[address] = topics, scope

    two_at_a_time(trial, TRIALS)
    still_left(stack, tally, left)
    time.sleep(SETTLE_SECONDS)
    held = contacts(stack, left)
    still_left(stack, tally, left, held)
    removals = all_removals(stack)
    for address, scope in removed.items():
        records = removal_scopes(held[address], address, removals)
        if records[scope] != 1:
            tally.wrong("lost_removals", address, f"{records[scope]} removal records for {scope}")
    messages = outbox(stack)
    count_resends(messages, tally, set(left))
    for address in left:
        if mail_to(messages, address, WELCOME) > 1:
            tally.wrong("duplicate_sends", address, "a second welcome")
        if confirmations_to(messages, address) > 1:
            tally.wrong("duplicate_sends", address, "more than one removal confirmation today")
    report(tally, "race: subscribe vs unsubscribe")


# --- 2. an opt-out, and an opt-in in flight at the same time -------------------------------------------------------


def opt_in_events(address: str, original: dict[str, Any], trial: int) -> list[dict[str, Any]]:
    """What could subscribe a welcomed address again: an order older than the opt-out, saved info newer than it,
    the original sign-up replayed, a contest entry saying yes to promotions."""
    now = datetime.now(UTC)
    later = rfc3339(now + timedelta(minutes=1))
    return [
        event(f"evt-order-{address}", "order.placed", rfc3339(now - timedelta(hours=1)), email=address),
        event(f"evt-saved-{address}", created_at=later, email=address, name="Kai", postal_address=POSTAL),
        original,
        event(
            f"evt-contest-{address}",
            "contest.entered",
            later,
            email=address,
            contest_id=f"spring{trial}",
            contest_ends_at=rfc3339(now + timedelta(days=7)),
            marketing_opt_in=True,
        ),
    ]


def test_an_opt_in_in_flight_with_an_opt_out_never_re_subscribes(stack: Stack) -> None:
    """A welcomed address opts out (one-click, or an email to customer service) while a storefront event that would
    subscribe it is in flight."""
    tally = Tally()
    addresses = [fresh_address("optin") for _ in range(TRIALS)]
    links = welcomed(stack, addresses)
    left: dict[str, tuple[str, ...]] = {}

    def trial(index: int) -> None:
        address = addresses[index]
        link, original = links[address]
        opt_in = opt_in_events(address, original, index)[index % 4]
        if (index // 4) % 2:
            opt_out = partial(write_to_customer_service, stack, address, "Hello,\nplease unsubscribe me.\nThanks")
        else:
            opt_out = partial(one_click, link)
        # the opt-in leaves a moment after the opt-out, while the opt-out is still being applied
        answers = together([opt_out, partial(webhook, stack, opt_in)], after={1: (0.0, 0.05, 0.15)[index % 3]})
        tally.answers(answers)
        if ok(answers[0]):
            left[address] = EMAIL_TOPICS

    two_at_a_time(trial, TRIALS)
    still_left(stack, tally, left)
    time.sleep(SETTLE_SECONDS)
    held = contacts(stack, left)
    still_left(stack, tally, left, held)
    removals = all_removals(stack)
    messages = outbox(stack)
    count_resends(messages, tally, set(left))
    for address in left:
        records = removal_scopes(held[address], address, removals)
        if records["email"] != 1:
            tally.wrong("lost_removals", address, f"{records['email']} removal records for email")
        if mail_to(messages, address, WELCOME) > 1:
            tally.wrong("duplicate_sends", address, "a second welcome")
        if confirmations_to(messages, address) > 1:
            tally.wrong("duplicate_sends", address, "more than one removal confirmation today")
    report(tally, "race: opt-out vs later opt-in")


# --- 3. several removal channels at once ------------------------------------------------------------------------------


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_removals_by_every_channel_at_once_agree_and_confirm_at_most_once(stack: Stack) -> None:
    """A welcomed catalog customer asks to be removed by one-click, by the preference page and by email at the same
    moment, and in every other trial is also erased through the API at that moment."""
    tally = Tally()
    addresses = [fresh_address("channels") for _ in range(TRIALS)]
    links = welcomed(stack, addresses, postal_address=POSTAL)
    kept: list[str] = []
    erased: list[tuple[str, str, str]] = []  # address, and the window its removals were received in

    def trial(index: int) -> None:
        address = addresses[index]
        link = links[address][0]
        text = "Hi,\nplease take me off your mailing list and stop the catalogs."
        actions = [
            partial(one_click, link),
            partial(unsubscribe_all, link, form_tag_of(link)),
            partial(write_to_customer_service, stack, address, text),
        ]
        if index % 2:
            actions.append(partial(erase, stack, address))
        began = iso_now()
        answers = together(actions)
        tally.answers(answers)
        if index % 2:
            erased.append((address, began, iso_now()))
        else:
            kept.append(address)

    two_at_a_time(trial, TRIALS)  # never two erasures at once: their records are told apart by time
    off_both_channels(stack, tally, addresses)
    time.sleep(SETTLE_SECONDS)
    off_both_channels(stack, tally, addresses)
    removals = all_removals(stack)
    messages = outbox(stack)
    count_resends(messages, tally, set(addresses))
    held = contacts(stack, addresses)
    for address in kept:
        status, answer = held[address]
        assert status == 200, answer
        reasons = {ch: s["reason"] for ch, s in answer["suppressions"].items()}
        if reasons != {"email": "request", "postal": "request"}:
            tally.wrong("wrong_state_changes", address, f"suppressions {reasons}")
        records = removal_scopes(held[address], address, removals)
        for scope in ("email", "postal"):
            if records[scope] != 1:
                tally.wrong("lost_removals", address, f"{records[scope]} removal records for {scope}")
        if confirmations_to(messages, address) > 1:
            tally.wrong("duplicate_sends", address, "more than one removal confirmation today")
    for address, began, ended in erased:
        status, _ = held[address]
        if status != 404:
            tally.wrong("wrong_state_changes", address, f"erased, yet GET answers {status}")
        if any(r["recipient"] == address for r in removals.values()):
            tally.wrong("wrong_state_changes", address, "erased, yet a removal record still names it")
        # An erased address's records are kept without it: those received during its trial are its own.
        own = [r for r in removals.values() if r["recipient"] is None and began <= r["received_at"] <= ended]
        erasure = Counter(r["scope"] for r in own if r["source"] == "api:erasure")
        if erasure != Counter({"email": 1, "postal": 1}):
            tally.wrong("lost_removals", address, f"erasure records {dict(erasure)}")
        # Only a removal that took effect before the erasure may be confirmed, and the erasure keeps its record:
        # a confirmation without one went to an address already being erased.
        before_erasure = [r for r in own if r["source"] != "api:erasure"]
        confirmations = confirmations_to(messages, address)
        if confirmations > min(1, len(before_erasure)):
            detail = f"{confirmations} confirmations, {len(before_erasure)} earlier removals kept"
            tally.wrong("duplicate_sends", address, detail)
    report(tally, "race: removal channels at once")


# --- 4. duplicated and out-of-order deliveries -----------------------------------------------------------------------


def label(answer: Answer | BaseException) -> str:
    if isinstance(answer, BaseException):
        return type(answer).__name__
    return str(answer[1]["status"]) if answer[0] == 200 else str(answer[0])


def test_redeliveries_at_the_same_moment_apply_once_and_a_reused_id_is_refused(stack: Stack) -> None:
    """A sign-up and an order placed before it, for a fresh address, each delivered three times at once and
    interleaved; then one id under two payloads at once: one payload wins, the other is refused with 409 each time."""
    tally = Tally()
    copies = 3
    addresses = [fresh_address("redelivery") for _ in range(TRIALS)]

    def trial(index: int) -> None:
        address = addresses[index]
        signup = event(f"evt-signup-{address}", email=address, postal_address=POSTAL)
        placed = rfc3339(datetime.now(UTC) - timedelta(minutes=5))
        order = event(f"evt-order-{address}", "order.placed", placed, email=address, name="Ola")
        deliveries = [signup, order] * copies
        if index % 2:
            deliveries.reverse()
        answers = together([partial(webhook, stack, p) for p in deliveries])
        tally.answers(answers)
        for sent in (signup, order):
            statuses = Counter(label(a) for p, a in zip(deliveries, answers, strict=True) if p is sent)
            if statuses != Counter({"processed": 1, "duplicate": copies - 1}):
                tally.wrong("wrong_state_changes", address, f"{sent['id']}: {dict(statuses)}")

        reused = f"evt-profile-{address}"
        ann, bob = (event(reused, email=address, name=name) for name in ("Ann", "Bob"))
        rivals = [ann, ann, bob, bob]
        answers = together([partial(webhook, stack, p) for p in rivals])
        tally.answers(answers)
        seen = {
            name: sorted(label(a) for p, a in zip(rivals, answers, strict=True) if p["data"]["name"] == name)
            for name in ("Ann", "Bob")
        }
        winners = [name for name, got in seen.items() if got == ["duplicate", "processed"]]
        if len(winners) != 1 or sorted(seen.values()) != [["409", "409"], ["duplicate", "processed"]]:
            tally.wrong("wrong_state_changes", address, f"one id, two payloads: {seen}")
            return
        status, held = contact(stack, address)
        if status != 200 or held["profile"].get("name") != winners[0]:
            tally.wrong("wrong_state_changes", address, f"{winners[0]} won the id, the contact holds {held}")

    two_at_a_time(trial, TRIALS)
    time.sleep(SETTLE_SECONDS)
    messages = outbox(stack)
    count_resends(messages, tally, set(addresses))
    for address, result in eligible(stack, "email", "updates", addresses).items():
        if not result["allowed"]:
            tally.wrong("wrong_state_changes", address, f"not subscribed: {result['reason']}")
    for address in addresses:
        welcomes = mail_to(messages, address, WELCOME)
        if welcomes != 1:
            tally.wrong("duplicate_sends" if welcomes > 1 else "wrong_state_changes", address, f"{welcomes} welcomes")
    report(tally, "race: duplicate deliveries")


# --- 5. an erasure at the same moment as everything that could bring the person back --------------------------------


def test_an_erasure_racing_sign_ups_orders_contests_imports_clicks_age_reports_and_moves_leaves_nothing(
    stack: Stack,
) -> None:
    """SPEC §1.8, a smaller form of the property over random interleavings: for a fresh address nobody holds yet,
    `DELETE` is released together with its first sign-up (name, postal address) and a random few of: an order, a
    contest entry saying yes to promotions, a third-party import, a sender's one-click link, a child's age report,
    a move to another address. Whatever lands first, the address ends erased: eligible for nothing, and no item in
    the table holds it or (unless the person moved away first) their name."""
    tally = Tally()
    addresses = [fresh_address("erase") for _ in range(TRIALS)]
    links = sender_links(stack, addresses, "updates")
    moved_away: set[str] = set()
    ends = rfc3339(datetime.now(UTC) + timedelta(days=7))

    def trial(index: int) -> None:
        address, rng = addresses[index], random.Random(index)
        customer, name = f"cust-erase-{time.time_ns()}-{index}", f"Robin Example {index}"

        def delivered(kind: str, **data: Any) -> Callable[[], Answer]:
            payload = event(f"evt-erase-{time.time_ns()}-{index}-{kind}", kind, email=address, **data)
            return partial(webhook, stack, payload)

        others = {
            "order": delivered("order.placed", customer_id=customer, name=name, postal_address=POSTAL),
            "contest": delivered(
                "contest.entered", contest_id=f"erase{index}", contest_ends_at=ends, marketing_opt_in=True
            ),
            "import": partial(
                api, stack, "/v1/imports", {"source": "fair", "records": [{"email": address, "name": name}]}
            ),
            "one_click": partial(one_click, links[address]),
            "age": delivered("customer.age_reported", customer_id=customer, age=10),
            "move": partial(webhook, stack, moved_event(address, customer, index)),
        }
        chosen = rng.sample(sorted(others), 3)
        if "move" in chosen:
            moved_away.add(address)
        actions = [
            partial(erase, stack, address),
            delivered("customer.info_saved", customer_id=customer, name=name, postal_address=POSTAL),
            *(others[kind] for kind in chosen),
        ]
        rng.shuffle(actions)
        tally.answers(together(actions))

    two_at_a_time(trial, TRIALS)
    time.sleep(SETTLE_SECONDS)
    for channel, topic in (
        ("email", "updates"),
        ("email", "promotions"),
        ("postal", "catalog"),
        ("email", "acquired:fair"),
    ):
        for address, result in eligible(stack, channel, topic, addresses).items():
            if result["allowed"]:
                tally.wrong("wrong_state_changes", address, f"erased, yet eligible for {topic}")
    dynamodb = emulated_dynamodb(stack)
    raw = [
        item
        for page in dynamodb.get_paginator("scan").paginate(TableName="listkeeper-local")  # the test's audit only
        for item in page["Items"]
    ]
    items = [str(readable(item)) for item in raw]  # a contact's compressed document unpacked: names, ledgers
    assert any("'topics'" in i for i in items)  # the audit reads inside the documents
    # an erasure leaves its tombstone alone in the partition: no history (which names no address) beside it
    tombstones = {i["pk"]["S"] for i in raw if i["sk"]["S"] == "C" and "@" not in i["address"]["S"]}
    for item in raw:
        if item["pk"]["S"] in tombstones and item["sk"]["S"] != "C":
            tally.wrong("wrong_state_changes", item["pk"]["S"], f"erased, yet {item['sk']['S'][:2]} items stay")
    for index, address in enumerate(addresses):
        name = f"Robin Example {index}"
        for item in (i for i in items if address in i or (address not in moved_away and f"'{name}'" in i)):
            tally.wrong("wrong_state_changes", address, f"erased, yet an item holds the person: {item[:120]}")
    report(tally, "privacy: erasure vs everything at once")


def moved_event(address: str, customer: str, index: int) -> dict[str, Any]:
    change = event(f"evt-erase-{time.time_ns()}-{index}-move", "customer.email_changed")
    change["data"] = {"customer_id": customer, "old_email": address, "new_email": fresh_address(f"moved{index}")}
    return change
