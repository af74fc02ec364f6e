"""The composition root: adapters built from settings on first use, bundled as Deps for the services."""

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache

from .adapters.aws import client, reset_clients
from .adapters.cognito import CognitoDirectory
from .adapters.data_exports import S3DataExports
from .adapters.destinations import EventBridgeDestination, S3DailyFileDestination
from .adapters.dynamo_store import DynamoContactStore
from .adapters.raw_mail import S3RawMail
from .adapters.ses_mailer import SesMailer
from .adapters.shopify_admin import ShopifyConsentWriteBack
from .adapters.sqs_intake import SqsIntake
from .adapters.ssm_secrets import SsmSecretsSource
from .domain.addresses import domain_of
from .services.ports import Deps, Destination, MailConfig
from .settings import Settings, get_settings


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@cache
def secrets() -> SsmSecretsSource:
    settings = get_settings()
    return SsmSecretsSource(
        client("ssm"),
        settings.secrets_parameter,
        settings.token_max_age_days,
        settings.secrets_ttl_seconds,
        settings.api_secrets_parameter,
    )


@cache
def store() -> DynamoContactStore:
    return DynamoContactStore(client("dynamodb"), get_settings().table_name, lambda a: secrets().get().address_key(a))


def destinations() -> tuple[Destination, ...]:
    built: list[Destination] = []
    for spec in get_settings().destinations:
        channels = frozenset(spec["channels"].split("+"))
        if spec["kind"] == "eventbridge":
            built.append(EventBridgeDestination(spec["name"], client("events"), spec["target"], channels))
        elif spec["kind"] == "shopify":
            endpoint = get_settings().shopify_admin_url
            tokens = lambda: secrets().get().shopify_tokens  # noqa: E731 - read at delivery: rotations apply
            shops = get_settings().shopify_shops
            built.append(ShopifyConsentWriteBack(spec["name"], channels, spec["target"], endpoint, tokens, None, shops))
        else:
            bucket, _, prefix = spec["target"].partition("/")
            built.append(S3DailyFileDestination(spec["name"], client("s3"), bucket, prefix, channels))
    return tuple(built)


@cache
def deps() -> Deps:
    settings = get_settings()
    sender_domain = domain_of(settings.sender.rstrip(">"))
    return Deps(
        store=store(),
        mailer=SesMailer(client("ses"), settings.sender, settings.configuration_set, sender_domain),
        clock=SystemClock(),
        secrets=secrets(),
        mail=MailConfig(
            sender=settings.sender,
            store_name=settings.store_name,
            public_base_url=settings.public_base_url,
            mailto_domain=settings.mailto_domain,
            token_max_age_days=settings.token_max_age_days,
        ),
        policy_version=settings.policy_version,
        destinations=destinations(),
        agent_domains=settings.agent_domains,
        feedback_loop_domains=settings.feedback_loop_domains,
        double_opt_in=settings.double_opt_in,
        intake=SqsIntake(lambda: client("sqs"), settings.intake_queue) if settings.intake_queue else None,
        raw_mail=S3RawMail(lambda: client("s3")),
        data_exports=S3DataExports(lambda: client("s3"), settings.bucket),
        shopify_shops=settings.shopify_shops,
        staff=_staff_directory(settings),
        send_log_fed=settings.configuration_set is not None or settings.stage == "local",
    )


def _staff_directory(settings: Settings) -> CognitoDirectory | None:
    if not (settings.user_pool_id and settings.user_pool_client_id):
        return None
    return CognitoDirectory(lambda: client("cognito-idp"), settings.user_pool_id, settings.user_pool_client_id)


def reset() -> None:
    """Forget everything built so far (tests switch environments and mocks between cases)."""
    deps.cache_clear()
    store.cache_clear()
    secrets.cache_clear()
    get_settings.cache_clear()
    reset_clients()


EXPORT_LINK_SECONDS = 900


def export_download_url(key: str) -> str:
    """A link that fetches the file for 15 minutes with the API's own rights (S3 presigning: no request is made)."""
    bucket = get_settings().bucket
    return str(
        client("s3").generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=EXPORT_LINK_SECONDS
        )
    )


def export_writer() -> Callable[[str, bytes], None]:
    """Writes an export into the stage's bucket, encrypted at rest."""
    bucket = get_settings().bucket

    def write(key: str, body: bytes) -> None:
        client("s3").put_object(
            Bucket=bucket, Key=key, Body=body, ContentType="text/csv", ServerSideEncryption="AES256"
        )

    return write
