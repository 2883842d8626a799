"""A session's case list from a CSV file (as an OCMW or a water company exports it).

Pure: no database, no I/O. `parse_case_list` checks every row, collects every error (like
Notify's CSV check) and returns all cases or none, so the caller never half-imports a file.
Phone, email and address rules live in messenger.messages.recipients; this module only maps columns,
reads values and words the errors in Dutch for the social worker who uploaded the file.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from messenger.messages.recipients import (
    MAX_LINE_LENGTH,
    InvalidRecipient,
    normalise_email_address,
    normalise_phone_number,
    normalise_postal_address,
)

LANGUAGES = ("nl", "fr", "en")
REASONS = ("unpaid-bills", "reconnection")
WATER_COMPANIES = ("De Watergroep", "Farys", "Pidpa", "water-link", "Aquaduin", "AGSO Knokke-Heist")
# The longest name or reference the database keeps.
MAX_LENGTH = 100
REQUIRED_COLUMNS = ("first_name", "last_name", "water_company")

Progress = Callable[[int, int], None]


def _fold(text: str) -> str:
    """Lower case, no accents, letters and digits only: 'Gedeelde GSM' -> 'gedeeldegsm'."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum())


def _lookup(aliases: dict[str, str]) -> dict[str, str]:
    return {_fold(a): key for key, names in aliases.items() for a in (key, *names.split("|"))}


# Per field, "|"-separated, Dutch first (the name used in messages); French and English
# follow. The field's own name is an alias too. Matched after _fold: "E-mail" == "email".
HEADER_ALIASES: dict[str, str] = {
    "first_name": "voornaam|prénom|first name|given name",
    "last_name": "achternaam|familienaam|naam|nom|nom de famille|last name|surname|family name",
    "language": "taal|langue|language",
    "phone": "gsm|gsm-nummer|mobiel|mobiel nummer|telefoon|telefoonnummer|tel|téléphone"
    "|numéro de téléphone|portable|phone number|mobile|mobile number",
    "email": "e-mail|e-mailadres|courriel|adresse e-mail|email address",
    "street": "adres|straat|straat en nummer|adresregel 1|adresse|rue|rue et numéro|address"
    "|street|address_line_1",
    "house_number": "huisnummer|nummer|nr|numéro|house number|number",
    "bus": "bus|busnummer|boîte|bte|box",
    "address_extra": "adresregel 2|complément d'adresse|address_line_2",
    "postcode": "postcode|postnummer|code postal|postal code|zip code|zip",
    "municipality": "gemeente|woonplaats|plaats|commune|localité|municipality|city|town"
    "|postcode en gemeente|code postal et commune",  # "9000 Gent" in one cell
    "water_company": "watermaatschappij|waterbedrijf|société des eaux|water company",
    "reason": "reden|motif|raison|reason",
    "reference": "referentie|klantnummer|dossiernummer|référence|numéro de client|reference"
    "|customer number|dossier number",
    "no_sms": "geen sms|pas de sms|no sms",
    "no_letters_at_home": "geen brieven|geen brieven thuis|pas de lettres|no letters"
    "|no letters at home",
    "shared_phone": "gedeelde gsm|gedeelde telefoon|téléphone partagé|shared phone",
}
_HEADERS = _lookup(HEADER_ALIASES)
_LANGUAGES = _lookup(
    {
        "nl": "nl-be|nederlands|vlaams|néerlandais|dutch|flemish",
        "fr": "fr-be|frans|français|french",
        "en": "en-gb|engels|anglais|english",
    }
)
# Former names too (VMW, TMVW, AWW, IWVA): exports from older systems still use them.
_WATER_COMPANIES = _lookup(
    {
        "De Watergroep": "watergroep|vmw",
        "Farys": "farys tmvw|tmvw",
        "Pidpa": "pidpa",
        "water-link": "waterlink|aww",
        "Aquaduin": "aquaduin|iwva",
        "AGSO Knokke-Heist": "agso|agso knokke",
    }
)
_REASONS = _lookup(
    {
        "unpaid-bills": "onbetaalde facturen|onbetaalde factuur|onbetaald|niet betaald"
        "|wanbetaling|betalingsachterstand|factures impayées|impayé|impayés|non-paiement"
        "|unpaid|unpaid bills|non-payment",
        "reconnection": "heraansluiting|heropening|réouverture|reconnexion|remise en service"
        "|reconnection|reconnect",
    }
)
_YES = {_fold(v) for v in ("ja", "j", "oui", "yes", "y", "x", "1", "waar", "vrai", "true")}
_NO = {_fold(v) for v in ("", "nee", "n", "non", "no", "0", "onwaar", "faux", "false")}


