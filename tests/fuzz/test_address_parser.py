"""Fuzzing the address parser (chalicelib/domain/addresses.py), which every webhook, import, API call and From header
goes through: whatever it is given, it returns one canonical address or raises InvalidAddress, and the canonical
form is the identity SPEC §2 describes (case-insensitive, IDNA domain, NFC; plus-tags and dots kept; exactly one
address or nothing)."""

import string
import unicodedata
from contextlib import suppress

import idna
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.addresses import normalize_address
from chalicelib.domain.errors import InvalidAddress
from tests.fuzz.fuzzing import Tally, fuzz

CATEGORY = "fuzz: address parser"
ATEXT = string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~"
# Letters with the case mappings that trip canonical forms up: dotted and dotless i, final sigma, sharp s, titlecase
# digraphs, a ligature, fullwidth, and scripts without case.
WIDE = "éüößøñçåÉÜÖØÑÇÅİıΣσςǅǆǄﬁＡａжЖあ中"
DOMAIN_LETTERS = string.ascii_lowercase + string.digits + "äöüéñçåø"
# What may never survive into a canonical address: blanks, controls and the characters that delimit addresses.
NEVER_IN_CANONICAL = set(' \t\r\n\x00<>(),;:"[]\\') | {"\u2028", "\u2029", "\x85"}

atom = st.text(st.sampled_from(ATEXT + WIDE), min_size=1, max_size=10)
local_part = st.lists(atom, min_size=1, max_size=3).map(".".join)
label = st.text(st.sampled_from(DOMAIN_LETTERS), min_size=1, max_size=12)
domain = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(label, min_size=1, max_size=3),
    st.text(st.sampled_from(string.ascii_lowercase), min_size=2, max_size=6),
)
address = st.builds(lambda local, host: f"{local}@{host}", local_part, domain)
# Any code point at all, lone surrogates included: JSON bodies can carry them ("\ud800" is valid JSON).
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
hostile_char = st.sampled_from([*sorted(NEVER_IN_CANONICAL), "@", ".", "..", "\ufeff", "\u200b", "\u0301", "\ud800"])


@st.composite
def mangled_address(draw: st.DrawFn) -> str:
    """A plausible address with hostile characters put in anywhere."""
    text = draw(address)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(hostile_char) + text[at:]
    return text


json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
anything = st.one_of(
    st.text(any_char, max_size=120),
    mangled_address(),
    address,
    st.builds(lambda text, times: text * times, address, st.integers(2, 80)),  # past every length limit
    json_scalar,
    st.lists(address, max_size=2),
    st.dictionaries(st.text(max_size=5), address, max_size=2),
    st.binary(max_size=40),
)


def canonical_or_refused(raw: object) -> str | None:
    try:
        return normalize_address(raw)
    except InvalidAddress:
        return None


def assert_canonical(canonical: str) -> None:
    local, at, host = canonical.rpartition("@")
    assert at and local and "@" not in host, canonical
    assert not NEVER_IN_CANONICAL & set(canonical), canonical
    assert not any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp", "Zs") for ch in canonical), canonical
    assert host.isascii() and host == host.lower(), f"the domain is not in lower-case IDNA form: {canonical}"
    assert len(canonical.encode("utf-8")) <= 254, canonical
    # the canonical form is a fixed point: stored identities never drift when read back and normalised again
    assert normalize_address(canonical) == canonical, canonical


@pytest.mark.reliability
def test_any_input_is_one_canonical_address_or_invalid_address() -> None:
    tally = Tally(CATEGORY, (InvalidAddress,))

    @fuzz(300)
    @given(raw=anything)
    @tally.counted
    def check(raw: object) -> None:
        canonical = canonical_or_refused(raw)
        if canonical is not None:
            assert isinstance(raw, str)
            assert_canonical(canonical)

    with tally.recorded():
        check()


def case_flipped(text: str, flips: list[bool]) -> str:
    """Swap the case of chosen characters, where the swap is a simple one-to-one case pair."""
    out = []
    for ch, flip in zip(text, flips + [False] * len(text), strict=False):
        swapped = ch.swapcase()
        out.append(swapped if flip and len(swapped) == 1 and swapped.swapcase() == ch else ch)
    return "".join(out)


@st.composite
def same_address_respelled(draw: st.DrawFn) -> tuple[str, str]:
    """(an address, the same address spelt another way SPEC §2 says is the same): case, blanks, NFD, IDNA."""
    original = draw(address)
    local, _, host = original.rpartition("@")
    if draw(st.booleans()):
        local = case_flipped(local, draw(st.lists(st.booleans(), max_size=len(local))))
    if draw(st.booleans()):
        host = case_flipped(host, draw(st.lists(st.booleans(), max_size=len(host))))
    if draw(st.booleans()):
        # not a valid IDNA name: then the parser must refuse both spellings, which the test also checks
        with suppress(idna.IDNAError):
            host = idna.encode(host, uts46=True).decode("ascii")
    respelled = f"{local}@{host}"
    if draw(st.booleans()):
        respelled = unicodedata.normalize("NFD", respelled)
    blanks = st.text(st.sampled_from(" \t"), max_size=3)
    return original, draw(blanks) + respelled + draw(blanks)


@pytest.mark.reliability
def test_spellings_the_spec_calls_equal_are_one_identity_and_plus_tags_and_dots_are_not() -> None:
    """A removal asked for in one spelling must reach the subscription made in another; never one accepted and the
    other refused. A plus-tag or an extra dot is someone else (SPEC §2)."""
    tally = Tally(CATEGORY, (InvalidAddress,))

    @fuzz(200)
    @given(pair=same_address_respelled(), tag=st.text(st.sampled_from(string.ascii_lowercase), min_size=1, max_size=6))
    @tally.counted
    def check(pair: tuple[str, str], tag: str) -> None:
        original, respelled = pair
        canonical = canonical_or_refused(original)
        assert canonical_or_refused(respelled) == canonical, f"{original!r} and {respelled!r} differ"
        if canonical is None:
            return
        local, _, host = canonical.rpartition("@")
        for other in (f"{local}+{tag}@{host}", f"{local[:1]}.{local[1:]}@{host}" if len(local) > 1 else None):
            if other is not None:
                assert canonical_or_refused(other) != canonical, f"{other!r} merged into {canonical!r}"

    with tally.recorded():
        check()


TWO_ADDRESSES = [
    "{a}, {b}",
    "{a},{b}",
    "{a}; {b}",
    "{a} {b}",
    "{a}\t{b}",
    "{a}\r\n{b}",
    "{a}\n",
    "{a}\x00{b}",
    "{a} <{b}>",
    "{a})<{b}>",
    "{a}({b})",
    "({a}){b}",
    "<{a}>",
    "<{a}><{b}>",
    "Name <{a}>",
    '"{a}" <{b}>',
    '"{a}"',
    "group: {a}, {b};",
    "{a}@{b}",
    "{a}\r\nBcc: {b}",
]


@pytest.mark.reliability
def test_anything_but_exactly_one_bare_address_is_refused_never_guessed() -> None:
    tally = Tally(CATEGORY, (InvalidAddress,))

    @fuzz(200)
    @given(a=address, b=address, shape=st.sampled_from(TWO_ADDRESSES))
    @tally.counted
    def check(a: str, b: str, shape: str) -> None:
        combined = shape.format(a=a, b=b)
        assert canonical_or_refused(combined) is None, f"{combined!r} was read as one address"

    with tally.recorded():
        check()
