"""schemathesis against the `make run` stack: every operation of docs/openapi.json, with generated input.

Each operation is called with valid credentials (the API key on /v1/*, webhooks signed over the exact bytes sent,
SPEC §3.1), with input that breaks the document (negative mode), and without valid credentials. Every answer must be
no 5xx, and its status code, content type and body must be ones the document allows; without credentials a guarded
operation must answer 401. Generated values alone never hold a valid link token or a known contact, so some examples
use ones made for this module, to reach the answers behind them too."""

import base64
import hashlib
import hmac
import json
import smtplib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.errors import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import Stack
from tests.support.events import POSTAL
from tests.support.reliability import Outcome, assert_clean

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

ROOT = Path(__file__).resolve().parents[2]
DOC = json.loads((ROOT / "docs" / "openapi.json").read_text())
METHODS = ("get", "head", "post", "put", "delete", "patch")
OPERATIONS = [f"{m.upper()} {path}" for path, ops in DOC["paths"].items() for m in ops if m in METHODS]
WEBHOOK = "/webhooks/storefront"
WOOCOMMERCE = "/webhooks/woocommerce"
SHOPIFY = "/webhooks/shopify"
API_KEY, WEBHOOK_SECRET, WOOCOMMERCE_SECRET = "dev-api-key", "dev-webhook-secret", "dev-woocommerce-secret"
SHOPIFY_SECRET = "dev-shopify-secret"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation: moto server takes ~50 writes/s; these keep the module near a minute of CPU.
WITH_CREDENTIALS, NEGATIVE, WITHOUT_CREDENTIALS = 20, 10, 6
# Each accepted announcement is mailed by the sweep to everyone still receiving email: keep them few.
FEWER_WITH_CREDENTIALS = {"POST /v1/policy-announcements": 8}
ONE_CLICK = {"List-Unsubscribe": "One-Click"}
CONSOLE_AGENT = {"email": "agent@shop.example", "password": "Dev-agent-password-1"}  # the local stage's (README)


class SignedBody(requests.auth.AuthBase):
    """Signs the body exactly as it leaves: whatever schemathesis generated and serialised (SPEC §3.1)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret.encode()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        raw = body.encode() if isinstance(body, str) else body
        t = int(time.time())
        digest = hmac.new(self.secret, f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
        request.headers["Listkeeper-Signature"] = f"t={t},v1={digest}"
        return request


class WooSigned(requests.auth.AuthBase):
    """A WooCommerce delivery: the store's headers, and its signature over the body exactly as it leaves."""

    def __init__(self, secret: str) -> None:
        self.secret = secret.encode()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        raw = body.encode() if isinstance(body, str) else body
        request.headers["X-WC-Webhook-Signature"] = base64.b64encode(
            hmac.new(self.secret, raw, hashlib.sha256).digest()
        ).decode()
        request.headers["X-WC-Webhook-Topic"] = "customer.created"
        request.headers["X-WC-Webhook-Source"] = "https://schema.example/"
        request.headers["X-WC-Webhook-Delivery-ID"] = f"schema-{time.time_ns()}"
        return request


class ShopifySigned(requests.auth.AuthBase):
    """A Shopify delivery from the local stage's configured shop, signed over the body exactly as it leaves."""

    def __init__(self, secret: str) -> None:
        self.secret = secret.encode()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        raw = body.encode() if isinstance(body, str) else body
        request.headers["X-Shopify-Hmac-Sha256"] = base64.b64encode(
            hmac.new(self.secret, raw, hashlib.sha256).digest()
        ).decode()
        request.headers["X-Shopify-Topic"] = "customers/create"
        request.headers["X-Shopify-Shop-Domain"] = "dev-shop.myshopify.com"
        request.headers["X-Shopify-Webhook-Id"] = f"schema-{time.time_ns()}"
        return request


@dataclass
class Tally:
    tried: int = 0
    http_5xx: int = 0
    nonconforming: int = 0
    crashes: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    problems: dict[str, str] = field(default_factory=dict)  # one reproduction per distinct problem

    def problem(self, key: str, detail: str) -> None:
        self.problems.setdefault(key, detail)


@dataclass(frozen=True)
class Seeds:
    """Values the generator cannot guess: a known contact, contacts to erase, a link token, a review item."""

    reader: str
    erasable: tuple[str, ...]
    token: str
    review_id: str


