"""What services need from the outside world, as protocols. Adapters implement them; unit tests use fakes."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ..domain.consent import Contact
from ..domain.tokens import TokenCodec


class VersionConflict(Exception):
    """Someone else changed the contact since it was read; read again and redo the decision."""


class ClaimOutcome(StrEnum):
    NEW = "new"  # first time this event id is seen
    SAME = "same"  # seen before with the same payload
    CONFLICT = "conflict"  # seen before with a different payload


@dataclass(frozen=True)
class Loaded:
    contact: Contact | None
    erased: bool = False


class ContactStore(Protocol):
    def claim_event(self, event_id: str, digest: str, at: datetime) -> ClaimOutcome: ...

    def load(self, address: str) -> Loaded: ...

    def load_many(self, addresses: Iterable[str]) -> dict[str, Loaded]: ...

    def save(self, contact: Contact) -> None:
        """Write the contact if its version is still the one read (creating it when version is 0), and bump
        the version. Raises VersionConflict otherwise."""
        ...

    def put_link_handle(self, handle: str, token: str, keep_days: int) -> None: ...


@dataclass(frozen=True)
class OutgoingEmail:
    message_id: str
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


class MailError(Exception):
    permanent = False


class PermanentMailError(MailError):
    permanent = True


class Mailer(Protocol):
    def send(self, email: OutgoingEmail) -> str:
        """Hand the email to the provider; return its id. Raises MailError (permanent or not)."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class Secrets:
    webhook_secrets: tuple[str, ...]
    api_keys: tuple[str, ...]
    tokens: TokenCodec


class SecretsSource(Protocol):
    def get(self) -> Secrets: ...


@dataclass(frozen=True)
class MailConfig:
    sender: str
    store_name: str
    public_base_url: str
    mailto_domain: str
    token_max_age_days: int


@dataclass(frozen=True)
class Deps:
    """Everything a use case may touch, passed in explicitly (built in wiring.py, faked in unit tests)."""

    store: ContactStore
    mailer: Mailer
    clock: Clock
    secrets: SecretsSource
    mail: MailConfig
    policy_version: str
    destinations: tuple[str, ...] = ()  # where removals propagate; each must acknowledge (SPEC §5)
