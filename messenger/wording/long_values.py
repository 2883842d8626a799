"""Long, real values for the linter: what the longest clients, workers and places look like.

A template's own examples are short ("Sara", "Markt 1, Gent") and flatter it: with
"Marie-Christine" the appointment SMS takes two parts, with a partner's real opening hours
the second letter runs to two pages. The linter renders every template once more with these
values (lint.py) and checks parts, pages and sentences again.

Two sets: LONG (long but plain GSM-7 text) and ACCENTED (the same, with a first name whose
letters are not in GSM-7, so an SMS becomes UCS-2 when the organisation does not replace
them). A variable that is not listed here keeps its template's example.
"""

from __future__ import annotations

from typing import Any

from messenger.wording.template_files import TemplateSource

# Long real values, the same in every language: names, places, numbers, dates.
_COMMON: dict[str, Any] = {
    "voornaam": "Marie-Christine",
    "naam": "Marie-Christine Vandenbroucke-Van Den Abeele",
    "address_line_1": "Marie-Christine Vandenbroucke-Van Den Abeele",
    "address_line_2": "Sint-Pietersnieuwstraat 123 bus 45",
    "address_line_3": "9000 Gent",
    "address_line_4": "",
    "address_line_5": "",
    "address_line_6": "",
    "address_line_7": "",
    "watermaatschappij": "De Watergroep",
    # A Thursday in September at half past: the longest date and hour the filters write.
    "afspraak": "2026-09-17T13:30:00+02:00",
    "moment": "2026-09-24T13:30:00+02:00",
    "datum_zitting": "2026-09-24",
    "datum_melding": "2026-09-17",
    "plaats": "Sociaal Huis Gent, Onderbergen 86 bus 12, 9000 Gent",
    "plaats_kort": "Sociaal Huis Gent",
    "maatschappelijk_werker": "Anne-Sophie Van den Bossche-De Clercq",
    "telefoon": "0470 12 34 56",
    "email": "anne-sophie.vandenbossche@ocmw-sint-lievens-houtem.be",
    "ocmw": "OCMW Sint-Lievens-Houtem",
    # Filled as "<contact name>, <phone>" from the organisation's profile (plan_values.py).
    "onthaal": "Onthaal Sociaal Huis Sint-Lievens-Houtem, 053 60 01 23",
    "onthaal_adres": (
        "Sociaal Huis Sint-Lievens-Houtem, Marktplein 3 bus 2, 9520 Sint-Lievens-Houtem"
    ),
    "website": "www.sint-lievens-houtem.be/sociaal-huis",
    "partner_naam": "Centrum Algemeen Welzijnswerk Oost-Vlaanderen",
    # What a worker shares with a partner, and why (partner emails): typed by the worker.
    "gedeeld": (
        "Naam: Marie-Christine Vandenbroucke-Van Den Abeele\n"
        "Telefoon: 0470 12 34 56\n"
        "Adres: Sint-Pietersnieuwstraat 123 bus 45, 9000 Gent\n"
        "Voorkeur: liefst 's namiddags bellen, niet op woensdag; spreekt ook Frans"
    ),
    "reden": (
        "Marie-Christine heeft op 24 september een LAC-gesprek. Ze wil graag dat iemand "
        "meegaat en haar helpt om alles op papier te zetten."
    ),
}

# Values that are words: one per language.
_WORDS: dict[str, dict[str, Any]] = {
    "nl": {
        "openingsuren": (
            "maandag, dinsdag en donderdag van 9 tot 12 uur en van 13 tot 16 uur; "
            "woensdag van 13 tot 19 uur"
        ),
        "afspraken": (
            "U betaalt elke maand 35 euro aan De Watergroep, twaalf maanden lang. "
            "De eerste keer is op 1 oktober 2026."
        ),
        "handtekening": "Sociale dienst van het OCMW Sint-Lievens-Houtem",
    },
    "fr": {
        "openingsuren": (
            "lundi, mardi et jeudi de 9 à 12 h et de 13 à 16 h ; mercredi de 13 à 19 h"
        ),
        "afspraken": (
            "Vous payez 35 euros par mois à De Watergroep, pendant douze mois. "
            "Le premier paiement est le 1er octobre 2026."
        ),
        "handtekening": "Service social du CPAS de Sint-Lievens-Houtem",
    },
    "en": {
        "openingsuren": (
            "Monday, Tuesday and Thursday from 9 am to 12 noon and from 1 pm to 4 pm; "
            "Wednesday from 1 pm to 7 pm"
        ),
        "afspraken": (
            "You pay 35 euros a month to De Watergroep, for twelve months. "
            "The first payment is on 1 October 2026."
        ),
        "handtekening": "Social services of the OCMW Sint-Lievens-Houtem",
    },
}

# The accented set changes only what makes an SMS UCS-2: the client's first name.
_ACCENTED: dict[str, Any] = {
    "voornaam": "Anaïs",
    "naam": "Anaïs Vandenbroucke-Van Den Abeele",
    "address_line_1": "Anaïs Vandenbroucke-Van Den Abeele",
}

LONG_PARTNER: dict[str, dict[str, str]] = {
    language: {
        "name": "Centrum Algemeen Welzijnswerk Oost-Vlaanderen",
        "phone": "+32 9 265 04 00",
        "address": "Sint-Salvatorstraat 42 bus 3, 9000 Gent",
        "opening_hours": _WORDS[language]["openingsuren"],
    }
    for language in _WORDS
}


def long_values(language: str) -> dict[str, Any]:
    """Every long value for a language (Dutch words when the language has none)."""
    return {**_COMMON, **_WORDS.get(language, _WORDS["nl"])}


def accented_values(language: str) -> dict[str, Any]:
    return {**long_values(language), **_ACCENTED}


def for_template(source: TemplateSource, *, accented: bool = False) -> dict[str, Any]:
    """The template's variables filled with long values; its own example where none is known."""
    values = accented_values(source.language) if accented else long_values(source.language)
    return {name: values.get(name, example) for name, example in source.examples.items()}


def unknown(source: TemplateSource) -> list[str]:
    """The template's variables without a long value."""
    return sorted(set(source.variables) - set(long_values(source.language)))


def partner(language: str) -> dict[str, str]:
    return LONG_PARTNER.get(language, LONG_PARTNER["nl"])
