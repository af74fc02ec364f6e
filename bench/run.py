"""`make bench`: every figure in one run, as one table (with target and met / not met), bench/results.json and
bench/chart.png. Ratios are measured side by side in this run; absolute times on a shared machine are noise."""

import json
import os
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import coldstart, cost, dynamo_cost, inbox, mailman, memory, overhead, stack

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent


PACKAGE_BUDGET_MB = 3.5  # 3.0 until pages and mail came from a template engine (Jinja2, about 0.2 MB zipped)


def package_size() -> dict[str, Any]:
    from infra.build import build

    template = build("prod", ROOT / "build" / "bench")
    archive = template.parent / "deployment.zip"
    with zipfile.ZipFile(archive) as zipped:
        biggest: dict[str, int] = {}
        for info in zipped.infolist():
            top = info.filename.split("/")[0]
            biggest[top] = biggest.get(top, 0) + info.compress_size
    size_mb = archive.stat().st_size / 1e6
    return {
        "zip_mb": round(size_mb, 2),
        "target_mb": PACKAGE_BUDGET_MB,
        "met": size_mb <= PACKAGE_BUDGET_MB,
        "largest": sorted(biggest.items(), key=lambda kv: -kv[1])[:6],
    }


def chart(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, middle, right) = plt.subplots(
        1, 3, figsize=(18, 4.8), width_ratios=(1, 1, 1.2), layout="constrained"
    )
    sweep = results["dynamodb"]["sweep"]
    sizes = [int(k) for k in sweep if k.isdigit()]
    left.plot(sizes, [sweep[str(s)]["index_items_read"] for s in sizes], "o-", label="listkeeper sweep: items read")
    left.plot(sizes, [sweep[str(s)]["scan_control_items"] for s in sizes], "s--", label="scan-based control")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("contacts in the table")
    left.set_ylabel("items read per sweep")
    left.set_title("Sweep cost against table size (same due work)")
    left.legend()
    growth = results["stack"]["growth"]["sizes"]
    contacts = [int(size) for size in growth]
    for kind, label in (("webhook", "saved-info webhook"), ("one_click", "one-click"), ("health", "/health control")):
        middle.plot(contacts, [growth[str(n)][kind]["median_ms"] for n in contacts], "o-", label=f"{label}: median")
    middle.set_xscale("log")
    middle.set_ylim(bottom=0)
    middle.set_xlabel("contacts stored")
    middle.set_ylabel("latency (ms) over loopback")
    middle.set_title("The make run stack: latency against table size")
    middle.legend()
    operations = results["dynamodb"]["operations"]
    names = [o["operation"].split(" (")[0] for o in operations]
    right.barh(names, [o["requests"] for o in operations], label="requests")
    right.barh(names, [o["minimum"] for o in operations], alpha=0.5, label="physical minimum")
    right.set_xscale("log")
    right.set_xlabel("DynamoDB requests")
    right.set_title("Requests per operation against the minimum")
    right.legend()
    figure.savefig(OUT / "chart.png", dpi=110)


# changes on the request path: a read, then one conditioned write
REQUESTS_PER_CHANGE = {
    "saved-info webhook": 2,
    "contest entry": 2,
    "one-click unsubscribe": 2,
    "inbound removal": 2,
}


