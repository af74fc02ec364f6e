"""boto3 clients, created on first use (never at import: keeps cold start small and moto's mocks effective)."""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Standard retry mode backs off on throttling; a handful of attempts keeps a webhook well inside API Gateway's 29 s.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=CLIENT_CONFIG)  # type: ignore[call-overload]


def reset_clients() -> None:
    client.cache_clear()