def _api(stack: Stack, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(
        method,
        f"{stack.base_url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=30,
    )


def _signup(stack: Stack, address: str) -> None:
    body = json.dumps(
        {
            "id": f"evt-{address}",
            "type": "customer.info_saved",
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "data": {
                "customer_id": f"cust-{address}",
                "email": address,
                "name": "Schema Reader",
                "postal_address": POSTAL,
            },
        }
    ).encode()
    response = requests.post(
        f"{stack.base_url}{WEBHOOK}",
        data=body,
        headers={"Content-Type": "application/json"},
        auth=SignedBody(WEBHOOK_SECRET),
        timeout=30,
    )
    assert response.json()["status"] == "processed", response.text


def _review_items(stack: Stack, sender: str) -> list[dict[str, Any]]:
    return [item for item in _api(stack, "GET", "/v1/review").json()["review"] if item.get("sender") == sender]


@pytest.fixture(scope="module")
def seeds(stack: Stack) -> Iterator[Seeds]:
    run = time.time_ns()
    reader, leaver, writer = (f"schema-{role}-{run}@example.com" for role in ("reader", "leaver", "writer"))
    erasable = tuple(f"schema-erasable{i}-{run}@example.com" for i in range(3))
    for address in (reader, leaver, *erasable):
        _signup(stack, address)
    links = _api(stack, "POST", "/v1/unsubscribe-links", {"recipient": reader, "topic": "promotions"}).json()
    token = links["preferences_url"].rsplit("/u/", 1)[1]
    # A removal on record, so that /v1/removals answers with items to check and not only an empty list.
    leaving = _api(stack, "POST", "/v1/unsubscribe-links", {"recipient": leaver, "topic": "updates"}).json()
    requests.post(leaving["preferences_url"], data=ONE_CLICK, timeout=30).raise_for_status()
    # A wish asked about rather than made goes to the review queue (SPEC §4), naming its writer, so that any
    # action the generator picks may succeed on it.
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = writer, "support@shop.example", "Mailing list"
    message.set_content("Why was I unsubscribed from the newsletter?\n")
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        smtp.send_message(message)
    deadline = time.monotonic() + 30
    while not (items := _review_items(stack, writer)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert items, "the review item never appeared"
    yield Seeds(reader, erasable, token, items[0]["id"])
    # Other e2e tests read the review queue of this same stack: leave none of ours in it.
    for item in _review_items(stack, writer):
        _api(stack, "POST", f"/v1/review/{item['id']}", {"action": "dismiss"})


@pytest.fixture(scope="module")
def api_schema(stack: Stack) -> Any:
    return schemathesis.openapi.from_url(f"{stack.base_url}/dev/openapi.json")


def _definition(path: str, method: str) -> dict[str, Any]:
    return dict(DOC["paths"][path][method.lower()])


def _guarded(path: str, method: str) -> bool:
    return path in (WEBHOOK, WOOCOMMERCE, SHOPIFY) or bool(_definition(path, method).get("security"))


def _negatable(path: str, method: str) -> bool:
    """Negative mode needs something the document constrains besides a free-form path string."""
    definition = _definition(path, method)
    parameters = [*DOC["paths"][path].get("parameters", []), *definition.get("parameters", [])]
    return "requestBody" in definition or _guarded(path, method) or any(p["in"] != "path" for p in parameters)


def _with_seeds(operation: Any, seeds: Seeds) -> Any:
    """Generated cases, plus cases that carry a seeded path value (and, for the link, the one-click body)."""
    generated = operation.as_strategy(GenerationMode.POSITIVE)
    key = (operation.method.upper(), operation.path)
    if operation.path == "/u/{token}":
        seeded = operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"token": seeds.token})
        if key[0] == "POST":
            one_click = operation.as_strategy(
                GenerationMode.POSITIVE,
                path_parameters={"token": seeds.token},
                body=ONE_CLICK,
                media_type="application/x-www-form-urlencoded",
            )
            return st.one_of(generated, seeded, one_click)
        return st.one_of(generated, seeded)
    if key == ("GET", "/v1/contacts/{email}"):
        return st.one_of(
            generated, operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"email": seeds.reader})
        )
    if key == ("DELETE", "/v1/contacts/{email}"):
        return st.one_of(
            generated,
            st.sampled_from(seeds.erasable).flatmap(
                lambda address: operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"email": address})
            ),
        )
    if key == ("POST", WOOCOMMERCE):  # a customer as the store sends one, so that some deliveries are processed
        customer = json.loads((ROOT / "tests" / "fixtures" / "woocommerce" / "customer.created.json").read_text())
        return st.one_of(
            generated,
            st.integers(1, 10**9).flatmap(
                lambda n: operation.as_strategy(
                    GenerationMode.POSITIVE,
                    body=customer | {"id": n, "email": f"woo-{n}@example.com"},
                    media_type="application/json",
                )
            ),
        )
    if key == ("POST", SHOPIFY):  # a customer as a shop sends one, so that some deliveries are processed
        customer = json.loads((ROOT / "tests" / "fixtures" / "shopify" / "customers-create.json").read_text())
        return st.one_of(
            generated,
            st.integers(1, 10**12).flatmap(
                lambda n: operation.as_strategy(
                    GenerationMode.POSITIVE,
                    body=customer | {"id": n, "email": f"shop-{n}@example.com"},
                    media_type="application/json",
                )
            ),
        )
    if key == ("POST", "/console"):
        signing_in = operation.as_strategy(
            GenerationMode.POSITIVE, body=CONSOLE_AGENT, media_type="application/x-www-form-urlencoded"
        )
        return st.one_of(generated, signing_in)
    if key == ("POST", "/v1/review/{review_id}"):
        seeded = operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"review_id": seeds.review_id})
        return st.one_of(generated, seeded)
    return generated


