"""What a million of each operation costs in AWS, from what `make bench` measured: DynamoDB requests and capacity
per operation (bench/dynamo_cost.py, capacity from item sizes by AWS's rules), the handler's time against
in-process moto (an upper bound: it includes the emulator's own work), the configured memory, and the list prices
below. Network round trips to AWS are not measured here; each request adds the assumed latency below to the billed
duration. `python -m bench.cost` prints the table from bench/results.json."""

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent

# us-east-1 list prices in USD as of the date below, from AWS's pricing pages; they were not read again from this
# machine (it cannot reach them), so check them before relying on the table.
PRICES_AS_OF = "2025-06"
PRICES = {
    "dynamodb_write_unit": 0.625e-6,  # on-demand, per write request unit (1 KB)
    "dynamodb_read_unit": 0.125e-6,  # on-demand, per read request unit (4 KB strongly consistent)
    "lambda_request": 0.20e-6,
    "lambda_gb_second": 0.0000166667,  # x86
    "rest_api_request": 3.50e-6,  # API Gateway REST API, first 333 million a month
    "http_api_request": 1.00e-6,  # API Gateway HTTP API, first 300 million a month
    "waf_request": 0.60e-6,  # AWS WAF, per request inspected (plus $5 a month per web ACL and $1 per rule)
    "cloudfront_https_request": 1.00e-6,  # CloudFront, HTTPS requests, North America and Europe
    "cloudfront_gb_out": 0.085,  # CloudFront data transfer out, first 10 TB (from a Lambda origin to it: free)
    "internet_gb_out": 0.09,  # data transfer out of the region to the internet (API Gateway's answers), first 10 TB
    "eventbridge_event": 1.00e-6,  # PutEvents, custom events, per 64 KB
    "ses_inbound_message": 0.10e-3,  # SES receiving, per message (plus $0.09 per 1,000 incoming 256 KB chunks)
    "ses_inbound_chunk": 0.09e-3,
    "s3_put": 0.005e-3,
    "s3_get": 0.0004e-3,
    "sns_lambda_delivery": 0.0,  # SNS deliveries to Lambda are free
    "cloudwatch_custom_metric_month": 0.30,  # per metric, first 10,000
}
MEMORY_GB = 0.5  # lambda_memory_size of every function in .chalice/config.json (prod)
ASSUMED_ROUND_TRIP_MS = {"dynamodb": 6.0, "ses": 25.0, "events": 15.0}  # within a region: an estimate, not measured
PAGE_BYTES = 3_000  # the one-click's answer page with headers
SWEEPS_PER_MONTH = 30 * 24 * 12  # every 5 minutes
SWEEP_METRICS = 7  # RemovalsOpen … SweepFailures, one dimension each


def _lambda(ms: float) -> float:
    billed = max(1.0, round(ms))  # billed by the millisecond
    return PRICES["lambda_request"] + MEMORY_GB * billed / 1000 * PRICES["lambda_gb_second"]


def _dynamodb(op: dict[str, Any]) -> float:
    return op["wcu"] * PRICES["dynamodb_write_unit"] + op["rcu"] * PRICES["dynamodb_read_unit"]


def _handler_ms(op: dict[str, Any], ses_sends: int = 0) -> float:
    return (
        float(op["wall_ms"])
        + op["requests"] * ASSUMED_ROUND_TRIP_MS["dynamodb"]
        + ses_sends * ASSUMED_ROUND_TRIP_MS["ses"]
    )


DEPLOYED_FRONT = "CloudFront + WAF + Lambda function URL (deployed)"
REST_API_FRONT = "API Gateway REST API + WAF (deployed before)"


def fronts() -> dict[str, float]:
    """Per request, before the function: what each way of taking HTTPS costs with its protections, its answer's
    bytes out included."""
    out = PAGE_BYTES / 1e9
    return {
        REST_API_FRONT: PRICES["rest_api_request"] + PRICES["waf_request"] + out * PRICES["internet_gb_out"],
        "API Gateway HTTP API (no WAF: it cannot be attached)": PRICES["http_api_request"]
        + out * PRICES["internet_gb_out"],
        DEPLOYED_FRONT: PRICES["cloudfront_https_request"] + PRICES["waf_request"] + out * PRICES["cloudfront_gb_out"],
    }


