"""DynamoDB's attribute-value form for the plain values the store keeps: str, int, bool, None, dicts and lists.

boto3's TypeSerializer would do the same, but any `import boto3.…` runs boto3's package import (and s3transfer's),
which was a third of the app's cold start; the adapters need nothing else from boto3, only botocore."""

from decimal import Decimal
from typing import Any


def to_attribute(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):  # before int: bool is an int
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, dict):
        return {"M": {str(key): to_attribute(item) for key, item in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute(item) for item in value]}
    if isinstance(value, bytes):
        return {"B": value}
    # floats lose precision in DynamoDB's decimal numbers: refuse them, as boto3 does
    raise TypeError(f"a {type(value).__name__} cannot be stored: {value!r}")


def from_attribute(attribute: dict[str, Any]) -> Any:
    ((kind, value),) = attribute.items()
    if kind == "S" or kind == "BOOL" or kind == "B":
        return value
    if kind == "N":
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else number
    if kind == "NULL":
        return None
    if kind == "M":
        return {key: from_attribute(item) for key, item in value.items()}
    if kind == "L":
        return [from_attribute(item) for item in value]
    if kind == "SS":
        return set(value)
    raise TypeError(f"unexpected DynamoDB attribute type {kind}")


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {key: to_attribute(value) for key, value in values.items()}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: from_attribute(value) for key, value in item.items()}
