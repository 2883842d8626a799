"""The columns of a case list and how their values are read: pure, no rows, no database.

Every column has Dutch, French and English names (`HEADER_ALIASES`, Dutch first); a name
that is none of them is an error with the closest known name as a hint. `SAMPLE` is the
sample file the API and the CLI hand out, with every column and an example for each.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import datetime
from functools import lru_cache

from messenger.platform.csv_files import write_csv
from messenger.platform.dates import BRUSSELS

LANGUAGES = ("nl", "fr", "en")
REASONS = ("unpaid-bills", "reconnection")
# A session's short place for SMS ("Sociaal Huis Gent"): one SMS part with the rest.
MAX_PLACE_SHORT = 40
WATER_COMPANIES = ("De Watergroep", "Farys", "Pidpa", "water-link", "Aquaduin", "AGSO Knokke-Heist")


# Kept: a case list repeats the same few values (ja, nee, a water company) on every row.
@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower case, no accents, letters and digits only: 'Gedeelde GSM' -> 'gedeeldegsm'."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum())


def lookup(aliases: dict[str, str]) -> dict[str, str]:
    return {fold(a): key for key, names in aliases.items() for a in (key, *names.split("|"))}


# Per field, "|"-separated, Dutch first (the name used in messages); French and English
# follow. The field's own name is an alias too. Matched after fold: "E-mail" == "email".
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
    "worker": "maatschappelijk werker|maatschappelijk assistent|sociaal werker|mw"
    "|dossierbeheerder|medewerker|travailleur social|assistant social|social worker|worker"
    "|staff id",
    "consent_sms": "toestemming sms|sms toestemming|akkoord sms|sms akkoord|consentement sms"
    "|accord sms|consent sms|sms consent",
    "consent_email": "toestemming e-mail|e-mail toestemming|akkoord e-mail|e-mail akkoord"
    "|consentement e-mail|consentement courriel|accord e-mail|consent email|email consent",
    "appointment": "afspraak|afspraak voor de zitting|rendez-vous|appointment",
    # The session's place in short, for SMS: the same on every row (or on one row).
    "place_short": "plaats kort|korte plaats|plaats sms|plaats voor sms|lieu court|lieu sms"
    "|short place|place short|sms place",
    # Free text about the person: allowed in the file, never read into Messenger.
    "remark": "opmerking|opmerkingen|notitie|notities|nota|remarque|remarques|note|notes",
    "national_number": "insz|rijksregisternummer|rijksregister|rrn|niss|numéro national"
    "|numéro de registre national|national number|national register number",
}
HEADERS = lookup(HEADER_ALIASES)
_LANGUAGES = lookup(
    {
        "nl": "nl-be|nederlands|vlaams|néerlandais|dutch|flemish",
        "fr": "fr-be|frans|français|french",
        "en": "en-gb|engels|anglais|english",
    }
)
# Former names too (VMW, TMVW, AWW, IWVA): exports from older systems still use them.
_WATER_COMPANIES = lookup(
    {
        "De Watergroep": "watergroep|vmw",
        "Farys": "farys tmvw|tmvw",
        "Pidpa": "pidpa",
        "water-link": "waterlink|aww",
        "Aquaduin": "aquaduin|iwva",
        "AGSO Knokke-Heist": "agso|agso knokke",
    }
)
_REASONS = lookup(
    {
        "unpaid-bills": "onbetaalde facturen|onbetaalde factuur|onbetaald|niet betaald"
        "|wanbetaling|betalingsachterstand|factures impayées|impayé|impayés|non-paiement"
        "|unpaid|unpaid bills|non-payment",
        "reconnection": "heraansluiting|heropening|réouverture|reconnexion|remise en service"
        "|reconnection|reconnect",
    }
)
_YES = {fold(v) for v in ("ja", "j", "oui", "yes", "y", "x", "1", "waar", "vrai", "true")}
_NO = {fold(v) for v in ("", "nee", "n", "non", "no", "0", "onwaar", "faux", "false")}


def parse_yes_no(raw: str) -> bool | None:
    """A safety flag cell: ja/nee/oui/non/yes/no/x/1/0, empty is no; None if unreadable."""
    folded = fold(raw)
    return True if folded in _YES else False if folded in _NO else None


def parse_language(raw: str) -> str | None:
    """'nl', 'fr' or 'en'; empty is Dutch; None if unknown."""
    return "nl" if not raw.strip() else _LANGUAGES.get(fold(raw))


def parse_water_company(raw: str) -> str | None:
    """The company's canonical name, whatever the spelling; None if unknown or empty."""
    return _WATER_COMPANIES.get(fold(raw))


