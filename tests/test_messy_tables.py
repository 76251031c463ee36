"""Tables as city halls export them (a hostile tester's cases): what Excel stores in a cell, invisible characters,
「なし」 written for nothing, notes under the table, and a program cut by a repeated header. Each was silently
counted wrong before: an item lost, merged or invented."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kyodo_analysis.cleaning import clean_table
from kyodo_analysis.schema import load_schema

from .conftest import ROOT

HEADER = ["区分", "NO", "事業名", "仕組みとして効果があったこと", "仕組みとして限界があったこと", "今後、必要と考えること"]
C_SCHEMA = ROOT / "tests" / "fixtures" / "other_cities" / "schema_c.toml"


def texts(table, no: int | None = None, aspect: str | None = None) -> list[str]:
    items = table.items
    if no is not None:
        items = items[items["program_no"] == no]
    if aspect is not None:
        items = items[items["aspect"] == aspect]
    return items["text"].tolist()


def tsv(tmp_path: Path, rows: list[list[str]], name: str = "t.tsv") -> Path:
    path = tmp_path / name
    path.write_text("".join("\t".join(f'"{c}"' if "\n" in c else c for c in row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_excels_escaped_carriage_return_and_words_line_break_are_line_breaks(tmp_path):
    """Excel stores the CR of pasted CR LF text as _x000D_ and Word's Shift+Enter as _x000B_; openpyxl leaves both as
    text, which made 「強化された_x000D_」 an item (and x a word) and three bullets one item."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["財政的支援", 1, "見守り", "・見守りが強化された_x000D_\n・連携が進んだ", "・固定化", "・拡大"])
    sheet.append(["財政的支援", 2, "食堂", "・居場所ができた_x000B_・ロスが減った_x000B_・人が増えた", "", ""])
    book.save(tmp_path / "t.xlsx")
    table = clean_table(tmp_path / "t.xlsx")
    assert texts(table, 1, "effect") == ["見守りが強化された", "連携が進んだ"]
    assert texts(table, 2, "effect") == ["居場所ができた", "ロスが減った", "人が増えた"]
    assert not table.items["text"].str.contains("_x00", regex=False).any()


def test_zero_width_characters_are_spaces_never_an_item_or_a_hidden_bullet(tmp_path):
    path = tsv(tmp_path, [HEADER, ["財政的支援", "1", "見守り", "\u200b・見守りが進んだ\n\u200b", "\ufeff・固定化している",
                                   "・連携\u200bを広げる"]])
    table = clean_table(path)
    assert texts(table) == ["見守りが進んだ", "固定化している", "連携を広げる"]


def test_a_cell_that_says_none_is_no_item_and_is_logged(tmp_path):
    """「なし」 made a program count as having one limitation; 同上 (the same as above) is content and stays."""
    path = tsv(tmp_path, [HEADER, ["財政的支援", "1", "見守り", "・進んだ", "なし", "特になし。"],
                          ["財政的支援", "2", "食堂", "・増えた", "－", "同上"]])
    table = clean_table(path)
    assert texts(table) == ["進んだ", "増えた", "同上"]
    assert table.programs.set_index("program_no")["n_limitation"].to_dict() == {1: 0, 2: 0}
    from kyodo_analysis.commands import summary_lines

    assert "  空のセル: NO 1 限界 (「なし」などの記入), NO 1 今後 (「なし」などの記入), NO 2 限界 (「なし」などの記入)" in summary_lines(table)
    logged = table.log[table.log["category"] == "none_written"]
    assert logged["text"].tolist() == ["なし", "特になし。", "－"] and set(logged["action"]) == {"dropped"}


def test_a_note_under_the_table_is_never_a_program_or_an_item_in_any_format(tmp_path):
    """Excel's CSV pads a note row with commas: 「※ 評価は…」 under the NO column stopped the run (NO is not a
    number) and under an item column it became an item of the last program."""
    rows = [HEADER, ["財政的支援", "1", "見守り", "・進んだ", "・固定化", ""], [""] * 6,
            ["※ 評価は担当課による", "", "", "", "", ""], ["", "", "", "※ 成果は主なものを記載", "", ""]]
    path = tmp_path / "t.csv"
    path.write_text("".join(",".join(row) + "\n" for row in rows), encoding="utf-8-sig")
    table = clean_table(path)
    assert texts(table) == ["進んだ", "固定化"] and table.programs["program_no"].tolist() == [1]
    assert [w for w in table.warnings if "の下の注記" in w] == [
        "t.csv: 見出しか表の終わりの前の1セルだけの行は、ページや表の下の注記とみなし、数えません: 5 行目「※ 成果は主なものを記載」"]
    notes = table.log[table.log["note"].str.contains("の下の注記", na=False)]
    assert notes["line"].tolist() == [4, 5] and set(notes["action"]) == {"dropped"}


