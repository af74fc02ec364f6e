"""Hostile input in volume, one SECURITY.md threat at a time, through the whole Lambda (chalice.test.Client on
in-process moto). Each threat gets hundreds of generated attempts; each attempt is checked for the documented
answer, for no write (successful DynamoDB writes counted through botocore, and the table compared around each
batch), for no mail and for no 5xx. Every threat is recorded in the reliability report as `attack: <threat>`."""

import base64
import email
import hashlib
import hmac
import html
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import Message
from email.policy import default
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.adapters.aws import client as aws_client
from chalicelib.domain.signatures import sign
from chalicelib.domain.tokens import TokenCodec
from chalicelib.services.preferences import mask
from tests.functional.helpers import FORM, form_tag, subscribe, table_snapshot, topic_link
from tests.support.events import POSTAL, body_of, event
from tests.support.reliability import Outcome, assert_clean


def item_pk(address: str) -> str:
    """The partition key of an address's item (its keyed hash under the stage's pepper)."""
    return f"C#{wiring.store().key_of(address)}"


pytestmark = pytest.mark.reliability

SECRET = "dev-webhook-secret"
HOST = "127.0.0.1:8000"
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
# The headers listkeeper's mail may carry (adapters/ses_mailer.py); anything else would be an injected one.
MAIL_HEADERS = frozenset(
    {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "x-listkeeper-outbox",
        "mime-version",
        "content-type",
        "list-unsubscribe",
        "list-unsubscribe-post",
    }
)
PAGE_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
XSS = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    '<iframe src="//evil.example"></iframe>',
    '" onmouseover="alert(1)',
    "' autofocus onfocus='alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh content=0;url=//evil.example>",
    '<form action="//evil.example"><button>x</button></form>',
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<style>@import '//evil.example/x.css';</style>",
    '<img src="x` `<script>alert(1)</script>"` `>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<object data=javascript:alert(1)>",
    "<embed src=//evil.example/x.swf>",
    "<input type=hidden name=form_tag value=0>",
    '<div style="background:url(javascript:alert(1))">',
    "${store}${preferences_url}<b>",
    "Jane <b>bold</b> & 'quotes' \"double\"",
    "<<script>>alert(1)<</script>>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
]


