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
        "app.front",  # behind the function URL (chalicelib/front.py)
        "chalicelib.blueprints.events.sweep",
        "chalicelib.blueprints.events.ses_events",
        "chalicelib.blueprints.events.inbound_email",
        "chalicelib.blueprints.events.shopify_events",
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
    assert {i["IndexName"] for i in props["GlobalSecondaryIndexes"]} == {
        "due",
        "postal",
        "customer",
        "audience",
        "shop",
    }
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
    assert {c["Properties"]["FunctionName"]["Ref"] for c in configs.values()} == {
        "Sweep",
        "SesEvents",
        "InboundEmail",
        "ShopifyEvents",
    }
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
    assert {name for name, _ in statements} == {
        "ApiHandlerRole",
        "SweepRole",
        "SesEventsRole",
        "InboundEmailRole",
        "ShopifyEventsRole",
        "PartnerForwardRole",  # EventBridge's, to forward removal events to the partners' bus
    }
    for name, statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(a == "*" or a.endswith(":*") for a in actions), (name, actions)
        if any(a.startswith(("dynamodb:", "s3:", "events:", "ssm:")) for a in actions):
            assert "*" not in statement["Resource"], (name, statement)

    def actions_of(role: str) -> set[str]:
        return {a for n, s in statements if n == role for a in s["Action"]}

    assert "events:PutEvents" in actions_of("SweepRole") and "events:PutEvents" not in actions_of("ApiHandlerRole")
    assert "ses:SendRawEmail" not in actions_of("SesEventsRole")
    assert "s3:GetObject" in actions_of("InboundEmailRole")
    api_reads = [s for n, s in statements if n == "ApiHandlerRole" and "s3:GetObject" in s["Action"]]
    assert api_reads and all(  # the exports it links to, never the raw mail
        "/exports/*" in json.dumps(s["Resource"]) and "inbound" not in json.dumps(s["Resource"]) for s in api_reads
    )


def test_the_intake_queue_is_encrypted_redriven_alarmed_and_only_the_sweep_reads_it(template: dict[str, Any]) -> None:
    queue = template["Resources"]["IntakeQueue"]["Properties"]
    assert queue["KmsMasterKeyId"] and queue["RedrivePolicy"]["deadLetterTargetArn"]
    assert queue["MessageRetentionPeriod"] >= 4 * 24 * 3600  # outlives any outage the 48 hours allow
    alarms = json.dumps(resources(template, "AWS::CloudWatch::Alarm"))
    assert "ApproximateAgeOfOldestMessage" in alarms and "IntakeDeadLetters" in alarms
    statements = _statements(template)

    def sqs_actions(role: str) -> set[str]:
        on_intake = [s for n, s in statements if n == role and "intake" in json.dumps(s["Resource"])]
        return {a for s in on_intake for a in s["Action"] if a.startswith("sqs:")}

    assert sqs_actions("ApiHandlerRole") == {"sqs:GetQueueUrl", "sqs:SendMessage"}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= sqs_actions("SweepRole")
    assert not sqs_actions("SesEventsRole") and not sqs_actions("InboundEmailRole")


# --- what moto cannot see: keys, service principals, wiring ----------------------------------------------------------


