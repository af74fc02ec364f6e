"""Fuzzing the storefront webhook signature check (chalicelib/domain/signatures.py, SPEC §3.1), the first thing an
unauthenticated POST meets: any header raises InvalidSignature (401) or proves that one of our secrets signed
exactly this body at a time within 300 s of now. Nothing else: no other exception (a 500 to anyone on the internet),
and no header accepted for another body, another time or another secret."""

import hashlib
import hmac
import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidSignature
from chalicelib.domain.signatures import TOLERANCE_SECONDS, sign, verify_signature
from tests.fuzz.fuzzing import Tally, any_text, fuzz

CATEGORY = "fuzz: webhook signature check"
NOW = 1_800_000_000
secrets = st.lists(st.text(min_size=1, max_size=24), min_size=1, max_size=3, unique=True)
bodies = st.binary(max_size=300)
within = st.integers(-TOLERANCE_SECONDS, TOLERANCE_SECONDS)
# Digits that are not ASCII: str.isdigit() says yes to all of them, int() to only some.
ODD_DIGITS = "²³¹⁰₀①١٢٣٤٥٦٧٨٩۰۱۲۳४५০১๑໑༡၁០᠑１２３𝟏𝟐"


def accepted(header: str | None, body: bytes, keys: list[str]) -> bool:
    try:
        verify_signature(header, body, keys, NOW)
    except InvalidSignature:
        return False
    return True


def mac(secret: str, stamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()


@st.composite
def changed_body(draw: st.DrawFn, body: bytes) -> bytes:
    how = draw(st.sampled_from(["flip", "append", "truncate", "reserialise"]))
    if how == "flip" and body:
        at = draw(st.integers(0, len(body) - 1))
        return body[:at] + bytes([body[at] ^ draw(st.integers(1, 255))]) + body[at + 1 :]
    if how == "truncate" and body:
        return body[: draw(st.integers(0, len(body) - 1))]
    if how == "reserialise":
        return body.replace(b",", b", ") if b"," in body else body + b"\n"
    return body + draw(st.binary(min_size=1, max_size=8))


@pytest.mark.reliability
def test_a_signature_holds_only_for_the_exact_body_timestamp_and_one_of_our_secrets() -> None:
    tally = Tally(CATEGORY, (InvalidSignature,))

    @fuzz(150)
    @given(
        data=st.data(),
        keys=secrets,
        body=bodies,
        skew=within,
        rotation=st.lists(st.text(min_size=1, max_size=12), max_size=2),
        upper=st.booleans(),
        spaced=st.booleans(),
    )
    @tally.counted
    def check(
        data: st.DataObject, keys: list[str], body: bytes, skew: int, rotation: list[str], upper: bool, spaced: bool
    ) -> None:
        stamp = NOW + skew
        signer = data.draw(st.sampled_from(keys))
        # the storefront may send one v1 per secret it holds during a rotation; any one of ours is enough
        macs = [mac(s, stamp, body) for s in [*rotation, signer]]
        macs = [m.upper() if upper else m for m in data.draw(st.permutations(macs))]
        glue = " , " if spaced else ","
        header = glue.join([f"t={stamp}", *(f"v1={m}" for m in macs)])
        assert accepted(header, body, keys), header

        other = data.draw(changed_body(body))
        if other != body:
            assert not accepted(header, other, keys), "accepted for another body"
        outsider = [k for k in keys if k != signer and mac(k, stamp, body) not in {m.lower() for m in macs}]
        assert not accepted(header, body, outsider or ["not-our-secret"]), "accepted without the secret"
        moved_to = NOW + data.draw(within.filter(lambda other_skew: other_skew != skew))
        moved = header.replace(f"t={stamp}", f"t={moved_to}", 1)
        assert not accepted(moved, body, keys), "accepted with another timestamp"
        late = data.draw(st.integers(TOLERANCE_SECONDS + 1, 10**7)) * data.draw(st.sampled_from([1, -1]))
        stale = sign(signer, NOW + late, body)
        assert not accepted(stale, body, keys), "accepted outside the 300 s window"
        at = data.draw(st.integers(0, 63))
        first = macs[-1].lower()
        altered = first[:at] + ("0" if first[at] != "0" else "1") + first[at + 1 :]
        for wrong in (altered, first[:at], first + "0"):
            assert not accepted(f"t={stamp},v1={wrong}", body, keys), f"accepted v1={wrong}"

    with tally.recorded():
        check()


part_key = st.sampled_from(["t", "v1", "v0", "T", "V1", " t", "v1 ", "", "x", "t=t"])
part_value = st.one_of(
    st.text(st.sampled_from(string.hexdigits), max_size=70),
    st.text(st.sampled_from(string.digits + ODD_DIGITS), min_size=1, max_size=12),
    any_text(70),
)


@st.composite
def arbitrary_header(draw: st.DrawFn) -> str:
    """Headers shaped like ours, with a live timestamp so the comparison is reached, and odd digits and bytes."""
    parts = draw(st.lists(st.builds("{}={}".format, part_key, part_value), max_size=6))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), f"t={NOW + draw(within)}")
    return ",".join(parts)


@pytest.mark.reliability
def test_any_header_at_all_is_refused_with_invalid_signature() -> None:
    """What arrives in Listkeeper-Signature is anyone's: every header that does not carry our HMAC gets the same
    401, never another exception."""
    tally = Tally(CATEGORY, (InvalidSignature,))

    @fuzz(300)
    # found by this suite: a non-ASCII v1 made hmac.compare_digest raise TypeError, and a superscript digit passed
    # str.isdigit() and made int() raise ValueError (both a 500 for anyone, instead of the 401)
    @example(header=f"t={NOW},v1=\u00e9", body=b"{}", keys=["s1"])
    @example(header=f"t={NOW},v1={'0' * 63}\u00e9", body=b"{}", keys=["s1"])
    @example(header="t=\u00b2,v1=00", body=b"{}", keys=["s1"])
    @example(header=f"t={NOW},t=\u00b9\u00b2,v1=00", body=b"{}", keys=["s1"])
    @given(
        header=st.one_of(
            st.none(),
            any_text(200),
            arbitrary_header(),
            st.integers(4097, 6000).map(lambda n: f"t={NOW}," + "v1=0," * (n // 5)),
        ),
        body=bodies,
        keys=secrets,
    )
    @tally.counted
    def check(header: str | None, body: bytes, keys: list[str]) -> None:
        assert not accepted(header, body, keys), f"a header nobody signed was accepted: {header!r}"

    with tally.recorded():
        check()


@pytest.mark.reliability
def test_unicode_digits_never_stand_for_the_timestamp() -> None:
    """A timestamp written in other digits is not the signed decimal one: signing "١٨٠٠٠٠٠٠٠٠.<body>" and
    verifying it as 1800000000 would make two headers one."""
    tally = Tally(CATEGORY, (InvalidSignature,))

    @fuzz(100)
    @given(body=bodies, secret=st.text(min_size=1, max_size=12))
    @tally.counted
    def check(body: bytes, secret: str) -> None:
        arabic = str(NOW).translate(str.maketrans(string.digits, "٠١٢٣٤٥٦٧٨٩"))
        header = f"t={arabic},v1={mac(secret, NOW, body)}"
        assert not accepted(header, body, [secret]), header

    with tally.recorded():
        check()
