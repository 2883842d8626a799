"""Readability: syllables, words, sentences and the Flesch-Douma score.

Small cases, one line each, in the style of GOV.UK Notify's notifications-utils tests.
"""

from __future__ import annotations

import pytest

from messenger.wording.readability import (
    counted_words,
    readability,
    sentences_of,
    syllables,
    units_of,
    words_of,
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("waterfactuur", 4),  # wa-ter-fac-tuur
        ("waterbegrenzer", 5),  # wa-ter-be-gren-zer
        ("afbetalingsplan", 5),  # af-be-ta-lings-plan
        ("overkomen", 4),  # o-ver-ko-men: the dictionary keeps "over" whole
        ("iedereen", 3),  # ie-der-een
        ("ideeën", 3),  # i-dee-en: the diaeresis opens a syllable
        ("beïnvloeden", 4),  # be-in-vloe-den
        ("cliënt", 2),  # cli-ent
        ("uw", 1),
        ("België", 3),
        ("naïef", 2),
        ("coördinatie", 5),
        ("knieën", 2),
        ("geëerd", 2),
        ("zee", 1),
        ("water", 2),
        ("maatschappelijk", 4),
        ("Lokale", 3),
        ("Adviescommissie", 5),
        ("watermaatschappij", 5),
        ("e-mail", 2),
        ("zo'n", 1),
        # Where vowel groups miscount and the dictionary does not.
        ("Sociaal", 3),  # so-ci-aal, not "o" + "iaa"
        ("situatie", 4),  # si-tu-a-tie
        ("individueel", 5),  # in-di-vi-du-eel
        ("museum", 3),  # mu-se-um
        ("Vandenbroucke", 4),  # van-den-brou-cke
        ("Zoë", 2),
        ("Anaïs", 3),
        ("Marie-Christine", 5),
    ],
)
def test_syllables_of_dutch_words(word: str, expected: int) -> None:
    assert syllables(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("OCMW", 4),  # o-cee-em-wee
        ("LAC", 3),  # el-aa-cee
        ("SMS", 3),
        ("sms", 3),  # no vowel: spelled out, whatever the case
        ("CPAS", 4),
        ("OCMW's", 4),
        ("CAW", 3),
        ("VDAB", 4),
        ("gsm", 3),
        ("btw", 3),
        ("LAC-gesprek", 5),  # el-aa-cee-ge-sprek
        ("OCMW-Gent", 5),
        # Said as words, not spelled.
        ("JA", 1),
        ("NEE", 1),
        ("STOP", 1),
        ("START", 1),
        ("RIZIV", 2),
        # One capital letter, or a long shouted word, is read as a word.
        ("U", 1),
        ("WATERMAATSCHAPPIJ", 5),
    ],
)
def test_abbreviations_count_as_they_are_spoken(word: str, expected: int) -> None:
    assert syllables(word) == expected


@pytest.mark.parametrize(
    "unit",
    [
        "09",
        "2026",
        "10.30",
        "4,5",
        "9000",
        "jan.peeters@ocmw.example",
        "info@ocmw-gent.be",
        "https://www.gent.be/lac",
        "www.gent.be/water",
        "ocmw.be/contact",
        "www.gent.be",
    ],
)
def test_numbers_email_addresses_and_links_count_no_syllables(unit: str) -> None:
    assert syllables(unit) == 0


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("Bel 09 123 45 67.", ["09 123 45 67"]),
        ("Bel 0470 12 34 56 of +32 9 265 04 00.", ["0470 12 34 56", "+32 9 265 04 00"]),
        ("Bel 09/123.45.67.", ["09/123.45.67"]),
        ("Mail naar jan.peeters@ocmw.example.", ["jan.peeters@ocmw.example"]),
        ("Kijk op www.gent.be/lac.", ["www.gent.be/lac"]),
        ("Kijk op https://gent.be/lac?x=1 of ocmw.be.", ["https://gent.be/lac?x=1", "ocmw.be"]),
        ("Kom op dinsdag 8 december 2026 om 10 uur.", ["dinsdag 8 december 2026", "10 uur"]),
        ("Kom op Dinsdag 8 december om 10.30 uur.", ["Dinsdag 8 december", "10.30 uur"]),
        ("Vanaf 1 januari.", ["1 januari"]),
        ("Kom om 14u30.", ["14u30"]),
        ("op 2026-12-08 of 8/12/2026", ["2026-12-08", "8/12/2026"]),
        ("jeudi 24 septembre 2026 à 13 h 30", ["jeudi 24 septembre 2026", "13 h", "30"]),
        ("Waar? Markt 1, Gent", ["Markt 1"]),
        ("Onderbergen 86 bus 12, 9000 Gent", ["Onderbergen 86 bus 12", "9000 Gent"]),
        ("Sint-Pietersnieuwstraat 123 bus 45", ["Sint-Pietersnieuwstraat 123 bus 45"]),
        ("Koning Albertlaan 5A, 9080 Lochristi", ["Koning Albertlaan 5A", "9080 Lochristi"]),
        ("rue de la Loi 16, 1000 Bruxelles", ["rue de la Loi 16", "1000 Bruxelles"]),
        ("van 9 tot 12 uur", ["9", "12 uur"]),
        ("U betaalt 25 euro.", ["25"]),
        ("Bel ons als u vragen hebt.", []),
        ("Stuur JA als u komt.", []),
    ],
)
def test_units_are_what_a_reader_takes_in_as_one_thing(text: str, units: list[str]) -> None:
    assert units_of(text) == units


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Bel 09 123 45 67.", ["Bel"]),
        ("Bel 09 123 45 67 of mail naar jan@ocmw.be.", ["Bel", "of", "mail", "naar"]),
        (
            "Kom naar Sociaal Huis Gent, Onderbergen 86 bus 12, 9000 Gent.",
            ["Kom", "naar", "Sociaal", "Huis", "Gent"],
        ),
        ("Kom op dinsdag 8 december 2026 om 10 uur.", ["Kom", "op", "om"]),
        ("Vanaf 1 januari betaalt u 25 euro.", ["Vanaf", "betaalt", "u", "euro"]),
    ],
)
def test_counted_words_leave_units_out(text: str, words: list[str]) -> None:
    assert counted_words(text) == words
    assert readability(text).words == len(words)


