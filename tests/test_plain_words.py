"""Officialese and discretion word lists: what hits, where, and what not."""

from __future__ import annotations

import pytest

from messenger.wording.plain_words import INDISCREET, OFFICIALESE, fold, indiscretions, officialese


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cliënt", "client"),
        ("ÉÉN keer", "een keer"),
        ("Impayée", "impayee"),
        ("Arriérés", "arrieres"),
        ("Beïnvloeden", "beinvloeden"),
        ("€ 12,50", "€ 12,50"),
    ],
)
def test_fold_lowers_and_drops_accents_keeping_positions(text: str, expected: str) -> None:
    assert fold(text) == expected
    assert len(fold(text)) == len(text)


@pytest.mark.parametrize(
    ("text", "word", "start", "listed"),
    [
        ("Gelieve ons te bellen.", "Gelieve", 0, "gelieve"),
        ("GELIEVE ONS TE BELLEN", "GELIEVE", 0, "gelieve"),
        ("Bel ons teneinde een afspraak te maken.", "teneinde", 8, "teneinde"),
        ("Bel ons ten einde een afspraak te maken.", "ten einde", 8, "ten einde"),
        ("Dit is ten behoeve van u.", "ten behoeve van", 7, "ten behoeve van"),
        ("Dit is ten  behoeve\nvan u.", "ten  behoeve\nvan", 7, "ten behoeve van"),
        ("Uw achterstallige factuur", "achterstallige", 3, "achterstallig*"),
        ("het achterstallig bedrag", "achterstallig", 4, "achterstallig*"),
        ("de achterstalligheden", "achterstalligheden", 3, "achterstallig*"),
        ("U hebt het al reeds.", "reeds", 14, "reeds"),
        ("U hebt het réeds.", "réeds", 11, "reeds"),
        ("Indien u niet komt, bel ons.", "Indien", 0, "indien"),
        ("Dat is in het kader van de wet.", "in het kader van", 7, "in het kader van"),
        ("Lees onderhavige brief.", "onderhavige", 5, "onderhavig*"),
        ("Bel de voornoemde dienst.", "voornoemde", 7, "voornoemd*"),
        ("Betaal uiterlijk op 5 mei.", "uiterlijk", 7, "uiterlijk"),
        ("(Derhalve) komen we.", "Derhalve", 1, "derhalve"),
        ("Met betrekking tot uw vraag.", "Met betrekking tot", 0, "met betrekking tot"),
    ],
)
def test_officialese_hit(text: str, word: str, start: int, listed: str) -> None:
    [hit] = officialese(text)
    assert (hit.word, hit.start, hit.listed) == (word, start, listed)
    assert text[hit.start : hit.start + len(hit.word)] == hit.word
    assert hit.note == OFFICIALESE[listed]


@pytest.mark.parametrize(
    ("entry", "plain"),
    [
        ("gelieve", "graag"),
        ("teneinde", "om"),
        ("derhalve", "dus"),
        ("reeds", "al"),
        ("omtrent", "over"),
        ("indien", "als"),
        ("alvorens", "voor"),
        ("inzake", "over"),
        ("krachtens", "volgens"),
        ("achterstallig*", "wat u nog moet betalen"),
        ("ten behoeve van", "voor"),
    ],
)
def test_officialese_suggests_the_plain_word_of_the_guidance(entry: str, plain: str) -> None:
    text = f"Dit is {entry.rstrip('*')} zo."
    [hit] = officialese(text)
    assert hit.listed == entry
    assert hit.note.startswith(plain)


def test_several_officialese_words_in_order() -> None:
    text = "Gelieve indien mogelijk reeds te betalen."
    assert [(h.word, h.start, h.listed) for h in officialese(text)] == [
        ("Gelieve", 0, "gelieve"),
        ("indien", 8, "indien"),
        ("reeds", 24, "reeds"),
    ]


def test_a_phrase_is_one_hit_not_its_parts() -> None:
    assert [h.listed for h in officialese("ten behoeve van de cliënt")] == ["ten behoeve van"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Bel ons als u vragen hebt.",
        "reedsvoorbeeld",  # whole words only: no hit inside a longer word
        "xgelieve",
        "gelieve_x",
        "indiensttreding",
        "een teneindelijk woord",
        "onachterstallig",  # a prefix entry extends to the right only
        "ten",
        "behoeve",
        "Dat is het einde.",
        "Ten slotte: tot dan.",
    ],
)
def test_no_officialese(text: str) -> None:
    assert officialese(text) == []