def test_a_programs_own_note_in_a_later_row_stays_its_item(tmp_path):
    """A ※ line in an item column with programs after it is the program's, attached to the item above as in one
    cell, or its own item with notes = "separate" (hostile testers: dropped as a note, then an item of its own)."""
    rows = [HEADER, ["財政的支援", "1", "見守り", "・進んだ", "・固定化", ""], ["", "", "", "", "※令和5年度は募集を中止", ""],
            ["財政的支援", "2", "食堂", "・増えた", "", ""]]
    table = clean_table(tsv(tmp_path, rows))
    assert texts(table, 1, "limitation") == ["固定化 ※令和5年度は募集を中止"] and not any("注記" in w for w in table.warnings)
    separate = clean_table(tsv(tmp_path, rows), schema=replace(load_schema(None), separate_notes=True))  # notes = "separate"
    assert texts(separate, 1, "limitation") == ["固定化", "※令和5年度は募集を中止"]


def test_a_row_after_a_blank_row_in_a_table_without_numbers_is_a_note_said_on_screen(tmp_path):
    """Without a number column, 「作成：市民協働推進課」 under the table became a program of its own (9 instead of 7)."""
    source = (ROOT / "tests" / "fixtures" / "other_cities" / "kasou_c_tanto_2024.tsv").read_text(encoding="utf-8")
    path = tmp_path / "c.tsv"
    path.write_text(source.rstrip("\n") + "\n\t\t\t\t\n作成：市民協働推進課\t\t\t\t\n", encoding="utf-8")
    schema = load_schema(C_SCHEMA)
    before = clean_table(ROOT / "tests" / "fixtures" / "other_cities" / "kasou_c_tanto_2024.tsv", schema=schema)
    table = clean_table(path, schema=schema)
    assert len(table.programs) == len(before.programs) and table.items["text"].tolist() == before.items["text"].tolist()
    assert any(w.endswith("ページや表の下の注記とみなし、数えません: 9 行目「作成：市民協働推進課」")
               for w in table.warnings)
    # a program with no items yet, after a blank row but with programs below it, stays a program (a hostile tester)
    middle = ["事業名\t担当課\t担当による評価\t課題と改善案\t備考", "公園愛護会支援\t公園課\t愛護会が増えた\t▶ 高齢化\t",
              "\t\t\t\t", "新規：子ども食堂支援\t\t\t\t", "防災訓練協働\t防災課\t連携が進んだ\t▶ 固定化\t"]
    path.write_text("\n".join(middle) + "\n", encoding="utf-8")
    table = clean_table(path, schema=schema)
    assert table.programs["program"].tolist() == ["公園愛護会支援", "新規：子ども食堂支援", "防災訓練協働"]
    assert any("新規：子ども食堂支援) は項目のセルがすべて空です" in w for w in table.warnings)


def test_a_program_cut_by_a_repeated_header_keeps_its_next_row(tmp_path):
    """The row under a repeated header is guidance only when it repeats the first header's guidance; the rest of a
    program a page break cut was dropped as guidance, its items lost without a word."""
    guidance = ["", "", "", "例)色々な世代の人が集まった。", "例)成果が上がらなかった", "(今後の展望)"]
    rows = [HEADER, guidance, ["財政的支援", "1", "見守り", "・進んだ", "", ""], ["財政的支援", "2", "食堂", "・増えた", "", ""],
            HEADER, guidance, ["", "", "", "・居場所ができた", "", ""], HEADER, ["", "", "", "・ボランティアが増えた", "", ""],
            ["財政的支援", "3", "清掃", "・きれいになった", "", ""]]
    table = clean_table(tsv(tmp_path, rows))
    assert texts(table, 2) == ["増えた", "居場所ができた", "ボランティアが増えた"]
    assert table.log[table.log["category"] == "guidance"]["line"].tolist() == [2, 6]
    assert [w for w in table.warnings if "見出しの直下の行" in w] == [
        "t.tsv:9: 繰り返された見出しの直下の行を、前の事業 (NO 2) の続きとして読みます (記入例なら、最初の見出しの下と同じ行にしてください)"]


