"""Small in-memory fakes of the ports, for unit tests of services (no moto, no boto3)."""

import copy
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.consent import Contact
from chalicelib.domain.hashing import is_keyed_hash
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
    """Keeps deep copies, so a service can only change state through save(), as with DynamoDB. As in the real
    store, an address's item lives under its keyed hash, and an erasure turns it into the tombstone."""

    def __init__(self, key_of: Any) -> None:
        self.items: dict[str, Contact] = {}  # by keyed hash: a contact, or a tombstone (address = the hash)
        self.claims: dict[str, str] = {}
        self.reviews: dict[str, dict[str, Any]] = {}
        self.audit: list[dict[str, Any]] = []
        self.sent_log: set[str] = set()
        self.sent_to_log: dict[str, frozenset[str]] = {}
        self.waiting: dict[str, dict[str, str]] = {}
        self.archived: list[Any] = []
        self.acquired: dict[tuple[str, str], dict[str, Any]] = {}
        self._key_of = key_of
        self.conflicts_to_inject = 0
        self.saves = 0

    def claim_event(self, event_id: str, digest: str, at: datetime) -> ClaimOutcome:
        if event_id not in self.claims:
            self.claims[event_id] = digest
            return ClaimOutcome.NEW
        return ClaimOutcome.SAME if self.claims[event_id] == digest else ClaimOutcome.CONFLICT

    def key_of(self, address: str) -> str:
        return str(self._key_of(address))

    @property
    def contacts(self) -> dict[str, Contact]:
        """The live contacts by address (a view, for assertions)."""
        return {c.address: c for c in self.items.values() if not is_keyed_hash(c.address)}

    def load(self, address: str, waiting: tuple[str, ...] = ()) -> Loaded:
        held = copy.deepcopy(self.items.get(self.key_of(address)))
        fact = {k: v for key in waiting for k, v in self.waiting.get(key, {}).items()}
        erased = held is not None and is_keyed_hash(held.address) and not is_keyed_hash(address)
        if held is not None and not erased and is_keyed_hash(held.address) != is_keyed_hash(address):
            held = None  # a live contact asked for by its keyed hash: not how anyone names it
        return Loaded(
            None if erased else held,
            erased=erased,
            tombstone=held if erased else None,
            waiting=dict(fact) if fact else None,
        )

    def delete_waiting_fact(self, key: str) -> None:
        self.waiting.pop(key, None)

    def put_waiting_fact(self, key: str, fact: dict[str, str], keep_days: int) -> None:
        if self.waiting.get(key, {}).get("reason") != "child":
            self.waiting[key] = dict(fact)

    def load_many(self, addresses: Iterable[str]) -> dict[str, Loaded]:
        out = {}
        for address in addresses:
            loaded = self.load(address)
            if loaded.contact is not None or loaded.erased:
                out[address] = Loaded(loaded.contact) if loaded.contact else loaded
        return out

    def save(self, contact: Contact, move_ledger: int = 0) -> None:
        # the whole ledger stays on the fake's contact: where entries live is the real store's concern
        if self.conflicts_to_inject:
            self.conflicts_to_inject -= 1
            raise VersionConflict(contact.address)
        key = self.key_of(contact.address)
        stored = self.items.get(key)
        if (stored.version if stored else 0) != contact.version:
            raise VersionConflict(contact.address)
        contact.version += 1
        self.saves += 1
        self.items[key] = copy.deepcopy(contact)

    def address_at(self, key: str) -> str | None:
        held = self.items.get(key)
        if held is not None:
            return held.address
        return next((a for a, _ in sorted(self.acquired) if self.key_of(a) == key), None)

    def delete_contact_items(self, address: str) -> dict[str, int]:
        records = [k for k in self.acquired if k[0] == address]
        for key in records:
            del self.acquired[key]
        return {"older_ledger_entries": 0, "third_party_records": len(records)}

    def pending_redactions(self) -> list[str]:
        return []

    def addresses_of_customer(self, customer_id: str) -> list[str]:
        return [a for a, c in self.contacts.items() if c.profile.customer_id == customer_id]

    def older_ledger(self, address: str) -> list[Any]:
        return []

    def put_acquired(self, records: list[dict[str, Any]]) -> int:
        kept = [r for r in records if not self.load(r["email"]).erased]  # as the real store's check after writing
        for record in kept:
            self.acquired[(record["email"], record["source"])] = dict(record)
        return len(kept)

    def acquired_many(self, addresses: Iterable[str], source: str) -> dict[str, dict[str, Any]]:
        return {a: dict(self.acquired[(a, source)]) for a in addresses if (a, source) in self.acquired}

    def acquired_of(self, address: str) -> list[dict[str, Any]]:
        return [dict(record) for (a, _), record in sorted(self.acquired.items()) if a == address]

    def put_audit(self, entry: dict[str, Any]) -> None:
        self.audit.append(dict(entry))

    def list_audit(self, limit: int) -> list[dict[str, Any]]:
        return sorted(self.audit, key=lambda e: str(e["at"]), reverse=True)[:limit]

    def put_review(self, item: dict[str, Any]) -> None:
        self.reviews[item["id"]] = dict(item)

    def list_reviews(self) -> list[dict[str, Any]]:
        return [dict(i) for i in self.reviews.values()]

    def get_review(self, review_id: str) -> dict[str, Any] | None:
        return dict(self.reviews[review_id]) if review_id in self.reviews else None

    def delete_review(self, review_id: str) -> None:
        self.reviews.pop(review_id, None)

    def archive_done(self, address: str | None, records: list[Any]) -> None:
        self.archived.extend((address, r) for r in records)

    def forget_archived_recipient(self, archived: dict[str, str]) -> None:
        self.archived = [(None if r.id in archived else a, r) for a, r in self.archived]

    def record_sent(self, outbox_id: str, provider_id: str, recipients: tuple[str, ...] = ()) -> None:
        self.sent_log.add(outbox_id)
        self.sent_to_log[outbox_id] = frozenset(recipients)

    def was_sent(self, outbox_id: str) -> bool:
        return outbox_id in self.sent_log

    def sent_among(self, outbox_ids: Iterable[str]) -> frozenset[str]:
        return frozenset(i for i in outbox_ids if i in self.sent_log)

    def sent_to(self, outbox_id: str) -> frozenset[str]:
        return self.sent_to_log.get(outbox_id, frozenset())


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self.failures: list[MailError] = []  # raised, in order, before sends succeed again
        # what SES's "Send" event does through `ses_events`: the send log learns of each accepted message
        # (None: the event is lost or late, and the sweep cannot know the mail went out)
        self.on_sent: Callable[[OutgoingEmail, str], None] | None = None

    def send(self, email: OutgoingEmail) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(email)
        provider_id = f"msg-{len(self.sent)}"
        if self.on_sent is not None:
            self.on_sent(email, provider_id)
        return provider_id


