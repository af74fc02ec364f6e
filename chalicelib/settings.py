"""One frozen Settings, read from the environment once, lazily. The only module that reads the environment."""

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    stage: str
    table_name: str
    secrets_parameter: str  # SSM SecureString holding webhook secrets, API keys and token keys (JSON)
    sender: str  # From: of the mail listkeeper sends
    store_name: str
    public_base_url: str  # where /u/{token} is served
    mailto_domain: str  # domain of the mailto: unsubscribe address (SES receiving)
    configuration_set: str | None
    policy_version: str
    token_max_age_days: int
    secrets_ttl_seconds: int
    bucket: str  # inbound mail, exports and the mail house's files
    double_opt_in: bool
    agent_domains: frozenset[str]  # customer-service agents who may forward a customer's request
    feedback_loop_domains: frozenset[str]  # mailbox providers whose ARF reports may suppress (SPEC §4)
    destinations: tuple[dict[str, str], ...]  # where removals propagate, e.g. {"name", "kind", "target", "channels"}
    intake_queue: str | None = None  # SQS queue keeping one-clicks the table could not take at that moment
    api_secrets_parameter: str | None = None  # in AWS, the API function's own: API keys and webhook secrets
    shopify_shops: frozenset[str] = frozenset()  # the Shopify shops whose webhooks are taken (myshopify domains)
    user_pool_id: str | None = None  # the Cognito user pool of customer-service staff (the console)
    user_pool_client_id: str | None = None
    # where the Shopify write-back posts, with {shop} and {version} (the local stack points it at its emulation)
    shopify_admin_url: str = "https://{shop}/admin/api/{version}/graphql.json"


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise RuntimeError(f"missing required setting {name}")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    stage = _env("LISTKEEPER_STAGE", "local")
    return Settings(
        stage=stage,
        table_name=_env("LISTKEEPER_TABLE", f"listkeeper-{stage}"),
        secrets_parameter=_env("LISTKEEPER_SECRETS_PARAMETER", f"/listkeeper/{stage}/secrets"),
        sender=_env("LISTKEEPER_SENDER", "Example Store <news@shop.example>"),
        store_name=_env("LISTKEEPER_STORE_NAME", "Example Store"),
        public_base_url=_env("LISTKEEPER_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        mailto_domain=_env("LISTKEEPER_MAILTO_DOMAIN", "shop.example"),
        configuration_set=os.environ.get("LISTKEEPER_CONFIGURATION_SET") or None,
        policy_version=_env("LISTKEEPER_POLICY_VERSION", "2026-01"),
        token_max_age_days=int(_env("LISTKEEPER_TOKEN_MAX_AGE_DAYS", "730")),
        secrets_ttl_seconds=int(_env("LISTKEEPER_SECRETS_TTL_SECONDS", "300")),
        bucket=_env("LISTKEEPER_BUCKET", f"listkeeper-{stage}"),
        double_opt_in=os.environ.get("LISTKEEPER_DOUBLE_OPT_IN", "false").lower() == "true",
        agent_domains=_domains("LISTKEEPER_AGENT_DOMAINS"),
        feedback_loop_domains=_domains("LISTKEEPER_FEEDBACK_LOOP_DOMAINS"),
        destinations=_destinations(os.environ.get("LISTKEEPER_DESTINATIONS", "")),
        intake_queue=os.environ.get("LISTKEEPER_INTAKE_QUEUE") or None,
        api_secrets_parameter=os.environ.get("LISTKEEPER_API_SECRETS_PARAMETER") or None,
        shopify_shops=_domains("LISTKEEPER_SHOPIFY_SHOPS"),
        user_pool_id=os.environ.get("LISTKEEPER_USER_POOL_ID") or None,
        user_pool_client_id=os.environ.get("LISTKEEPER_USER_POOL_CLIENT_ID") or None,
        shopify_admin_url=_env("LISTKEEPER_SHOPIFY_ADMIN_URL", "https://{shop}/admin/api/{version}/graphql.json"),
    )


def _domains(name: str) -> frozenset[str]:
    return frozenset(d.strip().lower() for d in os.environ.get(name, "").split(",") if d.strip())


def _destinations(spec: str) -> tuple[dict[str, str], ...]:
    """`name:kind:target:channel+channel;…` — e.g. `partners:eventbridge:listkeeper-bus:email+postal;
    mailhouse:s3:listkeeper-exports/postal-removals/:postal;shopify:shopify:2025-10:email` (a Shopify write-back's
    target is the Admin API version). Adding a destination is a configuration change."""
    out = []
    for entry in filter(None, (part.strip() for part in spec.split(";"))):
        name, kind, target, channels = entry.split(":")
        if kind not in ("eventbridge", "s3", "shopify"):
            raise RuntimeError(f"unknown destination kind {kind!r} in LISTKEEPER_DESTINATIONS")
        out.append({"name": name, "kind": kind, "target": target, "channels": channels})
    return tuple(out)
