from collections.abc import Iterator

import pytest
from chalice.test import Client

from app import app


@pytest.fixture
def client(aws: dict[str, str]) -> Iterator[Client]:
    with Client(app, stage_name="local") as test_client:
        yield test_client
