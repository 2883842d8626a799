"""Plain template text to HTML: paragraphs, line breaks, bullets, and nothing injected."""

from __future__ import annotations

import pytest

from messenger.wording.formatting import text_to_html
from messenger.wording.rendering import render


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Dag Sara,", "<p>Dag Sara,</p>"),
        ("Dag Sara,\n\nTot dan.", "<p>Dag Sara,</p>\n<p>Tot dan.</p>"),
        ("a\n\n\n\nb", "<p>a</p>\n<p>b</p>"),
        ("\n\nDag Sara,\n\n", "<p>Dag Sara,</p>"),
        ("  Dag Sara,  ", "<p>Dag Sara,</p>"),
    ],
)
def test_paragraphs(text: str, html: str) -> None:
    assert text_to_html(text) == html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("regel 1\nregel 2", "<p>regel 1<br>\nregel 2</p>"),
        (
            "Met vriendelijke groeten,\nJan Peeters\nOCMW",
            "<p>Met vriendelijke groeten,<br>\nJan Peeters<br>\nOCMW</p>",
        ),
        ("Wanneer? morgen   \nWaar? Gent", "<p>Wanneer? morgen<br>\nWaar? Gent</p>"),
    ],
)
def test_single_newlines_are_line_breaks(text: str, html: str) -> None:
    assert text_to_html(text) == html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("- een\n- twee", "<ul><li>een</li><li>twee</li></ul>"),
        ("- een", "<ul><li>een</li></ul>"),
        ("  - een  \n  - twee", "<ul><li>een</li><li>twee</li></ul>"),
        ("-  ruim", "<ul><li>ruim</li></ul>"),
        (
            "Intro:\n- een\n- twee",
            "<p>Intro:</p>\n<ul><li>een</li><li>twee</li></ul>",
        ),
        (
            "Intro:\n- een\n- twee\nSlot.",
            "<p>Intro:</p>\n<ul><li>een</li><li>twee</li></ul>\n<p>Slot.</p>",
        ),
        (
            "- een\n\n- twee",
            "<ul><li>een</li></ul>\n<ul><li>twee</li></ul>",
        ),
    ],
)
def test_bullet_lists(text: str, html: str) -> None:
    assert text_to_html(text) == html


@pytest.mark.parametrize(
    "text",
    ["-geen lijst", "-1 graad", "— gedachtestreepje", "5 - 3 = 2"],
)
def test_dashes_that_are_not_bullets(text: str) -> None:
    html = text_to_html(text)
    assert html.startswith("<p>")
    assert "<li>" not in html


@pytest.mark.parametrize("text", ["", "\n", "\n\n\n", "   \n  \n"])
def test_empty_text_is_empty_html(text: str) -> None:
    assert text_to_html(text) == ""


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<b>vet</b>", "<p>&lt;b&gt;vet&lt;/b&gt;</p>"),
        ("Janssens & Zonen", "<p>Janssens &amp; Zonen</p>"),
        ('"dubbel"', "<p>&quot;dubbel&quot;</p>"),
        ("'enkel'", "<p>&#x27;enkel&#x27;</p>"),
        ("&amp;", "<p>&amp;amp;</p>"),
        ("- <i>item</i>", "<ul><li>&lt;i&gt;item&lt;/i&gt;</li></ul>"),
    ],
)
def test_everything_is_escaped(text: str, html: str) -> None:
    assert text_to_html(text) == html


ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<a href='javascript:alert(1)'>klik</a>",
    '"><svg onload=alert(1)>',
    "</p><h1>Nep</h1><p>",
    "<!-- x -->",
    "- <li>extra</li>",
    "<br>",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_personalisation_cannot_inject_markup(attack: str) -> None:
    body = "Dag {{ voornaam }},\n\n- {{ voornaam }}\n\nTot ziens {{ voornaam }}"
    rendered = render(body, None, {"voornaam": attack}, language="nl")
    html = text_to_html(rendered.body)
    stripped = html
    for tag in ("<p>", "</p>", "<br>", "<ul>", "</ul>", "<li>", "</li>"):
        stripped = stripped.replace(tag, "")
    assert "<" not in stripped
    assert ">" not in stripped
    assert '"' not in stripped
    assert "'" not in stripped
    assert html.count("<p>") == 2
    assert html.count("<li>") == 1


def test_multiline_personalisation_stays_text() -> None:
    rendered = render(
        "Adres: {{ a }}", None, {"a": "Kerkstraat 12\n<b>9000</b> Gent"}, language="nl"
    )
    assert text_to_html(rendered.body) == (
        "<p>Adres: Kerkstraat 12<br>\n&lt;b&gt;9000&lt;/b&gt; Gent</p>"
    )


def test_the_letter_template_shape() -> None:
    text = (
        "Beste Sara,\n\n"
        "De LAC kan samen met u beslissen over:\n"
        "- een afbetalingsplan;\n"
        "- een toestel dat minder water doorlaat.\n\n"
        "Met vriendelijke groeten,\n\nJan"
    )
    assert text_to_html(text) == (
        "<p>Beste Sara,</p>\n"
        "<p>De LAC kan samen met u beslissen over:</p>\n"
        "<ul><li>een afbetalingsplan;</li><li>een toestel dat minder water doorlaat.</li></ul>\n"
        "<p>Met vriendelijke groeten,</p>\n"
        "<p>Jan</p>"
    )
