from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from app import app
from tests.functional.helpers import link_path, mails, subscribe


@pytest.fixture
def client(aws: dict[str, str]) -> Iterator[Client]:
    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def welcome_link(client: Client, sent_mail: Any) -> str:
    subscribe(client)
    (welcome,) = mails(sent_mail)
    return link_path(welcome)
