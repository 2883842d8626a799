"""The checks of one row of a case list: names, choices, contact details, the address, the
worker, the appointment, and the same client twice. Every error is collected on the row, in
Dutch, pointing at the cell to fix; a row without errors gives its case.

Phone, email and address rules live in messenger.messages.recipients; this module only reads
the cells and words the errors for the social worker who uploaded the file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from messenger.casework.case_columns import (
    MAX_PLACE_SHORT,
    WATER_COMPANIES,
    fold,
    label,
    parse_language,
    parse_local_datetime,
    parse_reason,
    parse_water_company,
    parse_yes_no,
)
from messenger.casework.case_import_report import (
    ImportContext,
    ImportedCase,
    ImportedClient,
    RowError,
)
from messenger.casework.national_number import InvalidNationalNumber, normalise_national_number
from messenger.messages.recipients import (
    MAX_LINE_LENGTH,
    InvalidRecipient,
    normalise_email_address,
    normalise_phone_number,
    normalise_postal_address,
)
from messenger.platform.csv_files import FORMULA_STARTS

NO_FORMULA = "Een naam of nummer begint niet met =, +, - of @."
# The longest name or reference the database keeps.
MAX_LENGTH = 100

Header = dict[str, tuple[int, str]]  # field -> (position, header as written)
# (kind, value) -> (the first row with it, whether that row marked its phone shared)
Seen = dict[tuple[str, str], tuple[int, bool]]


class CaseRow:
    """One row's cells by field, trimmed once, and the errors found in it."""

    __slots__ = ("errors", "header", "row", "values")

    def __init__(self, record: list[str], row: int, header: Header) -> None:
        width = len(record)
        self.values = {
            field: record[position].strip() if position < width else ""
            for field, (position, _) in header.items()
        }
        self.row, self.header = row, header
        self.errors: list[RowError] = []

    def __getitem__(self, field: str) -> str:
        return self.values.get(field, "")

    def has(self, field: str) -> bool:
        return field in self.header

    def error(self, field: str, message: str) -> None:
        column = self.header[field][1] if field in self.header else label(field) if field else ""
        self.errors.append(RowError(self.row, column, message))


def staff_lookup(staff: Sequence[tuple[str, str]]) -> dict[str, str]:
    """A worker cell names a staff member by id or by name (case and accents ignored)."""
    return {key: id_ for id_, name in staff for key in (id_, fold(name))}


def check_place_short(r: CaseRow, first: tuple[int, str] | None) -> tuple[int, str] | None:
    """The session's short place: one value, short enough for an SMS; the first one kept."""
    value = " ".join(r["place_short"].split())
    if not value:
        return first
    if len(value) > MAX_PLACE_SHORT:
        r.error("place_short", f"Dit is te lang voor een sms: hoogstens {MAX_PLACE_SHORT} tekens.")
    elif value.startswith(FORMULA_STARTS):
        r.error(
            "place_short", f"Dit lijkt een formule uit een rekenblad: {value[:20]}. {NO_FORMULA}"
        )
    elif first is not None and first[1] != value:
        r.error(
            "place_short", f"Eén zitting heeft één korte plaats: rij {first[0]} zegt {first[1]}."
        )
    return first or (r.row, value)


# Cells with a fixed set of values: how to read one, its Dutch name, and what it may be.
_CHOICES: tuple[tuple[str, Callable[[str], str | None], str, str], ...] = (
    ("language", parse_language, "taal", "nl, fr of en"),
    ("water_company", parse_water_company, "watermaatschappij", ", ".join(WATER_COMPANIES)),
    ("reason", parse_reason, "reden", "onbetaalde facturen of heraansluiting"),
)
_FLAGS = ("no_sms", "no_letters_at_home", "shared_phone")
_ADDRESS_PARTS = ("street", "house_number", "bus", "address_extra", "postcode", "municipality")


def check_row(
    r: CaseRow, seen: Seen, context: ImportContext, staff: dict[str, str]
) -> ImportedCase | None:
    """The row's case, or None and its errors in `r.errors`."""
    first, last = " ".join(r["first_name"].split()), " ".join(r["last_name"].split())
    if not first:
        r.error("first_name", "De voornaam ontbreekt.")
    if not last:
        r.error("last_name", "De achternaam ontbreekt.")
    for field, text in (("first_name", first), ("last_name", last), ("reference", r["reference"])):
        if len(text) > MAX_LENGTH:
            r.error(field, f"Dit is te lang: hoogstens {MAX_LENGTH} tekens.")
        elif text.startswith(FORMULA_STARTS):
            r.error(field, f"Dit lijkt een formule uit een rekenblad: {text[:20]}. {NO_FORMULA}")
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
    consent = {field: _check_consent(r, field) for field in ("consent_sms", "consent_email")}
    national_number = _check_national_number(r)
    worker_id = _check_worker(r, context, staff)
    appointment = _check_appointment(r, context)
    # Checked on every row, with errors or not, so one pass reports every duplicate.
    _check_duplicates(r, phone, email, address or (), bool(flags["shared_phone"]), seen)
    if national_number:
        earlier, _ = seen.setdefault(("national_number", national_number), (r.row, False))
        if earlier != r.row:
            r.error("national_number", f"Deze cliënt staat al op rij {earlier}: hetzelfde INSZ.")
    language, company, reason = (chosen[f] for f in ("language", "water_company", "reason"))
    if r.errors or language is None or company is None or reason is None:
        return None
    yes = {field: bool(flag) for field, flag in flags.items()}
    client = ImportedClient(
        first,
        last,
        language,
        phone,
        email,
        address or (),
        no_sms=yes["no_sms"],
        no_letters_at_home=yes["no_letters_at_home"],
        shared_phone=yes["shared_phone"],
        national_number=national_number,
        consent_sms=consent["consent_sms"],
        consent_email=consent["consent_email"],
    )
    return ImportedCase(
        client, reason, company, r["reference"] or None, r.row, worker_id, appointment
    )


