"""The template linter: bad examples are caught with the right rule."""

from __future__ import annotations

import pytest

from messenger.casework.plan_values import SOURCES
from messenger.wording import lint, long_values, rendering
from messenger.wording.template_check import check
from messenger.wording.template_files import TemplateFileError
from tests.lint_support import CONTACT, found, pdf_pages, src

# b. Bad examples


def test_officialese() -> None:
    report = check(src("Gelieve ons te bellen.", kind="sms"))
    [finding] = [f for f in report.findings if f.rule == "officialese"]
    assert (finding.severity, finding.excerpt) == ("error", "Gelieve")
    assert "graag" in finding.message
    assert not report.ok


@pytest.mark.parametrize(
    ("words", "severity"),
    [(25, "error"), (21, "error"), (20, "warning"), (17, "warning"), (16, "warning")],
)
def test_a_long_sentence(words: int, severity: str) -> None:
    sentence = " ".join(["Wij", "willen", "graag", "met", "u", *["en", "uw", "kind"] * 10])
    sentence = " ".join(sentence.split()[: words - 1]) + " praten."
    report = check(src(f"Dag Sara,\n\n{sentence}\n\n{CONTACT}"))
    assert found(report) == {("sentence-long", severity)}
    [finding] = report.findings
    assert f"Zin van {words} woorden" in finding.message
    assert finding.excerpt == sentence


def test_a_sentence_of_fifteen_words_is_fine() -> None:
    sentence = "Wij willen graag met u en uw kind en uw man op een dag praten."
    assert check(src(f"Dag Sara,\n\n{sentence}")).findings == ()


def test_a_non_gsm_character_makes_an_sms_ucs2() -> None:
    body = "Dag cliënt, bel ons als u vragen hebt. Tot dan."
    report = check(src(body, kind="sms"))
    assert found(report) == {("sms-encoding", "error")}
    assert report.sms is not None
    assert (report.sms.encoding, report.sms.offending) == ("UCS-2", ((7, "ë"),))
    assert "'ë' (plaats 8)" in report.findings[0].message
    assert report.transliterated_sms is None

    fixed = check(src(body, kind="sms"), transliterate_sms=True)
    assert found(fixed) == {("sms-encoding", "warning")}
    assert fixed.transliterated_sms is not None
    assert (fixed.transliterated_sms.encoding, fixed.transliterated_sms.segments) == ("GSM-7", 1)


@pytest.mark.parametrize(("repeat", "segments", "severity"), [(18, 3, "warning"), (26, 4, "error")])
def test_a_long_sms(repeat: int, segments: int, severity: str) -> None:
    # Phone numbers: many characters, few words (a number is not counted as words).
    report = check(src("Bel 09 123 45 67. " * repeat, kind="sms"))
    assert report.sms is not None and report.sms.segments == segments
    assert found(report) == {("sms-segments", severity)}


@pytest.mark.parametrize(
    ("body", "variants", "expected"),
    [
        ("Dag Sara.{% if variant == 'b' %} Dag cliënt.{% endif %}", {"a": 1, "b": 1}, "encoding"),
        (
            "Dag Sara.{% if partner %}" + " Bel 09 123 45 67." * 26 + "{% endif %}",
            {},
            "segments",
        ),
    ],
)
def test_every_sms_rendering_is_checked(body: str, variants: dict, expected: str) -> None:
    report = check(src(body, "sms", variants=variants))
    assert len(report.renderings) == 2
    assert f"sms-{expected}" in {f.rule for f in report.findings}


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        ("Bel ons. U moet nog € 120,50 betalen.", "€ 120,50"),
        ("Bel ons over uw schulden.", "schulden"),
    ],
)
def test_an_sms_is_discreet(body: str, excerpt: str) -> None:
    report = check(src(body, kind="sms"))
    assert found(report) == {("discretion", "error")}
    assert report.findings[0].excerpt == excerpt


