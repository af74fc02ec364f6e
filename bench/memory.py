"""Memory of one warm process handling 10,000 requests through the app handler, as one Lambda execution environment
would: alternately an RFC 8058 one-click by a subscribed contact (confirmation sent) and a saved-info webhook for
a new subscriber (welcome sent), each a full API Gateway event, on the null transport of bench/overhead.py (so the
figure is the app's own memory, not an emulator's growing tables). Sampled after 1k, 5k and 10k requests, in a
fresh subprocess so the figure is its own. Targets: within a 128 MB Lambda, and flat (little growth from 1k to 10k,
which would otherwise add up over a warm environment's lifetime)."""

import gc
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUESTS = 10_000
SAMPLES = (1_000, 5_000, 10_000)
LAMBDA_MB = 128
GROWTH_TARGET_MB = 2.0  # from 1k to 10k requests: ~230 bytes a request at most


class SubscribedContacts(Mapping[str, dict[str, Any]]):
    """The contact item of the one-click being measured, made when read: holding 5,000 of them up front would put
    the bench's own memory into the figure."""

    def __init__(self) -> None:
        self.pk = ""
        self.address = ""

    def now_clicking(self, pk: str, address: str) -> None:
        self.pk, self.address = pk, address

    def __getitem__(self, pk: str) -> dict[str, Any]:
        from bench.overhead import subscribed_item

        if pk != self.pk:
            raise KeyError(pk)
        return subscribed_item(pk, self.address, "seed", "cust-seed", "Jane", "2026-11-01T10:00:00Z", 2)

    def __contains__(self, pk: object) -> bool:
        return pk == self.pk

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _rss_mb() -> float:
    """Resident set size now (Linux /proc), else the peak so far."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return _peak_mb()


def _peak_mb() -> float:
    """This process's peak resident set size. On Linux the kernel's high-water mark of the process's own memory
    (VmHWM): getrusage's ru_maxrss carries over the parent's peak through fork and exec, so a child started by a
    large process (pytest, or `make bench` after the sweep benchmark) would report its parent's size."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def child(requests: int = REQUESTS) -> dict[str, Any]:
    """Runs in the subprocess: the app handler, warm, on the null transport."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from bench.overhead import (
        LambdaContext,
        NullTransport,
        _app_clients,
        _environment,
        contact_pk,
        one_click_event,
        quiet_request_log,
        webhook_event,
    )

    secrets_json = _environment()
    from chalicelib import wiring

    wiring.reset()
    clicked = SubscribedContacts()
    null = NullTransport(secrets_json, clicked)
    for aws_client in _app_clients():
        aws_client.meta.events.register("before-send", null)
    from app import front as app  # the deployed handler: behind the function URL

    points = sorted({p for p in SAMPLES if p <= requests} | {requests})
    started_rss = _rss_mb()
    samples: list[dict[str, Any]] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    statuses: dict[int, int] = {}
    with quiet_request_log():
        for n in range(1, requests + 1):
            if n % 2:
                deps = wiring.deps()
                address = f"mem-click-{n}@example.com"
                clicked.now_clicking(contact_pk(address, secrets_json), address)
                token = deps.secrets.get().tokens.issue(address, "*", deps.clock.now())
                event = one_click_event(token)
                expect = "unsubscribed"
            else:
                event = webhook_event(f"mem-evt-{n}", f"mem-new-{n}@example.com")
                expect = '"processed"'
            answer = app(event, LambdaContext())
            statuses[answer["statusCode"]] = statuses.get(answer["statusCode"], 0) + 1
            if answer["statusCode"] != 200 or expect not in answer["body"]:
                raise AssertionError(f"request {n}: {answer['statusCode']} {answer['body'][:300]}")
            del event, answer
            if n in points:
                gc.collect()
                samples.append(
                    {
                        "requests": n,
                        "rss_mb": round(_rss_mb(), 2),
                        "peak_rss_mb": round(_peak_mb(), 2),
                        "python_blocks": sys.getallocatedblocks(),
                        "gc_objects": len(gc.get_objects()),
                        "seconds": round(time.perf_counter() - started, 1),
                        "cpu_seconds": round(time.process_time() - cpu_started, 1),
                    }
                )
    return {
        "rss_before_first_request_mb": round(started_rss, 2),
        "statuses": statuses,
        "samples": samples,
        "modules_not_loaded": [m for m in ("boto3", "moto") if m not in sys.modules],  # the figure is the app's
    }


def measure(requests: int = REQUESTS) -> dict[str, Any]:
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "bench.memory", "--child", str(requests)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,  # 10,000 requests take minutes of CPU; on a crowded machine many more of wall time
    )
    if run.returncode != 0:
        raise RuntimeError(f"the memory run failed:\n{run.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    first, last = result["samples"][0], result["samples"][-1]
    growth = last["rss_mb"] - first["rss_mb"]
    span = max(1, last["requests"] - first["requests"])
    peak = max(max(s["peak_rss_mb"], s["rss_mb"]) for s in result["samples"])
    result |= {
        "peak_rss_mb": round(peak, 2),
        "growth_1k_to_10k_mb": round(growth, 2),
        "growth_bytes_per_request": round(growth * 2**20 / span),
        "python_blocks_per_request": round((last["python_blocks"] - first["python_blocks"]) / span, 3),
        "target_peak_mb": LAMBDA_MB,
        "target_growth_mb": GROWTH_TARGET_MB,
        "met": peak <= LAMBDA_MB and growth <= GROWTH_TARGET_MB,
        "seconds": round(time.perf_counter() - started, 1),
    }
    return result


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """The results-table rows of a `measure()` result: (name, measured, target, met), as bench/run.py prints them."""
    first, last = result["samples"][0]["requests"], result["samples"][-1]["requests"]
    return [
        (f"memory: peak RSS over {last:,} requests (MB)", f"{result['peak_rss_mb']:.1f}", f"<= {LAMBDA_MB}",
         result["peak_rss_mb"] <= LAMBDA_MB),
        (f"memory: RSS growth from {first:,} to {last:,} requests (MB)", f"{result['growth_1k_to_10k_mb']:.2f}",
         f"<= {GROWTH_TARGET_MB}", result["growth_1k_to_10k_mb"] <= GROWTH_TARGET_MB),
    ]  # fmt: skip


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(child(int(sys.argv[sys.argv.index("--child") + 1]))))
    else:
        print(json.dumps(measure(), indent=2))