def _credentials(case: Any, *, credentials: bool, wrong: bool) -> tuple[dict[str, str], dict[str, Any]]:
    """Headers and request arguments that authenticate the case: valid ones, wrong ones, or none."""
    path, method = case.operation.path, case.operation.method.upper()
    if path == WEBHOOK:
        if not (credentials or wrong):
            return {}, {}  # the generated Listkeeper-Signature header, which is no signature
        return {}, {"auth": SignedBody(WEBHOOK_SECRET if credentials else "not-the-webhook-secret")}
    if path == WOOCOMMERCE:
        if not (credentials or wrong):
            return {}, {}
        return {}, {"auth": WooSigned(WOOCOMMERCE_SECRET if credentials else "not-the-store-secret")}
    if path == SHOPIFY:
        if not (credentials or wrong):
            return {}, {}
        return {}, {"auth": ShopifySigned(SHOPIFY_SECRET if credentials else "not-the-app-secret")}
    if _guarded(path, method) and (credentials or wrong):
        return {"Authorization": f"Bearer {API_KEY if credentials else 'not-the-api-key'}"}, {}
    return {}, {}


def _send(
    case: Any,
    base_url: str,
    tally: Tally,
    *,
    credentials: bool = True,
    wrong: bool = False,
    expect: int | None = None,
    **extra: Any,
) -> None:
    """One request: counted, checked against the document, and (when given) against the status it must get."""
    if tally.crashes:
        return  # a stack that stopped answering fails the test once, not once per remaining example
    headers, auth = _credentials(case, credentials=credentials, wrong=wrong)
    headers.update(extra.pop("headers", {}))
    try:
        response = case.call(base_url=base_url, headers=headers, timeout=30, **auth, **extra)
    except requests.RequestException as exc:
        tally.crashes += 1
        tally.problem(type(exc).__name__, f"{exc}\n{case.as_curl_command(headers=headers, base_url=base_url)}")
        return
    tally.tried += 1
    tally.statuses[response.status_code] += 1
    if response.status_code >= 500:
        tally.http_5xx += 1
    curl = case.as_curl_command(headers=dict(response.request.headers), base_url=base_url)
    if "data" in extra:
        curl += f"  (with a {len(extra['data'])}-byte body in place of the case's)"
    wrong_answer = False
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as group:
        wrong_answer = any(failure.checks != ("not_a_server_error",) for failure in group.exceptions)
        for failure in group.exceptions:
            tally.problem(f"{failure.title}: {response.status_code}", f"{failure.message}\n{curl}")
    if expect is None and not credentials:
        expect = 401
    if expect is not None and response.status_code != expect:
        wrong_answer = True
        tally.problem(f"expected {expect}, got {response.status_code}", f"{response.text[:300]}\n{curl}")
    tally.nonconforming += wrong_answer


