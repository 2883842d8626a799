"""Rendering in Jinja's immutable sandbox with StrictUndefined."""

from __future__ import annotations

from typing import Any

import pytest

from messenger.wording.rendering import (
    MissingPersonalisation,
    Rendered,
    RenderError,
    render,
    variables_of,
)

MOMENT = "2026-12-08T10:30:00+01:00"


def _body(body: str, values: dict[str, Any] | None = None, language: str = "nl") -> str:
    return render(body, None, values or {}, language=language).body


def test_render_fills_in_body_and_subject() -> None:
    rendered = render("Dag {{ naam }}", "Voor {{ naam }}", {"naam": "Sara"}, language="nl")
    assert rendered == Rendered(body="Dag Sara", subject="Voor Sara")


def test_no_subject_stays_none() -> None:
    assert render("Dag", None, {}, language="nl").subject is None


def test_extra_values_are_ignored() -> None:
    assert _body("Dag {{ naam }}", {"naam": "Sara", "ongebruikt": 1}) == "Dag Sara"


def test_values_are_not_escaped_in_text() -> None:
    assert _body("{{ x }}", {"x": "<b>Janssens & Zonen</b>"}) == "<b>Janssens & Zonen</b>"


def test_values_are_not_templates_themselves() -> None:
    assert _body("{{ x }}", {"x": "{{ 7 * 7 }}"}) == "{{ 7 * 7 }}"


@pytest.mark.parametrize(
    ("body", "subject", "values", "missing"),
    [
        ("Dag {{ naam }}", None, {}, ["naam"]),
        ("{{ z }} {{ a }} {{ m }}", None, {"m": 1}, ["a", "z"]),
        ("{{ b }}", "{{ a }}", {}, ["a", "b"]),
        ("{{ a }}{{ a }}", "{{ a }}", {}, ["a"]),
        ("{% if x %}{{ y }}{% endif %}", None, {"x": False}, ["y"]),
        ("{% for i in items %}{{ i }}{% endfor %}", None, {}, ["items"]),
        ("{{ moment | datetime }}", None, {}, ["moment"]),
    ],
)
def test_missing_values_are_all_named_sorted(
    body: str, subject: str | None, values: dict[str, Any], missing: list[str]
) -> None:
    with pytest.raises(MissingPersonalisation) as caught:
        render(body, subject, values, language="nl")
    assert caught.value.missing == missing
    assert str(caught.value) == f"Missing personalisation: {', '.join(missing)}"
    assert isinstance(caught.value, RenderError)


@pytest.mark.parametrize(
    ("body", "values"),
    [
        ("{{ x.y }}", {"x": {}}),
        ("{{ x['y'] }}", {"x": {}}),
        ("{{ x.y }}", {"x": 1}),
        ("{{ x[5] }}", {"x": [1]}),
    ],
)
def test_missing_parts_of_values_are_render_errors(body: str, values: dict[str, Any]) -> None:
    with pytest.raises(RenderError, match="Missing personalisation"):
        _body(body, values)


def test_variables_of() -> None:
    found = variables_of("{{ a }} {% set b = 1 %}{{ b }}", "{{ c | date }}", None, "")
    assert found == {"a", "c"}


@pytest.mark.parametrize(
    ("body", "values"),
    [
        ("{{ ''.__class__.__mro__ }}", {}),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", {}),
        ("{{ cycler.__init__.__globals__ }}", {}),
        ("{{ joiner.__init__.__globals__.os }}", {}),
        ("{{ lipsum.__globals__ }}", {}),
        ("{{ namespace.__init__.__globals__ }}", {}),
        ("{{ x.__class__ }}", {"x": "Sara"}),
        ("{{ x | attr('__class__') }}", {"x": "Sara"}),
        ("{{ '{0.__class__}'.format(x) }}", {"x": "Sara"}),
        ("{{ x.mro() }}", {"x": int}),
        ("{{ x.gi_frame }}", {"x": (i for i in [1])}),
        ("{% set _ = x.update({'a': 1}) %}{{ x }}", {"x": {}}),
        ("{% set _ = x.append(1) %}{{ x }}", {"x": []}),
        ("{{ x.pop() }}", {"x": [1]}),
        ("{{ x.clear() }}", {"x": {"a": 1}}),
        ("{{ x.setdefault('a', 1) }}", {"x": {}}),
    ],
)
def test_the_sandbox_refuses_python_internals(body: str, values: dict[str, Any]) -> None:
    with pytest.raises(RenderError) as caught:
        _body(body, values)
    assert not isinstance(caught.value, MissingPersonalisation)
    assert str(caught.value) == "Template uses something that is not allowed"


