"""Who a message goes to: phone numbers, email addresses and Belgian postal addresses.

Pure functions, one per kind of recipient. Each returns the stored form (E.164, the
normalised address, the cleaned address lines) or raises `InvalidRecipient` naming the
field and the reason, so the API can answer a 400 that says what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from channels.letter_checks import too_wide_line

DEFAULT_REGION = "BE"
MIN_ADDRESS_LINES = 3
MAX_ADDRESS_LINES = 6
MAX_LINE_LENGTH = 50
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
_LETTERS = re.compile(r"[^\W\d_]")
_POSTCODE_LINE = re.compile(r"^([1-9]\d{3})\s+(\S.*)$")
_FOREIGN_PREFIX = re.compile(r"^[A-Za-z]{1,2}\s*-\s*\d")
# Characters no Belgian address needs; they point at pasted markup or a wrong column.
_JUNK = re.compile(
    r"[<>{}\[\]\\|^~@=\"*#$%_`]|[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


class InvalidRecipient(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}")
        self.field = field
        self.reason = reason


def normalise_phone_number(raw: str, field: str = "phone_number") -> str:
    """A mobile number in E.164; Belgian national numbers ('0470 12 34 56') are accepted."""
    # phonenumbers reads letters as keypad digits ("0470 ABC DEF"): a typo would text a
    # stranger, so letters and extensions are refused outright.
    if _LETTERS.search(raw):
        raise InvalidRecipient(field, "Not a valid mobile number: it must not contain letters")
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidRecipient(field, "Not a valid mobile number") from None
    if number.extension or not phonenumbers.is_valid_number(number):
        raise InvalidRecipient(field, "Not a valid mobile number")
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise InvalidRecipient(field, "Not a mobile number: text messages need a mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email_address(raw: str, field: str = "email_address") -> str:
    """The address as email-validator normalises it (domain lower-cased, IDNA decoded)."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidRecipient(field, "Not a valid email address") from None
    return str(checked.normalized)


def normalise_postal_address(
    lines: Sequence[str | None], field_prefix: str = "address_line_"
) -> tuple[str, ...]:
    """Belgian address lines, cleaned: name / street + number (+ bus) / postcode municipality.

    `lines` are the values of address_line_1 … address_line_7 (None or "" where not given).
    Rules: 3 to 6 lines, none empty between filled ones, the last one a
    4-digit postcode and a municipality without 'B-', at most 50 characters a line.
    """
    # A line break inside a line is an error, not a space: it hides a wrongly split address.
    for position, line in enumerate(lines, start=1):
        if line and ("\n" in line.strip() or "\r" in line.strip()):
            raise InvalidRecipient(f"{field_prefix}{position}", "must be one line")
    cleaned = [" ".join(line.split()) if line else "" for line in lines]
    last_filled = max((i for i, line in enumerate(cleaned) if line), default=-1)
    for position in range(last_filled):
        if not cleaned[position]:
            raise InvalidRecipient(
                f"{field_prefix}{position + 1}", "is empty, but a later address line is filled"
            )
    filled = cleaned[: last_filled + 1]
    if len(filled) < MIN_ADDRESS_LINES:
        raise InvalidRecipient(
            f"{field_prefix}{len(filled) + 1}",
            "is missing: an address needs at least 3 lines "
            "(name, street and number, postcode and municipality)",
        )
    if len(filled) > MAX_ADDRESS_LINES:
        raise InvalidRecipient(
            f"{field_prefix}{len(filled)}", f"is one too many: at most {MAX_ADDRESS_LINES} lines"
        )
    for position, line in enumerate(filled, start=1):
        if len(line) > MAX_LINE_LENGTH:
            raise InvalidRecipient(
                f"{field_prefix}{position}", f"is longer than {MAX_LINE_LENGTH} characters"
            )
        if _JUNK.search(line):
            raise InvalidRecipient(
                f"{field_prefix}{position}", "contains characters that do not belong in an address"
            )
    # Measured in the letter's font: a line wider than the envelope window would wrap and
    # leave, say, "bus 45" alone on a line the post may not read.
    wide = too_wide_line(filled)
    if wide is not None:
        raise InvalidRecipient(f"{field_prefix}{wide.position}", wide.english())
    _check_postcode_line(filled[-1], f"{field_prefix}{len(filled)}")
    return tuple(filled)


def _check_postcode_line(line: str, field: str) -> None:
    if _FOREIGN_PREFIX.match(line):
        raise InvalidRecipient(field, "must start with the postcode, without 'B-' (e.g. 9000 Gent)")
    if not _POSTCODE_LINE.match(line):
        raise InvalidRecipient(
            field, "must be a Belgian postcode of 4 digits and the municipality (e.g. 9000 Gent)"
        )


def postcode_of(lines: Sequence[str]) -> str | None:
    """The postcode on the last line of a checked address."""
    match = _POSTCODE_LINE.match(lines[-1]) if lines else None
    return match.group(1) if match else None
