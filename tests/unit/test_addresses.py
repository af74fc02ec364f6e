import pytest

from chalicelib.domain.addresses import normalize_address
from chalicelib.domain.errors import InvalidAddress


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Jane@Example.COM", "jane@example.com"),
        ("  jane@example.com ", "jane@example.com"),
        ("jane+shop@example.com", "jane+shop@example.com"),  # plus-tags are kept: their own address
        ("j.a.n.e@example.com", "j.a.n.e@example.com"),  # dots are kept
        ("anna@bücher.de", "anna@xn--bcher-kva.de"),  # the domain compared in IDNA form
        ("anna@XN--BCHER-KVA.de", "anna@xn--bcher-kva.de"),
        ("Jose\u0301@example.com", "jos\u00e9@example.com"),  # NFC: a decomposed é equals the composed one
    ],
)
def test_addresses_are_compared_in_one_canonical_form(raw: str, canonical: str) -> None:
    assert normalize_address(raw) == canonical


def test_plus_tag_and_plain_address_are_different_people() -> None:
    assert normalize_address("jane+shop@example.com") != normalize_address("jane@example.com")


@pytest.mark.parametrize(
    "raw",
    [
        "alice@x)<bob@y>",
        "alice@example.com)<bob@example.org>",
        "alice@example.com, bob@example.org",
        "alice@example.com bob@example.org",
        "Alice <alice@example.com>",
        "<alice@example.com>",
        "alice@example.com\r\nBcc: victim@example.org",
        "alice@example.com\n",
        "alice(comment)@example.com",
        '"alice"@example.com',
        "alice@@example.com",
        "alice",
        "@example.com",
        "alice@localhost",
        "",
        "   ",
        "a" * 300 + "@example.com",
        None,
        42,
        ["alice@example.com"],
    ],
)
def test_anything_but_exactly_one_address_is_rejected(raw: object) -> None:
    with pytest.raises(InvalidAddress):
        normalize_address(raw)
