"""Nothing lost: every character of every data cell is in an item, a bullet mark, HTML markup or whitespace."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_analysis.cells import BULLET_MARKS, html_text, split_items, split_pieces, without_whitespace
from kyodo_analysis.cleaning import clean_table
from kyodo_analysis.readers import text_records
from kyodo_analysis.schema import ZUSHI_ASPECTS as ASPECTS

from .conftest import RAW

MARKS = [*BULLET_MARKS, "-", "1.", "2)", "(3)", "④"]


def residue(cell: str) -> str:
    """The cell minus HTML markup and whitespace: what the items plus their marks must add up to."""
    return without_whitespace(html_text(cell))


def test_bundled_cells_are_fully_accounted_for():
    table = clean_table(RAW)
    records = {r.first_line: r for r in text_records(RAW, RAW.read_text(encoding="utf-8"))}
    columns = {"effect": 3, "limitation": 4, "next_step": 5}
    n_cells = 0
    for program in table.programs.itertuples():
        record = records[program.source_line]
        for aspect in ASPECTS:
            cell = record.cells[columns[aspect]]
            pieces = split_pieces(cell)
            assert "".join(p.mark + without_whitespace(p.text) for p in pieces) == residue(cell)
            assert all(p.mark == "・" for p in pieces)
            items = table.items[(table.items["program_no"] == program.program_no) & (table.items["aspect"] == aspect)]
            assert "".join(items["text"]) == "".join(p.text for p in pieces if p.text)
            assert without_whitespace("".join(items["text"])) == residue(cell).replace("・", "")
            n_cells += 1
    assert n_cells == 24


# Item text: Japanese, Latin, digits and inner punctuation (including ・ inside words), never starting
# with a bullet mark or a number pattern, never blank, and never with a mark after a sentence's end (。・ opens
# an item by the README's rule: 「文末 (。) の後の同じ種類の記号で区切ります」).
_CHARS = st.sampled_from([*"市民協働のあいうアイウ補助金知名度ステップZenCoCoLo・、。()「」⇒-", "Wi-Fi", "12"])
_MARK_START = r"[・･●○〇◆■◇□\-(（\d①-⑳]"
_ITEM = st.lists(_CHARS, min_size=1, max_size=12).map("".join).filter(
    lambda t: not re.match(_MARK_START, t) and t.strip() and not re.search(r"\s", t) and not re.search("。" + _MARK_START, t))


@settings(max_examples=300, deadline=None)
@given(items=st.lists(_ITEM, min_size=1, max_size=6), mark=st.sampled_from(MARKS),
       separators=st.lists(st.sampled_from([" ", "\n", "\u3000", "  ", "<br>", "</li><li>"]), min_size=6, max_size=6),
       wrap=st.booleans())
def test_generated_cells_split_into_exactly_their_items(items, mark, separators, wrap):
    """A list of items opened by one kind of mark, separated by spaces, line breaks or block tags."""
    marks = [mark if mark in BULLET_MARKS or mark == "-" else _numbered(mark, k + 1) for k in range(len(items))]
    cell = "".join(f"{separators[i]}{marks[i]}{' ' if marks[i][-1] in '.)' else ''}{text}"
                   for i, text in enumerate(items))
    if wrap:
        cell = f'<ul style="list-style-type: none">{cell} </ul>'
    got = split_items(cell)
    assert [p.text for p in got] == items
    assert [p.mark for p in got] == marks
    assert "".join(p.mark + p.text for p in got) == residue(cell)


def _numbered(style: str, n: int) -> str:
    """The ``n``-th mark of a numbering style given by its first mark."""
    return {"1.": f"{n}.", "2)": f"{n})", "(3)": f"({n})", "④": chr(0x2460 + n - 1)}[style]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("協働あア・Zen ()\n-1.①<>&;brulNPO")), max_size=40))
def test_any_cell_loses_only_marks_markup_and_whitespace(cell):
    pieces = split_pieces(cell)
    assert "".join(p.mark + without_whitespace(p.text) for p in pieces) == residue(cell)


@pytest.mark.parametrize("cell,items", [
    ("<NPO>法人が活動", ["<NPO>法人が活動"]),  # not an HTML element: text
    ("<A>案と<B>案", ["<A>案と<B>案"]),  # one capital letter: a label, not a tag
    ("http://x?a=1&region=2", ["http://x?a=1&region=2"]),  # a reference needs its ";"
    ("<![CDATA[重要]]>", ["<![CDATA[重要]]>"]),
    ("金額は 1 〇 円の予算", ["金額は 1 〇円の予算"]),  # 〇 mid-sentence is text (the cell is no list); the PDF space is logged
    ("・A ・B 〇 C", ["A", "B 〇 C"]),  # in a ・ list, 〇 after a space is text
    ('<ul style="x"><li>A</li><li>B &amp; C</li></ul>', ["A", "B & C"]),
    ("&lt;script&gt;", ["<script>"]),
    ("<!-- メモ -->本文", ["本文"]),
    ("1. 予算 2. 人材", ["予算", "人材"]),
    # a mark of the cell's list after a sentence's end opens an item, as after a space: no item merged silently
    ("①32か所で開催された。②外出の機会となった。", ["32か所で開催された。", "外出の機会となった。"]),
    ("(1)講座を開いた。(2)名簿を作った", ["講座を開いた。", "名簿を作った"]),
    ("・周知した！・参加が増えた", ["周知した！", "参加が増えた"]),
    ("①予算は前年の1.2倍。3.5億円", ["予算は前年の1.2倍。3.5億円"]),  # 3.5 is no mark (a digit follows)
    ("・協働の推進。②の事業と連携", ["協働の推進。②の事業と連携"]),  # a mark of another kind is text
])
def test_only_markup_is_removed(cell, items):
    assert [p.text for p in split_items(cell)] == items


def test_a_pdf_space_removed_between_japanese_characters_is_logged(tmp_path, raw_text):
    path = tmp_path / "t.tsv"
    path.write_text(raw_text.replace("・補助金を活用し", "・補助金を活 用し", 1), encoding="utf-8")
    table = clean_table(path)
    assert table.items["text"].iloc[0].startswith("補助金を活用し")
    logged = table.log[table.log["category"] == "space_removed"]
    assert len(logged) == 1 and "補助金を活 用し" in logged["note"].iloc[0]