def compute(results: dict[str, Any]) -> dict[str, Any]:
    ops = {o["operation"].split(" (")[0]: o for o in results["dynamodb"]["operations"]}
    missing = [name for name, op in ops.items() if "wall_ms" not in op]
    if missing:
        return {"error": f"measure bench.dynamo_cost again: no handler time for {', '.join(missing)}"}
    front = fronts()[DEPLOYED_FRONT]
    sweep = ops["sweep with 2 due contacts"]
    # A removal's share of the sweep run that delivers it (measured on the year-of-history contact): its contact and
    # its confirmation's send-log entry read, its history and its archive row written, its contact written once,
    # its event on the bus. The run's index queries are the sweep's own cost (the month's row below).
    visit = ops["sweep visit after that one-click"]
    propagation = visit["wcu"] * PRICES["dynamodb_write_unit"] + 2 * PRICES["dynamodb_read_unit"]
    propagation += PRICES["eventbridge_event"]
    rows: dict[str, dict[str, float]] = {}

    def add(name: str, parts: dict[str, float]) -> None:
        rows[name] = {k: round(v * 1e6, 2) for k, v in parts.items()}
        rows[name]["total"] = round(sum(parts.values()) * 1e6, 2)

    one_click = ops["one-click unsubscribe, contact with a year of history"]
    add(
        "one-click unsubscribe (confirmation email excluded)",
        {
            "front": front,
            "lambda": _lambda(_handler_ms(one_click, ses_sends=1)),
            "dynamodb": _dynamodb(one_click),
            "propagation": propagation,
        },
    )
    send_event = ops["SES Send event of the confirmation into the send log"]
    add(
        "an email's Send event into the send log (part of the email's cost, excluded above)",
        {"lambda": _lambda(_handler_ms(send_event)), "dynamodb": _dynamodb(send_event)},
    )
    webhook = ops["saved-info webhook, new subscriber"]
    add(
        "saved-info webhook, new subscriber (welcome email excluded)",
        {"front": front, "lambda": _lambda(_handler_ms(webhook, ses_sends=1)), "dynamodb": _dynamodb(webhook)},
    )
    eligibility = ops["eligibility of 1,000 unknown recipients"]
    known = dict(eligibility, rcu=1000 * max(1, one_click["rcu"]))  # 1,000 held contacts: one read unit each
    add(
        "eligibility check of 1,000 recipients, all held",
        {"front": front, "lambda": _lambda(_handler_ms(eligibility)), "dynamodb": _dynamodb(known)},
    )
    inbound = ops["inbound removal by email"]
    add(
        "inbound removal by email (confirmation email excluded)",
        {
            "ses_receiving": PRICES["ses_inbound_message"] + PRICES["ses_inbound_chunk"],
            "s3": PRICES["s3_put"] + PRICES["s3_get"],
            "lambda": _lambda(_handler_ms(inbound, ses_sends=1)),
            "dynamodb": _dynamodb(inbound),
            "propagation": propagation,
        },
    )
    idle_sweep = {"front": 0.0}
    idle_sweep["lambda"] = SWEEPS_PER_MONTH * _lambda(_handler_ms(sweep))
    # every run queries each due shard twice and reads the review queue: one read unit each at least
    idle_sweep["dynamodb"] = SWEEPS_PER_MONTH * (sweep["requests"] - 4) * PRICES["dynamodb_read_unit"]
    idle_sweep["metrics"] = SWEEP_METRICS * PRICES["cloudwatch_custom_metric_month"]
    month = {k: v / 1e6 for k, v in idle_sweep.items()}  # reported per month, not per million
    add("a month of the sweep, 2 due contacts a run (per month, not per million)", month)
    for name, parts in rows.items():
        named = {k: v for k, v in parts.items() if k != "total"}
        parts_sorted = sorted(named.items(), key=lambda kv: -kv[1])
        rows[name]["dominant"] = parts_sorted[0][0]  # type: ignore[assignment]
    target = 3.00
    measured = rows["one-click unsubscribe (confirmation email excluded)"]["total"]
    return {
        "prices_as_of": PRICES_AS_OF,
        "region": "us-east-1",
        "memory_gb": MEMORY_GB,
        "assumed_round_trip_ms": ASSUMED_ROUND_TRIP_MS,
        "per_million_usd": rows,
        "fronts_per_million_usd": {k: round(v * 1e6, 2) for k, v in fronts().items()},
        "one_click_target_usd": target,
        "met": measured <= target,
    }


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    if "error" in result:
        return [("cost per million one-clicks (USD)", result["error"], "<= 3.00", False)]
    out = []
    for name, parts in result["per_million_usd"].items():
        target = f"<= {result['one_click_target_usd']:.2f}" if name.startswith("one-click") else ""
        met = parts["total"] <= result["one_click_target_usd"] if target else True
        out.append((f"cost: {name}", f"${parts['total']:.2f} ({parts['dominant']})", target, met))
    return out


def markdown(result: dict[str, Any]) -> str:
    lines = ["| per million (USD) | total | front | Lambda | DynamoDB | propagation | other | dominated by |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, parts in result["per_million_usd"].items():
        other = sum(
            v for k, v in parts.items() if k not in ("total", "front", "lambda", "dynamodb", "propagation", "dominant")
        )
        lines.append(
            f"| {name} | {parts['total']:.2f} | {parts.get('front', 0):.2f} | {parts.get('lambda', 0):.2f} | "
            f"{parts.get('dynamodb', 0):.2f} | {parts.get('propagation', 0):.2f} | {other:.2f} | {parts['dominant']} |"
        )  # fmt: skip
    return "\n".join(lines)


def main() -> int:
    results = json.loads((OUT / "results.json").read_text())
    result = compute(results)
    print(json.dumps(result, indent=2))
    if "error" not in result:
        print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