def test_an_email_subject_is_discreet() -> None:
    subject = check(src(f"Dag Sara,\n\n{CONTACT}", subject="Uw achterstallige factuur"))
    discretion = [f for f in subject.findings if f.rule == "discretion"]
    assert {(f.severity, f.excerpt) for f in discretion} == {
        ("error", "achterstallige"),
        ("error", "factuur"),
    }
    assert all(f.message.startswith("Het onderwerp van een e-mail") for f in discretion)


# What a phone shows of an email under its subject, after the greeting line.
OPENING = "We willen graag met u praten. Dat kan bij ons of bij u thuis. U mag iemand meebrengen."
assert len(OPENING) < lint.PREVIEW_CHARS


@pytest.mark.parametrize(
    ("first_lines", "excerpt"),
    [
        ("Wij willen graag met u praten over uw waterfactuur.", "waterfactuur"),
        ("We willen met u praten over de factuur van de gemeente.", "factuur"),
        ("Kom naar het LAC-gesprek over uw water.", "water"),
        ("U hebt nog € 320,15 open staan.", "€ 320,15"),
        ("Lukt het betalen? We helpen graag.", "betalen"),
        ("Hebt u weer water? We horen het graag.", "water"),
    ],
)
def test_an_emails_first_lines_are_discreet(first_lines: str, excerpt: str) -> None:
    report = check(src(f"Dag Sara,\n\n{first_lines}\n\n{CONTACT}"))
    [finding] = [f for f in report.findings if f.rule == "discretion"]
    assert (finding.severity, finding.excerpt) == ("error", excerpt)
    assert finding.message.startswith("Het begin van een e-mail")
    assert not report.ok


def test_an_email_may_say_more_after_the_lines_a_lock_screen_shows() -> None:
    later = "Het gaat over uw waterfactuur. Die is nog niet betaald."
    report = check(src(f"Dag Sara,\n\n{OPENING} {OPENING}\n\n{later}\n\n{CONTACT}"))
    assert [f for f in report.findings if f.rule == "discretion"] == []


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("Dag Sara,\n\nBel ons.", "Bel ons."),
        ("Beste Sara Janssens,\nBel ons.\nTot dan.", "Bel ons. Tot dan."),
        ("Bonjour Sara,\n\nAppelez-nous.", "Appelez-nous."),
        ("Hello Sara,\n\nCall us.", "Call us."),
        # No greeting line: the preview starts at the first word.
        ("Dag Sara, hoe gaat het?\nBel ons.", "Dag Sara, hoe gaat het? Bel ons."),
        ("We denken aan u.\n\nBel ons.", "We denken aan u. Bel ons."),
        # The inset box's marks are layout.
        ("Dag Sara,\n\n^ Wanneer? dinsdag\n^ Waar? Gent", "Wanneer? dinsdag Waar? Gent"),
    ],
)
def test_the_preview_skips_the_greeting_line(body: str, shown: str) -> None:
    assert lint.preview(body) == shown


def test_the_preview_is_about_140_characters_ending_with_a_whole_word() -> None:
    shown = lint.preview(f"Dag Sara,\n\n{OPENING} {OPENING} {OPENING}")
    assert lint.PREVIEW_CHARS <= len(shown) < lint.PREVIEW_CHARS + 15
    assert f"{OPENING} {OPENING} {OPENING}".startswith(shown)
    assert shown.endswith(("praten.", "of", "bij", "u", "thuis.", "mag", "iemand", "meebrengen."))


def test_a_letter_is_not_checked_for_discretion() -> None:
    # A closed envelope: the letter may name the bill, and has to, to be understood.
    body = f"Dag Sara,\n\nUw waterfactuur is nog niet betaald.\n\n{CONTACT}"
    assert [f for f in check(src(body, "letter")).findings if f.rule == "discretion"] == []


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        ("Dag Sara, hebt u weer water? Bel ons.", "water"),
        ("Dag Sara, lukt het afbetalen? Bel ons.", "afbetalen"),
        ("Dag Sara, hoe gaat het met de begrenzer? Bel ons.", "begrenzer"),
        ("Dag Sara, hoe gaat het met de betaling? Bel ons.", "betaling"),
        ("Bonjour Sara, avez-vous encore de l'eau? Appelez-nous.", "eau"),
        ("Hello Sara, do you have water again? Call us.", "water"),
    ],
)
def test_the_whole_sms_is_discreet(body: str, excerpt: str) -> None:
    report = check(src(body, kind="sms"))
    [finding] = [f for f in report.findings if f.rule == "discretion"]
    assert (finding.severity, finding.excerpt) == ("error", excerpt)