def test_the_marks_city_tables_use_open_items(tmp_path):
    path = tsv(tmp_path, [HEADER, ["財政的支援", "1", "見守り", "◯見守りが進んだ\n◯連携が進んだ", "⑴固定化 ⑵高齢化", "★拡大"]])
    assert texts(clean_table(path)) == ["見守りが進んだ", "連携が進んだ", "固定化", "高齢化", "拡大"]


def test_the_advice_for_an_unknown_header_with_a_line_break_is_toml_that_reads(tmp_path):
    """「成果⏎（主なもの）」: the hint printed ignore = ["成果⏎（主なもの）"] with a real line break, an error once pasted."""
    import tomllib

    import pytest

    from kyodo_analysis.errors import InputError

    path = tsv(tmp_path, [[*HEADER, "成果\n（主なもの）"], ["財政的支援", "1", "見守り", "・進んだ", "", "", "・地域"]])
    with pytest.raises(InputError) as caught:
        clean_table(path)
    hint = caught.value.hint
    line = hint[hint.index("ignore = "):].split(" と書いて")[0]
    assert tomllib.loads(line) == {"ignore": ["成果（主なもの）"]}


def test_the_methods_name_a_table_read_without_a_manifest_by_its_file():
    from kyodo_analysis.methods import source_text

    assert source_text({"raw_files": [{"file": "sakura_2024.xlsx", "year": 2024}]}) == "sakura_2024.xlsx (2024年度)"
    assert source_text({"raw_files": [{"file": "s.xlsx", "year": 2024, "city": "桜ヶ丘市"}]}) == "桜ヶ丘市の s.xlsx (2024年度)"
    assert source_text({"raw_files": [{"file": "s.xlsx", "year": None, "city": "逗子市", "title": "表"}]}) == \
        "逗子市「表」(s.xlsx, 年度不明)"


def test_a_bullet_wrapped_onto_an_indented_line_is_one_item(tmp_path):
    """Staff wrap a long bullet with Alt+Enter and a full-width space: the half-sentence was an item of its own."""
    path = tsv(tmp_path, [HEADER, ["財政的支援", "1", "見守り", "・見守りが進んだ",
                                   "・担い手の高齢化が進み、\n　新たな担い手の確保が課題である\n・若い世代の参加が少ない\n不定期",
                                   "・館内 Wi-Fi\n  Zone を使う"]])
    assert texts(clean_table(path)) == ["見守りが進んだ", "担い手の高齢化が進み、新たな担い手の確保が課題である",
                                        "若い世代の参加が少ない", "不定期", "館内 Wi-Fi Zone を使う"]  # a line not indented stays an item


def test_numbers_in_circles_glued_to_the_text_open_the_next_item_in_sequence(tmp_path):
    """「①…②…③…」 on one line without spaces was one item, and the ② left in the text made 民生委員 a counter's 委員."""
    from kyodo_analysis.cells import split_items

    cell = "①見守り体制が強化された②民生委員との連携が進んだ③ボランティアが増えた"
    assert [p.text for p in split_items(cell)] == ["見守り体制が強化された", "民生委員との連携が進んだ", "ボランティアが増えた"]
    assert [p.text for p in split_items("⑴固定化している⑵高齢化している")] == ["固定化している", "高齢化している"]
    assert [p.text for p in split_items("・補助率②が上がった")] == ["補助率②が上がった"]  # not a list of numbers
    assert [p.text for p in split_items("①AとB①C")] == ["AとB①C"]  # ① again is not the next number
    # a number glued as a reference stays text (a hostile tester): in brackets, after a particle or a comma
    assert [p.text for p in split_items("①団体の活動が広がった（詳細は②参照）\n②申請が簡単になった")] == [
        "団体の活動が広がった（詳細は②参照）", "申請が簡単になった"]
    assert [p.text for p in split_items("①と②の事業を統合する")] == ["と②の事業を統合する"]
    assert [p.text for p in split_items("①補助率②が上がった")] == ["補助率②が上がった"]


def a_workbook(tmp_path: Path, merge: str) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["分野", "番号", "事業名", "評価", "評価の理由", "委員からの意見"])
    sheet.append(["福祉", 1, "見守り", "A", "• 見守りが進んだ", "• 継続を"])
    sheet.append([None, 2, "食堂", None, "• 居場所ができた", "• 拡大を"])
    sheet.append([None, 3, "清掃", "B", "• きれいになった", None])
    sheet.merge_cells(merge)
    book.save(tmp_path / "a.xlsx")
    return tmp_path / "a.xlsx"


