"""Cold start: the app's import cost over a bare interpreter, against boto3 with the clients it needs."""

import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BARE = "pass"
BASELINE = "import boto3; s = boto3.session.Session(region_name='us-east-1'); s.client('dynamodb'); s.client('ses')"
APP = "import app"
# What the first request adds on top of the import: the two clients the app builds (botocore's model loading).
APP_READY = "import app; from chalicelib.adapters.aws import client; client('dynamodb'); client('ses')"


def _run(code: str) -> float:
    # -X importtime would perturb the timing; wall time of a fresh process is what Lambda pays
    out = subprocess.run(
        [sys.executable, "-c", f"import time; t=time.perf_counter(); {code}; print(time.perf_counter()-t)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return float(out.stdout.strip())


def importtime_top(n: int = 8) -> list[tuple[str, int]]:
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", APP], cwd=ROOT, capture_output=True, text=True)
    rows = []
    for line in out.stderr.splitlines()[1:]:
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[1].isdigit():
            rows.append((parts[2], int(parts[1])))
    top_level = [(name, us) for name, us in rows if not name.startswith(" ")]
    return sorted(top_level, key=lambda r: -r[1])[:n]


# What each Lambda function imports before its first event: its handler's module (the API's is the whole app; an
# event function's is chalicelib.blueprints.events) and the services its handler imports when it runs.
EVENTS = "import chalicelib.blueprints.events"
PER_FUNCTION = {
    "api_handler": APP,
    "sweep": f"{EVENTS}; import chalicelib.services.sweep",
    "ses_events": f"{EVENTS}; import chalicelib.services.ses_events",
    "inbound_email": f"{EVENTS}; import chalicelib.adapters.ses_inbound, chalicelib.services.inbound",
    "shopify_events": f"{EVENTS}; import chalicelib.services.storefront",
}


def measure(rounds: int = 9) -> dict[str, Any]:
    programs = {"bare": BARE, "baseline": BASELINE, "app": APP, "app_ready": APP_READY}
    programs |= {f"function:{name}": code for name, code in PER_FUNCTION.items() if name != "api_handler"}
    samples: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(rounds):  # interleaved, so drift on a shared machine hits all alike
        for name, code in programs.items():
            samples[name].append(_run(code))
    medians = {k: statistics.median(v) for k, v in samples.items()}
    baseline = medians["baseline"] - medians["bare"]
    ratio = (medians["app"] - medians["bare"]) / baseline
    # The import alone could be made small by importing botocore lazily; the first request would pay it instead.
    # This ratio counts that too: import plus the clients, against import plus the clients.
    ready_ratio = (medians["app_ready"] - medians["bare"]) / baseline
    spread = {k: [round(min(v), 4), round(max(v), 4)] for k, v in samples.items()}
    per_function = {
        name: round((medians["app" if name == "api_handler" else f"function:{name}"] - medians["bare"]) / baseline, 3)
        for name in PER_FUNCTION
    }
    return {
        "median_seconds": medians,
        "spread_seconds": spread,
        "per_function_import_ratio": per_function,
        "ratio": ratio,
        "ready_ratio": ready_ratio,
        "target": 1.15,
        "met": ratio <= 1.15 and ready_ratio <= 1.15,
        "importtime_top_us": importtime_top(),
    }
