"""Shared fixtures: an in-process emulated AWS (moto) provisioned exactly as `make run` provisions moto server."""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from devstack.bootstrap import LOCAL_SHOPIFY_SHOP, LOCAL_SHOPIFY_TOKEN, local_secrets, provision, stage_environment
from devstack.shopify import ShopifyAdminEmulation
from tests.support.fakes import TOKEN_KEY


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The local stage's environment with fake credentials and no endpoint override (moto patches botocore)."""
    env = stage_environment("local")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    return env


@pytest.fixture
def shopify_admin(monkeypatch: pytest.MonkeyPatch) -> ShopifyAdminEmulation:
    """The local stage's Shopify shop, played in-process: what listkeeper writes back lands here, not on the net."""
    from chalicelib.adapters import shopify_admin as write_back

    emulation = ShopifyAdminEmulation({LOCAL_SHOPIFY_SHOP: LOCAL_SHOPIFY_TOKEN})
    monkeypatch.setattr(write_back, "http_post", emulation.post)
    return emulation


@pytest.fixture
def aws(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, shopify_admin: ShopifyAdminEmulation
) -> Iterator[dict[str, str]]:
    from moto import mock_aws

    from chalicelib import wiring

    with mock_aws():
        wiring.reset()
        for key, value in provision(dict(os.environ), local_secrets(TOKEN_KEY)).items():
            monkeypatch.setenv(key, value)
        yield aws_env
        wiring.reset()


@dataclass
class CallCounter:
    """Counts AWS API calls by operation through botocore's event hooks."""

    calls: list[str] = field(default_factory=list)

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)

    def reset(self) -> None:
        self.calls.clear()

    def count(self, *names: str) -> int:
        return sum(1 for c in self.calls if not names or c in names)


@pytest.fixture
def dynamodb_calls(aws: dict[str, str]) -> CallCounter:
    from chalicelib.adapters.aws import client

    counter = CallCounter()
    client("dynamodb").meta.events.register("before-call.dynamodb", counter)
    return counter


@pytest.fixture
def sent_mail(aws: dict[str, str]) -> Any:
    """Returns a function listing the raw messages the emulated SES accepted."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    def messages() -> list[Any]:
        return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)

    return messages
