"""Parsing and validating storefront webhook payloads (SPEC §3.1). Bad input raises InvalidInput naming the field."""

import hashlib
import ipaddress
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .addresses import normalize_address
from .errors import InvalidAddress, InvalidInput
from .platform_payloads import json_object
from .timeutil import parse_rfc3339

INFO_SAVED = "customer.info_saved"
ORDER_PLACED = "order.placed"
SIGNUP_TYPES = frozenset({INFO_SAVED, ORDER_PLACED})
MAX_TEXT = 200
CHILD_AGE = 13
_CONTROLS_AND_BREAKS = frozenset({"Cc", "Zl", "Zp"})


@dataclass(frozen=True)
class Envelope:
    id: str
    type: str
    created_at: datetime
    data: dict[str, Any]
    digest: str  # of the parsed JSON, so re-serialised copies of one event compare equal
    origin: str = "storefront"  # who sent it: listkeeper's envelope, or a platform it was translated from
    shop: str | None = None  # the platform's shop or site that sent it

    @property
    def source(self) -> str:
        """What the ledger says it came from, e.g. `storefront:customer.info_saved`."""
        return f"{self.origin}:{self.type}"

    @property
    def known_through(self) -> str:
        """Who gave listkeeper the person's data: `storefront`, `shopify:<shop>`, `woocommerce:<site>`."""
        return f"{self.origin}:{self.shop}" if self.shop else self.origin


@dataclass(frozen=True)
class SignupEvent:
    """customer.info_saved or order.placed: both sign the person up by implication (SPEC §1.1)."""

    type: str
    email: str
    customer_id: str | None
    order_id: str | None
    name: str | None
    postal_address: dict[str, str] | None
    ip: str | None
    user_agent: str | None
    birthdate: date | None
    locale: str | None = None  # the language the person uses the store in, for the mail listkeeper sends


def _missing(field: str) -> InvalidInput:
    return InvalidInput(f"{field} is required", code="missing_field")


def _invalid(field: str, why: str) -> InvalidInput:
    return InvalidInput(f"{field} {why}", code="invalid_field")


def _text(obj: dict[str, Any], key: str, path: str, *, required: bool, max_len: int = MAX_TEXT) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _missing(f"{path}{key}")
        return None
    if not isinstance(value, str):
        raise _invalid(f"{path}{key}", "must be a string")
    value = value.strip()
    if required and not value:
        raise _missing(f"{path}{key}")
    if len(value) > max_len:
        raise _invalid(f"{path}{key}", f"must be at most {max_len} characters")
    if any(unicodedata.category(ch) in _CONTROLS_AND_BREAKS for ch in value):
        # CR/LF and other controls (C1's NEL too) never reach a mail header, a page or a row of a postal export,
        # nor do the Unicode line and paragraph separators, which split lines as well
        raise _invalid(f"{path}{key}", "must not contain control characters")
    return value or None


def digest_of(parsed: Any) -> str:
    canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_envelope(raw_body: bytes) -> Envelope:
    parsed = json_object(raw_body)
    event_id = _text(parsed, "id", "", required=True, max_len=128)
    event_type = _text(parsed, "type", "", required=True, max_len=128)
    if "created_at" not in parsed:
        raise _missing("created_at")
    created_at = parse_rfc3339(parsed["created_at"], "created_at")
    data = parsed.get("data")
    if data is None:
        raise _missing("data")
    if not isinstance(data, dict):
        raise _invalid("data", "must be an object")
    assert event_id is not None and event_type is not None
    return Envelope(event_id, event_type, created_at, data, digest_of(parsed))


def _email(data: dict[str, Any], key: str) -> str:
    if data.get(key) is None:
        raise _missing(f"data.{key}")
    try:
        return normalize_address(data[key])
    except InvalidAddress as exc:
        raise InvalidAddress(f"data.{key}: {exc.message}") from None


def postal_address_of(data: dict[str, Any]) -> dict[str, str] | None:
    """A postal_address object, validated (also used for imported records)."""
    return _postal_address(data)


def _postal_address(data: dict[str, Any]) -> dict[str, str] | None:
    raw = data.get("postal_address")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _invalid("data.postal_address", "must be an object")
    path = "data.postal_address."
    address: dict[str, str] = {}
    for key in ("line1", "line2", "city", "region", "postal_code", "country"):
        value = _text(raw, key, path, required=key in ("line1", "city", "postal_code", "country"))
        if value is not None:
            address[key] = value
    return address


_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8}){0,4}$")


def _locale(data: dict[str, Any]) -> str | None:
    raw = data.get("locale")
    if raw is None:
        return None
    if not isinstance(raw, str) or not _LANGUAGE_TAG.match(raw):
        raise _invalid("data.locale", "must be a language tag such as es or fr-CA")
    return raw.replace("_", "-")


def _ip(data: dict[str, Any]) -> str | None:
    raw = data.get("ip")
    if raw is None:
        return None
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        raise _invalid("data.ip", "must be an IPv4 or IPv6 address") from None


