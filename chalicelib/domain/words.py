"""The catalogue in one language: what pages and emails call to say anything to a person."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .catalogue import CATALOGUE, DEFAULT_LANGUAGE

LANGUAGES = tuple(CATALOGUE)
_FIXED_TOPICS = frozenset(k.removeprefix("topic.") for k in CATALOGUE[DEFAULT_LANGUAGE] if k.startswith("topic."))
_NAMED_TOPICS = {"contest:": "topic.contest", "acquired:": "topic.acquired", "use:": "topic.use"}
_LANGUAGE_RANGE = re.compile(r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([01](?:\.\d{0,3})?))?\s*$")


@dataclass(frozen=True)
class Said:
    """Something a page tells the person, in no language yet: a catalogue key and the topics it names."""

    key: str
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Words:
    language: str
    uses: Mapping[str, str] = field(default_factory=dict)  # new uses by their announced description

    def __call__(self, key: str, **values: str) -> str:
        text = CATALOGUE[self.language].get(key) or CATALOGUE[DEFAULT_LANGUAGE][key]
        return text.format_map(values) if values else text

    def optional(self, key: str) -> str:
        """The words for `key`, or nothing when the catalogue has none (a state with nothing to explain)."""
        return self(key) if key in CATALOGUE[DEFAULT_LANGUAGE] else ""

    def around(self, key: str, name: str, **values: str) -> tuple[str, str]:
        """The text before and after `{name}`, for a page that sets the value apart (in bold, as a link)."""
        before, _, after = self(key, **values, **{name: "\0"}).partition("\0")
        return before, after

    def topic(self, topic: str) -> str:
        """What a person reads for a topic; a new use of their data by its announced description."""
        if topic.startswith("use:") and self.uses.get(topic):
            return self.uses[topic]
        for prefix, key in _NAMED_TOPICS.items():
            if topic.startswith(prefix):
                return self(key, name=topic.removeprefix(prefix))
        return self(f"topic.{topic}") if topic in _FIXED_TOPICS else topic

    def scope(self, scope: str) -> str:
        return self(f"scope.{scope}") if scope in ("email", "postal") else self.topic(scope)

    def channel(self, channel: str) -> str:
        return self(f"channel.{channel}")

    def listing(self, labels: Iterable[str]) -> str:
        items = list(labels)
        if len(items) < 2:
            return "".join(items)
        return self("list.and", rest=", ".join(items[:-1]), last=items[-1])

    def scopes(self, scopes: Iterable[str]) -> str:
        return self.listing(self.scope(s) for s in scopes)

    def say(self, said: Said) -> str:
        return self(said.key, labels=self.scopes(said.topics)) if said.topics else self(said.key)


def language_of(tag: str | None) -> str:
    """A catalogue language for a BCP 47 tag ("es-MX" → "es"); the default for anything else."""
    primary = (tag or "").strip().split("-")[0].split("_")[0].lower()
    return primary if primary in CATALOGUE else DEFAULT_LANGUAGE


def negotiate(accept_language: str | None) -> str:
    """The best catalogue language for an Accept-Language header (RFC 9110 §12.5.4); the default when none fits."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for part in (accept_language or "").split(",")[:20]:
        match = _LANGUAGE_RANGE.match(part)
        if not match:
            continue
        language, q = match.group(1).lower(), float(match.group(2) or 1)
        if language in CATALOGUE and q > best_q:  # a tie goes to the range listed first
            best, best_q = language, q
    return best


__all__ = ["LANGUAGES", "Said", "Words", "language_of", "negotiate"]
