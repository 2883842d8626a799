"""Templates written the Notify way: ((placeholders)), ((optional??text)), line endings kept,
and `sanitise_content_for` (links out, Markdown escaped) read back as plain characters."""

from __future__ import annotations

import pytest

from messenger.wording.formatting import text_to_html
from messenger.wording.rendering import MissingPersonalisation, render, variables_of
from messenger.wording.sanitise import sanitise, sanitise_values, unescape
from messenger.wording.template_files import make_source


@pytest.mark.parametrize(
    ("body", "values", "expected"),
    [
        ("Hello ((name))", {"name": "Foo"}, "Hello Foo"),
        ("Hello (( name ))", {"name": "Foo"}, "Hello Foo"),
        ("Dear ((First Name))", {"first name": "Sara"}, "Dear Sara"),
        ("Dear ((first_name))", {"First Name": "Sara"}, "Dear Sara"),
        ("Dear ((first-name))", {"first_name": "Sara"}, "Dear Sara"),
        ("A((extra??, with extra))", {"extra": "yes"}, "A, with extra"),
        ("A((extra??, with extra))", {"extra": ""}, "A"),
        ("A((extra??, with extra))", {"extra": False}, "A"),
        ("Hello ((name))\r\n\r\nBye", {"name": "Foo"}, "Hello Foo\r\n\r\nBye"),
        ("Hello ((name))\n\nBye", {"name": "Foo"}, "Hello Foo\n\nBye"),
        ("Mixed {{ name }} and ((name))", {"name": "Jo"}, "Mixed Jo and Jo"),
        ("((1 not a name))", {}, "((1 not a name))"),
    ],
)
def test_notify_placeholders_are_filled(
    body: str, values: dict[str, object], expected: str
) -> None:
    assert render(body, None, values, language="en").body == expected


def test_a_missing_notify_value_is_named() -> None:
    with pytest.raises(MissingPersonalisation) as missing:
        render("Hello ((First Name)) ((town))", None, {"first name": "Sara"}, language="en")
    assert missing.value.missing == ["town"]


def test_notify_names_are_the_variables_of_a_template() -> None:
    assert variables_of("Dear ((First Name))", "((Ref??Ref ))", language="en") == {
        "first_name",
        "ref",
    }


def test_a_notify_template_comes_over_as_written() -> None:
    body = "Hello ((name))\r\n\r\nFunctional test help make our world a better place"
    source = make_source(
        name="functional", language="en", kind="email", title="Functional",
        subject="Functional Tests are good", body=body, variables={}, exact=True,
    )  # fmt: skip
    assert source.body == body  # no newline added, CRLF kept
    assert source.variables == {"name": {"example": "name"}}  # described for Notify's sake
    trimmed = make_source(
        name="functional", language="en", kind="sms", title="Functional", subject=None,
        body=" Hi ((name))\r\n", variables={},
    )  # fmt: skip
    assert trimmed.body == "Hi ((name))\n"  # a shipped file's body is trimmed, as before


@pytest.mark.parametrize(
    ("given", "sanitised"),
    [
        ("User, [click here](https://evil.link)", r"User, \[click here\]\(\)"),
        ("0b7e-4a1c", r"0b7e\-4a1c"),
        ("see www.evil.example now", "see  now"),
        ("*bold* _it_ #1", r"\*bold\* \_it\_ \#1"),
        ("Sara Janssens", "Sara Janssens"),
    ],
)
def test_sanitised_values_lose_links_and_escape_markdown(given: str, sanitised: str) -> None:
    assert sanitise(given) == sanitised
    assert unescape(sanitise(given)) == unescape(sanitised)


def test_only_the_named_text_values_are_sanitised() -> None:
    values, report = sanitise_values(
        {"name": "[x](http://y)", "other": "[x](http://y)", "count": 3}, ["name", "count", "name"]
    )
    assert values == {"name": r"\[x\]\(\)", "other": "[x](http://y)", "count": 3}
    assert report == {"name": {"sanitised": r"\[x\]\(\)", "unsanitised": "[x](http://y)"}}


def test_the_client_reads_the_characters_not_the_escapes() -> None:
    assert text_to_html(unescape(r"Dag Sara\-Lou \[test\]")) == "<p>Dag Sara-Lou [test]</p>"