def _birthdate(data: dict[str, Any], on: date) -> date | None:
    raw = data.get("birthdate")
    if raw is None:
        return None
    if isinstance(raw, str) and len(raw) == 10:
        try:
            birthdate = date.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if birthdate > on:  # a typo, not a child: reading it as an age under 13 would erase an adult for good
                raise _invalid("data.birthdate", "must not be after the event")
            return birthdate
    raise _invalid("data.birthdate", "must be a date as YYYY-MM-DD")


def age_on(birthdate: date, day: date) -> int:
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))


def parse_signup(envelope: Envelope) -> SignupEvent:
    data = envelope.data
    is_order = envelope.type == ORDER_PLACED
    customer_id = _text(data, "customer_id", "data.", required=not is_order, max_len=128)
    order_id = _text(data, "order_id", "data.", required=is_order, max_len=128)
    return SignupEvent(
        type=envelope.type,
        email=_email(data, "email"),
        customer_id=customer_id,
        order_id=order_id,
        name=_text(data, "name", "data.", required=False),
        postal_address=_postal_address(data),
        ip=_ip(data),
        user_agent=_text(data, "user_agent", "data.", required=False, max_len=512),
        birthdate=_birthdate(data, envelope.created_at.date()) if not is_order else None,
        locale=_locale(data),
    )


CONTEST_ENTERED = "contest.entered"
AGE_REPORTED = "customer.age_reported"
ERASURE_REQUESTED = "customer.erasure_requested"
EMAIL_CHANGED = "customer.email_changed"
_CONTEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class ContestEntry:
    contest_id: str
    ends_at: datetime
    email: str
    marketing_opt_in: bool
    name: str | None
    ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class CustomerRef:
    """An event that names a person by customer id or by address (at least one)."""

    customer_id: str | None
    email: str | None


@dataclass(frozen=True)
class AgeReport:
    who: CustomerRef
    age: int


@dataclass(frozen=True)
class EmailChange:
    customer_id: str
    old_email: str
    new_email: str


def parse_contest(envelope: Envelope) -> ContestEntry:
    data = envelope.data
    contest_id = _text(data, "contest_id", "data.", required=True, max_len=64)
    assert contest_id is not None
    if not _CONTEST_ID.match(contest_id):
        raise _invalid("data.contest_id", "may hold only letters, digits, '.', '_' and '-'")
    if "contest_ends_at" not in data:
        raise _missing("data.contest_ends_at")
    ends_at = parse_rfc3339(data["contest_ends_at"], "data.contest_ends_at")
    if "marketing_opt_in" not in data:
        raise _missing("data.marketing_opt_in")
    opt_in = data["marketing_opt_in"]
    if not isinstance(opt_in, bool):  # only JSON true is consent: not "true", not 1
        raise _invalid("data.marketing_opt_in", "must be a JSON boolean")
    return ContestEntry(
        contest_id=contest_id,
        ends_at=ends_at,
        email=_email(data, "email"),
        marketing_opt_in=opt_in,
        name=_text(data, "name", "data.", required=False),
        ip=_ip(data),
        user_agent=_text(data, "user_agent", "data.", required=False, max_len=512),
    )


def _customer_ref(data: dict[str, Any]) -> CustomerRef:
    customer_id = _text(data, "customer_id", "data.", required=False, max_len=128)
    email = _email(data, "email") if data.get("email") is not None else None
    if customer_id is None and email is None:
        raise InvalidInput("data.customer_id or data.email is required", code="missing_field")
    return CustomerRef(customer_id, email)


def parse_age_report(envelope: Envelope) -> AgeReport:
    data = envelope.data
    who = _customer_ref(data)
    if data.get("birthdate") is not None:
        birthdate = _birthdate(data, envelope.created_at.date())
        assert birthdate is not None
        return AgeReport(who, age_on(birthdate, envelope.created_at.date()))
    age = data.get("age")
    if age is None:
        raise InvalidInput("data.birthdate or data.age is required", code="missing_field")
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 150:
        raise _invalid("data.age", "must be a whole number of years")
    return AgeReport(who, age)


@dataclass(frozen=True)
class ConsentChange:
    email: str
    state: str  # subscribed | unsubscribed
    customer_id: str | None = None


def parse_consent(envelope: Envelope) -> ConsentChange:
    state = envelope.data.get("state")
    if state not in ("subscribed", "unsubscribed"):
        raise _invalid("data.state", "must be subscribed or unsubscribed")
    customer_id = _text(envelope.data, "customer_id", "data.", required=False, max_len=128)
    return ConsentChange(_email(envelope.data, "email"), str(state), customer_id)


def parse_erasure(envelope: Envelope) -> CustomerRef:
    return _customer_ref(envelope.data)


def parse_email_change(envelope: Envelope) -> EmailChange:
    data = envelope.data
    customer_id = _text(data, "customer_id", "data.", required=True, max_len=128)
    assert customer_id is not None
    return EmailChange(customer_id, _email(data, "old_email"), _email(data, "new_email"))
