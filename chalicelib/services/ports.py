"""What services need from the outside world, as protocols. Adapters implement them; unit tests use fakes."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from ..domain.consent import Contact, LedgerEntry, RemovalRecord
from ..domain.hashing import is_keyed_hash, item_key, keyed_hash
from ..domain.rules import takes_marketing_email
from ..domain.tokens import TokenCodec
from ..domain.topics import page_channel


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
    tombstone: Contact | None = None  # what an erasure, or a storefront that left, kept (address: the keyed hash)
    waiting: dict[str, Any] | None = None  # a fact that came before the contact (SPEC §1.8), read in the same request
    remnant: bool = False  # the contact is what a storefront that left kept of the person: their choices to leave


class ContactStore(Protocol):
    def claim_event(self, event_id: str, digest: str, at: datetime) -> ClaimOutcome: ...

    def load(self, address: str, waiting: tuple[str, ...] = ()) -> Loaded:
        """The contact or its tombstone; with `waiting`, also the facts kept under those keys, in the same request."""
        ...

    def delete_waiting_fact(self, key: str) -> None: ...

    def put_audit(self, entry: dict[str, Any]) -> None:
        """One console action, kept for admins: who, when, what; the person acted on only by keyed hash."""
        ...

    def list_audit(self, limit: int) -> list[dict[str, Any]]:
        """The latest console actions, newest first."""
        ...

    def key_of(self, address: str) -> str: ...

    def put_waiting_fact(self, key: str, fact: dict[str, str], keep_days: int) -> None:
        """Keep a fact about a person not held yet (an age report, an erasure), under a keyed hash, for later; a
        child's fact is never replaced by a weaker one."""
        ...

    def load_many(self, addresses: Iterable[str]) -> dict[str, Loaded]: ...

    def save(self, contact: Contact, move_ledger: int = 0) -> None:
        """Write the contact if its version is still the one read (creating it when version is 0), and bump
        the version. Raises VersionConflict otherwise. `move_ledger`: that many of the oldest ledger entries are
        kept as items of their own, off the contact's item (the proof of consent reads both)."""
        ...

    # the sparse "due" index and what hangs off it (see adapters/dynamo_store.py)
    def due_addresses(self, now_iso: str, limit: int) -> list[str]: ...

    def pending_counts(self) -> dict[str, int]: ...

    def pending_addresses(self, attribute: str) -> list[str]: ...

    def archive_done(self, address: str | None, records: list[RemovalRecord]) -> None: ...

    def forget_archived_recipient(self, archived: dict[str, str]) -> None: ...

    def list_done(self, days: list[str], limit: int) -> list[tuple[str | None, RemovalRecord]]: ...

    def record_sent(self, outbox_id: str, provider_id: str, recipients: tuple[str, ...] = ()) -> None: ...

    def was_sent(self, outbox_id: str) -> bool: ...

    def sent_among(self, outbox_ids: Iterable[str]) -> frozenset[str]:
        """Which of these outbox ids the send log holds (SES accepted them)."""
        ...

    def sent_to(self, outbox_id: str) -> frozenset[str]:
        """The keyed hashes of the addresses SES accepted that message for (empty when it was not sent)."""
        ...

    def address_at(self, key: str) -> str | None:
        """The address whose item (or third-party record) is kept under this item key; a tombstone answers with
        its keyed hash; None when nothing is."""
        ...

    # the customer-service review queue
    def put_review(self, item: dict[str, Any]) -> None: ...

    def list_reviews(self) -> list[dict[str, Any]]: ...

    def get_review(self, review_id: str) -> dict[str, Any] | None: ...

    def delete_review(self, review_id: str) -> None: ...

    # erasure, and events that name a customer instead of an address
    def delete_contact_items(self, address: str) -> dict[str, int]:
        """Everything of the address but its tombstone item, counted by kind."""
        ...

    def addresses_of_customer(self, customer_id: str) -> list[str]: ...

    def delete_contact(self, address: str, version: int) -> None:
        """Delete the address's item if it still holds `version`; VersionConflict otherwise."""
        ...

    def known_only_through(self, origin: str, limit: int) -> list[str]: ...

    def put_redaction(self, origin: str, at: str) -> None:
        """A storefront's redaction to carry on until nobody is known through it alone."""
        ...

    def pending_redactions(self) -> list[str]: ...

    def delete_redaction(self, origin: str) -> None: ...

    def older_ledger(self, address: str) -> list[LedgerEntry]: ...

    # third-party records and postal exports
    def put_acquired(self, records: list[dict[str, Any]]) -> int: ...

    def acquired_many(self, addresses: Iterable[str], source: str) -> dict[str, dict[str, Any]]: ...

    def acquired_of(self, address: str) -> list[dict[str, Any]]:
        """Every third-party record of the address, whatever its source."""
        ...

    def postal_holders(self) -> list[tuple[str, str]]: ...

    # policy announcements (SPEC §1.9)
    def put_announcement(self, item: dict[str, Any]) -> bool: ...

    def list_announcements(self) -> list[dict[str, Any]]: ...

    def set_announcement_cursor(self, use: str, cursor: str) -> None: ...

    def audience_page(self, cursor: str, limit: int) -> tuple[list[str], str]: ...


@dataclass(frozen=True)
class RemovalNotice:
    """What a destination is told of one removal: never more of the person than it already holds."""

    removal_id: str
    scope: str
    reason: str
    received_at: str
    subject_hash: str
    name: str | None = None
    postal_address: dict[str, str] | None = None
    forget: dict[str, str] = field(default_factory=dict)  # earlier removal ids (-> day) whose details must go
    accounts: tuple[str, ...] = ()  # the person's customer ids at the destination's own platform, where it has one


