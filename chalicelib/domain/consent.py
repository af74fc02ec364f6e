"""The consent model: a contact's topics, suppressions, ledger and pending mail, as plain data."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .timeutil import iso


class Basis(StrEnum):
    IMPLIED = "implied"  # saved info / online order (SPEC §1.1)
    EXPRESS = "express"  # an explicit yes: contest opt-in, preference page (SPEC §1.2)
    CONFIRMED = "confirmed"  # a fresh opt-in the person confirmed from their mailbox (SPEC §1.3)


class Status(StrEnum):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"


class SuppressionReason(StrEnum):
    REQUEST = "request"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    ERASURE = "erasure"
    CHILD = "child"


# Suppressions the person cannot lift by confirming a fresh opt-in, and to which the contest exception never applies.
PERMANENT_REASONS = frozenset(
    {SuppressionReason.BOUNCE, SuppressionReason.COMPLAINT, SuppressionReason.ERASURE, SuppressionReason.CHILD}
)


@dataclass(frozen=True)
class Provenance:
    """Where a consent or withdrawal came from: the proof kept in the ledger (SPEC §1.10)."""

    at: datetime
    source: str  # what happened, e.g. "storefront:customer.info_saved"
    channel: str  # how it reached us: storefront, link, page, email, api, import, ses
    policy_version: str
    ip: str | None = None
    user_agent: str | None = None
    event_id: str | None = None
    staff_sub: str | None = None  # the staff member who decided it in the console (identity provider's id)
    staff_email: str | None = None
    note: str | None = None  # what the staff member wrote down (a phone call), secrets redacted

    @property
    def at_iso(self) -> str:
        return iso(self.at)


@dataclass
class TopicState:
    status: Status
    basis: Basis | None
    since: str
    source: str
    expires_at: str | None = None
    starts_at: str | None = None  # a new use announced with an opt-out window applies only from here (SPEC §1.9)


@dataclass
class Suppression:
    reason: SuppressionReason
    since: str
    source: str


@dataclass
class LedgerEntry:
    at: str
    action: str  # subscribe, unsubscribe, suppress, lift_suppression
    subject: str  # a topic or a channel
    detail: str  # the basis of a consent or the reason of a suppression
    source: str
    channel: str
    policy_version: str
    ip: str | None = None
    user_agent: str | None = None
    event_id: str | None = None
    staff_sub: str | None = None
    staff_email: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class OutboxMessage:
    """An email owed to this contact, written in the same write as the change that caused it."""

    id: str
    kind: str  # welcome, ...
    created_at: str
    next_attempt_at: str
    attempts: int = 0
    dead: bool = False  # permanently rejected by the provider: kept for the operator, not retried
    params: dict[str, str] = field(default_factory=dict)
    sending_since: str | None = None  # claimed by a sender; if it stays, the send log tells whether SES took it


@dataclass
class RemovalRecord:
    """One opt-out and its 48-hour clock (SPEC §5). `done` once every destination acknowledged."""

    id: str
    scope: str  # "email", "postal" or a topic
    source: str
    received_at: str
    due_at: str
    state: str = "open"  # open | at_risk | overdue | done
    destinations: dict[str, str] = field(default_factory=dict)  # name -> pending | done
    reason: str = "request"  # the suppression reason behind it: request, bounce, complaint, erasure, child
    attempts: int = 0
    next_attempt_at: str | None = None
    done_at: str | None = None
    forget: dict[str, str] = field(default_factory=dict)  # on erasure: earlier removal ids -> day, to purge downstream
    shared: bool = False  # partners held the name and postal address before this removal: they are told which
    # an erasure's: the person's storefront customer ids, kept only until the removal is written back there
    accounts: list[str] = field(default_factory=list)


@dataclass
class Profile:
    customer_id: str | None = None
    name: str | None = None
    postal_address: dict[str, str] | None = None
    language: str | None = None  # a language tag from the storefront; the mail listkeeper sends speaks it
    # the person's customer ids at storefront platforms (`shopify:<shop>:<id>`): where email removals are written back
    accounts: list[str] = field(default_factory=list)
    # who gave listkeeper this person's data (`shopify:<shop>`, `woocommerce:<site>`, `storefront`): a shop's
    # redaction forgets the people known through it alone
    known_through: list[str] = field(default_factory=list)


@dataclass
class Contact:
    address: str
    topics: dict[str, TopicState] = field(default_factory=dict)
    suppressions: dict[str, Suppression] = field(default_factory=dict)  # keyed by channel
    ledger: list[LedgerEntry] = field(default_factory=list)
    applied_events: dict[str, str] = field(default_factory=dict)  # event id -> when applied
    profile: Profile = field(default_factory=Profile)
    outbox: dict[str, OutboxMessage] = field(default_factory=dict)
    removals: dict[str, RemovalRecord] = field(default_factory=dict)
    archived: dict[str, str] = field(default_factory=dict)  # done removals pruned from the item: id -> done_at
    last_removal_notice: str | None = None  # when the last removal confirmation was queued
    last_opt_in_offer: str | None = None  # when the last opt-in confirmation was queued (at most one a day)
    created_at: str | None = None
    version: int = 0  # 0: never stored
    # what is left of a person a storefront took away with it: their choices to leave, under the keyed hash of the
    # address; read by the address it is a contact again holding only those (never an erasure's tombstone)
    remnant: bool = False

    def record(self, action: str, subject: str, detail: str, prov: Provenance) -> None:
        self.ledger.append(
            LedgerEntry(
                at=prov.at_iso,
                action=action,
                subject=subject,
                detail=detail,
                source=prov.source,
                channel=prov.channel,
                policy_version=prov.policy_version,
                ip=prov.ip,
                user_agent=prov.user_agent,
                event_id=prov.event_id,
                staff_sub=prov.staff_sub,
                staff_email=prov.staff_email,
                note=prov.note,
            )
        )
