"""Timestamps are kept as UTC ISO-8601 strings with a fixed width, so that they sort as text."""

from datetime import UTC, datetime

from .errors import InvalidInput


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def parse_rfc3339(raw: object, field: str) -> datetime:
    """Parse an RFC 3339 timestamp with an explicit offset (a naive time is ambiguous, so rejected)."""
    if not isinstance(raw, str) or len(raw) > 64:
        raise InvalidInput(f"{field} must be an RFC 3339 timestamp", code="invalid_timestamp")
    text = raw.strip()
    if text[-1:] in ("z", "Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field} must be an RFC 3339 timestamp", code="invalid_timestamp") from None
    if moment.tzinfo is None or "T" not in text.upper():
        raise InvalidInput(f"{field} must be an RFC 3339 timestamp with a time zone", code="invalid_timestamp")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 and 9999-12-31T23:59-01:00 fall off the calendar in UTC
        raise InvalidInput(f"{field} must be an RFC 3339 timestamp", code="invalid_timestamp") from None
