"""Fuzzing the link-token verifier (chalicelib/domain/tokens.py) behind every /u/{token} link (SPEC §3.2): whatever
string arrives in the path, it verifies to the claims it was issued with or raises InvalidToken. A token that is
altered in any way, spliced from others, made under a foreign key or past its age is refused; the form tag that
guards the page belongs to one token only."""

import base64
import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidToken
from chalicelib.domain.inbound import MAILTO_LOCAL
from chalicelib.domain.tokens import ALL_EMAIL, NONCE_BYTES, TokenCodec, scope_code
from tests.fuzz.fuzzing import Tally, any_text, fuzz, plain_address

CATEGORY = "fuzz: link-token verifier"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
KEY1, KEY2 = bytes(32), bytes(range(32))
MAX_AGE_DAYS = 730
CODEC = TokenCodec({"k1": KEY1}, "k1", max_age_days=MAX_AGE_DAYS)
ROTATED = TokenCodec({"k1": KEY1, "k2": KEY2}, "k2", max_age_days=MAX_AGE_DAYS)
FOREIGN = TokenCodec({"k1": KEY2}, "k1", max_age_days=MAX_AGE_DAYS)  # the same key id, another key
BASE64URL = string.ascii_letters + string.digits + "-_"

addresses = st.one_of(plain_address, st.sampled_from(["jane@example.com", "jos\u00e9@xn--bcher-kva.de", "a@b.co"]))
scopes = st.sampled_from(
    [ALL_EMAIL, "updates", "promotions", "catalog", "partner_sharing", "contest:spring-26", "optin:updates,surveys"]
)
issued_at = st.integers(0, 400 * 86400).map(lambda back: NOW - timedelta(seconds=back))
# A character to put into a token: the URL-safe alphabet, the standard one, padding, separators, anything else.
token_char = st.one_of(st.sampled_from(BASE64URL + "+/=.~%! \n\x00"), st.characters(exclude_categories=()))


def claims_of(codec: TokenCodec, token: str, at: datetime = NOW) -> tuple[str, str] | None:
    try:
        claims = codec.verify(token, at)
    except InvalidToken:
        return None
    return claims.address, claims.scope


@st.composite
def altered(draw: st.DrawFn, token: str, other: str) -> str:
    """The token changed in one of the ways a mail client, a proxy or an attacker might change it."""
    kid, _, body = token.partition(".")
    at = draw(st.integers(0, len(token) - 1))
    how = draw(
        st.sampled_from(
            [
                "replace",
                "insert",
                "delete",
                "truncate",
                "append",
                "swap",
                "case",
                "std_alphabet",
                "padding",
                "kid",
                "splice",
                "repeat",
            ]
        )
    )
    if how == "replace":
        return token[:at] + draw(token_char.filter(lambda ch: ch != token[at])) + token[at + 1 :]
    if how == "insert":
        return token[:at] + draw(token_char) + token[at:]
    if how == "delete":
        return token[:at] + token[at + 1 :]
    if how == "truncate":
        return token[:at]
    if how == "append":
        return token + draw(st.text(token_char, min_size=1, max_size=8))
    if how == "swap":
        to = draw(st.integers(0, len(token) - 1))
        chars = list(token)
        chars[at], chars[to] = chars[to], chars[at]
        return "".join(chars)
    if how == "case":
        return f"{kid}.{body.swapcase()}" if draw(st.booleans()) else f"{kid.upper()}.{body}"
    if how == "std_alphabet":
        return f"{kid}.{body.replace('-', '+').replace('_', '/')}"
    if how == "padding":
        return token + "=" * draw(st.integers(1, 3))
    if how == "kid":
        return f"{draw(st.sampled_from(['k2', 'k', 'k10', '', 'K1', ' k1']))}.{body}"
    if how == "splice":  # one token's nonce with another's ciphertext and tag, or the reverse
        mine, theirs = base64.urlsafe_b64decode(body + "=="), base64.urlsafe_b64decode(other.partition(".")[2] + "==")
        n = NONCE_BYTES
        spliced = mine[:n] + theirs[n:] if draw(st.booleans()) else theirs[:n] + mine[n:]
        return f"{kid}.{base64.urlsafe_b64encode(spliced).rstrip(b'=').decode()}"
    return token + "." + body


@pytest.mark.reliability
def test_an_altered_or_spliced_token_is_refused_and_never_names_another_address() -> None:
    """SPEC §3.2: a token cannot be forged or altered. Any string but the exact token issued is refused, so no
    change to a link can reach another address or another scope."""
    tally = Tally(CATEGORY, (InvalidToken,))

    @fuzz(200)
    @given(data=st.data(), address=addresses, other_address=addresses, scope=scopes)
    @tally.counted
    def check(data: st.DataObject, address: str, other_address: str, scope: str) -> None:
        token = CODEC.issue(address, scope, NOW)
        other = CODEC.issue(other_address, scope, NOW)
        candidate = data.draw(altered(token, other))
        if candidate == token:  # a swap of equal characters changes nothing
            return
        assert claims_of(CODEC, candidate) is None, f"altered token {candidate!r} accepted"
        assert claims_of(ROTATED, candidate) is None, f"altered token {candidate!r} accepted after rotation"

    with tally.recorded():
        check()


