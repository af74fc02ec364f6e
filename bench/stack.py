"""Benchmarks on the `make run` stack (`python -m devstack.run` on free loopback ports), over real HTTP.

growth: latency of a webhook (a new address's signed `customer.info_saved`) and of a one-click with 1k, 20k and 100k
contacts already stored. Contacts are seeded straight into moto server's table with BatchWriteItem, serialised by the
store's own `contact_to_item` from the state a saved-info webhook leaves (checked against one the stack wrote).
At each size the two kinds of request and a `/health` control alternate; moto's own requests are timed alongside,
and the CPU the stack burns while idle, so that a growing ratio can be traced to the request that grows.

burst: 10,000 one-click POSTs from a second process (`bench/burst_client.py`, a few keep-alive connections, a hard
stop), then every address is checked through `POST /v1/eligibility`, 1,000 at a time (and 1,000 of them before, to
show the check tells the two apart); peak RSS of the stack's process and of moto server come from /proc.

    .venv/bin/python -m bench.stack            # prints the JSON of measure()
"""

import contextlib
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (1_000, 20_000, 100_000)
GROWTH_TARGET = 1.2  # latency at the largest size / at the smallest
POSTAL = {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}
ONE_CLICK = b"List-Unsubscribe=One-Click"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
API_KEY = "dev-api-key"
WEBHOOK_SECRET = "dev-webhook-secret"  # noqa: S105 - the documented local-stage value (SPEC §7)


def progress(message: str) -> None:
    """A line on stderr, so a long run shows where it is (stdout carries only the JSON)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the stack ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    base_url: str
    aws_url: str
    log_path: Path
    moto_pid: int | None = None

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid`, from /proc/<n>/stat (field 4 is the parent's id)."""
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if int(Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()[1]) == pid:
                    found.append(int(entry))
    return found


