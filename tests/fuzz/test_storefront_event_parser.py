"""Fuzzing the storefront event parser (chalicelib/domain/storefront_events.py, SPEC §3.1): the body of a signed
webhook, which the storefront retries for as long as it gets a 5xx. Any body parses into the typed event or raises
InvalidInput with a code naming the problem (400, nothing changes); what it accepts is clean (stripped text with no
control characters, canonical addresses, UTC times), consent only from a JSON true, an age only from a real date
or number, and one payload has one digest however it is serialised."""

import ipaddress
import json
import string
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chalicelib.domain.addresses import normalize_address
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.storefront_events import (
    AGE_REPORTED,
    CONTEST_ENTERED,
    EMAIL_CHANGED,
    ERASURE_REQUESTED,
    INFO_SAVED,
    ORDER_PLACED,
    Envelope,
    parse_age_report,
    parse_contest,
    parse_email_change,
    parse_envelope,
    parse_erasure,
    parse_signup,
)
from tests.fuzz.fuzzing import Tally, any_text, fuzz, mostly, one_in, plain_address

CATEGORY = "fuzz: storefront event parser"
CODES = {"malformed_json", "missing_field", "invalid_field", "invalid_timestamp", "invalid_address"}
TYPES = [INFO_SAVED, ORDER_PLACED, CONTEST_ENTERED, AGE_REPORTED, ERASURE_REQUESTED, EMAIL_CHANGED, "customer.x"]
PARSERS = {
    INFO_SAVED: parse_signup,
    ORDER_PLACED: parse_signup,
    CONTEST_ENTERED: parse_contest,
    AGE_REPORTED: parse_age_report,
    ERASURE_REQUESTED: parse_erasure,
    EMAIL_CHANGED: parse_email_change,
}

json_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        any_text(30),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(any_text(8), inner, max_size=3)),
    max_leaves=12,
)


def utc_suffix(moment: datetime) -> str:
    return "Z" if moment.microsecond % 2 else "z"


offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda minutes: timezone(timedelta(minutes=minutes)))
# the whole calendar, with any offset: its two ends fall off it when converted to UTC
moments = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=offsets)
timestamps = mostly(
    st.one_of(
        moments.map(lambda moment: moment.isoformat()),
        st.datetimes(timezones=st.just(UTC)).map(
            lambda moment: moment.isoformat().replace("+00:00", utc_suffix(moment))
        ),
    ),
    st.one_of(
        st.datetimes().map(lambda naive: naive.isoformat()),  # no offset: ambiguous, refused
        st.sampled_from(["2026-11-25", "2026-11-25T12:00:00", "2026-W48-3T12:00Z", "z", "", " Z"]),
        json_value,
    ),
)
wrong = st.one_of(any_text(30), st.text(min_size=190, max_size=220), json_value)
identifier = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=20)
free_text = mostly(st.text(max_size=30), wrong)  # hypothesis' text() holds controls and line breaks too
line = mostly(st.sampled_from(["1 Main St", "Springfield", "12345", "US"]) | st.text(max_size=20), wrong)
postal = mostly(
    st.fixed_dictionaries(
        {"line1": line, "city": line, "postal_code": line, "country": line},
        optional={"line2": line, "region": line},
    ),
    json_value,
)
email = mostly(plain_address, st.one_of(st.text(max_size=30), wrong))
birthdate = mostly(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2040, 12, 31)).map(date.isoformat),
    st.one_of(
        st.dates().map(date.isoformat),
        st.dates().map(lambda day: day.strftime("%Y%m%d")),
        st.dates().map(lambda day: day.strftime("%G-W%V-%u")),
        json_value,
    ),
)
ip = mostly(
    st.ip_addresses().map(str),
    st.one_of(st.ip_addresses(v=6).map(lambda found: found.exploded.upper()), st.integers(-1, 2**130), wrong),
)
FIELDS = {
    "email": email,
    "old_email": email,
    "new_email": email,
    "customer_id": mostly(identifier, wrong),
    "order_id": mostly(identifier, wrong),
    "name": free_text,
    "user_agent": mostly(st.text(max_size=40), st.one_of(st.text(min_size=500, max_size=520), wrong)),
    "postal_address": postal,
    "ip": ip,
    "birthdate": birthdate,
    "age": mostly(st.integers(0, 150), st.one_of(st.integers(), st.booleans(), st.floats(), st.text(max_size=4))),
    "contest_id": mostly(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,70}", fullmatch=True), wrong),
    "contest_ends_at": timestamps,
    # consent is the one field whose wrong values must never pass for right ones: drawn wrong one time in three
    "marketing_opt_in": mostly(st.booleans(), st.sampled_from(["true", "yes", 1, 0, None, [True], {}]), odds=3),
}
REQUIRED = {
    INFO_SAVED: ["customer_id", "email"],
    ORDER_PLACED: ["order_id", "email"],
    CONTEST_ENTERED: ["contest_id", "contest_ends_at", "email", "marketing_opt_in"],
    AGE_REPORTED: ["email", "birthdate"],
    ERASURE_REQUESTED: ["customer_id"],
    EMAIL_CHANGED: ["customer_id", "old_email", "new_email"],
}