class Destination(Protocol):
    name: str
    channels: frozenset[str]  # the removal scopes' channels it serves
    platform: str | None  # a storefront platform it writes back to (notices then carry the person's ids there)

    def deliver(self, notices: list[RemovalNotice]) -> set[str]:
        """Hand over the notices; return the removal ids the destination acknowledged."""
        ...


@dataclass(frozen=True)
class OutgoingEmail:
    message_id: str
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


class MailError(Exception):
    """The provider did not take the message (throttled, unavailable): try again later."""

    permanent = False
    ambiguous = False


class PermanentMailError(MailError):
    """The provider refused the message for good."""

    permanent = True


class AmbiguousMailError(MailError):
    """No clear answer (a 5xx, a timeout): the provider may have taken it. Never resent blindly."""

    ambiguous = True


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
    peppers: dict[str, bytes] = field(default_factory=dict)  # keyed-hash peppers by version
    woocommerce_secrets: tuple[str, ...] = ()  # the stores' webhook secrets (WooCommerce signs with one each)
    shopify_secrets: tuple[str, ...] = ()  # the Shopify app's client secrets (two during a rotation)
    shopify_tokens: dict[str, str] = field(default_factory=dict)  # Admin API access token by shop (write-back)
    active_pepper: str = ""

    def hash_address(self, address: str) -> str:
        """The keyed hash under the active pepper."""
        return keyed_hash(address, self.active_pepper, self.peppers[self.active_pepper])

    def address_key(self, address: str) -> str:
        """Where the address's item (contact or tombstone) lives; a tombstone's address is its keyed hash already.
        Rotating the pepper re-keys every item (a migration), so one key always answers."""
        return item_key(address if is_keyed_hash(address) else self.hash_address(address))


class SecretsSource(Protocol):
    def get(self) -> Secrets: ...


class Intake(Protocol):
    """A durable queue, apart from the store, for requests that could not be applied when they came."""

    def defer(self, request: dict[str, Any]) -> None: ...

    def take(self, limit: int) -> list[tuple[str, dict[str, Any]]]:
        """Up to `limit` deferred requests as (receipt, request); each comes back later unless marked done."""
        ...

    def done(self, receipt: str) -> None: ...


class RawMail(Protocol):
    """Where SES receiving keeps raw inbound messages (the bucket's inbound/ prefix)."""

    def delete(self, storage_key: str) -> None:
        """Delete one stored message, by the `s3://bucket/key` its review item names; gone already is fine."""
        ...


class DataExports(Protocol):
    """Files of what listkeeper holds for a person, written on a platform's data request (the bucket's
    exports/data-requests/, 30-day lifecycle), under the keyed hash of each address: erasure deletes them."""

    def write(self, key: str, body: bytes) -> None: ...

    def delete_under(self, prefix: str) -> int:
        """Delete every file under the prefix; returns how many went."""
        ...


@dataclass(frozen=True)
class MailConfig:
    sender: str
    store_name: str
    public_base_url: str
    mailto_domain: str
    token_max_age_days: int


@dataclass(frozen=True)
class Staff:
    """A customer-service staff member signed in to the console."""

    sub: str  # the identity provider's stable id
    email: str
    role: str  # "agent" or "admin"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class StaffDirectory(Protocol):
    def authenticate(self, email: str, password: str) -> Staff | None: ...


@dataclass(frozen=True)
class Deps:
    """Everything a use case may touch, passed in explicitly (built in wiring.py, faked in unit tests)."""

    store: ContactStore
    mailer: Mailer
    clock: Clock
    secrets: SecretsSource
    mail: MailConfig
    policy_version: str
    double_opt_in: bool = False  # a stage where every new subscription needs the person's confirmation (SPEC §6)
    agent_domains: frozenset[str] = frozenset()  # senders there may forward a customer's request (SPEC §4)
    feedback_loop_domains: frozenset[str] = frozenset()  # whose ARF reports may suppress, verdicts passing (SPEC §4)
    destinations: tuple["Destination", ...] = ()  # where removals propagate; each must acknowledge (SPEC §5)
    intake: Intake | None = None  # where a one-click goes when the store cannot take it at that moment
    raw_mail: RawMail | None = None  # raw inbound messages, which erasure deletes with their review items
    data_exports: DataExports | None = None  # data-request exports, which erasure deletes too
    shopify_shops: frozenset[str] = frozenset()  # shops whose webhooks are taken; any other is refused like a forgery
    staff: StaffDirectory | None = None  # who may sign in to the console (Cognito); None: the console is closed
    # SES's Send events fill the send log (a configuration set publishes them; the local stage emulates them):
    # sent mail is then settled by the sweep from the log, else by a write right after the send
    send_log_fed: bool = False

    def destinations_for(self, scope: str, holder: Contact | None = None) -> tuple[str, ...]:
        """Where a removal of `scope` from `holder` goes: every destination serving its channel, and a storefront
        platform's write-back only for a person holding an account there who is left with no marketing email (a
        platform keeps one consent for all of it): a removal from all email, or from their last email topic."""
        channel = scope if scope in ("email", "postal") else page_channel(scope).value
        accounts = holder.profile.accounts if holder is not None else []
        leaves_all = scope == "email" or (
            channel == "email" and holder is not None and not takes_marketing_email(holder, besides=scope)
        )
        return tuple(
            d.name
            for d in self.destinations
            if channel in d.channels
            and (d.platform is None or (leaves_all and any(a.startswith(f"{d.platform}:") for a in accounts)))
        )