def test_the_sandbox_leaves_values_alone() -> None:
    values: dict[str, Any] = {"x": {"a": 1}, "items": [1, 2]}
    with pytest.raises(RenderError):
        _body("{% set _ = x.update({'b': 2}) %}{% set _ = items.append(3) %}", values)
    assert values == {"x": {"a": 1}, "items": [1, 2]}


def test_the_subject_is_sandboxed_too() -> None:
    with pytest.raises(RenderError, match="not allowed"):
        render("Dag", "{{ ''.__class__ }}", {}, language="nl")


@pytest.mark.parametrize(
    ("language", "datetime", "date", "time"),
    [
        ("nl", "dinsdag 8 december 2026 om 10.30 uur", "dinsdag 8 december 2026", "10.30 uur"),
        ("fr", "mardi 8 décembre 2026 à 10 h 30", "mardi 8 décembre 2026", "10 h 30"),
        ("en", "Tuesday 8 December 2026 at 10:30", "Tuesday 8 December 2026", "10:30"),
    ],
)
def test_date_filters_follow_the_language(
    language: str, datetime: str, date: str, time: str
) -> None:
    body = "{{ m | datetime }}\n{{ m | date }}\n{{ m | time }}"
    rendered = render(body, "{{ m | datetime }}", {"m": MOMENT}, language=language)
    assert rendered.body == f"{datetime}\n{date}\n{time}"
    assert rendered.subject == datetime


def test_filters_convert_to_brussels() -> None:
    assert _body("{{ m | datetime }}", {"m": "2026-07-01T08:00:00Z"}) == (
        "woensdag 1 juli 2026 om 10 uur"
    )


def test_each_language_keeps_its_own_filters() -> None:
    values = {"m": MOMENT}
    assert _body("{{ m | time }}", values, "fr") == "10 h 30"
    assert _body("{{ m | time }}", values, "nl") == "10.30 uur"
    assert _body("{{ m | time }}", values, "fr") == "10 h 30"


@pytest.mark.parametrize(
    ("body", "value"),
    [("{{ m | datetime }}", "morgen"), ("{{ m | date }}", 42), ("{{ m | time }}", "")],
)
def test_bad_dates_are_render_errors(body: str, value: object) -> None:
    with pytest.raises(RenderError, match="is not a date and time"):
        _body(body, {"m": value})


@pytest.mark.parametrize(
    ("body", "values", "expected"),
    [
        ("a   \nb  ", {}, "a\nb"),
        ("a\n\n\n\nb", {}, "a\n\nb"),
        ("\n\n  a\n\n", {}, "a"),
        ("a\n\n{% if x %}\nb\n{% endif %}\n\nc", {"x": False}, "a\n\nc"),
        ("a\n\n{% if x %}\nb\n{% endif %}\n\nc", {"x": True}, "a\n\nb\n\nc"),
        ("{% for i in items %}\n- {{ i }}\n{% endfor %}", {"items": [1, 2]}, "- 1\n- 2"),
        ("a\n    {% if x %}\nb\n    {% endif %}\nc", {"x": False}, "a\nc"),
        ("a\n{{ x }}\n\n\nb", {"x": "   "}, "a\n\nb"),
    ],
)
def test_blank_lines_are_tidied(body: str, values: dict[str, Any], expected: str) -> None:
    assert _body(body, values) == expected


def test_subject_is_stripped() -> None:
    assert render("b", "  Onderwerp {{ x }}  ", {"x": 1}, language="nl").subject == "Onderwerp 1"


@pytest.mark.parametrize(
    "body",
    ["{{ a }", "{% if %}", "{{ a | nonexistent }}", "{% for i in range(10**9) %}{% endfor %}"],
)
def test_broken_templates_are_render_errors(body: str) -> None:
    with pytest.raises(RenderError):
        _body(body, {"a": 1})


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_out_of_range_dates_are_render_errors(value: str) -> None:
    with pytest.raises(RenderError):
        _body("{{ m | datetime }}", {"m": value})
