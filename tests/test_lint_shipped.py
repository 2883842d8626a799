"""Every shipped template passes the linter: plain, discreet, one page."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from messenger.wording import lint, long_values
from messenger.wording.readability import readability
from messenger.wording.sms_encoding import sms_info
from messenger.wording.template_check import check
from messenger.wording.template_files import TemplateSource, load_templates
from tests.lint_support import has_partner_block, pdf_pages, src

SOURCES = load_templates()


@cache
def shipped(language: str, name: str) -> lint.LintReport:
    [source] = [s for s in SOURCES if (s.language, s.name) == (language, name)]
    return check(source)


def of(kind: str | None = None, *, partner: bool | None = None) -> list[Any]:
    return [
        pytest.param(s, id=f"{s.language}/{s.name}")
        for s in SOURCES
        if kind in (None, s.kind) and partner in (None, has_partner_block(s))
    ]


def test_there_are_shipped_templates_of_every_kind_and_language() -> None:
    assert {s.kind for s in SOURCES} == {"sms", "email", "letter", "card"}
    assert {s.language for s in SOURCES} == {"nl", "fr", "en"}


@pytest.mark.parametrize("source", of())
def test_shipped_template_has_no_errors_and_no_warnings(source: TemplateSource) -> None:
    report = shipped(source.language, source.name)
    assert report.findings == (), "\n".join(map(str, report.findings))
    assert report.ok


def test_dutch_templates_read_at_or_above_their_target() -> None:
    # The linter reports the hardest rendering; every variant and partner rendering is listed.
    rows = []
    for source in SOURCES:
        if source.language == "nl" and source.kind != "sms":  # an SMS has word rules instead
            report = shipped(source.language, source.name)
            target = lint.READABILITY[source.kind][1]
            assert report.flesch_douma == min(
                readability(r.body).flesch_douma for r in report.renderings
            )
            for rendered in report.renderings:
                score = readability(rendered.body).flesch_douma
                rows.append((f"{source.name} ({rendered.label})", source.kind, score, target))
    table = "\n".join(f"{n:60} {k:7} {s:6.1f} >= {t:.0f}" for n, k, s, t in rows)
    assert len(rows) > len([s for s in SOURCES if s.language == "nl" and s.kind != "sms"])
    assert all(score >= target for _, _, score, target in rows), "\n" + table


@pytest.mark.parametrize("source", of("sms"))
def test_shipped_sms_is_gsm7_and_one_segment(source: TemplateSource) -> None:
    report = shipped(source.language, source.name)
    assert report.sms is not None
    assert (report.sms.encoding, report.sms.segments) == ("GSM-7", 1)
    for rendered in report.renderings:
        info = sms_info(rendered.body)
        assert (info.encoding, info.segments) == ("GSM-7", 1), rendered.label


@pytest.mark.parametrize("source", of("letter") + of("card"))
def test_shipped_letter_or_card_is_exactly_one_page(source: TemplateSource) -> None:
    report = shipped(source.language, source.name)
    assert report.pages == 1
    for rendered in report.renderings:
        assert pdf_pages(source.kind, rendered.subject, rendered.body) == 1, rendered.label


@pytest.mark.parametrize("source", of(partner=True))
def test_a_partner_block_is_checked_with_and_without_the_partner(source: TemplateSource) -> None:
    renderings = shipped(source.language, source.name).renderings
    assert len(renderings) == 2 * max(1, len(source.variants))
    for rendered in renderings:
        with_partner = rendered.label.endswith("met partner")
        assert (lint.EXAMPLE_PARTNER["name"] in rendered.body) is with_partner, rendered.label
        assert (lint.EXAMPLE_PARTNER["phone"] in rendered.body) is with_partner, rendered.label


def test_the_variant_letter_is_checked_per_variant_and_partner_state() -> None:
    report = shipped("nl", "lac-tweede-uitnodiging-brief")
    labels = [r.label for r in report.renderings]
    assert labels == [
        "zonder-begrenzer",
        "zonder-begrenzer met partner",
        "met-begrenzer",
        "met-begrenzer met partner",
    ]
    bodies = {r.label: r.body for r in report.renderings}
    assert "Dan beslist de LAC zonder u." in bodies["zonder-begrenzer"]
    assert "zo'n toestel laten plaatsen" in bodies["met-begrenzer met partner"]
    assert "zo'n toestel laten plaatsen" not in bodies["zonder-begrenzer met partner"]
    # Both variants name the real risk.
    assert all("Dan kan uw water afgesloten worden." in body for body in bodies.values())


def test_a_variable_named_like_partner_is_not_a_partner_block() -> None:
    source = src("Dag {{ partner_naam }}, bel ons.", variables={"partner_naam": {"example": "X"}})
    assert [r.label for r in check(source).renderings] == ["standaard"]


# With long, accented, real values (long_values.py), as clients will get them.


@pytest.mark.parametrize("source", of())
def test_every_variable_of_a_shipped_template_has_a_long_value(source: TemplateSource) -> None:
    assert long_values.unknown(source) == []


@pytest.mark.parametrize("source", of("sms"))
def test_shipped_sms_is_one_part_with_long_values(source: TemplateSource) -> None:
    long = shipped(source.language, source.name).with_values(lint.LONG)
    assert long is not None and long.sms is not None
    for rendered in long.renderings:
        info = sms_info(rendered.body)
        assert (info.encoding, info.segments) == ("GSM-7", 1), rendered.body


@pytest.mark.parametrize("source", of("sms"))
def test_shipped_sms_with_an_accented_name_stays_within_three_parts(source: TemplateSource) -> None:
    accented = shipped(source.language, source.name).with_values(lint.ACCENTED)
    assert accented is not None and accented.sms is not None
    assert accented.sms.segments <= lint.MAX_SMS_SEGMENTS


@pytest.mark.parametrize("source", of("letter") + of("card"))
def test_shipped_letter_or_card_is_one_page_with_long_values(source: TemplateSource) -> None:
    long = shipped(source.language, source.name).with_values(lint.LONG)
    assert long is not None and long.pages == 1


@pytest.mark.parametrize("source", of("sms") + of("email"))
def test_what_a_lock_screen_shows_is_discreet(source: TemplateSource) -> None:
    report = shipped(source.language, source.name)
    assert [f for f in report.findings if f.rule == "discretion"] == []


@pytest.mark.parametrize("source", of())
def test_shipped_sentences_are_short_with_long_values(source: TemplateSource) -> None:
    report = shipped(source.language, source.name)
    assert [f for f in report.findings if f.rule == "sentence-long"] == []
