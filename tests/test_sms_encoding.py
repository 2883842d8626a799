"""GSM-7 / UCS-2 detection, segment counting and transliteration of SMS texts."""

from __future__ import annotations

import dataclasses

import pytest

from messenger.wording.sms_encoding import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SmsInfo,
    preview_transliteration,
    sms_info,
    transliterate,
)

# GSM 03.38 basic table in code order, 16 per row; position 0x1B (ESC) left out.
BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
EXTENSION_TABLE = "^{}\\[~]|€\f"

FORCE_UCS2 = "ëêïîôûúâáíóçËÊÏÎÔÛÚÂÁÍÓÈÀÙÌÒ‘’“”–—…\u00a0\u2009\u202f\u200b\ufeffœŒĳĲÿ«»`´αβЖ😀👋\t"


def test_tables_match_the_standard() -> None:
    assert len(BASIC_TABLE) == 127
    assert set(BASIC_TABLE) == GSM7_BASIC
    assert set(EXTENSION_TABLE) == GSM7_EXTENSION
    assert not GSM7_BASIC & GSM7_EXTENSION


@pytest.mark.parametrize("char", BASIC_TABLE)
def test_every_basic_character_is_one_gsm7_septet(char: str) -> None:
    assert sms_info(char) == SmsInfo("GSM-7", 1, 1, ())


def test_whole_basic_set_in_one_message() -> None:
    info = sms_info(BASIC_TABLE)
    assert (info.encoding, info.characters, info.segments) == ("GSM-7", 127, 1)


@pytest.mark.parametrize("char", EXTENSION_TABLE)
def test_every_extension_character_counts_two(char: str) -> None:
    assert sms_info(char) == SmsInfo("GSM-7", 2, 1, ())
    assert sms_info("a" + char + "b").characters == 4


@pytest.mark.parametrize("char", FORCE_UCS2)
def test_characters_that_force_ucs2(char: str) -> None:
    info = sms_info("Beste " + char)
    assert info.encoding == "UCS-2"
    assert info.offending == ((6, char),)


@pytest.mark.parametrize(
    ("text", "characters", "segments"),
    [
        ("", 0, 0),
        ("a", 1, 1),
        ("a" * 160, 160, 1),
        ("a" * 161, 161, 2),
        ("a" * 306, 306, 2),
        ("a" * 307, 307, 3),
        ("a" * 459, 459, 3),
        ("a" * 460, 460, 4),
        # extension characters straddling a boundary
        ("a" * 158 + "€", 160, 1),
        ("a" * 159 + "€", 161, 2),
        ("€" * 80, 160, 1),
        ("€" * 81, 162, 2),
        ("a" * 304 + "[", 306, 2),
        ("a" * 305 + "]", 307, 3),
        ("{}" * 40, 160, 1),
        ("{}" * 40 + "a", 161, 2),
    ],
)
def test_gsm7_segments(text: str, characters: int, segments: int) -> None:
    info = sms_info(text)
    assert (info.encoding, info.characters, info.segments) == ("GSM-7", characters, segments)


@pytest.mark.parametrize(
    ("text", "characters", "segments"),
    [
        ("ë", 1, 1),
        ("ë" + "a" * 69, 70, 1),
        ("ë" + "a" * 70, 71, 2),
        ("ë" + "a" * 133, 134, 2),
        ("ë" + "a" * 134, 135, 3),
        ("ë" + "a" * 200, 201, 3),
        ("ë" + "a" * 201, 202, 4),
        # an emoji is two UTF-16 code units
        ("😀", 2, 1),
        ("a" * 68 + "😀", 70, 1),
        ("a" * 69 + "😀", 71, 2),
        ("😀" * 67, 134, 2),
        ("😀" * 68, 136, 3),
        # extension characters are a single code unit in UCS-2
        ("ë" + "€" * 69, 70, 1),
        ("ë" + "€" * 70, 71, 2),
    ],
)
def test_ucs2_segments(text: str, characters: int, segments: int) -> None:
    info = sms_info(text)
    assert (info.encoding, info.characters, info.segments) == ("UCS-2", characters, segments)


