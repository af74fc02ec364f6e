"""The deployment, checked offline: the generated template passes cfn-lint and has the properties SPEC §8 asks for."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def template(template_path: Path) -> dict[str, Any]:
    return json.loads(template_path.read_text())


def resources(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_cfn_lint_finds_nothing(template_path: Path) -> None:
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(template_path)], capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_contract_function_names_are_deployed(template: dict[str, Any]) -> None:
    handlers = {r["Properties"]["Handler"] for r in resources(template, "AWS::Serverless::Function").values()}
    assert handlers == {
        "app.app",
        "chalicelib.blueprints.events.sweep",
        "chalicelib.blueprints.events.ses_events",
        "chalicelib.blueprints.events.inbound_email",
    }
    sweep = template["Resources"]["Sweep"]["Properties"]
    assert sweep["Events"]["SweepEvent"]["Properties"]["Schedule"] == "rate(5 minutes)"
    assert sweep["ReservedConcurrentExecutions"] == 1  # the mail house's daily file is read-merge-written


def test_the_table_has_its_indexes_ttl_pitr_and_is_retained(template: dict[str, Any]) -> None:
    (table,) = resources(template, "AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert {i["IndexName"] for i in props["GlobalSecondaryIndexes"]} == {"due", "postal", "customer", "audience"}
    assert table["DeletionPolicy"] == "Retain"


def test_the_bucket_is_private_encrypted_and_expires_personal_data(template: dict[str, Any]) -> None:
    props = template["Resources"]["Bucket"]["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["inbound"]["ExpirationInDays"] <= 30 and rules["exports"]["ExpirationInDays"] <= 30
    statements = template["Resources"]["BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in statements)


def test_ses_receiving_and_the_configuration_set_are_wired(template: dict[str, Any]) -> None:
    rule = template["Resources"]["ReceiptRule"]["Properties"]["Rule"]
    (action,) = rule["Actions"]
    assert action["S3Action"]["ObjectKeyPrefix"] == "inbound/" and action["S3Action"]["TopicArn"] == {
        "Ref": "InboundTopic"
    }
    destination = template["Resources"]["ConfigurationSetEvents"]["Properties"]["EventDestination"]
    assert set(destination["MatchingEventTypes"]) == {"send", "bounce", "complaint"}


def test_event_functions_have_dead_letter_queues(template: dict[str, Any]) -> None:
    configs = resources(template, "AWS::Lambda::EventInvokeConfig")
    assert {c["Properties"]["FunctionName"]["Ref"] for c in configs.values()} == {"Sweep", "SesEvents", "InboundEmail"}
    assert all("OnFailure" in c["Properties"]["DestinationConfig"] for c in configs.values())


def test_alarms_watch_deadlines_dead_letters_errors_and_throttles(template: dict[str, Any]) -> None:
    metrics = {a["Properties"]["MetricName"] for a in resources(template, "AWS::CloudWatch::Alarm").values()}
    assert {"RemovalsAtRisk", "RemovalsOverdue", "OutboxDead", "Errors", "Throttles"} <= metrics
    assert "ApproximateNumberOfMessagesVisible" in metrics
    dashboard = json.dumps(template["Resources"]["Dashboard"])
    assert all(name in dashboard for name in ("RemovalsAtRisk", "OutboxDead", "Inbound mail by classification"))


def _statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, role in resources(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            found.extend((name, s) for s in policy["PolicyDocument"]["Statement"])
    return found


def test_iam_is_least_privilege(template: dict[str, Any]) -> None:
    statements = _statements(template)
    assert {name for name, _ in statements} == {"ApiHandlerRole", "SweepRole", "SesEventsRole", "InboundEmailRole"}
    for name, statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(a == "*" or a.endswith(":*") for a in actions), (name, actions)
        if any(a.startswith(("dynamodb:", "s3:", "events:", "ssm:")) for a in actions):
            assert "*" not in statement["Resource"], (name, statement)

    def actions_of(role: str) -> set[str]:
        return {a for n, s in statements if n == role for a in s["Action"]}

    assert "events:PutEvents" in actions_of("SweepRole") and "events:PutEvents" not in actions_of("ApiHandlerRole")
    assert "ses:SendRawEmail" not in actions_of("SesEventsRole")
    assert "s3:GetObject" in actions_of("InboundEmailRole") and "s3:GetObject" not in actions_of("ApiHandlerRole")


def test_the_intake_queue_is_encrypted_redriven_alarmed_and_only_the_sweep_reads_it(template: dict[str, Any]) -> None:
    queue = template["Resources"]["IntakeQueue"]["Properties"]
    assert queue["KmsMasterKeyId"] and queue["RedrivePolicy"]["deadLetterTargetArn"]
    assert queue["MessageRetentionPeriod"] >= 4 * 24 * 3600  # outlives any outage the 48 hours allow
    alarms = json.dumps(resources(template, "AWS::CloudWatch::Alarm"))
    assert "ApproximateAgeOfOldestMessage" in alarms and "IntakeDeadLetters" in alarms
    statements = _statements(template)

    def sqs_actions(role: str) -> set[str]:
        return {a for n, s in statements if n == role for a in s["Action"] if a.startswith("sqs:")}

    assert sqs_actions("ApiHandlerRole") == {"sqs:GetQueueUrl", "sqs:SendMessage"}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= sqs_actions("SweepRole")
    assert not sqs_actions("SesEventsRole") and not sqs_actions("InboundEmailRole")