@dataclass
class Watch:
    """What the system changes while one input is handled: the partition keys of successful DynamoDB writes, and the
    emails the emulated SES accepted."""

    sent_mail: Callable[[], list[Any]]
    written: list[str] = field(default_factory=list)
    _pending: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        events = aws_client("dynamodb").meta.events
        events.register("before-parameter-build.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self._pending = _keys_written(model.name, params) if model.name in WRITE_OPERATIONS else []

    def _after(self, http_response: Any, model: Any, **_: Any) -> None:
        if model.name in WRITE_OPERATIONS and http_response.status_code < 300:
            self.written.extend(self._pending)

    def mark(self) -> tuple[int, int]:
        return len(self.written), len(self.sent_mail())

    def since(self, mark: tuple[int, int]) -> tuple[list[str], list[Any]]:
        return self.written[mark[0] :], self.sent_mail()[mark[1] :]


def _keys_written(operation: str, params: dict[str, Any]) -> list[str]:
    if operation == "PutItem":
        return [params["Item"]["pk"]["S"]]
    if operation in ("UpdateItem", "DeleteItem"):
        return [params["Key"]["pk"]["S"]]
    keys = []
    for requests in params.get("RequestItems", {}).values():
        for request in requests:
            item = request.get("PutRequest", {}).get("Item") or request.get("DeleteRequest", {}).get("Key") or {}
            keys.append(item.get("pk", {}).get("S", "?"))
    for entry in params.get("TransactItems", []):
        for action in entry.values():
            keys.append((action.get("Item") or action.get("Key") or {}).get("pk", {}).get("S", "?"))
    return keys or ["?"]


@dataclass
class Tally:
    """One threat's attempts and what went wrong with them, recorded as `attack: <threat>`."""

    threat: str
    watch: Watch
    tried: int = 0
    wrong: list[str] = field(default_factory=list)
    http_5xx: int = 0
    crashes: int = 0
    allowed_writes: set[str] = field(default_factory=set)

    def attempt(
        self,
        label: str,
        send: Callable[[], Any],
        expect: Callable[[Any], bool],
        *,
        may_write: Callable[[str], bool] = lambda _key: False,
        may_mail: Callable[[Message], bool] = lambda _mail: False,
        acts: Callable[[Any], bool] = lambda _answer: True,
    ) -> Any:
        """Send one hostile input; it must get the expected answer, and write and mail only what is allowed (and
        only when `acts` says the answer is one that acted: a refusal may write nothing at all)."""
        self.tried += 1
        mark = self.watch.mark()
        try:
            answer = send()
        except Exception as exc:  # any escape from the handler is a crash to count
            self.crashes += 1
            self.wrong.append(f"{label}: crashed with {exc!r}")
            return None
        written, mail = self.watch.since(mark)
        if getattr(answer, "status_code", 0) >= 500:
            self.http_5xx += 1
            self.wrong.append(f"{label}: {answer.status_code}")
            return answer
        acted = acts(answer)
        problems = [f"wrote {key}" for key in written if not (acted and may_write(key))]
        self.allowed_writes.update(key for key in written if acted and may_write(key))
        problems += [f"mailed {m['To']}" for m in map(parsed_mail, mail) if not (acted and may_mail(m))]
        if not expect(answer):
            problems.append(f"answered {_describe(answer)}")
        if problems:
            self.wrong.append(f"{label}: " + "; ".join(problems))
        return answer

    def unchanged_since(self, before: list[Any], allowed: Callable[[str], bool] = lambda _pk: False) -> None:
        """The table around the batch: a change other than the writes allowed to single inputs is counted too."""
        after = table_snapshot()
        changed = [i for i in before if i not in after] + [i for i in after if i not in before]
        unexpected = [pk for pk in (i["pk"]["S"] for i in changed) if not (allowed(pk) or pk in self.allowed_writes)]
        if unexpected:
            self.wrong.append(f"table changed after the batch: {sorted(set(unexpected))[:5]}")

    def close(self) -> None:
        for line in self.wrong[:15]:
            print("wrong:", line)
        wrong = len(self.wrong) - self.http_5xx - self.crashes
        assert_clean(
            Outcome(
                category=f"attack: {self.threat}",
                tried=self.tried,
                wrong_state_changes=wrong,
                http_5xx=self.http_5xx,
                crashes=self.crashes,
            )
        )


def _describe(answer: Any) -> str:
    if hasattr(answer, "status_code"):
        return f"{answer.status_code} {answer.body[:120]!r}"
    return repr(answer)[:120]


def parsed_mail(raw: Any) -> Message:
    return email.message_from_string(raw.raw_data, policy=default)


def html_part(message: Message) -> str:
    return next(p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/html")


def error_code(answer: Any) -> str | None:
    try:
        return str(json.loads(answer.body)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def is_error(status: int, code: str) -> Callable[[Any], bool]:
    return lambda answer: answer.status_code == status and error_code(answer) == code


def is_status(*codes: str) -> Callable[[Any], bool]:
    def check(answer: Any) -> bool:
        try:
            return answer.status_code == 200 and json.loads(answer.body)["status"] in codes
        except (ValueError, KeyError, TypeError):
            return False

    return check


@pytest.fixture
def watch(aws: dict[str, str], sent_mail: Any) -> Watch:
    return Watch(sent_mail)


# --- storefront webhooks -------------------------------------------------------------------------------------------


def post_webhook(client: Client, body: bytes, signature: str | None, content_type: str = "application/json") -> Any:
    headers = {"Content-Type": content_type}
    if signature is not None:
        headers["Listkeeper-Signature"] = signature
    return client.http.post("/webhooks/storefront", headers=headers, body=body)


def _mac(header: str) -> str:
    return header.split("v1=", 1)[1]


def forged_signatures(rng: random.Random, body: bytes, now: int) -> list[tuple[str, bytes, str | None]]:
    """(what, body sent, Listkeeper-Signature) for every way of not holding the secret or not signing these bytes."""
    good = sign(SECRET, now, body)
    mac = _mac(good)
    hexdigits = "0123456789abcdef"
    out: list[tuple[str, bytes, str | None]] = []
    for _ in range(40):
        guess = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz-0123456789") for _ in range(rng.randint(1, 40)))
        out.append(("another secret", body, sign(guess, now, body)))
    for near in (SECRET.upper(), SECRET + " ", " " + SECRET, SECRET[:-1], SECRET + "\n", "dev_webhook_secret", "x"):
        out.append(("a near-miss secret", body, sign(near, now, body)))
    out.append(("the API key as secret", body, sign("dev-api-key", now, body)))
    for _ in range(60):
        at = rng.randrange(len(body))
        altered = body[:at] + bytes([body[at] ^ (1 << rng.randrange(7))]) + body[at + 1 :]
        out.append(("a body altered after signing", altered, good))
    for extra in (b" ", b"\n", b"\x00", b"{}", b'"x"'):
        out.append(("bytes added after signing", body + extra, good))
    out.append(("a BOM added after signing", b"\xef\xbb\xbf" + body, good))
    for _ in range(60):
        at = rng.randrange(64)
        flipped = mac[:at] + rng.choice([c for c in hexdigits if c != mac[at]]) + mac[at + 1 :]
        out.append(("a flipped signature digit", body, f"t={now},v1={flipped}"))
    for cut in (0, 1, 8, 32, 63):
        out.append(("a truncated signature", body, f"t={now},v1={mac[:cut]}"))
    for longer in (mac + "0", mac * 2, "0" + mac, mac + " 0"):
        out.append(("an extended signature", body, f"t={now},v1={longer}"))
    signed = f"{now}.".encode() + body
    for what, digest in (
        ("HMAC over the body alone", hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()),
        ("HMAC without the dot", hmac.new(SECRET.encode(), f"{now}".encode() + body, hashlib.sha256).hexdigest()),
        ("a keyless SHA-256", hashlib.sha256(signed).hexdigest()),
        ("HMAC-SHA1", hmac.new(SECRET.encode(), signed, hashlib.sha1).hexdigest()),
        ("HMAC-SHA512", hmac.new(SECRET.encode(), signed, hashlib.sha512).hexdigest()),
        ("HMAC-MD5", hmac.new(SECRET.encode(), signed, hashlib.md5).hexdigest()),
        ("HMAC keyed with the body", hmac.new(body, SECRET.encode(), hashlib.sha256).hexdigest()),
        ("base64 instead of hex", base64.b64encode(bytes.fromhex(mac)).decode()),
    ):
        out.append((what, body, f"t={now},v1={digest}"))
    out.append(("a signature for another second", body, f"t={now},v1={_mac(sign(SECRET, now - 1, body))}"))
    for header in (
        None,
        "",
        " ",
        ",",
        "t=,v1=",
        f"v1={mac}",
        f"t={now}",
        f"t={now};v1={mac}",
        f"t={now} v1={mac}",
        f"T={now},V1={mac}",
        f"t={now},v0={mac}",
        f"t={now},v2={mac}",
        f"t={now},v1 ={mac}",
        f"t={now},sig={mac}",
        f"t={now}.0,v1={mac}",
        f"t=+{now},v1={mac}",
        f"t=-{now},v1={mac}",
        f"t={now}000,v1={mac}",
        f"t=0x{now:x},v1={mac}",
        f"t={now},v1={mac}," + "v1=0," * 1000,  # a genuine signature, but past the header length limit
        f"t={now},v1=" + "0" * 5000,
        "Bearer dev-api-key",
        f"sha256={mac}",
    ):
        out.append(("a malformed header", body, header))
    return out


def test_forged_replayed_stale_and_reserialised_webhooks_change_nothing(
    client: Client, watch: Watch, sent_mail: Any
) -> None:
    rng = random.Random(3161)
    now = int(time.time())
    before = table_snapshot()

    forged = Tally("forged webhooks", watch)
    bodies = set()
    for index, (what, body, header) in enumerate(
        forged_signatures(rng, body_of(event("evt_forged", email="victim@example.com", postal_address=POSTAL)), now)
    ):
        answer = forged.attempt(
            f"{index} {what}: {header!r:.60}",
            lambda body=body, header=header: post_webhook(client, body, header),
            is_error(401, "invalid_signature"),
        )
        if answer is not None:
            bodies.add(answer.body)
    forged.unchanged_since(before)
    if len(bodies) != 1:
        forged.wrong.append(f"the 401s differ: {len(bodies)} different bodies")  # every failure must look alike
    forged.close()

    # The genuine deliveries the replays copy; they also show that the watch does see writes.
    originals = [event(f"evt_replay_{i}", email=f"replay{i}@example.com", name=f"Replay {i}") for i in range(6)]
    deliveries = []
    for payload in originals:
        body = body_of(payload)
        header = sign(SECRET, int(time.time()), body)
        mark = watch.mark()
        answer = post_webhook(client, body, header)
        assert answer.status_code == 200 and is_status("processed")(answer), answer.body
        written, mail = watch.since(mark)
        assert item_pk(payload["data"]["email"]) in written and len(mail) == 1
        deliveries.append((payload, body, header))
    before = table_snapshot()

    replayed = Tally("replayed or stale webhooks", watch)
    for index, (payload, body, header) in enumerate(deliveries):
        for copy in range(2):
            replayed.attempt(
                f"{index} the captured request again ({copy})",
                lambda body=body, header=header: post_webhook(client, body, header),
                is_status("duplicate"),
            )
        replayed.attempt(
            f"{index} redelivered with a fresh signature",
            lambda body=body: post_webhook(client, body, sign(SECRET, int(time.time()) - rng.randrange(290), body)),
            is_status("duplicate"),
        )
        stale = [now - 301 - rng.randrange(10**7) for _ in range(6)] + [now + 301 + rng.randrange(10**7), 0, 1]
        stale += [now - 86400 * 365, now + 86400, 10**12 - 1]
        for at in stale:
            replayed.attempt(
                f"{index} signed for t={at}",
                lambda body=body, at=at: post_webhook(client, body, sign(SECRET, at, body)),
                is_error(401, "invalid_signature"),
            )
        for what, change in (
            ("another address", {"email": "attacker@evil.example"}),
            ("another name", {"name": "Mallory"}),
            ("an added postal address", {"postal_address": POSTAL}),
            ("another customer", {"customer_id": "cust-evil"}),
        ):
            reused = {**payload, "data": {**payload["data"], **change}}
            replayed.attempt(
                f"{index} the id reused with {what}",
                lambda reused=reused: post_webhook(
                    client, body_of(reused), sign(SECRET, int(time.time()), body_of(reused))
                ),
                is_error(409, "event_id_reused"),
            )
        reused_at = {**payload, "created_at": "2026-01-01T00:00:00Z"}
        replayed.attempt(
            f"{index} the id reused with another created_at",
            lambda reused=reused_at: post_webhook(
                client, body_of(reused), sign(SECRET, int(time.time()), body_of(reused))
            ),
            is_error(409, "event_id_reused"),
        )
    replayed.unchanged_since(before)
    replayed.close()

    reserialised = Tally("re-serialised payloads", watch)
    for index, (payload, body, header) in enumerate(deliveries):
        variants = reserialisations(payload)
        for number, copy in enumerate(variants + respaced(rng, body, 20)):
            # the storefront's signature covers its own bytes: any other serialisation of them is unsigned
            reserialised.attempt(
                f"{index}.{number} re-serialised under the original signature",
                lambda copy=copy, header=header: post_webhook(client, copy, header),
                is_error(401, "invalid_signature"),
            )
        copy = variants[index % len(variants)]
        reserialised.attempt(
            f"{index} re-serialised and signed again",
            lambda copy=copy: post_webhook(client, copy, sign(SECRET, int(time.time()), copy)),
            is_status("duplicate"),
        )
        smuggled = body.replace(b'"data": {', b'"data": {"email": "attacker@evil.example", ', 1)
        for what, copy in (
            ("a duplicate key smuggling another address", smuggled.replace(b'"email": "replay', b'"x": "replay', 1)),
            ("a second email key", body.replace(b"}}", b', "email": "attacker@evil.example"}}')),
        ):
            reserialised.attempt(
                f"{index} {what}",
                lambda copy=copy: post_webhook(client, copy, sign(SECRET, int(time.time()), copy)),
                is_error(409, "event_id_reused"),
            )
    reserialised.unchanged_since(before)
    reserialised.close()


def respaced(rng: random.Random, body: bytes, count: int) -> list[bytes]:
    """The body with whitespace added after a comma or colon: mostly the same JSON, always other bytes."""
    out = []
    for _ in range(count):
        marks = [i for i, byte in enumerate(body) if byte in b",:"]
        at = rng.choice(marks) + 1
        out.append(body[:at] + rng.choice([b" ", b"\n", b"\t", b"\r\n  "]) + body[at:])
    return out


def reserialisations(payload: dict[str, Any]) -> list[bytes]:
    """The same event as parsed JSON, written out other ways."""
    plain = json.dumps(payload)
    reordered = {key: payload[key] for key in reversed(list(payload))}
    return [
        json.dumps(payload, indent=2).encode(),
        json.dumps(payload, sort_keys=True).encode(),
        json.dumps(payload, separators=(",", ":")).encode(),
        json.dumps(reordered).encode(),
        plain.replace("e", "\\u0065").encode(),  # no literal e outside strings in these payloads
        json.dumps(payload, separators=(" , ", " : ")).encode(),
        (plain + "\n").encode(),
        (" \t\r\n" + plain).encode(),
    ]


# --- links ---------------------------------------------------------------------------------------------------------

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def bad_tokens(rng: random.Random, good: list[str]) -> list[tuple[str, str]]:
    """(what, token) for altered, truncated, foreign-key, expired and made-up link tokens."""
    codec = wiring.deps().secrets.get().tokens
    now = wiring.deps().clock.now()
    out: list[tuple[str, str]] = []
    for token in good:
        for _ in range(16):
            at = rng.randrange(3, len(token))
            out.append(("altered", token[:at] + rng.choice([c for c in B64URL if c != token[at]]) + token[at + 1 :]))
        for cut in range(1, len(token), 4):
            out.append(("truncated", token[:cut]))
        for suffix in ("A", "AA", "==", ".", "~", "%00"):
            out.append(("extended", token + suffix))
        body = token.partition(".")[2]
        for kid in ("k2", "K1", "k", "k10", "", "k1.k1", "0"):
            out.append(("another key id", f"{kid}.{body}"))
        out.append(("two tokens", token + token))
        out.append(("reversed", token[::-1]))
    for _ in range(25):
        foreign = TokenCodec({"k1": rng.randbytes(32)}, "k1")
        out.append(("sealed with a foreign key", foreign.issue("jane@example.com", "*", now)))
        kid = rng.choice(["k2", "k9", "old", "a1b2"])
        out.append(
            ("sealed under an unknown key id", TokenCodec({kid: rng.randbytes(32)}, kid).issue("jane@x.org", "*", now))
        )
    for days in (731, 800, 1000):
        out.append(("expired", codec.issue("jane@example.com", "*", now - timedelta(days=days))))
    for days in (8, 30):
        out.append(
            ("a stale confirmation", codec.issue("jane@example.com", "optin:promotions", now - timedelta(days=days)))
        )
    for _ in range(30):
        text = "".join(rng.choice(B64URL) for _ in range(rng.randint(1, 120)))
        out.append(("made up", rng.choice(["", "k1."]) + text))
    for text in ("k1." + "A" * 2000, "k1." + "A" * 1022, "%2e%2e", "k1.%0d%0aSet-Cookie:x=1", "k1.%00", "null", "0"):
        out.append(("made up", text))
    return out


def bad_links_get_one_neutral_page_and_write_nothing(client: Client, watch: Watch, welcome_link: str) -> None:
    rng = random.Random(8058)
    good = [welcome_link.removeprefix("/u/"), topic_link(client, "surveys").removeprefix("/u/")]
    tag = form_tag(client.http.get(welcome_link).body.decode())
    before = table_snapshot()
    tally = Tally("link tokens", watch)
    neutral: set[bytes] = set()

    def neutral_page(answer: Any) -> bool:
        headers_ok = (
            all(answer.headers.get(k) == v for k, v in PAGE_HEADERS.items()) and "Set-Cookie" not in answer.headers
        )
        if answer.status_code == 400 and headers_ok:
            neutral.add(answer.body)
            return True
        return False

    for index, (what, token) in enumerate(bad_tokens(rng, good)):
        path = f"/u/{token}"
        label = f"{index} {what} {token[:24]}…"
        tally.attempt(f"GET {label}", partial(client.http.get, path), neutral_page)
        tally.attempt(f"HEAD {label}", partial(client.http.head, path), neutral_page)
        tally.attempt(
            f"one-click {label}",
            partial(client.http.post, path, headers={"Content-Type": FORM}, body=b"List-Unsubscribe=One-Click"),
            neutral_page,
        )
        if index % 3 == 0:  # a form post carrying the genuine page's tag: still the link decides
            form = urlencode([("form_tag", tag), ("action", "unsubscribe_all")]).encode()
            tally.attempt(
                f"form {label}",
                partial(client.http.post, path, headers={"Content-Type": FORM, "Host": HOST}, body=form),
                neutral_page,
            )
    tally.unchanged_since(before)
    if len(neutral) != 1 or b"This link cannot be used" not in next(iter(neutral), b""):
        tally.wrong.append(f"bad links got {len(neutral)} different pages")
    tally.close()


SCANNER_HEADERS = [
    {"User-Agent": "Mozilla/5.0 (compatible; Barracuda Sentinel)"},
    {"User-Agent": "Microsoft Office Protocol Discovery", "Accept": "*/*"},
    {"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Safe Links", "Purpose": "prefetch"},
    {"User-Agent": "Slackbot-LinkExpanding 1.0", "Sec-Purpose": "prefetch;prerender"},
    {"User-Agent": "facebookexternalhit/1.1", "X-Moz": "prefetch"},
    {"User-Agent": "Googlebot/2.1", "Range": "bytes=0-1023"},
    {"User-Agent": "curl/8.0", "If-None-Match": '"x"', "Cookie": "session=1"},
    {"User-Agent": "Proofpoint URL Defense", "Accept": "text/html", "Sec-Fetch-Site": "none"},
]
NOT_ONE_CLICK = [
    (FORM, b"List-Unsubscribe=One-Click&x=1"),
    (FORM, b"list-unsubscribe=one-click"),
    (FORM, b"List-Unsubscribe=one-click"),
    (FORM, b"List-Unsubscribe=One-Click "),
    (FORM, b"List-Unsubscribe=One-Click;"),
    (FORM, b"List-Unsubscribe=One-Click&List-Unsubscribe=One-Click"),
    (FORM, b"List-Unsubscribe="),
    (FORM, b"=One-Click"),
    (FORM, b"One-Click"),
    (FORM, b"List-Unsubscribe"),
    (FORM, b"List-Unsubscribe=One+Click"),
    (FORM, b"List-Unsubscribe=OneClick"),
    (FORM, b"List_Unsubscribe=One-Click"),
    (FORM, b"List-Unsubscribe=One-Click%00"),
    (FORM, b"\xff\xfeList-Unsubscribe=One-Click"),
    (FORM, b""),
    ("text/plain", b"List-Unsubscribe=One-Click"),
    ("application/json", b'{"List-Unsubscribe": "One-Click"}'),
    ("application/xml", b"<List-Unsubscribe>One-Click</List-Unsubscribe>"),
    ("multipart/form-data", b"List-Unsubscribe=One-Click"),
    (
        "multipart/form-data; boundary=b",
        b'--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n'
        b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n',
    ),
    (
        "multipart/form-data; boundary=b",
        b'--b\r\nContent-Disposition: form-data; name="list-unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n',
    ),
    ("multipart/form-data; boundary=b", b"--b--\r\n"),
]


def scanners_and_link_previews_change_nothing(client: Client, watch: Watch, welcome_link: str) -> None:
    rng = random.Random(3834)
    links = [welcome_link, topic_link(client, "promotions")]
    before = table_snapshot()
    tally = Tally("mail scanners", watch)
    for path in links:
        for headers in SCANNER_HEADERS:
            query = rng.choice(["", "?utm_source=mail&utm_medium=email", "?x=1&List-Unsubscribe=One-Click", "?"])
            for method in ("GET", "HEAD"):
                tally.attempt(
                    f"{method} {headers['User-Agent']} {query}",
                    partial(client.http.request, method, path + query, headers=headers),
                    lambda answer: (
                        answer.status_code == 200 and answer.headers.get("X-Robots-Tag", "").startswith("noindex")
                    ),
                )
    for index in range(160):  # posts that a scanner, a preview or a stray client might make: never a removal
        content_type, body = NOT_ONE_CLICK[index % len(NOT_ONE_CLICK)]
        headers = {"Content-Type": content_type, **SCANNER_HEADERS[index % len(SCANNER_HEADERS)]}
        path = links[index % 2] + ("?List-Unsubscribe=One-Click" if index % 5 == 0 else "")
        tally.attempt(
            f"POST {content_type} {body[:40]!r}",
            lambda path=path, headers=headers, body=body: client.http.post(path, headers=headers, body=body),
            lambda answer: answer.status_code == 400 and b"Nothing was changed" in answer.body,
        )
    tally.unchanged_since(before)
    tally.close()


def save_form(client: Client, path: str, fields: list[tuple[str, str]], headers: dict[str, str]) -> Any:
    return client.http.post(path, headers={"Content-Type": FORM, **headers}, body=urlencode(fields).encode())


EVIL_ORIGINS = [
    "https://evil.example",
    "http://evil.example",
    "https://127.0.0.1.evil.example",
    "http://127.0.0.1:8000.evil.example",
    "http://127.0.0.1:8000@evil.example",
    "http://evil.example#@127.0.0.1:8000",
    "http://127.0.0.1:8001",
    "http://127.0.0.2:8000",
    "http://localhost:8000",
    "http://[::1]:8000",
    "https://shop.example",
    "file://",
    "chrome-extension://abcdef",
    "http://127.0.0.1",
    "https://xn--80ak6aa92e.example",
]


def cross_site_posts_and_forged_form_tags_change_nothing(client: Client, watch: Watch, welcome_link: str) -> None:
    rng = random.Random(6265)
    page = client.http.get(welcome_link).body.decode()
    tag = form_tag(page)
    shown = ["updates", "surveys", "promotions", "catalog", "partner_sharing"]
    others = [form_tag(client.http.get(topic_link(client, t)).body.decode()) for t in ("surveys", "catalog")]
    others += [
        form_tag(client.http.get(topic_link(client, "updates", f"o{i}@example.com")).body.decode()) for i in range(3)
    ]
    actions = [
        [("action", "unsubscribe_all")],
        [("action", "stop_postal")],
        [("action", "save")] + [("shown", t) for t in shown],  # every box unticked
        [("action", "save")] + [("shown", t) for t in shown] + [("topic", "promotions")],
    ]
    forged: list[tuple[str, list[tuple[str, str]], dict[str, str]]] = []
    same_site = {"Host": HOST}
    for _ in range(40):
        forged.append(("a random tag", [("form_tag", rng.randbytes(16).hex())], same_site))
    for at in range(32):
        changed = tag[:at] + rng.choice([c for c in "0123456789abcdef" if c != tag[at]]) + tag[at + 1 :]
        forged.append(("an altered tag", [("form_tag", changed)], same_site))
    for cut in range(0, 32, 2):
        forged.append(("a truncated tag", [("form_tag", tag[:cut])], same_site))
    for longer in (tag + "0", tag * 2, " " + tag, tag.upper(), tag + "\x00", "0" * 32, "f" * 64):
        forged.append(("a padded or recased tag", [("form_tag", longer)], same_site))
    for other in others:
        forged.append(("another link's tag", [("form_tag", other)], same_site))
    forged.append(("no tag", [], same_site))
    forged.append(("an empty tag", [("form_tag", "")], same_site))
    forged.append(("the tag under another name", [("form-tag", tag)], same_site))
    for origin in EVIL_ORIGINS:
        forged.append(("a cross-site Origin", [("form_tag", tag)], {**same_site, "Origin": origin}))
        if origin.partition("//")[2]:  # an Origin with no host at all is judged against the Host header
            forged.append(("a cross-site Origin, no Host", [("form_tag", tag)], {"Origin": origin}))
    for site_headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
        {"Sec-Fetch-Site": "cross-site", "Origin": f"http://{HOST}"},
        {"Sec-Fetch-Site": "cross-site", "Referer": f"http://{HOST}/u/x"},
    ):
        forged.append(("Sec-Fetch-Site: cross-site", [("form_tag", tag)], {**same_site, **site_headers}))
    before = table_snapshot()
    tally = Tally("csrf", watch)
    for index, (what, tag_fields, headers) in enumerate(forged * 2):
        fields = tag_fields + actions[index % len(actions)]
        tally.attempt(
            f"{index} {what} {fields[:2]} {headers}",
            lambda fields=fields, headers=headers: save_form(client, welcome_link, fields, headers),
            lambda answer: answer.status_code == 400 and b"Nothing was changed" in answer.body,
        )
    tally.unchanged_since(before)
    tally.close()
    # The genuine page posted from itself works (so the refusals above are not of everything): browsers send
    # Origin: null from a page under Referrer-Policy: no-referrer.
    genuine = [("form_tag", tag), ("action", "stop_postal")]
    mark = watch.mark()
    answer = save_form(client, welcome_link, genuine, {"Host": HOST, "Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert answer.status_code == 200 and item_pk("jane@example.com") in watch.since(mark)[0]
    answer = save_form(client, welcome_link, genuine, {"Host": HOST, "Origin": f"http://{HOST}"})
    assert answer.status_code == 200 and "Nothing needed to change" in answer.body.decode()


# Several threats share one test: each emulated AWS costs seconds to set up, and each threat is still recorded and
# asserted on its own.
def test_bad_links_scanners_and_cross_site_posts_change_nothing(
    client: Client, watch: Watch, welcome_link: str
) -> None:
    bad_links_get_one_neutral_page_and_write_nothing(client, watch, welcome_link)
    scanners_and_link_previews_change_nothing(client, watch, welcome_link)
    cross_site_posts_and_forged_form_tags_change_nothing(client, watch, welcome_link)


# --- what is echoed ------------------------------------------------------------------------------------------------


def _dangerous(payload: str) -> bool:
    return any(c in payload for c in "<>\"'&")


def not_echoed(payload: str, status: int, also: Callable[[Any], bool] = lambda _answer: True) -> Callable[[Any], bool]:
    return lambda answer: (
        also(answer)
        and (
            answer.status_code == status
            and (not _dangerous(payload) or payload.encode() not in answer.body)
            and b"<script" not in answer.body.lower()
        )
    )


def shown_as_text(value: str, page: str) -> bool:
    """The value reads as itself on the page, and none of its characters that mean something in HTML is raw."""
    special = any(c in value for c in "<>&\"'")
    return value in html.unescape(page) and (not special or value not in page)


def nothing_is_echoed_unescaped(client: Client, watch: Watch, welcome_link: str) -> None:
    tag = form_tag(client.http.get(welcome_link).body.decode())
    before = table_snapshot()
    tally = Tally("xss", watch)
    same_site = {"Host": HOST}
    for index, payload in enumerate(XSS):
        for what, fields, status in (
            ("action", [("form_tag", tag), ("action", payload)], 400),
            ("a shown topic", [("form_tag", tag), ("action", "save"), ("shown", payload)], 400),
            ("a ticked topic", [("form_tag", tag), ("action", "save"), ("shown", "updates"), ("topic", payload)], 400),
            ("the form tag", [("form_tag", payload), ("action", "save")], 400),
            ("a field name", [("form_tag", tag), ("action", "save"), (payload, "1")], 200),
            ("a field value", [("form_tag", tag), ("action", "save"), ("note", payload)], 200),
        )[: 6 if index % 3 == 0 else 4]:  # the accepted ones read the contact: fewer of them
            tally.attempt(
                f"{index} {what}: {payload}",
                lambda fields=fields: save_form(client, welcome_link, fields, same_site),
                not_echoed(payload, status),
            )
        tally.attempt(
            f"{index} in the link: {payload}",
            lambda payload=payload: client.http.get("/u/" + quote(payload, safe="")),
            not_echoed(payload, 400),
        )
        tally.attempt(
            f"{index} in the one-click link: {payload}",
            lambda payload=payload: client.http.post(
                "/u/k1." + quote(payload, safe=""), headers={"Content-Type": FORM}, body=b"List-Unsubscribe=One-Click"
            ),
            not_echoed(payload, 400),
        )
        contest = event(
            f"evt_xss_contest_{index}",
            "contest.entered",
            contest_id=payload,
            contest_ends_at="2099-01-01T00:00:00Z",
            marketing_opt_in=True,
        )
        tally.attempt(
            f"{index} contest id: {payload}",
            lambda contest=contest: post_webhook(
                client, body_of(contest), sign(SECRET, int(time.time()), body_of(contest))
            ),
            not_echoed(payload, 400, is_error(400, "invalid_field")),
        )
        for path, body, code in (
            ("/v1/unsubscribe-links", {"recipient": "jane@example.com", "topic": payload}, "invalid_topic"),
            (
                "/v1/unsubscribe-links",
                {"recipient": "jane@example.com", "topic": f"contest:{payload}"},
                "invalid_topic",
            ),
            (
                "/v1/eligibility",
                {"channel": "email", "topic": f"acquired:{payload}", "recipients": []},
                "invalid_topic",
            ),
            ("/v1/imports", {"source": payload, "records": [{"email": "jane@example.com"}]}, "invalid_source"),
        ):
            tally.attempt(
                f"{index} {path}: {payload}",
                lambda path=path, body=body: client.http.post(
                    path,
                    headers={"Content-Type": "application/json", "Authorization": "Bearer dev-api-key"},
                    body=json.dumps(body),
                ),
                is_error(400, code),
            )
    tally.unchanged_since(before)

    # Names are kept as given and escaped wherever they are shown: the welcome email's HTML.
    def escaped_in_welcome(payload: str, address: str) -> Callable[[Message], bool]:
        def check(mail: Message) -> bool:
            text = html_part(mail)
            raw_gone = not _dangerous(payload) or payload not in text
            return mail["To"] == address and raw_gone and shown_as_text(payload, text) and "<script" not in text.lower()

        return check

    for index, payload in enumerate(XSS[::2]):
        address = f"xss{index}@example.com"
        signup = event(f"evt_xss_name_{index}", email=address, name=payload)
        tally.attempt(
            f"{index} name: {payload}",
            lambda signup=signup: post_webhook(
                client, body_of(signup), sign(SECRET, int(time.time()), body_of(signup))
            ),
            is_status("processed"),
            may_write=keys_of(address),
            may_mail=escaped_in_welcome(payload, address),
        )
    # The masked address on the page: the characters an address may hold that mean something in HTML.
    for local in ("&'x", "'&y", "&amp", "a&#", "x'", "'"):
        address = f"{local}@example.com"
        tally.attempt(
            f"a link for {address}",
            lambda address=address: client.http.get(topic_link(client, "updates", address)),
            lambda answer, address=address: (
                answer.status_code == 200 and shown_as_text(mask(address), answer.body.decode())
            ),
            may_write=lambda key: False,
        )
    tally.close()


# --- mail that listkeeper sends -------------------------------------------------------------------------------------

CONTROL_CHARS = ["\r\n", "\n", "\r", "\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x08", "\t", "\r\r\n", "\n\r"]
LINE_BREAKING = [c for c in CONTROL_CHARS if c != "\x7f"]  # what an imported name is checked for
INJECTED = [
    "Bcc: evil@evil.example",
    "X-Injected: 1",
    "Content-Type: text/html",
    "To: evil@evil.example",
    "",
    "<b>x</b>",
]
# The email package decodes RFC 2047 encoded-words even inside an address, where RFC 2047 §5 forbids them.
ENCODED_ADDRESSES = [
    "=?utf-8?q?a=40evil.example=2c_b?=@example.com",
    "=?utf-8?q?x=0d=0abcc=3a_evil=40evil.example?=@example.com",
    "=?utf-8?q?=22x=22_=3cvictim=40evil.example=3e?=@example.com",
    "=?utf-8?b?ZXZpbEBldmlsLmV4YW1wbGUs?=@example.com",
    "=?iso-8859-1?q?x=0aX-Injected=3a_1?=@example.com",
    "jane@=?utf-8?q?evil.example?=",
    "=?utf-8?q?jane?=@example.com",
]
SEPARATORS = ["\u2028", "\u2029", "\x85", "\u000b\u2028", "\u200b", "\ufeff", "\u202e", "=?utf-8?q?=0d=0a?=", "%0d%0a"]


def keys_of(address: str) -> Callable[[str], bool]:
    """The items a webhook about `address` writes: its contact, the event id's claim, its mailto: handles."""
    return lambda key: key == item_pk(address) or key.startswith("E#")


def mail_is_clean(recipient: str) -> Callable[[Message], bool]:
    def check(mail: Message) -> bool:
        names = {name.lower() for name in mail}
        to = mail.get_all("To") or []
        return (
            names <= MAIL_HEADERS and len(to) == 1 and [str(a.addr_spec) for a in mail["To"].addresses] == [recipient]
        )

    return check


def raw_mail(from_header: str | None, body: str, subject: str = "Mailing list", extra: tuple[str, ...] = ()) -> bytes:
    lines = [f"From: {from_header}"] if from_header is not None else []
    lines += ["To: support@shop.example", f"Subject: {subject}", "Message-ID: <m@mail.example>", *extra]
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode("utf-8", errors="surrogateescape")


def deliver(
    client: Client,
    raw: bytes,
    message_id: str,
    *,
    verdicts: tuple[str, str, str] = ("PASS", "PASS", "PASS"),
    envelope_sender: str = "bounces@evil.example",
    recipients: tuple[str, ...] = ("support@shop.example",),
    via: str = "SNS",
) -> Any:
    """`inbound_email` as SES receiving invokes it: the raw message inline (the SNS action, Base64) or stored by the
    S3 action (for messages too large for a notification)."""
    spf, dkim, dmarc = verdicts
    notification: dict[str, Any] = {
        "notificationType": "Received",
        "mail": {"messageId": message_id, "source": envelope_sender, "destination": list(recipients)},
        "receipt": {
            "recipients": list(recipients),
            "spfVerdict": {"status": spf},
            "dkimVerdict": {"status": dkim},
            "dmarcVerdict": {"status": dmarc},
            "action": {"type": "SNS", "encoding": "BASE64"},
        },
    }
    if via == "S3":
        aws_client("s3").put_object(Bucket="listkeeper-local", Key=f"inbound/{message_id}", Body=raw)
        notification["receipt"]["action"] = {
            "type": "S3",
            "bucketName": "listkeeper-local",
            "objectKey": f"inbound/{message_id}",
        }
    else:
        notification["content"] = base64.b64encode(raw).decode()
    event = client.events.generate_sns_event(message=json.dumps(notification))
    return client.lambda_.invoke("inbound_email", event).payload


def header_injection_is_rejected_or_folded(client: Client, watch: Watch) -> None:
    rng = random.Random(5322)
    before = table_snapshot()
    tally = Tally("header injection", watch)

    def signed_post(payload: dict[str, Any]) -> Any:
        return post_webhook(client, body_of(payload), sign(SECRET, int(time.time()), body_of(payload)))

    count = 0
    for control in CONTROL_CHARS:
        for injected in INJECTED:
            for where in ("name", "order", "contest", "postal", "user_agent")[count % 5 :][:2]:
                count += 1
                text = rng.choice(["Jane", "J", "Jane Doe"]) + control + injected + rng.choice(["", control, " x"])
                address = f"inj{count}@example.com"
                if where == "name":
                    payload = event(f"evt_inj_{count}", email=address, name=text)
                elif where == "order":
                    payload = event(f"evt_inj_{count}", "order.placed", email=address, name=text)
                elif where == "contest":
                    payload = event(
                        f"evt_inj_{count}",
                        "contest.entered",
                        email=address,
                        name=text,
                        contest_id="spring",
                        contest_ends_at="2099-01-01T00:00:00Z",
                        marketing_opt_in=True,
                    )
                elif where == "postal":
                    payload = event(f"evt_inj_{count}", email=address, postal_address={**POSTAL, "line1": text})
                else:
                    payload = event(f"evt_inj_{count}", email=address, user_agent=text)
                # refused, or (a control character only at the end, stripped) folded away: never a header
                tally.attempt(
                    f"{where} {text!r}",
                    lambda payload=payload: signed_post(payload),
                    lambda answer: is_error(400, "invalid_field")(answer) or is_status("processed")(answer),
                    acts=is_status("processed"),
                    may_write=keys_of(address),
                    may_mail=mail_is_clean(address),
                )
    for control in CONTROL_CHARS[:5]:
        for injected in INJECTED[:4]:
            for template in ("jane@example.com{c}{i}", "ja{c}{i}ne@example.com", "{i}{c}jane@example.com"):
                count += 1
                address = template.format(c=control, i=injected)
                for kind in ("customer.info_saved", "order.placed"):
                    payload = event(f"evt_inj_{count}_{kind}", kind, email=address)
                    tally.attempt(
                        f"address {address!r}",
                        lambda payload=payload: signed_post(payload),
                        is_error(400, "invalid_address"),
                    )
    for index, address in enumerate(ENCODED_ADDRESSES):
        for kind in ("customer.info_saved", "order.placed"):
            payload = event(f"evt_encoded_{index}_{kind}", kind, email=address)
            tally.attempt(
                f"encoded-word address {address!r}",
                lambda payload=payload: signed_post(payload),
                is_error(400, "invalid_address"),
            )
        tally.attempt(
            f"encoded-word address on the API {address!r}",
            lambda address=address: client.http.post(
                "/v1/unsubscribe-links",
                headers={"Content-Type": "application/json", "Authorization": "Bearer dev-api-key"},
                body=json.dumps({"recipient": address, "topic": "updates"}),
            ),
            is_error(400, "invalid_address"),
        )
    records = [
        {"email": f"imp{i}@example.com", "name": f"Imp{c}{h}"}
        for i, (c, h) in enumerate((c, h) for c in LINE_BREAKING for h in INJECTED[:4])
    ]
    records += [{"email": address} for address in ENCODED_ADDRESSES]
    answer = client.http.post(
        "/v1/imports",
        headers={"Content-Type": "application/json", "Authorization": "Bearer dev-api-key"},
        body=json.dumps({"source": "fairco", "records": records}),
    )
    tally.tried += len(records)
    if answer.status_code != 200 or answer.json_body != {
        "imported": 0,
        "skipped_suppressed": 0,
        "invalid": len(records),
    }:
        tally.wrong.append(f"import of {len(records)} hostile records answered {_describe(answer)}")
    tally.unchanged_since(before)

    # What may be accepted (Unicode separators, encoded-looking text) is folded into the body: the mail keeps its
    # own headers and its one recipient.
    for index, separator in enumerate(SEPARATORS):
        address = f"sep{index}@example.com"
        name = f"Jane{separator}Bcc: evil@evil.example" if index % 2 else f"{separator}X-Injected: 1{separator}Jane"
        payload = event(f"evt_sep_{index}", email=address, name=name)
        tally.attempt(
            f"name {name!r}",
            lambda payload=payload: signed_post(payload),
            lambda answer: answer.status_code == 200 or is_error(400, "invalid_field")(answer),
            acts=is_status("processed"),
            may_write=keys_of(address),
            may_mail=mail_is_clean(address),
        )
    for index, (display, subject) in enumerate(
        [
            ("=?utf-8?q?Jane=0D=0ABcc=3A_evil=40evil.example?=", "unsubscribe"),
            ("Jane\u2028Bcc: evil@evil.example", "=?utf-8?q?unsubscribe=0D=0ABcc=3A_evil=40evil.example?="),
            ("=?utf-8?b?SmFuZQ0KWC1JbmplY3RlZDogMQ==?=", "remove me\u2028X-Injected: 1"),
            ('"Jane\\r\\nBcc: evil@evil.example"', "stop"),
            ("Jane", "=?utf-8?q?=0A=0AX-Injected:_1?= unsubscribe"),
            ("=?utf-8?q?=3Cevil=40evil.example=3E?=", "unsubscribe"),
        ]
    ):
        sender = f"reply{index}@example.com"
        subscribe(client, sender, f"evt_reply_{index}")
        raw = raw_mail(f"{display} <{sender}>", "Please unsubscribe me from your emails.", subject)
        tally.attempt(
            f"a request from {display!r} about {subject!r}",
            lambda raw=raw, index=index: deliver(client, raw, f"inj-{index}"),
            lambda verdict: verdict in ("removal_request", "review"),
            may_write=lambda key, sender=sender: key in (item_pk(sender), "REVIEW"),
            may_mail=mail_is_clean(sender),
        )
    tally.close()


def test_names_topics_and_fields_are_escaped_and_never_make_a_mail_header(
    client: Client, watch: Watch, welcome_link: str
) -> None:
    nothing_is_echoed_unescaped(client, watch, welcome_link)
    header_injection_is_rejected_or_folded(client, watch)


# --- mail that listkeeper receives ----------------------------------------------------------------------------------


def nested(depth: int, kind: str = "multipart") -> bytes:
    head = b"From: bomb@evil.example\r\nTo: support@shop.example\r\nSubject: hello\r\nMIME-Version: 1.0\r\n"
    if kind == "multipart":
        opening = b"".join(
            b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(depth)
        )
        closing = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
        return head + opening + b"Content-Type: text/plain\r\n\r\nunsubscribe\r\n" + closing
    wrapped = b"Content-Type: text/plain\r\n\r\nunsubscribe\r\n"
    for _ in range(depth):
        wrapped = b"Content-Type: message/rfc822\r\n\r\nFrom: bomb@evil.example\r\nSubject: x\r\n" + wrapped
    return head + wrapped


def many_parts(count: int) -> bytes:
    head = b"From: bomb@evil.example\r\nTo: support@shop.example\r\nSubject: hello\r\nMIME-Version: 1.0\r\n"
    head += b'Content-Type: multipart/mixed; boundary="p"\r\n\r\n'
    part = b"--p\r\nContent-Type: text/plain\r\n\r\nunsubscribe\r\n"
    return head + part * count + b"--p--\r\n"


def mail_bombs_go_to_review(client: Client, watch: Watch) -> None:
    rng = random.Random(1000)
    subscribe(client, "bomb@evil.example", "evt_bomb")  # a bomb that were read would remove its sender
    bombs: list[tuple[str, bytes]] = []
    for depth in [41, 42, 100, 999, 1000, 1001, *rng.sample(range(43, 1500), 44)]:
        bombs.append((f"{depth} nested multiparts", nested(depth)))
    for depth in [500, 501, *rng.sample(range(502, 3000), 10)]:
        bombs.append((f"{depth} nested messages", nested(depth, "message")))
    for count in [500, 501, 1000, *rng.sample(range(502, 6000), 32)]:
        bombs.append((f"{count} parts", many_parts(count)))
    for count in (600, 2000):
        headers = b"".join(b"Content-Type: text/plain\r\n" for _ in range(count))
        bombs.append(
            (f"{count} content-type headers", b"From: bomb@evil.example\r\n" + headers + b"\r\nunsubscribe\r\n")
        )
    big = b"From: bomb@evil.example\r\nTo: support@shop.example\r\nSubject: unsubscribe\r\n\r\n"
    for size in (10 * 1024 * 1024 + 1,):
        bombs.append((f"{size} bytes", big + b"unsubscribe " * (size // 12 + 1)))
    before = table_snapshot()
    tally = Tally("mail bombs", watch)
    for index, (what, raw) in enumerate(bombs):
        started = time.perf_counter()
        tally.attempt(
            what,
            # (the SNS action carries messages up to 150 KB; larger ones arrive through the S3 action)
            lambda raw=raw, index=index: deliver(
                client, raw, f"bomb-{index}", via="S3" if len(raw) > 150_000 else "SNS"
            ),
            lambda verdict, started=started: verdict == "review" and time.perf_counter() - started < 20,
            may_write=lambda key: key == "REVIEW",
        )
    tally.unchanged_since(before, allowed=lambda pk: pk == "REVIEW")
    reviews = client.http.get("/v1/review", headers={"Authorization": "Bearer dev-api-key"}).json_body["review"]
    if len(reviews) != len(bombs):
        tally.wrong.append(f"{len(bombs)} bombs left {len(reviews)} review items")
    tally.close()


VICTIM = "victim@example.com"
ATTACKER = "attacker@evil.example"
SPOOFED_FROM = [
    f"{VICTIM}, {ATTACKER}",
    f"{ATTACKER}, {VICTIM}",
    f"{VICTIM} <{ATTACKER}>",
    f"<{VICTIM}> <{ATTACKER}>",
    f"{ATTACKER} ({VICTIM})",
    f"{VICTIM} ({ATTACKER})",
    f"alice@example.org)<{VICTIM}>",
    f"{ATTACKER})<{VICTIM}>",
    f'"{ATTACKER}" <{VICTIM}>, {ATTACKER}',
    f"undisclosed: {VICTIM}, {ATTACKER};",
    f"group: {VICTIM};",
    f"{VICTIM};{ATTACKER}",
    f"<{VICTIM}>{ATTACKER}",
    f"{VICTIM}\r\nFrom: {ATTACKER}",
    f"{ATTACKER}\r\nFrom: {VICTIM}",
    f"{VICTIM}@evil.example",
    f"victim@example.com.evil.example@{ATTACKER}",
    f"=?utf-8?q?{VICTIM.replace('@', '=40')}?=",
    f"=?utf-8?q?victim?=@{ATTACKER.split('@')[1]}=?utf-8?q?x?=",
    "",
    "<>",
    "undisclosed-recipients:;",
    f"{VICTIM.replace('@', ' at ')}",
    f"{VICTIM[:-1]}\udcff",
]
# Each of these holds exactly one address, the attacker's own: the attacker may remove themself, nobody else.
ONE_ADDRESS_FROM = [
    f'"{VICTIM}" <{ATTACKER}>',
    f"=?utf-8?q?{VICTIM.replace('@', '=40')}?= <{ATTACKER}>",
    f"Victim <{ATTACKER}>",
    f"{ATTACKER} (Victim)",
]
AGENT_FORGED = [("PASS", "PASS", "FAIL"), ("FAIL", "FAIL", "FAIL"), ("FAIL", "PASS", "GRAY"), ("GRAY", "FAIL", "GRAY")]


def agent_forward(agent_from: str, inline: bool) -> bytes:
    if inline:
        body = (
            "Please handle.\r\n\r\n---------- Forwarded message ---------\r\n"
            f"From: Victim <{VICTIM}>\r\nSubject: stop\r\n\r\nPlease remove me from all emails and catalogs."
        )
        return raw_mail(agent_from, body, "Fwd: stop")
    head = (
        f"From: {agent_from}\r\nTo: support@shop.example\r\nSubject: Fwd: stop\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="f"\r\n\r\n--f\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n'
        "--f\r\nContent-Type: message/rfc822\r\n\r\n"
        f"From: Victim <{VICTIM}>\r\nTo: support@shop.example\r\nSubject: stop\r\n\r\n"
        "Please remove me from all emails and catalogs.\r\n--f--\r\n"
    )
    return head.encode()


def spoofed_senders_never_remove_anyone_else(client: Client, watch: Watch) -> None:
    subscribe(client, VICTIM, "evt_victim")
    subscribe(client, "agent@shop.example", "evt_agent")
    victim_items = [i for i in table_snapshot() if i["pk"]["S"] == item_pk(VICTIM)]
    tally = Tally("spoofed senders", watch)
    bodies = [
        "Please unsubscribe me from all emails.",
        f"Please remove {VICTIM} from your mailing list.",
        "stop",
        "Take me off your list and stop the catalogs.",
    ]
    not_the_victim = lambda key: key in ("REVIEW", item_pk(ATTACKER))  # noqa: E731
    mail_to_attacker = lambda mail: mail["To"] == ATTACKER  # noqa: E731
    count = 0
    for from_header in SPOOFED_FROM:
        for body in bodies:
            count += 1
            verdicts = ("PASS", "PASS", "PASS") if count % 2 else ("FAIL", "FAIL", "FAIL")
            raw = raw_mail(from_header, body, extra=("Reply-To: " + VICTIM, "Sender: " + VICTIM))
            tally.attempt(
                f"From {from_header!r}, {body[:30]!r}, {verdicts}",
                lambda raw=raw, count=count, verdicts=verdicts: deliver(
                    client, raw, f"spoof-{count}", verdicts=verdicts, envelope_sender=VICTIM
                ),
                lambda verdict: verdict in ("review", "other"),
                may_write=lambda key: key == "REVIEW",
            )
    for from_header in ONE_ADDRESS_FROM:
        for body in bodies[:1] + bodies[3:]:
            count += 1
            raw = raw_mail(from_header, body, extra=("Reply-To: " + VICTIM,))
            tally.attempt(
                f"From {from_header!r}, {body[:30]!r}",
                lambda raw=raw, count=count: deliver(client, raw, f"spoof-{count}", envelope_sender=VICTIM),
                lambda verdict: verdict == "removal_request",
                may_write=not_the_victim,
                may_mail=mail_to_attacker,
            )
    headers = (f"Return-Path: <{VICTIM}>", f"X-Original-From: {VICTIM}", f"Resent-From: {VICTIM}")
    for extra in headers:
        count += 1
        raw = raw_mail(ATTACKER, "Please unsubscribe me.", extra=(extra,))
        tally.attempt(
            f"a header naming the victim: {extra}",
            lambda raw=raw, count=count: deliver(client, raw, f"spoof-{count}"),
            lambda verdict: verdict == "removal_request",
            may_write=not_the_victim,
            may_mail=mail_to_attacker,
        )
    # A customer-service agent may act for a customer, but an agent's address that failed the checks is not one.
    agents = ["agent@shop.example", "Sam <agent@shop.example>", "sam@shop.example"]
    for agent in agents:
        for verdicts in AGENT_FORGED:
            for inline in (False, True):
                count += 1
                raw = agent_forward(agent, inline)
                tally.attempt(
                    f"a forward from {agent!r} with {verdicts}, inline={inline}",
                    lambda raw=raw, count=count, verdicts=verdicts: deliver(
                        client, raw, f"spoof-{count}", verdicts=verdicts
                    ),
                    lambda verdict: verdict == "review",
                    may_write=lambda key: key == "REVIEW",
                )
    for agent in ("agent@=?utf-8?q?shop.example?=", "=?utf-8?q?agent?= <agent@=?utf-8?q?shop.example?=>"):
        for inline in (False, True):
            count += 1
            raw = agent_forward(agent, inline)
            tally.attempt(
                f"a forward from the encoded {agent!r}, inline={inline}",
                lambda raw=raw, count=count: deliver(client, raw, f"spoof-{count}", verdicts=("GRAY", "GRAY", "GRAY")),
                lambda verdict: verdict == "review",
                may_write=lambda key: key == "REVIEW",
            )
    if [i for i in table_snapshot() if i["pk"]["S"] == item_pk(VICTIM)] != victim_items:
        tally.wrong.append("the victim's contact changed")
    tally.close()


AUTOMATIC = [
    ("Auto-Submitted: auto-replied",),
    ("Auto-Submitted: auto-generated",),
    ("Auto-Submitted: auto-notified",),
    ("Auto-Submitted: AUTO-REPLIED; owner-email=x@example.com",),
    ("Precedence: bulk",),
    ("Precedence: junk",),
    ("Precedence: list",),
    ("X-Autoreply: yes",),
    ("X-Autorespond: Vacation",),
    ("X-Auto-Response-Suppress: All",),
    ("List-Id: <news.example.com>",),
    ("List-Unsubscribe: <mailto:unsubscribe@example.com>",),
    ("Feedback-ID: 1:2:3:ses",),
    ("Return-Path: <>",),
]
AUTO_SUBJECTS = [
    "Out of Office: unsubscribe",
    "Automatic reply: Your mailing list",
    "Abwesenheitsnotiz",
    "Réponse automatique : désabonner",
    "Respuesta automática: darme de baja",
    "Undeliverable: unsubscribe",
    "Delivery Status Notification (Failure)",
]


def automatic_mail_never_acts_or_gets_a_reply(client: Client, watch: Watch) -> None:
    senders = ["away@example.com", "mailer-daemon@example.com"]
    for index, sender in enumerate(senders):
        subscribe(client, sender, f"evt_auto_{index}")
    bodies = ["Please unsubscribe me.", "I am away. Remove me from your list.", "stop", "Bitte abmelden."]
    before = table_snapshot()
    tally = Tally("automatic mail read as requests", watch)
    count = 0
    for sender in senders:
        for headers in AUTOMATIC:
            for body in bodies[count % 2 : count % 2 + 2]:
                count += 1
                raw = raw_mail(sender, body, "Re: your newsletter", extra=headers)
                tally.attempt(
                    f"{sender} {headers} {body!r}",
                    lambda raw=raw, count=count: deliver(client, raw, f"auto-{count}"),
                    lambda verdict: verdict in ("auto_reply", "delivery_status"),
                )
    tally.unchanged_since(before)
    # A subject alone never makes a person's mail a machine's (SPEC §4): from a daemon it is a report whatever
    # the subject; from a person it is read as theirs ("Re: Bounce-back sale"), and at most removes that person.
    for sender in senders:
        for subject in AUTO_SUBJECTS:
            for body in bodies:
                count += 1
                raw = raw_mail(sender, body, subject)
                machine = sender.startswith("mailer-daemon")
                tally.attempt(
                    f"{sender} {subject!r} {body!r}",
                    lambda raw=raw, count=count: deliver(client, raw, f"auto-{count}"),
                    lambda verdict, machine=machine: (
                        verdict == "delivery_status" if machine else verdict in ("removal_request", "review", "other")
                    ),
                    may_write=lambda key, sender=sender: key in ("REVIEW", item_pk(sender)),
                    may_mail=lambda mail, sender=sender: mail["To"] == sender,
                )
    tally.close()


def test_mail_bombs_spoofed_senders_and_automatic_mail_never_act(client: Client, watch: Watch) -> None:
    mail_bombs_go_to_review(client, watch)
    spoofed_senders_never_remove_anyone_else(client, watch)
    automatic_mail_never_acts_or_gets_a_reply(client, watch)


# --- request size ----------------------------------------------------------------------------------------------------

LIMIT = 256 * 1024


def test_bodies_over_256_kib_get_413_on_every_route_before_any_work(
    client: Client, watch: Watch, welcome_link: str
) -> None:
    key = {"Authorization": "Bearer dev-api-key"}
    routes: list[tuple[str, str, str, dict[str, str]]] = [
        ("POST", "/webhooks/storefront", "application/json", {}),
        ("POST", welcome_link, FORM, {}),
        ("POST", "/u/k1.not-a-token", FORM, {}),
        ("POST", welcome_link, "multipart/form-data; boundary=b", {}),
        ("POST", "/v1/eligibility", "application/json", key),
        ("POST", "/v1/eligibility", "application/json", {}),
        ("POST", "/v1/imports", "application/json", key),
        ("POST", "/v1/unsubscribe-links", "application/json", key),
        ("POST", "/v1/review/some-id", "application/json", key),
        ("POST", "/v1/policy-announcements", "application/json", key),
        ("POST", "/v1/postal-exports", "application/json", key),
        ("DELETE", "/v1/contacts/jane%40example.com", "application/json", key),
        ("GET", "/v1/contacts/jane%40example.com", "application/json", key),
        ("GET", "/health", "application/json", {}),
        ("GET", welcome_link, FORM, {}),
    ]

    def body_for(route: str, content_type: str, size: int) -> tuple[bytes, dict[str, str]]:
        # Each body is what the route would act on, were it not too large: a signed event, a one-click, an erasure.
        if route.startswith("/webhooks"):
            payload = event("evt_big", email="big@example.com")
            payload["data"]["padding"] = "x" * size
            body = body_of(payload)
            return body, {"Listkeeper-Signature": sign(SECRET, int(time.time()), body)}
        if content_type == FORM:
            return b"List-Unsubscribe=One-Click&pad=" + b"x" * size, {}
        if content_type.startswith("multipart"):
            part = b'--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n'
            return part + b"--b\r\n" + b"x" * size + b"\r\n--b--\r\n", {}
        return json.dumps({"records": [{"email": "big@example.com"}], "pad": "x" * size}).encode(), {}

    before = table_snapshot()
    tally = Tally("oversized bodies", watch)
    for method, route, content_type, auth in routes:
        for size in (LIMIT + 1, LIMIT + 1000, 300 * 1024, 1024 * 1024, 2 * 1024 * 1024):
            body, extra = body_for(route, content_type, size)
            for length in ("true", "absent", "understated", "overstated"):
                headers = {"Content-Type": content_type, **auth, **extra}
                if length == "true":
                    headers["Content-Length"] = str(len(body))
                elif length == "understated":
                    headers["Content-Length"] = "10"
                elif length == "overstated":
                    headers["Content-Length"] = str(len(body) * 10)
                tally.attempt(
                    f"{method} {route[:30]} {len(body)} bytes, Content-Length {length}",
                    lambda method=method, route=route, headers=headers, body=body: client.http.request(
                        method, route, headers=headers, body=body
                    ),
                    is_error(413, "payload_too_large"),
                )
        headers = {"Content-Type": content_type, "Content-Length": str(10 * LIMIT), **auth}
        tally.attempt(
            f"{method} {route[:30]} a small body declared large",
            lambda method=method, route=route, headers=headers: client.http.request(
                method, route, headers=headers, body=b"{}"
            ),
            is_error(413, "payload_too_large"),
        )
    tally.unchanged_since(before)
    tally.close()
    # At the limit itself the body is read: the signed event is processed.
    payload = event("evt_at_limit", email="limit@example.com")
    payload["data"]["padding"] = ""
    payload["data"]["padding"] = "x" * (LIMIT - len(body_of(payload)))
    body = body_of(payload)
    assert len(body) == LIMIT
    answer = post_webhook(client, body, sign(SECRET, int(time.time()), body))
    assert is_status("processed")(answer), answer.body