class FakeSecrets:
    def __init__(self) -> None:
        self.value = Secrets(
            webhook_secrets=(WEBHOOK_SECRET,),
            api_keys=(API_KEY,),
            tokens=TokenCodec({"k1": TOKEN_KEY}, "k1"),
            peppers={"p1": bytes(range(32, 64))},
            active_pepper="p1",
        )

    def get(self) -> Secrets:
        return self.value


class FakeRawMail:
    def __init__(self) -> None:
        self.deleted: list[str] = []

    def delete(self, storage_key: str) -> None:
        self.deleted.append(storage_key)


def make_deps() -> tuple[Deps, FakeStore, FakeMailer, FakeClock]:
    secrets = FakeSecrets()
    store, mailer, clock = FakeStore(lambda a: secrets.get().address_key(a)), FakeMailer(), FakeClock()
    deps = Deps(
        store=store,
        mailer=mailer,
        clock=clock,
        secrets=secrets,
        mail=MailConfig(
            sender="Example Store <news@shop.example>",
            store_name="Example Store",
            public_base_url="https://lists.shop.example",
            mailto_domain="shop.example",
            token_max_age_days=730,
        ),
        policy_version="2026-01",
        raw_mail=FakeRawMail(),
        send_log_fed=True,
    )
    mailer.on_sent = lambda email, provider_id: store.record_sent(
        email.message_id, provider_id, (secrets.get().hash_address(email.to),)
    )
    return deps, store, mailer, clock


__all__ = ["FakeClock", "FakeMailer", "FakeRawMail", "FakeSecrets", "FakeStore", "PermanentMailError", "make_deps"]
