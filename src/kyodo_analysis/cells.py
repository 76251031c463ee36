"""One free-text cell → its items: HTML residue, bullet marks, line breaks and PDF spaces.

What is removed from a cell, and nothing else:
- markup: real HTML tags (``<li>``, ``<br>``, ``<ul style=…>`` …; block tags end an item; a one-letter
  tag only in lower case), HTML comments, and character references that end in ``;`` (``&amp;`` → ``&``;
  a reference to a control character, ``&#x1;``, becomes that character, which cleaning then refuses —
  HTML's own rule would drop it without a trace).
  ``<NPO>``, ``<A>案``, ``&region=`` and ``<![CDATA[…]]>`` are text;
- the bullet mark that opens an item: at the start of a line, or after whitespace or a sentence's end when the
  cell is a list of items opened by the same kind of mark (``・A ・B``, ``①A。②B。``); ``金額は 〇 円`` keeps its 〇;
- whitespace around an item, and spaces between two Japanese characters (a PDF copy artefact, logged).
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

from .errors import control_character

BULLET_MARKS = "・･●○〇◆■◇□•◎▪▶"
NOTE_MARK = "※"  # a note on the item above, not an item of its own
_NUMBERED = {"dot": r"\d{1,2}[.．](?!\d)", "paren": r"\d{1,2}[)）]", "parens": r"[(（]\d{1,2}[)）]",
             "circled": r"[\u2460-\u2473]"}
MARK = rf"[{BULLET_MARKS}]|-(?!\d)|" + "|".join(_NUMBERED.values())
_MARK_AT_START = re.compile(rf"\s*(?P<mark>{MARK})")
_MARK_AFTER_BREAK = re.compile(rf"(?<=[\s。．！？!?])(?P<mark>{MARK})")  # after whitespace or a sentence's end
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Real HTML element names: a tag is markup only if it names one of them.
HTML_TAGS = frozenset(
    "a abbr b big blockquote body br caption center code col colgroup dd del div dl dt em font h1 h2 h3 h4 h5 "
    "h6 head hr html i img ins li link mark meta ol p pre q s small span strike strong style sub sup table "
    "tbody td tfoot th thead title tr tt u ul".split())
BREAK_TAGS = frozenset({"li", "br", "p", "div", "ul", "ol", "tr", "td", "th", "dd", "dt", "h1", "h2", "h3",
                        "h4", "h5", "h6", "table", "blockquote", "pre", "hr"})
_MARKUP = re.compile(r"""<(?P<end>/?)(?P<name>[A-Za-z][A-Za-z0-9]*)(?:\s+(?:[^<>"']|"[^"]*"|'[^']*')*)?\s*/?>
                        |<!--.*?-->|<!DOCTYPE[^<>]*>
                        |&(?:\#\d+|\#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);""", re.VERBOSE | re.DOTALL | re.IGNORECASE)

# A space between two Japanese characters is a PDF copy artefact (シ ンポジ ウム);
# spaces next to Latin letters or digits are real (例 CoCoLoの会).
_JA = (r"\u3001-\u303f\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
       r"\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff9f")
_JA_SPACE = re.compile(rf"(?<=[{_JA}])[^\S\n]+(?=[{_JA}])")
_WS = re.compile(r"\s+")


class Piece(NamedTuple):
    """One item as found in a cell: the mark that opened it and its cleaned text."""

    mark: str
    text: str
    removed_spaces: str = ""  # the text before PDF spaces were removed, when any were


def _unmarked(match: re.Match) -> str:
    """What one piece of markup leaves in the text: a line break for a block tag, a character for a reference."""
    found = match.group(0)
    if found.startswith("&#"):
        digits = found[2:-1]
        code = int(digits[1:], 16) if digits[:1] in "xX" else int(digits)
        if code < 0x110000 and control_character(chr(code)):
            return chr(code)
    if found.startswith("&"):
        return html.unescape(found)
    if found.startswith("<!"):
        return ""
    name = match.group("name")
    if name.lower() not in HTML_TAGS or (len(name) == 1 and name.isupper()):
        return found  # <NPO>, <A>案: text that looks like a tag
    name = name.lower()
    return "\n" if name in BREAK_TAGS else ""


def html_text(cell: str) -> str:
    """The cell's text with markup removed (see the module's docstring); no-break spaces become spaces."""
    if "<" not in cell and "&" not in cell:
        return cell
    return _MARKUP.sub(_unmarked, cell).replace("\xa0", " ")


def mark_kind(mark: str) -> str:
    """Which kind of list a mark belongs to: the symbol itself, or the numbering style (1. / 1) / (1) / ①)."""
    for kind, pattern in _NUMBERED.items():
        if re.fullmatch(pattern, mark):
            return kind
    return mark


def _line_pieces(line: str, kind: str | None) -> list[tuple[str, str]]:
    """(mark, raw text) of one line: a mark at its start opens an item, and so does a mark of the cell's
    list ``kind`` after whitespace or a sentence's end (。)."""
    start = _MARK_AT_START.match(line)
    pieces = [("", line)] if start is None else [(start["mark"], line[start.end():])]
    if kind is None:
        return pieces
    mark, rest = pieces[0]
    out, at = [], 0
    for found in _MARK_AFTER_BREAK.finditer(rest):
        if mark_kind(found["mark"]) == kind:
            out.append((mark, rest[at:found.start()]))
            mark, at = found["mark"], found.end()
    return [*out, (mark, rest[at:])]


def split_pieces(cell: str, separate_notes: bool = False) -> list[Piece]:
    """Every piece of a cell in order, including pieces whose text is empty (a lone bullet).

    A line that begins with ※ (a note) belongs to the item above it, joined by a space, unless
    ``separate_notes``; a cell without bullets is one item per line."""
    lines = _LINE_BREAK.split(html_text(cell))
    first = next((_MARK_AT_START.match(line) for line in lines if line.strip()), None)
    kind = mark_kind(first["mark"]) if first else None  # a cell that opens with a mark is a list of such items
    pieces: list[Piece] = []
    for line in lines:
        for mark, raw in _line_pieces(line, kind):
            raw = raw.strip()
            text = _JA_SPACE.sub("", raw)
            if not (raw or mark):
                continue
            if not mark and text.startswith(NOTE_MARK) and pieces and pieces[-1].text and not separate_notes:
                above = pieces[-1]
                joined, before = f"{above.text} {text}", f"{above.removed_spaces or above.text} {raw}"
                pieces[-1] = Piece(above.mark, joined, before if before != joined else "")
                continue
            pieces.append(Piece(mark, text, raw if text != raw else ""))
    return pieces


def split_items(cell: str, separate_notes: bool = False) -> list[Piece]:
    """The items of a cell: pieces with text, in order."""
    return [p for p in split_pieces(cell, separate_notes) if p.text]


def without_whitespace(text: str) -> str:
    return _WS.sub("", text)
