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


def measure(rounds: int = 9) -> dict[str, Any]:
    samples: dict[str, list[float]] = {"bare": [], "baseline": [], "app": []}
    for _ in range(rounds):  # interleaved, so drift on a shared machine hits all three alike
        samples["bare"].append(_run(BARE))
        samples["baseline"].append(_run(BASELINE))
        samples["app"].append(_run(APP))
    medians = {k: statistics.median(v) for k, v in samples.items()}
    ratio = (medians["app"] - medians["bare"]) / (medians["baseline"] - medians["bare"])
    return {
        "median_seconds": medians,
        "ratio": ratio,
        "target": 1.15,
        "met": ratio <= 1.15,
        "importtime_top_us": importtime_top(),
    }
