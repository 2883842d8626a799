"""The template linter: bad examples are caught with the right rule."""

from __future__ import annotations

import pytest

from messenger.wording import lint, rendering
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


@pytest.mark.parametrize(("repeat", "segments", "severity"), [(12, 3, "warning"), (18, 4, "error")])
def test_a_long_sms(repeat: int, segments: int, severity: str) -> None:
    report = check(src("Bel ons als u vragen hebt. " * repeat, kind="sms"))
    assert report.sms is not None and report.sms.segments == segments
    assert found(report) == {("sms-segments", severity)}


@pytest.mark.parametrize(
    ("body", "variants", "expected"),
    [
        ("Dag Sara.{% if variant == 'b' %} Dag cliënt.{% endif %}", {"a": 1, "b": 1}, "encoding"),
        (
            "Dag Sara.{% if partner %}" + " Bel ons als u vragen hebt." * 12 + "{% endif %}",
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


def test_an_email_subject_is_discreet_but_its_body_may_say_more() -> None:
    subject = check(src(f"Dag Sara,\n\n{CONTACT}", subject="Uw achterstallige factuur"))
    discretion = [f for f in subject.findings if f.rule == "discretion"]
    assert {(f.severity, f.excerpt) for f in discretion} == {
        ("error", "achterstallige"),
        ("error", "factuur"),
    }
    body = check(src("Dag Sara,\n\nUw waterfactuur is nog niet betaald. Bel ons."))
    assert body.findings == ()


def test_a_lac_letter_says_what_the_lac_is_and_can_decide() -> None:
    letter = src(
        f"Dag Sara,\n\nKom naar de zitting.\n\n{CONTACT}", "letter", checks=["explains-lac"]
    )
    report = check(letter)
    assert found(report) == {("explains-lac", "error")}
    assert len(report.findings) == 2
    explained = "Kom naar de Lokale Adviescommissie. Die kan beslissen over een afbetalingsplan."
    assert check(src(explained + "\n\n" + CONTACT, "letter", checks=["explains-lac"])).ok


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
        ("Dag Sara,\n\nDe watermaatschappij organiseert een vergadering. Bel ons.", "error"),
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
