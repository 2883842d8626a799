"""Case lists from CSV: every row checked, every error reported, nothing half-imported."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from messenger.casework import case_import
from messenger.casework.case_columns import (
    HEADER_ALIASES,
    WATER_COMPANIES,
    decode_csv,
    fold,
    parse_language,
    parse_reason,
    parse_water_company,
    parse_yes_no,
)
from messenger.casework.case_import import ImportedCase, ImportReport, RowError, parse_case_list

FIXTURES = Path(__file__).parent / "fixtures" / "import"
HEADER = "Voornaam;Achternaam;GSM;E-mail;Adres;Postcode;Gemeente;Watermaatschappij"


def load(name: str) -> ImportReport:
    return parse_case_list(decode_csv((FIXTURES / name).read_bytes()))


def places(report: ImportReport) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join((header, *rows)) + "\r\n"


# --- the fixture files -----------------------------------------------------------------------


def test_clean_file_with_semicolons_and_windows_1252_accents() -> None:
    raw = (FIXTURES / "clean_20_rows_cp1252.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is what Excel on Belgian Windows writes
    report = parse_case_list(decode_csv(raw))
    assert report.ok and report.errors == ()
    assert report.rows == 20 and len(report.cases) == 20
    assert [case.row for case in report.cases] == list(range(2, 22))
    first = report.cases[0]
    assert first == ImportedCase(
        client=case_import.ImportedClient(
            first_name="Noël",
            last_name="Peeters",
            language="nl",
            phone_number="+32470123456",
            email="noel.peeters@telenet.be",
            address_lines=("Noël Peeters", "Kerkstraat 12", "9000 Gent"),
            no_sms=False,
            no_letters_at_home=False,
            shared_phone=False,
        ),
        reason="unpaid-bills",
        water_company="Farys",
        reference="FA-100231",
        row=2,
    )
    by_name = {case.client.first_name: case for case in report.cases}
    assert by_name["Hélène"].client.language == "fr"
    assert by_name["Raphaël"].client.language == "nl"  # empty language cell
    assert by_name["Zoë"].reason == "reconnection"
    assert by_name["Désiré"].client.no_letters_at_home is True
    assert by_name["Anaïs"].client.no_sms is True
    assert by_name["Anaïs"].client.address_lines == ()
    assert by_name["Jef"].water_company == "AGSO Knokke-Heist"
    assert by_name["Marie-Josée"].client.address_lines[0] == "Marie-Josée Lemaire"
    assert by_name["Nathalie"].reason == "reconnection"  # "réouverture"
    assert by_name["Els"].client.phone_number is None and by_name["Els"].client.email is None
    # A couple on one phone, both rows marked "gedeelde gsm": two clients, no duplicate.
    couple = [c for c in report.cases if c.client.phone_number == "+32476789012"]
    assert [c.client.first_name for c in couple] == ["Mohamed", "Fatima"]
    assert all(c.client.shared_phone for c in couple)
    assert {case.water_company for case in report.cases} == set(WATER_COMPANIES)


def test_comma_separated_file_with_english_headers() -> None:
    report = load("english_comma.csv")
    assert report.ok and report.rows == 4
    john, amira, piotr, grace = report.cases
    assert john.reference == "WL 1234, 2024"  # a quoted comma stays inside its cell
    assert john.client.language == "en" and john.water_company == "water-link"
    assert john.client.address_lines == ("John Smith", "Meir 10", "2000 Antwerpen")
    assert amira.client.phone_number == "+32471223344" and amira.client.no_sms is True
    assert amira.reason == "reconnection" and amira.client.language == "fr"
    assert piotr.client.phone_number == "+32472334455" and piotr.reference is None
    assert grace.client.language == "nl" and grace.client.email == "grace.mensah@example.org"


def test_one_bad_phone_means_no_cases_and_the_error_names_the_row() -> None:
    report = load("one_bad_phone.csv")
    assert not report.ok
    assert report.cases == ()
    assert report.rows == 5
    assert report.errors == (
        RowError(
            row=4,
            column="GSM",
            message="Dit gsm-nummer klopt niet: 0470 12 34. "
            "Een sms kan alleen naar een gsm-nummer, bv. 0470 12 34 56.",
        ),
    )


def test_every_kind_of_error_at_once() -> None:
    report = load("every_error.csv")
    assert report.cases == () and report.rows == 18
    assert places(report) == [
        (3, "Voornaam"),
        (4, "Achternaam"),
        (5, "Taal"),
        (6, "GSM"),  # not a number
        (7, "GSM"),  # a landline
        (8, "E-mail"),
        (9, "Postcode"),  # missing
        (10, "Postcode"),  # "B-9000"
        (11, "Adres"),  # no house number
        (12, ""),  # nothing to reach the client with
        (13, "Watermaatschappij"),
        (14, "Reden"),
        (15, "Geen sms"),
        (16, "GSM"),  # same phone as row 2
        (17, "E-mail"),  # same email as row 2
        (18, "Achternaam"),  # same name and address as row 2
        (20, "GSM"),  # row 19 is blank; row 20 has two errors
        (20, "E-mail"),
    ]
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages[5, "Taal"] == "Deze taal kennen we niet: Duits. Kies uit: nl, fr of en."
    assert messages[7, "GSM"].startswith("Dit is geen gsm-nummer: 09 265 11 11.")
    assert messages[8, "E-mail"] == "Dit e-mailadres klopt niet: tim.wuyts@."
    assert messages[9, "Postcode"] == "De postcode ontbreekt in het adres."
    assert messages[10, "Postcode"] == "Schrijf de postcode zonder 'B-': B-9000 Gent."
    assert messages[11, "Adres"] == "Het huisnummer ontbreekt: Veldstraat."
    assert "niet bereiken" in messages[12, ""]
    assert "Aquafin" in messages[13, "Watermaatschappij"]
    assert "De Watergroep, Farys" in messages[13, "Watermaatschappij"]
    assert messages[15, "Geen sms"] == "Schrijf ja of nee, niet: misschien."
    assert messages[16, "GSM"].startswith("Deze cliënt staat al op rij 2: hetzelfde gsm-nummer.")
    assert messages[17, "E-mail"] == "Deze cliënt staat al op rij 2: hetzelfde e-mailadres."
    assert messages[18, "Achternaam"] == (
        "Deze cliënt staat al op rij 2: dezelfde naam en hetzelfde adres."
    )


def test_duplicates_name_the_earlier_row() -> None:
    report = load("duplicates.csv")
    assert report.cases == ()
    assert [(e.row, e.column, e.message.split(":")[0]) for e in report.errors] == [
        (5, "GSM", "Deze cliënt staat al op rij 4"),  # same phone, not marked shared
        (6, "E-mail", "Deze cliënt staat al op rij 4"),  # LIES@ is lies@
        (8, "Achternaam", "Deze cliënt staat al op rij 7"),  # other case and spacing
    ]
    assert "'gedeelde gsm' op ja" in report.errors[0].message


def test_a_header_missing_a_column_is_one_error_on_row_1() -> None:
    report = load("missing_column.csv")
    assert report.cases == () and report.rows == 1
    assert report.errors == (
        RowError(
            row=1,
            column="voornaam, watermaatschappij",
            message="Deze kolommen ontbreken: voornaam, watermaatschappij.",
        ),
        RowError(
            row=1,
            column="Voornam",
            message="Deze kolom kennen we niet: 'Voornam'. Bedoelt u 'voornaam'? "
            "Het voorbeeldbestand toont alle kolommen.",
        ),
    )


def test_an_empty_file() -> None:
    report = load("empty.csv")
    assert report == ImportReport((), (RowError(1, "", "Het bestand is leeg."),), 0)
    assert not report.ok


@pytest.mark.parametrize("text", ["", "\r\n\r\n", ";;;\r\n", "\ufeff"])
def test_files_with_nothing_in_them(text: str) -> None:
    assert places(parse_case_list(text)) == [(1, "")]


def test_a_header_without_rows() -> None:
    report = parse_case_list(csv_of("", ";;;;;;;"))
    assert report.rows == 0
    assert places(report) == [(2, "")]
    assert "geen cliënten" in report.errors[0].message


def test_street_number_and_bus_in_their_own_columns() -> None:
    report = load("split_address.csv")
    assert report.ok
    assert [case.client.address_lines[1] for case in report.cases] == [
        "Kerkstraat 12",
        "Lange Lozanastraat 5 bus 2",
        "Veldstraat 7 bus 3",
        "Heidestraat 14A",
    ]
    assert report.cases[0].client.address_lines == ("Lies Peeters", "Kerkstraat 12", "9000 Gent")


def test_utf8_with_bom_and_french_headers() -> None:
    raw = (FIXTURES / "bom_utf8_french.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    report = parse_case_list(decode_csv(raw))
    assert report.ok
    helene, loic = report.cases
    assert helene.client.first_name == "Hélène" and helene.client.last_name == "Lefèvre"
    assert helene.client.language == "fr" and helene.reference == "DWG-4411"
    assert helene.reason == "reconnection" and helene.water_company == "De Watergroep"
    assert loic.client.first_name == "Loïc" and loic.reason == "unpaid-bills"


# --- reading the file ------------------------------------------------------------------------


def test_decode_csv() -> None:
    text = "Voornaam;Gemeente\r\nZoë;Liège\r\n"
    assert decode_csv(text.encode("utf-8")) == text
    assert decode_csv(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_csv(text.encode("cp1252")) == text
    assert decode_csv(text.encode("utf-16")) == text  # Excel's "Unicode text", with a BOM
    assert decode_csv(b"Zo\x81") == "Zo\x81"  # a byte cp1252 leaves undefined: still text


def test_a_bom_left_in_the_text_does_not_hide_the_first_header() -> None:
    report = parse_case_list("\ufeff" + csv_of("Lies;Peeters;0470 10 20 30;;;;;Farys"))
    assert report.ok and report.cases[0].client.first_name == "Lies"


def test_excel_sep_line_is_not_the_header() -> None:
    report = parse_case_list("sep=;\r\n" + csv_of("Lies;Peeters;0470 12;;;;;Farys"))
    assert places(report) == [(2, "GSM")]


def test_tabs_as_delimiter() -> None:
    text = "Voornaam\tAchternaam\tGSM\tWatermaatschappij\nLies\tPeeters\t0470102030\tPidpa\n"
    assert parse_case_list(text).cases[0].water_company == "Pidpa"


@pytest.mark.parametrize(
    "header",
    [
        "VOORNAAM;ACHTERNAAM;GSM;WATERMAATSCHAPPIJ",
        "Prénom;Nom;Téléphone;Société des eaux",
        "PRENOM;NOM DE FAMILLE;telephone;Societe des Eaux",
        " first_name ; last_name ; phone ; water_company ",
        "First Name;Surname;Mobile number;Water company",
        "Voornaam;Familienaam;GSM-nummer;Waterbedrijf",
    ],
)
def test_headers_match_whatever_the_case_accents_or_language(header: str) -> None:
    report = parse_case_list(f"{header}\nLies;Peeters;0470 10 20 30;Farys\n")
    assert report.ok, report.errors
    client = report.cases[0].client
    assert (client.first_name, client.last_name, client.phone_number) == (
        "Lies",
        "Peeters",
        "+32470102030",
    )


def test_no_header_alias_is_claimed_by_two_fields() -> None:
    folded: dict[str, str] = {}
    for field, aliases in HEADER_ALIASES.items():
        for alias in (field, *aliases.split("|")):
            key = fold(alias)
            assert folded.setdefault(key, field) == field, alias


def test_a_column_given_twice_is_an_error_on_the_header_row() -> None:
    report = parse_case_list("Naam;Achternaam;Voornaam;Watermaatschappij\nA;B;C;Farys\n")
    assert places(report) == [(1, "Achternaam")]
    assert "'Naam' en 'Achternaam'" in report.errors[0].message


@pytest.mark.parametrize(
    ("column", "suggestion"),
    [
        ("Gsm-nr", "gsm"),
        ("Mail", "e-mail"),
        ("Rijksregister nr", "insz"),
        ("Toestemming GSM", "toestemming sms"),
        ("Kleur", None),
    ],
)
def test_an_unknown_column_is_an_error_that_suggests_the_closest_name(
    column: str, suggestion: str | None
) -> None:
    header = f"Voornaam;{column};Achternaam;Watermaatschappij"
    report = one_row("Lies;x;Peeters;Farys", header)
    assert [(e.row, e.column) for e in report.errors] == [(1, column)]
    message = report.errors[0].message
    assert message.startswith(f"Deze kolom kennen we niet: '{column}'.")
    if suggestion:
        assert f"Bedoelt u '{suggestion}'?" in message
    else:
        assert "Bedoelt u" not in message


def test_a_remark_column_is_read_and_never_stored() -> None:
    header = "Voornaam;Opmerking;Achternaam;GSM;Watermaatschappij"
    report = one_row("Lies;belt zelf;Peeters;0470102030;Farys", header)
    assert report.ok
    assert "belt zelf" not in repr(report.cases)


def test_row_numbers_match_excel_with_blank_rows_and_a_cell_on_two_lines() -> None:
    text = csv_of(
        "Lies;Peeters;0470 10 20 30;;Farys",
        "",
        ";;;;",
        'Bart;Claes;;"Kerkstraat 1\n9000 Gent";Farys',
        "Ine;Jacobs;0470 12;;Farys",
        header="Voornaam;Achternaam;GSM;Adres;Watermaatschappij",
    )
    report = parse_case_list(text)
    assert report.rows == 3
    assert places(report) == [(5, "Adres"), (6, "GSM")]
    assert "op één regel" in report.errors[0].message


def test_errors_in_a_row_follow_the_columns_left_to_right() -> None:
    header = "Watermaatschappij;GSM;Achternaam;Voornaam"
    report = parse_case_list(csv_of("Aquafin;0470;;Lies", header=header))
    assert places(report) == [(2, "Watermaatschappij"), (2, "GSM"), (2, "Achternaam")]


# --- progress --------------------------------------------------------------------------------


def test_progress_is_called_once_per_row_with_the_total() -> None:
    calls: list[tuple[int, int]] = []
    report = parse_case_list(
        (FIXTURES / "every_error.csv").read_text("utf-8"),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(done, 18) for done in range(1, 19)]  # blank row 19 is not a row
    assert report.rows == 18


def test_progress_on_a_clean_file() -> None:
    calls: list[tuple[int, int]] = []
    load_text = decode_csv((FIXTURES / "clean_20_rows_cp1252.csv").read_bytes())
    parse_case_list(load_text, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(done, 20) for done in range(1, 21)]


def test_no_progress_when_the_header_is_wrong() -> None:
    calls: list[tuple[int, int]] = []
    parse_case_list("Voornaam;GSM\nLies;0470102030\n", progress=lambda d, t: calls.append((d, t)))
    assert calls == []


# --- one row at a time -----------------------------------------------------------------------


def one_row(row: str, header: str = HEADER) -> ImportReport:
    return parse_case_list(csv_of(row, header=header))


def test_a_number_without_its_leading_zero_as_excel_shows_it() -> None:
    assert one_row("Lies;Peeters;470102030;;;;;Farys").cases[0].client.phone_number == (
        "+32470102030"
    )


def test_email_is_stored_normalised() -> None:
    client = one_row("Lies;Peeters;;Lies.Peeters@Telenet.BE;;;;Farys").cases[0].client
    assert client.email == "Lies.Peeters@telenet.be"


def test_names_are_trimmed() -> None:
    client = one_row("  Anne  Marie ; Van  Damme ;0470102030;;;;;Farys").cases[0].client
    assert (client.first_name, client.last_name) == ("Anne Marie", "Van Damme")


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("Lies;Peeters;;;;9000;Gent;Farys", "Adres", "De straat ontbreekt in het adres."),
        ("Lies;Peeters;;;Kerkstraat 1;9000;;Farys", "Gemeente", "De gemeente ontbreekt"),
        ("Lies;Peeters;;;Kerkstraat 1;900;Gent;Farys", "Postcode", "Schrijf de postcode (4"),
        ("Lies;Peeters;;;Kerkstraat <b>1</b>;9000;Gent;Farys", "Adres", "tekens die niet"),
        ("Lies;Peeters;;;" + "Lange " * 9 + "straat 1;9000;Gent;Farys", "Adres", "langer dan"),
        ("Lies;" + "Peeters" * 7 + ";;;Kerkstraat 1;9000;Gent;Farys", "Achternaam", "langer"),
    ],
)
def test_a_given_address_must_be_whole(row: str, column: str, message: str) -> None:
    report = one_row(row)
    assert places(report) == [(2, column)]
    assert message in report.errors[0].message


def test_postcode_and_municipality_in_one_column() -> None:
    report = one_row(
        "Lies;Peeters;Kerkstraat 1;9000 Gent;Farys",
        "Voornaam;Achternaam;Adres;Postcode en gemeente;Watermaatschappij",
    )
    assert report.cases[0].client.address_lines == ("Lies Peeters", "Kerkstraat 1", "9000 Gent")


def test_an_address_without_postcode_or_municipality_columns() -> None:
    report = one_row("Lies;Peeters;Kerkstraat 1;Farys", "Voornaam;Achternaam;Adres;Reden")
    assert places(report) == [(1, "watermaatschappij")]
    report = one_row(
        "Lies;Peeters;Kerkstraat 1;Farys", "Voornaam;Achternaam;Adres;Watermaatschappij"
    )
    assert places(report) == [(2, "Adres")]
    assert report.errors[0].message == "De postcode en de gemeente ontbreken in het adres."


def test_an_extra_address_line() -> None:
    header = "Voornaam;Achternaam;address_line_1;address_line_2;Postcode;Gemeente;Watermaatschappij"
    report = one_row("Lies;Peeters;Kerkstraat 1;p/a OCMW;9000;Gent;Farys", header)
    assert report.cases[0].client.address_lines == (
        "Lies Peeters",
        "Kerkstraat 1",
        "p/a OCMW",
        "9000 Gent",
    )


def test_a_client_with_only_an_address_is_reachable() -> None:
    assert one_row("Lies;Peeters;;;Kerkstraat 1;9000;Gent;Farys").ok


def test_a_client_with_nothing_to_reach_them_by() -> None:
    report = one_row("Lies;Peeters;;;;;;Farys")
    assert places(report) == [(2, "")]
    assert report.errors[0].message == (
        "We kunnen deze cliënt niet bereiken: vul een gsm-nummer, een e-mailadres of een adres in."
    )


def test_a_wrong_number_is_one_error_not_two() -> None:
    assert places(one_row("Lies;Peeters;0470;;;;;Farys")) == [(2, "GSM")]


def test_defaults_without_language_reason_or_flag_columns() -> None:
    case = one_row("Lies;Peeters;0470102030;;;;;Farys").cases[0]
    assert case.client.language == "nl" and case.reason == "unpaid-bills"
    assert case.reference is None
    assert not (case.client.no_sms or case.client.no_letters_at_home or case.client.shared_phone)


def test_a_phone_shared_on_only_one_row_is_a_duplicate() -> None:
    header = "Voornaam;Achternaam;GSM;Watermaatschappij;Gedeelde gsm"
    report = parse_case_list(
        csv_of("Lies;Peeters;0470102030;Farys;ja", "Jan;Peeters;0470102030;Farys;", header=header)
    )
    assert places(report) == [(3, "GSM")]


def test_duplicates_are_found_even_when_the_earlier_row_has_other_errors() -> None:
    report = parse_case_list(csv_of("Lies;;0470102030;;;;;Farys", "Jan;Claes;0470102030;;;;;Farys"))
    assert places(report) == [(2, "Achternaam"), (3, "GSM")]


def test_the_report_is_frozen() -> None:
    report = load("english_comma.csv")
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.cases[0].client.first_name = "X"  # type: ignore[misc]


# --- value parsers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["ja", "JA", "Ja ", "j", "oui", "Oui", "yes", "Y", "x", "X", "1", "waar", "true"]
)
def test_yes(raw: str) -> None:
    assert parse_yes_no(raw) is True


@pytest.mark.parametrize("raw", ["", " ", "nee", "Nee", "n", "non", "NON", "no", "0", "false"])
def test_no(raw: str) -> None:
    assert parse_yes_no(raw) is False


@pytest.mark.parametrize("raw", ["misschien", "peut-être", "2", "ja/nee", "xx", "nee ja"])
def test_neither_yes_nor_no(raw: str) -> None:
    assert parse_yes_no(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "nl"),
        ("  ", "nl"),
        ("nl", "nl"),
        ("NL", "nl"),
        ("nl-BE", "nl"),
        ("Nederlands", "nl"),
        ("Vlaams", "nl"),
        ("néerlandais", "nl"),
        ("Dutch", "nl"),
        ("fr", "fr"),
        ("FR-be", "fr"),
        ("Frans", "fr"),
        ("français", "fr"),
        ("Francais", "fr"),
        ("French", "fr"),
        ("en", "en"),
        ("Engels", "en"),
        ("english", "en"),
        ("anglais", "en"),
        ("Duits", None),
        ("de", None),
        ("Arabisch", None),
        ("n", None),
    ],
)
def test_languages(raw: str, expected: str | None) -> None:
    assert parse_language(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("De Watergroep", "De Watergroep"),
        ("de watergroep", "De Watergroep"),
        ("Watergroep", "De Watergroep"),
        ("DEWATERGROEP", "De Watergroep"),
        ("VMW", "De Watergroep"),
        ("Farys", "Farys"),
        ("FARYS", "Farys"),
        ("Farys | TMVW", "Farys"),
        ("TMVW", "Farys"),
        ("Pidpa", "Pidpa"),
        ("pidpa ", "Pidpa"),
        ("water-link", "water-link"),
        ("Water-link", "water-link"),
        ("Waterlink", "water-link"),
        ("water link", "water-link"),
        ("AWW", "water-link"),
        ("Aquaduin", "Aquaduin"),
        ("aquaduin", "Aquaduin"),
        ("IWVA", "Aquaduin"),
        ("AGSO", "AGSO Knokke-Heist"),
        ("AGSO Knokke-Heist", "AGSO Knokke-Heist"),
        ("agso knokke heist", "AGSO Knokke-Heist"),
        ("Aquafin", None),
        ("Vivaqua", None),
        ("Watergroep Gent", None),
        ("", None),
    ],
)
def test_water_companies(raw: str, expected: str | None) -> None:
    assert parse_water_company(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "unpaid-bills"),
        ("onbetaalde facturen", "unpaid-bills"),
        ("Onbetaalde factuur", "unpaid-bills"),
        ("onbetaald", "unpaid-bills"),
        ("niet betaald", "unpaid-bills"),
        ("Niet-betaald", "unpaid-bills"),
        ("wanbetaling", "unpaid-bills"),
        ("factures impayées", "unpaid-bills"),
        ("impayé", "unpaid-bills"),
        ("unpaid", "unpaid-bills"),
        ("Unpaid bills", "unpaid-bills"),
        ("unpaid-bills", "unpaid-bills"),
        ("heraansluiting", "reconnection"),
        ("Heraansluiting", "reconnection"),
        ("heropening", "reconnection"),
        ("réouverture", "reconnection"),
        ("reouverture", "reconnection"),
        ("reconnexion", "reconnection"),
        ("reconnection", "reconnection"),
        ("afsluiting", None),
        ("verhuis", None),
        ("?", None),
    ],
)
def test_reasons(raw: str, expected: str | None) -> None:
    assert parse_reason(raw) == expected