def test_a_value_merged_down_over_two_programs_is_both_programs(tmp_path):
    """A 評価 merged down over two programs read as blank for the second (the value sits in the top cell only)."""
    from kyodo_analysis.schema import load_schema

    schema = load_schema(ROOT / "tests" / "fixtures" / "other_cities" / "schema_a.toml")
    table = clean_table(a_workbook(tmp_path, "D2:D3"), schema=schema)
    assert table.programs["rating"].tolist() == ["A", "A", "B"]
    assert table.programs["support_type"].tolist() == ["福祉"] * 3


def test_an_item_cell_merged_over_two_programs_is_refused_with_its_range(tmp_path):
    """An item cell merged over two programs gave the second program no items, as if it had named none."""
    import pytest

    from kyodo_analysis.errors import InputError
    from kyodo_analysis.schema import load_schema

    schema = load_schema(ROOT / "tests" / "fixtures" / "other_cities" / "schema_a.toml")
    path = a_workbook(tmp_path, "F3:F4")
    with pytest.raises(InputError) as caught:
        clean_table(path, schema=schema)
    assert caught.value.line == 4 and "項目のセル F3:F4 が2つ以上の事業の行にまたがって結合されています" in str(caught.value)
    with pytest.raises(InputError) as caught:  # a name merged over two programs: it said 「事業名が空です」 only
        clean_table(a_workbook(tmp_path, "C3:C4"), schema=schema)
    assert "事業名のセル C3:C4 が2つ以上の事業の行にまたがって結合されています (どの事業の事業名か決められません)" in str(caught.value)


def test_numbers_restarting_in_each_group_are_told_how_to_read_without_them(tmp_path):
    """Numbering each 分野 from 1 is common: the advice was only to edit the raw table."""
    import pytest

    from kyodo_analysis.errors import InputError

    path = tsv(tmp_path, [HEADER, ["財政的支援", "1", "見守り", "・a", "", ""], ["人的支援", "1", "食堂", "・b", "", ""]])
    with pytest.raises(InputError) as caught:
        clean_table(path)
    assert "区分ごとに 1 から番号を振る表なら、スキーマの [columns] から program_no を外し ignore に「NO」を加える" in caught.value.hint


def test_what_a_workbook_holds_beyond_the_rows_read_is_said(tmp_path):
    """A workbook of one sheet per group was read as its first sheet alone; a hidden program was counted; a title
    row's 令和5年度 was never compared with the year the table was read as. Each is now a warning."""
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = "福祉"
    first.append(["令和5年度 協働事業評価表"])
    first.append(HEADER)
    first.append(["財政的支援", 1, "見守り", "・進んだ", "", ""])
    first.append(["財政的支援", 2, "旧事業（廃止）", "・終わった", "", ""])
    first.row_dimensions[4].hidden = True
    other = book.create_sheet("環境")
    other.append(HEADER)
    other.append(["人的支援", 3, "清掃", "・きれいになった", "", ""])
    book.create_sheet("メモ").append(["担当者の覚え書き"])
    book.save(tmp_path / "t.xlsx")
    table = clean_table(tmp_path / "t.xlsx", year=2024)
    assert len(table.programs) == 2  # what is counted does not change
    said = "\n".join(table.warnings)
    assert "t.xlsx: シート「福祉」の表だけを読みました。シート「環境」にも同じ見出しの表があります" in said and "メモ" not in said
    assert "t.xlsx: Excel で非表示の行 (4 行目) にも値があり、ほかの行と同じく読みました" in said
    assert "t.xlsx:1: 表題の行「令和5年度 協働事業評価表」は 2023 年度と読めますが、表は 2024 年度として読みました" in said
    assert not any("表題の行" in w for w in clean_table(tmp_path / "t.xlsx", year=2023).warnings)


def test_a_date_in_a_file_name_is_not_its_fiscal_year():
    """評価表_2024年3月時点 (a file saved in March 2024 holds fiscal 2023) was read as 2024 without a word."""
    from kyodo_analysis.manifest import year_from_name

    assert year_from_name("評価表_2024年3月時点") is None and year_from_name("協働_2024-03-31") is None
    assert year_from_name("協働_2024年度") == 2024 and year_from_name("kyodo_2025") == 2025


