"""Plain template text to HTML for emails and letters: one source, both forms.

Paragraphs are separated by a blank line; inside a paragraph, lines starting with "- " form
a bullet list. Everything is escaped first, so personalisation can never inject markup.
"""

from __future__ import annotations

from html import escape
from itertools import groupby


def text_to_html(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [block for block in text.strip().split("\n\n") if block.strip()]
    return "\n".join(_block_to_html(block) for block in blocks)


def _block_to_html(block: str) -> str:
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    parts = []
    for is_item, run in groupby(lines, key=lambda line: line.startswith("- ")):
        group = list(run)
        if is_item:
            items = "".join(f"<li>{escape(line[2:].strip())}</li>" for line in group)
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append("<p>" + "<br>\n".join(escape(line) for line in group) + "</p>")
    return "\n".join(parts)
