"""The Belgian national register number (INSZ / rijksregisternummer), checked by its checksum.

Eleven digits: birth date (YYMMDD, the month raised by 20 or 40 for a BIS number), a serial
number and two check digits: 97 minus the first nine digits modulo 97; for people born in
2000 or later the nine digits are read with a 2 in front. Only a keyed hash of the number is
stored (Client.national_number_hash), to recognise a known client in the next case list.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-/]")


class InvalidNationalNumber(ValueError):
    pass


def normalise_national_number(raw: str) -> str:
    """The eleven digits, separators dropped ('85.07.30-033.28' → '85073003328')."""
    digits = _SEPARATORS.sub("", raw.strip())
    # ASCII digits only: str.isdigit() also takes "²" and full-width digits.
    if not (digits.isascii() and digits.isdigit()) or len(digits) != 11:
        raise InvalidNationalNumber("een rijksregisternummer heeft 11 cijfers")
    body, check = int(digits[:9]), int(digits[9:])
    if check not in (97 - body % 97, 97 - (2_000_000_000 + body) % 97):
        raise InvalidNationalNumber("de controlecijfers kloppen niet: kijk het nummer na")
    return digits