def start_stack(sweep_seconds: float = 30.0, timeout: float = 90.0) -> Stack:
    """The stack as `make run` starts it (the sweep every 30 s), on free ports. Its one-line-per-request log goes to
    a file: a pipe nobody reads would fill and stall the server."""
    port, aws_port, smtp_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LISTKEEPER_"))}
    log_file = tempfile.NamedTemporaryFile(prefix="listkeeper-stack-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.run", "--port", str(port), "--aws-port", str(aws_port),
         "--smtp-port", str(smtp_port), "--sweep-seconds", str(sweep_seconds)],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so moto server can be stopped with it whatever happens
    )  # fmt: skip
    log_file.close()
    stack = Stack(process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{aws_port}", Path(log_file.name))
    deadline = time.monotonic() + timeout
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the stack exited early:\n{stack.log_tail()}")
            try:
                with urllib.request.urlopen(f"{stack.base_url}/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the stack did not come up within {timeout:.0f} s:\n{stack.log_tail()}"
                    ) from None
                time.sleep(0.2)
        # moto server is the stack's child that was given the emulation's port
        moto = [p for p in _children(process.pid) if str(aws_port) in _arguments(p)]
        stack.moto_pid = moto[0] if moto else None
    except BaseException:
        stop_stack(stack)
        raise
    return stack


def stop_stack(stack: Stack) -> None:
    """Ctrl-C, as a person stops `make run`; if that does not end it in 30 s, its whole process group is killed."""
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGINT)
        try:
            stack.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(stack.process.pid, signal.SIGKILL)
            stack.process.wait(timeout=10)
    if stack.moto_pid is not None and str(urlsplit(stack.aws_url).port) in _arguments(stack.moto_pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(stack.moto_pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        stack.log_path.unlink()


def _arguments(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


@contextlib.contextmanager
def running_stack(sweep_seconds: float = 30.0) -> Iterator[Stack]:
    stack = start_stack(sweep_seconds)
    try:
        yield stack
    except BaseException:
        progress(f"the stack's last lines:\n{stack.log_tail()}")
        raise
    finally:
        stop_stack(stack)


def memory_kb(pid: int | None) -> dict[str, int]:
    """Resident memory now and at its peak (VmRSS, VmHWM), in kB, from /proc/<pid>/status."""
    out: dict[str, int] = {}
    if pid is None:
        return out
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = int(value.split()[0])
    return out


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat, in clock ticks)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- talking to it ----------------------------------------------------------------------------------------------


def _stage() -> dict[str, str]:
    from devstack.bootstrap import stage_environment

    return stage_environment("local")


def aws_client(stack: Stack, service: str) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1")
    config = Config(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=8, read_timeout=120)
    return session.client(service, endpoint_url=stack.aws_url, config=config)  # type: ignore[call-overload]


class Http:
    """One keep-alive connection to the stack; each call returns (status, body, seconds)."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        target = urlsplit(base_url)
        self._connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=timeout)

    def call(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        try:
            self._connection.request(method, path, body=body, headers=headers or {})
            response = self._connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self._connection.close()
            raise
        return response.status, payload, time.perf_counter() - started

    def close(self) -> None:
        self._connection.close()


def signed_webhook(event_id: str, address: str, name: str) -> tuple[bytes, dict[str, str]]:
    from chalicelib.domain.signatures import sign

    payload = {
        "id": event_id,
        "type": "customer.info_saved",
        "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "data": {"customer_id": f"cust-{event_id}", "email": address, "name": name, "postal_address": POSTAL},
    }
    body = json.dumps(payload).encode()
    return body, {
        "Content-Type": "application/json",
        "Listkeeper-Signature": sign(WEBHOOK_SECRET, int(time.time()), body),
    }


def token_codec(stack: Stack) -> Any:
    """The app's own token code, with the keys this stack generated at its start (read from its secret store)."""
    from chalicelib.adapters.ssm_secrets import secrets_from_json

    stage = _stage()
    value = aws_client(stack, "ssm").get_parameter(Name=stage["LISTKEEPER_SECRETS_PARAMETER"], WithDecryption=True)
    return secrets_from_json(value["Parameter"]["Value"], int(stage["LISTKEEPER_TOKEN_MAX_AGE_DAYS"])).tokens


def eligibility(http: Http, addresses: list[str], batch: int = 1000, attempts: int = 3) -> tuple[dict[str, str], int]:
    """Each address's verdict on email updates ("allowed:subscribed", "refused:suppressed" …), `batch` per request,
    and how many requests had to be repeated after a 5xx (they only read, so repeating one is harmless)."""
    verdicts: dict[str, str] = {}
    repeated = 0
    for start in range(0, len(addresses), batch):
        body = json.dumps({"channel": "email", "topic": "updates", "recipients": addresses[start : start + batch]})
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}
        for attempt in range(attempts):
            status, payload, _ = http.call("POST", "/v1/eligibility", body.encode(), headers)
            if status < 500:
                break
            repeated += 1
            if attempt == attempts - 1:
                raise RuntimeError(f"eligibility answered {status} {attempts} times: {payload[:200]!r}")
        if status != 200:
            raise RuntimeError(f"eligibility answered {status}: {payload[:200]!r}")
        for result in json.loads(payload)["results"]:
            verdicts[result["recipient"]] = f"{'allowed' if result['allowed'] else 'refused'}:{result['reason']}"
    return verdicts, repeated


# --- seeding ----------------------------------------------------------------------------------------------------


def seeded_address(index: int) -> str:
    return f"customer{index:06d}@example.com"


def stack_key_of(stack: Stack) -> Callable[[str], str]:
    """Where the stack keeps an address's item: the keyed hash under the pepper it was started with."""
    from chalicelib.adapters.ssm_secrets import secrets_from_json

    stage = _stage()
    parameter = aws_client(stack, "ssm").get_parameter(Name=stage["LISTKEEPER_SECRETS_PARAMETER"], WithDecryption=True)
    return secrets_from_json(parameter["Parameter"]["Value"], 730).address_key


def seeded_item(index: int, now: datetime, policy_version: str, key_of: Callable[[str], str]) -> dict[str, Any]:
    """The item a saved-info webhook leaves for a new address once its welcome was sent: the same rules join the
    same topics and record the same ledger and event id, and the store's own serialisation writes it (version 2:
    the change, then the sweep's write that settled the welcome). Every other contact gave a postal address, as
    orders do."""
    from chalicelib.adapters.dynamo_store import contact_to_item
    from chalicelib.domain.consent import Contact, Profile, Provenance
    from chalicelib.domain.rules import join_implied_topics, remember_event
    from chalicelib.domain.timeutil import iso
    from chalicelib.domain.topics import IMPLIED_EMAIL_TOPICS, IMPLIED_POSTAL_TOPICS

    postal = index % 2 == 1
    at = now - timedelta(days=index % 365, seconds=index % 86400)
    event_id = f"evt_seed_{index}"
    prov = Provenance(at=at, source="storefront:customer.info_saved", channel="storefront",
                      policy_version=policy_version, event_id=event_id)  # fmt: skip
    contact = Contact(address=seeded_address(index), created_at=iso(at))
    join_implied_topics(contact, IMPLIED_EMAIL_TOPICS + (IMPLIED_POSTAL_TOPICS if postal else ()), prov)
    contact.profile = Profile(
        customer_id=f"cust-{index}",
        name=f"Customer {index}",
        postal_address=POSTAL if postal else None,
        known_through=["storefront"],  # who gave listkeeper the data: the storefront's envelope
    )
    remember_event(contact, event_id, at)
    return contact_to_item(contact, 2, key_of(contact.address))


def seed(stack: Stack, start: int, stop: int, writers: int = 2) -> float:
    """Contacts [start, stop) into the stack's table, 25 per BatchWriteItem; returns the seconds it took. The requests
    go out as DynamoDB's JSON protocol over plain HTTP: botocore's validation of 25 nested items per request would
    take a good share of the machine's second core from moto."""
    stage = _stage()
    table, policy_version = stage["LISTKEEPER_TABLE"], stage["LISTKEEPER_POLICY_VERSION"]
    now = datetime.now(UTC)
    target = urlsplit(stack.aws_url)
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.BatchWriteItem",
        "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    local = threading.local()

    def write(batch: list[dict[str, Any]]) -> None:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=300)
        pending = [{"PutRequest": {"Item": item}} for item in batch]
        attempt = 0
        while pending:
            local.connection.request("POST", "/", json.dumps({"RequestItems": {table: pending}}), headers)
            response = local.connection.getresponse()
            answer = json.loads(response.read() or b"{}")
            if response.status != 200:
                raise RuntimeError(f"BatchWriteItem answered {response.status}: {str(answer)[:200]}")
            pending = answer.get("UnprocessedItems", {}).get(table, [])
            attempt += 1
            if pending:
                time.sleep(min(1.0, 0.02 * 2**attempt))

    key_of = stack_key_of(stack)
    started = time.perf_counter()
    with ThreadPoolExecutor(writers) as pool:
        futures = []
        for first in range(start, stop, 25):
            batch = [seeded_item(i, now, policy_version, key_of) for i in range(first, min(first + 25, stop))]
            futures.append(pool.submit(write, batch))
            if len(futures) >= 8 * writers:  # bounded: building runs ahead of moto by a few batches at most
                futures.pop(0).result()
        for future in futures:
            future.result()
    return time.perf_counter() - started


