"""Handler overhead: the Chalice app, called as Lambda calls the deployed API function (`app.front`, with the
function URL's events as CloudFront passes them), against a minimal hand-written Lambda handler that makes the same AWS requests for the same operation straight on botocore
clients. So the ratio app / raw is the framework's and the domain's cost, not a different design.

Two operations: an RFC 8058 one-click `POST /u/{token}` by a subscribed contact, and a signed
`customer.info_saved` webhook for a new subscriber (welcome sent). Two transports: in-process moto, and a null
transport (a botocore `before-send` hook answering each request at once with a valid minimal body), which leaves
no emulator cost in the figure. The two handlers are interleaved call by call, alternating which goes first, and
the figure is the ratio of their medians in CPU time of the calling thread (everything, moto included, runs on it,
so other work on a shared machine stays out of the figure; wall time is reported beside it). When a target is
missed, both handlers are profiled, and the pieces where they differ are timed alone (`components`)."""

import base64
import cProfile
import hashlib
import hmac
import json
import os
import pstats
import statistics
import struct
import sys
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt as aead_decrypt
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt as aead_encrypt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = Path(ROOT) / "chalicelib" / "templates"
sys.path.insert(0, ROOT)
from chalicelib.domain.words import Words  # noqa: E402  (pure data: the raw handler says what the app says)


def _mail_templates() -> Any:  # also the pages' layout
    """The app's mail templates, compiled as the app compiles them (the raw handler renders the same mail)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )


TABLE = "listkeeper-local"
SECRETS_PARAMETER = "/listkeeper/local/secrets"
WEBHOOK_SECRET = "dev-webhook-secret"  # noqa: S105 - the local stage's documented default
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"
ORIGIN_SECRET = "bench-origin-secret"  # noqa: S105 - what CloudFront's header would carry, for this process only
TARGETS = {"moto": 1.15, "null": 1.5}
MIN_ROUNDS = 30  # pairs per operation however crowded the machine; the budget bounds the rest
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


# --- what Lambda hands the function -----------------------------------------------------------------------------


class LambdaContext:
    """The attributes of the context object the Python runtime passes to a handler."""

    function_name = "listkeeper-prod-api_handler"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:listkeeper-prod-api_handler"
    memory_limit_in_mb = 512
    log_group_name = "/aws/lambda/listkeeper-prod-api_handler"
    log_stream_name = "2026/12/01/[$LATEST]0123456789abcdef0123456789abcdef"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + 29

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def url_event(method: str, path: str, headers: dict[str, str], body: str) -> dict[str, Any]:
    """A Lambda function URL event (payload 2.0) as the deployed API function receives it behind CloudFront
    (infra/resources.py): the client's headers plus those CloudFront adds (its origin request policy forwards all but
    the Host), the secret origin header, and the body as the URL passes it (a form base64-encoded, JSON as text)."""
    now = datetime.now(UTC)
    sent = {
        "accept": "*/*",
        "cloudfront-forwarded-proto": "https",
        "cloudfront-is-desktop-viewer": "true",
        "cloudfront-is-mobile-viewer": "false",
        "cloudfront-viewer-country": "US",
        "cloudfront-viewer-address": "203.0.113.7:50123",
        "host": "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws",
        "via": "2.0 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront)",
        "x-amz-cf-id": base64.b64encode(os.urandom(42)).decode(),
        "x-amzn-trace-id": f"Root=1-{int(now.timestamp()):08x}-{os.urandom(12).hex()}",
        "x-forwarded-for": "203.0.113.7, 130.176.0.20",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        "content-length": str(len(body.encode())),
        "x-listkeeper-origin": ORIGIN_SECRET,
        **{name.lower(): value for name, value in headers.items()},
    }
    form = sent.get("content-type", "").startswith("application/x-www-form-urlencoded")
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": sent,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefghijklmnopqrstuvwxyz012345",
            "domainName": sent["host"],
            "domainPrefix": "abcdefghijklmnopqrstuvwxyz012345",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "130.176.0.20",
                "userAgent": "Amazon CloudFront",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "body": (base64.b64encode(body.encode()).decode() if form else body) or None,
        "isBase64Encoded": form,
    }


def event_body(event: dict[str, Any]) -> bytes:
    raw = event.get("body") or ""
    return base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()


def one_click_event(token: str) -> dict[str, Any]:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "Mozilla/5.0 (mail client)"}
    return url_event("POST", f"/u/{token}", headers, ONE_CLICK_BODY)


def webhook_event(event_id: str, address: str) -> dict[str, Any]:
    payload = {
        "id": event_id,
        "type": "customer.info_saved",
        "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "data": {"customer_id": f"cust-{event_id}", "email": address, "name": "Jane Doe"},
    }
    body = json.dumps(payload)
    stamp = int(time.time())
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Storefront-Webhooks/1.0",
        "Listkeeper-Signature": f"t={stamp},v1={mac}",
    }
    return url_event("POST", "/webhooks/storefront", headers, body)


# --- the raw handler ------------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _topic(status: str, at: str, source: str, basis: str | None = None) -> dict[str, Any]:
    state = {"status": _s(status), "since": _s(at), "source": _s(source)}
    if basis:
        state["basis"] = _s(basis)
    return {"M": state}


def _ledger(at: str, action: str, subject: str, detail: str, source: str, channel: str, **extra: str) -> dict[str, Any]:
    entry = {
        "at": _s(at),
        "action": _s(action),
        "subject": _s(subject),
        "detail": _s(detail),
        "source": _s(source),
        "channel": _s(channel),
        "policy_version": _s("2026-01"),
    }
    return {"M": entry | {k: _s(v) for k, v in extra.items()}}


# The contact item's stored form, as the app keeps it: what key conditions, indexes and conditions read stays an
# attribute, the rest is one zlib-compressed JSON document (adapters/dynamo_store.py `PLAIN`, `pack`).
_PLAIN = {"pk", "sk", "address", "v", "aud_pk", "postal_pk", "customer_pk", "shop_pk", "due_pk", "due_at", "remnant"}
_PLAIN |= {"n_open", "n_at_risk", "n_overdue", "n_outbox", "n_dead"}


def _value(attribute: dict[str, Any]) -> Any:
    ((kind, inner),) = attribute.items()
    if kind == "M":
        return {k: _value(v) for k, v in inner.items()}
    if kind == "L":
        return [_value(v) for v in inner]
    if kind == "N":
        return int(inner)
    return inner


def _attribute(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return _n(value)
    if isinstance(value, dict):
        return {"M": {k: _attribute(v) for k, v in value.items()}}
    if isinstance(value, list):
        return {"L": [_attribute(v) for v in value]}
    return _s(value)


def _packed(item: dict[str, Any]) -> dict[str, Any]:
    document = {k: _value(v) for k, v in item.items() if k not in _PLAIN and v != {"NULL": True}}
    body = zlib.compress(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(), 9)
    return {**{k: v for k, v in item.items() if k in _PLAIN}, "z": {"B": body}}


def _unpacked(item: dict[str, Any]) -> dict[str, Any]:
    if "z" not in item:
        return item
    document = json.loads(zlib.decompress(item["z"]["B"]))
    return {**{k: v for k, v in item.items() if k != "z"}, **{k: _attribute(v) for k, v in document.items()}}


def _shard(address: str) -> int:
    return int(hashlib.sha256(address.encode()).hexdigest()[:4], 16) % 8


def _outbox_entry(message_id: str, kind: str, at: str, params: dict[str, str]) -> dict[str, Any]:
    return {
        "M": {
            "id": _s(message_id),
            "kind": _s(kind),
            "created_at": _s(at),
            "next_attempt_at": _s(at),
            "attempts": _n(0),
            "dead": {"BOOL": False},
            "params": {"M": {k: _s(v) for k, v in params.items()}},
            "sending_since": _s(at),
        }
    }


def keyed(value: str, pepper_id: str, pepper: bytes) -> str:
    """The keyed hash items are kept under (HMAC-SHA256 under the active pepper, as the app computes it)."""
    return f"{pepper_id}:{hmac.new(pepper, value.encode(), hashlib.sha256).hexdigest()}"


def item_key(address: str, pepper_id: str, pepper: bytes) -> str:
    """Where an address's item lives: 128 bits of its keyed hash."""
    return keyed(address, pepper_id, pepper)[: len(pepper_id) + 1 + 32]