def test_one_character_doubles_the_cost() -> None:
    text = "Beste client, uw afspraak is morgen om 10 uur in het sociaal huis. " * 2
    assert sms_info(text).segments == 1
    assert sms_info(text.replace("client", "cliënt")).segments == 2


@pytest.mark.parametrize(
    ("text", "offending"),
    [
        ("cliënt", ((3, "ë"),)),
        ("Hallo", ()),
        ("Hallo 😀", ((6, "😀"),)),
        ("😀ë", ((0, "😀"), (1, "ë"))),
        ("’s morgens – om 10 uur…", ((0, "’"), (11, "–"), (22, "…"))),
        ("coördinatie, België", ((18, "ë"),)),  # ö is GSM-7
        ("Ça va, garçon?", ((10, "ç"),)),
        ("€ 5", ()),
    ],
)
def test_offending_positions(text: str, offending: tuple[tuple[int, str], ...]) -> None:
    assert sms_info(text).offending == offending
    for position, char in offending:
        assert text[position] == char


def test_sms_info_is_frozen() -> None:
    info = sms_info("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.segments = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Dutch
        ("Beste cliënt, ’s morgens – om 10 uur…", "Beste client, 's morgens - om 10 uur..."),
        # ü and ö are GSM-7, ï and ë are not
        ("naïef, reünie, coördinatie, ideeën", "naief, reünie, coördinatie, ideeen"),
        ("Uw afspraak in België", "Uw afspraak in Belgie"),
        ("ĲSSELSTEIN en ĳs", "IJSSELSTEIN en ijs"),
        ("“Welkom” — tot dan", '"Welkom" - tot dan'),
        # French
        ("Rendez-vous à l’hôpital", "Rendez-vous à l'hopital"),
        ("Noël, être, île, flûte, âge", "Noel, etre, ile, flute, age"),
        ("Ça va, le garçon français?", "Ça va, le garcon francais?"),
        ("«\u00a0Bonjour\u00a0»", '" Bonjour "'),
        ("cœur, Œuvre", "coeur, OEuvre"),
        ("À bientôt. Où? Ève", "A bientot. Où? Eve"),
        ("ÊTRE, ÎLE, CÔTÉ, ÛRE, ÂGE", "ETRE, ILE, COTÉ, URE, AGE"),
        # other Latin letters lose their accent
        ("Łódź, São Paulo, Ærø", "Łodz, Sao Paulo, Ærø"),
        # spaces, dashes and invisible characters
        ("10\u00a0uur", "10 uur"),
        ("10\u202fuur\u2009en\u3000meer", "10 uur en meer"),
        ("a\tb", "a b"),
        ("af\u00adspraak", "afspraak"),
        ("\ufeffHal\u200blo\u2060", "Hallo"),
        ("a\u200db", "ab"),
        ("1‐2‑3‒4−5―6", "1-2-3-4-5-6"),
        ("regel\u2028volgende", "regel\nvolgende"),
        # decomposed accents: merged when GSM-7, dropped when not
        ("clie\u0308nt", "client"),
        ("a\u0308 o\u0308 e\u0301", "ä ö é"),
        ("\u0301a", "a"),
        # compatibility forms
        ("m²", "m2"),
        ("ﬁle", "file"),
    ],
)
def test_transliterate(text: str, expected: str) -> None:
    assert transliterate(text) == expected


def test_transliterated_example_fits_one_gsm7_segment() -> None:
    before = sms_info("Beste cliënt, ’s morgens – om 10 uur…")
    after = sms_info(transliterate("Beste cliënt, ’s morgens – om 10 uur…"))
    assert before.encoding == "UCS-2"
    assert (after.encoding, after.segments, after.offending) == ("GSM-7", 1, ())


@pytest.mark.parametrize(
    "text",
    [
        "Tot straks 👋",
        "😀",
        "👩\u200d💻",  # zero-width joiner inside an emoji sequence is kept
        "❤\ufe0f\u200d🔥",
        "👍🏽",
        "αβγ Δ",
        "Привет",
        "مَرْحَبًا",  # combining marks after non-GSM letters are kept
        "नमस्ते",
        "½ ℃",
    ],
)
def test_text_without_a_gsm7_spelling_is_left_alone(text: str) -> None:
    assert transliterate(text) == text


