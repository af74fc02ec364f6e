"""GNU Mailman 3 side by side: N subscribes then N unsubscribes on each system in one run, Mailman's SQL statements
against listkeeper's DynamoDB requests per operation, and the time ratio. Mailman is never a project dependency: it
gets its own virtualenv under build/ (made on first use, reused after) and is driven there by mailman_driver.py.

usage: python -m bench.mailman [N]   (N subscribers, 200 by default; prints the result as JSON)"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from moto import mock_aws

from .dynamo_cost import Meter, _environment

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "build" / "mailman-venv"
DRIVER = Path(__file__).resolve().with_name("mailman_driver.py")
# The newest release, with the dependency set it was measured with: a later release of any of them (SQLAlchemy,
# alembic, falcon, the zope and flufl packages) must not change the figures or break the run unseen.
PINS = (
    "mailman==3.3.10",
    "aiosmtpd==1.4.6",
    "alembic==1.20.1",
    "atpublic==9.0.0",
    "attrs==26.1.0",
    "authheaders==0.16.3",
    "authres==1.2.0",
    "certifi==2026.10.19.post1",
    "charset-normalizer==3.5.3",
    "click==8.5.1",
    "dkimpy==1.1.8",
    "dnspython==2.9.2",
    "falcon==4.4.0",
    "flufl.bounce==6.0.0",
    "flufl.i18n==8.0.0",
    "flufl.lock==10.0.0",
    "gunicorn==27.0.1",
    "idna==3.20",
    "lazr.config==4.0.0",
    "lazr.delegates==4.0.0",
    "Mako==1.4.3",
    "MarkupSafe==3.0.4",
    "passlib==1.7.4",
    "psutil==7.2.2",
    "publicsuffix2==2.20191221",
    "python-dateutil==4.0.0",
    "requests==2.34.2",
    "SQLAlchemy==2.1.9",
    "typing_extensions==4.16.0",
    "tzdata==2026.6",
    "urllib3==2.8.0",
    "zope.component==7.1",
    "zope.configuration==7.1",
    "zope.event==6.2",
    "zope.hookable==8.4",
    "zope.i18nmessageid==8.4",
    "zope.interface==8.7",
    "zope.schema==8.1",
)


def mailman_python() -> Path:
    """The venv's interpreter, installing the pins first when the venv is missing or was made for other pins."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    wanted = "\n".join(PINS) + "\n"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        base = shutil.which("python3.11")
        if base is None:
            raise RuntimeError("python3.11 is needed to make build/mailman-venv and was not found on PATH")
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PINS], check=True)
    stamp.write_text(wanted)
    return python


class MailmanDriver:
    """mailman_driver.py in the Mailman venv, answering one JSON line per request."""

    def __init__(self, process: "subprocess.Popen[str]", stderr: Path) -> None:
        self.process = process
        self.stderr = stderr
        self.description = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=30)
            error = self.stderr.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"mailman_driver.py stopped ({self.process.returncode}):\n{error}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._read()

    def run(self, op: str, emails: list[str]) -> dict[str, Any]:
        return self.ask({"op": op, "emails": emails})


@contextmanager
def mailman_driver() -> Iterator[MailmanDriver]:
    python = mailman_python()
    with tempfile.TemporaryDirectory(prefix="mailman-driver-") as cwd:
        stderr = Path(cwd) / "stderr.txt"
        with stderr.open("w") as errors:  # a file, not a pipe: warnings can never fill it and stall the driver
            process = subprocess.Popen(
                [str(python), "-I", str(DRIVER)],  # -I: neither this folder nor PYTHON* variables on its path
                cwd=cwd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                # nothing of this environment (MAILMAN_CONFIG_FILE, a project PYTHONPATH) may reach the driver
                env={"PATH": "/usr/bin:/bin", "HOME": cwd, "LANG": "C.UTF-8"},
            )
        try:
            yield MailmanDriver(process, stderr)
        finally:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.close()  # the end of its input ends the driver's loop
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


class MailShare:
    """The DynamoDB requests made while sending mail that a change claimed (the `mailto:` handle and the settle
    write), so that the membership work can be told apart from the mail work."""

    def __init__(self) -> None:
        self.requests = 0
        self._sending = 0

    def request_made(self) -> None:
        if self._sending:
            self.requests += 1

    @contextmanager
    def watching(self) -> Iterator[None]:
        from chalicelib.services import outbox

        original = outbox.send_claimed

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._sending += 1
            try:
                return original(*args, **kwargs)
            finally:
                self._sending -= 1

        outbox.send_claimed = counted  # change_and_deliver looks it up in the module at each call
        try:
            yield
        finally:
            outbox.send_claimed = original


