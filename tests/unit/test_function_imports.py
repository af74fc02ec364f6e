"""Each Lambda function loads only what it runs: every function imports the events module (the API's app registers
it), so none may pay at cold start for another's code — the inbox reader, the sweep, the platforms' handling."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OTHERS = (
    "chalicelib.domain.reading",  # the inbox reader: inbound_email's alone
    "chalicelib.services.inbound",
    "chalicelib.services.sweep",
    "chalicelib.services.ses_events",
)


def loaded_after(code: str) -> set[str]:
    script = (
        f"import json, sys\n{code}\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith('chalicelib'))))"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return set(json.loads(run.stdout.strip().splitlines()[-1]))


def test_the_api_function_loads_neither_the_inbox_reader_nor_the_event_functions_services() -> None:
    loaded = loaded_after("import app")
    assert "chalicelib.services.review" in loaded  # the review queue it serves
    assert not loaded & set(OTHERS), loaded & set(OTHERS)


def test_an_event_function_loads_its_own_services_only() -> None:
    loaded = loaded_after("import chalicelib.blueprints.events")
    assert not loaded & {*OTHERS, "chalicelib.services.storefront", "chalicelib.domain.shopify"}
