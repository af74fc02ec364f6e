"""Creates what the local stage needs in the emulated AWS (moto): the table, the secrets, the verified sender.
Used by `make run` against moto server and by the tests against in-process moto, so both see the same shape."""

import base64
import json
import os
from typing import Any

import boto3

from infra.table import table_definition

LOCAL_WEBHOOK_SECRET = "dev-webhook-secret"  # noqa: S105 - the documented local-stage default (SPEC §7)
LOCAL_API_KEY = "dev-api-key"
LOCAL_SHOPIFY_SECRET = "dev-shopify-secret"  # noqa: S105 - the documented local-stage default (SPEC §7)
LOCAL_WOOCOMMERCE_SECRET = "dev-woocommerce-secret"  # noqa: S105 - the documented local-stage default (SPEC §7)
LOCAL_SHOPIFY_SHOP = "dev-shop.myshopify.com"
LOCAL_SHOPIFY_TOKEN = "dev-shopify-token"  # noqa: S105 - the documented local-stage default (SPEC §7)


def local_secrets(token_key: bytes | None = None, pepper: bytes | None = None) -> str:
    key = token_key or os.urandom(32)
    return json.dumps(
        {
            "webhook_secrets": [LOCAL_WEBHOOK_SECRET],
            "api_keys": [LOCAL_API_KEY],
            "woocommerce_secrets": [LOCAL_WOOCOMMERCE_SECRET],
            "shopify_secrets": [LOCAL_SHOPIFY_SECRET],
            "shopify_tokens": {LOCAL_SHOPIFY_SHOP: LOCAL_SHOPIFY_TOKEN},
            "token_keys": {"k1": base64.b64encode(key).decode()},
            "active_token_key": "k1",
            "hash_peppers": {"p1": base64.b64encode(pepper or os.urandom(32)).decode()},
            "active_hash_pepper": "p1",
        }
    )


STAFF = (  # the local stage's console users (documented in the README; never a production credential)
    ("agent@shop.example", "Dev-agent-password-1", "agent"),
    ("admin@shop.example", "Dev-admin-password-1", "admin"),
)


def provision_staff(session: Any) -> dict[str, str]:
    """The staff user pool, its two groups and two users; returns the settings naming the pool and its client."""
    cognito = session.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="listkeeper-local-staff", UsernameAttributes=["email"])["UserPool"]["Id"]
    app_client = cognito.create_user_pool_client(
        UserPoolId=pool,
        ClientName="console",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    for group in ("agent", "admin"):
        cognito.create_group(UserPoolId=pool, GroupName=group)
    for email, password, group in STAFF:
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=group)
    return {"LISTKEEPER_USER_POOL_ID": pool, "LISTKEEPER_USER_POOL_CLIENT_ID": app_client}


def provision(env: dict[str, str], secrets_json: str | None = None) -> dict[str, str]:
    """Create the local stage's resources named in `env` (the stage's environment variables); returns the settings
    only known once created (the staff pool's ids), for the caller to add to the functions' environment."""
    session = boto3.session.Session()
    dynamodb = session.client("dynamodb")
    dynamodb.create_table(**table_definition(env["LISTKEEPER_TABLE"]))
    dynamodb.update_time_to_live(
        TableName=env["LISTKEEPER_TABLE"], TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )
    session.client("ssm").put_parameter(
        Name=env["LISTKEEPER_SECRETS_PARAMETER"],
        Value=secrets_json or local_secrets(),
        Type="SecureString",
        Overwrite=True,
    )
    sender_domain = env["LISTKEEPER_SENDER"].rstrip(">").rpartition("@")[2]
    session.client("ses").verify_domain_identity(Domain=sender_domain)
    session.client("s3").create_bucket(Bucket=env["LISTKEEPER_BUCKET"])
    session.client("events").create_event_bus(Name=env["LISTKEEPER_BUS"])
    session.client("sqs").create_queue(QueueName=env["LISTKEEPER_INTAKE_QUEUE"])
    sns = session.client("sns")
    for topic in (env["LISTKEEPER_SES_EVENTS_TOPIC"], env["LISTKEEPER_INBOUND_TOPIC"]):
        sns.create_topic(Name=topic)
    return provision_staff(session)


def stage_environment(stage: str = "local") -> dict[str, str]:
    """The environment variables Chalice gives the stage's functions, read from .chalice/config.json."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, ".chalice", "config.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env