def _shape(value: dict[str, Any]) -> Any:
    """The structure of one attribute value: its type, and inside maps and lists the same, recursively."""
    ((kind, inner),) = value.items()
    if kind == "M":
        return {"M": {k: _shape(v) for k, v in sorted(inner.items())}}
    if kind == "L":
        return {"L": sorted({json.dumps(_shape(v), sort_keys=True) for v in inner})}
    return kind


UNTIL_SETTLED = ("due_pk", "due_at", "n_open", "n_at_risk", "n_overdue", "n_outbox", "n_dead")


def shape_check(stack: Stack, http: Http) -> dict[str, Any]:
    """A contact written by the stack's own webhook, against a seeded one: same attributes, same types."""
    from chalicelib.adapters.dynamo_store import readable

    address = "shape-check@example.com"
    body, headers = signed_webhook("evt_shape_check", address, "Shape Check")
    status, payload, _ = http.call("POST", "/webhooks/storefront", body, headers)
    if status != 200:
        raise RuntimeError(f"the shape-check webhook answered {status}: {payload[:200]!r}")
    stage = _stage()
    ddb = aws_client(stack, "dynamodb")
    key_of = stack_key_of(stack)
    key = {"pk": {"S": f"C#{key_of(address)}"}, "sk": {"S": "C"}}
    written = readable(ddb.get_item(TableName=stage["LISTKEEPER_TABLE"], Key=key, ConsistentRead=True)["Item"])
    seeded = readable(seeded_item(1, datetime.now(UTC), stage["LISTKEEPER_POLICY_VERSION"], key_of))
    for item in (written, seeded):  # one event each, under its id: compare what is kept under it, not the id
        item["events"] = {"M": {"<event id>": next(iter(item["events"]["M"].values()))}}
        # the webhook's welcome waits, sent and claimed, for the sweep to settle it (and keeps the item in the due
        # index until then); a seeded contact is one the sweep has settled
        for name in ("outbox", *UNTIL_SETTLED):
            item.pop(name, None)
    missing = {"NULL": True}
    differing = sorted(
        name
        for name in set(written) | set(seeded)
        if _shape(written.get(name, missing)) != _shape(seeded.get(name, missing))
    )
    return {"matches": not differing, "differing_attributes": differing, "webhook_version": written["v"]["N"]}


