"""The DynamoDB store: one table, one item per address holding its hot state.

Keys: the address's item `C#<keyed hash of the address>` / `C` (the address itself is an attribute); its older
ledger entries `… / L#<at>#<n>` and third-party records `… / A#<source>` in the same partition; event claims
`E#<id>` / `E`. Erasure turns the address's item into its tombstone (same key,
every personal attribute gone), so a write that expected "no item" or the version it read fails its condition, and
one read answers "contact, tombstone or nobody". Contacts with pending work carry `due_pk` / `due_at`, a sparse,
sharded, time-keyed index the sweep reads (its cost follows due items, not table size).

Every change to a contact is a PutItem conditioned on the version that was read (optimistic locking), so its
topics, suppressions, ledger entries, event ids and outbox land together or not at all.
"""

import dataclasses
import hashlib
import json
import secrets
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from ..domain.consent import (
    Basis,
    Contact,
    LedgerEntry,
    OutboxMessage,
    Profile,
    RemovalRecord,
    Status,
    Suppression,
    SuppressionReason,
    TopicState,
)
from ..domain.hashing import is_keyed_hash
from ..domain.policy import receives_email
from ..domain.work import summarize
from ..services.ports import ClaimOutcome, Loaded, VersionConflict
from .dynamo_json import from_item, to_item

DUE_SHARDS = 8
LEDGER_PER_ITEM = 10  # entries kept together in one item off the contact's (about 500 bytes compressed)
EVENT_CLAIM_DAYS = 30  # domain/rules.EVENTS_REMEMBERED_FOR: a contact remembers applied ids as long
BATCH_GET_LIMIT = 100


def item_key(key: str, sk: str = "C") -> dict[str, Any]:
    """The key of an address's item (or of another item in its partition), from the address's keyed hash."""
    return {"pk": {"S": f"C#{key}"}, "sk": {"S": sk}}


def waiting_key(key: str) -> dict[str, Any]:
    """A fact waiting for its contact, under a keyed hash (never a plain customer id or address)."""
    return {"pk": {"S": f"W#{key}"}, "sk": {"S": "W"}}


def due_shard(address: str) -> str:
    return f"due#{int(hashlib.sha256(address.encode()).hexdigest()[:4], 16) % DUE_SHARDS}"


