"""Where removals propagate (SPEC §5). Each destination acknowledges what it durably took; the sweep retries the
rest. Destinations are configured per stage (settings.destinations), so new ones need no code when of a known kind.
"""

import csv
import io
import json
from collections import defaultdict
from typing import Any

from botocore.exceptions import ClientError

from ..services.ports import RemovalNotice

EVENTS_PER_CALL = 10
CSV_FIELDS = [
    "removal_id",
    "received_at",
    "scope",
    "reason",
    "subject_hash",
    "name",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
]


class EventBridgeDestination:
    """One event per removal on a bus; acknowledged per entry by PutEvents."""

    platform: str | None = None

    def __init__(self, name: str, client: Any, bus: str, channels: frozenset[str]) -> None:
        self.name = name
        self.channels = channels
        self._client = client
        self._bus = bus

    def deliver(self, notices: list[RemovalNotice]) -> set[str]:
        acknowledged: set[str] = set()
        for start in range(0, len(notices), EVENTS_PER_CALL):
            batch = notices[start : start + EVENTS_PER_CALL]
            entries = [
                {
                    "Source": "listkeeper",
                    "DetailType": "RemovalRequested",
                    "EventBusName": self._bus,
                    "Detail": json.dumps({k: v for k, v in notice.__dict__.items() if v}),
                }
                for notice in batch
            ]
            try:
                response = self._client.put_events(Entries=entries)
            except ClientError:
                continue  # nothing in this batch acknowledged; the sweep tries again
            for notice, result in zip(batch, response.get("Entries", []), strict=False):
                if result.get("EventId") and not result.get("ErrorCode"):
                    acknowledged.add(notice.removal_id)
        return acknowledged


class S3DailyFileDestination:
    """The postal mail house: one CSV per day of the postal removals received that day.

    The day's file is read, merged by removal id and written back whole, so a retry never duplicates a row. Only
    the sweep writes it (one sweep at a time: reserved concurrency 1), so read-merge-write does not race."""

    platform: str | None = None

    def __init__(self, name: str, client: Any, bucket: str, prefix: str, channels: frozenset[str]) -> None:
        self.name = name
        self.channels = channels
        self._client = client
        self._bucket = bucket
        self._prefix = prefix

    def key_for(self, day: str) -> str:
        return f"{self._prefix}{day}.csv"

    def read_day(self, day: str) -> dict[str, dict[str, str]]:
        try:
            body = self._client.get_object(Bucket=self._bucket, Key=self.key_for(day))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return {}
            raise
        return {row["removal_id"]: row for row in csv.DictReader(io.StringIO(body.decode("utf-8")))}

    def deliver(self, notices: list[RemovalNotice]) -> set[str]:
        by_day: dict[str, list[RemovalNotice]] = defaultdict(list)
        purge: dict[str, set[str]] = defaultdict(set)  # day -> removal ids whose rows an erasure takes back
        for notice in notices:
            by_day[notice.received_at[:10]].append(notice)
            for removal_id, day in notice.forget.items():
                purge[day].add(removal_id)
                by_day.setdefault(day, [])
        acknowledged: set[str] = set()
        failed_days: set[str] = set()
        for day, todays in sorted(by_day.items()):
            try:
                rows = {k: v for k, v in self.read_day(day).items() if k not in purge.get(day, set())}
                for notice in todays:
                    address = notice.postal_address or {}
                    rows[notice.removal_id] = {
                        "removal_id": notice.removal_id,
                        "received_at": notice.received_at,
                        "scope": notice.scope,
                        "reason": notice.reason,
                        "subject_hash": notice.subject_hash,
                        "name": notice.name or "",
                        **{k: address.get(k, "") for k in CSV_FIELDS[6:]},
                    }
                out = io.StringIO()
                writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
                writer.writeheader()
                writer.writerows(sorted(rows.values(), key=lambda r: (r["received_at"], r["removal_id"])))
                self._client.put_object(
                    Bucket=self._bucket,
                    Key=self.key_for(day),
                    Body=out.getvalue().encode("utf-8"),
                    ContentType="text/csv",
                    ServerSideEncryption="AES256",
                )
            except ClientError:
                failed_days.add(day)
                continue  # this day's rows are not acknowledged; retried next sweep
            acknowledged.update(n.removal_id for n in todays)
        # an erasure is acknowledged only once every file it purges was rewritten
        return {
            n.removal_id
            for n in notices
            if n.removal_id in acknowledged and not ({n.received_at[:10], *n.forget.values()} & failed_days)
        }