@pytest.mark.parametrize(
    ("text", "word", "note"),
    [
        # Dutch
        ("Uw schulden", "schulden", "debt"),
        ("Schuldbemiddeling helpt.", "Schuldbemiddeling", "debt"),
        ("uw achterstal", "achterstal", "arrears"),
        ("uw achterstallige rekening", "achterstallige", "arrears"),
        ("het is nog niet betaald", "niet betaald", "arrears"),
        ("De deurwaarder komt.", "deurwaarder", "debt"),
        ("een aanmaning", "aanmaning", "debt"),
        ("uw waterfactuur", "waterfactuur", "water"),
        ("uw factuur", "factuur", "debt"),
        ("uw facturen", "facturen", "debt"),
        ("de waterrekening", "waterrekening", "debt"),
        ("een betalingsachterstand", "betalingsachterstand", "arrears"),
        ("een achterstand", "achterstand", "arrears"),
        ("het openstaande bedrag", "openstaande", "arrears"),
        ("een betaalplan", "betaalplan", "debt"),
        ("Lukt het betalen?", "betalen", "payment"),
        ("Hebt u weer water?", "water", "water"),
        ("Is het water terug?", "water", "water"),
        ("een waterbegrenzer", "waterbegrenzer", "water"),
        ("een begrenzer", "begrenzer", "cut-off"),
        ("De heraansluiting lukte.", "heraansluiting", "cut-off"),
        ("U bent weer aangesloten.", "weer aangesloten", "cut-off"),
        ("Het wordt afgesloten.", "afgesloten", "cut-off"),
        ("de afsluiting", "afsluiting", "cut-off"),
        ("een debietbegrenzer", "debietbegrenzer", "cut-off"),
        # French
        ("Votre dette", "dette", "debt"),
        ("Les arriérés", "arriérés", "arrears"),
        ("une coupure", "coupure", "cut-off"),
        ("avez-vous encore de l'eau?", "eau", "water"),
        ("un limiteur de débit", "limiteur", "cut-off"),
        ("un plan de paiement", "paiement", "payment"),
        ("on va couper", "couper", "cut-off"),
        ("l'huissier passe", "huissier", "debt"),
        # English
        ("your debts", "debts", "debt"),
        ("your arrears", "arrears", "arrears"),
        ("it is unpaid", "unpaid", "arrears"),
        ("your bill", "bill", "debt"),
        ("a payment plan", "payment", "payment"),
        ("do you have water again?", "water", "water"),
        ("a flow limiter", "limiter", "cut-off"),
        ("you are reconnected", "reconnected", "cut-off"),
        ("it is overdue", "overdue", "arrears"),
        ("we will cut off", "cut off", "cut-off"),
        ("a cut-off", "cut-off", "cut-off"),
        ("you will be disconnected", "disconnected", "cut-off"),
        ("the bailiff", "bailiff", "debt"),
        # Amounts
        ("nog € 120,50 open", "€ 120,50", "amount"),
        ("nog €120 open", "€120", "amount"),
        ("nog 45 euro open", "45 euro", "amount"),
        ("nog 30 EUR open", "30 EUR", "amount"),
        ("encore 5 euros", "5 euros", "amount"),
        ("nog 12,50 open", "12,50", "amount"),
        ("nog 1.250,00 € open", "1.250,00 €", "amount"),
    ],
)
def test_indiscretion_hit(text: str, word: str, note: str) -> None:
    [hit] = indiscretions(text)
    assert (hit.word, hit.note) == (word, note)
    assert hit.start == text.index(word)
    if note != "amount":
        assert INDISCREET[hit.listed] == note


def test_facture_impayee_is_two_hits() -> None:
    hits = indiscretions("Facture impayée")
    assert [(h.word, h.start, h.note) for h in hits] == [
        ("Facture", 0, "debt"),
        ("impayée", 8, "arrears"),
    ]


def test_indiscretions_are_sorted_by_position_words_and_amounts_alike() -> None:
    text = "Bel ons. Uw schulden van € 120,50 en de afsluiting."
    hits = indiscretions(text)
    assert [(h.word, h.start) for h in hits] == [
        ("schulden", 12),
        ("€ 120,50", 25),
        ("afsluiting", 40),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Dag Sara, bel ons als u vragen hebt.",
        "Kom om 10.30 uur.",
        "OCMW Gent, 9000 Gent",
        "Bel 09 123 45 67.",
        "Bel 0470 12 34 56.",
        "op 2026-12-08 om 10 uur",
        "dinsdag 8 december 2026",
        "Markt 1, Gent",
        "onschuldig",
        "Europa 2",
        "We helpen u graag.",
        # Words near the list that give nothing away.
        "Houd er rekening mee dat we bellen.",
        "Het LAC-gesprek is op dinsdag.",
        "Kom naar de Lokale Adviescommissie.",
        "Het weer is mooi.",
        "U bent aangesloten bij een ziekenfonds.",
        "Voor uw afspraak met de sociale dienst.",
        "Rendez-vous au CPAS.",
    ],
)
def test_no_indiscretion(text: str) -> None:
    assert indiscretions(text) == []
