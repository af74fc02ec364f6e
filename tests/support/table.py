"""The test's own audit of the table: every item, with a contact's compressed document unpacked, so that a search
for a person's data sees everything the table holds (the app itself never scans)."""

from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.adapters.dynamo_store import readable

TABLE = "listkeeper-local"


def scan_table(table: str = TABLE) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = client("dynamodb").scan(**kwargs)
        items.extend(readable(item) for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
