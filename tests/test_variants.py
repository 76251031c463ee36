"""Real exports vary: every variant of the bundled table must give exactly the same items."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest

from kyodo_analysis.cleaning import clean_table
from kyodo_analysis.schema import load_schema

from .conftest import RAW

COMPARED = ["support_type", "program_no", "program", "aspect", "item_no", "text"]


def items_of(path: Path, **kwargs):
    return clean_table(path, **kwargs).items[COMPARED].reset_index(drop=True)


@pytest.fixture(scope="module")
def expected():
    return items_of(RAW)


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def map_cells(text: str, change) -> str:
    """Apply change(cell_index, cell) to every cell of every tab-separated line."""
    return "\n".join("\t".join(change(i, c) for i, c in enumerate(line.split("\t"))) for line in text.split("\n"))


@pytest.mark.parametrize("encoding,bom", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("cp932", b""), ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_encodings_and_line_ends(tmp_path, raw_text, expected, encoding, bom, newline):
    data = bom + raw_text.replace("\n", newline).encode(encoding)
    table = clean_table(write(tmp_path, "t.tsv", data))
    assert table.items[COMPARED].equals(expected)
    assert table.encoding in {"utf-8", "utf-8-sig", "cp932", "utf-16"}
    if encoding == "cp932":
        assert table.encoding == "cp932"


def test_cp932_only_characters_are_read_as_cp932(tmp_path, raw_text):
    # ① and 髙 exist in CP932 but not in plain Shift_JIS.
    text = raw_text.replace("・補助金を活用し", "①髙補助金を活用し", 1)
    items = clean_table(write(tmp_path, "t.tsv", text, "cp932")).items
    assert items.loc[0, "text"].startswith("髙補助金を活用し")


def test_excel_quoted_cells_with_line_breaks(tmp_path, raw_text, expected):
    def quote(i, cell):
        if i >= 3 and " ・" in cell and "<" not in cell:
            return '"' + cell.replace(" ・", "\n・").replace('"', '""') + '"'
        return cell
    text = map_cells(raw_text, quote).replace("\n", "\r\n")
    assert "\r\n・" in text
    table = clean_table(write(tmp_path, "t.tsv", text, "cp932"))
    assert table.items[COMPARED].equals(expected)
    # The log still has one row per physical line, continuation lines included.
    assert table.log["line"].tolist() == list(range(1, text.count("\r\n") + 2))
    # source_line is where the item's row starts, not where the item sits inside the cell.
    assert table.items.groupby("program_no")["source_line"].nunique().eq(1).all()


@pytest.mark.parametrize("mark", ["●", "○", "〇", "◆", "■", "◇", "□", "-", "1.", "1)", "(1)", "①"])
def test_other_bullet_marks(tmp_path, raw_text, expected, mark):
    text = re.sub(r"(^|(?<=\s)|(?<=\t))・", lambda m: m.group(1) + mark + " ", raw_text, flags=re.M)
    assert "生きがい・やりがい" in text and "社会参加・市民活動" in text
    assert items_of(write(tmp_path, "t.tsv", text)).equals(expected)


def test_words_with_middle_dots_are_not_split(tmp_path):
    text = "区分\tNO\t事業名\t仕組みとして効果があったこと\n財政的支援\t1\t事業\t・社会参加・市民活動が増えた ・生きがい・やりがい\n"
    items = clean_table(write(tmp_path, "t.tsv", text)).items
    assert items["text"].tolist() == ["社会参加・市民活動が増えた", "生きがい・やりがい"]


def test_html_residue(tmp_path, raw_text, expected):
    def html(i, cell):
        if i >= 3 and " ・" in cell and "<" not in cell:
            return "<ul>" + "".join(f"<li>{p.strip()}</li>" for p in cell.split(" ・") if p.strip()) + "</ul>"
        return cell
    assert items_of(write(tmp_path, "t.tsv", map_cells(raw_text, html))).equals(expected)
    text = "区分\tNO\t事業名\t仕組みとして効果があったこと\n財政的支援\t1\t事業\tA&amp;B&nbsp;の会<br>次の項目<br/>三つ目 &lt;注&gt;\n"
    items = clean_table(write(tmp_path, "u.tsv", text)).items
    assert items["text"].tolist() == ["A&B の会", "次の項目", "三つ目 <注>"]


def test_pdf_spaces_inside_japanese_words(tmp_path):
    text = ("区分\tNO\t事業名\t仕組みとして効果があったこと\n"
            "財政的支援\t1\t事業\t・シ ンポジ ウムを開催した。(例 CoCoLoの会) ・Wi-Fi 整備 と 2 回の講座\n")
    table = clean_table(write(tmp_path, "t.tsv", text))
    assert table.items["text"].tolist() == ["シンポジウムを開催した。(例 CoCoLoの会)", "Wi-Fi 整備と 2 回の講座"]
    removed = table.log[table.log["category"] == "space_removed"]
    assert len(removed) == 2 and removed["line"].tolist() == [2, 2]
    assert "シ ンポジ ウム" in removed["note"].iloc[0]


def test_full_width_numbers_repeated_headers_and_header_spacing(tmp_path, raw_text, expected):
    text = map_cells(raw_text, lambda i, c: chr(ord("０") + int(c)) if i == 1 and c.isdigit() else c)
    text = text.replace("区分\tNO\t事業名", "区 分\tＮＯ\t事 業 名", 1)
    lines = text.split("\n")
    header = lines[4]
    lines.insert(9, header)  # the header printed once more in the middle of a page, no guidance row
    assert items_of(write(tmp_path, "t.tsv", "\n".join(lines))).equals(expected)


def test_support_type_written_on_every_row(tmp_path, raw_text, expected):
    current = {"v": ""}

    def fill(line: str) -> str:
        cells = line.split("\t")
        if len(cells) == 6 and cells[1].isdigit():
            current["v"] = cells[0] or current["v"]
            cells[0] = current["v"]
        return "\t".join(cells)
    text = "\n".join(fill(line) for line in raw_text.split("\n"))
    assert items_of(write(tmp_path, "t.tsv", text)).equals(expected)


def test_new_support_type_is_kept_with_a_warning(tmp_path, raw_text):
    text = raw_text.replace("人的支援\t4", "情報的支援\t4")
    table = clean_table(write(tmp_path, "t.tsv", text))
    assert set(table.items.loc[table.items["program_no"].isin([4, 5]), "support_type"]) == {"情報的支援"}
    assert any("情報的支援" in w for w in table.warnings)


def test_schema_maps_other_cities_headers(tmp_path, expected, raw_text):
    schema_file = tmp_path / "other.toml"
    schema_file.write_text(
        '[columns]\nsupport_type = ["区分", "分類"]\nprogram_no = ["NO", "番号"]\nprogram = ["事業名"]\n'
        'effect = ["仕組みとして効果があったこと", "成果"]\nlimitation = ["仕組みとして限界があったこと", "課題"]\n'
        'next_step = ["今後、必要と考えること", "今後の方向性"]\n', encoding="utf-8")
    text = raw_text.replace("区分\tNO\t事業名\t仕組みとして効果があったこと\t仕組みとして限界があったこと\t今後、必要と考えること",
                            "分類\t番号\t事業名\t成果\t課題\t今後の方向性")
    table = clean_table(write(tmp_path, "t.tsv", text), schema=load_schema(schema_file))
    assert table.items[COMPARED].equals(expected)
    assert "成果 → effect" in table.synonyms
    with pytest.raises(Exception, match="必要な列"):
        clean_table(write(tmp_path, "t.tsv", text))


def test_optional_columns_may_be_missing(tmp_path):
    text = "事業名\t成果\nA事業\t・よかった ・人が来た\nB事業\t\n"
    schema = tmp_path / "s.toml"
    schema.write_text('[columns]\nprogram = ["事業名"]\neffect = ["成果"]\n', encoding="utf-8")
    table = clean_table(write(tmp_path, "t.tsv", text), schema=load_schema(schema))
    assert table.items["text"].tolist() == ["よかった", "人が来た"]
    assert table.programs["program_no"].tolist() == [1, 2]
    assert table.programs["n_effect"].tolist() == [2, 0]  # the schema has one aspect: one count column
    assert "n_limitation" not in table.programs.columns
    assert any("すべて空" in w for w in table.warnings)


def test_program_with_all_cells_empty_is_kept_with_a_warning(tmp_path, raw_text):
    text = raw_text.replace("\t8\t地域活動センター\t", "\t9\t空の事業\t\t\t\n\t8\t地域活動センター\t")
    table = clean_table(write(tmp_path, "t.tsv", text))
    nine = table.programs.set_index("program_no").loc[9]
    assert nine["n_items"] == 0 and len(table.items) == 36
    assert any("NO 9" in w for w in table.warnings)
