"""Plain template text to HTML for emails and letters: one source, both forms.

Paragraphs are separated by a blank line; inside a paragraph, lines starting with "- " form
a bullet list. A paragraph whose first line starts with "^" is inset text, as in GOV.UK
Notify: the caret (and one space after it) is taken off each line that has one, and the
paragraph, with any "^" paragraphs straight after it, becomes one block with a grey border
on its left. A "^" further down an ordinary paragraph stays as written, as in Notify. Letters
share this HTML; their print style makes it a framed, tinted box (letter_pdf.py), the place
for when, where and the phone number. Everything is escaped first, so personalisation can
never inject markup; then phone numbers and email addresses are kept on one line.
"""

from __future__ import annotations

import re
from html import escape
from itertools import groupby

# Notify's inset block (notifications-utils, markdown.py), in Messenger's units: the 0.1px
# padding keeps the paragraphs' own margins inside the border.
INSET_STYLE = "margin: 1em 0; padding: 0.1px 0 0.1px 15px; border-left: 10px solid #B1B4B6;"
# Notify's marker: spaces, a caret and at most one space after it.
_INSET_MARK = re.compile(r"^\s*\^ ?")
# A line and its ending, as text_to_html reads them (CRLF, CR or LF).
_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|\Z)")
# Belgian phone numbers as people write them (09 123 45 67, 0470/12.34.56, +32 9 123 45 67)
# and email addresses. The linter finds contact ways with the same patterns. Neither matches
# across an escaped character ("&amp;", "&#x27;"), so wrapping escaped text is safe.
PHONE = re.compile(r"(?<!\d)(?:\+32\s?|0)\d(?:[\s./]?\d){7,8}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
# One pass, the email first: digits inside an address are not a phone number.
_CONTACT = re.compile(f"{EMAIL.pattern}|{PHONE.pattern}")
_DIGIT = re.compile(r"\d")
# Inline, so mail programs keep it too; print and screens both honour it.
NO_BREAK = '<span style="white-space: nowrap">'


def text_to_html(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [block for block in text.strip().split("\n\n") if block.strip()]
    parts = []
    for inset, run in groupby(blocks, key=is_inset):
        if inset:
            parts.append(_inset_to_html("\n\n".join(_unmarked(block) for block in run)))
        else:
            parts.extend(_block_to_html(block) for block in run)
    return "\n".join(parts)


def is_inset(paragraph: str) -> bool:
    """Whether a paragraph is Notify's inset text: its first line is "^" and some text."""
    first = next((line.strip() for line in paragraph.splitlines() if line.strip()), "")
    return first.startswith("^") and bool(first[1:].strip())


def without_inset_marks(text: str) -> str:
    """The text as an email's plain-text part shows it: inset paragraphs lose their "^",
    everything else stays exactly as written (line endings too). SMS are never formatted:
    they keep the "^", as in Notify."""
    out: list[str] = []
    starts_paragraph, inset = True, False
    for content, ending in _LINE.findall(text):
        if not content.strip():
            # An empty line ends the paragraph; a line of spaces does not (text_to_html).
            starts_paragraph = starts_paragraph or not content
        else:
            if starts_paragraph:
                inset, starts_paragraph = is_inset(content), False
            if inset:
                content = _INSET_MARK.sub("", content, count=1)
        out.append(content + ending)
    return "".join(out)


def _unmarked(paragraph: str) -> str:
    return "\n".join(_INSET_MARK.sub("", line, count=1) for line in paragraph.splitlines())


def _inset_to_html(text: str) -> str:
    # A lone "^" line inside the inset leaves a blank line: a new paragraph, as in Notify.
    blocks = [block for block in text.split("\n\n") if block.strip()]
    inner = "\n".join(_block_to_html(block) for block in blocks)
    return f'<blockquote style="{INSET_STYLE}">{inner}</blockquote>'


def _block_to_html(block: str) -> str:
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    parts = []
    for is_item, run in groupby(lines, key=lambda line: line.startswith("- ")):
        group = list(run)
        if is_item:
            items = "".join(f"<li>{_escape(line[2:].strip())}</li>" for line in group)
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append("<p>" + "<br>\n".join(_escape(line) for line in group) + "</p>")
    return "\n".join(parts)


def _escape(line: str) -> str:
    return keep_together(escape(line))


def keep_together(escaped: str) -> str:
    """Escaped text with each phone number and email address in a no-break span: "Bel 09 234"
    at the end of a line and "56 78" on the next is a number nobody can dial."""
    if "@" not in escaped and _DIGIT.search(escaped) is None:
        return escaped  # most lines: the pattern would try every word in vain
    return _CONTACT.sub(_no_break, escaped)


def _no_break(match: re.Match[str]) -> str:
    return f"{NO_BREAK}{match.group(0)}</span>"