def test_a_lac_letter_says_what_the_lac_is_and_can_decide() -> None:
    letter = src(
        f"Dag Sara,\n\nKom naar de zitting.\n\n{CONTACT}", "letter", checks=["explains-lac"]
    )
    report = check(letter)
    assert found(report) == {("explains-lac", "error")}
    assert len(report.findings) == 2
    explained = "Kom naar de Lokale Adviescommissie. Die kan beslissen over een afbetalingsplan."
    checks = ["explains-lac", "accept:readability"]
    assert check(src(explained + "\n\n" + CONTACT, "letter", checks=checks)).ok


@pytest.mark.parametrize(
    ("contact", "ways"),
    [
        ("Bel 09 123 45 67.", "telefoon"),
        ("Mail naar jan@ocmw.example.", "e-mail"),
        ("Bel ons.", "geen"),
    ],
)
def test_a_letter_gives_two_ways_to_make_contact(contact: str, ways: str) -> None:
    report = check(src(f"Dag Sara,\n\nWe willen met u praten.\n\n{contact}", "letter"))
    assert found(report) == {("contact-ways", "error")}
    assert report.findings[0].message.endswith(f"nu: {ways}.")


@pytest.mark.parametrize(
    ("body", "kind", "checks", "expected"),
    [
        ("Dag Sara,\n\nBel ons.", "letter", ["accept:contact-ways"], ("contact-ways", "warning")),
        ("Dag Sara,\n\nBel ons.", "letter", [], ("contact-ways", "error")),
        ("Gelieve te bellen.", "sms", ["accept:officialese"], ("officialese", "warning")),
        # Accepting one rule leaves the others' errors as they are.
        ("Gelieve te bellen.", "sms", ["accept:contact-ways"], ("officialese", "error")),
    ],
)
def test_an_author_may_accept_a_wording_rule_knowingly(
    body: str, kind: str, checks: list[str], expected: tuple[str, str]
) -> None:
    report = check(src(body, kind, checks=checks))
    [finding] = [f for f in report.findings if f.rule == expected[0]]
    assert (finding.rule, finding.severity) == expected
    assert ("Aanvaard" in finding.message) == (expected[1] == "warning")


@pytest.mark.parametrize("rule", ["discretion", "render", "one-page", "sms-segments", "nonsense"])
def test_rules_that_protect_the_client_cannot_be_accepted(rule: str) -> None:
    with pytest.raises(TemplateFileError, match="unknown check"):
        src("Dag Sara.", "sms", checks=[f"accept:{rule}"])


@pytest.mark.parametrize(
    "contact",
    [CONTACT, "Bel +32 9 123 45 67 of kom langs.", "Kijk op www.gent.be of bel 0470 12 34 56."],
)
def test_two_ways_to_make_contact_are_enough(contact: str) -> None:
    assert check(src(f"Dag Sara,\n\nWe willen met u praten.\n\n{contact}", "letter")).findings == ()


LONG = {
    "letter": "Dag Sara,\n\n" + "We willen met u praten. Samen zoeken we een oplossing.\n\n" * 26,
    "card": "Dag Sara,\n\n" + "We willen met u praten. Samen zoeken we een oplossing.\n\n" * 14,
}


@pytest.mark.parametrize("kind", ["letter", "card"])
def test_the_long_examples_really_need_two_pages(kind: str) -> None:
    assert pdf_pages(kind, "Een brief", LONG[kind] + CONTACT) == 2


@pytest.mark.parametrize("kind", ["letter", "card"])
def test_a_letter_or_card_must_fit_on_one_page(kind: str) -> None:
    report = check(src(LONG[kind] + CONTACT, kind, subject="Een brief"))
    assert report.pages == 2
    assert ("one-page", "error") in found(report)