def _probe(operation: Any, base_url: str, tally: Tally) -> None:
    """What generation never sends: a body over the 256 KiB limit (413 on every operation, SPEC §3); a body that is
    not JSON where the document takes only JSON (415); a stray Content-Type on a link's GET or HEAD, which must still
    get the page (SPEC §3.2)."""
    path_values = {"token": "probe", "email": "probe@example.com", "review_id": "probe"}
    names = [p.name for p in operation.path_parameters]
    query = {"state": "open"} if operation.path == "/v1/removals" else None
    case = operation.Case(path_parameters={n: path_values[n] for n in names}, query=query)
    oversized = b"{" + b" " * (256 * 1024) + b"}"
    _send(case, base_url, tally, expect=413, data=oversized, headers={"Content-Type": "application/json"})
    content = _definition(operation.path, operation.method).get("requestBody", {}).get("content", {})
    if list(content) == ["application/json"]:
        _send(case, base_url, tally, expect=415, data=b"hello", headers={"Content-Type": "text/plain"})
    if operation.path == "/u/{token}" and operation.method.upper() in ("GET", "HEAD"):
        _send(case, base_url, tally, expect=400, headers={"Content-Type": "application/x-www-form-urlencoded"})


def _explore(strategy: Any, examples: int, exchange: Callable[..., None]) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, wrong=st.booleans())
    def run(case: Any, wrong: bool) -> None:
        exchange(case, wrong=wrong)

    run()


def _wait_until_mail_settles(stack: Stack, quiet_seconds: float = 3.0, limit: float = 60.0) -> None:
    """Announced uses are told to everyone receiving email by the sweep: let that finish before other tests, on this
    same stack, count the mail their own addresses got."""
    deadline = time.monotonic() + limit
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(requests.get(f"{stack.base_url}/dev/outbox.json", timeout=30).json())
        if count != last:
            last, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_seconds:
            return
        time.sleep(0.5)


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_answers_as_the_document_says(label: str, stack: Stack, api_schema: Any, seeds: Seeds) -> None:
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    tally = Tally()
    fresh_ids = iter(range(1_000_000))

    def with_credentials(case: Any, wrong: bool) -> None:
        if path == WEBHOOK and isinstance(case.body, dict) and isinstance(case.body.get("id"), str) and case.body["id"]:
            # A fresh id each time, or most examples would only meet the first one's duplicate check.
            case.body["id"] = f"{case.body['id'][:100]}-{next(fresh_ids)}"
        _send(case, stack.base_url, tally)

    _explore(_with_seeds(operation, seeds), FEWER_WITH_CREDENTIALS.get(label, WITH_CREDENTIALS), with_credentials)
    # a console page answers a signed-out browser, and a sign-in, with a redirect (303): that too got past validation
    successes = sum(n for status, n in tally.statuses.items() if 200 <= status < 400)
    if _negatable(path, method):
        _explore(operation.as_strategy(GenerationMode.NEGATIVE), NEGATIVE, with_credentials)
    if _guarded(path, method):
        _explore(
            operation.as_strategy(GenerationMode.POSITIVE),
            WITHOUT_CREDENTIALS,
            lambda case, wrong: _send(case, stack.base_url, tally, credentials=False, wrong=wrong),
        )
    _probe(operation, stack.base_url, tally)
    if path == "/v1/policy-announcements":
        _wait_until_mail_settles(stack)

    outcome = Outcome(
        category=f"schema: {label}",
        tried=tally.tried,
        wrong_state_changes=tally.nonconforming,
        http_5xx=tally.http_5xx,
        crashes=tally.crashes,
    )
    try:
        assert_clean(outcome)
    except AssertionError as exc:
        shown = "\n\n".join(f"{key}\n{detail}" for key, detail in list(tally.problems.items())[:8])
        raise AssertionError(f"{exc}\nstatuses: {dict(tally.statuses)}\n\n{shown}") from None
    # Only 4xx would mean the generator never got past validation, and the document's success shapes went unchecked.
    assert successes, f"{label}: no request with valid credentials succeeded; statuses {dict(tally.statuses)}"
    if not path.startswith("/console"):
        # nothing outside the console redirects: there, only a 2xx is a success
        assert all(not 300 <= status < 400 for status in tally.statuses), dict(tally.statuses)


def test_the_served_document_loads_whole(stack: Stack, api_schema: Any) -> None:
    served = requests.get(f"{stack.base_url}/dev/openapi.json", timeout=30).json()
    loaded = list(api_schema.get_all_operations())
    labels = {result.ok().label for result in loaded if isinstance(result, Ok)}
    broken = [result.err() for result in loaded if isinstance(result, Err)]
    outcome = Outcome(
        category="schema: openapi",
        tried=len(loaded),
        wrong_state_changes=int(served != DOC) + len(set(OPERATIONS) ^ labels),
        crashes=len(broken),
    )
    assert_clean(outcome)
    assert broken == [] and labels == set(OPERATIONS), (broken, set(OPERATIONS) ^ labels)