def measure_all(args: Any) -> dict[str, Any]:
    """Every module in turn; results.json is rewritten after each, so a failure late in a long run keeps the rest."""
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("cold_start", coldstart.measure),
        ("dynamodb", dynamo_cost.measure),
        ("package", package_size),
        ("overhead", overhead.measure),
        ("memory", memory.measure),
        ("mailman", mailman.measure),
        ("stack", lambda: stack.measure_from(args)),
        ("inbox", inbox.run),
    ]
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()}}
    if args.only:
        # measure some modules again and keep the rest of the committed run
        results = json.loads((OUT / "results.json").read_text())
        steps = [(name, measure) for name, measure in steps if name in args.only.split(",")]
    for name, measure in steps:
        started = time.perf_counter()
        stack.progress(f"bench: {name}")
        results[name] = measure()
        results["machine"].setdefault("seconds", {})[name] = round(time.perf_counter() - started, 1)
        (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    results["cost"] = cost.compute(results)  # from the figures above: nothing more to measure
    results["machine"]["load_average_at_end"] = os.getloadavg()
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    stack.add_arguments(parser)
    parser.add_argument("--report", action="store_true", help="print the table and draw the chart from results.json")
    parser.add_argument("--only", default="", help="comma-separated modules to measure again (e.g. inbox)")
    args = parser.parse_args(argv)
    results = json.loads((OUT / "results.json").read_text()) if args.report else measure_all(args)
    chart(results)
    rows = [
        ("cold start: (import app - bare) / (boto3 + clients - bare)", f"{results['cold_start']['ratio']:.2f}", "<= 1.15",
         results["cold_start"]["ratio"] <= 1.15),
        ("  ... with the first request's clients built too", f"{results['cold_start']['ready_ratio']:.2f}", "<= 1.15",
         results["cold_start"]["ready_ratio"] <= 1.15),
        ("sweep: items read at 100k / at 10k contacts", f"{results['dynamodb']['sweep']['ratio_items_read']:.2f}",
         "1.00", results["dynamodb"]["sweep"]["met"]),
        ("  (scan-based control, same sizes)", f"{results['dynamodb']['sweep']['ratio_scan_control']:.2f}", "grows",
         results["dynamodb"]["sweep"]["ratio_scan_control"] > 5),
        ("import 10k: per-item time / batch time", f"{results['dynamodb']['import']['speedup']:.1f}", ">= 8",
         results["dynamodb"]["import"]["met"]),
        ("import 10k: BatchWriteItem requests", str(results["dynamodb"]["import"]["batch_write_requests"]),
         f"= {results['dynamodb']['import']['expected_write_requests']}",
         results["dynamodb"]["import"]["batch_write_requests"] == results["dynamodb"]["import"]["expected_write_requests"]),
        ("deployment package (MB)", f"{results['package']['zip_mb']:.2f}", f"<= {PACKAGE_BUDGET_MB:g}", results["package"]["met"]),
    ]  # fmt: skip
    rows += overhead.rows(results["overhead"]) + memory.rows(results["memory"]) + stack.rows(results["stack"])
    rows += inbox.rows(results["inbox"])
    rows += cost.rows(results.get("cost") or cost.compute(results))
    year = results["dynamodb"].get("year_of_history")
    if year:
        one_click = next(o for o in results["dynamodb"]["operations"] if o["operation"].endswith("a year of history"))
        rows.append(("contact item with a year of history (bytes)", str(year["item_bytes"]),
                     f"<= {year['target_bytes']}", year["item_bytes"] <= year["target_bytes"]))  # fmt: skip
        rows.append(
            ("  ... one-click on it: write capacity units", f"{one_click['wcu']:g}", "<= 1", one_click["wcu"] <= 1)
        )
    for op in results["dynamodb"]["operations"]:
        budget = next((n for prefix, n in REQUESTS_PER_CHANGE.items() if op["operation"].startswith(prefix)), None)
        if budget is not None:  # the budget for a change on the request path: a read and one write
            rows.append((f"requests: {op['operation']}", str(op["requests"]), f"<= {budget}", op["requests"] <= budget))
        else:
            rows.append((f"requests: {op['operation']}", f"{op['requests']} ({op['ratio']:.2f}x)",
                         f"min {op['minimum']}", op["ratio"] <= 1.0))  # fmt: skip
    peer = [  # side by side, no target: what each design asks of its store per operation
        (f"vs Mailman 3, {row['operation']}: SQL statements / DynamoDB requests",
         f"{row['mailman_sql_statements']:g} / {row['listkeeper_dynamodb_requests']:g}",
         f"{row['time_ratio_listkeeper_over_mailman']:.2f}x time")
        for row in results["mailman"]["operations"]
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows + peer)
    print(f"{'measure'.ljust(width)}  {'measured':>14}  {'target':>9}  result")
    for name, value, target, met in rows:
        print(f"{name.ljust(width)}  {value:>14}  {target:>9}  {('met' if met else 'NOT met') if target else ''}")
    for name, value, ratio in peer:
        print(f"{name.ljust(width)}  {value:>14}  {ratio:>9}  (peer)")
    print(f"\nwritten: {OUT / 'results.json'}, {OUT / 'chart.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