@pytest.mark.parametrize(
    ("text", "expected", "offending"),
    [
        ("Beste cliënt 😀", "Beste client 😀", ((13, "😀"),)),
        ("Tot straks… 👋", "Tot straks... 👋", ((14, "👋"),)),
        ("Łódź", "Łodz", ((0, "Ł"),)),
    ],
)
def test_leftovers_keep_the_text_ucs2(
    text: str, expected: str, offending: tuple[tuple[int, str], ...]
) -> None:
    result = transliterate(text)
    assert result == expected
    info = sms_info(result)
    assert info.encoding == "UCS-2"
    assert info.offending == offending


@pytest.mark.parametrize(
    "text",
    [
        BASIC_TABLE,
        EXTENSION_TABLE,
        "Beste client, uw afspraak is op dinsdag 3 december om 10 uur. Tot dan!",
        "Café, àà, è é ù ì ò, Ç, Ä Ö Ü Ñ ä ö ü ñ, ø Ø å Å æ Æ ß, ¡¿ £ ¥ $ @ € [x] {y} ~|^\\",
        "",
    ],
)
def test_gsm7_text_is_unchanged(text: str) -> None:
    assert transliterate(text) == text
    assert preview_transliteration(text).changed == ()


IDEMPOTENCE_CASES = [
    "Beste cliënt, ’s morgens – om 10 uur…",
    "«\u00a0Ça va\u00a0?\u00a0» dit l’hôtesse — naïve",
    "a\u0308e\u0308\u0301 α\u0301 \u0301\u0301",
    "👩\u200d💻 a\u200d😀 😀\u200d\u200b😀 ℡\u200d👍",
    "\ufeff\u200b\u200d",
    "Łódź œ ĳ ﬁ ² ½ 😀ë",
    FORCE_UCS2,
    BASIC_TABLE + EXTENSION_TABLE,
]


@pytest.mark.parametrize("text", IDEMPOTENCE_CASES)
def test_transliterate_is_idempotent(text: str) -> None:
    once = transliterate(text)
    assert transliterate(once) == once


@pytest.mark.parametrize("text", IDEMPOTENCE_CASES)
def test_transliterate_never_adds_offending_characters(text: str) -> None:
    before = {char for _, char in sms_info(text).offending}
    after = {char for _, char in sms_info(transliterate(text)).offending}
    assert after <= before


def test_preview_of_client() -> None:
    preview = preview_transliteration("cliënt")
    assert preview.text == "client"
    assert preview.changed == ((3, "ë", "e"),)
    assert preview.before == SmsInfo("UCS-2", 6, 1, ((3, "ë"),))
    assert preview.after == SmsInfo("GSM-7", 6, 1, ())


def test_preview_lists_each_change_at_its_original_position() -> None:
    preview = preview_transliteration("’s morgens – om 10 uur…\u200b!")
    assert preview.text == "'s morgens - om 10 uur...!"
    assert preview.changed == (
        (0, "’", "'"),
        (11, "–", "-"),
        (22, "…", "..."),
        (23, "\u200b", ""),
    )
    assert preview.after.characters == 26


def test_preview_of_a_combining_mark() -> None:
    preview = preview_transliteration("a\u0308")
    assert preview.text == "ä"
    assert preview.changed == ((0, "a", "ä"), (1, "\u0308", ""))


def test_preview_shows_the_saving() -> None:
    text = "Beste cliënt, uw afspraak in het sociaal huis is verplaatst naar dinsdag om 10 uur."
    preview = preview_transliteration(text)
    assert (preview.before.encoding, preview.before.segments) == ("UCS-2", 2)
    assert (preview.after.encoding, preview.after.segments) == ("GSM-7", 1)


def test_preview_without_changes() -> None:
    preview = preview_transliteration("Tot dan 👋")
    assert preview.text == "Tot dan 👋"
    assert preview.changed == ()
    assert preview.before == preview.after