def test_variables_must_be_declared_and_used() -> None:
    report = check(src("Dag {{ naam }}, bel ons.", "sms", variables={"voornaam": {"example": "S"}}))
    variables = [f for f in report.findings if f.rule.startswith("variable-")]
    assert {(f.rule, f.severity, f.message.split("'")[1]) for f in variables} == {
        ("variable-undeclared", "error", "naam"),
        ("variable-unused", "warning", "voornaam"),
    }
    assert ("render", "error") in found(report)  # and it cannot be filled in


@pytest.mark.parametrize(
    ("body", "severity"),
    [
        ("Dag Sara,\n\nDe gemeenteadministratie organiseert een vergadering. Bel ons.", "error"),
        (
            "Dag Sara,\n\nDe maatschappelijk werker organiseert een gesprek met u. Bel ons.",
            "warning",
        ),
    ],
)
def test_hard_dutch_scores_below_the_target(body: str, severity: str) -> None:
    report = check(src(body))
    assert report.flesch_douma is not None and report.flesch_douma < lint.READABILITY["email"][1]
    assert found(report) == {("readability", severity)}
    assert check(src(body, language="en")).flesch_douma is None  # Dutch only


def test_a_partner_outside_its_block_fails_without_a_partner() -> None:
    report = check(src("Dag Sara, bel {{ partner.name }}.", "sms"))
    assert found(report) == {("render", "error")}
    assert [r.label for r in report.renderings] == ["met partner"]


# c. Security


@pytest.mark.parametrize("name", ["partner", "variant"])
def test_reserved_variables_cannot_be_declared_or_given(name: str) -> None:
    with pytest.raises(TemplateFileError, match="filled in by Messenger"):
        src("Dag Sara.", "sms", variables={name: {"example": "x"}})
    with pytest.raises(rendering.RenderError, match="filled in by Messenger"):
        rendering.render("Dag Sara.", None, {name: {"name": "x"}}, language="nl")


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ voornaam.__class__ }}",
        "{{ lipsum.__globals__ }}",
        "{{ [].append(1) }}",
        "{{ range(10000000) | list | length }}",
    ],
)
def test_python_internals_give_a_render_finding_not_a_crash(body: str) -> None:
    report = check(src(body, "sms", variables={"voornaam": {"example": "Sara"}}))
    assert ("render", "error") in found(report)
    assert report.renderings == ()
    with pytest.raises(rendering.RenderError):
        rendering.render(body, None, {"voornaam": "Sara"}, language="nl")


def test_personalisation_is_never_rendered_as_a_template() -> None:
    source = src("Dag {{ voornaam }}.", "sms", variables={"voornaam": {"example": "{{ 7*7 }}"}})
    assert [r.body for r in check(source).renderings] == ["Dag {{ 7*7 }}."]


# d. Long, accented, real values

VOORNAAM = {"voornaam": {"example": "Sara"}}
# 151 characters with "Sara": one part; "Marie-Christine" adds 11 and makes it two.
ONE_PART_WITH_SARA = (
    "Dag {{ voornaam }}, we willen graag met u praten. Kom naar het OCMW op dinsdag. "
    "Past het niet? Bel 09 123 45 67. Stuur JA als u komt. Tot dan, Jan Peeters, OCMW!"
)


def test_an_sms_that_fits_with_the_example_but_not_with_a_long_name() -> None:
    report = check(src(ONE_PART_WITH_SARA, "sms", variables=VOORNAAM))
    assert report.sms is not None and report.sms.segments == 1
    long = report.with_values(lint.LONG)
    assert long is not None and long.sms is not None
    assert (long.sms.encoding, long.sms.segments) == ("GSM-7", 2)
    assert "Dag Marie-Christine," in long.renderings[0].body
    [finding] = report.findings
    assert (finding.rule, finding.severity) == ("sms-segments", "warning")
    assert finding.message == "Met lange waarden: De sms is 2 delen lang; één deel is beter."


