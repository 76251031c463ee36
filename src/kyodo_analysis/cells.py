"""One free-text cell → its items: HTML residue, bullet marks, line breaks and PDF spaces."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import NamedTuple

# Bullet marks that start an item, but only at the start of a line or after whitespace:
# 社会参加・市民活動 is one word, not two items.
BULLET_MARKS = "・･●○〇◆■◇□"
_NUMBERED = r"\d{1,2}[.．](?!\d)|\d{1,2}[)）]|[(（]\d{1,2}[)）]|[\u2460-\u2473]"
MARK = rf"[{BULLET_MARKS}]|-(?!\d)|{_NUMBERED}"
# Whitespace as a literal class: the characters of ``\s`` (both are ``str.isspace``; U+3000 is the last),
# but listed, so the regex engine skips to the next candidate at C speed instead of testing each
# character's Unicode category. A mark is split off together with the whitespace (or line break) before it.
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# A boundary: whitespace (CRLF as one) followed by a mark, or a line break (CRLF, CR or LF) on its own.
_BOUNDARY = re.compile(rf"[{re.escape(_SPACES)}](?:(?<=\r)\n)?(?:(?P<mark>{MARK})|(?<=[\r\n]))")

# Tags whose start or end is an item boundary; every other tag is dropped silently.
_BREAK_TAGS = frozenset({"li", "br", "p", "div", "ul", "ol", "tr", "td", "dd", "dt"})

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


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BREAK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


# A start or end tag with plain attributes, as spreadsheet exports leave behind (<ul style="…">, </li>);
# anything else (self-closing tags, comments, entities, a lone "<") goes to the HTML parser.
_SIMPLE_TAG = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9]*)  # start or end, tag name
                             (?:\s+[A-Za-z_:][-\w:.]*(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'=<>`]+))?)*  # attributes
                             \s*>""", re.VERBOSE)
_RAW_TEXT_TAGS = re.compile(r"<\s*/?\s*(?:script|style|textarea|title)\b", re.IGNORECASE)


def html_text(cell: str) -> str:
    """The cell's text with tags removed, entities unescaped and block tags as line breaks."""
    if "<" not in cell and "&" not in cell:
        return cell
    if "&" not in cell and not _RAW_TEXT_TAGS.search(cell):
        # Only simple tags and no entities: the same result as the HTML parser, without its per-tag Python.
        text = _SIMPLE_TAG.sub(lambda tag: "\n" if tag.group(2).lower() in _BREAK_TAGS else "", cell)
        if "<" not in text:
            return text.replace("\xa0", " ")
    return parsed_text(cell)


def parsed_text(cell: str) -> str:
    """``html_text`` by Python's HTML parser: tags removed, entities unescaped, block tags as line breaks."""
    parser = _TextExtractor()
    parser.feed(cell)
    parser.close()
    return "".join(parser.parts).replace("\xa0", " ")


def split_pieces(cell: str) -> list[Piece]:
    """Every piece of a cell in order, including pieces whose text is empty (a lone bullet)."""
    pieces: list[Piece] = []
    # Text, then mark (None after a plain line break), text, mark, text, …: a piece ends at a line break or
    # a mark; the space in front lets a mark at the very start count too. Only the whitespace before a mark
    # is dropped with it, and every piece's text is stripped anyway.
    parts = _BOUNDARY.split(" " + html_text(cell))
    for k in range(0, len(parts), 2):
        mark = (parts[k - 1] or "") if k else ""
        raw = parts[k].strip()
        text = _JA_SPACE.sub("", raw) if (" " in raw or "\u3000" in raw or "\t" in raw) else raw
        if raw or mark:
            pieces.append(Piece(mark, text, raw if text != raw else ""))
    return pieces


def split_items(cell: str) -> list[Piece]:
    """The items of a cell: pieces with text, in order."""
    return [p for p in split_pieces(cell) if p.text]


def without_whitespace(text: str) -> str:
    return _WS.sub("", text)