def test_a_heading_line_in_a_cell_is_no_item_and_its_list_is_read(tmp_path):
    """「【主な成果】⏎①…⏎②…」: the heading was an item (成果 counted) and hid the list's marks below it."""
    path = tsv(tmp_path, [HEADER, ["財政的支援", "1", "見守り", "【主な成果】\n①見守りが進んだ ②連携が進んだ",
                                   "＜課題＞\n・固定化している", "【継続】を検討する"]])
    table = clean_table(path)
    assert texts(table) == ["見守りが進んだ", "連携が進んだ", "固定化している", "【継続】を検討する"]
    from kyodo_analysis.cells import split_items

    assert [p.text for p in split_items("・A\n【成果】\n　B\n・C") if not p.heading] == ["A", "B", "C"]  # B never joins the heading
    glued = "＜成果＞①子どもの居場所が確保された②食品ロスの削減につながった"  # a heading glued before the list
    assert [(p.text, p.heading) for p in split_items(glued)] == [
        ("＜成果＞", True), ("子どもの居場所が確保された", False), ("食品ロスの削減につながった", False)]
    headings = table.log[table.log["category"] == "heading"]
    assert headings["text"].tolist() == ["【主な成果】", "＜課題＞"] and set(headings["action"]) == {"dropped"}


def test_a_percentage_is_read_as_excel_shows_it(tmp_path):
    """A rating cell of 0.85 formatted 0% shows 85% in Excel and was read as 0.85 (a hostile tester)."""
    from openpyxl import Workbook

    from kyodo_analysis.schema import load_schema

    book = Workbook()
    sheet = book.active
    sheet.append(["分野", "番号", "事業名", "評価", "評価の理由", "委員からの意見"])
    for no, rating, shown in ((1, 0.85, "0%"), (2, 0.125, "0.0%"), (3, 0.125, "0%")):
        sheet.append(["福祉", no, f"事業{no}", rating, "• 進んだ", ""])
        sheet.cell(no + 1, 4).number_format = shown
    book.save(tmp_path / "p.xlsx")
    table = clean_table(tmp_path / "p.xlsx", schema=load_schema(ROOT / "tests" / "fixtures" / "other_cities" / "schema_a.toml"))
    assert table.programs["rating"].tolist() == ["85%", "12.5%", "13%"]  # rounded half up, as Excel rounds


def test_guidance_again_under_a_repeated_header_is_guidance_in_any_width_and_after_a_note(tmp_path):
    """A hostile tester: page 2's guidance written (例) where page 1 had （例）, or a ※ line between a header and its
    guidance, made the guidance three invented items of the program above (or stopped the run)."""
    first = ["（記入例）", "", "", "（例）・成果を箇条書きで", "（例）・限界を", "（例）・今後を"]
    second = ["(記入例)", "", "", "(例)・成果を 箇条書きで", "(例)・限界を", "(例)・今後を"]
    rows = [HEADER, ["※記入上の注意：箇条書きで"] + [""] * 5, first, ["財政的支援", "1", "見守り", "・進んだ", "", ""],
            HEADER, second, ["財政的支援", "2", "食堂", "・増えた", "", ""],
            HEADER, ["", "", "", "※1ページ目のとおり", "", ""], ["", "", "", "例）箇条書きで", "", ""],
            ["財政的支援", "3", "清掃", "・きれいになった", "", ""]]
    table = clean_table(tsv(tmp_path, rows))
    assert texts(table) == ["進んだ", "増えた", "きれいになった"]
    assert table.warnings == ("t.tsv:9: 見出しの直下の ※ の行は注記とみなし、項目に数えません: ※1ページ目のとおり",)
    assert table.log[table.log["category"] == "guidance"]["line"].tolist() == [3, 6, 10]


def test_a_workbooks_program_with_only_its_name_in_the_first_column_is_a_program(tmp_path):
    """Excel's rows end at their last value, so a program named in column A with nothing else yet was a one-cell
    row, dropped as a title without a word, while the same table as CSV kept it (a hostile tester)."""
    from openpyxl import Workbook

    from kyodo_analysis.schema import load_schema

    book = Workbook()
    sheet = book.active
    for row in (["事業名", "担当課", "担当による評価", "課題と改善案", "備考"], ["公園愛護会支援", "公園課", "増えた", "▶ 高齢化"],
                ["新規：子ども食堂支援"], ["防災訓練協働", "防災課", "進んだ", "▶ 固定化"], [], ["作成：市民協働推進課"]):
        sheet.append(row)
    book.save(tmp_path / "c.xlsx")
    table = clean_table(tmp_path / "c.xlsx", schema=load_schema(C_SCHEMA))
    assert table.programs["program"].tolist() == ["公園愛護会支援", "新規：子ども食堂支援", "防災訓練協働"]


