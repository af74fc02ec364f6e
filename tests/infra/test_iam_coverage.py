"""What moto cannot check: every AWS call each function makes is allowed by that function's generated policy, for
the resource it touched — and no policy allows an action no code path of that function uses.

Each function's work is driven on moto (the routes through Chalice's test client, the event functions through their
services) while a botocore hook records every call with its parameters; each call is then judged against the
policy `infra/resources.py` generates for the same stage, its ARNs resolved for one region and account."""

import fnmatch
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.adapters.aws import client as aws_client
from infra import resources
from tests.functional.helpers import ADDRESS, api, link_path, mails, one_click, subscribe, topic_link

REGION, ACCOUNT = "us-east-1", "123456789012"
SERVICES = ("dynamodb", "s3", "sqs", "events", "ses", "ssm", "cognito-idp")
# done by AWS on the function's behalf, never by its code: Lambda writing its logs, and its failed events to the
# on-failure queue; the SSM and queue keys used through those services
ON_ITS_BEHALF = {"logs:CreateLogStream", "logs:PutLogEvents", "kms:Decrypt", "kms:GenerateDataKey"}
# granted for what happens outside the function's own calls, each with its reason
IMPLIED = {
    "api_handler": {"s3:GetObject": "the presigned export link it returns fetches with its rights (export --download)"},
    "sweep": {"s3:ListBucket": "without it, GetObject of a missing mail-house day file answers 403, not 404"},
    "ses_events": {},
    "inbound_email": {},
    "shopify_events": {},
}
# paths the work below does not take, each tested elsewhere: allowed on purpose, and named here so that a new
# allowance is a decision, not an accident
RARE = {
    "api_handler": {
        "dynamodb:UpdateItem": "erasing a person whose done removals were archived (test_erasure.py)",
        "s3:DeleteObject": "erasing a person with a data-request export (test_shopify_compliance.py)",
    },
    "sweep": {
        "dynamodb:DeleteItem": "a storefront's redaction carried on (test_shopify_compliance.py)",
        "s3:DeleteObject": "a storefront's redaction of a person with a data export (test_shopify_compliance.py)",
    },
    "ses_events": {"dynamodb:BatchWriteItem": "a change that moves old ledger entries out (test_dynamo_store.py)"},
    "inbound_email": {
        "dynamodb:Query": "a mailto: handle for an address known only from a third-party list",
        "dynamodb:BatchWriteItem": "a change that moves old ledger entries out (test_dynamo_store.py)",
    },
    "shopify_events": {
        "dynamodb:UpdateItem": "erasing a person whose done removals were archived (test_erasure.py)",
        "dynamodb:BatchGetItem": "loading a contact with a fact waiting for it (test_storefront_ordering.py)",
        "dynamodb:BatchWriteItem": "a change that moves old ledger entries out (test_dynamo_store.py)",
        "s3:DeleteObject": "erasing a person whose message waits in review (test_erasure.py)",
    },
}


@dataclass
class Call:
    action: str
    resources: list[str]
    from_address: str | None = None
    prefix: str | None = None  # a listing's


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)
    on: bool = False

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if self.on:
            self.calls.extend(_calls(model.service_model.service_name, model.name, params))