def _check_consent(r: CaseRow, field: str) -> bool | None:
    """Ja or nee as the client answered at intake; empty: not asked, nothing recorded."""
    if not r[field]:
        return None
    answer = parse_yes_no(r[field])
    if answer is None:
        r.error(field, f"Schrijf ja of nee, of laat leeg als het niet gevraagd is: {r[field]}.")
    return answer


def _check_national_number(r: CaseRow) -> str | None:
    if not r["national_number"]:
        return None
    try:
        return normalise_national_number(r["national_number"])
    except InvalidNationalNumber as exc:
        r.error("national_number", f"Dit rijksregisternummer klopt niet: {exc}.")
        return None


def _check_worker(r: CaseRow, context: ImportContext, staff: dict[str, str]) -> str | None:
    if not r["worker"]:
        return None
    found = staff.get(r["worker"]) or staff.get(fold(r["worker"]))
    if found is None:
        names = ", ".join(sorted(name for _, name in context.staff)[:10])
        known = f" Kies uit: {names}." if names else " Er zijn nog geen medewerkers ingevoerd."
        r.error("worker", f"Deze maatschappelijk werker kennen we niet: {r['worker']}.{known}")
    return found


def _check_appointment(r: CaseRow, context: ImportContext) -> datetime | None:
    if not r["appointment"]:
        return None
    moment = parse_local_datetime(r["appointment"])
    if moment is None:
        example = "bv. 1/12/2026 14:00"
        r.error(
            "appointment",
            f"Deze datum en dit uur kunnen we niet lezen: {r['appointment']}, {example}.",
        )
        return None
    if context.session_start is not None and moment >= context.session_start:
        r.error("appointment", "De afspraak moet voor de zitting vallen.")
        return None
    return moment


def _check_address(r: CaseRow, name: str) -> tuple[str, ...] | None:
    """The checked address lines; None if no address was given or it is wrong."""
    if not any(r[part] for part in _ADDRESS_PARTS):
        return None
    bus = r["bus"]
    if bus and not fold(bus).startswith(("bus", "bte", "box")):
        bus = f"bus {bus}"
    street = " ".join(p for p in (r["street"], r["house_number"], bus) if p)
    errors_before = len(r.errors)
    if not r["street"]:
        r.error("street", "De straat ontbreekt in het adres.")
    elif not any(c.isdigit() for c in street):
        field = "house_number" if r.has("house_number") else "street"
        r.error(field, f"Het huisnummer ontbreekt: {street}.")
    for part, what in (("postcode", "De postcode"), ("municipality", "De gemeente")):
        if r.has(part) and not r[part]:
            r.error(part, f"{what} ontbreekt in het adres.")
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
    (
        "envelope window",
        "Deze adresregel is te lang voor het venster van de envelop; kort hem in "
        "(bv. 'str.' voor 'straat'): {}.",
    ),
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
    r: CaseRow,
    phone: str | None,
    email: str | None,
    address: tuple[str, ...],
    shared: bool,
    seen: Seen,
) -> None:
    """The same client twice: the later row gets the error, naming the earlier one."""
    for field, key, what in (
        ("phone", phone, "hetzelfde gsm-nummer"),
        ("email", email.casefold() if email else None, "hetzelfde e-mailadres"),
        ("last_name", "|".join(map(fold, address)) or None, "dezelfde naam en hetzelfde adres"),
    ):
        if key is None:
            continue
        earlier, earlier_shared = seen.setdefault((field, key), (r.row, shared))
        # A phone marked shared on both rows belongs to two clients, e.g. a couple.
        if earlier == r.row or (field == "phone" and shared and earlier_shared):
            continue
        hint = " Delen ze een gsm? Zet dan 'gedeelde gsm' op ja bij allebei." * (field == "phone")
        r.error(field, f"Deze cliënt staat al op rij {earlier}: {what}.{hint}")