@st.composite
def payloads(draw: st.DrawFn) -> Any:
    """Mostly events of a known type with their fields, each right or wrong; sometimes fields missing, extra or
    of the wrong type; sometimes any JSON at all."""
    if draw(one_in(20)):
        return draw(json_value)
    event_type = draw(mostly(st.sampled_from(TYPES), wrong, odds=16))
    names = list(REQUIRED.get(event_type, [])) if isinstance(event_type, str) else []
    names += draw(st.lists(st.sampled_from(sorted(FIELDS)), unique=True, max_size=4))
    for name in draw(st.lists(st.sampled_from(names), unique=True, max_size=1)) if names else []:
        names.remove(name)
    data: Any = {name: draw(FIELDS[name]) for name in dict.fromkeys(names)}
    payload = {
        "id": draw(mostly(identifier, wrong, odds=16)),
        "type": event_type,
        "created_at": draw(timestamps),
        "data": draw(mostly(st.just(data), json_value, odds=16)),
    }
    if draw(one_in(16)):
        del payload[draw(st.sampled_from(sorted(payload)))]
    return payload


def broken(payload: Any, cut: int) -> bytes:
    text = json.dumps(payload).encode()
    return text[: cut % max(len(text), 1)]


bodies = mostly(
    st.one_of(
        payloads().map(lambda payload: json.dumps(payload).encode()),
        payloads().map(lambda payload: json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    ),
    st.one_of(st.builds(broken, payloads(), st.integers(0, 10**6)), st.binary(max_size=200)),
)


def is_clean_text(value: str, max_len: int) -> bool:
    return (
        value == value.strip()
        and 0 < len(value) <= max_len
        # no control character and no line break of any kind: a NEL or U+2028 in a name splits a row of the
        # postal export for a reader that honours Unicode line breaks, since CSV quoting ignores them
        and not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value)
    )


def assert_canonical_address(value: str) -> None:
    assert normalize_address(value) == value, value


def check_envelope(raw: bytes, envelope: Envelope) -> None:
    assert is_clean_text(envelope.id, 128) and is_clean_text(envelope.type, 128), envelope
    assert envelope.created_at.utcoffset() == timedelta(0)
    parsed = json.loads(raw)
    respellings = [
        json.dumps(parsed, sort_keys=True),
        json.dumps(parsed, indent=2),
        json.dumps(parsed, separators=(",", ":")),
    ]
    for text in respellings:
        assert parse_envelope(text.encode()).digest == envelope.digest, "one payload, two digests"
    changed = dict(parsed, data={**parsed["data"], "\x00changed": True})
    assert parse_envelope(json.dumps(changed).encode()).digest != envelope.digest, "two payloads, one digest"


def check_event(envelope: Envelope, event: Any) -> None:
    data = envelope.data
    for name in ("customer_id", "order_id", "name", "user_agent"):
        value = getattr(event, name, None)
        if value is not None:
            assert is_clean_text(value, 512), (name, value)
    for name in ("email", "old_email", "new_email"):
        value = getattr(event, name, None)
        if value is not None:
            assert_canonical_address(value)
    who = getattr(event, "who", None)
    if who is not None and who.email is not None:
        assert_canonical_address(who.email)
    if getattr(event, "postal_address", None):
        assert all(is_clean_text(line, 200) for line in event.postal_address.values())
    if getattr(event, "ip", None) is not None:
        assert str(ipaddress.ip_address(event.ip)) == event.ip
    if envelope.type == CONTEST_ENTERED:
        assert event.marketing_opt_in is (data["marketing_opt_in"] is True), "consent from something but JSON true"
        assert event.ends_at.utcoffset() == timedelta(0)
    if envelope.type == AGE_REPORTED:
        # an age from a birthdate is the age on the event's own date; one given outright is a whole number of years
        oldest = 10**4 if data.get("birthdate") is not None else 150
        assert 0 <= event.age <= oldest, f"age {event.age} from {data.get('birthdate')!r} / {data.get('age')!r}"
    birthdate = getattr(event, "birthdate", None)
    if birthdate is not None:
        # a date after the event is a typo, not a child: erasing the person for it could never be undone
        assert birthdate <= envelope.created_at.date(), f"birthdate {birthdate} after {envelope.created_at}"


