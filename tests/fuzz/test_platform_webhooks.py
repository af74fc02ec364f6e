"""Fuzzing what the storefront platforms send (chalicelib/domain/shopify.py, woocommerce.py, signatures.py): their
signature headers, and any body under any topic and headers. A signature holds only for exactly the body under one
of our secrets; a body is read into events every handler then accepts, or refused with InvalidInput naming the
problem (400, nothing changes). Nothing else escapes: no 500 for anyone on the internet, and no retry loop for
the platform."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidInput, InvalidSignature
from chalicelib.domain.shopify import ShopifyDelivery, compliance_request, shopify_envelopes
from chalicelib.domain.signatures import verify_platform_signature
from chalicelib.domain.woocommerce import WooDelivery, woocommerce_envelope
from chalicelib.services.storefront import PLATFORM_HANDLERS
from tests.fuzz.fuzzing import Tally, any_text, fuzz

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CODES = {"malformed_json", "missing_field", "invalid_field", "invalid_timestamp", "invalid_address"}
NOW = datetime(2026, 12, 1, tzinfo=UTC)
SHOPIFY_TOPICS = ["customers/create", "customers/update", "orders/create", "customers/redact",
                  "customers/data_request", "shop/redact", "products/create"]  # fmt: skip
WOO_TOPICS = ["customer.created", "customer.updated", "order.created", "product.created"]

json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), any_text(20)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(any_text(8), inner, max_size=3)),
    max_leaves=10,
)


def fixture(name: str) -> dict[str, Any]:
    loaded = json.loads((FIXTURES / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


SHOPIFY_BODIES = [fixture(f"shopify/{p.name}") for p in sorted((FIXTURES / "shopify").glob("*.json"))]
WOO_BODIES = [fixture(f"woocommerce/{p.name}") for p in sorted((FIXTURES / "woocommerce").glob("*.json"))]


@st.composite
def mutated(draw: st.DrawFn, bodies: list[dict[str, Any]]) -> bytes:
    """A documented example with fields replaced, dropped or nested wrongly — or something that is no JSON at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(st.binary(max_size=60), json_value.map(lambda v: json.dumps(v).encode())))
    body = json.loads(json.dumps(draw(st.sampled_from(bodies))))
    for _ in range(draw(st.integers(1, 4))):
        target = body
        nested = [k for k, v in body.items() if isinstance(v, dict)]
        if nested and draw(st.booleans()):
            target = body[draw(st.sampled_from(nested))]
        if not target:
            continue
        key = draw(st.sampled_from(sorted(target)))
        if draw(st.booleans()):
            target.pop(key)
        else:
            target[key] = draw(json_value)
    return json.dumps(body).encode()


def test_a_platform_signature_holds_only_for_the_exact_body_under_one_of_our_secrets() -> None:
    tally = Tally("fuzz: platform webhook signature", (InvalidSignature,))

    @fuzz(200)
    @given(
        body=st.binary(max_size=200),
        secrets=st.lists(st.text(min_size=1, max_size=16), min_size=1, max_size=3, unique=True),
        header=st.one_of(st.none(), any_text(60)),
        data=st.data(),
    )
    @tally.counted
    def check(body: bytes, secrets: list[str], header: str | None, data: st.DataObject) -> None:
        signer = data.draw(st.sampled_from(secrets))
        good = base64.b64encode(hmac.new(signer.encode(), body, hashlib.sha256).digest()).decode()
        verify_platform_signature(good, body, secrets)
        for wrong in (header, good[:-2], good.lower() if good.lower() != good else None):
            if wrong is None or wrong.strip() == good:
                continue
            try:
                verify_platform_signature(wrong, body, secrets)
            except InvalidSignature:
                continue
            raise AssertionError(f"accepted {wrong!r}")
        if body:
            try:
                verify_platform_signature(good, body + b" ", secrets)
            except InvalidSignature:
                return
            raise AssertionError("accepted for another body")

    with tally.recorded():
        check()


def test_any_shopify_delivery_is_read_into_events_the_handlers_accept_or_refused_precisely() -> None:
    tally = Tally("fuzz: Shopify webhook reader", (InvalidInput,))

    @fuzz(400)
    @given(
        body=mutated(SHOPIFY_BODIES),
        topic=st.one_of(st.sampled_from(SHOPIFY_TOPICS), any_text(20)),
        webhook_id=st.one_of(st.text(min_size=1, max_size=20), any_text(30), st.none()),
    )
    @tally.counted
    def check(body: bytes, topic: str, webhook_id: str | None) -> None:
        shop = "dev-shop.myshopify.com"
        delivery = ShopifyDelivery(signature="x", topic=topic, shop=shop, webhook_id=webhook_id)
        try:
            request = compliance_request(body, delivery, shop)
            envelopes = [] if request is not None else shopify_envelopes(body, delivery, shop, NOW)
            for envelope in envelopes:
                PLATFORM_HANDLERS[envelope.type][0](envelope)
                assert envelope.id.startswith(f"shopify:{shop}:")
        except InvalidInput as refused:
            assert refused.code in CODES, refused.code
            return
        if request is not None:
            assert request.event_id.startswith(f"shopify:{shop}:")
            assert request.customer_id is None or request.customer_id.startswith(f"shopify:{shop}:")

    with tally.recorded():
        check()


def test_any_woocommerce_delivery_is_read_into_an_event_the_handlers_accept_or_refused_precisely() -> None:
    tally = Tally("fuzz: WooCommerce webhook reader", (InvalidInput,))

    @fuzz(300)
    @given(
        body=mutated(WOO_BODIES),
        topic=st.one_of(st.sampled_from(WOO_TOPICS), any_text(20)),
        source=st.one_of(st.just("https://shop.example/"), any_text(40), st.none()),
        delivery_id=st.one_of(st.text(min_size=1, max_size=20), any_text(30), st.none()),
    )
    @tally.counted
    def check(body: bytes, topic: str, source: str | None, delivery_id: str | None) -> None:
        delivery = WooDelivery(signature="x", topic=topic, source=source, delivery_id=delivery_id)
        try:
            envelope = woocommerce_envelope(body, delivery)
            if envelope is not None:
                PLATFORM_HANDLERS[envelope.type][0](envelope)
                assert envelope.id.startswith("woocommerce:")
        except InvalidInput as refused:
            assert refused.code in CODES, refused.code

    with tally.recorded():
        check()