def _arn(service: str, rest: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{rest}"


def _calls(service: str, operation: str, params: dict[str, Any]) -> list[Call]:
    if service == "dynamodb":
        tables = list(params.get("RequestItems", {})) or [params["TableName"]]
        index = f"/index/{params['IndexName']}" if params.get("IndexName") else ""
        return [Call(f"dynamodb:{operation}", [_arn("dynamodb", f"table/{t}{index}") for t in tables])]
    if service == "s3":
        bucket = params["Bucket"]
        if operation in ("ListObjectsV2", "ListObjects"):
            return [Call("s3:ListBucket", [f"arn:aws:s3:::{bucket}"], prefix=params.get("Prefix", ""))]
        action = {"HeadObject": "s3:GetObject"}.get(operation, f"s3:{operation}")
        return [Call(action, [f"arn:aws:s3:::{bucket}/{params['Key']}"])]
    if service == "sqs":
        queue = params.get("QueueName") or params["QueueUrl"].rsplit("/", 1)[1]
        return [Call(f"sqs:{operation}", [_arn("sqs", queue)])]
    if service == "events":
        buses = {entry.get("EventBusName", "default") for entry in params["Entries"]}
        return [Call(f"events:{operation}", [_arn("events", f"event-bus/{b}") for b in sorted(buses)])]
    if service == "ses":
        raw = params["RawMessage"]["Data"]
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        sender = next(line for line in text.splitlines() if line.lower().startswith("from:"))
        address = sender.rpartition("<")[2].rstrip(">").strip()
        touched = [_arn("ses", f"identity/{address.partition('@')[2]}")]
        if params.get("ConfigurationSetName"):
            touched.append(_arn("ses", f"configuration-set/{params['ConfigurationSetName']}"))
        return [Call(f"ses:{operation}", touched, from_address=address)]
    if service == "ssm":
        names = params.get("Names") or [params["Name"]]
        return [Call(f"ssm:{operation}", [_arn("ssm", f"parameter{n}") for n in names])]
    if service == "cognito-idp":
        if operation in ("InitiateAuth", "GetUser"):
            return []  # authorised by the app client and the user's own token, not by the function's role
        return [Call(f"cognito-idp:{operation}", [_arn("cognito-idp", f"userpool/{params['UserPoolId']}")])]
    raise AssertionError(f"no mapping for {service}.{operation}: add it, and to the policies if the code needs it")


def _resolved(value: str) -> str:
    return (
        value.replace("${AWS::Region}", REGION)
        .replace("${AWS::AccountId}", ACCOUNT)
        .replace("${DataKey.Arn}", _arn("kms", "key/data"))
        .replace("${StaffPool.Arn}", _arn("cognito-idp", f"userpool/{os.environ['LISTKEEPER_USER_POOL_ID']}"))
    )


def policies(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, list[dict[str, Any]]]:
    # on moto the bucket has the stage's plain name; in AWS the template adds account and region to it
    monkeypatch.setattr(resources, "bucket_name", lambda e: e["LISTKEEPER_BUCKET"])
    generated = resources.function_policies(env)
    return {
        name: [
            {**s, "Resource": [_resolved(r) for r in s["Resource"]], "Action": list(s["Action"])}
            for s in policy["Statement"]
        ]
        for name, policy in generated.items()
    }


def allowed(statements: list[dict[str, Any]], call: Call) -> bool:
    for resource in call.resources:
        granted = False
        for statement in statements:
            if not any(fnmatch.fnmatchcase(call.action, a) for a in statement["Action"]):
                continue
            if not any(fnmatch.fnmatchcase(resource, r) for r in statement["Resource"]):
                continue
            wanted = statement.get("Condition", {}).get("StringEquals", {}).get("ses:FromAddress")
            if wanted is not None and call.from_address != wanted:
                continue
            prefixes = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
            if prefixes is not None and not any(fnmatch.fnmatchcase(call.prefix or "", p) for p in prefixes):
                continue
            granted = True
        if not granted:
            return False
    return True


@contextmanager
def recording(recorder: Recorder) -> Iterator[Recorder]:
    wiring.secrets()._cached = None  # the test's poke: a fresh process reads its secrets, so this work does too
    recorder.on = True
    try:
        yield recorder
    finally:
        recorder.on = False


@pytest.fixture
def recorder(aws: dict[str, str]) -> Recorder:
    found = Recorder()
    for service in SERVICES:
        aws_client(service).meta.events.register(f"provide-client-params.{service}", found)
    return found


# --- each function's work ------------------------------------------------------------------------------------------


def api_handler_work(client: Client, sent_mail: Any, recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters import sqs_intake
    from tests.functional.test_intake import outage

    review = {"id": "r1", "message_id": "m1", "received_at": "2026-11-25T12:00:00.000000Z", "sender": ADDRESS,
              "due_at": "2026-11-27T12:00:00.000000Z", "storage_key": "s3://listkeeper-local/inbound/m1"}  # fmt: skip
    wiring.deps().store.put_review(review)
    with recording(recorder):
        subscribe(client)  # webhook: claim, read, write, welcome through SES
        link = link_path(mails(sent_mail)[0])
        assert client.http.get(link).status_code == 200  # the preference page
        assert one_click(client, topic_link(client, "surveys")).status_code == 200
        api(client, "POST", "/v1/imports", {"source": "fair", "records": [{"email": "lead@example.com"}]})
        api(client, "POST", "/v1/eligibility", {"channel": "email", "topic": "updates", "recipients": [ADDRESS]})
        api(client, "POST", "/v1/postal-exports", {"topic": "catalog"})
        api(client, "GET", f"/v1/contacts/{ADDRESS}")
        api(client, "GET", "/v1/removals?state=open")
        api(client, "GET", "/v1/review")
        announced = {"use": "offers2", "policy_version": "2026-02", "description": "Offers from partners"}
        api(client, "POST", "/v1/policy-announcements", announced)
        console_work(client)  # staff sign-in, a phone removal, the log of console actions
        assert api(client, "DELETE", f"/v1/contacts/{ADDRESS}").status_code == 200  # with its review item
    subscribe(client, "kai@example.com", "evt_kai")
    kai = link_path(mails(sent_mail, "kai@example.com")[0])
    monkeypatch.setattr(sqs_intake, "VISIBILITY_SECONDS", 0)
    with outage("dynamodb"), recording(recorder):
        assert one_click(client, kai).status_code == 200  # the table is down: kept in the intake queue


def console_work(client: Client) -> None:
    from tests.functional.test_console_contacts import act
    from tests.functional.test_console_review import signed_in

    admin = signed_in(client, "admin")
    assert client.http.get("/console/review", headers={"Cookie": admin}).status_code == 200
    removal = {"email": ADDRESS, "do": "remove", "scope": "postal", "channel": "phone", "note": "asked on the phone"}
    assert act(client, admin, **removal).status_code == 200
    assert client.http.get("/console/audit", headers={"Cookie": admin}).status_code == 200


def sweep_work(client: Client, sent_mail: Any, recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.services.sweep import run_sweep
    from tests.functional.test_intake import outage

    subscribe(client)
    subscribe(client, "kai@example.com", "evt_kai")
    subscribe(client, "ann@example.com", "evt_ann")  # stays: told of the new use
    one_click(client, link_path(mails(sent_mail)[0]))  # an email removal for the partners
    one_click(client, topic_link(client, "catalog", "kai@example.com"))  # a postal one for the mail house
    with outage("dynamodb"):
        one_click(client, link_path(mails(sent_mail, "kai@example.com")[0]))  # waits in the intake queue
    announced = {"use": "offers2", "policy_version": "2026-02", "description": "Offers from partners"}
    api(client, "POST", "/v1/policy-announcements", announced)  # the sweep tells everyone still receiving email
    wiring.deps().intake._url = None  # type: ignore[union-attr]  # its own process: it looks the queue up itself
    with recording(recorder):
        run_sweep(wiring.deps())


def ses_events_work(client: Client, sent_mail: Any, recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.services.ses_events import handle_ses_notification

    subscribe(client)
    send = {"eventType": "Send", "mail": {"messageId": "p1", "destination": [ADDRESS], "tags": {"outbox_id": ["o1"]}}}
    bounce = {
        "notificationType": "Bounce",
        "bounce": {"bounceType": "Permanent", "feedbackId": "f1", "bouncedRecipients": [{"emailAddress": ADDRESS}]},
        "mail": {"messageId": "p2"},
    }
    with recording(recorder):
        handle_ses_notification(wiring.deps(), json.dumps(send))
        handle_ses_notification(wiring.deps(), json.dumps(bounce))


def inbound_email_work(client: Client, sent_mail: Any, recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.adapters.ses_inbound import received_from
    from chalicelib.services.inbound import handle_inbound

    subscribe(client)
    raw = f"From: {ADDRESS}\r\nTo: service@shop.example\r\nSubject: stop\r\n\r\nPlease unsubscribe me.\r\n".encode()
    aws_client("s3").put_object(Bucket="listkeeper-local", Key="inbound/m1", Body=raw)
    notification = {
        "mail": {"messageId": "m1", "timestamp": "2026-11-25T12:00:00.000Z", "destination": ["service@shop.example"]},
        "receipt": {
            "recipients": ["service@shop.example"],
            "action": {"type": "S3", "bucketName": "listkeeper-local", "objectKey": "inbound/m1"},
        },
    }
    with recording(recorder):
        outcome = handle_inbound(wiring.deps(), received_from(notification, aws_client("s3")))
    assert outcome.applied_to == ADDRESS


BOB_ID = 706405506930370084


def shopify_events_work(client: Client, sent_mail: Any, recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.services.storefront import handle_shopify_event
    from tests.functional.test_shopify import bridged, consent, resource

    welcomed = resource("customers/create") | consent("subscribed")
    with recording(recorder):
        for topic, body, webhook_id in (
            ("customers/create", welcomed, "w-1"),
            ("customers/update", welcomed | {"email": "bob@newmail.example"}, "w-2"),  # moved in Shopify
            ("customers/data_request", resource("customers/data_request") | {"customer": {"id": BOB_ID}}, "w-3"),
            ("customers/redact", resource("customers/redact"), "w-4"),
            ("customers/create", welcomed | {"id": 7, "email": "kai@example.com"}, "w-5"),
            ("shop/redact", resource("shop/redact"), "w-6"),
        ):
            handle_shopify_event(wiring.deps(), bridged(topic, body, webhook_id))
    assert mails(sent_mail, "bob@biller.com")


WORK: dict[str, Callable[[Client, Any, Recorder, pytest.MonkeyPatch], None]] = {
    "api_handler": api_handler_work,
    "sweep": sweep_work,
    "ses_events": ses_events_work,
    "inbound_email": inbound_email_work,
    "shopify_events": shopify_events_work,
}


@pytest.mark.parametrize("function", sorted(WORK))
def test_every_call_a_function_makes_is_allowed_and_nothing_more_is(
    function: str, recorder: Recorder, sent_mail: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import app

    config = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())
    env = resources.stage_settings(config, "local")
    statements = policies(env, monkeypatch)[function]
    if function == "api_handler":  # as in AWS: its own parameter beside the shared one (the local stage has one)
        parameter = resources.api_secrets_parameter(env)
        shared = aws_client("ssm").get_parameter(Name=env["LISTKEEPER_SECRETS_PARAMETER"], WithDecryption=True)
        aws_client("ssm").put_parameter(Name=parameter, Value=shared["Parameter"]["Value"], Type="SecureString")
        monkeypatch.setenv("LISTKEEPER_API_SECRETS_PARAMETER", parameter)
        for built in (wiring.get_settings, wiring.secrets, wiring.store, wiring.deps):  # not the clients
            built.cache_clear()
    with Client(app, stage_name="local") as client:
        WORK[function](client, sent_mail, recorder, monkeypatch)
    assert recorder.calls, f"{function}: the work made no AWS call"
    refused = sorted({f"{c.action} on {c.resources}" for c in recorder.calls if not allowed(statements, c)})
    assert not refused, f"{function}'s policy does not allow: {refused}"
    used = {c.action for c in recorder.calls}
    unused = {
        action
        for statement in statements
        for action in statement["Action"]
        if action not in used
        and action not in ON_ITS_BEHALF | set(IMPLIED[function]) | set(RARE[function])
        and not (action == "sqs:SendMessage" and "dead-letters" in json.dumps(statement["Resource"]))
    }
    assert not unused, f"{function}'s policy allows what none of its code paths uses: {sorted(unused)}"