def _compact(value: Any) -> Any:
    """Drop None values: DynamoDB would store them as NULL attributes and bill for them."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


# Read by key conditions, indexes, projections or conditions: kept as attributes. Everything else about the person
# is one compressed JSON document (`z`): a write costs a unit per KB of item, and a contact with a year of history
# fits in one that way (`make bench`).
PLAIN = frozenset({"pk", "sk", "address", "v", "aud_pk", "postal_pk", "customer_pk", "shop_pk", "due_pk", "due_at"})
PLAIN |= {"n_open", "n_at_risk", "n_overdue", "n_outbox", "n_dead", "remnant"}
BODY = "z"


def pack(body: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode(), 9)


def readable(item: dict[str, Any]) -> dict[str, Any]:
    """An item with its compressed document unpacked into attributes: what the contact holds, as before."""
    if BODY not in item:
        return item
    document = json.loads(zlib.decompress(item[BODY]["B"]))
    return {**{k: v for k, v in item.items() if k != BODY}, **to_item(document)}


def contact_to_item(contact: Contact, version: int, key: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "pk": f"C#{key}",
        "sk": "C",
        "address": contact.address,
        "v": version,
        "created_at": contact.created_at,
        "topics": {k: asdict(v) for k, v in contact.topics.items()},
        "supp": {k: asdict(v) for k, v in contact.suppressions.items()},
        "ledger": [e.as_dict() for e in contact.ledger],
        "events": contact.applied_events,
        "profile": {k: v for k, v in asdict(contact.profile).items() if v != []},
        "outbox": {k: asdict(v) for k, v in contact.outbox.items()},
        "removals": {k: _removal_body(v) for k, v in contact.removals.items()},
        "archived": contact.archived,
        "last_removal_notice": contact.last_removal_notice,
        "last_opt_in_offer": contact.last_opt_in_offer,
        "remnant": contact.remnant or None,
    }
    if receives_email(contact):
        body["aud_pk"] = f"aud#{due_shard(contact.address)[4:]}"  # sparse index: who to tell of a new use
    if contact.profile.postal_address:
        body["postal_pk"] = f"postal#{due_shard(contact.address)[4:]}"  # sparse index: postal exports
    if contact.profile.customer_id:
        body["customer_pk"] = f"cust#{contact.profile.customer_id}"  # sparse index: events that name a customer id
    only = contact.profile.known_through
    if len(only) == 1 and only[0].startswith("shopify:"):
        body["shop_pk"] = f"shop#{only[0]}"  # sparse index: people known through one Shopify shop alone
    work = summarize(contact)
    if work.due_at is not None:
        # In the sparse index only while something is pending; the counts ride along for the metrics.
        body.update(
            due_pk=due_shard(contact.address),
            due_at=work.due_at,
            n_open=work.removals_open,
            n_at_risk=work.removals_at_risk,
            n_overdue=work.removals_overdue,
            n_outbox=work.outbox_pending,
            n_dead=work.outbox_dead,
        )
    body = _compact(body)
    document = {k: v for k, v in body.items() if k not in PLAIN}
    return to_item({**{k: v for k, v in body.items() if k in PLAIN}, BODY: pack(document)})


def _distinct_ledger(items: list[dict[str, Any]]) -> list[LedgerEntry]:
    """The entries of `L#` archive items, each once: a sweep write that lost its race and was retried with more
    entries grouped some of them again."""
    entries: dict[tuple[tuple[str, Any], ...], LedgerEntry] = {}
    for item in items:
        if BODY in item:
            found = [LedgerEntry(**e) for e in json.loads(zlib.decompress(item[BODY]["B"]))["entries"]]
        else:  # one entry an item, as written before entries were grouped
            found = [LedgerEntry(**_plain(item))]
        for entry in found:
            entries.setdefault(tuple(sorted(entry.as_dict().items())), entry)
    return list(entries.values())


def _removal_body(record: RemovalRecord) -> dict[str, Any]:
    """Empty collections are their defaults when read back: not stored, so not paid for on every write."""
    return {k: v for k, v in asdict(record).items() if v not in ([], {})}


def _int(value: Any) -> int:
    return int(value)


def contact_from_item(item: dict[str, Any]) -> Contact:
    raw = from_item(readable(item))
    topics = {
        name: TopicState(
            status=Status(t["status"]),
            basis=Basis(t["basis"]) if t.get("basis") else None,
            since=t["since"],
            source=t["source"],
            expires_at=t.get("expires_at"),
            starts_at=t.get("starts_at"),
        )
        for name, t in raw.get("topics", {}).items()
    }
    suppressions = {
        ch: Suppression(reason=SuppressionReason(s["reason"]), since=s["since"], source=s["source"])
        for ch, s in raw.get("supp", {}).items()
    }
    outbox = {
        mid: OutboxMessage(
            id=m["id"],
            kind=m["kind"],
            created_at=m["created_at"],
            next_attempt_at=m["next_attempt_at"],
            attempts=_int(m.get("attempts", 0)),
            dead=bool(m.get("dead", False)),
            params=dict(m.get("params", {})),
            sending_since=m.get("sending_since"),
        )
        for mid, m in raw.get("outbox", {}).items()
    }
    removals = {
        rid: RemovalRecord(**{**r, "attempts": _int(r.get("attempts", 0))})
        for rid, r in raw.get("removals", {}).items()
    }
    profile = raw.get("profile", {})
    return Contact(
        address=raw["address"],
        topics=topics,
        suppressions=suppressions,
        ledger=[LedgerEntry(**e) for e in raw.get("ledger", [])],
        applied_events=dict(raw.get("events", {})),
        profile=Profile(
            customer_id=profile.get("customer_id"),
            name=profile.get("name"),
            postal_address=profile.get("postal_address"),
            language=profile.get("language"),
            accounts=list(profile.get("accounts", [])),
            known_through=list(profile.get("known_through", [])),
        ),
        outbox=outbox,
        removals=removals,
        archived=dict(raw.get("archived", {})),
        last_removal_notice=raw.get("last_removal_notice"),
        last_opt_in_offer=raw.get("last_opt_in_offer"),
        created_at=raw.get("created_at"),
        version=_int(raw["v"]),
        remnant=bool(raw.get("remnant", False)),
    )


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """An item as plain Python values, without its keys."""
    return from_item({k: v for k, v in item.items() if k not in ("pk", "sk")})


def _without_keys(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("pk", "sk", "postal_pk", "address")}


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


AUDIT_DAYS = 400


class DynamoContactStore:
    def __init__(self, client: Any, table: str, key_of: Callable[[str], str]) -> None:
        self._client = client
        self._table = table
        # where an address's item lives: its keyed hash under the active pepper, cut to 128 bits (SPEC §1.8)
        self.key_of = key_of
        self.items_read = 0  # index items read, for the sweep's cost accounting

    def _loaded(self, item: dict[str, Any] | None, asked: str) -> Loaded:
        """Asked by address, a tombstone means "erased"; asked by its keyed hash, it is the record itself (the
        sweep finishes an erased person's removals through it)."""
        if item is None:
            return Loaded(None)
        held = contact_from_item(item)
        if is_keyed_hash(held.address) == is_keyed_hash(asked):
            return Loaded(held)
        if held.remnant:  # the person's choices to leave, and nothing else: theirs again under the address
            return Loaded(dataclasses.replace(held, address=asked, remnant=False), tombstone=held, remnant=True)
        return Loaded(None, erased=True, tombstone=held) if is_keyed_hash(held.address) else Loaded(None)

    def claim_event(self, event_id: str, digest: str, at: datetime) -> ClaimOutcome:
        """Claim an event id for one payload digest: one conditional PutItem; a failed condition returns the
        existing claim in the same request (ReturnValuesOnConditionCheckFailure)."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"E#{event_id}"},
                    "sk": {"S": "E"},
                    "digest": {"S": digest},
                    "ttl": {"N": str(int(at.timestamp()) + EVENT_CLAIM_DAYS * 86400)},
                },
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            old: dict[str, Any] = dict(exc.response.get("Item") or {})  # type: ignore[call-overload]
            if "digest" not in old:  # an implementation that does not return the item: read it
                old = self._client.get_item(
                    TableName=self._table,
                    Key={"pk": {"S": f"E#{event_id}"}, "sk": {"S": "E"}},
                    ConsistentRead=True,
                ).get("Item", {})
            return ClaimOutcome.SAME if old.get("digest", {}).get("S") == digest else ClaimOutcome.CONFLICT
        return ClaimOutcome.NEW

    def load(self, address: str, waiting: tuple[str, ...] = ()) -> Loaded:
        """The contact or its tombstone — one item, one key — and, in the same request, the facts waiting under
        the `waiting` keys (merged; their fields do not overlap)."""
        key = self.key_of(address)
        if not waiting:
            response = self._client.get_item(TableName=self._table, Key=item_key(key), ConsistentRead=True)
            return self._loaded(response.get("Item"), address)
        items = self._batch_get([item_key(key), *(waiting_key(k) for k in waiting)])
        loaded = self._loaded(items.get(f"C#{key}"), address)
        facts = [_plain(items[f"W#{k}"]) for k in waiting if f"W#{k}" in items]
        if not facts:
            return loaded
        kept = {k: v for fact in facts for k, v in fact.items() if k not in ("pk", "sk", "ttl")}
        return Loaded(loaded.contact, loaded.erased, loaded.tombstone, waiting=kept, remnant=loaded.remnant)

    def delete_waiting_fact(self, key: str) -> None:
        self._client.delete_item(TableName=self._table, Key=waiting_key(key))

    def put_waiting_fact(self, key: str, fact: dict[str, str], keep_days: int) -> None:
        item = {**waiting_key(key), "ttl": {"N": str(int(time.time()) + keep_days * 86400)}}
        item.update({name: {"S": value} for name, value in fact.items()})
        try:
            # a child's fact is never replaced by a weaker one (an erasure request after the age report)
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk) OR reason <> :child",
                ExpressionAttributeValues={":child": {"S": "child"}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def _batch_get(self, keys: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Items by partition key (one item per partition asked for)."""
        return {item["pk"]["S"]: item for item in self._batch_get_items(keys)}

    def _batch_get_items(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Consistent batched reads, 100 keys per request, retrying unprocessed keys with backoff."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            pending = keys[start : start + BATCH_GET_LIMIT]
            attempt = 0
            while pending:
                response = self._client.batch_get_item(
                    RequestItems={self._table: {"Keys": pending, "ConsistentRead": True}}
                )
                found.extend(response.get("Responses", {}).get(self._table, []))
                pending = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
                if pending:
                    attempt += 1
                    time.sleep(min(1.0, 0.02 * 2**attempt))  # DynamoDB asks callers to back off here
        return found

    def load_many(self, addresses: Iterable[str]) -> dict[str, Loaded]:
        """Batched reads, 100 keys per request: one key per address answers contact or tombstone."""
        keys = {a: self.key_of(a) for a in set(addresses)}
        items = self._batch_get([item_key(k) for k in sorted(set(keys.values()))])
        found = {a: self._loaded(items[f"C#{k}"], a) for a, k in sorted(keys.items()) if f"C#{k}" in items}
        return {a: loaded for a, loaded in found.items() if loaded.contact is not None or loaded.erased}

    def save(self, contact: Contact, move_ledger: int = 0) -> None:
        """Written on the version read: a tombstone saved on a contact's version replaces it (erasure).
        `move_ledger`: how many of the oldest ledger entries (read from the table, never this change's own) move
        to their own items first, so the contact item stays small."""
        key = self.key_of(contact.address)
        overflow = contact.ledger[: max(0, min(move_ledger, len(contact.ledger)))]
        written: list[dict[str, Any]] = []
        if overflow:
            # Written before the contact: if the contact write then fails, a retry writes the same keys again.
            written = self._write_ledger_items(key, overflow)
        kept = contact.ledger[len(overflow) :]
        new_version = contact.version + 1
        item = contact_to_item(dataclasses.replace(contact, ledger=kept), new_version, key)
        if contact.version == 0:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "#v = :v",
                "ExpressionAttributeNames": {"#v": "v"},
                "ExpressionAttributeValues": {":v": {"N": str(contact.version)}},
            }
        try:
            self._client.put_item(TableName=self._table, Item=item, **condition)
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            if written and not is_keyed_hash(contact.address) and self._gone(contact.address):
                # lost to an erasure, or to a storefront that left taking the person with it: no retry will own
                # these entries, and nothing of the person may stay
                self._batch_write([{"DeleteRequest": {"Key": k}} for k in written])
            raise VersionConflict(contact.address) from None
        contact.version, contact.ledger = new_version, kept

    def _gone(self, address: str) -> bool:
        loaded = self.load(address)
        return loaded.erased or loaded.remnant or loaded.contact is None

    def _write_ledger_items(self, key: str, entries: list[LedgerEntry]) -> list[dict[str, Any]]:
        """The entries in items of their own, several to an item (compressed, each well under 1 KB: one write unit
        for what a sweep visit moves); a retry writes the same keys again."""
        requests, keys = [], []
        for start in range(0, len(entries), LEDGER_PER_ITEM):
            chunk = [e.as_dict() for e in entries[start : start + LEDGER_PER_ITEM]]
            fingerprint = hashlib.sha256(json.dumps(chunk, sort_keys=True).encode()).hexdigest()[:12]
            item_keys = {"pk": {"S": f"C#{key}"}, "sk": {"S": f"L#{chunk[0]['at']}#{fingerprint}"}}
            keys.append(item_keys)
            body = {**item_keys, "n": {"N": str(len(chunk))}, BODY: {"B": pack({"entries": chunk})}}
            requests.append({"PutRequest": {"Item": body}})
        self._batch_write(requests)
        return keys

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        for start in range(0, len(requests), 25):
            pending = requests[start : start + 25]
            attempt = 0
            while pending:
                response = self._client.batch_write_item(RequestItems={self._table: pending})
                pending = response.get("UnprocessedItems", {}).get(self._table, [])
                if pending:
                    attempt += 1
                    time.sleep(min(1.0, 0.02 * 2**attempt))

    def address_at(self, key: str) -> str | None:
        item = self._client.get_item(
            TableName=self._table, Key=item_key(key), ConsistentRead=True, ProjectionExpression="address"
        ).get("Item")
        if item is None:  # known only from a third-party list
            records = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :a)",
                ExpressionAttributeValues={":pk": {"S": f"C#{key}"}, ":a": {"S": "A#"}},
                ProjectionExpression="address",
                ConsistentRead=True,
                Limit=1,
            ).get("Items", [])
            item = records[0] if records else None
        return str(item["address"]["S"]) if item and "address" in item else None

    def _query_all(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item a Query finds, page after page."""
        while True:
            response = self._client.query(TableName=self._table, **kwargs)
            yield from response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _partition(self, pk: str, sk_prefix: str | None = None, **extra: Any) -> Iterator[dict[str, Any]]:
        condition = "pk = :pk" + (" AND begins_with(sk, :sk)" if sk_prefix else "")
        values = {":pk": {"S": pk}, **({":sk": {"S": sk_prefix}} if sk_prefix else {})}
        return self._query_all(KeyConditionExpression=condition, ExpressionAttributeValues=values, **extra)

    # --- the sparse "due" index: the sweep's whole view of the table ---------------------------------------

    def _query_due(self, shard: str, upper: str, limit: int | None, projection: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "due",
            "KeyConditionExpression": "due_pk = :shard AND due_at <= :upper",
            "ExpressionAttributeValues": {":shard": {"S": shard}, ":upper": {"S": upper}},
            "ProjectionExpression": projection,
        }
        while True:
            if limit is not None:
                kwargs["Limit"] = limit - len(items)
            response = self._client.query(**kwargs)
            items.extend(response.get("Items", []))
            self.items_read += len(response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if not last or (limit is not None and len(items) >= limit):
                return items
            kwargs["ExclusiveStartKey"] = last

    def due_addresses(self, now_iso: str, limit: int) -> list[str]:
        """Contacts whose next piece of work is due, oldest first per shard, at most `limit` in all."""
        if limit <= 0:
            return []
        per_shard = -(-limit // DUE_SHARDS)
        found: list[str] = []
        for shard in range(DUE_SHARDS):
            for item in self._query_due(f"due#{shard}", now_iso, per_shard, "address"):
                found.append(item["address"]["S"])
        return found

    def pending_counts(self) -> dict[str, int]:
        """Sum of the per-contact work counts over every contact in the index (all pending work, due or not)."""
        totals = dict.fromkeys(("n_open", "n_at_risk", "n_overdue", "n_outbox", "n_dead"), 0)
        for shard in range(DUE_SHARDS):
            for item in self._query_due(f"due#{shard}", "~", None, ", ".join(totals)):
                for name in totals:
                    totals[name] += int(item.get(name, {}).get("N", "0"))
        return totals

    def pending_addresses(self, attribute: str) -> list[str]:
        """Contacts in the index with a non-zero `attribute` count (n_open, n_at_risk, n_overdue …)."""
        found: list[str] = []
        for shard in range(DUE_SHARDS):
            for item in self._query_due(f"due#{shard}", "~", None, f"address, {attribute}"):
                if int(item.get(attribute, {}).get("N", "0")) > 0:
                    found.append(item["address"]["S"])
        return found

    # --- done removals, archived by day for GET /v1/removals?state=done -------------------------------------

    def archive_done(self, address: str | None, records: list[RemovalRecord]) -> None:
        puts = []
        for record in records:
            done_at = record.done_at or ""
            body = {
                "pk": f"RD#{done_at[:10]}",
                "sk": f"{done_at}#{record.id}",
                "recipient": address,
                "removal": _removal_body(record),
                "ttl": int(time.time()) + 400 * 86400,
            }
            puts.append({"PutRequest": {"Item": to_item(_compact(body))}})
        self._batch_write(puts)

    def forget_archived_recipient(self, archived: dict[str, str]) -> None:
        """Take the address out of archived removal records (removal id -> done_at[#mail-house day]), keeping the
        records."""
        for removal_id, archived_at in archived.items():
            done_at = archived_at.partition("#")[0]
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key={"pk": {"S": f"RD#{done_at[:10]}"}, "sk": {"S": f"{done_at}#{removal_id}"}},
                    UpdateExpression="REMOVE recipient",
                    ConditionExpression="attribute_exists(pk)",
                )
            except ClientError as exc:
                if not _conditional_failed(exc):  # already expired: nothing to take out
                    raise

    def list_done(self, days: list[str], limit: int) -> list[tuple[str | None, RemovalRecord]]:
        out: list[tuple[str | None, RemovalRecord]] = []
        for day in days:
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": f"RD#{day}"}},
                "ScanIndexForward": False,
            }
            while len(out) < limit:
                response = self._client.query(**kwargs)
                for item in response.get("Items", []):
                    raw = from_item(item)
                    removal = raw["removal"]
                    removal["attempts"] = _int(removal.get("attempts", 0))
                    out.append((raw.get("recipient"), RemovalRecord(**removal)))
                if "LastEvaluatedKey" not in response:
                    break
                kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return out[:limit]

    # --- the send log: which outbox ids SES accepted (written from SES "Send" events) -----------------------

    def record_sent(self, outbox_id: str, provider_id: str, recipients: tuple[str, ...] = ()) -> None:
        item: dict[str, Any] = {
            "pk": {"S": f"S#{outbox_id}"},
            "sk": {"S": "S"},
            "provider_id": {"S": provider_id},
            "ttl": {"N": str(int(time.time()) + 30 * 86400)},
        }
        if recipients:
            item["to"] = {"SS": sorted(set(recipients))}  # keyed hashes: never a plain address
        self._client.put_item(TableName=self._table, Item=item)

    def sent_to(self, outbox_id: str) -> frozenset[str]:
        key = {"pk": {"S": f"S#{outbox_id}"}, "sk": {"S": "S"}}
        item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item") or {}
        return frozenset(item.get("to", {}).get("SS", []))

    def was_sent(self, outbox_id: str) -> bool:
        return outbox_id in self.sent_among([outbox_id])

    def sent_among(self, outbox_ids: Iterable[str]) -> frozenset[str]:
        """Which of these outbox ids SES accepted: one batched read per 100."""
        keys = [{"pk": {"S": f"S#{i}"}, "sk": {"S": "S"}} for i in sorted(set(outbox_ids))]
        return frozenset(item["pk"]["S"][2:] for item in self._batch_get_items(keys)) if keys else frozenset()

    # --- the customer-service review queue: one small partition, ordered by arrival -------------------------

    def put_review(self, item: dict[str, Any]) -> None:
        """Idempotent: the id is derived from the inbound message, so a redelivery rewrites the same item."""
        body = {"pk": "REVIEW", "sk": item["id"], **item}
        self._client.put_item(TableName=self._table, Item=to_item(_compact(body)))

    # --- the console's audit log -----------------------------------------------------------------------------

    def put_audit(self, entry: dict[str, Any]) -> None:
        at = str(entry["at"])
        body = {
            "pk": "AUDIT",
            "sk": f"{at}#{secrets.token_hex(4)}",
            **entry,
            "ttl": int(time.time()) + AUDIT_DAYS * 86400,  # accountability for a year and more, then gone
        }
        self._client.put_item(TableName=self._table, Item=to_item(_compact(body)))

    def list_audit(self, limit: int) -> list[dict[str, Any]]:
        answer = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "AUDIT"}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [
            {k: v for k, v in _plain(item).items() if k not in ("pk", "sk", "ttl")} for item in answer.get("Items", [])
        ]

    def list_reviews(self) -> list[dict[str, Any]]:
        return [_plain(item) for item in self._partition("REVIEW")]

    def get_review(self, review_id: str) -> dict[str, Any] | None:
        key = {"pk": {"S": "REVIEW"}, "sk": {"S": review_id}}
        item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        return from_item({k: v for k, v in item.items() if k not in ("pk", "sk")}) if item else None

    def delete_review(self, review_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key={"pk": {"S": "REVIEW"}, "sk": {"S": review_id}})

    # --- erasure ---------------------------------------------------------------------------------------------

    def delete_contact_items(self, address: str) -> dict[str, int]:
        """Every item in the address's partition but the tombstone: older ledger entries, third-party records."""
        # read whole: the receipt counts entries, and two archive items may hold the same ones (a retried sweep write)
        partition = self._partition(f"C#{self.key_of(address)}", ConsistentRead=True)
        found = [item for item in partition if item["sk"]["S"] != "C"]
        self._batch_write([{"DeleteRequest": {"Key": {"pk": i["pk"], "sk": i["sk"]}}} for i in found])
        records = sum(1 for item in found if item["sk"]["S"].startswith("A#"))
        entries = _distinct_ledger([item for item in found if item["sk"]["S"].startswith("L#")])
        return {"older_ledger_entries": len(entries), "third_party_records": records}

    def delete_contact(self, address: str, version: int) -> None:
        """Delete the address's item as read (its version): a write that came in between keeps it."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=item_key(self.key_of(address)),
                ConditionExpression="#v = :v",
                ExpressionAttributeNames={"#v": "v"},
                ExpressionAttributeValues={":v": {"N": str(version)}},
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            raise VersionConflict(address) from None

    def known_only_through(self, origin: str, limit: int) -> list[str]:
        """Up to `limit` contacts whose data came through this origin alone (`shopify:<shop>`): the sparse index."""
        answer = self._client.query(
            TableName=self._table,
            IndexName="shop",
            KeyConditionExpression="shop_pk = :s",
            ExpressionAttributeValues={":s": {"S": f"shop#{origin}"}},
            Limit=limit,
        )
        return [item["address"]["S"] for item in answer.get("Items", []) if "@" in item["address"]["S"]]

    # --- storefronts that left: their redaction, carried on by the sweep -------------------------------------

    def put_redaction(self, origin: str, at: str) -> None:
        self._client.put_item(TableName=self._table, Item=to_item({"pk": "REDACT", "sk": origin, "at": at}))

    def pending_redactions(self) -> list[str]:
        return [item["sk"]["S"] for item in self._partition("REDACT")]

    def delete_redaction(self, origin: str) -> None:
        self._client.delete_item(TableName=self._table, Key={"pk": {"S": "REDACT"}, "sk": {"S": origin}})

    def addresses_of_customer(self, customer_id: str) -> list[str]:
        """Every contact holding this storefront customer id (one person may have ordered under several)."""
        items = self._query_all(
            IndexName="customer",
            KeyConditionExpression="customer_pk = :c",
            ExpressionAttributeValues={":c": {"S": f"cust#{customer_id}"}},
        )
        return [item["address"]["S"] for item in items if "@" in item.get("address", {}).get("S", "")]

    def older_ledger(self, address: str) -> list[LedgerEntry]:
        """Ledger entries that moved out of the contact item, oldest first."""
        return _distinct_ledger(list(self._partition(f"C#{self.key_of(address)}", "L#", ConsistentRead=True)))

    # --- third-party records: their own items under the contact's partition (never written over the contact) -

    def put_acquired(self, records: list[dict[str, Any]]) -> int:
        """BatchWrite, 25 per request, each record an `A#<source>` item in its address's partition (re-importing
        overwrites it); then the addresses' own items are read again, and a record written for an address erased
        meanwhile is taken back: an erasure that ran after the caller's check cannot have seen it."""
        puts, keys = [], {}
        for record in records:
            key = self.key_of(record["email"])
            body = {**record, "pk": f"C#{key}", "sk": f"A#{record['source']}", "address": record["email"]}
            if record.get("postal_address"):
                body["postal_pk"] = f"postal#{due_shard(record['email'])[4:]}"
            puts.append({"PutRequest": {"Item": to_item(_compact(body))}})
            keys[key] = item_key(key, f"A#{record['source']}")
        self._batch_write(puts)
        items = self._batch_get([item_key(k) for k in keys])
        erased = [
            k
            for k in keys
            if f"C#{k}" in items
            and is_keyed_hash(items[f"C#{k}"]["address"]["S"])
            and "remnant" not in items[f"C#{k}"]  # what a storefront left is no erasure: the list may hold them
        ]
        self._batch_write([{"DeleteRequest": {"Key": keys[k]}} for k in erased])
        return len(puts) - len(erased)

    def acquired_many(self, addresses: Iterable[str], source: str) -> dict[str, dict[str, Any]]:
        keys = [item_key(self.key_of(a), f"A#{source}") for a in sorted(set(addresses))]
        found = self._batch_get_items(keys)
        return {str(raw["email"]): _without_keys(raw) for raw in (_plain(item) for item in found)}

    def acquired_of(self, address: str) -> list[dict[str, Any]]:
        items = self._partition(f"C#{self.key_of(address)}", "A#", ConsistentRead=True)
        return [_without_keys(_plain(item)) for item in items]

    def postal_holders(self) -> list[tuple[str, str]]:
        """(address, sort key) of every item holding a postal address, from the sparse `postal` index."""
        return [
            (item["address"]["S"], item["sk"]["S"])
            for shard in range(DUE_SHARDS)
            for item in self._query_all(
                IndexName="postal",
                KeyConditionExpression="postal_pk = :p",
                ExpressionAttributeValues={":p": {"S": f"postal#{shard}"}},
            )
        ]

    # --- policy announcements and their audience ---------------------------------------------------------------

    def put_announcement(self, item: dict[str, Any]) -> bool:
        """False when this use was announced already."""
        body = {"pk": "ANN", "sk": item["use"], **item}
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(_compact(body)),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def list_announcements(self) -> list[dict[str, Any]]:
        return [_plain(item) for item in self._partition("ANN", ConsistentRead=True)]

    def set_announcement_cursor(self, use: str, cursor: str) -> None:
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": "ANN"}, "sk": {"S": use}},
            UpdateExpression="SET #c = :c",
            ExpressionAttributeNames={"#c": "cursor"},
            ExpressionAttributeValues={":c": {"S": cursor}},
        )

    def audience_page(self, cursor: str, limit: int) -> tuple[list[str], str]:
        """Addresses still receiving email, a page at a time; the cursor is "<shard>|<last key json>" or "done"."""
        shard_text, _, last = cursor.partition("|")
        shard = int(shard_text or 0)
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "audience",
            "KeyConditionExpression": "aud_pk = :a",
            "ExpressionAttributeValues": {":a": {"S": f"aud#{shard}"}},
            "Limit": limit,
        }
        if last:
            kwargs["ExclusiveStartKey"] = json.loads(last)
        response = self._client.query(**kwargs)
        addresses = [i["address"]["S"] for i in response.get("Items", [])]
        if "LastEvaluatedKey" in response:
            return addresses, f"{shard}|{json.dumps(response['LastEvaluatedKey'])}"
        return addresses, f"{shard + 1}|" if shard + 1 < DUE_SHARDS else "done"
