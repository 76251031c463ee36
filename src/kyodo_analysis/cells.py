"""One free-text cell → its items: HTML residue, bullet marks, line breaks and PDF spaces."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Bullet marks that start an item, but only at the start of a line or after whitespace:
# 社会参加・市民活動 is one word, not two items.
BULLET_MARKS = "・･●○〇◆■◇□"
_NUMBERED = r"\d{1,2}[.．](?!\d)|\d{1,2}[)）]|[(（]\d{1,2}[)）]|[\u2460-\u2473]"
_MARK = re.compile(rf"(?:(?<=\s)|^)(?P<mark>[{BULLET_MARKS}]|-(?!\d)|{_NUMBERED})")

# Tags whose start or end is an item boundary; every other tag is dropped silently.
_BREAK_TAGS = frozenset({"li", "br", "p", "div", "ul", "ol", "tr", "td", "dd", "dt"})

# A space between two Japanese characters is a PDF copy artefact (シ ンポジ ウム);
# spaces next to Latin letters or digits are real (例 CoCoLoの会).
_JA = (r"\u3001-\u303f\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
       r"\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff9f")
_JA_SPACE = re.compile(rf"(?<=[{_JA}])[^\S\n]+(?=[{_JA}])")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Piece:
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


def html_text(cell: str) -> str:
    """The cell's text with tags removed, entities unescaped and block tags as line breaks."""
    if "<" not in cell and "&" not in cell:
        return cell
    parser = _TextExtractor()
    parser.feed(cell)
    parser.close()
    return "".join(parser.parts).replace("\xa0", " ")


def split_pieces(cell: str) -> list[Piece]:
    """Every piece of a cell in order, including pieces whose text is empty (a lone bullet)."""
    pieces: list[Piece] = []
    for line in re.split(r"\r\n|\r|\n", html_text(cell)):
        starts = [(m.start("mark"), m.group("mark")) for m in _MARK.finditer(line)]
        bounds = [(0, ""), *starts] if not starts or starts[0][0] != 0 else starts
        for i, (start, mark) in enumerate(bounds):
            end = bounds[i + 1][0] if i + 1 < len(bounds) else len(line)
            raw = line[start + len(mark):end].strip()
            text = _JA_SPACE.sub("", raw) if (" " in raw or "\u3000" in raw or "\t" in raw) else raw
            if raw or mark:
                pieces.append(Piece(mark, text, raw if text != raw else ""))
    return pieces


def split_items(cell: str) -> list[Piece]:
    """The items of a cell: pieces with text, in order."""
    return [p for p in split_pieces(cell) if p.text]


def without_whitespace(text: str) -> str:
    return _WS.sub("", text)