def test_an_accented_name_makes_the_sms_ucs2_and_its_parts_are_reported() -> None:
    report = check(src(ONE_PART_WITH_SARA, "sms", variables=VOORNAAM))
    accented = report.with_values(lint.ACCENTED)
    assert accented is not None and accented.sms is not None
    assert "Dag Anaïs," in accented.renderings[0].body
    assert (accented.sms.encoding, accented.sms.segments) == ("UCS-2", 3)
    assert [c for _, c in accented.sms.offending] == ["ï"]
    # The client's name is not the text's fault: up to three parts is reported, not refused.
    assert not [f for f in report.findings if f.message.startswith("Met een naam met accenten")]


def test_an_accented_name_that_makes_more_than_three_parts_is_an_error() -> None:
    body = ONE_PART_WITH_SARA + " Bel 09 123 45 67." * 4
    report = check(src(body, "sms", variables=VOORNAAM))
    accented = [f for f in report.findings if f.message.startswith("Met een naam met accenten")]
    assert [(f.rule, f.severity) for f in accented] == [("sms-segments", "error")]
    assert "4 delen" in accented[0].message


def test_transliteration_keeps_an_accented_name_in_gsm7() -> None:
    report = check(src(ONE_PART_WITH_SARA, "sms", variables=VOORNAAM), transliterate_sms=True)
    accented = report.with_values(lint.ACCENTED)
    assert accented is not None and accented.transliterated_sms is not None
    assert (accented.transliterated_sms.encoding, accented.transliterated_sms.segments) == (
        "GSM-7",
        1,
    )


def test_only_an_sms_is_checked_with_an_accented_name() -> None:
    report = check(src(f"Dag {{{{ voornaam }}}},\n\n{CONTACT}", variables=VOORNAAM))
    assert [v.label for v in report.value_sets] == [lint.LONG]


def test_a_sentence_that_grows_too_long_with_a_long_worker_name() -> None:
    # 15 words with "Jan Peeters"; "Anne-Sophie Van den Bossche-De Clercq" is 5 words.
    body = (
        "Dag Sara,\n\nOp dinsdag praat u met {{ maatschappelijk_werker }} over wat er nu "
        "het best kan gebeuren.\n\n" + CONTACT
    )
    variables = {"maatschappelijk_werker": {"example": "Jan Peeters"}}
    report = check(src(body, variables=variables))
    [finding] = report.findings
    assert (finding.rule, finding.severity) == ("sentence-long", "warning")
    assert finding.message.startswith("Met lange waarden: Zin van 18 woorden")
    assert "Anne-Sophie Van den Bossche-De Clercq" in finding.excerpt


def _letter_with_hours(filler: int) -> str:
    return (
        "Dag Sara,\n\n" + "Tot dan.\n" * filler + "Open: {{ openingsuren }}.\n\n"
        "{% if partner %}Of {{ partner.name }}.{% endif %}\n\n" + CONTACT
    )


def _fullest_letter() -> str:
    """As many lines as fit on one page with the short example, whatever the layout is."""

    def pages(filler: int) -> int:
        body = rendering.render(
            _letter_with_hours(filler),
            None,
            {"openingsuren": "elke werkdag"},
            language="nl",
            partner=lint.EXAMPLE_PARTNER,
        ).body
        return pdf_pages("letter", "Een brief", body)

    fits, too_many = 0, 120  # a binary search: one page with `fits` lines, two with `too_many`
    assert pages(fits) == 1 and pages(too_many) > 1
    while too_many - fits > 1:
        middle = (fits + too_many) // 2
        fits, too_many = (middle, too_many) if pages(middle) == 1 else (fits, middle)
    return _letter_with_hours(fits)


def test_a_letter_that_fits_with_the_examples_but_not_with_real_opening_hours() -> None:
    variables = {"openingsuren": {"example": "elke werkdag"}}
    report = check(src(_fullest_letter(), "letter", subject="Een brief", variables=variables))
    long = report.with_values(lint.LONG)
    assert long is not None
    assert (report.pages, long.pages) == (1, 2)
    [finding] = [f for f in report.findings if f.rule == "one-page"]
    assert finding.message == "Met lange waarden: De tekst past niet op één A4-blad: 2 pagina's."
    assert [r.label for r in long.renderings] == ["standaard", "met partner"]
    assert long_values.partner("nl")["name"] in long.renderings[1].body
    assert "woensdag van 13 tot 19 uur" in long.renderings[0].body