# --- growth -----------------------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary_ms(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "median_ms": round(statistics.median(values) * 1000, 1),
        "p90_ms": round(percentile(values, 0.9) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


def _timed(action: Callable[[], Any], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def moto_requests(stack: Stack, address: str, repeats: int = 9) -> dict[str, Any]:
    """moto server's time for the requests behind the two paths, asked directly (no app in between), and for the
    reads the stack makes on its own: the sweep's index Query, and moto's model dump, which the send-event pump read
    every second until it watched the SES client instead (the outbox viewer still reads it, on demand)."""
    from chalicelib.adapters.dynamo_store import contact_key

    table = _stage()["LISTKEEPER_TABLE"]
    ddb = aws_client(stack, "dynamodb")
    key = contact_key(address)
    scratch = {"pk": {"S": "BENCH#probe"}, "sk": {"S": "P"}, "v": {"N": "1"}}
    due_query = {"TableName": table, "IndexName": "due", "KeyConditionExpression": "due_pk = :s AND due_at <= :u",
                 "ExpressionAttributeValues": {":s": {"S": "due#0"}, ":u": {"S": "~"}}, "Select": "COUNT"}  # fmt: skip
    out: dict[str, Any] = {
        "BatchGetItem of one contact (load)": summary_ms(
            _timed(lambda: ddb.batch_get_item(RequestItems={table: {"Keys": [key], "ConsistentRead": True}}), repeats)
        ),
        "PutItem, conditional (save)": summary_ms(
            _timed(
                lambda: ddb.put_item(
                    TableName=table,
                    Item=scratch,
                    ConditionExpression="attribute_not_exists(pk) OR v = :v",
                    ExpressionAttributeValues={":v": {"N": "1"}},
                ),
                repeats,
            )
        ),
        "Query of one due shard (the sweep makes 16, and 8 more for its counts)": summary_ms(
            _timed(lambda: ddb.query(**due_query), 2)
        ),
    }
    sizes: list[int] = []

    def model_data() -> None:
        with urllib.request.urlopen(f"{stack.aws_url}/moto-api/data.json", timeout=900) as response:
            sizes.append(len(response.read()))

    out["GET /moto-api/data.json (moto's model dump)"] = summary_ms(_timed(model_data, 1)) | {"bytes": sizes[-1]}
    return out


def idle_cpu(stack: Stack, seconds: float) -> dict[str, float]:
    """Share of one core each process uses while no request comes in: the stack's background work."""
    before = cpu_seconds(stack.process.pid), cpu_seconds(stack.moto_pid)
    time.sleep(seconds)
    after = cpu_seconds(stack.process.pid), cpu_seconds(stack.moto_pid)
    return {"server": round((after[0] - before[0]) / seconds, 2), "moto": round((after[1] - before[1]) / seconds, 2)}


def _latencies_at(
    http: Http, codec: Any, size: int, targets: list[int], seconds: float, warmup: int = 3
) -> dict[str, Any]:
    """Rounds of webhook, one-click, health, one after the other on one connection, for `seconds` (at least 10
    measured rounds, at most one per target). Each webhook is a new address, each one-click a different stored one.
    The window is the same at every size and spans several sweep runs: a request that meets a running sweep waits
    for its index reads, and a window that missed them would flatter the larger table."""
    samples: dict[str, list[float]] = {"webhook": [], "one_click": [], "health": []}
    failures: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    for n, target in enumerate(targets):
        calls = {
            "webhook": ("POST", "/webhooks/storefront", *signed_webhook(f"evt_{size}_{n}", f"new-{size}-{n}@example.com", f"New {n}")),
            "one_click": ("POST", f"/u/{codec.issue(seeded_address(target), '*', datetime.now(UTC))}", ONE_CLICK, FORM),
            "health": ("GET", "/health", None, {}),
        }  # fmt: skip
        for kind, (method, path, body, headers) in calls.items():
            status, _, took = http.call(method, path, body, headers)
            if status != 200:
                failures[f"{kind}:{status}"] += 1
            elif n >= warmup:  # the first rounds warm caches and connections
                samples[kind].append(took)
        if time.monotonic() > deadline and n >= warmup + 10:
            break
    return {kind: summary_ms(values) for kind, values in samples.items()} | {"failures": dict(failures)}


def growth(
    sizes: tuple[int, ...] = DEFAULT_SIZES,
    rounds: int = 200,
    seconds_per_size: float = 100.0,
    sweep_seconds: float = 30.0,
) -> dict[str, Any]:
    """Latencies at each table size, on one stack seeded up size by size."""
    picker = random.Random(20261125)
    results: dict[str, Any] = {"sizes": {}}
    with running_stack(sweep_seconds) as stack:
        http = Http(stack.base_url)
        try:
            codec = token_codec(stack)
            results["seed_shape"] = shape_check(stack, http)
            seeded = 0
            for size in sizes:
                progress(f"growth: seeding {seeded:,} -> {size:,} contacts")
                seed_seconds = seed(stack, seeded, size)
                progress(f"growth: seeded in {seed_seconds:.0f} s; measuring at {size:,}")
                targets = picker.sample(range(seeded, size), min(size - seeded, rounds + 3))
                added, seeded = size - seeded, size
                measured = _latencies_at(http, codec, size, targets, seconds_per_size)
                progress(f"growth: {size:,} measured; the stack idle, and moto's own requests")
                results["sizes"][str(size)] = {
                    "seed_seconds": round(seed_seconds, 1),
                    "seed_ms_per_item": round(seed_seconds / max(1, added) * 1000, 2),
                    **measured,
                    "idle_cpu_share": idle_cpu(stack, 5.0),
                    "moto_requests": moto_requests(stack, seeded_address(targets[-1])),
                    "memory_kb": {"server": memory_kb(stack.process.pid), "moto": memory_kb(stack.moto_pid)},
                }
        finally:
            http.close()
    first, last = (results["sizes"][str(s)] for s in (sizes[0], sizes[-1]))
    for kind in ("webhook", "one_click", "health"):
        results[f"ratio_{kind}"] = round(last[kind]["median_ms"] / first[kind]["median_ms"], 2)
        results[f"ratio_{kind}_p90"] = round(last[kind]["p90_ms"] / first[kind]["p90_ms"], 2)
    results["target"] = GROWTH_TARGET
    results["met"] = results["ratio_webhook"] <= GROWTH_TARGET and results["ratio_one_click"] <= GROWTH_TARGET
    return results


# --- burst ------------------------------------------------------------------------------------------------------


class MemorySampler(threading.Thread):
    """The largest VmRSS seen for each pid while it runs (sampled), next to the kernel's own peak (VmHWM)."""

    def __init__(self, pids: dict[str, int | None], interval: float = 0.25) -> None:
        super().__init__(name="memory-sampler", daemon=True)
        self.pids = pids
        self.peak_kb = dict.fromkeys(pids, 0)
        self._interval = interval
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self._interval):
            for name, pid in self.pids.items():
                self.peak_kb[name] = max(self.peak_kb[name], memory_kb(pid).get("VmRSS", 0))

    def stop(self) -> None:
        self._halt.set()
        self.join(5)


def burst(
    count: int = 10_000, workers: int = 4, hard_stop_seconds: float = 600.0, sweep_seconds: float = 30.0
) -> dict[str, Any]:
    """`count` one-clicks, each on a different stored contact, from a second process; then every address checked."""
    with running_stack(sweep_seconds) as stack:
        http = Http(stack.base_url, timeout=300)
        tokens_path: Path | None = None
        try:
            progress(f"burst: seeding {count:,} contacts")
            seed_seconds = seed(stack, 0, count)
            addresses = [seeded_address(i) for i in range(count)]
            # before: one batch is enough to show the check tells a subscribed address from a removed one
            before, _ = eligibility(http, addresses[:: max(1, count // 1000)][:1000])
            codec = token_codec(stack)
            now = datetime.now(UTC)
            with tempfile.NamedTemporaryFile("w", prefix="listkeeper-tokens-", suffix=".json", delete=False) as handle:
                json.dump([codec.issue(address, "*", now) for address in addresses], handle)
                tokens_path = Path(handle.name)
            pids = {"server": stack.process.pid, "moto": stack.moto_pid}
            memory_before = {name: memory_kb(pid) for name, pid in pids.items()}
            sampler = MemorySampler(pids)
            sampler.start()
            progress(f"burst: {count:,} one-clicks from {workers} connections (hard stop {hard_stop_seconds:.0f} s)")
            client = [sys.executable, "-m", "bench.burst_client", "--base-url", stack.base_url, "--tokens",
                      str(tokens_path), "--workers", str(workers), "--seconds", str(hard_stop_seconds)]  # fmt: skip
            try:
                done = subprocess.run(client, cwd=ROOT, capture_output=True, text=True, timeout=hard_stop_seconds + 180)
            finally:
                sampler.stop()
            if done.returncode != 0:
                raise RuntimeError(f"the burst client failed:\n{done.stderr[-2000:]}")
            report = json.loads(done.stdout)
            memory_after = {name: memory_kb(pid) for name, pid in pids.items()}
            progress(f"burst: {report['sent']:,} sent in {report['elapsed_seconds']:.0f} s; checking every address")
            started = time.perf_counter()
            after, repeated = eligibility(http, addresses)
            check_seconds = time.perf_counter() - started
        finally:
            http.close()
            if tokens_path is not None:
                tokens_path.unlink(missing_ok=True)
    latencies = report["latencies"] or [0.0]
    answered = [addresses[i] for i, status in enumerate(report["statuses"]) if status == 200]
    lost = [a for a in answered if not after.get(a, "").startswith("refused:")]
    unasked = [
        a for i, a in enumerate(addresses) if report["statuses"][i] is None and after.get(a, "").startswith("refused:")
    ]
    return {
        "requests": count,
        "workers": workers,
        "hard_stop_seconds": hard_stop_seconds,
        "sent": report["sent"],
        "not_sent_before_hard_stop": report["not_sent"],
        "seed_seconds": round(seed_seconds, 1),
        "elapsed_seconds": round(report["elapsed_seconds"], 1),
        "throughput_per_second": round(report["sent"] / report["elapsed_seconds"], 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "errors": report["error_count"],
        "statuses": dict(Counter(str(s) for s in report["statuses"] if s is not None)),
        "error_samples": report["errors"],
        "eligibility_sample_before": dict(Counter(before.values())),
        "eligibility_after": dict(Counter(after.values())),
        "eligibility_check_seconds": round(check_seconds, 1),
        "eligibility_requests_repeated_after_5xx": repeated,
        "answered_200": len(answered),
        "lost": len(lost),
        "lost_samples": lost[:10],
        "removed_without_a_click": len(unasked),
        "memory_kb": {
            name: {
                "before_burst": memory_before[name].get("VmRSS", 0),
                "peak_during_burst_sampled": sampler.peak_kb[name],
                "peak_vmhwm": memory_after[name].get("VmHWM", 0),
            }
            for name in pids
        },
        "met": not lost and not unasked and report["error_count"] == 0 and report["not_sent"] == 0,
    }


def measure(
    sizes: tuple[int, ...] = DEFAULT_SIZES,
    rounds: int = 200,
    seconds_per_size: float = 60.0,
    burst_requests: int = 10_000,
    burst_workers: int = 4,
    burst_hard_stop_seconds: float = 1200.0,
) -> dict[str, Any]:
    """Both benchmarks, each on its own fresh stack; every figure JSON-serialisable, with its target and `met`."""
    started = time.perf_counter()
    results: dict[str, Any] = {"growth": growth(sizes, rounds, seconds_per_size)}
    results["growth"]["seconds"] = round(time.perf_counter() - started, 1)
    results["burst"] = burst(burst_requests, burst_workers, burst_hard_stop_seconds)
    results["burst"]["seconds"] = round(time.perf_counter() - started - results["growth"]["seconds"], 1)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    results["load_average"] = os.getloadavg()  # the machine is shared: absolute times depend on it
    return results


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """The results-table rows of a `measure()` result: (name, measured, target, met), as bench/run.py prints them."""
    growth, burst = result["growth"], result["burst"]
    sizes = [int(size) for size in growth["sizes"]]
    small, large = f"{sizes[0] // 1000}k", f"{sizes[-1] // 1000}k"
    target = f"<= {growth['target']}"
    return [
        (f"stack: webhook median latency at {large} / at {small} contacts", f"{growth['ratio_webhook']:.2f}", target,
         growth["ratio_webhook"] <= growth["target"]),
        (f"stack: one-click median latency at {large} / at {small} contacts", f"{growth['ratio_one_click']:.2f}",
         target, growth["ratio_one_click"] <= growth["target"]),
        (f"stack: burst of {burst['requests']:,} one-clicks sent within {burst['hard_stop_seconds']:.0f} s",
         f"{burst['sent']:,}", f"= {burst['requests']:,}", burst["not_sent_before_hard_stop"] == 0),
        (f"stack: burst throughput / p50 / p99 ({burst['workers']} connections)",
         f"{burst['throughput_per_second']:.0f}/s {burst['p50_ms']:.0f}/{burst['p99_ms']:.0f} ms", "", True),
        ("stack: burst errors, lost removals, removals nobody asked for",
         f"{burst['errors']} / {burst['lost']} / {burst['removed_without_a_click']}", "0 / 0 / 0",
         burst["errors"] == 0 and burst["lost"] == 0 and burst["removed_without_a_click"] == 0),
        ("stack: peak RSS during the burst, server / moto (MB)",
         f"{burst['memory_kb']['server']['peak_vmhwm'] / 1024:.0f} / {burst['memory_kb']['moto']['peak_vmhwm'] / 1024:.0f}",
         "", True),
    ]  # fmt: skip


def add_arguments(parser: Any) -> None:
    """The knobs of `measure()`, shared by `python -m bench.stack` and `make bench` (bench/run.py)."""
    parser.add_argument(
        "--sizes", default=",".join(str(s) for s in DEFAULT_SIZES), help="comma-separated contact counts"
    )
    parser.add_argument("--rounds", type=int, default=200, help="at most this many rounds of requests per size")
    parser.add_argument("--seconds-per-size", type=float, default=60.0, help="how long each size is measured")
    parser.add_argument("--burst", type=int, default=10_000, help="one-click POSTs in the burst")
    parser.add_argument("--workers", type=int, default=4, help="connections of the burst client")
    parser.add_argument("--hard-stop", type=float, default=1200.0, help="no burst request starts after this (s)")


def measure_from(args: Any) -> dict[str, Any]:
    sizes = tuple(int(s) for s in args.sizes.split(","))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops the stacks on a kill too
    return measure(sizes, args.rounds, args.seconds_per_size, args.burst, args.workers, args.hard_stop)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="growth and burst benchmarks on the `make run` stack")
    add_arguments(parser)
    print(json.dumps(measure_from(parser.parse_args(argv)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
