import pytest

from chalicelib.domain.errors import InvalidSignature
from chalicelib.domain.signatures import sign, verify_signature

BODY = b'{"id":"evt_1"}'
NOW = 1_800_000_000


def test_a_correct_signature_within_tolerance_is_accepted() -> None:
    verify_signature(sign("s1", NOW - 299, BODY), BODY, ["s1"], NOW)


def test_during_rotation_any_one_matching_v1_is_enough() -> None:
    header = sign("old", NOW, BODY) + ",v1=" + sign("new", NOW, BODY).split("v1=")[1]
    verify_signature(header, BODY, ["new"], NOW)
    verify_signature(header, BODY, ["old"], NOW)
    verify_signature(sign("old", NOW, BODY), BODY, ["new", "old"], NOW)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        f"t={NOW}",
        "v1=" + "0" * 64,
        sign("wrong", NOW, BODY),
        sign("s1", NOW - 301, BODY),  # stale: a replay outside the window
        sign("s1", NOW + 301, BODY),  # from the future
        sign("s1", NOW, BODY + b" "),  # signed a different body
        sign("s1", NOW, BODY).replace("v1=", "v0="),
        f"t=abc,v1={'0' * 64}",
        "t=" + "9" * 5000,
    ],
)
def test_missing_wrong_or_stale_signatures_are_rejected(header: str | None) -> None:
    with pytest.raises(InvalidSignature):
        verify_signature(header, BODY, ["s1"], NOW)


def test_the_body_is_signed_as_raw_bytes_not_as_reserialised_json() -> None:
    reserialised = b'{"id": "evt_1"}'
    with pytest.raises(InvalidSignature):
        verify_signature(sign("s1", NOW, BODY), reserialised, ["s1"], NOW)