def test_what_a_hostile_tester_found_in_this_rounds_cell_rules(tmp_path):
    from kyodo_analysis.cells import none_written, split_items

    def items(cell):
        return [p.text for p in split_items(cell)]

    # an invisible space at a line's start is no indentation: two items, as without it
    assert items("・団体の活動が広がった\n\u200b申請の手続きが簡単になった") == ["団体の活動が広がった", "申請の手続きが簡単になった"]
    # indented sub-items after a whole phrase are items, never glued into one run-on sentence
    assert items("・研修を実施した\n　－初任者研修\n・相談会を開いた") == ["研修を実施した", "－初任者研修", "相談会を開いた"]
    # a mark doubled is a placeholder or a rating, not a bullet: 「◯◯地区」 and 「★★☆」 keep every character
    assert items("◯◯地区との連携が進んだ") == ["◯◯地区との連携が進んだ"] and items("★★☆ 参加者増\n★☆☆ 周知不足") == [
        "★★☆ 参加者増", "★☆☆ 周知不足"]
    assert items("・家族👨\u200d👩\u200d👧で参加") == ["家族👨\u200d👩\u200d👧で参加"]  # an emoji's joiners stay
    # a PDF space removed in a wrapped line is still logged (the piece keeps the text before)
    wrapped = split_items("・地域の団体が集まり、\n　シ ンポジ ウムを開催した")
    assert [(p.text, p.removed_spaces) for p in wrapped] == [("地域の団体が集まり、シンポジウムを開催した",
                                                              "地域の団体が集まり、シ ンポジ ウムを開催した")]
    assert [none_written(t) for t in ("（なし）", "特に問題なし。", "問題なしとは言えない", "同上")] == [True, True, False, False]


def test_notes_at_the_foot_of_a_page_or_over_two_lines_are_notes(tmp_path):
    """A second hostile tester: a note written over two lines (Alt+Enter) was an item, and a note at the foot of a page
    (before a repeated header) an item of the last program, or a program that took the next one's number."""
    rows = [HEADER, ["財政的支援", "1", "補助金", "・参加者が増えた", "・担い手不足", ""], [""] * 6,
            ["", "", "", "※1 令和5年度の実績\n※2 事業費は決算額", "", ""], [""] * 6,
            HEADER, ["人的支援", "2", "講座", "・学びの場", "・固定化", ""]]
    table = clean_table(tsv(tmp_path, rows))
    assert texts(table) == ["参加者が増えた", "担い手不足", "学びの場", "固定化"]
    assert any("ページや表の下の注記とみなし、数えません: 4 行目「※1 令和5年度の実績" in w for w in table.warnings)
    unnumbered = ["事業名\t担当課\t担当による評価\t課題と改善案\t備考", "A事業\t課\t・増えた\t・不足\t", "\t\t\t\t",
                  "出典：令和5年度事務事業評価\t\t\t\t", "\t\t\t\t", "事業名\t担当課\t担当による評価\t課題と改善案\t備考",
                  "B事業\t課\t・学び\t・固定化\t"]
    path = tmp_path / "c.tsv"
    path.write_text("\n".join(unnumbered) + "\n", encoding="utf-8")
    table = clean_table(path, schema=load_schema(C_SCHEMA))
    assert table.programs[["program_no", "program"]].values.tolist() == [[1, "A事業"], [2, "B事業"]]


def test_under_a_repeated_header_a_cut_programs_row_is_never_dropped_in_silence(tmp_path):
    """「（例えば…」 is no guidance opening, and a ※ line right under a repeated header is said on screen."""
    guidance = ["", "", "", "（例）成果を書く", "（例）限界を書く", ""]
    rows = [HEADER, guidance, ["財政的支援", "1", "補助金", "・増えた", "", ""], HEADER,
            ["", "", "", "（例えば講座の開催）が続いた", "", ""], ["財政的支援", "2", "講座", "・学び", "", ""]]
    table = clean_table(tsv(tmp_path, rows))
    assert texts(table, 1) == ["増えた", "（例えば講座の開催）が続いた"]
    assert any("繰り返された見出しの直下の行を、前の事業 (NO 1) の続きとして読みます" in w for w in table.warnings)


def test_a_cell_of_bracketed_lines_alone_is_a_list_of_items_and_an_indented_word_is_an_item(tmp_path):
    from kyodo_analysis.cells import split_items

    assert [p.text for p in split_items("【参加者の増加】\n【新たな担い手の発掘】") if not p.heading] == [
        "【参加者の増加】", "【新たな担い手の発掘】"]
    assert [p.text for p in split_items("・研修を実施した\n　まちづくり講座\n・参加者\n  120")] == [
        "研修を実施した", "まちづくり講座", "参加者", "120"]
    assert [p.text for p in split_items("①参加者の増加②担い手の育成")] == ["参加者の増加②担い手の育成"]  # noun endings: as the README says


