"""The national register number (INSZ): its checksum, its separators, and its keyed hash."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.fernet import Fernet

from messenger.casework.national_number import InvalidNationalNumber, normalise_national_number
from messenger.platform.encryption import SecretBox

# --- valid numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Born before 2000: 97 - 850730033 % 97 == 28.
        ("85.07.30-033.28", "85073003328"),
        ("85073003328", "85073003328"),
        # Born in 2000 or later: 97 - (2_000_000_000 + 50101000) % 97 == 14.
        ("05010100014", "05010100014"),
        ("05.01.01-000.14", "05010100014"),
        # The sample file's example: birth date 00.00.00, valid by the pre-2000 rule.
        ("00.00.00-001.96", "00000000196"),
    ],
)
def test_valid_numbers_are_normalised_to_eleven_digits(raw: str, expected: str) -> None:
    assert normalise_national_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "85 07 30 033 28",
        "85.07.30.033.28",
        "85-07-30-033-28",
        "85/07/30/033/28",
        "850730-03328",
        " 85.07.30-033.28 ",
        "85.07.30 - 033.28",
        "85\t07\t30\t033\t28",
    ],
)
def test_separators_are_ignored(raw: str) -> None:
    assert normalise_national_number(raw) == "85073003328"


@pytest.mark.parametrize(
    ("first_nine", "born_2000_or_later"),
    [
        ("850730033", False),
        ("050101000", True),
        ("000000001", False),
        ("991231999", False),
        ("240229123", True),
    ],
)
def test_the_check_digits_follow_the_rule_for_the_century(
    first_nine: str, born_2000_or_later: bool
) -> None:
    body = int(first_nine) + (2_000_000_000 if born_2000_or_later else 0)
    number = f"{first_nine}{97 - body % 97:02d}"
    assert normalise_national_number(number) == number


# --- refused numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "8507300332",  # ten digits
        "850730033280",  # twelve digits
        "85.07.30-033.2",
        "5010100014",  # an Excel number that lost its leading 0
        "85.07.30-O33.28",  # letter O for zero
        "85073003328a",
        "AB.07.30-033.28",
        "85,07,30,033,28",  # a comma is not a separator
        "+85073003328",
        "85_07_30_033_28",
    ],
)
def test_wrong_length_or_letters_are_refused(raw: str) -> None:
    with pytest.raises(InvalidNationalNumber, match="11 cijfers"):
        normalise_national_number(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "85.07.30-033.29",  # last check digit off by one
        "85.07.30-033.27",
        "85.07.30-034.28",  # serial changed
        "86.07.30-033.28",  # birth year changed
        "05.01.01-000.15",
        "00.00.00-001.97",
        "00000000000",
        "99999999999",
    ],
)
def test_a_wrong_checksum_is_refused(raw: str) -> None:
    with pytest.raises(InvalidNationalNumber, match="controlecijfers kloppen niet"):
        normalise_national_number(raw)


def test_the_error_is_a_value_error() -> None:
    assert issubclass(InvalidNationalNumber, ValueError)


def test_a_superscript_digit_is_refused_with_the_dutch_reason() -> None:
    with pytest.raises(InvalidNationalNumber):
        normalise_national_number("²5073003328")


def test_full_width_digits_are_not_returned_as_they_are() -> None:
    try:
        result = normalise_national_number("８５０７３００３３２８")
    except InvalidNationalNumber:
        return  # refusing them is fine too
    assert result == "85073003328"


# --- the keyed hash (Client.national_number_hash) --------------------------------------------

KEY = Fernet.generate_key()
OTHER_KEY = Fernet.generate_key()


@pytest.mark.parametrize("value", ["85073003328", "05010100014", "00000000196"])
def test_the_same_value_gives_the_same_fingerprint(value: str) -> None:
    assert SecretBox(KEY).fingerprint(value) == SecretBox(KEY).fingerprint(value)


@pytest.mark.parametrize("key", [KEY, KEY.decode()], ids=["bytes", "text"])
def test_the_key_may_be_given_as_bytes_or_text(key: str | bytes) -> None:
    assert SecretBox(key).fingerprint("85073003328") == SecretBox(KEY).fingerprint("85073003328")


@pytest.mark.parametrize("value", ["85073003328", "05010100014"])
def test_different_keys_give_different_fingerprints(value: str) -> None:
    assert SecretBox(KEY).fingerprint(value) != SecretBox(OTHER_KEY).fingerprint(value)


@pytest.mark.parametrize(
    ("one", "other"),
    [("85073003328", "05010100014"), ("85073003328", "85073003329"), ("00000000196", "")],
)
def test_different_values_give_different_fingerprints(one: str, other: str) -> None:
    box = SecretBox(KEY)
    assert box.fingerprint(one) != box.fingerprint(other)


@pytest.mark.parametrize("value", ["85073003328", "05010100014", "00000000196"])
def test_the_number_cannot_be_read_from_its_fingerprint(value: str) -> None:
    fingerprint = SecretBox(KEY).fingerprint(value)
    assert value not in fingerprint
    assert value[:6] not in fingerprint  # not even the birth date
    assert len(fingerprint) == 64
    assert set(fingerprint) <= set("0123456789abcdef")


def test_a_fingerprint_is_not_a_plain_hash_of_the_number() -> None:
    value = "85073003328"
    assert SecretBox(KEY).fingerprint(value) != hashlib.sha256(value.encode()).hexdigest()