class Listkeeper:
    """listkeeper's service functions on in-process moto, as bench/dynamo_cost.py drives them: a saved-info webhook
    subscribes, a one-click from the welcome email's link unsubscribes."""

    def __init__(self, deps: Any, clock: Any) -> None:
        from chalicelib.adapters.aws import client

        self.deps = deps
        self.clock = clock
        self.meter = Meter()
        self.mail = MailShare()
        self.ses: Counter[str] = Counter()
        self.sent = {"subscribe": 0, "unsubscribe": 0}
        self.tokens: dict[str, str] = {}
        ddb = client("dynamodb")
        ddb.meta.events.register("provide-client-params.dynamodb", self._before)
        ddb.meta.events.register("after-call.dynamodb", self.meter.after)
        client("ses").meta.events.register("provide-client-params.ses", self._ses_call)

    def _before(self, params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        self.meter.before(params, model, **kwargs)
        self.mail.request_made()

    def _ses_call(self, model: Any, **_: Any) -> None:
        self.ses[model.name] += 1

    def subscribe(self, email: str) -> None:
        from chalicelib.services.storefront import handle_storefront_webhook
        from tests.support.events import body_of, event, signature

        payload = event(f"evt-{email}", email=email, customer_id=f"cust-{email}")
        payload["created_at"] = self.clock.now().isoformat().replace("+00:00", "Z")
        body = body_of(payload)
        signed = signature("dev-webhook-secret", body, self.clock.now().timestamp())
        result = handle_storefront_webhook(self.deps, body, signed)
        assert result.status == "processed", result

    def unsubscribe(self, email: str) -> None:
        from chalicelib.services.preferences import Visitor, one_click

        view = one_click(self.deps, self.tokens.pop(email), Visitor())
        assert any("unsubscribed" in m for m in view.messages()), view.messages()

    def run(self, op: str, emails: list[str]) -> dict[str, Any]:
        from chalicelib.domain.tokens import ALL_EMAIL

        action = {"subscribe": self.subscribe, "unsubscribe": self.unsubscribe}[op]
        if op == "unsubscribe":  # the links the welcome emails carried: issued when those were written
            codec = self.deps.secrets.get().tokens
            self.tokens.update({email: codec.issue(email, ALL_EMAIL, self.clock.now()) for email in emails})
        record: dict[str, Any] = {"count": [], "in_mail": [], "seconds": [], "cpu_seconds": [], "kinds": Counter()}
        self.ses.clear()
        with self.mail.watching():
            for email in emails:
                self.meter.reset()
                self.mail.requests = 0
                started, cpu_started = time.perf_counter(), time.process_time()
                action(email)
                record["seconds"].append(time.perf_counter() - started)
                record["cpu_seconds"].append(time.process_time() - cpu_started)
                used = self.meter.reset()
                record["count"].append(used.total)
                record["in_mail"].append(self.mail.requests)
                record["kinds"] += used.requests
        self.sent[op] += self.ses["SendRawEmail"]
        return record

    def allowed(self, emails: list[str]) -> int:
        from chalicelib.services.eligibility import check_eligibility

        count = 0
        for start in range(0, len(emails), 1000):
            body = {"channel": "email", "topic": "updates", "recipients": emails[start : start + 1000]}
            count += sum(r["allowed"] for r in check_eligibility(self.deps, body))
        return count


@contextmanager
def listkeeper_site() -> Iterator[Listkeeper]:
    _environment()
    from chalicelib import wiring
    from devstack.bootstrap import local_secrets, provision
    from tests.support.fakes import FakeClock

    with mock_aws():
        wiring.reset()
        provision(dict(os.environ), local_secrets())
        clock = FakeClock()
        site = Listkeeper(replace(wiring.deps(), clock=clock), clock)
        # one subscriber through both steps first, uncounted, as on Mailman's side (secrets, first clients)
        site.run("subscribe", ["warmup@example.com"])
        site.run("unsubscribe", ["warmup@example.com"])
        site.sent = dict.fromkeys(site.sent, 0)
        try:
            yield site
        finally:
            wiring.reset()


def summary(per_op: list[int]) -> dict[str, Any]:
    return {"mean": round(statistics.fmean(per_op), 2), "min": min(per_op), "max": max(per_op), "total": sum(per_op)}


def aggregate(records: list[dict[str, Any]], unit: str) -> dict[str, Any]:
    """One phase from its batches: time per operation, and the per-operation counts of statements or requests."""
    seconds = [s for r in records for s in r["seconds"]]
    cpu_seconds = [s for r in records for s in r["cpu_seconds"]]
    counts = [c for r in records for c in r["count"]]
    in_mail = [m for r in records for m in r["in_mail"]]
    kinds: Counter[str] = Counter()
    for r in records:
        kinds.update(r["kinds"])
    tenth = max(1, len(seconds) // 10)
    return {
        "seconds": round(sum(seconds), 3),
        "ms_per_op": round(1000 * statistics.fmean(seconds), 3),
        # the process's own CPU time: what other work on a shared machine disturbs least (no disk waits in it)
        "cpu_seconds": round(sum(cpu_seconds), 3),
        "cpu_ms_per_op": round(1000 * statistics.fmean(cpu_seconds), 3),
        # does an operation get dearer as the list grows?
        "ms_per_op_first_tenth": round(1000 * statistics.fmean(seconds[:tenth]), 3),
        "ms_per_op_last_tenth": round(1000 * statistics.fmean(seconds[-tenth:]), 3),
        unit: summary(counts),
        "by_kind_per_op": {kind: round(n / len(counts), 2) for kind, n in sorted(kinds.items())},
        f"{unit}_in_mail_per_op": round(statistics.fmean(in_mail), 2),
    }


def comparison_row(operation: str, mailman: dict[str, Any], listkeeper: dict[str, Any]) -> dict[str, Any]:
    mm, lk = mailman[operation], listkeeper[operation]
    statements, requests = mm["sql_statements"]["mean"], lk["dynamodb_requests"]["mean"]
    return {
        "operation": operation,
        "mailman_sql_statements": statements,
        "listkeeper_dynamodb_requests": requests,
        "mailman_sql_statements_without_mail": round(statements - mm["sql_statements_in_mail_per_op"], 2),
        "listkeeper_dynamodb_requests_without_mail": round(requests - lk["dynamodb_requests_in_mail_per_op"], 2),
        "mailman_sql_statements_model_api": mailman["model_api"][operation]["mean"],
        "mailman_ms_per_op": mm["ms_per_op"],
        "listkeeper_ms_per_op": lk["ms_per_op"],
        # above 1: listkeeper on moto took longer per operation than Mailman on SQLite
        "time_ratio_listkeeper_over_mailman": round(lk["seconds"] / mm["seconds"], 2),
        "mailman_cpu_ms_per_op": mm["cpu_ms_per_op"],
        "listkeeper_cpu_ms_per_op": lk["cpu_ms_per_op"],
        "cpu_time_ratio_listkeeper_over_mailman": round(lk["cpu_seconds"] / mm["cpu_seconds"], 2),
    }


CAVEATS = [
    "A SQL statement is not a DynamoDB request. Mailman's statements go to SQLite inside the process (a library "
    "call, microseconds, no network); each of listkeeper's requests is, in AWS, a signed HTTPS round trip carrying a "
    "whole item and its condition. The counts show how often each design talks to its store, not equal costs; on "
    "PostgreSQL, Mailman's production database, each statement would be a network round trip too.",
    "The times are not like for like either. Mailman's SQLite is a file on disk, committed once per operation "
    "(durable, and its disk waits are in the wall time but not the CPU time); listkeeper runs against moto "
    "in-process, where botocore still builds, signs and serialises every request as HTTP and moto parses and "
    "emulates it, which is most of listkeeper's time here, but nothing leaves the process and nothing is durable. "
    "Neither is a production figure. On this shared 2-core machine the two sides run interleaved in batches so that "
    "drift hits both alike, and only the ratios mean anything; the CPU-time ratio is the steadier of the two.",
    "Both sides are driven below their HTTP layer: Mailman's REST API (falcon, JSON, authentication) and "
    "listkeeper's Chalice routing and API Gateway are not run; each operation is the call its request handler makes, "
    "in one transaction (Mailman) or one Lambda invocation's worth of calls (listkeeper).",
    "Mail: listkeeper sends the welcome and the removal confirmation inline through (emulated) SES, with the "
    "outbox claim in the same write as the change and a settle write after the send, which make each send "
    "exactly-once; that and the mailto: handle are counted in its requests (the *_without_mail figures take out "
    "the requests made while sending). Mailman only renders its welcome or goodbye message and queues it as a file "
    "in queue/virgin (its template and domain look-ups are the statements counted as mail); its runners, which "
    "would deliver it over SMTP later, are not started here.",
    "Subscribe does different work on each side. listkeeper verifies the webhook's HMAC signature, claims the event "
    "id globally (a replay is a duplicate, a reused id a 409), checks suppressions, joins two topics (updates and "
    "surveys) and appends a consent-ledger entry with its provenance for each. Mailman creates a user, an address, "
    "three preference rows and two uid rows, checks the ban list twice and looks for a pending request; it keeps no "
    "provenance and has no idempotency of a repeated request beyond refusing an existing member.",
    "Unsubscribe does different work on each side. listkeeper verifies the link's token without a read, writes an "
    "email suppression (so no later event re-subscribes the address), a removal record with its 48-hour deadline "
    "and the destinations it must reach, and a ledger entry; propagating the removal to those destinations is the "
    "sweep's work and is not counted here. Mailman deletes the member and its preference row and keeps no record "
    "of the removal: the address can be subscribed again by anyone, at once.",
    "Mailman is measured with every step pre-verified, pre-confirmed and pre-approved, so its default confirm "
    "policy adds no pending row, confirmation mail or second request; listkeeper's saved-info webhook is implied "
    "consent (SPEC §1.1) and also completes in one request. Mailman's ORM reloads the list and the objects it "
    "touches in each new transaction (expire_on_commit): that is what each of its requests does, so it is counted. "
    "mailman_sql_statements_model_api is the floor of its model API for reference (IMailingList.subscribe, which "
    "still queues the welcome, and IMember.unsubscribe, which sends no goodbye), without the workflow's checks.",
    "One subscriber went through both steps on each side before the measured phases, uncounted, so neither pays "
    "for first use (SQLAlchemy's statement cache, listkeeper's secrets and clients).",
]


BATCH = 20


def measure(n: int = 200) -> dict[str, Any]:
    if n < 1:
        raise ValueError("n must be at least 1")
    emails = [f"member{i}@example.com" for i in range(n)]
    batches = [emails[start : start + BATCH] for start in range(0, n, BATCH)]
    records: dict[str, dict[str, list[dict[str, Any]]]] = {"mailman": {}, "listkeeper": {}}
    with mailman_driver() as mailman, listkeeper_site() as listkeeper:
        sides: dict[str, MailmanDriver | Listkeeper] = {"mailman": mailman, "listkeeper": listkeeper}
        for op in ("subscribe", "unsubscribe"):
            for index, batch in enumerate(batches):
                # interleaved in batches, and each side first in turn, so drift on a shared machine hits both alike
                order = ("mailman", "listkeeper") if index % 2 == 0 else ("listkeeper", "mailman")
                for name in order:
                    records[name].setdefault(op, []).append(sides[name].run(op, batch))
            if op == "subscribe":
                allowed_after_subscribe = listkeeper.allowed(emails)
        allowed_after_unsubscribe = listkeeper.allowed(emails)
        direct = [f"direct{i}@example.com" for i in range(min(n, 50))]
        model_api = {op: mailman.run(f"{op}_model", direct)["count"] for op in ("subscribe", "unsubscribe")}
        mailman_checks = mailman.ask({"op": "finish"})["checks"]
        description = mailman.description
        listkeeper_sent = dict(listkeeper.sent)
    mailman_result: dict[str, Any] = {
        **description,
        **{op: aggregate(batches_run, "sql_statements") for op, batches_run in records["mailman"].items()},
        "model_api": {op: summary(counts) for op, counts in model_api.items()},
        "checks": {
            "members_after_subscribe": records["mailman"]["subscribe"][-1]["members"],
            "members_after_unsubscribe": records["mailman"]["unsubscribe"][-1]["members"],
            **mailman_checks,
        },
    }
    listkeeper_result: dict[str, Any] = {
        "backend": "moto in-process (mock_aws), botocore clients as the Lambdas use them",
        **{op: aggregate(batches_run, "dynamodb_requests") for op, batches_run in records["listkeeper"].items()},
        "checks": {
            "allowed_for_updates_after_subscribe": allowed_after_subscribe,
            "allowed_for_updates_after_unsubscribe": allowed_after_unsubscribe,
            "welcome_emails_sent": listkeeper_sent["subscribe"],
            "removal_confirmations_sent": listkeeper_sent["unsubscribe"],
        },
    }
    listkeeper_result["subscribe"]["via"] = "customer.info_saved webhook (handle_storefront_webhook)"
    listkeeper_result["unsubscribe"]["via"] = "RFC 8058 one-click (one_click), with the welcome email's link"
    return {
        "n": n,
        "operations": [comparison_row(op, mailman_result, listkeeper_result) for op in ("subscribe", "unsubscribe")],
        "mailman": mailman_result,
        "listkeeper": listkeeper_result,
        "caveats": CAVEATS,
    }


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 200), indent=2))
