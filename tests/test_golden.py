"""Golden renderings: every shipped template, rendered with its example values, as checked in.

A change to a template, a filter or the date formatting shows up here as a diff a reviewer can
read. One file per rendering: tests/golden/<language>/<name>[.<label>].txt, where the label
names the variant and/or "partner" (rendered with lint.EXAMPLE_PARTNER). After an intended
change, rewrite them with `UPDATE_GOLDEN=1 pytest tests/test_golden.py` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from messenger.wording import lint, rendering
from messenger.wording.template_files import TemplateSource, load_templates
from tests.lint_support import has_partner_block

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
SOURCES = load_templates()


def cases() -> list[tuple[TemplateSource, str | None, bool, Path]]:
    found = []
    for source in SOURCES:
        for variant in list(source.variants) or [None]:
            for partner in (False, True) if has_partner_block(source) else (False,):
                label = ".".join(p for p in (variant, "partner" if partner else None) if p)
                name = f"{source.name}.{label}" if label else source.name
                found.append((source, variant, partner, GOLDEN / source.language / f"{name}.txt"))
    return found


CASES = cases()


def golden_text(source: TemplateSource, variant: str | None, partner: bool) -> str:
    result = rendering.render(
        source.body,
        source.subject,
        source.examples,
        language=source.language,
        partner=lint.EXAMPLE_PARTNER if partner else None,
        variant=variant,
    )
    return f"Subject: {result.subject or ''}".rstrip() + f"\n\n{result.body}\n"


def _param(case: tuple[TemplateSource, str | None, bool, Path]) -> Any:
    return pytest.param(*case[:3], case[3], id=str(case[3].relative_to(GOLDEN)))


@pytest.mark.parametrize(("source", "variant", "partner", "path"), [_param(c) for c in CASES])
def test_rendering_matches_golden_file(
    source: TemplateSource, variant: str | None, partner: bool, path: Path
) -> None:
    text = golden_text(source, variant, partner)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8")


def test_renderings_are_deterministic() -> None:
    for source, variant, partner, _ in CASES:
        assert golden_text(source, variant, partner) == golden_text(source, variant, partner)


def test_partner_and_variant_files_are_there() -> None:
    names = {path.relative_to(GOLDEN).as_posix() for *_, path in CASES}
    assert "nl/lac-uitnodiging-brief.partner.txt" in names
    assert "fr/lac-uitnodiging-email.partner.txt" in names
    assert "nl/lac-tweede-uitnodiging-brief.met-begrenzer.partner.txt" in names
    assert "nl/lac-tweede-uitnodiging-brief.zonder-begrenzer.txt" in names
    assert "nl/sms-stop-bevestiging.txt" in names
    assert "nl/sms-stop-bevestiging.partner.txt" not in names


def test_no_stale_golden_files() -> None:
    if UPDATE:
        for path in GOLDEN.rglob("*.txt"):
            if path not in {case[3] for case in CASES}:
                path.unlink()
    expected = {case[3] for case in CASES}
    assert set(GOLDEN.rglob("*.txt")) == expected
