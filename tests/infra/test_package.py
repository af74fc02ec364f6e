"""The deployment package runs on what a Lambda has: its contents and the runtime's own boto3/botocore, nothing
from this machine's virtualenv. It is pruned (infra/build.py), so this is what proves nothing needed was cut."""

import ast
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import botocore
import dateutil
import jmespath
import s3transfer
import six
import urllib3

from infra.build import UNREAD_SUFFIXES

# What the python3.11 Lambda runtime provides besides the standard library.
RUNTIME_LIBRARIES = (boto3, botocore, s3transfer, jmespath, dateutil, urllib3, six)

RUN_IN_PACKAGE = r"""
import importlib, json, sys, types
package, runtime, modules = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path[:0] = [package, runtime]
import app
for name in modules:
    importlib.import_module(name)
from datetime import UTC, datetime
from chalicelib.adapters.ses_mailer import build_mime
from chalicelib.domain.addresses import normalize_address
from chalicelib.domain.tokens import TokenCodec
from chalicelib.services.ports import OutgoingEmail

now = datetime.now(UTC)
codec = TokenCodec({"k1": bytes(range(32))}, "k1")
claims = codec.verify(codec.issue("jane@example.com", "*", now), now)
mail = build_mime(OutgoingEmail("m1", claims.address, "Merci, José", "hi", "<p>hi"), "s@shop.example", "shop.example")
context = types.SimpleNamespace(function_name="api", memory_limit_in_mb=256, aws_request_id="r-1",
                                invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:api",
                                get_remaining_time_in_millis=lambda: 29000)
# what CloudFront and the function URL hand the deployed handler (infra/build.py names app.front)
import os
os.environ["LISTKEEPER_ORIGIN_SECRET"] = "origin-secret"
event = {"version": "2.0", "rawPath": "/health", "rawQueryString": "",
         "headers": {"host": "x.lambda-url.on.aws", "x-listkeeper-origin": "origin-secret"},
         "requestContext": {"requestId": "r-1", "http": {"method": "GET", "path": "/health", "sourceIp": "1.2.3.4"}},
         "isBase64Encoded": False}
answer = app.front(event, context)
# the inbox's second reading reads its weights from a data file beside its module: it must be in the package
from chalicelib.domain import second_reading
known = second_reading.model().known("Please unsubscribe me from the newsletter.", "newsletter")
outside = sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())} - {""})
outside = [f for f in outside if not f.startswith((package, runtime, sys.base_prefix))]
print(json.dumps({"address": claims.address, "mail": len(mail), "normalised": normalize_address("Jane@Example.COM"),
                  "status": answer["statusCode"], "outside": outside, "second_reading_known": known}))
"""


def imported_modules(root: Path) -> list[str]:
    """Every absolute import in the deployed code, function-level ones included (some are deferred on purpose)."""
    names: set[str] = set()
    for source in [root / "app.py", *(root / "chalicelib").rglob("*.py")]:
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return sorted(names)


def test_the_package_runs_with_only_what_the_lambda_runtime_provides(template_path: Path, tmp_path: Path) -> None:
    package, runtime = tmp_path / "package", tmp_path / "runtime"
    with zipfile.ZipFile(template_path.parent / "deployment.zip") as archive:
        archive.extractall(package)
        assert not [name for name in archive.namelist() if name.endswith(UNREAD_SUFFIXES)]
    runtime.mkdir()
    for library in RUNTIME_LIBRARIES:
        location = Path(library.__file__ or "")
        source = location.parent if location.name == "__init__.py" else location
        (runtime / source.name).symlink_to(source)
    modules = imported_modules(package)
    assert "nacl.bindings" in modules and "aws_lambda_powertools" in modules  # the scan sees the dependencies
    # -S -I: no site-packages, no PYTHONPATH, no user site; only the standard library, the package and the runtime
    ran = subprocess.run(
        [sys.executable, "-S", "-I", "-c", RUN_IN_PACKAGE, str(package), str(runtime), json.dumps(modules)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"},
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    result = json.loads(ran.stdout.splitlines()[-1])
    assert result["address"] == "jane@example.com" and result["status"] == 200 and result["mail"] > 0
    assert result["normalised"] == "jane@example.com"
    assert result["outside"] == [], "imported from outside the package and the runtime"
    assert result["second_reading_known"] > 0.5  # its weights were packaged and read
