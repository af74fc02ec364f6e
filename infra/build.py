"""`python -m infra.build --stage prod`: the deployable CloudFormation template in build/<stage>/.

Writes each function's least-privilege policy where Chalice reads it, the merge template from infra/resources.py,
then runs `chalice package` (the functions, the API and their event sources) merged with it."""

import argparse
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from chalicelib.front import ORIGIN_SECRET_VARIABLE

from .resources import (
    FUNCTIONS,
    ORIGIN_SECRET_REFERENCE,
    api_secrets_parameter,
    bucket_name,
    front_firewall,
    function_name,
    function_policies,
    merge_template,
    stage_settings,
)

ROOT = Path(__file__).resolve().parent.parent
# Files of the dependencies that nothing deployed reads: the Swagger UI assets of Powertools' event handler
# (listkeeper routes with Chalice) and the C sources and headers cffi reads only when compiling. Only these
# suffixes go; every Python module and shared object stays (tests/infra runs the package with the runtime's
# own libraries alone).
UNREAD_SUFFIXES = (".js", ".css", ".h", ".c")


def build(stage: str, out: Path) -> Path:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    if stage not in config["stages"]:
        raise SystemExit(f"no stage {stage!r} in .chalice/config.json")
    env = stage_settings(config, stage)
    for name, policy in function_policies(env).items():
        document = {"Version": "2012-10-17", **policy}
        (ROOT / ".chalice" / f"policy-{stage}-{name}.json").write_text(json.dumps(document, indent=2) + "\n")
    out.mkdir(parents=True, exist_ok=True)
    merge = out / "merge.json"
    merge.write_text(json.dumps(merge_template(env), indent=2) + "\n")
    environment = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run(  # noqa: S603 - our own tool, our own arguments
        [str(chalice), "package", "--stage", stage, "--merge-template", str(merge), str(out)],
        cwd=ROOT,
        env=environment,
        check=True,
    )
    prune_package(out / "deployment.zip")
    template_path = out / "sam.json"
    template = json.loads(template_path.read_text())
    finish_template(template, env)
    template_path.write_text(json.dumps(template, indent=2) + "\n")
    # for a stack outside us-east-1: CloudFront's web ACL must be made there, by this template, first
    firewall = {
        "Resources": {"FrontFirewall": front_firewall(env)},
        "Outputs": {"FrontFirewallArn": {"Value": {"Fn::GetAtt": ["FrontFirewall", "Arn"]}}},
    }
    (out / "front-firewall.json").write_text(json.dumps(firewall, indent=2) + "\n")
    return template_path


def finish_template(template: dict[str, Any], env: dict[str, str]) -> None:
    """What `chalice package` cannot say: fixed function names (so policies and log groups name them), each function
    after its log group (or Lambda would create one without retention or key), and account-scoped ARNs."""
    found = template["Resources"]
    bucket = bucket_name(env)
    for name, logical in FUNCTIONS.items():
        found[logical]["Properties"]["FunctionName"] = function_name(env, name)
        # the runtime's own level for the standard library's loggers (its default, WARN, drops every info line the
        # dashboard counts); JSON, so each line is a record CloudWatch Logs Insights can filter by field
        found[logical]["Properties"]["LoggingConfig"] = {
            "LogFormat": "JSON",
            "ApplicationLogLevel": "INFO",
            "SystemLogLevel": "WARN",
        }
        found[logical]["DependsOn"] = [f"{logical}Logs"]
        variables = found[logical]["Properties"]["Environment"]["Variables"]
        variables["LISTKEEPER_BUCKET"] = {"Fn::Sub": bucket}
        if name == "api_handler":
            variables["LISTKEEPER_API_SECRETS_PARAMETER"] = api_secrets_parameter(env)
            variables["LISTKEEPER_USER_POOL_ID"] = {"Ref": "StaffPool"}
            variables["LISTKEEPER_USER_POOL_CLIENT_ID"] = {"Ref": "StaffPoolClient"}
        mailhouse = f"s3:{env['LISTKEEPER_BUCKET']}/"
        variables["LISTKEEPER_DESTINATIONS"] = {
            "Fn::Sub": variables["LISTKEEPER_DESTINATIONS"].replace(mailhouse, f"s3:{bucket}/")
        }
    # Chalice subscribes functions to the topic names in chalicelib/names.py: point each at its stage's own topic
    # (so two stages can share an account); the reference orders the topic first, and its policy is waited for.
    for function, topic in (("InboundEmail", "InboundTopic"), ("SesEvents", "SesEventsTopic")):
        for source in found[function]["Properties"]["Events"].values():
            source["Properties"]["Topic"] = {"Ref": topic}
        found[function]["DependsOn"] += [f"{topic}Policy"]
    # The API is served by CloudFront and the function's URL (infra/resources.py): not by the REST API Chalice
    # packages for its routes.
    for logical in ("RestAPI", "APIHandlerInvokePermission"):
        del found[logical]
    for output in ("RestAPIId", "EndpointURL"):
        template["Outputs"].pop(output, None)
    api = found["APIHandler"]["Properties"]
    api["Handler"] = "app.front"
    api["Environment"]["Variables"][ORIGIN_SECRET_VARIABLE] = {"Fn::Sub": ORIGIN_SECRET_REFERENCE}
    for resource in found.values():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    statement["Resource"] = _substituted(statement["Resource"])


def _substituted(value: Any) -> Any:
    if isinstance(value, list):
        return [_substituted(v) for v in value]
    if isinstance(value, str) and "${" in value:
        return {"Fn::Sub": value}
    return value


def prune_package(archive: Path) -> None:
    """Rewrite the package without the unread files, at the highest deflate level (it is built once, read often)."""
    pruned = archive.with_suffix(".pruned.zip")
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(pruned, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if not info.filename.endswith(UNREAD_SUFFIXES):
                target.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    pruned.replace(archive)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    template = build(args.stage, Path(args.out) if args.out else ROOT / "build" / args.stage)
    print(f"template: {template}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
