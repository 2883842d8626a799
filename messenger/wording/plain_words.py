"""Words the client should not have to read: officialese, and what a lock screen must not show.

Officialese makes a letter feel like a summons; the plain word says the same thing (from
the Flemish clear-language guidance). Discretion: an SMS, an email's subject and its first
lines can be read by anyone who sees the phone, so they name no amounts, debts, arrears,
payments, cut-offs or water (INDISCREET says why).
Both lists match whole words, case- and accent-insensitive; a `*` ends a prefix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# Dutch officialese -> the plain alternative.
OFFICIALESE: dict[str, str] = {
    "gelieve": "graag, of zeg het gewoon: 'Bel ons.'",
    "teneinde": "om",
    "ten einde": "om",
    "derhalve": "dus",
    "reeds": "al",
    "omtrent": "over",
    "indien": "als",
    "alvorens": "voor",
    "inzake": "over",
    "krachtens": "volgens",
    "achterstallig*": "wat u nog moet betalen",
    "ingebrekestelling": "leg één keer uit: een brief die zegt dat u moet betalen",
    "middels": "met",
    "conform": "volgens",
    "aangaande": "over",
    "dienaangaande": "daarover",
    "hieromtrent": "hierover",
    "desgevallend": "als dat nodig is",
    "ten behoeve van": "voor",
    "in het kader van": "voor, bij",
    "met betrekking tot": "over",
    "dewelke": "die",
    "hetwelk": "dat",
    "onderhavig*": "deze",
    "voornoemd*": "die",
    "aldus": "zo",
    "tevens": "ook",
    "evenwel": "maar",
    "doch": "maar",
    "thans": "nu",
    "weldra": "snel",
    "verzoeke": "graag",
    "retourneren": "terugsturen",
    "gerechtigd": "u mag, u hebt recht op",
    "wanbetaling": "niet betalen",
    "debiteur": "wie moet betalen",
    "schuldenaar": "wie moet betalen",
    "vigerend*": "geldend, nu",
    "uiterlijk": "ten laatste",
    "terzake": "hierover",
    "mitsdien": "dus",
    "bijgevolg": "dus",
}

# What a lock screen must not show: the whole SMS, and an email's subject with the first lines
# its preview shows. Anyone who glances at the phone (a partner, a child, a colleague) reads
# it, and a message from the OCMW that names a bill, a debt, a payment, a cut-off or the
# water itself tells them the client's situation. One list, in nl, fr and en, used by the
# linter's discretion rule; letters are not checked (a closed envelope).
INDISCREET: dict[str, str] = {
    # Debts, bills and payments
    "schuld*": "debt",
    "wanbetaling": "debt",
    "afbetal*": "debt",
    "betaalplan*": "debt",
    "aflossing*": "debt",
    "deurwaarder*": "debt",
    "incasso*": "debt",
    "aanmaning*": "debt",
    "factuur": "debt",
    "facturen": "debt",
    "waterrekening": "debt",
    "betaal*": "payment",
    "betal*": "payment",
    "achterstal*": "arrears",
    "achterstand*": "arrears",
    "betalingsachterstand*": "arrears",
    "betaalachterstand*": "arrears",
    "onbetaald*": "arrears",
    "niet betaald": "arrears",
    "openstaand*": "arrears",
    # Cut-off, flow limiter, reconnection, and the water itself: "hebt u weer water?" says
    # that it was cut off, and "water" from the OCMW says there is a problem with it.
    "afsluit*": "cut-off",
    "afgesloten": "cut-off",
    "afsnijden": "cut-off",
    "heraansluit*": "cut-off",
    "weer aangesloten": "cut-off",
    "opnieuw aangesloten": "cut-off",
    "debietbegrenzer*": "cut-off",
    "begrenzer*": "cut-off",
    "water*": "water",
    # French
    "dette*": "debt",
    "facture*": "debt",
    "huissier*": "debt",
    "paiement*": "payment",
    "payer": "payment",
    "impaye*": "arrears",
    "arriere*": "arrears",
    "coupure*": "cut-off",
    "couper": "cut-off",
    "coupee*": "cut-off",
    "limiteur*": "cut-off",
    "rebranch*": "cut-off",
    "eau": "water",
    # English
    "debt*": "debt",
    "bill": "debt",
    "bills": "debt",
    "bailiff*": "debt",
    "payment*": "payment",
    "pay": "payment",
    "arrears": "arrears",
    "unpaid": "arrears",
    "overdue": "arrears",
    "cut off": "cut-off",
    "cut-off": "cut-off",
    "disconnect*": "cut-off",
    "reconnect*": "cut-off",
    "limiter*": "cut-off",
}

# An amount: a currency sign or word next to a number, or a number with decimals.
_AMOUNT = re.compile(
    r"(?:€|\bEUR\b|\beuros?\b)\s?\d(?:[\d.,]*\d)?"
    r"|\d(?:[\d.,]*\d)?\s?(?:€|\bEUR\b|\beuros?\b)"
    r"|\b\d+,\d{2}\b",
    re.IGNORECASE,
)


WORD_TAIL = r"\w*"


@dataclass(frozen=True)
class WordHit:
    word: str  # as written in the text
    start: int
    listed: str  # the entry of the list it matched
    note: str  # the plain alternative, or the kind of indiscretion


def fold(text: str) -> str:
    """Lower case without accents, same length as the text, so positions carry over."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[0]
        out.append(base.lower() if len(base.lower()) == 1 else char)
    return "".join(out)


@cache
def _pattern(entries: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a list; group eN is entries[N] (longest first, so phrases win)."""
    parts = []
    for number, entry in enumerate(entries):
        stem = re.escape(fold(entry.rstrip("*"))).replace(r"\ ", r"\s+")
        tail = WORD_TAIL if entry.endswith("*") else ""
        parts.append(f"(?P<e{number}>{stem}{tail})")
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


def _find(text: str, listing: dict[str, str]) -> list[WordHit]:
    entries = tuple(sorted(listing, key=len, reverse=True))
    hits = []
    for match in _pattern(entries).finditer(fold(text)):
        index = int(next(name for name, value in match.groupdict().items() if value)[1:])
        entry = entries[index]
        hits.append(
            WordHit(text[match.start() : match.end()], match.start(), entry, listing[entry])
        )
    return hits


def officialese(text: str) -> list[WordHit]:
    return _find(text, OFFICIALESE)


def indiscretions(text: str) -> list[WordHit]:
    found = _find(text, INDISCREET)
    found += [WordHit(m.group(0), m.start(), "amount", "amount") for m in _AMOUNT.finditer(text)]
    return sorted(found, key=lambda hit: hit.start)
