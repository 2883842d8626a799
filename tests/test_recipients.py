"""Recipients: mobile numbers, email addresses and Belgian postal addresses."""

from __future__ import annotations

import pytest

from messenger.messages.recipients import (
    InvalidRecipient,
    normalise_email_address,
    normalise_phone_number,
    normalise_postal_address,
    postcode_of,
)

# --- phone numbers -------------------------------------------------------------------------


BELGIAN_FORMS = ["0470123456", "0470 12 34 56", "0470 123 456", "0470.12.34.56"]
BELGIAN_FORMS += ["0470/12.34.56", "0470-12-34-56", "+32470123456", "+32 470 12 34 56"]
BELGIAN_FORMS += ["+32 (0)470 12 34 56", "0032470123456", "0032 470 12 34 56", " 0470123456 "]


@pytest.mark.parametrize("raw", BELGIAN_FORMS)
def test_belgian_mobile_numbers_are_stored_in_e164(raw: str) -> None:
    assert normalise_phone_number(raw) == "+32470123456"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0499 99 88 77", "+32499998877"),
        ("0486 12 34 56", "+32486123456"),
        ("+31 6 12345678", "+31612345678"),
        ("0031 6 1234 5678", "+31612345678"),
    ],
)
def test_other_mobile_numbers(raw: str, expected: str) -> None:
    assert normalise_phone_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "09 123 45 67",  # Gent landline
        "02 555 12 12",  # Brussels landline
        "+32 9 123 45 67",
        "0800 12345",  # free phone
    ],
)
def test_landlines_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidRecipient) as caught:
        normalise_phone_number(raw)
    assert caught.value.field == "phone_number"
    assert "mobile" in caught.value.reason


JUNK = ["", "   ", "hello", "0470", "0470 12 34 5", "+32 470 12 34 56 78", "+999 470 12 34 56"]
JUNK += ["0470 12 34 5O", "+32 470 12 34 56 / 0470 12 34 56"]  # letter O; two numbers


@pytest.mark.parametrize("raw", JUNK)
def test_junk_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidRecipient) as caught:
        normalise_phone_number(raw)
    assert caught.value.field == "phone_number"
    assert caught.value.reason.startswith("Not a valid mobile number")
    assert str(caught.value).startswith("phone_number Not a valid mobile number")


def test_the_field_name_can_be_chosen() -> None:
    with pytest.raises(InvalidRecipient) as caught:
        normalise_phone_number("09 123 45 67", field="mobile")
    assert caught.value.field == "mobile"
    assert str(caught.value).startswith("mobile ")


def test_invalid_recipient_is_a_value_error() -> None:
    assert issubclass(InvalidRecipient, ValueError)


@pytest.mark.parametrize("raw", ["0470 ABC DEF", "0470-CALL-ME"])
def test_letters_in_a_phone_number_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidRecipient):
        normalise_phone_number(raw)


# --- email addresses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sara@ocmw.be", "sara@ocmw.be"),
        ("Sara@OCMW.Gent.BE", "Sara@ocmw.gent.be"),
        ("  sara@ocmw.be  ", "sara@ocmw.be"),
        ("sara.janssens+lac@gent.be", "sara.janssens+lac@gent.be"),
        ("jan@bücher.be", "jan@bücher.be"),
        ("jan@xn--bcher-kva.be", "jan@bücher.be"),
    ],
)
def test_valid_email_addresses_are_normalised(raw: str, expected: str) -> None:
    assert normalise_email_address(raw) == expected


BAD_EMAILS = ["", "   ", "sara", "sara@", "@x.be", "a b@c.be", "sara@@ocmw.be", "a..b@c.be"]
BAD_EMAILS += ["sara@localhost", "Sara <sara@ocmw.be>", "sara@ocmw.be, jan@ocmw.be"]


@pytest.mark.parametrize("raw", BAD_EMAILS)
def test_invalid_email_addresses_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidRecipient) as caught:
        normalise_email_address(raw)
    assert caught.value.field == "email_address"
    assert caught.value.reason == "Not a valid email address"


# --- postal addresses ----------------------------------------------------------------------

NAME, STREET, TOWN = "Sara Janssens", "Kerkstraat 12", "9000 Gent"


def _field_of(lines: list[str | None]) -> str:
    with pytest.raises(InvalidRecipient) as caught:
        normalise_postal_address(lines)
    return caught.value.field


@pytest.mark.parametrize(
    "lines",
    [
        [NAME, STREET, TOWN],
        [NAME, "p/a Jan Peeters", STREET, TOWN],
        [NAME, "p/a Jan Peeters", "Residentie Zonneveld", STREET, TOWN],
        [NAME, "p/a Jan Peeters", "Residentie Zonneveld", "Blok C", STREET, TOWN],
    ],
)
def test_three_to_six_lines_are_accepted(lines: list[str]) -> None:
    assert normalise_postal_address(lines) == tuple(lines)


