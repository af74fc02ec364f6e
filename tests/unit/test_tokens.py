import base64
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import InvalidToken
from chalicelib.domain.tokens import ALL_EMAIL, TokenCodec, scope_code

NOW = datetime(2026, 11, 25, tzinfo=UTC)
KEY1, KEY2 = bytes(32), bytes(range(32))


def codec(active: str = "k1", **keys: bytes) -> TokenCodec:
    return TokenCodec(keys or {"k1": KEY1}, active)


def test_a_token_round_trips_its_address_and_scope() -> None:
    token = codec().issue("jane@example.com", "promotions", NOW)
    claims = codec().verify(token, NOW)
    assert (claims.address, claims.scope) == ("jane@example.com", "promotions")


def test_a_token_does_not_reveal_the_address() -> None:
    token = codec().issue("jane@example.com", ALL_EMAIL, NOW)
    body = token.split(".", 1)[1]
    decoded = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert b"jane" not in decoded and "jane" not in token


def test_every_single_character_change_is_rejected() -> None:
    token = codec().issue("jane@example.com", ALL_EMAIL, NOW)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for index in range(3, len(token)):
        replacement = alphabet[(alphabet.index(token[index]) + 1) % len(alphabet)]
        altered = token[:index] + replacement + token[index + 1 :]
        with pytest.raises(InvalidToken):
            codec().verify(altered, NOW)


@pytest.mark.parametrize("cut", [1, 5, 20])
def test_truncated_tokens_are_rejected(cut: int) -> None:
    token = codec().issue("jane@example.com", ALL_EMAIL, NOW)
    with pytest.raises(InvalidToken):
        codec().verify(token[:-cut], NOW)


@pytest.mark.parametrize("garbage", ["", ".", "k1.", "k9.abc", "nokeyid", "k1." + "A" * 2000, "k1.!!!!"])
def test_garbage_is_rejected_with_the_same_error(garbage: str) -> None:
    with pytest.raises(InvalidToken) as caught:
        codec().verify(garbage, NOW)
    assert caught.value.message == "invalid link"


def test_a_token_made_with_a_foreign_key_is_rejected() -> None:
    foreign = TokenCodec({"k1": KEY2}, "k1").issue("jane@example.com", ALL_EMAIL, NOW)
    with pytest.raises(InvalidToken):
        codec().verify(foreign, NOW)


def test_keys_rotate_old_tokens_keep_working_and_new_ones_use_the_new_key() -> None:
    old = codec().issue("jane@example.com", ALL_EMAIL, NOW)
    rotated = TokenCodec({"k1": KEY1, "k2": KEY2}, "k2")
    assert rotated.verify(old, NOW).address == "jane@example.com"
    new = rotated.issue("jane@example.com", ALL_EMAIL, NOW)
    assert new.startswith("k2.")
    with pytest.raises(InvalidToken):
        codec().verify(new, NOW)  # a keyring without k2 cannot read it


def test_tokens_live_at_least_400_days_and_expire_after_their_maximum_age() -> None:
    token = codec().issue("jane@example.com", ALL_EMAIL, NOW)
    assert codec().verify(token, NOW + timedelta(days=400)).address == "jane@example.com"
    assert codec().verify(token, NOW + timedelta(days=730)).address == "jane@example.com"
    with pytest.raises(InvalidToken):
        codec().verify(token, NOW + timedelta(days=732))


def test_a_keyring_cannot_be_configured_for_less_than_400_days() -> None:
    with pytest.raises(ValueError, match="400"):
        TokenCodec({"k1": KEY1}, "k1", max_age_days=399)


JANE_KEY, JOHN_KEY = bytes(range(16)), bytes(range(1, 17))


def test_mailto_handles_are_short_case_insensitive_and_stable() -> None:
    handle = codec().mailto_handle(JANE_KEY, ALL_EMAIL)
    assert handle == codec().mailto_handle(JANE_KEY, ALL_EMAIL)
    assert handle != codec().mailto_handle(JOHN_KEY, ALL_EMAIL)
    assert handle != codec().mailto_handle(JANE_KEY, "promotions")
    assert handle == handle.lower() and handle.isalnum() and len(f"unsubscribe+{handle}") <= 64
    read = codec().read_mailto_handle(handle.upper())
    assert read is not None and (read.item_key, read.scope_code) == (JANE_KEY, scope_code(ALL_EMAIL))


def test_a_mailto_handle_cannot_be_altered_or_made_without_the_key() -> None:
    handle = codec().mailto_handle(JANE_KEY, ALL_EMAIL)
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    for i in range(len(handle)):  # every single-character change: another person, another list, another tag
        changed = handle[:i] + alphabet[(alphabet.index(handle[i]) + 1) % 32] + handle[i + 1 :]
        assert codec().read_mailto_handle(changed) is None
    foreign = TokenCodec({"k9": KEY2}, "k9").mailto_handle(JANE_KEY, ALL_EMAIL)
    assert codec().read_mailto_handle(foreign) is None
    for junk in ("", handle[:-1], handle + "a", "0" * 40, "!" * 40):
        assert codec().read_mailto_handle(junk) is None


def test_mailto_handles_made_under_an_earlier_key_are_still_read_after_a_rotation() -> None:
    old = codec().mailto_handle(JANE_KEY, ALL_EMAIL)
    rotated = TokenCodec({"k1": KEY1, "k2": KEY2}, "k2")
    read = rotated.read_mailto_handle(old)
    assert read is not None and read.item_key == JANE_KEY
    assert rotated.mailto_handle(JANE_KEY, ALL_EMAIL) != old