def test_a_row_of_invisible_characters_is_blank(tmp_path):
    rows = [HEADER, ["財政的支援", "1", "補助金", "・増えた", "", ""], ["", "", "", "※金額は決算額", "", ""],
            ["", "\u200b", "", "", "", ""]]
    table = clean_table(tsv(tmp_path, rows))
    assert texts(table) == ["増えた"] and table.log[table.log["line"] == 4]["category"].tolist() == ["blank"]


def test_a_workbooks_name_alone_in_a_numbered_table_is_read_as_the_csv_is(tmp_path):
    """A second hostile tester: with a NO column, a name alone in .xlsx was dropped as a title; the CSV stops."""
    import pytest
    from openpyxl import Workbook

    from kyodo_analysis.errors import InputError

    book = Workbook()
    sheet = book.active
    sheet.append(["事業名", "NO", "区分", "仕組みとして効果があったこと", "仕組みとして限界があったこと", "今後、必要と考えること"])
    sheet.append(["補助金", 1, "財政的支援", "・増えた", "", ""])
    sheet.append(["新規事業"])
    book.save(tmp_path / "n.xlsx")
    with pytest.raises(InputError, match="NO が数字ではありません"):
        clean_table(tmp_path / "n.xlsx")


def test_a_header_over_two_rows_is_named_with_both_rows(tmp_path):
    """評価 merged over 成果 / 課題 in the row below: refused without naming the second row (a hostile tester)."""
    import pytest

    from kyodo_analysis.errors import InputError

    path = tsv(tmp_path, [["区分", "NO", "事業名", "評価", "", ""],
                          ["", "", "", "仕組みとして効果があったこと", "仕組みとして限界があったこと", "今後、必要と考えること"],
                          ["財政的支援", "1", "補助金", "・増えた", "", ""]])
    with pytest.raises(InputError) as caught:
        clean_table(path)
    assert caught.value.hint.startswith("見出しが 1 行目と 2 行目の2行に分かれているようです。見出しを1行にまとめた写しを登録してください。")


def test_a_row_holding_only_a_group_is_the_group_of_the_programs_below(tmp_path):
    """【福祉】 on a row of its own above programs whose group cells are empty: they were 区分なし, one warning each."""
    rows = [HEADER, ["【財政的支援】", "", "", "", "", ""], ["", "1", "補助金", "・増えた", "", ""], ["", "2", "ポイント", "・広がった", "", ""],
            ["人的支援", "", "", "", "", ""], ["", "3", "推進員", "・進んだ", "", ""]]
    table = clean_table(tsv(tmp_path, rows))
    assert table.programs["support_type"].tolist() == ["財政的支援", "財政的支援", "人的支援"]
    assert [w.split(": ", 1)[1] for w in table.warnings] == [
        "区分だけの行「【財政的支援】」を、下の事業の区分「財政的支援」として読みます",
        "区分だけの行「人的支援」を、下の事業の区分「人的支援」として読みます"]
    titled = [*rows[:3], ["これまでの取り組みに係る協働の成果等", "", "", "", "", ""], *rows[3:]]  # a page's title: no group
    table = clean_table(tsv(tmp_path, titled, "titled.tsv"))
    assert table.programs["support_type"].tolist() == ["財政的支援", "財政的支援", "人的支援"] and len(table.warnings) == 2


NAMES_SCHEMA = """[columns]
support_type = ["区分"]
program_no = ["番号"]
program = ["事業"]
[aspects]
outcome = { headers = ["成果"], label = "成果", polarity = "positive" }
problem = { headers = ["課題"], label = "課題", polarity = "negative" }
[attributes]
kaishi = ["年度"]
"""


