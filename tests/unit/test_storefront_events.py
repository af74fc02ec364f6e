import json

import pytest

from chalicelib.domain.errors import InvalidAddress, InvalidInput
from chalicelib.domain.storefront_events import parse_envelope, parse_signup
from tests.support.events import POSTAL, event


def parse(payload: object) -> object:
    return parse_signup(parse_envelope(json.dumps(payload).encode()))


def test_a_complete_info_saved_event_parses() -> None:
    signup = parse(event("e1", name="Jane", postal_address=POSTAL, ip="203.0.113.9", email="Jane@Example.com"))
    assert signup.email == "jane@example.com"
    assert signup.postal_address == POSTAL
    assert signup.ip == "203.0.113.9"


def test_the_digest_ignores_key_order_and_whitespace_but_not_values() -> None:
    a = parse_envelope(b'{"id":"e1","type":"t","created_at":"2026-01-01T00:00:00Z","data":{"x":1,"y":2}}')
    b = parse_envelope(b'{ "data": {"y": 2, "x": 1}, "type": "t", "id": "e1", "created_at": "2026-01-01T00:00:00Z"}')
    c = parse_envelope(b'{"id":"e1","type":"t","created_at":"2026-01-01T00:00:00Z","data":{"x":1,"y":3}}')
    assert a.digest == b.digest != c.digest


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "malformed_json"),
        (b"[]", "malformed_json"),
        (b"\xff\xfe", "malformed_json"),
        (b'{"type":"customer.info_saved","created_at":"2026-01-01T00:00:00Z","data":{}}', "missing_field"),
        (b'{"id":"e","type":"customer.info_saved","data":{}}', "missing_field"),
        (b'{"id":"e","type":"customer.info_saved","created_at":"yesterday","data":{}}', "invalid_timestamp"),
        (b'{"id":"e","type":"customer.info_saved","created_at":"2026-01-01T00:00:00","data":{}}', "invalid_timestamp"),
        (b'{"id":"e","type":"customer.info_saved","created_at":"2026-01-01T00:00:00Z"}', "missing_field"),
        (b'{"id":"e","type":"customer.info_saved","created_at":"2026-01-01T00:00:00Z","data":[]}', "invalid_field"),
        (b'{"id":7,"type":"customer.info_saved","created_at":"2026-01-01T00:00:00Z","data":{}}', "invalid_field"),
    ],
)
def test_malformed_envelopes_are_rejected_with_a_code_naming_the_problem(body: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_envelope(body)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"email": None}, "missing_field", "data.email"),
        ({"email": "alice@x)<bob@y>"}, "invalid_address", "data.email"),
        ({"email": "a@example.com, b@example.com"}, "invalid_address", "data.email"),
        ({"customer_id": None}, "missing_field", "data.customer_id"),
        ({"name": "Jane\r\nBcc: victim@example.org"}, "invalid_field", "data.name"),
        ({"name": 5}, "invalid_field", "data.name"),
        ({"postal_address": {"line1": "1 Main St"}}, "missing_field", "data.postal_address.city"),
        ({"postal_address": "1 Main St"}, "invalid_field", "data.postal_address"),
        ({"ip": "999.1.1.1"}, "invalid_field", "data.ip"),
        ({"birthdate": "01/02/2003"}, "invalid_field", "data.birthdate"),
    ],
)
def test_invalid_data_is_rejected_naming_the_field(changes: dict[str, object], code: str, field: str) -> None:
    payload = event("e1")
    for key, value in changes.items():
        if value is None:
            payload["data"].pop(key, None)
        else:
            payload["data"][key] = value
    with pytest.raises(InvalidInput) as caught:
        parse(payload)
    assert caught.value.code == code
    assert field in caught.value.message
    assert isinstance(caught.value, InvalidAddress) == (code == "invalid_address")


def test_an_order_needs_an_order_id_but_no_customer_id() -> None:
    payload = event("e1", "order.placed")
    payload["data"].pop("customer_id", None)
    assert parse(payload).order_id == "order-1"
    payload["data"].pop("order_id")
    with pytest.raises(InvalidInput, match="order_id"):
        parse(payload)
