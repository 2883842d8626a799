"""Readability: syllables, words, sentences and the Flesch-Douma score.

Small cases, one line each, in the style of GOV.UK Notify's notifications-utils tests.
"""

from __future__ import annotations

import pytest

from messenger.wording.readability import readability, sentences_of, syllables, words_of


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("waterfactuur", 4),  # wa-ter-fac-tuur
        ("overkomen", 4),  # o-ver-ko-men
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
        ("e-mail", 2),
        ("zo'n", 1),
        ("OCMW", 1),  # no vowel at all: still one
        ("sms", 1),
    ],
)
def test_syllables_of_dutch_words(word: str, expected: int) -> None:
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
    ],
)
def test_numbers_email_addresses_and_links_count_one_syllable(unit: str) -> None:
    assert syllables(unit) == 1


def test_a_link_without_a_slash_counts_one_syllable() -> None:
    assert syllables("www.gent.be") == 1


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
    assert readability(text).words == len(expected)


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
        ("Bel 09 123 45 67 of mail naar jan@ocmw.be.", [9]),
        ("Wanneer? dinsdag 8 december 2026 om 10 uur", [1, 7]),
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
