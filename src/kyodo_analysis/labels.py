"""Japanese labels, defined once: statuses, pooled rows and table headers (the aspects' labels come from
the table's schema: ``resources/schema_zushi.toml`` for Zushi).

Figures, the workbook, the command line and the notebooks all take their words from here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .schema import Comparison

ALL_JA = "全体"  # shown in the column marking the rows that pool every group (``all_groups``)
NO_SUPPORT_TYPE = "区分なし"  # the group of a program whose table has no support type for it (never a blank)
STATUS_JA = {"kept": "継続", "added": "追加", "removed": "廃止", "renamed": "名称変更", "renumbered": "番号変更",
             "not_compared": "比較なし (年度が1つ)"}
UNKNOWN_YEAR = "年度不明"  # the one spelling of a table whose year is unknown, everywhere
CATEGORY_JA = {"title": "表題・注記", "blank": "空行", "header": "見出し", "guidance": "記入例", "data": "データ",
               "continuation": "前の事業の続き", "space_removed": "空白の削除", "none_written": "「なし」の記入",
               "heading": "セルの中の見出し"}
METHOD_JA = {"ward": "Ward 法", "average": "群平均法", "complete": "最遠隣法"}  # clusters.csv's methods
ACTION_JA = {"kept": "使用", "dropped": "除外"}  # cleaning_log.csv

HEADERS = {
    "item_id": "項目ID", "source_file": "ファイル", "source_line": "行", "year": "年度", "city": "市町村", "support_type": "区分",
    "program_no": "NO", "program": "事業名", "aspect": "観点", "item_no": "項目番号", "text": "本文",
    "n_effect": "効果の項目数", "n_limitation": "限界の項目数", "n_next_step": "今後の項目数", "n_items": "項目数",
    "all_groups": "全グループの計", "term": "語", "word": "語", "n": "出現回数", "n_programs": "事業数",
    "n_group": "出現回数(区分)", "n_rest": "出現回数(他の区分)", "programs_group": "事業数(区分)",
    "programs_rest": "事業数(他の区分)", "log_odds": "対数オッズ比", "z": "z値",
    "top_n": "選んだ語数(χ²の上位)", "min_count": "語の最小出現回数",
    "programs": "区分の事業数", "programs_effect": "効果で使った事業", "programs_limitation": "限界で使った事業",
    "programs_paired": "区分の事業数(効果と限界の項目あり)", "programs_both": "両方で使った事業",
    "items_effect": "効果の項目数", "items_limitation": "限界の項目数",
    "code": "コード", "n_total": "区分の項目数", "share": "項目の割合", "programs_total": "区分の事業数(観点の項目あり)",
    "chi2": "χ²", "p_value": "p値", "p_holm": "p値(Holm補正)",
    "test": "検定", "correction": "多重比較の補正", "ci_low": "事業の割合の95%信頼区間(下限)",
    "ci_high": "事業の割合の95%信頼区間(上限)",
    "min_p": "取りうる最小のp値", "n_labellings": "並べ替えの数", "min_p_holm": "Holm補正後に取りうる最小のp値",
    "status": "変化", "first_year": "最初の年度", "last_year": "最後の年度", "previous_name": "以前の名称",
    "previous_no": "以前のNO", "first_no": "最初の年度のNO", "first_name": "最初の年度の名称",
    "item_ids": "項目ID (この数のもとの項目)",
}


def interval_text(low: float, high: float) -> str:
    """「0.03–1.00」: an interval at two decimals, rounded half up from its value at six (as the files hold it), so a
    bound rounds as a reader rounds it by hand: 0/1's upper 0.975 and 1/1's lower 0.025 both go up (0.98, 0.03);
    Python's own rounding of their binary values took one down and one up."""
    def rounded(value: float) -> Decimal:
        return Decimal(f"{value:.6f}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{rounded(low)}–{rounded(high)}"


def year_cell(year: object) -> int | str:
    """A year as a table's 年度 cell: the number (2024), as every table and sheet gives it, or 年度不明."""
    try:
        return int(year)
    except (TypeError, ValueError):
        return UNKNOWN_YEAR


def year_label(year: object) -> str:
    """2024年度, or 年度不明 for a table whose year is unknown."""
    try:
        return f"{int(year)}年度"
    except (TypeError, ValueError):
        return UNKNOWN_YEAR


def listed(labels: Iterable[object]) -> str:
    """Labels as a Japanese list: 効果・限界・今後, or, when a label itself holds 「・」, 評価、課題・改善案 —
    so that a reader counts two aspects where the table has two."""
    labels = [str(label) for label in labels]
    return ("、" if any("・" in label for label in labels) else "・").join(labels)


def sides_only(comparison: Comparison) -> str:
    """「観点は効果・限界だけを示します (今後は codes.csv にあります)。」 for a view of the codes by year that shows
    the two sides only, naming what it leaves out; nothing when the sides are every aspect."""
    others = [comparison.label(a) for a in comparison.aspect_keys if a not in comparison.sides]
    if not others:
        return ""
    shown = listed(comparison.label(a) for a in comparison.sides)
    return f"観点は{shown}だけを示します ({listed(others)}は codes.csv にあります)。"


def per_group(by_label: str, groups: int, particle: str = "に") -> str:
    """「区分ごとに」 (or, with ``particle="の"``, 「区分ごとの」) where there are two or more groups to set side by
    side; nothing where there is one: a title never says it compares by a column that holds one group."""
    return f"{by_label}ごと{particle}" if groups > 1 else ""


MUNICIPALITIES = "市町村区"  # the last of these in a municipality's name says its kind (町田市: 市; 十日町市: 市)


def cities_of(metadata: dict) -> list[str]:
    """The cities of an analysis' raw files (the manifest's ``city``), in file order."""
    return list(dict.fromkeys(f["city"] for f in metadata.get("raw_files", []) if f.get("city")))


def table_noun(metadata: dict) -> str:
    """What the pages call the tables analysed: 市の表 for cities' tables, 町の表 for towns' (村, 区 alike), and
    市町村の表 for tables of several kinds or of no registered city — a town's table is never 「市の表」."""
    kinds = {next((c for c in reversed(city) if c in MUNICIPALITIES), None) for city in cities_of(metadata)}
    return f"{kinds.pop()}の表" if len(kinds) == 1 and None not in kinds else "市町村の表"


NO_CITY = "市町村なし"  # the tables registered without a city, in a page's or figure's name beside cities'


def city_name(city) -> str:
    """A city as a page's or figure's file name ends in: the tables without a city are :data:`NO_CITY`."""
    return NO_CITY if pd.isna(city) else str(city)


GENERIC_COLUMNS = {"program_no": "番号", "support_type": "区分"}  # when tables name a column differently
TABLE_ORDER = "表の順"  # the header of the numbers a table without a number column gets (1, 2, … in table order)
TOTAL = "計"  # the row summing every group of a count table
NO_CODE = "コードなし"  # the row of the items no coding rule matched
PROGRAMS = "事業数"  # the count tables' column of programs
RESERVED_NAMES = frozenset({*HEADERS.values(), TOTAL, NO_CODE, PROGRAMS, ALL_JA, UNKNOWN_YEAR, TABLE_ORDER})


def pieces(n: int) -> str:
    """「3 つ」, or 「10 個」 from ten on: つ counts to nine (「施策が 10 つ」 was a hostile tester's find)."""
    return f"{n} つ" if n < 10 else f"{n} 個"


def reserved(name: str) -> bool:
    """A name the package heads a column or row of its own with, as a reader sees it (「計　」 and 「ＮＯ」 too)."""
    return label_key(name) in _reserved_keys()


@lru_cache(maxsize=1)
def _reserved_keys() -> frozenset[str]:
    return frozenset(label_key(n) for n in RESERVED_NAMES)


def shown_attribute(header: str) -> str:
    """An attribute's column as pages and workbooks head it: its header, marked 「(属性)」 where the package heads a
    column of its own so (a start-year column headed 年度 made two 年度 columns, and the workbook a traceback)."""
    return f"{header}(属性)" if reserved(header) else header


def total_label(groups: Iterable[object]) -> str:
    """The label of a count table's total row: 計, or 計(合計), 計(合計2) … when a group is itself named so (its row
    was overwritten by the total: a hostile tester)."""
    named = {label_key(str(g)) for g in groups}
    label, n = TOTAL, 1
    while label_key(label) in named:
        label, n = f"{TOTAL}(合計{n if n > 1 else ''})", n + 1
    return label


def own_header(columns: dict, key: str) -> str:
    """What the tables call their number or grouping column (NO, 番号, 分野): a schema's first header for it (a
    Schema's list) or a comparison's (a string), else the generic one."""
    found = columns.get(key)
    return (found if isinstance(found, str) else found[0]) if found else GENERIC_COLUMNS[key]


def number_header(columns: dict) -> str:
    """The header a table shows its programs' numbers under: its own (NO, 番号), or :data:`TABLE_ORDER` when no
    table has a number column, so that the order the package gave is never shown as the city's numbering."""
    return own_header(columns, "program_no") if columns.get("program_no") else TABLE_ORDER


BRACKETS = {"「": "」", "『": "』", "（": "）", "(": ")", "【": "】", "［": "］", "[": "]"}


WORD_END_REACH = 4  # how far a cut may move on to end a word instead of cutting it (場合があ… → 場合がある…)


def _script(character: str) -> str:
    """The run a character belongs to: hiragana, katakana (with ー), kanji, letters and digits; "" for the
    punctuation, spaces and brackets between runs."""
    if "\u3041" <= character <= "\u309f":
        return "hiragana"
    if "\u30a0" <= character <= "\u30ff":
        return "katakana"
    if "\u4e00" <= character <= "\u9fff" or character in "々〆":
        return "kanji"
    return "alnum" if character.isalnum() else ""


def _cut_at(text: str, width: int) -> int:
    """Where a cut at ``width`` falls: at ``width`` when a run of one script ends there, else at the end of
    the run it falls in when that is at most :data:`WORD_END_REACH` characters on (a word is not cut in
    two: 市民交流セン… → 市民交流センター…), else at ``width``."""
    kind, end = _script(text[width - 1]), width
    while kind and end < len(text) and _script(text[end]) == kind and end - width < WORD_END_REACH:
        end += 1
    return end if end == len(text) or _script(text[end]) != kind else width


def cut(text: str, width: int) -> str:
    """``text`` cut at about ``width`` characters with 「…」 (:func:`_cut_at`: never inside a short word), the
    brackets it opened and had not closed closed after it (「公民館から「東北物産展…」」), so that a quote
    inside the cut still reads as one."""
    if len(text) <= width or (end := _cut_at(text, width)) == len(text):
        return text
    head, still_open = text[:end], []
    for character in head:
        if character in BRACKETS:
            still_open.append(BRACKETS[character])
        elif still_open and character == still_open[-1]:
            still_open.pop()
    return head + "…" + "".join(reversed(still_open))


# the characters one text has as two code points by how it was saved: Windows' CP932 reads 〜 as ～ (U+FF5E), − as
# － (U+FF0D), ‖ as ∥ and ― as — where a UTF-8 or Excel file keeps them; after NFKC, each pair is made one
CP932_TWINS = str.maketrans({"\u301c": "~", "\u2212": "-", "\u2225": "\u2016", "\u2015": "\u2014"})


def label_key(value: str) -> str:
    """A name or label compared by what a reader sees: width folded (NFKC), the CP932 twins made one (a program
    of 〜 in a UTF-8 table and of ～ in the CP932 one is one program), spaces and line breaks removed (Excel's
    Alt+Enter inside a cell; 場の 提供)."""
    return "".join(unicodedata.normalize("NFKC", value).translate(CP932_TWINS).split())


def label_twins(values: list[str]) -> list[tuple[str, str]]:
    """Pairs of distinct values that are the same label by :func:`label_key` (人的支援 written with the Kangxi
    radical ⼈; 財政的支援 with a line break inside the cell)."""
    first: dict[str, str] = {}
    twins = []
    for value in dict.fromkeys(values):
        known = first.setdefault(label_key(value), value)
        if known != value:
            twins.append((known, value))
    return twins


# said where no word's change between two years reaches |z| ≥ 1.96 (a reviewer: 0 → 10 occurrences gives z = 1.83)
FEW_OCCURRENCES = ("z は語の出現回数で測るため、項目の少ない表では、一方の年度にだけある語でも届かないことがあります。"
                   "語ごとの数は keyword_trends.csv")


def group_text(comparison: Comparison, group: object) -> str:
    """A group's value as a reader meets it: a value of an attribute with the attribute's name (「評価 A」: a bare
    「A」 names nothing), a support type or a city as it is."""
    return f"{comparison.by_label} {group}" if comparison.by not in ("support_type", "city") else str(group)