def _ref(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("Ref") or (value.get("Fn::GetAtt") or [None])[0]
    return None


def _key_grants(template: dict[str, Any], key: str, service: str) -> bool:
    """Does the key's own policy let `service` encrypt and decrypt with it, scoped to this account or resource?"""
    statements = template["Resources"][key]["Properties"]["KeyPolicy"]["Statement"]
    for statement in statements:
        principal = statement.get("Principal", {}).get("Service")
        actions = set(statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
        scoped = "aws:SourceAccount" in json.dumps(statement.get("Condition", {})) or "EncryptionContext" in json.dumps(
            statement.get("Condition", {})
        )
        if principal in (service, {"Fn::Sub": service}) and scoped and "kms:GenerateDataKey*" in actions:
            return True
    return False


def test_every_topic_an_aws_service_publishes_to_uses_a_key_that_service_may_use(template: dict[str, Any]) -> None:
    """SES and CloudWatch cannot use the AWS-managed SNS key: a topic encrypted with it never receives a message."""
    policies = resources(template, "AWS::SNS::TopicPolicy")
    publishers: dict[str, set[str]] = {}
    for policy in policies.values():
        (topic,) = [_ref(t) for t in policy["Properties"]["Topics"]]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            publishers.setdefault(str(topic), set()).add(statement["Principal"]["Service"])
    assert publishers == {
        "InboundTopic": {"ses.amazonaws.com"},
        "SesEventsTopic": {"ses.amazonaws.com"},
        "AlarmTopic": {"cloudwatch.amazonaws.com"},
    }
    for topic, services in publishers.items():
        key = _ref(template["Resources"][topic]["Properties"]["KmsMasterKeyId"])
        assert key is not None and template["Resources"][key]["Type"] == "AWS::KMS::Key", topic
        assert template["Resources"][key]["Properties"]["EnableKeyRotation"] is True
        for service in services:
            assert _key_grants(template, key, service), (topic, service)


def test_what_services_write_is_writable_only_from_the_one_resource_meant(template: dict[str, Any]) -> None:
    """Topic and bucket policies for service principals name this account and the source resource: no other
    receipt rule, configuration set or alarm in the account can feed them."""
    statements = [
        s
        for p in [*resources(template, "AWS::SNS::TopicPolicy").values(), template["Resources"]["BucketPolicy"]]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if isinstance(s.get("Principal"), dict) and "Service" in s["Principal"]
    ]
    assert len(statements) == 4
    for statement in statements:
        condition = statement["Condition"]
        assert "aws:SourceAccount" in condition["StringEquals"] and "aws:SourceArn" in condition["ArnLike"]
    rule = json.dumps(template["Resources"]["BucketPolicy"])
    assert "receipt-rule-set/listkeeper-prod:receipt-rule/customer-service" in rule


def test_every_queue_is_encrypted_with_a_key_its_writers_may_use(template: dict[str, Any]) -> None:
    queues = resources(template, "AWS::SQS::Queue")
    assert all(_ref(q["Properties"]["KmsMasterKeyId"]) == "DataKey" for q in queues.values())
    assert _key_grants(template, "DataKey", "events.amazonaws.com")  # the partner rule's dead letters
    for role in ("ApiHandlerRole", "SweepRole", "SesEventsRole", "InboundEmailRole"):  # the functions' own sends
        grants = [s for n, s in _statements(template) if n == role and "kms:GenerateDataKey" in s["Action"]]
        assert grants and grants[0]["Resource"] == [{"Fn::Sub": "${DataKey.Arn}"}], role


def test_every_async_function_may_write_to_its_on_failure_queue(template: dict[str, Any]) -> None:
    """Lambda sends a failed event to the destination with the function's own role: without sqs:SendMessage on it,
    the event is dropped and the dead-letter alarm can never fire."""
    for config in resources(template, "AWS::Lambda::EventInvokeConfig").values():
        function = config["Properties"]["FunctionName"]["Ref"]
        queue = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        name = template["Resources"][queue]["Properties"]["QueueName"]
        role = template["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
        allowed = [
            json.dumps(s["Resource"])
            for n, s in _statements(template)
            if n == role and "sqs:SendMessage" in s["Action"]
        ]
        assert any(name in resource for resource in allowed), (function, name, allowed)


def test_every_bus_has_a_rule_a_target_with_dead_letters_and_a_short_archive(template: dict[str, Any]) -> None:
    buses = resources(template, "AWS::Events::EventBus")
    rules = resources(template, "AWS::Events::Rule").values()
    archives = resources(template, "AWS::Events::Archive").values()
    for bus in buses:
        (rule,) = [r for r in rules if _ref(r["Properties"]["EventBusName"]) == bus]
        (target,) = rule["Properties"]["Targets"]
        assert target["Arn"] == {"Ref": "PartnerBusArn"} and target["DeadLetterConfig"]["Arn"]
        (archive,) = [a for a in archives if _ref(a["Properties"]["SourceArn"]) == bus]
        assert archive["Properties"]["RetentionDays"] <= 7  # removal events may hold a name and postal address
    assert "PartnerBusArn" in template["Parameters"] and "AlarmEmail" in template["Parameters"]


def test_every_custom_alarm_watches_a_metric_the_code_publishes(template: dict[str, Any]) -> None:
    import re
    from pathlib import Path

    from chalicelib.services.sweep import METRIC_NAMES

    blueprints = Path(__file__).resolve().parents[2] / "chalicelib" / "blueprints"
    named = {  # every add_metric(name="…") in the code, under the service its Metrics(...) names in that file
        (re.findall(r'Metrics\(service="([^"]+)"\)', f.read_text())[0], metric)
        for f in blueprints.glob("*.py")
        for metric in re.findall(r'add_metric\(name="([^"]+)"', f.read_text())
    }
    published = named | {("listkeeper-sweep", m) for m in (*METRIC_NAMES.values(), "ReviewOpen")}
    custom = []
    for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        if properties["Namespace"].startswith("AWS/"):
            continue
        ((dimension,),) = [properties["Dimensions"]]
        assert properties["Namespace"] == "listkeeper" and dimension["Name"] == "service"
        custom.append((dimension["Value"], properties["MetricName"]))
    assert set(custom) <= published and ("listkeeper-http", "ServerErrors") in custom
    assert ("listkeeper-sweep", "SweepFailures") in custom
    subscription = resources(template, "AWS::SNS::Subscription")
    assert [s["Properties"]["Endpoint"] for s in subscription.values()] == [{"Ref": "AlarmEmail"}]


def test_arns_name_this_region_and_account_and_mail_goes_only_as_the_sender(template: dict[str, Any]) -> None:
    for name, statement in _statements(template):
        for resource in statement["Resource"]:
            text = resource["Fn::Sub"] if isinstance(resource, dict) else resource
            assert ":*:*:" not in text and "/aws/lambda/*" not in text, (name, text)
        if "ses:SendRawEmail" in statement["Action"]:
            assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": "news@mail.shop.example"}}
            assert not any("identity/*" in json.dumps(r) for r in statement["Resource"])


def test_every_function_logs_at_info_to_its_own_group_with_retention_and_a_key(template: dict[str, Any]) -> None:
    groups = {g["Properties"]["LogGroupName"]: g for g in resources(template, "AWS::Logs::LogGroup").values()}
    for logical, function in resources(template, "AWS::Serverless::Function").items():
        name = function["Properties"]["FunctionName"]
        group = groups[f"/aws/lambda/{name}"]["Properties"]
        assert group["RetentionInDays"] <= 30 and group["KmsKeyId"] and f"{logical}Logs" in function["DependsOn"]
        assert function["Properties"]["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "INFO"
        logging = function["Properties"]["LoggingConfig"]  # the standard library's loggers too (inbound, sweep)
        assert logging["ApplicationLogLevel"] == "INFO" and logging["LogFormat"] == "JSON"
    assert _key_grants(template, "DataKey", "logs.${AWS::Region}.amazonaws.com")


def test_the_data_actions_include_every_dynamodb_call_the_code_makes() -> None:
    """A static floor under the recorded coverage: each DynamoDB operation named in the adapters is allowed."""
    import re
    from pathlib import Path

    from infra.resources import DATA_ACTIONS

    source = (Path(__file__).resolve().parents[2] / "chalicelib" / "adapters" / "dynamo_store.py").read_text()
    called = set(re.findall(r"self\._client\.([a-z_]+)\(", source))
    wanted = {"dynamodb:" + "".join(part.title() for part in call.split("_")) for call in called}
    assert wanted <= set(DATA_ACTIONS), wanted - set(DATA_ACTIONS)


def test_a_flood_on_the_public_routes_is_limited_and_cannot_starve_the_mail_functions(template: dict[str, Any]) -> None:
    firewall = template["Resources"]["FrontFirewall"]
    assert firewall["Properties"]["Scope"] == "CLOUDFRONT" and firewall["Condition"] == "OwnFirewall"
    rates = {
        r["Statement"]["RateBasedStatement"]["AggregateKeyType"]: r
        for r in firewall["Properties"]["Rules"]
        if "RateBasedStatement" in r["Statement"]
    }
    assert set(rates) == {"IP", "CONSTANT"}  # per client, and every client together (the old stage throttling)
    for rule in rates.values():
        assert rule["Action"] == {"Block": {"CustomResponse": {"ResponseCode": 429}}}
    assert rates["CONSTANT"]["Statement"]["RateBasedStatement"]["ScopeDownStatement"]
    assert not firewall["Properties"]["VisibilityConfig"]["SampledRequestsEnabled"]  # samples keep tokens and bodies
    assert not any(r["VisibilityConfig"]["SampledRequestsEnabled"] for r in firewall["Properties"]["Rules"])
    front = template["Resources"]["Front"]["Properties"]["DistributionConfig"]
    assert front["WebACLId"] == {
        "Fn::If": ["OwnFirewall", {"Fn::GetAtt": ["FrontFirewall", "Arn"]}, {"Ref": "FrontFirewallArn"}]
    }
    assert "Logging" not in front  # CloudFront's access log would keep every path, and paths hold link tokens
    # a firewall of CloudFront's is made in us-east-1: the stack says so rather than fail half-way
    (rule,) = template["Rules"].values()
    assert rule["Assertions"][0]["Assert"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
    reserved = {
        logical: f["Properties"].get("ReservedConcurrentExecutions")
        for logical, f in resources(template, "AWS::Serverless::Function").items()
    }
    assert all(reserved.values()), reserved
    # the API is capped below the account's default pool with room left for what reserves its own
    assert reserved["APIHandler"] + reserved["SesEvents"] + reserved["InboundEmail"] + reserved["Sweep"] < 1000 - 100
    assert reserved["SesEvents"] >= 10 and reserved["InboundEmail"] >= 10


def test_the_api_function_is_reached_only_through_cloudfront(template: dict[str, Any]) -> None:
    from chalicelib.front import ORIGIN_HEADER, ORIGIN_SECRET_VARIABLE

    found = template["Resources"]
    assert "RestAPI" not in found and not resources(template, "AWS::ApiGateway::RestApi")
    assert not resources(template, "AWS::Serverless::Api")
    url = found["ApiUrl"]["Properties"]
    assert url["TargetFunctionArn"] == {"Fn::GetAtt": ["APIHandler", "Arn"]} and url["AuthType"] == "NONE"
    grants = [p["Properties"] for p in resources(template, "AWS::Lambda::Permission").values()]
    to_api = [g for g in grants if g["FunctionName"] == {"Ref": "APIHandler"}]
    # anyone may call the URL, and only through the URL: both grants a function URL needs, and no other
    assert sorted(g["Action"] for g in to_api) == ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"]
    assert all(g.get("FunctionUrlAuthType") == "NONE" or g.get("InvokedViaFunctionUrl") is True for g in to_api)
    (origin,) = found["Front"]["Properties"]["DistributionConfig"]["Origins"]
    assert origin["DomainName"]["Fn::Select"][1]["Fn::Split"][1] == {"Fn::GetAtt": ["ApiUrl", "FunctionUrl"]}
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    (header,) = origin["OriginCustomHeaders"]
    variables = found["APIHandler"]["Properties"]["Environment"]["Variables"]
    # the header CloudFront adds is the one the function requires, with the same generated value
    assert header["HeaderName"].lower() == ORIGIN_HEADER
    assert header["HeaderValue"] == variables[ORIGIN_SECRET_VARIABLE]
    assert "${OriginSecret}" in header["HeaderValue"]["Fn::Sub"]
    secret = found["OriginSecret"]["Properties"]
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32 and secret["KmsKeyId"] == {"Ref": "DataKey"}
    for function in resources(template, "AWS::Serverless::Function").values():  # nothing else may know it
        if function is not found["APIHandler"]:
            assert ORIGIN_SECRET_VARIABLE not in function["Properties"]["Environment"]["Variables"]


def test_names_are_unique_per_account_and_every_link_in_mail_has_its_domain(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["Bucket"]["Properties"]["BucketName"]["Fn::Sub"]
    assert "${AWS::AccountId}" in bucket and "${AWS::Region}" in bucket  # bucket names are global
    for function in resources(template, "AWS::Serverless::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["LISTKEEPER_BUCKET"] == {"Fn::Sub": bucket}
        assert f"s3:{bucket}/postal-removals/" in variables["LISTKEEPER_DESTINATIONS"]["Fn::Sub"]
        assert function["Properties"]["FunctionName"].startswith("listkeeper-prod-")
    front = template["Resources"]["Front"]["Properties"]["DistributionConfig"]
    links = next(iter(resources(template, "AWS::Serverless::Function").values()))
    base_url = links["Properties"]["Environment"]["Variables"]["LISTKEEPER_PUBLIC_BASE_URL"]
    assert base_url == f"https://{front['Aliases'][0]}" and len(front["Aliases"]) == 1
    assert front["ViewerCertificate"]["AcmCertificateArn"] == {"Ref": "CertificateArn"}
    assert front["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert "us-east-1" in template["Parameters"]["CertificateArn"]["AllowedPattern"]  # CloudFront's certificates
    behaviour = front["DefaultCacheBehavior"]
    assert {"GET", "HEAD", "POST", "DELETE"} <= set(behaviour["AllowedMethods"])  # RFC 8058's POST, the API's DELETE
    assert behaviour["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")
    from infra.resources import ALL_VIEWER_EXCEPT_HOST_HEADER, CACHING_DISABLED

    # nothing cached (answers are per person); everything but the Host forwarded (the URL answers to its own)
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert template["Outputs"]["LinksDomainTarget"]["Value"] == {"Fn::GetAtt": ["Front", "DomainName"]}


def test_outside_us_east_1_the_firewall_comes_from_its_own_template(template_path: Path) -> None:
    firewall = json.loads((template_path.parent / "front-firewall.json").read_text())
    (acl,) = firewall["Resources"].values()
    assert acl["Properties"]["Scope"] == "CLOUDFRONT"
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(template_path.parent / "front-firewall.json")],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_each_stage_has_its_own_topics_and_each_function_listens_to_its_stages(template: dict[str, Any]) -> None:
    for function, topic in (("InboundEmail", "InboundTopic"), ("SesEvents", "SesEventsTopic")):
        assert template["Resources"][topic]["Properties"]["TopicName"].startswith("listkeeper-prod-")
        (source,) = template["Resources"][function]["Properties"]["Events"].values()
        assert source["Type"] == "SNS" and source["Properties"]["Topic"] == {"Ref": topic}
    destination = template["Resources"]["ConfigurationSetEvents"]["Properties"]["EventDestination"]
    assert destination["SnsDestination"]["TopicARN"] == {"Ref": "SesEventsTopic"}


def test_only_the_api_function_can_read_the_api_keys_and_webhook_secrets(template: dict[str, Any]) -> None:
    for logical, function in resources(template, "AWS::Serverless::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        reads = [s for n, s in _statements(template) if n == role and any(a.startswith("ssm:") for a in s["Action"])]
        named = json.dumps(reads)
        if logical == "APIHandler":
            assert variables["LISTKEEPER_API_SECRETS_PARAMETER"] == "/listkeeper/prod/api-secrets"
            assert "parameter/listkeeper/prod/api-secrets" in named
        else:
            assert "LISTKEEPER_API_SECRETS_PARAMETER" not in variables and "api-secrets" not in named, logical
        assert "parameter/listkeeper/prod/secrets" in named


def test_staff_sign_in_through_a_pool_only_admins_add_to_and_only_the_api_function_reads(
    template: dict[str, Any],
) -> None:
    pool = template["Resources"]["StaffPool"]
    assert pool["Properties"]["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert pool["DeletionPolicy"] == "Retain" and pool["Properties"]["DeletionProtection"] == "ACTIVE"
    client = template["Resources"]["StaffPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False and client["PreventUserExistenceErrors"] == "ENABLED"
    assert "ALLOW_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]
    groups = {r["Properties"]["GroupName"] for r in resources(template, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"agent", "admin"}
    for logical, function in resources(template, "AWS::Serverless::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        grants = [
            s for n, s in _statements(template) if n == role and any(a.startswith("cognito") for a in s["Action"])
        ]
        if logical == "APIHandler":
            assert variables["LISTKEEPER_USER_POOL_ID"] == {"Ref": "StaffPool"}
            assert variables["LISTKEEPER_USER_POOL_CLIENT_ID"] == {"Ref": "StaffPoolClient"}
            (grant,) = grants
            assert grant["Action"] == ["cognito-idp:AdminListGroupsForUser"] and "StaffPool.Arn" in json.dumps(grant)
        else:
            assert "LISTKEEPER_USER_POOL_ID" not in variables and not grants, logical


def test_shopify_events_come_from_the_partner_source_only_when_one_is_named(template: dict[str, Any]) -> None:
    rule = template["Resources"]["ShopifyEventsRule"]
    assert rule["Condition"] == "TakesShopifyEvents"
    assert rule["Properties"]["EventBusName"] == {"Ref": "ShopifyEventSource"}
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["ShopifyEvents", "Arn"]}
    invoke = template["Resources"]["ShopifyEventsInvoke"]
    assert invoke["Properties"]["SourceArn"] == {"Fn::GetAtt": ["ShopifyEventsRule", "Arn"]}
    assert template["Parameters"]["ShopifyEventSource"]["Default"] == ""  # webhooks over HTTPS need no source
    on_failure = template["Resources"]["ShopifyEventsOnFailure"]["Properties"]["DestinationConfig"]["OnFailure"]
    assert on_failure["Destination"] == {"Fn::GetAtt": ["ShopifyEventsDeadLetters", "Arn"]}