def contact_pk(address: str, secrets_json: str) -> str:
    doc = json.loads(secrets_json)
    pepper_id = doc["active_hash_pepper"]
    return f"C#{item_key(address, pepper_id, base64.b64decode(doc['hash_peppers'][pepper_id]))}"


def subscribed_item(
    pk: str, address: str, event_id: str, customer_id: str, name: str, at: str, version: int
) -> dict[str, Any]:
    """A contact item as a saved-info webhook leaves it (updates + surveys, settled), in DynamoDB JSON."""
    source = "storefront:customer.info_saved"
    return {
        "pk": _s(pk),
        "sk": _s("C"),
        "address": _s(address),
        "v": _n(version),
        "created_at": _s(at),
        "topics": {
            "M": {
                "updates": _topic("subscribed", at, source, "implied"),
                "surveys": _topic("subscribed", at, source, "implied"),
            }
        },
        "supp": {"M": {}},
        "ledger": {
            "L": [
                _ledger(at, "subscribe", topic, "implied", source, "storefront", event_id=event_id)
                for topic in ("updates", "surveys")
            ]
        },
        "events": {"M": {event_id: _s(at)}},
        "profile": {"M": {"customer_id": _s(customer_id), "name": _s(name)}},
        "outbox": {"M": {}},
        "removals": {"M": {}},
        "archived": {"M": {}},
        "aud_pk": _s(f"aud#{_shard(address)}"),
        "customer_pk": _s(f"cust#{customer_id}"),
    }


def _mime(sender: str, to: str, subject: str, message_id: str, text: str, html: str, headers: str = "") -> bytes:
    boundary = uuid.uuid4().hex
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime())}\r\n"
        f"Message-ID: <{message_id}@shop.example>\r\nX-Listkeeper-Outbox: {message_id}\r\n{headers}MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
        f'--{boundary}\r\nContent-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'
        f"{text}\r\n"
        f'--{boundary}\r\nContent-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'
        f"{html}\r\n--{boundary}--\r\n"
    ).encode()


def _answer(status: int, body: str, content_type: str = "application/json") -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": content_type}, "body": body}


@dataclass
class RawSecrets:
    webhook_secrets: list[str]
    token_keys: dict[str, bytes]  # key id -> XChaCha20-Poly1305 key
    active_kid: str
    active_raw: bytes
    pepper_id: str
    pepper: bytes
    fetched: float = field(default_factory=time.monotonic)


