"""Topics and channels (SPEC §2)."""

import re
from enum import StrEnum

from .errors import InvalidTopic


class Channel(StrEnum):
    EMAIL = "email"
    POSTAL = "postal"


UPDATES = "updates"
SURVEYS = "surveys"
PROMOTIONS = "promotions"
CATALOG = "catalog"
PARTNER_SHARING = "partner_sharing"
CONTEST_PREFIX = "contest:"
ACQUIRED_PREFIX = "acquired:"
ALL_ACQUIRED = "acquired:*"  # held as left once a person asks to leave a whole channel: no third-party use ever again
USE_PREFIX = "use:"  # a new use of data, announced with a policy version and an opt-out window

FIXED_TOPICS: dict[str, frozenset[Channel]] = {
    UPDATES: frozenset({Channel.EMAIL}),
    SURVEYS: frozenset({Channel.EMAIL}),
    PROMOTIONS: frozenset({Channel.EMAIL}),
    CATALOG: frozenset({Channel.POSTAL}),
    PARTNER_SHARING: frozenset({Channel.POSTAL}),
}
# What saving one's info (or ordering) joins, per channel.
IMPLIED_EMAIL_TOPICS = (UPDATES, SURVEYS)
IMPLIED_POSTAL_TOPICS = (CATALOG, PARTNER_SHARING)

_SUFFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def parse_topic(raw: object) -> str:
    """Validate a topic name and return it."""
    if not isinstance(raw, str):
        raise InvalidTopic("topic must be a string")
    if raw in FIXED_TOPICS:
        return raw
    for prefix in (CONTEST_PREFIX, ACQUIRED_PREFIX, USE_PREFIX):
        # fullmatch: `$` alone also matches before a final line break, and "contest:x\n" is not contest:x
        if raw.startswith(prefix) and _SUFFIX.fullmatch(raw[len(prefix) :]):
            return raw
    raise InvalidTopic(
        "unknown topic: expected one of updates, surveys, promotions, catalog, partner_sharing, "
        "contest:<id>, acquired:<source>, use:<name>"
    )


def channels_of(topic: str) -> frozenset[Channel]:
    if topic in FIXED_TOPICS:
        return FIXED_TOPICS[topic]
    if topic.startswith((CONTEST_PREFIX, USE_PREFIX)):
        return frozenset({Channel.EMAIL})
    return frozenset({Channel.EMAIL, Channel.POSTAL})


def is_contest(topic: str) -> bool:
    return topic.startswith(CONTEST_PREFIX)


def parse_channel(raw: object) -> Channel:
    try:
        return Channel(str(raw))
    except ValueError:
        raise InvalidTopic('channel must be "email" or "postal"', code="invalid_channel") from None


def page_channel(topic: str) -> Channel:
    """The channel a topic is shown and managed under on the preference page."""
    return Channel.POSTAL if channels_of(topic) == {Channel.POSTAL} else Channel.EMAIL
