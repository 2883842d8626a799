"""`messenger templates table`: scores, SMS parts and pages, with examples and long values."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from messenger.cli.app import app
from messenger.cli.templates import TABLE_HEADER
from messenger.wording.template_files import load_templates

runner = CliRunner()

SMS = """+++
title = "Test sms"
kind = "sms"

[variables.voornaam]
example = "Sara"
description = "Voornaam"
+++
Dag {{ voornaam }}, we willen graag met u praten. Kom naar het OCMW op dinsdag. Past het niet? \
Bel 09 123 45 67. Stuur JA als u komt. Tot dan, Jan Peeters, OCMW!
"""

EMAIL = """+++
title = "Test e-mail"
kind = "email"
subject = "Een vraag"
+++
Dag Sara,

We willen graag met u praten. Bel ons op 09 123 45 67.

Jan Peeters
"""

LETTER = """+++
title = "Test brief"
kind = "letter"
subject = "Een vraag"

[variables.plaats]
example = "Markt 1, Gent"
description = "Waar"
+++
Dag Sara,

Kom naar {{ plaats }}. Bel 09 123 45 67 of mail naar jan@ocmw.example.

Jan Peeters
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for language, name, text in [
        ("nl", "test-sms", SMS),
        ("nl", "test-email", EMAIL),
        ("nl", "test-brief", LETTER),
        ("fr", "test-sms", SMS.replace("Dag", "Bonjour")),
    ]:
        (tmp_path / language).mkdir(exist_ok=True)
        (tmp_path / language / f"{name}.txt").write_text(text, encoding="utf-8")
    return tmp_path


def rows(output: str) -> dict[tuple[str, str], list[str]]:
    """The table's rows by (template, language), each as its cells."""
    found = {}
    for line in output.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        found[(cells[0].strip("`"), cells[1])] = cells
    return found


def test_the_table_is_markdown_with_a_header_and_a_rule(folder: Path) -> None:
    result = runner.invoke(app, ["templates", "table", "--folder", str(folder)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == TABLE_HEADER
    assert lines[1] == "|" + "---|" * 9
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines[2:])
    assert len(lines) == 2 + 4


def test_an_sms_row_has_no_score_and_its_parts_per_set_of_values(folder: Path) -> None:
    result = runner.invoke(app, ["templates", "table", "--folder", str(folder)])
    row = rows(result.output)[("test-sms", "nl")]
    # Sara: one part; Marie-Christine: two; Anaïs: UCS-2, three.
    assert row[2:8] == ["sms", "—", "—", "1 deel", "2 delen", "3 delen (UCS-2)"]
    assert row[8] == "ja"  # two parts with long values is a warning, not an error


def test_an_email_row_has_scores_and_no_parts_or_pages(folder: Path) -> None:
    row = rows(runner.invoke(app, ["templates", "table", "--folder", str(folder)]).output)[
        ("test-email", "nl")
    ]
    assert row[2] == "email"
    assert int(row[3]) > 60 and int(row[4]) > 0
    assert row[5:8] == ["—", "—", "—"]


def test_a_letter_row_has_pages_with_both_sets_of_values(folder: Path) -> None:
    row = rows(runner.invoke(app, ["templates", "table", "--folder", str(folder)]).output)[
        ("test-brief", "nl")
    ]
    assert row[2] == "letter"
    assert row[5:8] == ["1 pagina", "1 pagina", "—"]


def test_only_dutch_gets_a_score(folder: Path) -> None:
    row = rows(runner.invoke(app, ["templates", "table", "--folder", str(folder)]).output)[
        ("test-sms", "fr")
    ]
    assert row[3:5] == ["—", "—"]


def test_a_failing_template_says_how_many_errors(folder: Path) -> None:
    (folder / "nl" / "test-sms.txt").write_text(
        SMS.replace("Kom naar het OCMW", "Hebt u weer water"), encoding="utf-8"
    )
    row = rows(runner.invoke(app, ["templates", "table", "--folder", str(folder)]).output)[
        ("test-sms", "nl")
    ]
    assert row[8] == "nee (1 fout)"


def test_the_table_lists_every_shipped_template_and_language() -> None:
    result = runner.invoke(app, ["templates", "table"])
    assert result.exit_code == 0, result.output
    found = rows(result.output)
    assert set(found) == {(s.name, s.language) for s in load_templates()}
    for (_, language), row in found.items():
        if row[2] == "sms" or language != "nl":
            assert row[3:5] == ["—", "—"]
        else:
            assert row[3].isdigit() and row[4].isdigit()
        if row[2] in ("letter", "card"):
            assert row[5].endswith(("pagina", "pagina's")) and row[6].endswith(
                ("pagina", "pagina's")
            )