@pytest.mark.reliability
def test_any_body_is_a_clean_typed_event_or_a_named_400() -> None:
    tally = Tally(CATEGORY, (InvalidInput,))

    # found by this suite: a time with an offset at either end of the calendar made astimezone() raise
    # OverflowError (a 500 the storefront retries for ever); a birthdate after the event was read as a child's age;
    # C1 controls (NEL) and the Unicode line separators passed as clean text
    @example(raw=b'{"id":"e1","type":"order.placed","created_at":"0001-01-01T00:00:00+01:00","data":{}}')
    @example(raw=b'{"id":"e1","type":"x","created_at":"9999-12-31T23:59:59-01:00","data":{}}')
    @example(
        raw=b'{"id":"e1","type":"customer.age_reported","created_at":"2026-11-25T12:00:00Z",'
        b'"data":{"email":"jane@example.com","birthdate":"2030-01-01"}}'
    )
    @example(
        raw=b'{"id":"e1","type":"customer.info_saved","created_at":"2026-11-25T12:00:00Z",'
        b'"data":{"customer_id":"c1","email":"jane@example.com","name":"Jane\\u0085Doe"}}'
    )
    @example(
        raw=b'{"id":"e1","type":"order.placed","created_at":"2026-11-25T12:00:00Z",'
        b'"data":{"order_id":"o1","email":"jane@example.com","postal_address":{"line1":"1 Main\\u2028St",'
        b'"city":"Springfield","postal_code":"12345","country":"US"}}}'
    )
    @example(
        raw=b'{"id":"e1","type":"contest.entered","created_at":"2026-11-25T12:00:00Z","data":{"contest_id":"c1",'
        b'"contest_ends_at":"2026-12-25T12:00:00Z","email":"jane@example.com","marketing_opt_in":"true"}}'
    )
    @fuzz(200)
    @given(raw=bodies)
    @tally.counted
    def check(raw: bytes) -> None:
        try:
            envelope = parse_envelope(raw)
        except InvalidInput as refused:
            assert refused.code in CODES and refused.message, refused
            return
        check_envelope(raw, envelope)
        parser = PARSERS.get(envelope.type)
        if parser is None:
            return  # an unknown type is acknowledged as ignored
        try:
            event = parser(envelope)
        except InvalidInput as refused:
            assert refused.code in CODES and refused.message, refused
            return
        check_event(envelope, event)

    with tally.recorded():
        check()


@pytest.mark.reliability
def test_marketing_consent_is_taken_only_from_a_json_boolean() -> None:
    """SPEC §3.1: `marketing_opt_in` is a JSON boolean, required; missing or anything else is a 400 and nothing
    changes. A "true", a 1 or a [true] is never consent (SPEC §1.2: only an explicit yes counts)."""
    tally = Tally(CATEGORY, (InvalidInput,))

    @fuzz(150)
    @given(value=st.one_of(st.booleans(), st.sampled_from(["true", "false", "yes", 1, 0, 1.0, [True]]), json_value))
    @tally.counted
    def check(value: Any) -> None:
        data = {"contest_id": "spring-26", "contest_ends_at": "2026-12-25T12:00:00Z", "email": "jane@example.com"}
        for present in (True, False):
            payload = {"id": "e1", "type": CONTEST_ENTERED, "created_at": "2026-11-25T12:00:00Z", "data": dict(data)}
            if present:
                payload["data"]["marketing_opt_in"] = value
            try:
                entry = parse_contest(parse_envelope(json.dumps(payload).encode()))
            except InvalidInput as refused:
                assert not (present and isinstance(value, bool)), refused
                continue
            assert present and isinstance(value, bool), f"consent read from {value!r}"
            assert entry.marketing_opt_in is value

    with tally.recorded():
        check()