@pytest.mark.parametrize(
    ("with_unit", "without"),
    [
        ("Bel ons: 09 123 45 67.", "Bel ons."),
        ("Mail ons: jan.peeters@ocmw.example.", "Mail ons."),
        ("Kom op dinsdag 8 december 2026 om 10 uur.", "Kom op om."),
        ("Kom naar Onderbergen 86 bus 12, 9000 Gent.", "Kom naar."),
    ],
)
def test_a_unit_changes_neither_words_nor_syllables(with_unit: str, without: str) -> None:
    a, b = readability(with_unit), readability(without)
    assert (a.words, a.syllables) == (b.words, b.syllables)


def test_a_phone_number_no_longer_raises_the_score() -> None:
    # Each digit group used to count as a short word, making the text look easier.
    text = "De Lokale Adviescommissie beslist over uw water. Bel ons{phone}."
    assert readability(text.format(phone=" op 09 123 45 67")).flesch_douma == (
        readability(text.format(phone=" op")).flesch_douma
    )


def test_ocmw_lowers_the_score_as_four_syllables() -> None:
    spelled = readability("Het OCMW helpt u.")
    assert (spelled.words, spelled.syllables) == (4, 7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("Dag Sara", ["Dag", "Sara"]),
        ("Dag Sara, tot dan!", ["Dag", "Sara", "tot", "dan"]),
        ("cliënt", ["cliënt"]),
        ("e-mail", ["e-mail"]),
        ("zo'n toestel", ["zo'n", "toestel"]),
        ("Bel 09 123 45 67.", ["Bel", "09", "123", "45", "67"]),
        ("Mail naar jan.peeters@ocmw.example.", ["Mail", "naar", "jan.peeters@ocmw.example"]),
        ("Wanneer? – dinsdag", ["Wanneer", "dinsdag"]),
        ("om 10.30 uur", ["om", "10.30", "uur"]),
        ("- ; ? …", []),
        ("snake_case", ["snake", "case"]),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert words_of(text) == expected
    assert readability(text).words == len(counted_words(text)) <= len(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("Dag Sara.", ["Dag Sara."]),
        (
            "Dag Sara. Hoe gaat het? Goed! Tot dan.",
            ["Dag Sara.", "Hoe gaat het?", "Goed!", "Tot dan."],
        ),
        ("Tot dan… Bel ons.", ["Tot dan…", "Bel ons."]),
        ("Dag Sara,\n\nBel ons.", ["Dag Sara,", "Bel ons."]),
        ("Wanneer? dinsdag\nWaar? Markt 1", ["Wanneer?", "dinsdag", "Waar?", "Markt 1"]),
        (
            "De LAC kan beslissen over:\n- een afbetalingsplan;\n- minder water.",
            ["De LAC kan beslissen over:", "- een afbetalingsplan;", "- minder water."],
        ),
        ("Met vriendelijke groeten,\nJan Peeters", ["Met vriendelijke groeten,", "Jan Peeters"]),
        # Abbreviations do not end a sentence.
        ("Neem bv. uw buur mee. Dat mag.", ["Neem bv. uw buur mee.", "Dat mag."]),
        ("Neem bijv. uw buur mee.", ["Neem bijv. uw buur mee."]),
        ("Bel nr. 5 in de lijst. Dan weet u het.", ["Bel nr. 5 in de lijst.", "Dan weet u het."]),
        ("Er is o.a. een plan. Ja.", ["Er is o.a. een plan.", "Ja."]),
        ("Dat is d.w.z. morgen.", ["Dat is d.w.z. morgen."]),
        ("Water, gas enz. zijn duur.", ["Water, gas enz. zijn duur."]),
        ("Bel tel. 09 123 45 67 op.", ["Bel tel. 09 123 45 67 op."]),
        ("Zie blz. 2 en p. 3. Klaar.", ["Zie blz. 2 en p. 3.", "Klaar."]),
        # A full stop inside a time, a number or an address is no sentence end either.
        ("Om 10.30 uur kom ik. Ja.", ["Om 10.30 uur kom ik.", "Ja."]),
        ("Mail naar jan@ocmw.be. Tot dan.", ["Mail naar jan@ocmw.be.", "Tot dan."]),
        ("Surf naar www.gent.be voor meer.", ["Surf naar www.gent.be voor meer."]),
        # Lines without words are no sentences.
        ("Dag Sara.\n-\n…\nTot dan.", ["Dag Sara.", "Tot dan."]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert [s.text for s in sentences_of(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "We helpen u met hulp. Bel ons.",
        "Kom naar de groep. Bel ons.",
        "Slaap niet in een hotel. Bel ons.",
    ],
)
def test_a_word_ending_like_an_abbreviation_still_ends_a_sentence(text: str) -> None:
    assert len(sentences_of(text)) == 2


def test_ipv_does_not_end_a_sentence() -> None:
    assert [s.text for s in sentences_of("Ik bel i.p.v. te schrijven.")] == [
        "Ik bel i.p.v. te schrijven."
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dag Sara. Hoe gaat het?", [2, 3]),
        # Numbers, phone numbers, email addresses and dates are left out.
        ("Bel 09 123 45 67 of mail naar jan@ocmw.be.", [4]),
        ("Wanneer? dinsdag 8 december 2026 om 10 uur", [1, 1]),
    ],
)
def test_words_per_sentence(text: str, expected: list[int]) -> None:
    found = sentences_of(text)
    assert [s.words for s in found] == expected
    assert readability(text).words == sum(expected)


def test_a_sentence_knows_where_it_starts() -> None:
    text = "Dag Sara,\n\nHoe gaat het? Goed.\nTot dan."
    found = sentences_of(text)
    assert [s.start for s in found] == [0, 11, 25, 31]
    for sentence in found:
        assert text[sentence.start :].startswith(sentence.text)


def test_flesch_douma_of_a_hand_counted_text() -> None:
    text = "Dag Sara. Hoe gaat het met u? Bel ons morgen."
    counted = {
        "Dag": 1,
        "Sara": 2,
        "Hoe": 1,
        "gaat": 1,
        "het": 1,
        "met": 1,
        "u": 1,
        "Bel": 1,
        "ons": 1,
        "morgen": 2,
    }
    assert {word: syllables(word) for word in words_of(text)} == counted
    words, syllable_count, sentence_count = 10, 12, 3
    result = readability(text)
    assert (result.words, result.syllables, len(result.sentences)) == (
        words,
        syllable_count,
        sentence_count,
    )
    # 206.84 - 0.77 * 120 - 0.93 * 3.33 = 206.84 - 92.4 - 3.1 = 111.34
    assert result.words_per_sentence == pytest.approx(10 / 3)
    assert result.flesch_douma == 111.3


def test_flesch_douma_of_a_hard_sentence() -> None:
    text = "De watermaatschappij stuurt u een brief."
    # de 1, wa-ter-maat-schap-pij 5, stuurt 1, u 1, een 1, brief 1: 10 syllables, 6 words.
    result = readability(text)
    assert (result.words, result.syllables, len(result.sentences)) == (6, 10, 1)
    # 206.84 - 0.77 * 1000 / 6 - 0.93 * 6 = 206.84 - 128.33 - 5.58 = 72.93
    assert result.flesch_douma == 72.9


def test_longer_words_and_sentences_score_lower() -> None:
    easy = readability("Bel ons. We helpen u graag.").flesch_douma
    hard = readability(
        "De watermaatschappij organiseert informatievergaderingen over maatregelen."
    ).flesch_douma
    assert easy > 80 > 60 > hard


def test_an_empty_text_scores_zero() -> None:
    result = readability("")
    assert (result.sentences, result.words, result.syllables) == ((), 0, 0)
    assert result.words_per_sentence == 0.0
    assert result.flesch_douma == 0.0