def test_names_the_package_uses_for_its_own_columns_and_rows_are_never_two_of_one(tmp_path):
    """A hostile tester: a start-year column headed 年度 made two 年度 columns and a traceback in the workbook; a
    group named 計 lost its row to the total; a code named コードなし was mixed with the uncoded items; an aspect
    labelled 計, 事業数 or 全体 passed. The attribute is shown as 年度(属性), the total row as 計(合計) beside the group
    計, and the aspect label and the code name are refused, naming the line and what to write."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.report.views import items_by_group, workbook_sheets
    from kyodo_analysis.schema import Comparison

    from .conftest import cli

    schema = tmp_path / "schema.toml"
    schema.write_text(NAMES_SCHEMA, encoding="utf-8")
    (tmp_path / "raw").mkdir()
    table = tsv(tmp_path / "raw", [["区分", "番号", "事業", "年度", "成果", "課題"], ["計", "1", "事業1", "2019", "・参加者が増えた", "・予算が不足"],
                           ["環境", "2", "事業2", "2020", "・会場を確保した", "・担い手が不足"]], "t_2024.tsv")
    result = analyze([table], schema=schema)
    for name, sheet in workbook_sheets(result).items():
        assert sheet.columns.is_unique, name
    assert "年度(属性)" in workbook_sheets(result)["事業"].columns
    counts = items_by_group(result["programs"], Comparison.from_metadata(result.metadata))
    assert counts.loc["計", "事業数"] == 1 and counts.loc["計(合計)", "事業数"] == 2
    for label in ("計", "事業数", "全体"):
        schema.write_text(NAMES_SCHEMA.replace('label = "成果"', f'label = "{label}"'), encoding="utf-8")
        status, _, err = cli("validate", str(table), "--schema", str(schema))
        assert status == 2 and f"schema.toml:6: [aspects] の outcome のラベル「{label}」は" in err, err
    codes = tmp_path / "codes.txt"
    codes.write_text("*コードなし\n参加者\n", encoding="utf-8")
    schema.write_text(NAMES_SCHEMA, encoding="utf-8")
    status, _, err = cli("analyze", "--raw-dir", str(tmp_path / "raw"), "--schema", str(schema), "--codes", str(codes),
                         "--out", str(tmp_path / "out"))
    assert status == 2 and "codes.txt:1: コード名「コードなし」は" in err, err


def test_a_program_whose_cells_are_all_empty_is_counted_as_a_program_everywhere(tmp_path):
    """A hostile tester: 甲's program with empty cells and 乙's only program (empty too) were in programs.csv and in
    「甲 (3 事業)」, but 区分×観点 said 甲 2 and 乙 0 事業 and the methods 「(2 群)」 left 乙 unexplained. Every count
    now counts the program; the methods say why 乙 is not compared."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.methods import methods_paragraph
    from kyodo_analysis.report.views import items_by_group
    from kyodo_analysis.schema import Comparison

    schema = tmp_path / "schema.toml"
    schema.write_text(NAMES_SCHEMA.replace('[attributes]\nkaishi = ["年度"]\n', ""), encoding="utf-8")
    table = tsv(tmp_path, [["区分", "番号", "事業", "成果", "課題"], ["甲", "1", "事業1", "・参加者が増えた", "・予算が不足"],
                           ["甲", "2", "事業2", "・会場を確保した", "・担い手が不足"], ["乙", "3", "新規事業", "", ""],
                           ["丙", "4", "事業4", "・参加者が増えた", "・予算が不足"], ["甲", "5", "事業5", "", ""]], "e_2024.tsv")
    result = analyze([table], schema=schema)
    counts = items_by_group(result["programs"], Comparison.from_metadata(result.metadata))
    assert counts["事業数"].to_dict() == {"甲": 3, "乙": 1, "丙": 1, "計": 5}
    assert counts.loc["乙", "成果"] == 0 and counts.loc["計", "計"] == 6
    assert "比べるグループは区分 (2 群) で、比べる単位は事業とした。乙 は事業の欄がすべて空欄で項目がないため" in methods_paragraph(result)


def test_an_attribute_headed_like_another_column_is_numbered_in_the_workbook(tmp_path):
    """A hostile tester of this round: an attribute 成果の項目数 beside the aspect 成果 (whose count column is headed
    so), and attributes headed 年度 and 年度(属性), still gave the workbook two like columns and a traceback."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.report.views import workbook_sheets

    schema = tmp_path / "schema.toml"
    schema.write_text(NAMES_SCHEMA.replace('kaishi = ["年度"]', 'kaishi = ["年度"]\nshown = ["年度(属性)"]\ncount = ["成果の項目数"]'),
                      encoding="utf-8")
    table = tsv(tmp_path, [["区分", "番号", "事業", "年度", "年度(属性)", "成果の項目数", "成果", "課題"],
                           ["福祉", "1", "事業1", "2019", "H31", "3", "・参加者が増えた", "・予算が不足"],
                           ["環境", "2", "事業2", "2020", "R2", "1", "・会場を確保した", "・担い手が不足"]], "t_2024.tsv")
    sheets = workbook_sheets(analyze([table], schema=schema))
    for name, sheet in sheets.items():
        assert sheet.columns.is_unique, name
    assert {"年度", "年度(属性)", "年度(属性)(2)", "成果の項目数", "成果の項目数(2)"} <= set(sheets["事業"].columns)
