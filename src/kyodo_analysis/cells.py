"""One free-text cell → its items (one program's cells → its item rows): HTML residue, bullet marks, line breaks,
PDF spaces.

What is removed from a cell, and nothing else:
- markup: real HTML tags (``<li>``, ``<br>``, ``<ul style=…>`` …; block tags end an item; a one-letter
  tag only in lower case), HTML comments, and character references that end in ``;`` (``&amp;`` → ``&``;
  a reference to a control character, ``&#x1;``, becomes that character, which cleaning then refuses —
  HTML's own rule would drop it without a trace).
  ``<NPO>``, ``<A>案``, ``&region=`` and ``<![CDATA[…]]>`` are text;
- the bullet mark that opens an item: at the start of a line, or after whitespace or a sentence's end when the
  cell is a list of items opened by the same kind of mark (``・A ・B``, ``①A。②B。``); ``金額は 〇 円`` keeps its 〇;
- whitespace around an item (zero-width spaces are spaces), and spaces between two Japanese characters (a PDF
  copy artefact, logged).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import InputError, control_character, unusable

if TYPE_CHECKING:
    from .cleaning import _Program

BULLET_MARKS = "・･●○〇◯◆■◇□•◎▪▶★☆"
NOTE_MARK = "※"  # a note on the item above, not an item of its own
_NUMBERED = {"dot": r"\d{1,2}[.．](?!\d)", "paren": r"\d{1,2}[)）]", "parens": r"[(（]\d{1,2}[)）]",
             "circled": r"[\u2460-\u2473]", "parenthesized": r"[\u2474-\u2487]"}  # ① … ⑳, ⑴ … ⒇
SEQUENCED = frozenset({"circled", "parenthesized"})  # one character per number: ② follows ① unmistakably
MARK = rf"[{BULLET_MARKS}](?![{BULLET_MARKS}])|-(?!\d)|" + "|".join(_NUMBERED.values())  # ○○地区, ★★☆: no mark
_MARK_AT_START = re.compile(rf"\s*(?P<mark>{MARK})")
# A line that is only a short heading in brackets (【主な成果】, ＜課題＞) heads the items under it; it is none itself
# (a hostile tester: it was an item, counting 成果 as a word, and it hid the list's marks below or after it).
_HEADING = re.compile(r"[【＜〈《〔［\[][^【】＜＞〈〉《》〔〕［］\[\]]{1,20}[】＞〉》〕］\]]")
_HEADING_BEFORE_MARK = re.compile(rf"\s*(?P<heading>{_HEADING.pattern})\s*(?={MARK})")
SENTENCE_ENDS = "。．！？!?"
_MARK_AFTER_BREAK = re.compile(rf"(?<=[\s{SENTENCE_ENDS}])(?P<mark>{MARK})")  # after whitespace or a sentence's end
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
# Zero-width spaces copied from web pages and PDFs (U+200B, the word joiner U+2060, a byte-order mark inside a cell)
# are removed: they never hide a bullet, make an item of their own or indent a line (hostile testers). The joiners
# U+200C/U+200D stay (they join an emoji's parts).
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff]")


class Piece(NamedTuple):
    """One item as found in a cell: the mark that opened it and its cleaned text."""

    mark: str
    text: str
    removed_spaces: str = ""  # the text before PDF spaces were removed, when any were
    heading: bool = False  # a line that is only a bracketed heading (【主な成果】): no item, logged


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
    for found in _next_marks(rest, kind, mark):
        out.append((mark, rest[at:found.start()]))
        mark, at = found[0], found.end()
    return [*out, (mark, rest[at:])]


def _next_marks(rest: str, kind: str, mark: str) -> Iterator[re.Match]:
    """The marks of the cell's list ``kind`` that open the next item in ``rest``: after whitespace or a sentence's
    end, and for numbers in circles or brackets also the next number glued to the text (①A②B: a hostile tester's
    city wrote them so, and ② left in the text made 民生委員 a counter's 委員)."""
    if kind not in SEQUENCED:
        yield from (found for found in _MARK_AFTER_BREAK.finditer(rest) if mark_kind(found["mark"]) == kind)
        return
    at = 0
    for found in re.finditer(_NUMBERED[kind], rest):
        before = rest[found.start() - 1:found.start()]
        after_break = bool(before) and (before.isspace() or before in SENTENCE_ENDS)
        if after_break or (mark and ord(found[0]) == ord(mark[-1]) + 1 and _ends_a_sentence(rest[at:found.start()])):
            yield found
            mark, at = found[0], found.end()


def _ends_a_sentence(piece: str) -> bool:
    """Whether a glued number may open the next item after ``piece``: the piece ends as a sentence does (in kana:
    強化された②…, 進んだ③…), holds one (four characters or more) and no bracket is open. A reference stays text
    (「（詳細は②参照）」, 「①、②とも」, 「①と②の事業」: a hostile tester)."""
    depth = sum(piece.count(c) for c in "（(「『") - sum(piece.count(c) for c in "）)」』")
    return len(piece) >= 4 and depth <= 0 and "\u3041" <= piece[-1] <= "\u309f"


def split_pieces(cell: str, separate_notes: bool = False) -> list[Piece]:
    """Every piece of a cell in order, including pieces whose text is empty (a lone bullet).

    A line that begins with ※ (a note) belongs to the item above it, joined by a space, unless
    ``separate_notes``; in a list, a line without a mark that is indented carries the item above on (a wrapped
    bullet, a hostile tester); a cell without bullets is one item per line."""
    lines = [part for line in _LINE_BREAK.split(_ZERO_WIDTH.sub("", html_text(cell))) for part in _heading_apart(line)]
    first = next((_MARK_AT_START.match(line) for line in lines if line.strip() and not _HEADING.fullmatch(line.strip())),
                 None)
    kind = mark_kind(first["mark"]) if first else None  # a cell that opens with a mark is a list of such items
    pieces: list[Piece] = []
    for line in lines:
        for mark, raw in _line_pieces(line, kind):
            raw = raw.strip()
            text = _JA_SPACE.sub("", raw)
            if not (raw or mark):
                continue
            if kind and not mark and line[:1].isspace() and _carries_on(pieces, text):
                above = pieces[-1]  # an indented line goes on; the PDF spaces either part lost are still logged
                before = _wrapped(above.removed_spaces or above.text, raw) if (above.removed_spaces or raw != text) else ""
                pieces[-1] = above._replace(text=_wrapped(above.text, text), removed_spaces=before)
                continue
            if not mark and text.startswith(NOTE_MARK) and pieces and pieces[-1].text and not separate_notes:
                above = pieces[-1]
                joined, before = f"{above.text} {text}", f"{above.removed_spaces or above.text} {raw}"
                pieces[-1] = Piece(above.mark, joined, before if before != joined else "")
                continue
            pieces.append(Piece(mark, text, raw if text != raw else "", not mark and bool(_HEADING.fullmatch(text))))
    return _headed(pieces)


def _headed(pieces: list[Piece]) -> list[Piece]:
    """The pieces with a heading only where an item follows it in the cell: a cell of bracketed lines alone
    (【参加者の増加】⏎【新たな担い手の発掘】) is a list of items, not of headings (a hostile tester: 0 items)."""
    out, follows = [], False
    for piece in reversed(pieces):
        out.append(piece if follows or not piece.heading else piece._replace(heading=False))
        follows = follows or (bool(piece.text) and not piece.heading)
    return out[::-1]


# What a cell says when it names nothing: 「なし」 is not one limitation (a hostile tester: it made a program count as
# having one). Compared whole, after whitespace and a closing 。 are dropped; 同上 (the same as above) is content.
NONE_WRITTEN = frozenset({"なし", "無し", "無", "特になし", "特に無し", "とくになし", "特にない", "とくにない", "該当なし",
                          "該当無し", "該当無", "問題なし", "特に問題なし", "特記事項なし", "記載なし", "ありません",
                          "特にありません", "－", "ー", "―", "—", "‐"})


def none_written(text: str) -> bool:
    """Whether an item's whole text says there is none (「なし」「特になし」「－」): no item, logged."""
    bare = without_whitespace(text).rstrip("。．")
    return bare.removeprefix("（").removesuffix("）").removeprefix("(").removesuffix(")") in NONE_WRITTEN  # （なし） too


def _heading_apart(line: str) -> list[str]:
    """A line opening with a heading glued to a list (＜成果＞①A②B): the heading and the list as two lines."""
    found = _HEADING_BEFORE_MARK.match(line)
    return [found["heading"], line[found.end("heading"):]] if found else [line]


def _carries_on(pieces: list[Piece], text: str) -> bool:
    """Whether an indented line without a mark carries on the item above: there is one (not a heading), it stops
    mid-sentence (on 、 or an open bracket) or both sides are Latin letters, and the line is no ※ note (a line
    starting in kana may be a word of its own: まちづくり講座). An indented line after a whole phrase is an item
    of its own (「　－初任者研修」 under 「研修を実施した」: a hostile tester)."""
    if not pieces or not pieces[-1].text or pieces[-1].heading or text.startswith(NOTE_MARK):
        return False
    above = pieces[-1].text
    latin = above[-1].isascii() and above[-1].isalpha() and text[:1].isascii() and text[:1].isalpha()
    return above[-1] in "、，,（(「『・" or latin  # Wi-Fi ⏎ Zone: one phrase


def _wrapped(above: str, line: str) -> str:
    """An item and the indented line that carries it on (a long bullet wrapped by Alt+Enter and a full-width
    space): joined as they read, with a space only between Latin letters or digits."""
    latin = above[-1:].isascii() and above[-1:].isalnum() and line[:1].isascii() and line[:1].isalnum()
    return f"{above} {line}" if latin else above + line


def split_items(cell: str, separate_notes: bool = False) -> list[Piece]:
    """The items of a cell: pieces with text, in order."""
    return [p for p in split_pieces(cell, separate_notes) if p.text]


def unbracketed(text: str) -> str:
    """A short bracketed heading's inside (【福祉】 → 福祉), or the text as it is."""
    return text[1:-1].strip() if _HEADING.fullmatch(text) else text


def blank_cell(text: str) -> bool:
    """A cell holding only whitespace and zero-width characters: an empty cell (a row of one such cell is blank)."""
    return not _ZERO_WIDTH.sub("", text).strip()


def without_whitespace(text: str) -> str:
    return _WS.sub("", text)


def check_text(path: Path, line: int | None, what: str, text: str) -> str:
    """``text`` when it holds no control character (one can arrive through a reference such as ``&#x1;``):
    such a character breaks the workbook and hides in every report, so it is refused where it is read."""
    found = control_character(text)
    if found:
        raise InputError(path, f"{what}に{unusable(found.group())} があります: {text[:found.start()][-20:]}…",
                         line=line, hint="その文字 (文字参照 &#x1; などを含む) を消して保存し直してください。")
    return text


def item_prefix(path: Path) -> str:
    """The start of the table's item ids: its file name without the extension, each run of whitespace written
    as ``_`` (令和7年度 協働の成果等 → 令和7年度_協働の成果等). Lists of item ids (``item_ids``) are separated by
    spaces, so an id never holds one."""
    return "_".join(path.stem.split())


def program_items(path: Path, program: _Program, present: list[str], separate_notes: bool = False
                  ) -> tuple[list[dict], list[dict], dict[str, int]]:
    """One program's items (each aspect cell split into its items), their log rows and counts per aspect."""
    items, log, counts = [], [], {}
    for aspect in present:
        item_no = 0
        for line, cell in program.cells[aspect]:
            for n, piece in enumerate(split_items(cell, separate_notes)):
                if n == 0 and item_no and not separate_notes and not piece.mark and piece.text.startswith(NOTE_MARK):
                    items[-1]["text"] += f" {piece.text}"  # a later row's ※ line: the note on the item above, as in one cell
                    continue
                if piece.heading:
                    log.append({"line": line, "action": "dropped", "category": "heading", "program_no": program.no,
                                "note": f"{aspect}: セルの中の見出し (項目に数えない)", "text": piece.text})
                    continue
                if none_written(piece.text):
                    log.append({"line": line, "action": "dropped", "category": "none_written", "program_no": program.no,
                                "note": f"{aspect}: 何もないという記入 (項目に数えない)", "text": piece.text})
                    continue
                item_no += 1
                check_text(path, line, f"NO {program.no} の項目", piece.text)
                items.append({"item_id": f"{item_prefix(path)}-{program.no:02d}-{aspect}-{item_no:02d}", "source_line": line,
                              "aspect": aspect, "item_no": item_no, "text": piece.text})
                if piece.removed_spaces:
                    note = f"{aspect} 項目{item_no}: 日本語の文字の間の空白を削除 (PDF 由来): {piece.removed_spaces}"
                    log.append({"line": line, "action": "kept", "category": "space_removed",
                                "program_no": program.no, "note": note, "text": piece.text})
        counts[aspect] = item_no
    return items, log, counts