def parse_yes_no(raw: str) -> bool | None:
    """A safety flag cell: ja/nee/oui/non/yes/no/x/1/0, empty is no; None if unreadable."""
    folded = _fold(raw)
    return True if folded in _YES else False if folded in _NO else None


def parse_language(raw: str) -> str | None:
    """'nl', 'fr' or 'en'; empty is Dutch; None if unknown."""
    return "nl" if not raw.strip() else _LANGUAGES.get(_fold(raw))


def parse_water_company(raw: str) -> str | None:
    """The company's canonical name, whatever the spelling; None if unknown or empty."""
    return _WATER_COMPANIES.get(_fold(raw))


def parse_reason(raw: str) -> str | None:
    """'unpaid-bills' or 'reconnection'; empty is unpaid bills (most cases); None if unknown."""
    return "unpaid-bills" if not raw.strip() else _REASONS.get(_fold(raw))


def decode_csv(raw: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252 (Excel on Belgian Windows)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return raw.decode("latin-1")


@dataclass(frozen=True)
class ImportedClient:
    first_name: str
    last_name: str
    language: str
    phone_number: str | None
    email: str | None
    address_lines: tuple[str, ...]
    no_sms: bool
    no_letters_at_home: bool
    shared_phone: bool


@dataclass(frozen=True)
class ImportedCase:
    client: ImportedClient
    reason: str
    water_company: str
    reference: str | None
    row: int


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel shows it: the header is row 1
    column: str  # the header as written in the file ("" for the row as a whole)
    message: str


@dataclass(frozen=True)
class ImportReport:
    cases: tuple[ImportedCase, ...]
    errors: tuple[RowError, ...]
    rows: int

    @property
    def ok(self) -> bool:
        return not self.errors


def _delimiter(text: str) -> tuple[str, str]:
    """The delimiter, and the text without Excel's "sep=;" line (Excel does not show it)."""
    first, _, rest = text.partition("\n")
    if first.strip().casefold().startswith("sep=") and len(first.strip()) == 5:
        return first.strip()[4], rest
    # Counting in the header line is enough: header names hold no ';' or ','.
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(";,\t", key=header.count) if any(d in header for d in ";,\t") else ",", text


_Header = dict[str, tuple[int, str]]  # field -> (position, header as written)


def _read_header(cells: list[str], row: int) -> tuple[_Header, list[RowError]]:
    header: _Header = {}
    errors: list[RowError] = []
    unknown: list[str] = []
    for position, cell in enumerate(c.strip() for c in cells):
        field = _HEADERS.get(_fold(cell))
        if field is None:
            unknown += [cell] if cell else []
        elif field in header:
            twice = f"'{header[field][1]}' en '{cell}' betekenen hetzelfde"
            errors.append(RowError(row, cell, f"Deze kolom staat er twee keer: {twice}."))
        else:
            header[field] = (position, cell)
    missing = [_label(f) for f in REQUIRED_COLUMNS if f not in header]
    if missing:
        hint = f" Deze kolommen herkennen we niet: {', '.join(unknown)}." if unknown else ""
        noun = "Deze kolom ontbreekt" if len(missing) == 1 else "Deze kolommen ontbreken"
        errors.insert(0, RowError(row, ", ".join(missing), f"{noun}: {', '.join(missing)}.{hint}"))
    return header, errors


def _label(field: str) -> str:
    """How to name a column the file does not have: its Dutch name."""
    return HEADER_ALIASES[field].split("|")[0]


def parse_case_list(text: str, *, progress: Progress | None = None) -> ImportReport:
    """Check every row of a case list: all cases if every row is right, else only errors."""
    delimiter, text = _delimiter(text.removeprefix("\ufeff"))
    try:  # newline="" keeps line breaks inside quoted cells
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:  # e.g. a cell over csv's size limit: not a case list
        return ImportReport((), (RowError(1, "", f"Dit is geen leesbaar CSV-bestand: {exc}."),), 0)
    # Row numbers count every record, blank ones too, so they match the row in Excel.
    numbered = [(n, r) for n, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    if not numbered:
        return ImportReport((), (RowError(1, "", "Het bestand is leeg."),), 0)
    (header_row, cells), data = numbered[0], numbered[1:]
    if not data:
        message = "Er staan geen cliënten in het bestand, alleen de namen van de kolommen."
        return ImportReport((), (RowError(header_row + 1, "", message),), 0)
    header, errors = _read_header(cells, header_row)
    if errors:
        return ImportReport((), tuple(errors), len(data))
    order = {written: position for position, written in header.values()}  # left to right
    cases: list[ImportedCase] = []
    seen: dict[tuple[str, str], tuple[int, bool]] = {}
    for done, (row, record) in enumerate(data, start=1):
        r = _Row(record, row, header, [])
        case = _check_row(r, seen)
        errors += sorted(r.errors, key=lambda e: order.get(e.column, len(order)))
        if case is not None:
            cases.append(case)
        if progress is not None:
            progress(done, len(data))
    return ImportReport(() if errors else tuple(cases), tuple(errors), len(data))


@dataclass(frozen=True)
class _Row:
    record: list[str]
    row: int
    header: _Header
    errors: list[RowError]

    def __getitem__(self, field: str) -> str:
        position = self.header.get(field, (len(self.record), ""))[0]
        return self.record[position].strip() if position < len(self.record) else ""

    def has(self, field: str) -> bool:
        return field in self.header

    def error(self, field: str, message: str) -> None:
        column = self.header[field][1] if field in self.header else _label(field) if field else ""
        self.errors.append(RowError(self.row, column, message))


# Cells with a fixed set of values: how to read one, its Dutch name, and what it may be.
_CHOICES: tuple[tuple[str, Callable[[str], str | None], str, str], ...] = (
    ("language", parse_language, "taal", "nl, fr of en"),
    ("water_company", parse_water_company, "watermaatschappij", ", ".join(WATER_COMPANIES)),
    ("reason", parse_reason, "reden", "onbetaalde facturen of heraansluiting"),
)
_FLAGS = ("no_sms", "no_letters_at_home", "shared_phone")
_ADDRESS_PARTS = ("street", "house_number", "bus", "address_extra", "postcode", "municipality")


def _check_row(r: _Row, seen: dict[tuple[str, str], tuple[int, bool]]) -> ImportedCase | None:
    """The row's case, or None and its errors in `r.errors`."""
    first, last = " ".join(r["first_name"].split()), " ".join(r["last_name"].split())
    if not first:
        r.error("first_name", "De voornaam ontbreekt.")
    if not last:
        r.error("last_name", "De achternaam ontbreekt.")
    for field, text in (("first_name", first), ("last_name", last), ("reference", r["reference"])):
        if len(text) > MAX_LENGTH:
            r.error(field, f"Dit is te lang: hoogstens {MAX_LENGTH} tekens.")
    chosen = {field: parse(r[field]) for field, parse, _, _ in _CHOICES}
    for field, _, noun, known in _CHOICES:
        if chosen[field] is None:
            r.error(field, f"Deze {noun} kennen we niet: {r[field]}. Kies uit: {known}.")
    phone = email = None
    if r["phone"]:
        try:
            phone = normalise_phone_number(r["phone"])
        except InvalidRecipient as exc:
            mobile = "Not a mobile" not in exc.reason
            wrong = "Dit gsm-nummer klopt niet" if mobile else "Dit is geen gsm-nummer"
            example = "Een sms kan alleen naar een gsm-nummer, bv. 0470 12 34 56"
            r.error("phone", f"{wrong}: {r['phone']}. {example}.")
    if r["email"]:
        try:
            email = normalise_email_address(r["email"])
        except InvalidRecipient:
            r.error("email", f"Dit e-mailadres klopt niet: {r['email']}.")
    address = _check_address(r, f"{first} {last}" if first and last else "")
    # Only when nothing was given: a wrong number or address has its own error already.
    if not (r["phone"] or r["email"] or any(r[part] for part in _ADDRESS_PARTS)):
        what = "vul een gsm-nummer, een e-mailadres of een adres in"
        r.error("", f"We kunnen deze cliënt niet bereiken: {what}.")
    flags = {field: parse_yes_no(r[field]) for field in _FLAGS}
    for field in _FLAGS:
        if flags[field] is None:
            r.error(field, f"Schrijf ja of nee, niet: {r[field]}.")
    # Checked on every row, with errors or not, so one pass reports every duplicate.
    _check_duplicates(r, phone, email, address or (), bool(flags["shared_phone"]), seen)
    language, company, reason = (chosen[f] for f in ("language", "water_company", "reason"))
    if r.errors or language is None or company is None or reason is None:
        return None
    yes = {field: bool(flag) for field, flag in flags.items()}
    client = ImportedClient(first, last, language, phone, email, address or (), **yes)
    return ImportedCase(client, reason, company, r["reference"] or None, r.row)


def _check_address(r: _Row, name: str) -> tuple[str, ...] | None:
    """The checked address lines; None if no address was given or it is wrong."""
    if not any(r[part] for part in _ADDRESS_PARTS):
        return None
    bus = r["bus"]
    if bus and not _fold(bus).startswith(("bus", "bte", "box")):
        bus = f"bus {bus}"
    street = " ".join(p for p in (r["street"], r["house_number"], bus) if p)
    errors_before = len(r.errors)
    if not r["street"]:
        r.error("street", "De straat ontbreekt in het adres.")
    elif not any(c.isdigit() for c in street):
        field = "house_number" if r.has("house_number") else "street"
        r.error(field, f"Het huisnummer ontbreekt: {street}.")
    for part, label in (("postcode", "De postcode"), ("municipality", "De gemeente")):
        if r.has(part) and not r[part]:
            r.error(part, f"{label} ontbreekt in het adres.")
    if len(r.errors) > errors_before or not name:
        return None
    # Each address line with the column it came from, to point at the cell to fix.
    lines = [(name, "last_name"), (street, "street")]
    if r["address_extra"]:
        lines.append((r["address_extra"], "address_extra"))
    town = " ".join(p for p in (r["postcode"], r["municipality"]) if p)
    if town:
        lines.append((town, "postcode" if r.has("postcode") else "municipality"))
    try:
        return normalise_postal_address([line for line, _ in lines])
    except InvalidRecipient as exc:
        position = min(int(exc.field.rsplit("_", 1)[1]), len(lines))
        line, field = lines[position - 1]
        r.error(field, _address_message(exc.reason, line))
        return None


# What normalise_postal_address's reason means for the cell to fix, in Dutch.
_ADDRESS_MESSAGES = (
    ("at least 3 lines", "De postcode en de gemeente ontbreken in het adres."),
    ("longer than", f"Deze adresregel is langer dan {MAX_LINE_LENGTH} tekens: {{}}."),
    ("characters", "Deze adresregel bevat tekens die niet in een adres horen: {}."),
    ("'B-'", "Schrijf de postcode zonder 'B-': {}."),
    ("postcode", "Schrijf de postcode (4 cijfers) en dan de gemeente, bv. 9000 Gent: {}."),
    ("one line", "Het adres moet op één regel staan, zonder enter: {}."),
)


def _address_message(reason: str, line: str) -> str:
    for clue, message in _ADDRESS_MESSAGES:
        if clue in reason:
            return message.format(line)
    return f"Dit adres klopt niet: {line}."


def _check_duplicates(
    r: _Row,
    phone: str | None,
    email: str | None,
    address: tuple[str, ...],
    shared: bool,
    seen: dict[tuple[str, str], tuple[int, bool]],
) -> None:
    """The same client twice: the later row gets the error, naming the earlier one."""
    for field, key, what in (
        ("phone", phone, "hetzelfde gsm-nummer"),
        ("email", email.casefold() if email else None, "hetzelfde e-mailadres"),
        ("last_name", "|".join(map(_fold, address)) or None, "dezelfde naam en hetzelfde adres"),
    ):
        if key is None:
            continue
        earlier, earlier_shared = seen.setdefault((field, key), (r.row, shared))
        # A phone marked shared on both rows belongs to two clients, e.g. a couple.
        if earlier == r.row or (field == "phone" and shared and earlier_shared):
            continue
        hint = " Delen ze een gsm? Zet dan 'gedeelde gsm' op ja bij allebei." * (field == "phone")
        r.error(field, f"Deze cliënt staat al op rij {earlier}: {what}.{hint}")
