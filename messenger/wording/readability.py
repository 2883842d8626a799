"""How easy a text is to read: sentences, words, syllables and the Flesch-Douma score.

Flesch-Douma (Dutch): 206.84 - 0.77 × syllables per 100 words - 0.93 × words per sentence;
60-70 is normal, 70-80 fairly easy, 80 and up easy.

Counted as readers read:
- Syllables come from the Dutch hyphenation dictionary (pyphen's `nl_NL`), not from vowel
  groups, so "Sociaal" is so-ci-aal (three) and "waterfactuur" wa-ter-fac-tuur (four). The
  dictionary leaves the first and last two letters whole ("over", "idee"), so each piece
  still counts its own vowel groups, a diaeresis opening a new one ("Zoë", "ideeën").
- Abbreviations count as they are spoken: an all-capitals word of 2 to 6 letters is spelled
  out, one syllable a letter (OCMW 4, LAC 3, CPAS 4), unless it is said as a word (JA, STOP);
  a word without any vowel ("sms", "gsm", "btw") is spelled out too.
- Phone numbers, email addresses, links, numbers, dates and times, and addresses (a street
  with its number, "bus 12", a postcode with its town) are left out of the word and
  syllable counts: a reader takes them in as one thing, or skips them, and their digit
  groups would make a text look easier than it is (each "45" a short word).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import pyphen

# A sentence ends at . ! ? (or …) followed by a space or the end, and at every line end:
# greetings, list items and "Wanneer? …" lines stand alone in letters.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
# Abbreviations whose full stop does not end a sentence, as whole words only.
_ABBREVIATION = re.compile(
    r"(?<![\w.])(?:i\.p\.v|d\.w\.z|o\.a|bijv|bv|nr|enz|tel|blz|p)\.", re.IGNORECASE
)
_WORD = re.compile(r"[^\W_]+(?:[-'.@/][^\W_]+)*", re.UNICODE)
_VOWELS = "aeiouyáàâäéèêëíìîïóòôöúùûü"
_VOWEL_GROUP = re.compile(f"[{_VOWELS}]+", re.IGNORECASE)
_DIAERESIS = re.compile(r"[äëïöü]", re.IGNORECASE)
# All-capitals words that are said as words, not letter by letter.
WORD_ACRONYMS = frozenset(
    {"JA", "NEE", "NEEN", "STOP", "START", "OK", "INFO", "HELP", "OUI", "NON", "YES", "NO"}
    | {"RIZIV", "NATO", "UNICEF", "AIDS", "IBAN", "BIC", "PIN", "VIVAS"}
)

_DAY = (
    r"maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag"
    r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
_MONTH = (
    r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    r"|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre"
    r"|january|february|march|may|june|july|august|october"
)
_STREET_WORD = r"[A-ZÀ-Ý][\w'’-]{2,}"
_UNTIL_END = r"(?=[.,;:!?)]?(?:\s|$))"
# What a reader takes in as one thing, blanked out pass by pass: a date before the number in
# it, a phone number before a street ("Bel 09 …" is no street).
_UNITS = tuple(
    re.compile(pattern)
    for pattern in (
        rf"\b(?:https?://|www\.)\S+?{_UNTIL_END}",  # a link
        r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # an email address
        rf"\b[\w-]+(?:\.[\w-]+)*\.(?:be|com|org|net|eu|nl|fr|gent)(?:/\S*?)?{_UNTIL_END}",
        r"(?<![\d+])(?:\+32[ \t]?|0)\d(?:[ \t./]?\d){7,8}(?!\d)",  # a Belgian phone number
        # A date: (weekday) 8 december (2026); 2026-12-08; 8/12/2026.
        rf"(?i:\b(?:(?:{_DAY})[ \t]+)?\d{{1,2}}(?:er)?[ \t]+(?:{_MONTH})(?:[ \t]+\d{{4}})?\b)",
        r"\b\d{4}-\d{2}-\d{2}(?:T[\d:+.-]+)?\b",
        r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
        # A time: 10 uur, 10.30 uur, 10u30, 14h, 2 pm, 10.30.
        r"\b\d{1,2}(?:[.:hu]\d{2})?[ \t]*(?:uur|u|h|am|pm)\b",
        r"\b\d{1,2}[.:]\d{2}\b",
        # An address: a street and its number (bus 12), a postcode and its town.
        rf"(?:\b(?:rue|avenue|chaussée|place|boulevard)[ \t]+(?:[\w'’-]+[ \t]+){{0,3}}"
        rf"|\b(?:{_STREET_WORD}[ \t]+){{0,2}}{_STREET_WORD}[ \t]+)"
        r"[1-9]\d{0,3}[a-zA-Z]?\b(?:[ \t]*(?:bus|boîte|bte|box)[ \t]*[\w/]+)?",
        rf"\b[1-9]\d{{3}}[ \t]+{_STREET_WORD}",
        r"\b(?:bus|boîte|bte)[ \t]*\d[\w/]*",
        rf"\S*\d\S*?{_UNTIL_END}",  # any other word with a digit
    )
)


@dataclass(frozen=True)
class Sentence:
    text: str
    # Words read as words: numbers, phone numbers, addresses and the like left out.
    words: int
    # Where it starts in the text, so a finding can point at it.
    start: int


@dataclass(frozen=True)
class Readability:
    sentences: tuple[Sentence, ...]
    words: int
    syllables: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / len(self.sentences) if self.sentences else 0.0

    @property
    def flesch_douma(self) -> float:
        if not self.words:
            return 0.0
        per_100 = self.syllables * 100 / self.words
        return round(206.84 - 0.77 * per_100 - 0.93 * self.words_per_sentence, 1)


def words_of(text: str) -> list[str]:
    """Every word as written, units (numbers, addresses, links) included."""
    return _WORD.findall(text)


def counted_words(text: str) -> list[str]:
    """The words a reader reads as words: numbers, dates, phone numbers, email addresses,
    links and addresses left out."""
    return words_of(without_units(text))


def without_units(text: str) -> str:
    """The text with every unit blanked out, same length, so positions carry over."""
    return _blanked(text)[0]


def units_of(text: str) -> list[str]:
    """The units of a text, as written, in the order they appear."""
    return [text[start:end] for start, end in sorted(_blanked(text)[1])]


@lru_cache(maxsize=1024)  # the linter reads each rendering several times
def _blanked(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    spans: list[tuple[int, int]] = []
    for pattern in _UNITS:
        for match in pattern.finditer(text):
            if match.group(0).strip():
                spans.append(match.span())
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text, tuple(spans)


@cache
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="nl_NL")


@lru_cache(maxsize=8192)
def syllables(word: str) -> int:
    """Syllables as the word is spoken. A unit (a number, a link, an address) counts none:
    it is left out of the counts."""
    if not any(c.isalpha() for c in word) or any(c.isdigit() or c in "@/." for c in word):
        return 0
    total = sum(_part_syllables(part) for part in re.split(r"[-']", word) if part)
    return max(1, total)


def _part_syllables(part: str) -> int:
    if part.isupper() and 2 <= len(part) <= 6 and part not in WORD_ACRONYMS:
        return len(part)  # spelled out: every Dutch letter name is one syllable
    if not _VOWEL_GROUP.search(part):
        return len(part) if len(part) > 1 else 0  # "sms", "btw"; the "s" of "OCMW's"
    count = 0
    for piece in _dictionary().inserted(part.lower()).split("-"):
        for group in _VOWEL_GROUP.findall(piece):
            # "ië", "eë": every vowel with a diaeresis opens a syllable of its own.
            count += 1 + len(_DIAERESIS.findall(group[1:]))
    return count


def longest_part(word: str) -> int:
    """The syllables of the longest part of a word: "LAC-gesprek" is read as two words."""
    parts = [p for p in re.split(r"[-']", word) if p]
    return max((syllables(p) for p in parts), default=0)


def sentences_of(text: str) -> list[Sentence]:
    masked = without_units(text)
    found: list[Sentence] = []
    position = 0
    for piece in _split(text):
        start = text.find(piece, position)
        position = start + len(piece)
        if not words_of(piece):
            continue
        count = len(words_of(masked[start:position]))
        found.append(Sentence(text=piece.strip(), words=count, start=start))
    return found


def _split(text: str) -> list[str]:
    protected = _ABBREVIATION.sub(lambda m: m.group(0).replace(".", "\x00"), text)
    pieces = [piece.replace("\x00", ".") for piece in _SENTENCE_END.split(protected)]
    return [piece for piece in pieces if piece.strip()]


def readability(text: str) -> Readability:
    found = sentences_of(text)
    words = counted_words(text)
    return Readability(
        sentences=tuple(s for s in found if s.words),
        words=len(words),
        syllables=sum(syllables(word) for word in words),
    )
