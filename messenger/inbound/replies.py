"""What a client's SMS reply asks for, from one keyword in Dutch, French or English.

Only a reply that is nothing but a keyword counts ("Stop", "ja!", "Bel mij"): a sentence
goes to the social worker as it is, since "nee, maar bel me morgen" is not a plain "no".
Matching ignores case, accents, punctuation and extra spaces.
"""

from __future__ import annotations

import re
import unicodedata

STOP = "stop"
START = "start"
CONFIRM = "confirm"
DECLINE = "decline"
CALL = "call"
REPLY = "reply"

KEYWORDS: dict[str, frozenset[str]] = {
    STOP: frozenset({"STOP", "STOPPEN", "ARRET", "STOP ALL", "UNSUBSCRIBE", "STOPALL"}),
    START: frozenset({"START", "DEMARRER", "UNSTOP"}),
    CONFIRM: frozenset({"JA", "OUI", "YES", "OK", "OKE", "OKAY"}),
    DECLINE: frozenset({"NEE", "NON", "NO"}),
    CALL: frozenset(
        {"BEL", "BEL MIJ", "BEL ME", "BEL MIJ OP", "APPEL", "APPELEZ MOI", "CALL", "CALL ME"}
    ),
}
# The language a keyword gives away, for the confirmation we send back.
FRENCH = frozenset({"ARRET", "DEMARRER", "OUI", "NON", "APPEL", "APPELEZ MOI"})
ENGLISH = frozenset(
    {"UNSUBSCRIBE", "STOP ALL", "STOPALL", "UNSTOP", "YES", "NO", "CALL", "CALL ME"}
)


def normalise(text: str) -> str:
    """'  Arrêt ! ' -> 'ARRET': no accents, letters and single spaces, upper case."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.sub(r"[^A-Za-z0-9]+", " ", plain)
    return " ".join(words.split()).upper()


def classify(text: str) -> str:
    """One of STOP, START, CONFIRM, DECLINE, CALL, or REPLY for anything else."""
    key = normalise(text)
    for intent, words in KEYWORDS.items():
        if key in words:
            return intent
    return REPLY


def language_of(text: str) -> str | None:
    """'fr' for ARRÊT, 'en' for UNSUBSCRIBE, 'nl' for STOPPEN; None when it says nothing."""
    key = normalise(text)
    if key in FRENCH:
        return "fr"
    if key in ENGLISH:
        return "en"
    return (
        "nl" if key in {"STOPPEN", "JA", "NEE", "BEL", "BEL MIJ", "BEL ME", "BEL MIJ OP"} else None
    )