def test_unused_trailing_lines_are_dropped() -> None:
    lines = [NAME, STREET, TOWN, "", None, None, None]
    assert normalise_postal_address(lines) == (NAME, STREET, TOWN)


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([NAME, TOWN], "address_line_3"),
        ([NAME, TOWN, None, None], "address_line_3"),
        ([], "address_line_1"),
        ([None] * 7, "address_line_1"),
        (["a", "b", "c", "d", "e", "f", TOWN], "address_line_7"),
        ([NAME, "", STREET, TOWN], "address_line_2"),
        ([NAME, None, STREET, TOWN], "address_line_2"),
        ([NAME, "   ", STREET, TOWN], "address_line_2"),
        (["", NAME, STREET, TOWN], "address_line_1"),
    ],
)
def test_wrong_number_of_lines_or_gaps(lines: list[str | None], field: str) -> None:
    assert _field_of(lines) == field


BAD_LAST = ["B-9000 Gent", "b-9000 Gent", "B - 9000 Gent", "B 9000 Gent", "9000", "9000Gent"]
BAD_LAST += ["900 Gent", "90000 Gent", "0900 Gent", "Gent 9000", "Gent", "NL-1234 Amsterdam"]


@pytest.mark.parametrize("last", BAD_LAST)
def test_last_line_must_be_postcode_and_municipality(last: str) -> None:
    assert _field_of([NAME, STREET, last]) == "address_line_3"
    assert _field_of([NAME, "p/a Jan Peeters", STREET, last]) == "address_line_4"


def test_b_prefix_gets_its_own_reason() -> None:
    with pytest.raises(InvalidRecipient) as caught:
        normalise_postal_address([NAME, STREET, "B-9000 Gent"])
    assert "B-" in caught.value.reason


def test_fifty_characters_is_the_limit() -> None:
    assert normalise_postal_address([NAME, "i" * 50, TOWN])[1] == "i" * 50  # narrow letters
    assert _field_of([NAME, "i" * 51, TOWN]) == "address_line_2"
    assert _field_of(["i" * 51, STREET, TOWN]) == "address_line_1"


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([NAME, "Burgemeester Van Gansberghelaan 123 bus 4", TOWN], "address_line_2"),
        (["Marie-Christine Vandenbroucke-Van Den Abeele", STREET, TOWN], "address_line_1"),
        ([NAME, "x" * 50, TOWN], "address_line_2"),
    ],
)
def test_a_line_wider_than_the_envelope_window_is_refused_with_its_width(
    lines: list[str], field: str
) -> None:
    """Measured in the letter's font: it would wrap inside the window and leave a part alone."""
    with pytest.raises(InvalidRecipient) as caught:
        normalise_postal_address(lines)
    assert caught.value.field == field
    assert "envelope window" in caught.value.reason and "at most 75 mm" in caught.value.reason


def test_a_long_but_fitting_line_is_kept() -> None:
    assert normalise_postal_address([NAME, "Onderbergen 86 bus 12", TOWN])[1] == (
        "Onderbergen 86 bus 12"
    )


MARKUP = ["<script>alert(1)</script>", "<b>Sara</b>", "Sara {{ naam }}", "sara@ocmw.be"]
MARKUP += ["Sara | Janssens", 'Sara "Janssens"', "Sara\x00Janssens", "Kerkstraat #12"]


@pytest.mark.parametrize("bad", MARKUP)
def test_markup_and_junk_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidRecipient) as caught:
        normalise_postal_address([NAME, bad, TOWN])
    assert caught.value.field == "address_line_2"
    assert "characters" in caught.value.reason


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Kerkstraat   12 ", "Kerkstraat 12"),
        ("Kerkstraat\t12", "Kerkstraat 12"),
        ("\nKerkstraat 12\n", "Kerkstraat 12"),
    ],
)
def test_whitespace_is_collapsed(raw: str, clean: str) -> None:
    assert normalise_postal_address([NAME, raw, " 9000    Gent "]) == (NAME, clean, TOWN)


REAL = ["Kerkstraat 12 bus 3", "Kerkstraat 12 bus A", "Kerkstraat 12/3"]
REAL += ["Sint-Pietersnieuwstraat 33", "Rue de l'Église 5", "Mevrouw Ö'Brien-Çelik"]


@pytest.mark.parametrize("street", REAL)
def test_real_belgian_lines_are_accepted(street: str) -> None:
    assert normalise_postal_address([NAME, street, TOWN]) == (NAME, street, TOWN)


def test_field_prefix_names_the_field() -> None:
    with pytest.raises(InvalidRecipient) as caught:
        normalise_postal_address([NAME, STREET, "B-9000 Gent"], field_prefix="line")
    assert caught.value.field == "line3"


@pytest.mark.parametrize(
    ("lines", "postcode"),
    [
        ((NAME, STREET, TOWN), "9000"),
        ((NAME, STREET, "1000 Brussel"), "1000"),
        ((NAME, STREET, "8500 Kortrijk"), "8500"),
        ((NAME, STREET, "Gent"), None),
        ((), None),
    ],
)
def test_postcode_of(lines: tuple[str, ...], postcode: str | None) -> None:
    assert postcode_of(lines) == postcode


def test_postcode_of_a_normalised_address() -> None:
    assert postcode_of(normalise_postal_address([NAME, STREET, "9000   Gent"])) == "9000"
