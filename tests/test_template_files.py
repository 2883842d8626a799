"""Template files: a TOML header between '+++' fences, a Jinja body, an id from the name."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from messenger.wording.rendering import RESERVED, render, variables_of
from messenger.wording.template_files import (
    TEMPLATE_NAMESPACE,
    TemplateFileError,
    TemplateSource,
    load_templates,
    parse_template,
    template_id,
)

SMS = """+++
title = "Herinnering"
kind = "sms"

[variables.voornaam]
example = "Sara"
description = "Voornaam"
+++
Dag {{ voornaam }}, tot morgen.
"""

EMAIL = """+++
kind = "email"
subject = "Uitnodiging voor {{ voornaam }}"
[variables.voornaam]
example = "Sara"
+++

Dag {{ voornaam }},

Tot dan.

"""


def _parse(text: str, name: str = "test") -> TemplateSource:
    return parse_template(text, name=name, language="nl")


def test_parse_sms() -> None:
    source = _parse(SMS, "herinnering")
    assert source.name == "herinnering"
    assert source.language == "nl"
    assert source.kind == "sms"
    assert source.title == "Herinnering"
    assert source.subject is None
    assert source.body == "Dag {{ voornaam }}, tot morgen.\n"
    assert source.examples == {"voornaam": "Sara"}
    assert source.variables["voornaam"]["description"] == "Voornaam"
    assert source.id == template_id("herinnering")


def test_parse_email_trims_the_body_and_defaults_the_title() -> None:
    source = _parse(EMAIL, "uitnodiging")
    assert source.kind == "email"
    assert source.subject == "Uitnodiging voor {{ voornaam }}"
    assert source.title == "uitnodiging"
    assert source.body == "Dag {{ voornaam }},\n\nTot dan.\n"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "must start with a '+++' header"),
        ("Dag {{ voornaam }}", "must start with a '+++' header"),
        ('title = "x"\n+++\nDag', "must start with a '+++' header"),
        ('+++\nkind = "sms"\nDag', "header is not closed with '+++'"),
        ("+++\nkind = sms\n+++\nDag", "header is not valid TOML"),
        ('+++\nkind = "sms"\nkind = "email"\n+++\nDag', "header is not valid TOML"),
        ("+++\n+++\nDag", "kind must be one of sms, email, letter"),
        ('+++\nkind = "fax"\n+++\nDag', "kind must be one of sms, email, letter"),
        ('+++\nkind = "SMS"\n+++\nDag', "kind must be one of"),
        ('+++\nkind = "email"\n+++\nDag', "an email template needs a subject"),
        ('+++\nkind = "email"\nsubject = ""\n+++\nDag', "an email template needs a subject"),
        ('+++\nkind = "letter"\n+++\nDag', "letter template needs a subject"),
        (
            '+++\nkind = "sms"\n[variables.naam]\ndescription = "x"\n+++\nDag',
            "variable naam needs an example",
        ),
        (
            '+++\nkind = "sms"\n[variables]\nnaam = "Sara"\n+++\nDag',
            "variable naam needs an example",
        ),
    ],
)
def test_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(TemplateFileError, match=r"^nl/broken: ") as caught:
        _parse(text, "broken")
    assert fragment in str(caught.value)


def test_letter_without_subject_message_reads_well() -> None:
    with pytest.raises(TemplateFileError, match="a letter template needs a subject"):
        _parse('+++\nkind = "letter"\n+++\nDag')


def test_template_file_error_is_a_value_error() -> None:
    assert issubclass(TemplateFileError, ValueError)


def test_template_id_is_a_stable_uuid5() -> None:
    # Computed once; clients keep this id, so it must never change.
    assert template_id("lac-herinnering-sms") == "6b312466-51e6-599c-a65f-95f1a0227612"
    assert template_id("lac-herinnering-sms") == str(
        uuid.uuid5(TEMPLATE_NAMESPACE, "lac-herinnering-sms")
    )
    assert uuid.UUID(template_id("lac-herinnering-sms")).version == 5


@pytest.mark.parametrize(
    "other",
    ["lac-uitnodiging-brief", "lac-uitnodiging-email", "LAC-herinnering-sms", "lac-herinnering"],
)
def test_template_id_differs_per_name(other: str) -> None:
    assert template_id(other) != template_id("lac-herinnering-sms")


def test_content_hash_follows_the_content() -> None:
    first = _parse(SMS)
    assert first.content_hash == _parse(SMS).content_hash
    assert first.content_hash != _parse(SMS.replace("tot morgen", "tot straks")).content_hash
    assert first.content_hash != _parse(SMS.replace('"Sara"', '"Jan"')).content_hash


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_load_templates_from_a_folder(tmp_path: Path) -> None:
    _write(tmp_path, "nl/herinnering.txt", SMS)
    _write(tmp_path, "fr/herinnering.txt", SMS.replace("Dag", "Bonjour"))
    _write(tmp_path, "nl/uitnodiging.txt", EMAIL)
    _write(tmp_path, "nl/notities.md", "not a template")
    found = load_templates(tmp_path)
    assert [(t.language, t.name, t.kind) for t in found] == [
        ("fr", "herinnering", "sms"),
        ("nl", "herinnering", "sms"),
        ("nl", "uitnodiging", "email"),
    ]
    assert found[0].id == found[1].id == template_id("herinnering")


def test_empty_folder_has_no_templates(tmp_path: Path) -> None:
    assert load_templates(tmp_path) == []


@pytest.mark.parametrize("folder", ["de", "NL", "nl-BE", "templates"])
def test_unknown_language_folder_is_rejected(tmp_path: Path, folder: str) -> None:
    _write(tmp_path, "nl/herinnering.txt", SMS)
    _write(tmp_path, f"{folder}/herinnering.txt", SMS)
    with pytest.raises(TemplateFileError, match=f"unknown language folder: {folder}"):
        load_templates(tmp_path)


def test_same_name_with_different_kinds_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "nl/herinnering.txt", SMS)
    _write(tmp_path, "fr/herinnering.txt", EMAIL)
    with pytest.raises(TemplateFileError, match="herinnering: the same template has different"):
        load_templates(tmp_path)


def test_a_broken_file_names_itself(tmp_path: Path) -> None:
    _write(tmp_path, "nl/goed.txt", SMS)
    _write(tmp_path, "fr/kapot.txt", "geen header")
    with pytest.raises(TemplateFileError, match=r"^fr/kapot: must start with"):
        load_templates(tmp_path)


SHIPPED = load_templates()


def test_the_shipped_templates_are_there() -> None:
    names = {t.name for t in SHIPPED}
    assert {"lac-herinnering-sms", "lac-uitnodiging-email", "lac-uitnodiging-brief"} <= names
    assert {t.kind for t in SHIPPED} == {"sms", "email", "letter", "card"}


@pytest.mark.parametrize("source", SHIPPED, ids=lambda t: f"{t.language}/{t.name}")
def test_every_shipped_template_renders_with_its_examples(source: TemplateSource) -> None:
    used = variables_of(source.body, source.subject, language=source.language)
    # partner and variant are Messenger's own (rendering.RESERVED), never declared.
    assert used - set(RESERVED) == set(source.variables), "declared and used variables differ"
    rendered = render(source.body, source.subject, source.examples, language=source.language)
    assert rendered.body
    assert "{{" not in rendered.body
    assert "{%" not in rendered.body
    if source.kind == "sms":
        assert rendered.subject is None
    else:
        assert rendered.subject


WRITTEN = {
    "nl": "dinsdag 8 december 2026 om 10 uur",
    "fr": "mardi 8 décembre 2026 à 10 h",
    "en": "Tuesday 8 December 2026 at 10:00",
}


@pytest.mark.parametrize(
    "source",
    [
        t
        for t in SHIPPED
        if t.examples.get("moment") == "2026-12-08T10:00:00+01:00" and "| datetime" in t.body
    ],
    ids=lambda t: f"{t.language}/{t.name}",
)
def test_shipped_examples_write_the_date_in_words(source: TemplateSource) -> None:
    rendered = render(source.body, source.subject, source.examples, language=source.language)
    assert WRITTEN[source.language] in rendered.body
    assert "2026-12-08" not in rendered.body
