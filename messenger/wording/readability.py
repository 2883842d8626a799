"""How easy a text is to read: sentences, words, syllables and the Flesch-Douma score.

Flesch-Douma (Dutch): 206.84 - 0.77 × syllables per 100 words - 0.93 × words per sentence;
60-70 is normal, 70-80 fairly easy, 80 and up easy. Syllables are counted
as groups of vowels, the usual estimate for Dutch: "waterfactuur" has a-e-a-uu, four; a
diaeresis starts a new syllable ("beïnvloeden"). It is an estimate, good enough to rank
texts and to catch a long, hard one, which is what the linter needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? (or …) followed by a space or the end, and at every line end:
# greetings, list items and "Wanneer? …" lines stand alone in letters.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
# Abbreviations whose full stop does not end a sentence, as whole words only.
_ABBREVIATION = re.compile(
    r"(?<![\w.])(?:i\.p\.v|d\.w\.z|o\.a|bijv|bv|nr|enz|tel|blz|p)\.", re.IGNORECASE
)
_WORD = re.compile(r"[^\W_]+(?:[-'.@/][^\W_]+)*", re.UNICODE)
_VOWEL_GROUP = re.compile(r"[aeiouyáàâäéèêëíìîïóòôöúùûü]+", re.IGNORECASE)
_DIAERESIS = re.compile(r"[äëïöü]", re.IGNORECASE)


@dataclass(frozen=True)
class Sentence:
    text: str
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
    return _WORD.findall(text)


def syllables(word: str) -> int:
    """Vowel groups; a diaeresis splits a group. Numbers, addresses and links (anything
    with a digit, @, / or an inner full stop) count one:
    they are read as a unit, and their letters would make a text look harder than it is."""
    if not any(c.isalpha() for c in word) or any(c.isdigit() or c in "@/." for c in word):
        return 1
    count = 0
    for group in _VOWEL_GROUP.findall(word):
        # "ië", "eë": every vowel with a diaeresis opens a syllable of its own.
        count += 1 + len(_DIAERESIS.findall(group[1:]))
    return max(1, count)


def sentences_of(text: str) -> list[Sentence]:
    found: list[Sentence] = []
    position = 0
    for piece in _split(text):
        start = text.find(piece, position)
        position = start + len(piece)
        count = len(words_of(piece))
        if count:
            found.append(Sentence(text=piece.strip(), words=count, start=start))
    return found


def _split(text: str) -> list[str]:
    protected = _ABBREVIATION.sub(lambda m: m.group(0).replace(".", "\x00"), text)
    pieces = [piece.replace("\x00", ".") for piece in _SENTENCE_END.split(protected)]
    return [piece for piece in pieces if piece.strip()]


def readability(text: str) -> Readability:
    found = sentences_of(text)
    words = words_of(text)
    return Readability(
        sentences=tuple(found),
        words=len(words),
        syllables=sum(syllables(word) for word in words),
    )