@pytest.mark.reliability
def test_every_single_character_change_of_a_token_is_refused() -> None:
    """Exhaustive over positions, random over replacements: including the characters whose low bits base64 ignores
    and the standard-alphabet twins of '-' and '_'."""
    tally = Tally(CATEGORY, (InvalidToken,))

    @fuzz(100)
    @given(address=addresses, scope=scopes, replacement=token_char)
    @tally.counted
    def check(address: str, scope: str, replacement: str) -> None:
        token = CODEC.issue(address, scope, NOW)
        for at in range(len(token)):
            if token[at] != replacement:
                candidate = token[:at] + replacement + token[at + 1 :]
                assert claims_of(CODEC, candidate) is None, f"{candidate!r} accepted (position {at})"

    with tally.recorded():
        check()


@pytest.mark.reliability
def test_arbitrary_strings_are_refused_with_the_one_neutral_error() -> None:
    tally = Tally(CATEGORY, (InvalidToken,))
    shaped = st.builds(
        "{}.{}".format,
        st.sampled_from(["k1", "k2", "zz"]),
        st.binary(min_size=0, max_size=120).map(lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()),
    )

    @fuzz(200)
    @given(candidate=st.one_of(any_text(1100), shaped, st.text(st.sampled_from(BASE64URL + "."), max_size=200)))
    @tally.counted
    def check(candidate: str) -> None:
        try:
            CODEC.verify(candidate, NOW)
        except InvalidToken as refused:
            assert refused.message == "invalid link"  # the page never says what was wrong
        else:
            raise AssertionError(f"a string nobody issued verified: {candidate!r}")

    with tally.recorded():
        check()


@pytest.mark.reliability
def test_issued_tokens_round_trip_through_rotation_and_age_but_no_foreign_key() -> None:
    tally = Tally(CATEGORY, (InvalidToken,))

    @fuzz(200)
    @given(address=addresses, scope=scopes, issued=issued_at, age_seconds=st.integers(0, 800 * 86400))
    @tally.counted
    def check(address: str, scope: str, issued: datetime, age_seconds: int) -> None:
        token = CODEC.issue(address, scope, issued)
        at = issued + timedelta(seconds=age_seconds)
        expected = (address, scope) if age_seconds <= MAX_AGE_DAYS * 86400 else None
        assert claims_of(CODEC, token, at) == expected, (age_seconds, token)
        assert claims_of(ROTATED, token, at) == expected, "a rotated keyring must keep reading old tokens"
        assert claims_of(FOREIGN, token, at) is None, "a token sealed under another key was accepted"
        assert CODEC.verify(token, issued).issued_second == int(
            (issued - datetime(2020, 1, 1, tzinfo=UTC)).total_seconds()
        )
        newer = ROTATED.issue(address, scope, issued)
        assert newer.startswith("k2.") and claims_of(CODEC, newer, issued) is None

    with tally.recorded():
        check()


@pytest.mark.reliability
def test_a_form_tag_is_accepted_only_for_its_own_token() -> None:
    tally = Tally(CATEGORY, (InvalidToken,))
    anything = st.one_of(st.text(max_size=80), st.none(), st.integers(), st.lists(st.text(max_size=4), max_size=2))

    @fuzz(200)
    @given(address=addresses, other_address=addresses, scope=scopes, forged=anything, at=st.integers(0, 31))
    @tally.counted
    def check(address: str, other_address: str, scope: str, forged: object, at: int) -> None:
        token, other = CODEC.issue(address, scope, NOW), CODEC.issue(other_address, scope, NOW)
        tag = CODEC.form_tag(token)
        assert CODEC.check_form_tag(token, tag)
        assert not CODEC.check_form_tag(token, CODEC.form_tag(other)), "another link's tag was accepted"
        changed = tag[:at] + ("0" if tag[at] != "0" else "1") + tag[at + 1 :]
        for wrong in (changed, tag[:at], tag + "0", tag.upper() if tag != tag.upper() else tag + " ", forged):
            assert not CODEC.check_form_tag(token, wrong), f"tag {wrong!r} accepted"

    with tally.recorded():
        check()


@pytest.mark.reliability
def test_mailto_handles_fit_a_local_part_and_are_read_back_by_the_inbound_classifier() -> None:
    """The handle goes into unsubscribe+<handle>@…: at most 64 octets, any case, and exactly what the inbound
    classifier extracts again (SPEC §4)."""
    tally = Tally(CATEGORY, ())

    @fuzz(150)
    @given(item_key=st.binary(min_size=16, max_size=16), scope=st.one_of(scopes, st.text(max_size=30)))
    @tally.counted
    def check(item_key: bytes, scope: str) -> None:
        handle = CODEC.mailto_handle(item_key, scope)
        assert handle == CODEC.mailto_handle(item_key, scope)
        local = f"unsubscribe+{handle}"
        assert len(local.encode()) <= 64
        for spelling in (handle, handle.upper()):
            match = MAILTO_LOCAL.match(f"unsubscribe+{spelling}@shop.example")
            assert match is not None and match.group(1).lower() == handle
            read = CODEC.read_mailto_handle(match.group(1))
            assert read is not None and read.item_key == item_key and read.scope_code == scope_code(scope)

    with tally.recorded():
        check()
