"""`python -m listkeeper_cli …`: contacts, imports, exports, removals and the review queue, from a terminal.

The URL and key come from --url/--api-key or LISTKEEPER_URL/LISTKEEPER_API_KEY (the local stage's by default)."""

import argparse
import csv
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any


class Api:
    def __init__(self, url: str, key: str) -> None:
        if not url.startswith(("http://", "https://")):
            raise SystemExit("--url must be an http(s) URL")
        self.url = url.rstrip("/")
        self.key = key

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return json.load(response)
        except urllib.error.HTTPError as error:
            detail = json.load(error).get("error", {})
            raise SystemExit(f"error {error.code}: {detail.get('code')}: {detail.get('message')}") from None
        except urllib.error.URLError as error:
            raise SystemExit(f"cannot reach {self.url}: {error.reason}") from None


def _left(due_at: str) -> str:
    due = datetime.fromisoformat(due_at.replace("Z", "+00:00"))
    hours = (due - datetime.now(UTC)).total_seconds() / 3600
    return f"{hours:5.1f} h left" if hours >= 0 else f"OVERDUE {-hours:.1f} h"


def review_list(api: Api, _: argparse.Namespace) -> int:
    items = api.call("GET", "/v1/review")["review"]
    if not items:
        print("The review queue is empty.")
    for item in items:
        print(f"{item['id']}  {_left(item['due_at'])}  from {item.get('sender') or '(unreadable From)'}")
        print(f"    {item.get('subject', '')!r}: {item.get('reason', '')}")
        whom = item.get("suggested_address") or "nobody named: resolve with --email"
        print(f"    suggested: {', '.join(item.get('suggested_scopes') or []) or '-'} for {whom}")
        text = " ".join(str(item.get("text", "")).split())[:160]
        if text:
            print(f"    {text}")
    return 0


def review_resolve(api: Api, args: argparse.Namespace) -> int:
    item = next((i for i in api.call("GET", "/v1/review")["review"] if i["id"] == args.id), None)
    if item is None:
        raise SystemExit(f"no review item {args.id}")
    whom = args.email or item.get("suggested_address")
    if whom is None and args.action != ["dismiss"]:
        raise SystemExit(f"{args.id} names nobody for certain: say whose address with --email")
    print(f"{args.id}: {', '.join(args.action)}" + (f" for {whom}" if whom else ""), file=sys.stderr)
    body = {"actions": args.action, **({"email": args.email} if args.email else {})}
    result = api.call("POST", f"/v1/review/{args.id}", body)
    done = ", ".join(result["actions"])
    print(f"{result['id']}: {done}" + (f" for {result['email']}" if result.get("email") else ""))
    return 0


def removals(api: Api, args: argparse.Namespace) -> int:
    found = api.call("GET", f"/v1/removals?state={args.state}")["removals"]
    if not found:
        print(f"No removals are {args.state.replace('_', ' ')}.")
    for record in found:
        pending = ", ".join(f"{k}={v}" for k, v in record["destinations"].items())
        print(
            f"{record['id']}  {record['state']:8} {_left(record['due_at'])}  {record['recipient']}  {record['scope']}"
        )
        print(f"    from {record['source']} at {record['received_at']}; {pending or 'no destinations'}")
    return 0


def contacts_show(api: Api, args: argparse.Namespace) -> int:
    print(json.dumps(api.call("GET", f"/v1/contacts/{urllib.parse.quote(args.email, safe='')}"), indent=2))
    return 0


def contacts_erase(api: Api, args: argparse.Namespace) -> int:
    if not args.yes:
        raise SystemExit("erasure cannot be undone: add --yes to confirm")
    result = api.call("DELETE", f"/v1/contacts/{urllib.parse.quote(args.email, safe='')}")
    print(f"erased; receipt {result['receipt']['receipt_id']} at {result['receipt']['erased_at']}")
    return 0


POSTAL_COLUMNS = ("line1", "line2", "city", "region", "postal_code", "country")
COLUMNS = ("email", "name", *POSTAL_COLUMNS)


