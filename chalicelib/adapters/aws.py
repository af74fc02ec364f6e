"""AWS clients, created on first use (never at import: keeps cold start small and moto's mocks effective).

botocore directly, not boto3: the adapters only use low-level clients, and boto3's package import (with s3transfer)
would add a third to the cold start for nothing."""

from functools import cache
from typing import Any

from botocore.config import Config
from botocore.session import Session, get_session

# Standard retry mode backs off on throttling; a handful of attempts keeps a webhook well inside the API function's
# 29 s (and CloudFront's 30 s wait for its answer).
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)
# SES is never retried blindly: a send that fails ambiguously (5xx, timeout) may have been accepted, and the outbox
# settles it through the send log instead of sending it again (adapters/ses_mailer.py, services/mail_claims.py).
SES_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=3, read_timeout=10)


@cache
def _session() -> Session:
    # One session for all clients: its loaders parse the endpoint and model files once.
    return get_session()


@cache
def client(service: str) -> Any:
    config = SES_CONFIG if service in ("ses", "sesv2") else CLIENT_CONFIG
    return _session().create_client(service, config=config)


def reset_clients() -> None:
    client.cache_clear()
    _session.cache_clear()
