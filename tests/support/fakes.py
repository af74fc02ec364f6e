"""Small in-memory fakes of the ports, for unit tests of services (no moto, no boto3)."""

import copy
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from chalicelib.domain.consent import Contact
from chalicelib.domain.tokens import TokenCodec
from chalicelib.services.ports import (
    ClaimOutcome,
    Deps,
    Loaded,
    MailConfig,
    MailError,
    OutgoingEmail,
    PermanentMailError,
    Secrets,
    VersionConflict,
)

WEBHOOK_SECRET = "test-webhook-secret"
API_KEY = "test-api-key"
TOKEN_KEY = bytes(range(32))


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


class FakeStore:
    """Keeps deep copies, so a service can only change state through save(), as with DynamoDB."""

    def __init__(self) -> None:
        self.contacts: dict[str, Contact] = {}
        self.claims: dict[str, str] = {}
        self.handles: dict[str, str] = {}
        self.erased: set[str] = set()
        self.conflicts_to_inject = 0
        self.saves = 0

    def claim_event(self, event_id: str, digest: str, at: datetime) -> ClaimOutcome:
        if event_id not in self.claims:
            self.claims[event_id] = digest
            return ClaimOutcome.NEW
        return ClaimOutcome.SAME if self.claims[event_id] == digest else ClaimOutcome.CONFLICT

    def load(self, address: str) -> Loaded:
        if address in self.erased:
            return Loaded(None, erased=True)
        found = self.contacts.get(address)
        return Loaded(copy.deepcopy(found) if found else None)

    def load_many(self, addresses: Iterable[str]) -> dict[str, Loaded]:
        return {a: self.load(a) for a in addresses if a in self.contacts or a in self.erased}

    def save(self, contact: Contact) -> None:
        if self.conflicts_to_inject:
            self.conflicts_to_inject -= 1
            raise VersionConflict(contact.address)
        stored = self.contacts.get(contact.address)
        if (stored.version if stored else 0) != contact.version:
            raise VersionConflict(contact.address)
        contact.version += 1
        self.saves += 1
        self.contacts[contact.address] = copy.deepcopy(contact)

    def put_link_handle(self, handle: str, token: str, keep_days: int) -> None:
        self.handles[handle] = token


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self.failures: list[MailError] = []  # raised, in order, before sends succeed again

    def send(self, email: OutgoingEmail) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(email)
        return f"msg-{len(self.sent)}"


class FakeSecrets:
    def __init__(self) -> None:
        self.value = Secrets(
            webhook_secrets=(WEBHOOK_SECRET,),
            api_keys=(API_KEY,),
            tokens=TokenCodec({"k1": TOKEN_KEY}, "k1"),
        )

    def get(self) -> Secrets:
        return self.value


def make_deps() -> tuple[Deps, FakeStore, FakeMailer, FakeClock]:
    store, mailer, clock = FakeStore(), FakeMailer(), FakeClock()
    deps = Deps(
        store=store,
        mailer=mailer,
        clock=clock,
        secrets=FakeSecrets(),
        mail=MailConfig(
            sender="Example Store <news@shop.example>",
            store_name="Example Store",
            public_base_url="https://lists.shop.example",
            mailto_domain="shop.example",
            token_max_age_days=730,
        ),
        policy_version="2026-01",
    )
    return deps, store, mailer, clock


__all__ = ["FakeClock", "FakeMailer", "FakeSecrets", "FakeStore", "PermanentMailError", "make_deps"]