def read_records(path: str) -> tuple[list[dict[str, Any]], list[int]]:
    """A CSV whose header names its columns (any case): `email`, and optionally `name` and the postal address
    columns. Returns the records, and the line numbers of rows whose email cannot be an address (not sent)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [column.strip().lower() for column in next(reader, [])]
        rows = list(reader)
    if "email" not in header:
        shown = ", ".join(repr(c) for c in header[:8]) or "nothing"
        raise SystemExit(f"{path}: the first row must name the columns, one of them `email` (found {shown})")
    unknown = [column for column in header if column not in COLUMNS]
    if unknown:
        raise SystemExit(f"{path}: unknown columns {', '.join(unknown)}; known: {', '.join(COLUMNS)}")
    records, invalid = [], []
    for line, values in enumerate(rows, start=2):
        if not any(v.strip() for v in values):
            continue  # a blank line
        row = dict(zip(header, (v.strip() for v in values), strict=False))
        email = row.get("email", "")
        if "@" not in email.strip("@") or any(c.isspace() for c in email):
            invalid.append(line)
            continue
        record: dict[str, Any] = {"email": email}
        if row.get("name"):
            record["name"] = row["name"]
        postal = {k: row[k] for k in POSTAL_COLUMNS if row.get(k)}
        if postal:
            record["postal_address"] = postal
        records.append(record)
    return records, invalid


def progress(done: int, total: int, width: int = 30) -> None:
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    sys.stderr.flush()


def import_csv(api: Api, args: argparse.Namespace) -> int:
    records, unreadable = read_records(args.file)
    if unreadable:
        lines = ", ".join(str(n) for n in unreadable[:20]) + (" …" if len(unreadable) > 20 else "")
        print(f"not an email address on line {lines} of {args.file}: not sent", file=sys.stderr)
    totals = {"imported": 0, "skipped_suppressed": 0, "invalid": len(unreadable)}
    for start in range(0, len(records), 1000):
        result = api.call("POST", "/v1/imports", {"source": args.source, "records": records[start : start + 1000]})
        for key in totals:
            totals[key] += int(result[key])
        progress(min(start + 1000, len(records)), len(records))
    sys.stderr.write("\n")
    print(", ".join(f"{k}: {v}" for k, v in totals.items()))
    if totals["imported"] == 0 and (records or unreadable):
        print("nothing was imported", file=sys.stderr)
        return 1
    return 0


def export(api: Api, args: argparse.Namespace) -> int:
    progress(0, 1)
    result = api.call("POST", "/v1/postal-exports", {"topic": args.topic})
    progress(1, 1)
    sys.stderr.write("\n")
    print(f"{result['count']} recipients written to {result['key']}")
    if args.download:
        with urllib.request.urlopen(result["download_url"], timeout=60) as response:  # noqa: S310 - the API's link
            data = response.read()
        with open(args.download, "wb") as handle:
            handle.write(data)
        print(f"downloaded to {args.download}")
    return 0


def policy_announce(api: Api, args: argparse.Namespace) -> int:
    body = {
        "use": args.use,
        "policy_version": args.policy_version,
        "description": args.description,
        "window_days": args.window_days,
    }
    result = api.call("POST", "/v1/policy-announcements", body)
    print(f"announced {result['use']} (policy {result['policy_version']}); notices go out with the next sweeps")
    return 0


class _Commands:
    """Subcommands whose every leaf also takes the global options."""

    def __init__(self, group: Any, parent: argparse.ArgumentParser) -> None:
        self._group = group
        self._parent = parent

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        made: argparse.ArgumentParser = self._group.add_parser(name, parents=[self._parent], **kwargs)
        return made

    def nested(self, name: str, dest: str, **kwargs: Any) -> "_Commands":
        made = self._group.add_parser(name, **kwargs)
        return _Commands(made.add_subparsers(dest=dest, required=True), self._parent)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m listkeeper_cli", description=__doc__)
    root.add_argument("--url", default=os.environ.get("LISTKEEPER_URL", "http://127.0.0.1:8000"))
    root.add_argument("--api-key", default=os.environ.get("LISTKEEPER_API_KEY", "dev-api-key"))
    # the same options after the command too: given there, they win; not given, the values above stand
    anywhere = argparse.ArgumentParser(add_help=False)
    anywhere.add_argument("--url", default=argparse.SUPPRESS, help="the listkeeper API (LISTKEEPER_URL)")
    anywhere.add_argument("--api-key", default=argparse.SUPPRESS, help="its key (LISTKEEPER_API_KEY)")
    commands = _Commands(root.add_subparsers(dest="command", required=True), anywhere)
    review = commands.nested("review", "review_command", help="customer-service messages waiting for a person")
    review.add_parser("list", help="the queue, soonest deadline first").set_defaults(run=review_list)
    resolve = review.add_parser("resolve", help="settle one item")
    resolve.add_argument("id")
    resolve.add_argument(
        "--action",
        required=True,
        action="append",
        choices=["remove_email", "remove_postal", "remove_sharing", "dismiss", "erase"],
        help="repeat for several removals at once",
    )
    resolve.add_argument("--email", help="whose address to act on (required unless the item suggests exactly one)")
    resolve.set_defaults(run=review_resolve)
    contacts = commands.nested("contacts", "contacts_command", help="what is held about a person")
    show = contacts.add_parser("show", help="topics, suppressions and the consent ledger")
    show.add_argument("email")
    show.set_defaults(run=contacts_show)
    erase = contacts.add_parser("erase", help="erase a person (keeps only a keyed-hash suppression)")
    erase.add_argument("email")
    erase.add_argument("--yes", action="store_true", help="confirm: erasure cannot be undone")
    erase.set_defaults(run=contacts_erase)
    importing = commands.add_parser("import", help="a third-party list from a CSV (email, name, postal columns)")
    importing.add_argument("file")
    importing.add_argument("--source", required=True, help="who the list came from: acquired:<source>")
    importing.set_defaults(run=import_csv)
    exporting = commands.add_parser("export", help="a CSV of eligible postal recipients, written to S3")
    exporting.add_argument("--topic", required=True, help="catalog, partner_sharing or acquired:<source>")
    exporting.add_argument("--download", metavar="FILE", help="also fetch the file (a 15-minute link the API gives)")
    exporting.set_defaults(run=export)
    policy = commands.nested("policy", "policy_command", help="policy versions")
    announcing = policy.add_parser("announce", help="announce a new use of data, with an opt-out window")
    announcing.add_argument("--use", required=True, help="a short name: the topic becomes use:<name>")
    announcing.add_argument("--policy-version", required=True)
    announcing.add_argument("--description", required=True, help="what the new use is, as people will read it")
    announcing.add_argument("--window-days", type=int, default=30)
    announcing.set_defaults(run=policy_announce)
    listing = commands.add_parser("removals", help="removal records and their deadlines")
    listing.add_argument("--state", default="open", choices=["open", "at_risk", "overdue", "done"])
    listing.set_defaults(run=removals)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result: int = args.run(Api(args.url, args.api_key), args)
    return result


if __name__ == "__main__":
    sys.exit(main())