def parse_reason(raw: str) -> str | None:
    """'unpaid-bills' or 'reconnection'; empty is unpaid bills (most cases); None if unknown."""
    return "unpaid-bills" if not raw.strip() else _REASONS.get(fold(raw))


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


def unknown_column(cell: str) -> str:
    """'Gsm-nr' → "Deze kolom kennen we niet: 'Gsm-nr'. Bedoelt u 'gsm'?" """
    close = difflib.get_close_matches(fold(cell), list(HEADERS), n=1, cutoff=0.8)
    if not close:
        # A short name inside a longer one: 'gsm-nr' holds 'gsm'.
        close = [a for a in HEADERS if len(a) >= 3 and a in fold(cell)][:1]
    hint = f" Bedoelt u '{label(HEADERS[close[0]])}'?" if close else ""
    return f"Deze kolom kennen we niet: '{cell}'.{hint} Het voorbeeldbestand toont alle kolommen."


def label(field: str) -> str:
    """How to name a column the file does not have: its Dutch name."""
    return HEADER_ALIASES[field].split("|")[0]


# 2026-12-01 14:00, 2026-12-01T14:00, 1/12/2026 14:00, 01-12-2026 14u30, 1.12.2026 14u
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ t](\d{1,2})[:u.h](\d{2})?(?::\d{2})?$")
_BELGIAN = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}) +(\d{1,2})[:u.h](\d{2})?$")


def parse_local_datetime(raw: str) -> datetime | None:
    """A Brussels date and time as people write it; None if it cannot be read."""
    text = raw.strip().lower()
    if found := _ISO.match(text):
        year, month, day, hour, minute = found.groups()
    elif found := _BELGIAN.match(text):
        day, month, year, hour, minute = found.groups()
    else:
        return None
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute or 0), tzinfo=BRUSSELS
        )
    except ValueError:
        return None


# The sample case list (API and CLI): every column Messenger reads (not the remark column,
# which it never stores), Dutch names, the separator Excel uses in
# Belgium. An example INSZ with birth date 00.00.00: valid by checksum, nobody's number.
SAMPLE: tuple[tuple[str, ...], ...] = (
    (
        "voornaam", "achternaam", "taal", "gsm", "e-mail", "straat", "huisnummer", "bus",
        "adresregel 2", "postcode", "gemeente", "watermaatschappij", "reden", "referentie",
        "geen sms", "geen brieven thuis", "gedeelde gsm", "maatschappelijk werker",
        "toestemming sms", "toestemming e-mail", "afspraak", "insz", "plaats kort",
    ),
    (
        "Sara", "Janssens", "nl", "0470 12 34 56", "sara.janssens@example.be", "Kerkstraat",
        "12", "", "", "9000", "Gent", "De Watergroep", "onbetaalde facturen", "DW-2026-0412",
        "nee", "nee", "nee", "Jan Peeters", "ja", "ja", "", "00.00.00-001.96",
        "Sociaal Huis Gent",
    ),
    (
        "Karim", "El Amrani", "fr", "0485 98 76 54", "", "Molenstraat", "3", "2",
        "achterbouw", "9000", "Gent", "Farys", "heraansluiting", "", "nee", "nee", "ja", "",
        "nee", "", "", "", "",
    ),
)  # fmt: skip


def sample_csv() -> str:
    return write_csv(SAMPLE, delimiter=";")
