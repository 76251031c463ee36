"""Nothing lost: every character of every data cell is in an item, a bullet mark, HTML markup or whitespace."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kyodo_analysis.cells import BULLET_MARKS, MARK, html_text, parsed_text, split_items, split_pieces, without_whitespace
from kyodo_analysis.cleaning import clean_table, split_records
from kyodo_analysis.schema import ASPECTS

from .conftest import RAW

MARKS = [*BULLET_MARKS, "-", "1.", "2)", "(3)", "④"]


def residue(cell: str) -> str:
    """The cell minus HTML markup and whitespace: what the items plus their marks must add up to."""
    return without_whitespace(html_text(cell))


def test_bundled_cells_are_fully_accounted_for():
    table = clean_table(RAW)
    records = {r.first_line: r for r in split_records(RAW, RAW.read_text(encoding="utf-8"))}
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
# with a bullet mark or a number pattern, never blank.
_CHARS = st.sampled_from([*"市民協働のあいうアイウ補助金知名度ステップZenCoCoLo・、。()「」⇒-", "Wi-Fi", "12"])
_ITEM = st.lists(_CHARS, min_size=1, max_size=12).map("".join).filter(
    lambda t: not re.match(r"[・･●○〇◆■◇□\-(（\d①-⑳]", t) and t.strip() and not re.search(r"\s", t))


@settings(max_examples=300, deadline=None)
@given(items=st.lists(_ITEM, min_size=1, max_size=6), marks=st.lists(st.sampled_from(MARKS), min_size=6, max_size=6),
       separators=st.lists(st.sampled_from([" ", "\n", "\u3000", "  ", "<br>", "</li><li>"]), min_size=6, max_size=6),
       wrap=st.booleans())
def test_generated_cells_split_into_exactly_their_items(items, marks, separators, wrap):
    cell = "".join(f"{separators[i]}{marks[i]}{' ' if marks[i][-1] in '.)' else ''}{text}"
                   for i, text in enumerate(items))
    if wrap:
        cell = f'<ul style="list-style-type: none">{cell} </ul>'
    got = split_items(cell)
    assert [p.text for p in got] == items
    assert [p.mark for p in got] == marks[: len(items)]
    assert "".join(p.mark + p.text for p in got) == residue(cell)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("協働あア・Zen ()\n-1.①<>&;bru")), max_size=40))
def test_any_cell_loses_only_marks_markup_and_whitespace(cell):
    pieces = split_pieces(cell)
    assert "".join(p.mark + without_whitespace(p.text) for p in pieces) == residue(cell)


_MARKUP = ["<ul>", "</ul>", '<UL style="list-style-type: none">', "<li>", "</li>", "<br>", "<br/>", "<p class=x>",
           "<span>", "</span>", "<a href=x/>", "<div id='a\"b'>", '<ul style="a>b">', "<", ">", " ", "\n", "\xa0",
           "・", "補助金", "&amp;", "&", "<!-- c -->", "<script>", "</script>", '<td\nclass="q">', "</td >", "<x-y>",
           "< b>", "<ul a = 'b' c>", "</br>", "<!DOCTYPE html>"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_MARKUP), min_size=1, max_size=8))
def test_the_fast_path_for_simple_tags_equals_the_html_parser(parts):
    cell = "".join(parts)
    if "<" in cell or "&" in cell:
        assert html_text(cell) == parsed_text(cell)


_BY_DEFINITION = re.compile(rf"(?:(?<=\s)|^)(?P<mark>{MARK})")  # a mark at a line's start or after any whitespace
_SPACES = [c for c in map(chr, range(0x110000)) if c.isspace()]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*BULLET_MARKS, "-", "1", "12", "123", ".", "．", ")", "）", "(", "（", "①", "⑳",
                                 "協働", "ア", "Z", "・・", "\r\n", "\r\n・", *_SPACES]), max_size=14).map("".join))
@example("協働\r\n・ア\n\n1. Z\u3000(2)ア")
def test_marks_are_found_where_the_definition_puts_them(cell):
    """The fast splitter (whitespace as a literal class) finds the marks the plain definition finds."""
    expected = []
    for line in re.split(r"\r\n|\r|\n", cell):
        parts = _BY_DEFINITION.split(line)
        pieces = [(parts[k - 1] if k else "", parts[k].strip()) for k in range(0, len(parts), 2)]
        expected += [(mark, text) for mark, text in pieces if mark or text]
    assert [(p.mark, p.removed_spaces or p.text) for p in split_pieces(cell)] == expected