class RawHandler:
    """A hand-written handler for the same two operations: read the event, check it, and make the requests the app
    makes (the same operations, items of the same shape, the same conditions), with the items written as literal
    DynamoDB JSON, and the same mail text (the app's templates) in a MIME message formatted as a string."""

    SENDER = "Example Store <news@shop.example>"
    BASE_URL = "http://127.0.0.1:8000"

    def __init__(self) -> None:
        import botocore.session

        from chalicelib.adapters.aws import CLIENT_CONFIG, SES_CONFIG

        session = botocore.session.get_session()
        self.dynamodb = session.create_client("dynamodb", region_name="us-east-1", config=CLIENT_CONFIG)
        self.ses = session.create_client("ses", region_name="us-east-1", config=SES_CONFIG)
        self.ssm = session.create_client("ssm", region_name="us-east-1", config=CLIENT_CONFIG)
        self._secrets: RawSecrets | None = None
        self._templates = _mail_templates()
        self._unsubscribed_page = self._templates.from_string(
            '{% extends "pages/layout.html" %}{% block title %}Your email preferences{% endblock %}'
            "{% block body %}<p>You are unsubscribed from all marketing email.</p>{% endblock %}"
        )

    def _text(self, kind: str, **values: Any) -> tuple[str, str]:
        words = Words("en")
        txt, html = (self._templates.get_template(f"mail/{kind}.{ext}") for ext in ("txt", "html"))
        return txt.render(t=words, **values), html.render(t=words, **values)

    @property
    def clients(self) -> tuple[Any, ...]:
        return self.dynamodb, self.ses, self.ssm

    def secrets(self) -> RawSecrets:
        if self._secrets is not None and time.monotonic() - self._secrets.fetched < 300:
            return self._secrets
        doc = json.loads(self.ssm.get_parameter(Name=SECRETS_PARAMETER, WithDecryption=True)["Parameter"]["Value"])
        raw_keys = {kid: base64.b64decode(key) for kid, key in doc["token_keys"].items()}
        self._secrets = RawSecrets(
            webhook_secrets=doc["webhook_secrets"],
            token_keys=raw_keys,
            active_kid=doc["active_token_key"],
            active_raw=raw_keys[doc["active_token_key"]],
            pepper_id=doc["active_hash_pepper"],
            pepper=base64.b64decode(doc["hash_peppers"][doc["active_hash_pepper"]]),
        )
        return self._secrets

    def _read(
        self, address: str, secrets: RawSecrets, customer_id: str | None = None
    ) -> tuple[dict[str, Any] | None, bool]:
        """The contact, or whether its item is a tombstone, in one consistent read as the app reads it (with a fact
        waiting for the customer id, in the same BatchGetItem)."""
        pk = f"C#{item_key(address, secrets.pepper_id, secrets.pepper)}"
        if customer_id is None:
            key = {"pk": _s(pk), "sk": _s("C")}
            item = self.dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True).get("Item")
        else:
            waiting = keyed(f"customer:{customer_id}", secrets.pepper_id, secrets.pepper)
            keys = [{"pk": _s(pk), "sk": _s("C")}, {"pk": _s(f"W#{waiting}"), "sk": _s("W")}]
            found = self.dynamodb.batch_get_item(RequestItems={TABLE: {"Keys": keys, "ConsistentRead": True}})
            item = {i["pk"]["S"]: i for i in found.get("Responses", {}).get(TABLE, [])}.get(pk)
        if item is not None and "@" not in item["address"]["S"]:
            return None, True
        return (_unpacked(item) if item is not None else None), False

    def _put_versioned(self, plain: dict[str, Any], read_version: int) -> None:
        item = _packed(plain)
        if read_version == 0:
            self.dynamodb.put_item(TableName=TABLE, Item=item, ConditionExpression="attribute_not_exists(pk)")
        else:
            self.dynamodb.put_item(
                TableName=TABLE,
                Item=item,
                ConditionExpression="#v = :v",
                ExpressionAttributeNames={"#v": "v"},
                ExpressionAttributeValues={":v": _n(read_version)},
            )

    def _send(self, to: str, raw: bytes, message_id: str) -> None:
        self.ses.send_raw_email(
            Destinations=[to], RawMessage={"Data": raw}, Tags=[{"Name": "outbox_id", "Value": message_id}]
        )

    def _seal(self, secrets: RawSecrets, address: str, scope: str, now: datetime) -> str:
        second = int((now - datetime(2020, 1, 1, tzinfo=UTC)).total_seconds())
        plain = struct.pack(">BI", 1, second) + scope.encode() + b"\x00" + address.encode()
        nonce = os.urandom(24)
        sealed = aead_encrypt(plain, secrets.active_kid.encode(), nonce, secrets.active_raw)
        return f"{secrets.active_kid}.{base64.urlsafe_b64encode(nonce + sealed).rstrip(b'=').decode()}"

    def _open(self, secrets: RawSecrets, token: str) -> tuple[str, str] | None:
        kid, _, body = token.partition(".")
        key = secrets.token_keys.get(kid)
        if key is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = aead_decrypt(raw[24:], kid.encode(), raw[:24], key)
        except Exception:  # noqa: BLE001 - any fault in a link is the same bad link
            return None
        scope, _, address = plain[5:].partition(b"\x00")
        return scope.decode(), address.decode()

    def webhook(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event["headers"].get("x-listkeeper-origin") != ORIGIN_SECRET:
            return _answer(403, json.dumps({"error": {"code": "forbidden", "message": "not through the front"}}))
        headers = event["headers"]
        body = event_body(event)
        secrets = self.secrets()
        stamp, _, mac = headers.get("listkeeper-signature", "").partition(",v1=")
        stamp = stamp.removeprefix("t=")
        expected = [
            hmac.new(s.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
            for s in secrets.webhook_secrets
        ]
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) <= 300
        if not fresh or not any(hmac.compare_digest(e, mac) for e in expected):
            return _answer(401, '{"error":{"code":"invalid_signature","message":"invalid signature"}}')
        doc = json.loads(body)
        event_id, data = doc["id"], doc["data"]
        address = data["email"].strip().lower()
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        now = datetime.now(UTC)
        at = _iso(now)
        from botocore.exceptions import ClientError

        try:
            self.dynamodb.put_item(
                TableName=TABLE,
                Item={
                    "pk": _s(f"E#{event_id}"),
                    "sk": _s("E"),
                    "digest": _s(digest),
                    "ttl": _n(int(time.time()) + 30 * 86400),
                },
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return _answer(200, json.dumps({"status": "duplicate", "event_id": event_id}))
        contact, erased = self._read(address, secrets, data["customer_id"])
        if erased or contact is not None:
            return _answer(200, json.dumps({"status": "processed", "event_id": event_id}))
        pk = f"C#{item_key(address, secrets.pepper_id, secrets.pepper)}"
        item = subscribed_item(pk, address, event_id, data["customer_id"], data["name"], at, version=1)
        message_id = f"welcome-{hashlib.sha256(f'{address}|welcome|{at}'.encode()).hexdigest()[:20]}"
        item["outbox"] = {"M": {message_id: _outbox_entry(message_id, "welcome", at, {})}}
        item |= {
            "due_pk": _s(f"due#{_shard(address)}"),
            "due_at": _s(_iso(now + timedelta(minutes=15))),
            "n_open": _n(0),
            "n_at_risk": _n(0),
            "n_overdue": _n(0),
            "n_outbox": _n(1),
            "n_dead": _n(0),
        }
        self._put_versioned(item, 0)
        # an age report for this customer kept since the read: read again before anything is sent
        self._read(address, secrets, data["customer_id"])
        token = self._seal(secrets, address, "*", now)
        # the mailto: handle: item key, list code, tag; derived, nothing stored
        body = bytes.fromhex(pk.partition(":")[2]) + hashlib.sha256(b"mailto-scope\x00*").digest()[:3]
        tag = hmac.new(secrets.active_raw, b"mailto\x00" + body, hashlib.sha256).digest()[:6]
        handle = base64.b32encode(body + tag).decode().lower()
        url = f"{self.BASE_URL}/u/{token}"
        unsubscribe = (
            f"List-Unsubscribe: <{url}>, <mailto:unsubscribe+{handle}@shop.example>\r\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        )
        text, html = self._text(
            "welcome", store="Example Store", preferences_url=url, name=data["name"], topics=["surveys", "updates"]
        )
        subject = "Welcome to Example Store email updates"
        # sent and left claimed: the sweep settles it from the send log after the lease
        self._send(address, _mime(self.SENDER, address, subject, message_id, text, html, unsubscribe), message_id)
        return _answer(200, json.dumps({"status": "processed", "event_id": event_id}))

    def one_click(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event["headers"].get("x-listkeeper-origin") != ORIGIN_SECRET:
            return _answer(403, json.dumps({"error": {"code": "forbidden", "message": "not through the front"}}))
        headers = event["headers"]
        body = event_body(event).decode()
        form_post = headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        if not form_post or parse_qs(body) != {"List-Unsubscribe": ["One-Click"]}:
            return _answer(400, "<p>Not a one-click request.</p>", "text/html; charset=utf-8")
        secrets = self.secrets()
        claims = self._open(secrets, event["rawPath"].removeprefix("/u/"))
        if claims is None:
            return _answer(400, "<p>This link is not valid.</p>", "text/html; charset=utf-8")
        _, address = claims
        contact, erased = self._read(address, secrets)
        page = _answer(
            200,
            self._unsubscribed_page.render(t=Words("en"), store="Example Store"),
            "text/html; charset=utf-8",
        )
        if erased:
            return page
        now = datetime.now(UTC)
        at = _iso(now)
        pk = f"C#{item_key(address, secrets.pepper_id, secrets.pepper)}"
        item = contact or {"pk": _s(pk), "sk": _s("C"), "address": _s(address), "v": _n(0)}
        if "email" in item.get("supp", {}).get("M", {}):
            return page
        read_version = int(item["v"]["N"])
        source = "link:one_click"
        topics = item.setdefault("topics", {"M": {}})["M"]
        for topic in ("updates", "surveys", "promotions", "acquired:*"):
            topics[topic] = _topic("unsubscribed", at, source)
        item["supp"] = {"M": {"email": {"M": {"reason": _s("request"), "since": _s(at), "source": _s(source)}}}}
        ledger = item.setdefault("ledger", {"L": []})["L"]
        visitor = {
            "ip": headers["cloudfront-viewer-address"].rpartition(":")[0],
            "user_agent": headers.get("user-agent", ""),
        }
        ledger.append(_ledger(at, "suppress", "email", "request", source, "link", **visitor))
        removal_id = f"rm-{hashlib.sha256(f'{address}|email|{at}|{source}'.encode()).hexdigest()[:20]}"
        item["removals"] = {
            "M": {
                removal_id: {
                    "M": {
                        "id": _s(removal_id),
                        "scope": _s("email"),
                        "source": _s(source),
                        "received_at": _s(at),
                        "due_at": _s(_iso(now + timedelta(hours=48))),
                        "state": _s("open"),
                        "destinations": {"M": {"partners": _s("pending")}},
                        "reason": _s("request"),
                        "attempts": _n(0),
                        "next_attempt_at": _s(at),
                        "forget": {"M": {}},
                    }
                }
            }
        }
        message_id = f"removal_confirmation-{hashlib.sha256(f'{address}|rc|{at}'.encode()).hexdigest()[:20]}"
        item["outbox"] = {"M": {message_id: _outbox_entry(message_id, "removal_confirmation", at, {"scopes": "email"})}}
        item |= {
            "last_removal_notice": _s(at),
            "v": _n(read_version + 1),
            "due_pk": _s(f"due#{_shard(address)}"),
            "due_at": _s(at),
            "n_open": _n(1),
            "n_at_risk": _n(0),
            "n_overdue": _n(0),
            "n_outbox": _n(1),
            "n_dead": _n(0),
        }
        item.pop("aud_pk", None)
        self._put_versioned(item, read_version)
        url = f"{self.BASE_URL}/u/{self._seal(secrets, address, '*', now)}"
        text, html = self._text("removal_confirmation", store="Example Store", scopes=["email"], preferences_url=url)
        subject = "You are unsubscribed from Example Store"
        self._send(address, _mime(self.SENDER, address, subject, message_id, text, html), message_id)
        return page


# --- the null transport -----------------------------------------------------------------------------------------


class _Body:
    """The raw-response object botocore reads (what urllib3 would give it)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data

    def read(self, *_: Any) -> bytes:
        data, self._data = self._data, b""
        return data


SES_SENT = (
    '<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendRawEmailResult>'
    "<MessageId>{id}</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>{id}</RequestId>"
    "</ResponseMetadata></SendRawEmailResponse>"
)


class NullTransport:
    """A botocore `before-send` hook: every request is answered at once, 200, with a valid minimal body for its
    operation. BatchGetItem returns the contact items it was given (the subscribed contacts the one-clicks act on),
    so both handlers decide on the same state they would find in a table."""

    def __init__(self, secrets_json: str, contacts: Mapping[str, dict[str, Any]]) -> None:
        self.secrets_json = secrets_json
        self.contacts = contacts

    def __call__(self, request: Any, event_name: str, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        _, service, operation = event_name.split(".")
        request_id = uuid.uuid4().hex
        content_type = "application/x-amz-json-1.0"
        if operation == "BatchGetItem":
            asked = json.loads(request.body)["RequestItems"]
            responses = {
                table: [self.contacts[k["pk"]["S"]] for k in spec["Keys"] if k["pk"]["S"] in self.contacts]
                for table, spec in asked.items()
            }
            body = json.dumps({"Responses": responses, "UnprocessedKeys": {}})
        elif operation == "GetItem":
            asked_key = json.loads(request.body)["Key"]["pk"]["S"]
            body = json.dumps({"Item": self.contacts[asked_key]} if asked_key in self.contacts else {})
        elif service == "dynamodb" and operation == "PutItem":
            body = "{}"
        elif operation == "SendRawEmail":
            body, content_type = SES_SENT.format(id=request_id), "text/xml"
        elif operation == "GetParameter":
            parameter = {"Name": SECRETS_PARAMETER, "Type": "SecureString", "Value": self.secrets_json, "Version": 1}
            body, content_type = json.dumps({"Parameter": parameter}), "application/x-amz-json-1.1"
        else:
            raise AssertionError(f"no null answer for {service}.{operation}: the bench would reach the network")
        headers = {"x-amzn-requestid": request_id, "content-type": content_type}
        return AWSResponse(request.url, 200, headers, _Body(body.encode()))


# --- running it -------------------------------------------------------------------------------------------------


def _environment() -> str:
    """The local stage's settings (`.chalice/config.json`) with fake credentials; returns a secrets document of the
    local stage's shape (fresh keys) for both handlers to read. Without devstack's helpers, which import boto3:
    the app itself no longer does, and the memory figure must be the app's own."""
    with open(os.path.join(ROOT, ".chalice", "config.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    os.environ.update(config.get("environment_variables", {}))
    os.environ.update(config["stages"]["local"].get("environment_variables", {}))
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    os.environ["LISTKEEPER_ORIGIN_SECRET"] = ORIGIN_SECRET  # the deployed handler refuses requests without it
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    return json.dumps(
        {
            "webhook_secrets": [WEBHOOK_SECRET],
            "api_keys": ["dev-api-key"],
            "token_keys": {"k1": base64.b64encode(os.urandom(32)).decode()},
            "active_token_key": "k1",
            "hash_peppers": {"p1": base64.b64encode(os.urandom(32)).decode()},
            "active_hash_pepper": "p1",
        }
    )


@contextmanager
def quiet_request_log() -> Iterator[None]:
    """The app's one JSON line per request still gets formatted and written, but to /dev/null, not the report."""
    from chalicelib.blueprints.middleware import logger

    handler = logger().registered_handler
    with open(os.devnull, "w") as sink:
        previous = handler.setStream(sink)  # type: ignore[attr-defined]
        try:
            yield
        finally:
            handler.setStream(previous)  # type: ignore[attr-defined]


class Requests:
    """Counts AWS requests by service and operation, through botocore's before-call event."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        self.counts[f"{model.service_model.service_name}.{model.name}"] += 1

    def per_call(self, calls: int) -> dict[str, float]:
        return {name: round(n / calls, 2) for name, n in sorted(self.counts.items()) if not name.startswith("ssm.")}


@dataclass
class Operation:
    name: str
    app_event: Callable[[int], dict[str, Any]]  # iteration -> event for the app
    raw_event: Callable[[int], dict[str, Any]]
    raw: Handler
    expect: str  # a fragment every answer must contain, so a silently failing handler cannot look fast


def _app_clients() -> tuple[Any, ...]:
    from chalicelib.adapters.aws import client

    return tuple(client(name) for name in ("dynamodb", "ses", "ssm", "events", "s3", "sqs"))


def _run(
    operation: Operation,
    app: Handler,
    warmup: int,
    rounds: int,
    budget: float,
    app_requests: Requests,
    raw_requests: Requests,
) -> dict[str, Any]:
    """Call the two handlers in turn, alternating which goes first, for `rounds` pairs or until `budget` seconds
    have passed (at least MIN_ROUNDS pairs). Each call is timed in CPU time of this thread (the handlers,
    moto in-process and the null transport all run on it), so other work on a shared machine does not enter it;
    wall time is kept beside it."""
    cpu: dict[str, list[float]] = {"app": [], "raw": []}
    wall: dict[str, list[float]] = {"app": [], "raw": []}
    handlers = {"app": app, "raw": operation.raw}
    builders = {"app": operation.app_event, "raw": operation.raw_event}
    deadline = time.monotonic() + budget
    for i in range(warmup + rounds):
        if i == warmup:
            app_requests.counts.clear()
            raw_requests.counts.clear()
            deadline = time.monotonic() + budget
        elif i >= warmup + MIN_ROUNDS and time.monotonic() > deadline:
            break
        for side in ("app", "raw") if i % 2 == 0 else ("raw", "app"):
            event, context = builders[side](i), LambdaContext()
            started, cpu_started = time.perf_counter(), time.thread_time()
            answer = handlers[side](event, context)
            cpu_used, wall_used = time.thread_time() - cpu_started, time.perf_counter() - started
            if answer["statusCode"] != 200 or operation.expect not in answer["body"]:
                raise AssertionError(f"{side} {operation.name}: {answer['statusCode']} {answer['body'][:300]}")
            if i >= warmup:
                cpu[side].append(cpu_used)
                wall[side].append(wall_used)
    calls = len(cpu["app"])
    half = calls // 2
    app_cpu, raw_cpu = statistics.median(cpu["app"]), statistics.median(cpu["raw"])
    return {
        "calls_each": calls,
        "app_median_cpu_ms": round(app_cpu * 1000, 3),
        "raw_median_cpu_ms": round(raw_cpu * 1000, 3),
        "ratio": round(app_cpu / raw_cpu, 3),
        "overhead_cpu_ms": round((app_cpu - raw_cpu) * 1000, 3),
        # drift within the run (a table that grows, a neighbour on the machine) shows as a change between halves
        "ratio_first_half": round(statistics.median(cpu["app"][:half]) / statistics.median(cpu["raw"][:half]), 3),
        "ratio_second_half": round(statistics.median(cpu["app"][half:]) / statistics.median(cpu["raw"][half:]), 3),
        "app_median_wall_ms": round(statistics.median(wall["app"]) * 1000, 3),
        "raw_median_wall_ms": round(statistics.median(wall["raw"]) * 1000, 3),
        "ratio_wall": round(statistics.median(wall["app"]) / statistics.median(wall["raw"]), 3),
        "requests_per_call_app": app_requests.per_call(calls),
        "requests_per_call_raw": raw_requests.per_call(calls),
    }


def _area(filename: str) -> str:
    """Which part of the stack a profiled function belongs to."""
    if filename == "~":
        return "C builtins"
    if "/site-packages/" in filename:
        return filename.split("/site-packages/", 1)[1].split("/", 1)[0]
    if filename.startswith(ROOT):
        parts = os.path.relpath(filename, ROOT).split(os.sep)
        return ".".join(parts[:2]).removesuffix(".py") if parts[0] == "chalicelib" else parts[0].removesuffix(".py")
    if "/lib/python" in filename:
        inside = filename.split("/lib/python", 1)[1].split("/", 2)
        return "stdlib " + (inside[1] if len(inside) > 2 else inside[-1].removesuffix(".py"))
    return filename


def _name(filename: str, line: int, function: str) -> str:
    if filename.startswith(ROOT):
        where = os.path.relpath(filename, ROOT)
    elif "/site-packages/" in filename:
        where = filename.split("/site-packages/", 1)[1]
    elif "/lib/python" in filename:
        where = filename.split("/lib/python", 1)[1].split("/", 1)[-1]
    else:
        where = filename
    return f"{where}:{line}({function})" if where != "~" else function


def _areas(handler: Handler, events: list[dict[str, Any]]) -> tuple[dict[str, float], pstats.Stats]:
    """Self time by area, as shares of the whole. (cProfile's own clock: a thread-CPU-time clock would be a system
    call per event and make the profile many times slower.)"""
    profiler = cProfile.Profile()
    profiler.enable()
    for event in events:
        handler(event, LambdaContext())
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_area: Counter[str] = Counter()
    for (filename, _, _), (_, _, tottime, _, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if filename != "~":
            by_area[_area(filename)] += tottime
            continue
        for caller, (_, _, caller_tt, _) in callers.items():  # a builtin's time goes to whoever called it
            by_area[_area(caller[0])] += caller_tt
    total = sum(by_area.values()) or 1.0
    return {area: t / total for area, t in by_area.items()}, stats


def _profile(operation: Operation, app: Handler, first: int, calls: int, measured: dict[str, Any]) -> dict[str, Any]:
    """Where the time goes: both handlers profiled (cProfile) on fresh events. Each area's share
    of a handler's self time (a builtin's time counted in the area that called it) is scaled to that handler's
    measured median. cProfile slows Python-level calls more than C code, so these are estimates; `components`
    times the pieces that differ directly."""
    app_share, stats = _areas(app, [operation.app_event(first + i) for i in range(calls)])
    raw_share, _ = _areas(operation.raw, [operation.raw_event(first + i) for i in range(calls)])

    def in_ms(share: dict[str, float], median: float) -> dict[str, float]:
        ranked = sorted(share.items(), key=lambda kv: -kv[1])
        return {area: round(part * median, 2) for area, part in ranked if part * median >= 0.05}

    rows = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in rows.values()) or 1.0
    own = sorted(rows.items(), key=lambda kv: -kv[1][2])
    ours = os.path.join(ROOT, "chalicelib")
    cumulative = sorted(
        (kv for kv in rows.items() if kv[0][0].startswith(ours) and kv[1][3] < 0.9 * total),
        key=lambda kv: -kv[1][3],
    )
    return {
        "profiled_calls": calls,
        "app_ms_by_area": in_ms(app_share, measured["app_median_cpu_ms"]),
        "raw_ms_by_area": in_ms(raw_share, measured["raw_median_cpu_ms"]),
        "app_self_time_top": [
            {
                "function": _name(*key),
                "share_pct": round(row[2] / total * 100, 1),
                "calls_per_request": round(row[1] / calls, 1),
            }
            for key, row in own[:12]
        ],
        "app_cumulative_top_in_chalicelib": [
            {"function": _name(*key), "share_pct": round(row[3] / total * 100, 1)} for key, row in cumulative[:12]
        ],
    }


def _cpu_ms(work: Callable[[], Any], rounds: int) -> float:
    work()
    started = time.thread_time()
    for _ in range(rounds):
        work()
    return round((time.thread_time() - started) * 1000 / rounds, 3)


def components(rounds: int = 100) -> dict[str, Any]:
    """The pieces of work where the two handlers differ, each timed alone in CPU time per request:
    - the email: the app builds it with the email package's EmailMessage (header values parsed and checked, CR/LF
      refused, non-ASCII encoded); the raw handler formats a string (a welcome email's content, both ways);
    - the framework: `GET /health` through the app (Chalice's dispatch, the middleware, the request log line)
      against a raw handler answering the same JSON;
    - the contact item: DynamoDB JSON to the domain's Contact and back twice (one read, two writes per one-click),
      where the raw handler edits the DynamoDB JSON in place."""
    from app import front as app  # the deployed handler: behind the function URL
    from chalicelib.adapters.dynamo_store import contact_from_item, contact_to_item
    from chalicelib.adapters.ses_mailer import build_mime
    from chalicelib.services.ports import OutgoingEmail

    url = "http://127.0.0.1:8000/u/k1.DZwdY0VDKvgtfzeuqEywSJlSFbegEKkl_7pb9MLS2aoVoMXOgZ8kb53lOF_cNjN_"
    headers = {
        "List-Unsubscribe": f"<{url}>, <mailto:unsubscribe+qtmgjwqmncrjvsjc@shop.example>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    values = {"t": Words("en"), "store": "Example Store", "preferences_url": url, "name": "Jane", "topics": []}
    templates = _mail_templates()
    text = templates.get_template("mail/welcome.txt").render(values)
    html = templates.get_template("mail/welcome.html").render(values)
    message = OutgoingEmail("welcome-804c88f9d1e2a76d0b7e", "jane@example.com", "Welcome", text, html, headers)
    unsubscribe = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    health = url_event("GET", "/health", {"User-Agent": "curl/8.5.0"}, "")

    def raw_health(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return _answer(200, json.dumps({"status": "ok"}))

    item = subscribed_item("C#p1:0", "jane@example.com", "e1", "cust-1", "Jane", "2026-11-25T10:00:00Z", 2)

    def codec() -> None:
        contact = contact_from_item(item)
        contact_to_item(contact, 3, "p1:0")
        contact_to_item(contact, 4, "p1:0")

    with quiet_request_log():
        framework = _cpu_ms(lambda: app(health, LambdaContext()), rounds) - _cpu_ms(
            lambda: raw_health(health, LambdaContext()), rounds
        )
    return {
        "email_app_build_mime_cpu_ms": _cpu_ms(lambda: build_mime(message, RawHandler.SENDER, "shop.example"), rounds),
        "email_raw_formatted_cpu_ms": _cpu_ms(
            lambda: _mime(RawHandler.SENDER, message.to, "Welcome", message.message_id, text, html, unsubscribe), rounds
        ),
        "framework_health_app_less_raw_cpu_ms": round(framework, 3),
        "contact_item_read_and_two_writes_cpu_ms": _cpu_ms(codec, rounds),
    }


def _operations(raw: RawHandler, issue: Callable[[str], str], prefix: str) -> list[Operation]:
    return [
        Operation(
            "one-click POST /u/{token} (subscribed contact, confirmation sent)",
            lambda i: one_click_event(issue(f"{prefix}-click-app-{i}@example.com")),
            lambda i: one_click_event(issue(f"{prefix}-click-raw-{i}@example.com")),
            raw.one_click,
            "unsubscribed",
        ),
        Operation(
            "customer.info_saved webhook (new subscriber, welcome sent)",
            lambda i: webhook_event(f"{prefix}-evt-app-{i}", f"{prefix}-new-app-{i}@example.com"),
            lambda i: webhook_event(f"{prefix}-evt-raw-{i}", f"{prefix}-new-raw-{i}@example.com"),
            raw.webhook,
            '"processed"',
        ),
    ]


def _subscribed_contacts(prefix: str, count: int, secrets_json: str) -> dict[str, dict[str, Any]]:
    at = _iso(datetime.now(UTC) - timedelta(days=30))
    contacts = {}
    for side in ("app", "raw"):
        for i in range(count):
            address = f"{prefix}-click-{side}-{i}@example.com"
            pk = contact_pk(address, secrets_json)
            contacts[pk] = subscribed_item(pk, address, f"seed-{side}-{i}", f"cust-{side}-{i}", "Jane", at, 2)
    return contacts


def _transport(
    name: str, secrets_json: str, warmup: int, rounds: int, budget: float, profile_calls: int, profile_always: bool
) -> dict[str, Any]:
    from chalicelib import wiring

    wiring.reset()
    contacts = _subscribed_contacts(name, warmup + rounds + profile_calls, secrets_json)
    null = NullTransport(secrets_json, contacts) if name == "null" else None
    raw = RawHandler()
    app_requests, raw_requests = Requests(), Requests()
    for clients, counter in ((_app_clients(), app_requests), (raw.clients, raw_requests)):
        for aws_client in clients:
            aws_client.meta.events.register("before-call", counter)
            if null is not None:
                aws_client.meta.events.register("before-send", null)
    if null is None:  # moto: the same subscribed contacts, written into the emulated table
        items = [{"PutRequest": {"Item": item}} for item in contacts.values()]
        for start in range(0, len(items), 25):
            raw.dynamodb.batch_write_item(RequestItems={TABLE: items[start : start + 25]})

    from app import front as app  # the deployed handler: behind the function URL

    def issue(address: str) -> str:
        deps = wiring.deps()
        return deps.secrets.get().tokens.issue(address, "*", deps.clock.now())

    results: dict[str, Any] = {}
    with quiet_request_log():
        for operation in _operations(raw, issue, name):
            measured = _run(operation, app, warmup, rounds, budget, app_requests, raw_requests)
            if measured["requests_per_call_app"] != measured["requests_per_call_raw"]:
                raise AssertionError(f"{operation.name}: the two handlers made different requests: {measured}")
            measured["target"] = TARGETS[name]
            measured["met"] = measured["ratio"] <= TARGETS[name]
            if profile_always or not measured["met"]:
                profiling = time.perf_counter()
                measured["profile"] = _profile(operation, app, warmup + rounds, profile_calls, measured)
                measured["profile"]["seconds"] = round(time.perf_counter() - profiling, 1)
            results[operation.name] = measured
    wiring.reset()
    return results


def measure(
    rounds: int = 400, budget: float = 20.0, warmup: int = 10, profile_calls: int = 8, profile_always: bool = False
) -> dict[str, Any]:
    """`rounds` pairs per operation at most, `budget` seconds of timed pairs per operation and transport (at least
    MIN_ROUNDS; the null transport may run twice the rounds in the same budget: its calls are cheaper), and
    `profile_calls` profiled calls of each handler for each missed target (twice as many on the null transport)."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    started = time.perf_counter()
    secrets_json = _environment()
    from moto import mock_aws

    from devstack.bootstrap import provision

    out: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    with mock_aws():
        provision(dict(os.environ), secrets_json)
        seconds["setup"] = round(time.perf_counter() - started, 1)
        out["moto"] = _transport("moto", secrets_json, warmup, rounds, budget, profile_calls, profile_always)
    seconds["moto"] = round(time.perf_counter() - started - sum(seconds.values()), 1)
    out["null"] = _transport("null", secrets_json, warmup, rounds * 2, budget, profile_calls * 2, profile_always)
    seconds["null"] = round(time.perf_counter() - started - sum(seconds.values()), 1)
    out["components"] = components()
    out["met"] = all(op["met"] for transport in ("moto", "null") for op in out[transport].values())
    out["seconds"] = seconds | {"total": round(time.perf_counter() - started, 1)}
    return out


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """The results-table rows of a `measure()` result: (name, measured, target, met), as bench/run.py prints them."""
    out = []
    for transport, label in (("moto", "moto"), ("null", "null transport")):
        for name, op in result[transport].items():
            short = name.split(" (")[0]
            out.append((f"overhead, {label}: {short}, app / raw (median CPU)", f"{op['ratio']:.2f}",
                        f"<= {op['target']}", op["met"]))  # fmt: skip
    return out


if __name__ == "__main__":
    print(json.dumps(measure(profile_always="--profile" in sys.argv), indent=2))
