"""Notify's `sanitise_content_for`: personalisation values a service does not trust (text a
member of the public typed) lose their links and have their Markdown escaped, so they cannot
turn into a link or formatting in the email.

    >>> sanitise("User, [click here](https://evil.link)")
    'User, \\\\[click here\\\\]\\\\(\\\\)'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# Web addresses, with or without a scheme.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]]+", re.IGNORECASE)
# Markdown's punctuation (CommonMark's backslash escapes, the ones that mean something).
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")


def sanitise(value: str) -> str:
    return _MARKDOWN.sub(r"\\\1", _URL.sub("", value))


def unescape(text: str) -> str:
    """The text as read: `\\-` is a dash (the escapes are for the Markdown reader)."""
    return _ESCAPED.sub(r"\1", text)


def sanitise_values(
    values: Mapping[str, Any], keys: Iterable[str]
) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """The personalisation with the named text values sanitised, and Notify's
    `sanitised_content`: per key, the value as given and as used."""
    done = dict(values)
    report: dict[str, dict[str, str]] = {}
    for key in dict.fromkeys(keys):
        given = values.get(key)
        if isinstance(given, str):
            done[key] = sanitise(given)
            report[key] = {"sanitised": done[key], "unsanitised": given}
    return done, report