def test_the_same_finding_with_both_sets_of_values_is_shown_once() -> None:
    report = check(src("Gelieve {{ voornaam }} te bellen.", "sms", variables=VOORNAAM))
    assert [(f.rule, f.message[:8]) for f in report.findings] == [("officialese", "'Gelieve")]


def test_a_variable_without_a_long_value_keeps_its_example() -> None:
    variables = {"voornaam": {"example": "Sara"}, "kleur": {"example": "blauw"}}
    source = src("Dag {{ voornaam }}, uw kaart is {{ kleur }}.", "sms", variables=variables)
    assert long_values.for_template(source) == {"voornaam": "Marie-Christine", "kleur": "blauw"}
    assert long_values.unknown(source) == ["kleur"]
    long = check(source).with_values(lint.LONG)
    assert long is not None
    assert long.renderings[0].body == "Dag Marie-Christine, uw kaart is blauw."


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_value_a_plan_can_fill_has_a_long_value(name: str) -> None:
    for language in ("nl", "fr", "en"):
        assert name in long_values.long_values(language)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("voornaam", "Marie-Christine"),
        ("naam", "Marie-Christine Vandenbroucke-Van Den Abeele"),
        ("plaats", "Sociaal Huis Gent, Onderbergen 86 bus 12, 9000 Gent"),
        ("plaats_kort", "Sociaal Huis Gent"),
    ],
)
def test_long_values_named_in_the_issue(name: str, value: str) -> None:
    assert long_values.long_values("nl")[name] == value


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_values_that_are_words_come_in_the_template_language(language: str) -> None:
    hours = {"nl": "woensdag", "fr": "mercredi", "en": "Wednesday"}[language]
    assert hours in long_values.long_values(language)["openingsuren"]
    assert hours in long_values.partner(language)["opening_hours"]
    assert long_values.accented_values(language)["voornaam"] == "Anaïs"


# e. SMS: sentence and word rules instead of a readability score


def test_an_sms_gets_no_readability_score_or_finding() -> None:
    report = check(src("Dag Sara. De gemeenteadministratie organiseert iets. Bel ons.", "sms"))
    assert report.flesch_douma is None
    assert "readability" not in {f.rule for f in report.findings}


@pytest.mark.parametrize(
    ("words", "severity"),
    [(12, None), (13, "warning"), (15, "warning"), (16, "error")],
)
def test_an_sms_sentence_is_shorter_than_a_letters(words: int, severity: str | None) -> None:
    sentence = " ".join(["Kom"] + ["morgen"] * (words - 2) + ["langs."])
    report = check(src(f"Dag Sara. {sentence}", "sms"))
    expected = set() if severity is None else {("sentence-long", severity)}
    assert found(report) == expected


@pytest.mark.parametrize(
    ("sentences", "severity"),
    [(6, None), (7, "warning"), (8, "warning"), (9, "error")],
)
def test_an_sms_has_a_word_budget(sentences: int, severity: str | None) -> None:
    # Five words a sentence; phone numbers would not count.
    report = check(src("Bel ons als het kan. " * sentences, "sms"))
    rules = {(f.rule, f.severity) for f in report.findings if f.rule == "sms-words"}
    assert rules == (set() if severity is None else {("sms-words", severity)})


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("Adviescommissie", "warning"),  # 5 syllables
        ("waterbegrenzer", "warning"),
        ("informatievergadering", "error"),  # 8
        ("maatschappelijk", None),  # 4
        ("LAC-gesprek", None),  # read as LAC and gesprek
        ("Marie-Christine", None),
        ("OCMW", None),  # 4 spoken syllables
    ],
)
def test_an_sms_has_no_long_words(word: str, severity: str | None) -> None:
    report = check(src(f"Dag Sara, kom naar het {word}. Bel ons.", "sms"))
    rules = {(f.rule, f.severity, f.excerpt) for f in report.findings if f.rule == "sms-long-word"}
    assert rules == (set() if severity is None else {("sms-long-word", severity, word)})
