"""A crash at every AWS call of every entry point, then the redelivery that follows one: Lambda retries an SNS event or
a scheduled run; the storefront, a mail client or an operator retries a request. The end must be that of one clean
delivery.

For each entry point a clean run counts the AWS requests its delivery makes (N), seen where moto answers them. Then
for each k in 1..N and each of two crashes — request k never reaches AWS, or AWS applies it and its answer never comes
back — a fresh world gets the same set-up, the delivery dies at request k (the exception escapes every handler, as a
timeout or an out-of-memory kill would), the same delivery comes again a minute later without faults, and SES Send
events are fed and the sweep runs until nothing is pending. Then each person's topics and suppressions must be those
of the clean run, every removal there and done, no email sent twice and none the clean run sent missing."""

import copy
import dataclasses
import email
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.adapters.aws import client
from chalicelib.blueprints import events
from chalicelib.blueprints.http import response_for
from chalicelib.domain.consent import Contact
from chalicelib.domain.errors import ListkeeperError
from chalicelib.domain.tokens import ALL_EMAIL
from chalicelib.services.contacts_view import erase_contact
from chalicelib.services.imports import import_records
from chalicelib.services.ports import Deps
from chalicelib.services.preferences import Visitor, one_click, submit_form
from chalicelib.services.review import resolve_review
from chalicelib.services.storefront import handle_storefront_webhook
from chalicelib.services.sweep import run_sweep
from chalicelib.settings import get_settings
from devstack import bootstrap
from devstack.ses_emulation import send_event, sns_envelope
from tests.integration.conftest import World
from tests.support.events import POSTAL, body_of, signature
from tests.support.fakes import TOKEN_KEY, FakeClock
from tests.support.mail import build
from tests.support.reliability import Outcome, assert_clean

SES_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ses"
SECRETS = bootstrap.local_secrets(TOKEN_KEY, bytes(range(64, 96)))  # one pepper: every world hashes alike
JANE, NEW_JANE, NED, ROSE = "jane@example.com", "jane.new@example.com", "ned@example.com", "rose@example.com"
GONE, ANGRY = "gone@example.com", "angry@example.com"
BUCKET = "listkeeper-local"
SETTLE_STEPS = 12
VISITOR = Visitor(ip="203.0.113.5", user_agent="Mail/1.0")
JANE_ASKS = "Hi,\nplease take me off your mailing list and stop the catalogs."
QUINN_ASKS = "Please unsubscribe my wife, rose@example.com."


class Crash(BaseException):
    """The function dies here (timeout, out of memory): no handler in the code under test gets to see it."""


