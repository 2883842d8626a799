"""SMS character encoding: GSM-7 or UCS-2, segment counts, and transliteration.

An SMS is sent in GSM-7 (160 characters, or 153 per part when split) only if
*every* character is in the GSM 03.38 alphabet. One character outside it, such
as the 'ë' in "cliënt" or a curly apostrophe in "’s morgens", switches the whole
message to UCS-2: 70 characters, or 67 per part. A 100-character message then
costs two SMS instead of one and may arrive split. `sms_info` reports the
encoding, length and segments and points at the offending characters;
`transliterate` replaces them with the nearest GSM-7 spelling where one reads
naturally (ë→e, ’→', –→-, …→...), and leaves everything else (emoji, Greek,
Cyrillic, Arabic, …) untouched, so `sms_info` still reports it.

Choice: 'ç' becomes 'c', not the GSM-7 'Ç'. "francais" reads better in a Dutch
or French SMS than "franÇais", and many phones show GSM 0x09 as a capital.

Segments follow the usual count (also used by Twilio's `num_segments`): GSM-7
1 if ≤160 septets else ceil(n/153); UCS-2 1 if ≤70 code units else ceil(n/67).
A real split never cuts an escape pair or a surrogate pair, so near an exact
multiple of 153/67 the carrier may occasionally need one part more.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Literal

GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 basic character set (one septet each; ESC itself excluded)."""

GSM7_EXTENSION: frozenset[str] = frozenset("^{}\\[~]|€\f")
"""Reached through ESC, so each of these costs two septets."""

GSM7: frozenset[str] = GSM7_BASIC | GSM7_EXTENSION

_GSM7_SINGLE, _GSM7_PART = 160, 153
_UCS2_SINGLE, _UCS2_PART = 70, 67

# Explicit replacements; anything else not in GSM-7 falls back to its
# compatibility decomposition without accents, when that is plain GSM-7.
_REPLACEMENTS: dict[str, str] = {
    **dict(zip("ëêïîôûúâáíóç", "eeiiouuaaioc", strict=True)),
    **dict(zip("ËÊÏÎÔÛÚÂÁÍÓÈÀÙÌÒ", "EEIIOUUAAIOEAUIO", strict=True)),
    **dict.fromkeys("‘’‚‛′´`‹›", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    "…": "...",
    "\t": " ",
    "\u2028": "\n",
    "\u2029": "\n",
    "œ": "oe",
    "Œ": "OE",
    "ĳ": "ij",
    "Ĳ": "IJ",
}
# Invisible characters that are simply dropped (ZWJ is handled separately:
# it is kept inside emoji sequences such as 👩‍💻).
_REMOVED: frozenset[str] = frozenset("\u200b\u200c\u2060\ufeff\u00ad\u180e")
_ZWJ = "\u200d"


@dataclass(frozen=True)
class SmsInfo:
    """How an SMS text will be sent."""

    encoding: Literal["GSM-7", "UCS-2"]
    characters: int
    """GSM-7: septets, extension characters counting 2. UCS-2: UTF-16 code units."""
    segments: int
    offending: tuple[tuple[int, str], ...]
    """(position in the string, character) of every character forcing UCS-2."""


@dataclass(frozen=True)
class TransliterationPreview:
    """What `transliterate` would do to a text, for showing to a template author."""

    before: SmsInfo
    after: SmsInfo
    text: str
    changed: tuple[tuple[int, str, str], ...]
    """(position in the original, original character, replacement text)."""


def sms_info(text: str) -> SmsInfo:
    """Encoding, length, segment count and offending characters of an SMS text."""
    offending = tuple((i, c) for i, c in enumerate(text) if c not in GSM7)
    if not offending:
        length = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        return SmsInfo("GSM-7", length, _segments(length, _GSM7_SINGLE, _GSM7_PART), ())
    length = len(text.encode("utf-16-le")) // 2
    return SmsInfo("UCS-2", length, _segments(length, _UCS2_SINGLE, _UCS2_PART), offending)


def _segments(length: int, single: int, part: int) -> int:
    if length == 0:
        return 0
    return 1 if length <= single else math.ceil(length / part)


def transliterate(text: str) -> str:
    """Replace characters outside GSM-7 by a close GSM-7 spelling where one exists."""
    return "".join(_pieces(text))


def preview_transliteration(text: str) -> TransliterationPreview:
    """`transliterate` with the before/after encoding and a list of each change."""
    pieces = _pieces(text)
    result = "".join(pieces)
    changed = tuple((i, c, p) for i, (c, p) in enumerate(zip(text, pieces, strict=True)) if c != p)
    return TransliterationPreview(sms_info(text), sms_info(result), result, changed)


def _pieces(text: str) -> list[str]:
    """The replacement of each character of `text`, position by position."""
    pieces: list[str] = []
    for i, char in enumerate(text):
        pieces.append(char)
        if char in GSM7 or char == _ZWJ:
            continue
        if char in _REMOVED:
            pieces[i] = ""
        elif char in _REPLACEMENTS:
            pieces[i] = _REPLACEMENTS[char]
        elif unicodedata.combining(char):
            _combine(pieces, i)
        elif unicodedata.category(char) == "Zs":
            pieces[i] = " "
        else:
            pieces[i] = _decomposed(char) or char
    for i, char in enumerate(text):
        if char == _ZWJ and not _joins_emoji(pieces, i):
            pieces[i] = ""
    return pieces


def _combine(pieces: list[str], i: int) -> None:
    """Handle a combining mark (e.g. 'e' + U+0308) at position `i`.

    After a GSM-7 letter the mark is merged into it when that gives a GSM-7
    character ('a' + '̈' → 'ä') and dropped otherwise ('e' + '̈' → 'e'). After
    a character outside GSM-7 (Greek, Devanagari, …) it is kept.
    """
    mark = pieces[i]
    pieces[i] = ""
    j = next((k for k in range(i - 1, -1, -1) if pieces[k]), None)
    if j is None:
        return
    base = pieces[j][-1]
    if base not in GSM7:
        pieces[i] = mark
        return
    composed = unicodedata.normalize("NFC", base + mark)
    if composed in GSM7:
        pieces[j] = pieces[j][:-1] + composed


def _decomposed(char: str) -> str | None:
    """`char` without accents and compatibility forms ('ŷ' → 'y', '²' → '2'), if GSM-7."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if plain and all(c in GSM7 and not c.isspace() for c in plain):
        return plain
    return None


def _joins_emoji(pieces: list[str], i: int) -> bool:
    """Whether the zero-width joiner at `i` sits between two emoji-like characters."""
    before = next((p[-1] for p in reversed(pieces[:i]) if p), "")
    after = next((p[0] for p in pieces[i + 1 :] if p), "")
    return _pictographic(before) and _pictographic(after)


def _pictographic(char: str) -> bool:
    return char == "\ufe0f" or (
        char != "" and char not in GSM7 and unicodedata.category(char) in ("So", "Sk")
    )