@dataclass
class Requests:
    """Every AWS request, in order, where moto answers it: its before-send handler sees every client's requests.
    While armed, the request for which `crash` holds dies before it reaches AWS or, with `after_applied`, once
    AWS has applied it and before its answer is read."""

    log: list[str] = field(default_factory=list)
    counting: bool = False
    crash: Callable[[int, str], bool] | None = None
    after_applied: bool = False
    crashed_at: str | None = None

    def answer(self, moto: Callable[..., Any], stubber: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        if not self.counting:
            return moto(stubber, event_name, request, **kwargs)
        operation = event_name.removeprefix("before-send.")
        self.log.append(operation)
        if self.crash is None or not self.crash(len(self.log), operation):
            return moto(stubber, event_name, request, **kwargs)
        self.crash, self.crashed_at = None, f"{len(self.log)}:{operation}"
        if self.after_applied:
            moto(stubber, event_name, request, **kwargs)
        raise Crash(self.crashed_at)

    @contextmanager
    def watch(self, crash: Callable[[int, str], bool] | None = None, *, after_applied: bool = False) -> Iterator[None]:
        self.log, self.counting, self.crash, self.after_applied, self.crashed_at = [], True, crash, after_applied, None
        try:
            yield
        finally:
            self.counting, self.crash = False, None


@dataclass
class Redelivered(World):
    requests: Requests = field(default_factory=Requests)
    memo: dict[str, Any] = field(default_factory=dict)  # what a redelivery repeats: the body, the link token


@dataclass
class Prepared:
    """What an entry point's set-up left behind; each later world starts from it instead of running it again."""

    items: list[dict[str, Any]]
    objects: dict[str, bytes]
    sent: list[Any]
    moment: datetime
    fed: int
    memo: dict[str, Any]
    payloads: dict[str, bytes]


class Lab:
    """Makes fresh worlds in one in-process moto provisioned as `make run` provisions it: each world starts with an
    empty table and bucket, newly built adapters (whose secrets are read already, as in a warm function) and sees
    only the mail sent from then on. An entry point's set-up runs once; every world then starts from what it left —
    every item, object and sent email — loaded through the APIs. The app's boto3 clients are reused: building one
    costs more than a whole world."""

    def __init__(self, requests: Requests) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        bootstrap.provision(dict(os.environ), SECRETS)
        self.settings = get_settings()
        wiring.secrets().get()  # read once and kept (the TTL is long here): no delivery reads them again
        self.ses = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        self.build = wiring.deps
        queue = getattr(self.settings, "intake_queue", None)
        self.queue_url = client("sqs").get_queue_url(QueueName=queue)["QueueUrl"] if queue else None
        self.requests = requests
        self.current: Redelivered | None = None
        self.prepared: Prepared | None = None

    def _empty(self) -> None:
        dynamodb, s3, table = client("dynamodb"), client("s3"), self.settings.table_name
        pages = dynamodb.get_paginator("scan").paginate(TableName=table, ProjectionExpression="pk, sk")
        keys = list(pages.search("Items"))
        for start in range(0, len(keys), 25):
            batch = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
            dynamodb.batch_write_item(RequestItems={table: batch})
        objects = [{"Key": o["Key"]} for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        if objects:
            s3.delete_objects(Bucket=BUCKET, Delete={"Objects": objects})

    def intake_held(self) -> int:
        """Requests waiting in the intake queue, which each world would otherwise have to empty: none is ever
        deferred here, since a crash skips every handler and the redelivery succeeds."""
        if not self.queue_url:
            return 0
        counts = client("sqs").get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["All"])["Attributes"]
        return int(counts["ApproximateNumberOfMessages"]) + int(counts["ApproximateNumberOfMessagesNotVisible"])

    def _deps(self, clock: FakeClock) -> Deps:
        for cached in (self.build, wiring.store):
            cached.cache_clear()  # type: ignore[attr-defined]
        return dataclasses.replace(self.build(), clock=clock)

    @contextmanager
    def world(self) -> Iterator[Redelivered]:
        assert self.prepared is not None, "prepare() first"
        prepared = self.prepared
        self._empty()
        start = len(self.ses.sent_messages)

        def sent() -> list[Any]:
            return prepared.sent + list(self.ses.sent_messages)[start:]

        clock = FakeClock()
        world = self.current = Redelivered(self._deps(clock), clock, sent, requests=self.requests)
        self._restore(world, prepared)
        try:
            yield world
        finally:
            self.current = None

    def prepare(self, setup: Callable[["Redelivered"], None]) -> None:
        self._empty()
        start = len(self.ses.sent_messages)
        clock = FakeClock()
        world = self.current = Redelivered(
            self._deps(clock), clock, lambda: list(self.ses.sent_messages)[start:], requests=self.requests
        )
        setup(world)
        world.feed_send_events()
        world.advance(minutes=1)
        self.prepared = self._capture(world)
        self.current = None

    def _capture(self, world: "Redelivered") -> Prepared:
        table, s3 = self.settings.table_name, client("s3")
        items = list(client("dynamodb").get_paginator("scan").paginate(TableName=table).search("Items"))
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        objects = {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in keys}
        memo = copy.deepcopy(world.memo)
        return Prepared(items, objects, world.sent(), world.clock.moment, world.fed, memo, dict(world.payloads))

    def _restore(self, world: "Redelivered", prepared: Prepared) -> None:
        table, s3 = self.settings.table_name, client("s3")
        for start in range(0, len(prepared.items), 25):
            batch = [{"PutRequest": {"Item": item}} for item in prepared.items[start : start + 25]]
            client("dynamodb").batch_write_item(RequestItems={table: batch})
        for key, body in prepared.objects.items():
            s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        world.clock.moment, world.fed = prepared.moment, prepared.fed
        world.memo.update(copy.deepcopy(prepared.memo))
        world.payloads.update(prepared.payloads)


# --- what a run ends with --------------------------------------------------------------------------------------


def _consent(contact: Contact | None) -> Any:
    if contact is None:
        return None
    return {
        "topics": {t: (s.status.value, s.basis.value if s.basis else None) for t, s in sorted(contact.topics.items())},
        "suppressions": {ch: s.reason.value for ch, s in sorted(contact.suppressions.items())},
        "profile": asdict(contact.profile),
    }


@dataclass
class Snapshot:
    people: dict[str, Any]  # address -> its consent state (and its tombstone's, once erased)
    removals: Counter[tuple[str, str, str]]  # (scope, reason, source) of every removal record, live or archived
    undone: int  # removal records not done, or with a destination not done
    mail: Counter[tuple[str, str]]  # (to, kind) of every email SES accepted
    per_outbox_id: Counter[str]
    pending_mail: int  # outbox entries neither sent nor dead
    reviews: list[tuple[str, str]]  # (message id, sender) of the review queue
    acquired: list[str]  # third-party records held


def snapshot(world: World, people: tuple[str, ...], source: str | None) -> Snapshot:
    store = world.deps.store
    start = FakeClock().now()
    days = [(start + timedelta(days=d)).strftime("%Y-%m-%d") for d in range((world.clock.now() - start).days + 1)]
    records: dict[str, list[Any]] = {}
    for _, record in store.list_done(days, 1000):
        records.setdefault(record.id, []).append(record)
    states: dict[str, Any] = {}
    pending_mail = 0
    for address in people:
        loaded = store.load(address)
        states[address] = {"contact": _consent(loaded.contact), "erased": loaded.erased}
        states[address]["tombstone"] = _consent(loaded.tombstone)
        for held in (loaded.contact, loaded.tombstone):
            for record in held.removals.values() if held else ():
                records.setdefault(record.id, []).append(record)
            pending_mail += sum(not m.dead for m in held.outbox.values()) if held else 0
    removals = Counter((copies[0].scope, copies[0].reason, copies[0].source) for copies in records.values())
    undone = sum(
        any(r.state != "done" or set(r.destinations.values()) - {"done"} for r in copies) for copies in records.values()
    )
    parsed = [email.message_from_string(m.raw_data) for m in world.sent()]
    outbox_ids = [str(m["X-Listkeeper-Outbox"]) for m in parsed]
    return Snapshot(
        people=states,
        removals=removals,
        undone=undone,
        mail=Counter((str(m["To"]), i.rsplit("-", 1)[0]) for m, i in zip(parsed, outbox_ids, strict=True)),
        per_outbox_id=Counter(outbox_ids),
        pending_mail=pending_mail,
        reviews=sorted((str(i["message_id"]), str(i["sender"])) for i in store.list_reviews()),
        acquired=sorted(store.acquired_many(people, source)) if source else [],
    )


@dataclass
class Difference:
    lost_removals: int = 0
    duplicate_sends: int = 0
    wrong_state_changes: int = 0
    notes: list[str] = field(default_factory=list)


def compare(clean: Snapshot, run: Snapshot) -> Difference:
    diff = Difference()
    missing = clean.removals - run.removals
    diff.lost_removals = sum(missing.values()) + run.undone
    if missing or run.undone:
        diff.notes.append(f"removals missing {dict(missing)}, not done {run.undone}")
    twice = sum(n - 1 for n in run.per_outbox_id.values())
    extra_mail = run.mail - clean.mail
    diff.duplicate_sends = max(twice, sum(extra_mail.values()))
    if diff.duplicate_sends:
        diff.notes.append(f"sent twice: {dict(extra_mail)}")
    wrong = [
        f"{address}: {run.people[address]} instead of {clean.people[address]}"
        for address in clean.people
        if run.people[address] != clean.people[address]
    ]
    extra_removals = run.removals - clean.removals
    missing_mail = clean.mail - run.mail
    wrong += [f"extra removals {dict(extra_removals)}"] if extra_removals else []
    wrong += [f"never sent {dict(missing_mail)}"] if missing_mail else []
    wrong += [f"mail left pending: {run.pending_mail}"] if run.pending_mail else []
    wrong += [f"review queue {run.reviews} instead of {clean.reviews}"] if run.reviews != clean.reviews else []
    wrong += [f"acquired {run.acquired} instead of {clean.acquired}"] if run.acquired != clean.acquired else []
    diff.wrong_state_changes = len(wrong)
    diff.notes += wrong
    return diff


def settle(world: World) -> None:
    """What follows in AWS: SES Send events reach `ses_events`, the sweep runs every few minutes."""
    for step in range(SETTLE_STEPS):
        # past the send lease, then hourly: a claim a crash left is settled through the send log, or sent again
        # once its Send event can no longer come (SEND_LOG_WAIT)
        world.advance(minutes=16) if step == 0 else world.advance(hours=1)
        world.feed_send_events()
        pending = run_sweep(world.deps).counts
        if pending["RemovalsOpen"] == 0 and pending["OutboxPending"] == 0:
            return


# --- the entry points --------------------------------------------------------------------------------------------


def stamp(world: World) -> str:
    return world.clock.now().isoformat().replace("+00:00", "Z")


def webhook(event_id: str, event_type: str, **data: Any) -> Callable[[Redelivered], Any]:
    """The storefront's delivery of one event; a retry sends the same body, signed anew."""

    def deliver(world: Redelivered) -> Any:
        body = world.memo.get(event_id)
        if body is None:
            body = world.memo[event_id] = body_of(
                {"id": event_id, "type": event_type, "created_at": stamp(world), "data": data}
            )
        sig = signature("dev-webhook-secret", body, world.clock.now().timestamp())
        return handle_storefront_webhook(world.deps, body, sig).status

    return deliver


def link_token(world: Redelivered, address: str = JANE, scope: str = ALL_EMAIL) -> str:
    """The link in the mail: a mail client retrying its one-click posts the same URL."""
    key = f"token:{address}:{scope}"
    if key not in world.memo:
        world.memo[key] = world.deps.secrets.get().tokens.issue(address, scope, world.clock.now())
    return str(world.memo[key])


def sns(message: Any) -> dict[str, Any]:
    return sns_envelope(message if isinstance(message, dict) else json.loads(message))


def stored_mail(world: World, message_id: str, raw: bytes) -> dict[str, Any]:
    """SES receiving with an S3 action: the message is in the bucket and SNS carries where."""
    client("s3").put_object(Bucket=BUCKET, Key=f"inbound/{message_id}", Body=raw)
    return {
        "notificationType": "Received",
        "mail": {
            "timestamp": stamp(world),
            "messageId": message_id,
            "destination": ["support@shop.example"],
            "headersTruncated": True,
        },
        "receipt": {
            "timestamp": stamp(world),
            "recipients": ["support@shop.example"],
            "spfVerdict": {"status": "PASS"},
            "dkimVerdict": {"status": "PASS"},
            "dmarcVerdict": {"status": "PASS"},
            "action": {"type": "S3", "bucketName": BUCKET, "objectKey": f"inbound/{message_id}"},
        },
    }


def request_mail(message_id: str, sender: str, body: str) -> bytes:
    return build({"id": message_id, "from": sender, "subject": "Mailing list", "body": body})


def inbound(world: Redelivered) -> Any:
    return events.inbound_email(sns(world.memo["notification"]), None)


def ses_event(name: str) -> Callable[[Redelivered], Any]:
    return lambda world: events.ses_events(sns((SES_FIXTURES / name).read_text()), None)


def sweep(world: Redelivered) -> Any:
    scheduled = {
        "version": "0",
        "id": "sweep-run",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": stamp(world),
        "region": "us-east-1",
        "resources": [],
        "detail": {},
    }
    return events.sweep(scheduled, None)


def subscribed(*addresses: str, postal: bool = True) -> Callable[[Redelivered], None]:
    def setup(world: Redelivered) -> None:
        for address in addresses:
            world.subscribe(address, postal=postal)

    return setup


def then(*steps: Callable[[Redelivered], Any]) -> Callable[[Redelivered], None]:
    def setup(world: Redelivered) -> None:
        for step in steps:
            step(world)
            world.advance(minutes=1)

    return setup


def clicked(scope: str = ALL_EMAIL, address: str = JANE) -> Callable[[Redelivered], Any]:
    return lambda world: one_click(world.deps, link_token(world, address, scope), VISITOR)


def swept(world: Redelivered) -> None:
    world.feed_send_events()
    run_sweep(world.deps)


def mail_received(message_id: str, sender: str, body: str) -> Callable[[Redelivered], None]:
    def setup(world: Redelivered) -> None:
        world.memo["notification"] = stored_mail(world, message_id, request_mail(message_id, sender, body))

    return setup


def reviewed(world: Redelivered) -> None:
    """Quinn asks for Rose's removal: the message waits for a human."""
    mail_received("m-quinn", "quinn@example.com", QUINN_ASKS)(world)
    inbound(world)
    (item,) = world.deps.store.list_reviews()
    world.memo["review"] = item["id"]


def send_unsettled(world: Redelivered) -> None:
    """Jane's welcome reached SES, and the function died before it marked it sent: only the send log, filled from
    the SES Send event delivered next, keeps the sweep from sending it again."""
    sending = world.requests.watch(lambda _, operation: operation == "ses.SendRawEmail", after_applied=True)
    with sending, suppress(Crash):
        world.subscribe(JANE)
    (welcome,) = world.sent()
    world.memo["send_event"] = send_event(welcome.raw_data, welcome.id)
    world.fed = len(world.sent())  # that Send event is the delivery under test


def sweep_due(world: Redelivered) -> None:
    """Two removals due to partners and the mail house, and a removal confirmation whose sender died before SES."""
    world.subscribe(JANE)
    world.feed_send_events()
    world.advance(minutes=1)
    with world.requests.watch(lambda _, operation: operation == "ses.SendRawEmail"), suppress(Crash):
        clicked("catalog")(world)
    world.advance(minutes=1)
    clicked()(world)
    world.advance(minutes=16)  # past the send lease


def form_save(world: Redelivered) -> Any:
    token = link_token(world)
    tag = world.deps.secrets.get().tokens.form_tag(token)
    form = {
        "form_tag": [tag],
        "action": ["save"],
        "shown": ["updates", "surveys", "promotions", "catalog", "partner_sharing"],
        "topic": ["updates", "promotions", "catalog"],
    }
    return submit_form(world.deps, token, form, VISITOR)


IMPORT = {
    "source": "fairlist",
    "records": [{"email": JANE, "name": "Jane"}, {"email": NED, "name": "Ned", "postal_address": POSTAL}],
}


def topic(snap: Snapshot, address: str, name: str) -> Any:
    contact = snap.people[address]["contact"]
    return contact["topics"].get(name, (None,))[0] if contact else None


def suppressed(snap: Snapshot, address: str, channel: str = "email") -> Any:
    contact = snap.people[address]["contact"] or snap.people[address]["tombstone"]
    return contact["suppressions"].get(channel) if contact else None


def erased(snap: Snapshot, address: str, reason: str) -> bool:
    person = snap.people[address]
    return person["erased"] and person["contact"] is None and suppressed(snap, address) == reason


@dataclass(frozen=True)
class EntryPoint:
    name: str
    deliver: Callable[[Redelivered], Any]
    expect: Callable[[Snapshot], bool]  # what one clean delivery does: the case must test something
    setup: Callable[[Redelivered], None] = lambda world: None
    people: tuple[str, ...] = (JANE,)
    over_http: bool = True  # an error is a 5xx answer; otherwise the entry point is a Lambda event: a crash
    source: str | None = None  # the third-party list whose records count as state


ENTRY_POINTS = [
    EntryPoint(
        "storefront webhook customer.info_saved",
        webhook(
            "evt-save", "customer.info_saved", customer_id="cust-1", email=JANE, name="Jane", postal_address=POSTAL
        ),
        lambda s: topic(s, JANE, "updates") == "subscribed" and s.mail[(JANE, "welcome")] == 1,
    ),
    EntryPoint(
        "storefront webhook order.placed",
        webhook("evt-order", "order.placed", order_id="o-1", email=JANE, postal_address=POSTAL),
        lambda s: topic(s, JANE, "catalog") == "subscribed" and topic(s, JANE, "updates") == "unsubscribed",
        then(subscribed(JANE, postal=False), clicked()),
    ),
    EntryPoint(
        "storefront webhook contest.entered",
        webhook(
            "evt-contest",
            "contest.entered",
            contest_id="spring",
            contest_ends_at="2026-12-20T00:00:00Z",
            email=JANE,
            marketing_opt_in=True,
        ),
        lambda s: topic(s, JANE, "contest:spring") == "subscribed" and s.mail[(JANE, "optin_confirmation")] == 1,
        then(subscribed(JANE), clicked()),
    ),
    EntryPoint(
        "storefront webhook customer.age_reported",
        webhook("evt-age", "customer.age_reported", customer_id="cust-1", age=11),
        lambda s: erased(s, JANE, "child") and s.removals[("postal", "child", "storefront:customer.age_reported")] == 1,
        then(subscribed(JANE), clicked("catalog"), swept),
    ),
    EntryPoint(
        "storefront webhook customer.erasure_requested",
        webhook("evt-erase", "customer.erasure_requested", email=JANE),
        lambda s: erased(s, JANE, "erasure"),
        then(subscribed(JANE), clicked("surveys"), swept),
    ),
    EntryPoint(
        "storefront webhook customer.email_changed",
        webhook("evt-move", "customer.email_changed", customer_id="cust-1", old_email=JANE, new_email=NEW_JANE),
        lambda s: topic(s, NEW_JANE, "surveys") == "unsubscribed" and topic(s, NEW_JANE, "updates") == "subscribed",
        then(subscribed(JANE), clicked("surveys")),
        people=(JANE, NEW_JANE),
    ),
    EntryPoint(
        "one-click",
        clicked(),
        lambda s: suppressed(s, JANE) == "request" and s.mail[(JANE, "removal_confirmation")] == 1,
        subscribed(JANE),
    ),
    EntryPoint(
        "preference form",
        form_save,
        lambda s: topic(s, JANE, "promotions") == "subscribed" and topic(s, JANE, "surveys") == "unsubscribed",
        subscribed(JANE),
    ),
    EntryPoint(
        "inbound_email",
        inbound,
        lambda s: suppressed(s, JANE) == "request" and suppressed(s, JANE, "postal") == "request",
        then(subscribed(JANE), mail_received("m-jane", "Jane <Jane@Example.com>", JANE_ASKS)),
        over_http=False,
    ),
    EntryPoint(
        "inbound_email to review",
        inbound,
        lambda s: s.reviews == [("m-quinn", "quinn@example.com")] and topic(s, ROSE, "updates") == "subscribed",
        then(subscribed(ROSE), mail_received("m-quinn", "quinn@example.com", QUINN_ASKS)),
        people=(ROSE,),
        over_http=False,
    ),
    EntryPoint(
        "ses_events bounce",
        ses_event("bounce_permanent.json"),
        lambda s: suppressed(s, GONE) == "bounce",
        subscribed(GONE),
        people=(GONE,),
        over_http=False,
    ),
    EntryPoint(
        "ses_events complaint",
        ses_event("complaint.json"),
        lambda s: suppressed(s, ANGRY) == "complaint",
        subscribed(ANGRY),
        people=(ANGRY,),
        over_http=False,
    ),
    EntryPoint(
        "ses_events send",
        lambda world: events.ses_events(sns(world.memo["send_event"]), None),
        lambda s: s.mail[(JANE, "welcome")] == 1,
        send_unsettled,
        over_http=False,
    ),
    EntryPoint(
        "sweep",
        sweep,
        lambda s: s.removals[("catalog", "request", "link:one_click")] == 1 and s.mail[(JANE, "removal_confirmation")],
        sweep_due,
        over_http=False,
    ),
    EntryPoint(
        "DELETE /v1/contacts/{email}",
        lambda world: erase_contact(world.deps, JANE),
        lambda s: erased(s, JANE, "erasure") and s.removals[("catalog", "request", "link:one_click")] == 1,
        then(subscribed(JANE), clicked("catalog"), swept),
    ),
    EntryPoint(
        "POST /v1/imports",
        lambda world: import_records(world.deps, IMPORT),
        lambda s: s.acquired == [NED],
        then(subscribed(JANE), clicked()),
        people=(JANE, NED),
        source="fairlist",
    ),
    EntryPoint(
        "POST /v1/review/{id}",
        lambda world: resolve_review(world.deps, world.memo["review"], "remove_email", ROSE),
        lambda s: suppressed(s, ROSE) == "request" and s.mail[(ROSE, "removal_notice")] == 1 and not s.reviews,
        then(subscribed(ROSE), reviewed),
        people=(ROSE,),
    ),
]


# --- the runs ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kept_clients() -> Iterator[None]:
    """The app's boto3 clients, kept from one case of this module to the next (each costs a fifth of a second to
    build), and dropped before and after, so no other test's client is ever used here or ours elsewhere."""
    wiring.reset()
    yield
    wiring.reset()


@pytest.fixture
def lab(kept_clients: None, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    from moto import mock_aws
    from moto.core.botocore_stubber import BotocoreStubber

    requests = Requests()
    moto = BotocoreStubber.__call__

    def answer(stubber: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        return requests.answer(moto, stubber, event_name, request, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", answer)
    monkeypatch.setenv("LISTKEEPER_SECRETS_TTL_SECONDS", str(10**9))
    forget = (wiring.deps, wiring.store, wiring.secrets, get_settings)
    for cached in forget:
        cached.cache_clear()
    with mock_aws():
        made = Lab(requests)
        monkeypatch.setattr(wiring, "deps", lambda: made.current.deps if made.current else made.build())
        yield made
    monkeypatch.undo()
    for cached in forget:
        cached.cache_clear()


@dataclass
class Tally:
    deliveries: int = 0
    crashes_injected: int = 0
    lost_removals: int = 0
    duplicate_sends: int = 0
    wrong_state_changes: int = 0
    refused: int = 0
    http_5xx: int = 0
    crashes: int = 0
    notes: list[str] = field(default_factory=list)

    def failed(self, entry: EntryPoint, when: str, exc: Exception) -> None:
        """An exception other than the injected crash: for a request a 5xx (or a refusal, when it is a documented
        error: a retry of a request must not be turned away), for a Lambda event a crash. The one refusal that is
        right is a 404 for what the crashed delivery finished, such as a review item it resolved."""
        self.notes.append(f"{when}: {exc!r}")
        status = response_for(exc).status_code if isinstance(exc, ListkeeperError) else 500
        if status == 404:
            return
        if status < 500:
            self.refused += 1
        elif entry.over_http:
            self.http_5xx += 1
        else:
            self.crashes += 1


def run(lab: Lab, entry: EntryPoint, crash_at: int = 0, after_applied: bool = False) -> tuple[Snapshot, Tally]:
    """One world: the delivery (crashing at request `crash_at`, if any), a redelivery after a crash, and everything
    settled."""
    tally = Tally()
    with lab.world() as world:
        crash = (lambda n, _: n == crash_at) if crash_at else None
        with lab.requests.watch(crash, after_applied=after_applied):
            try:
                tally.deliveries += 1
                entry.deliver(world)
            except Crash:
                tally.crashes_injected += 1
            except Exception as exc:
                tally.failed(entry, f"request {crash_at}, before the crash", exc)
        if crash_at:
            assert lab.requests.crashed_at is not None, f"{entry.name}: request {crash_at} never came {tally.notes}"
            world.advance(minutes=1)  # Lambda's first retry of an event comes about a minute later
            try:
                tally.deliveries += 1
                entry.deliver(world)
            except Exception as exc:
                tally.failed(entry, f"redelivery after a crash at {lab.requests.crashed_at}", exc)
        settle(world)
        return snapshot(world, entry.people, entry.source), tally


@pytest.mark.reliability
@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=[e.name for e in ENTRY_POINTS])
def test_a_crash_at_any_aws_call_then_a_redelivery_ends_as_one_clean_delivery(lab: Lab, entry: EntryPoint) -> None:
    lab.prepare(entry.setup)
    clean, total = run(lab, entry)
    requests = list(lab.requests.log)
    assert requests, f"{entry.name}: the delivery made no AWS request"
    assert total.crashes == total.http_5xx == total.refused == 0, total.notes
    assert entry.expect(clean), f"{entry.name}: the clean run did not do what it should: {clean}"
    assert max(clean.per_outbox_id.values(), default=1) == 1 and clean.pending_mail == 0 and clean.undone == 0
    for k in range(1, len(requests) + 1):
        for after_applied in (False, True):
            result, tally = run(lab, entry, k, after_applied)
            diff = compare(clean, result)
            when = f"crash {'after' if after_applied else 'before'} request {k} ({requests[k - 1]})"
            total.notes += [f"{when}: {note}" for note in diff.notes + tally.notes]
            total.deliveries += tally.deliveries
            total.crashes_injected += tally.crashes_injected
            total.lost_removals += diff.lost_removals
            total.duplicate_sends += diff.duplicate_sends
            total.wrong_state_changes += diff.wrong_state_changes + tally.refused
            total.http_5xx += tally.http_5xx
            total.crashes += tally.crashes
    assert total.crashes_injected == 2 * len(requests)
    assert lab.intake_held() == 0, "a world left a request for the next one"
    print(f"\n{entry.name}: {len(requests)} requests {requests}; {total.crashes_injected} crashes; {total.notes}")
    assert_clean(
        Outcome(
            category=f"fault: {entry.name}",
            tried=total.deliveries,
            faults=total.crashes_injected,
            lost_removals=total.lost_removals,
            duplicate_sends=total.duplicate_sends,
            wrong_state_changes=total.wrong_state_changes,
            http_5xx=total.http_5xx,
            crashes=total.crashes,
        )
    )
