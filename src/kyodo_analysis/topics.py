"""The review summary (3.0, 5.0, Word): what each group's items of each summarised aspect are about, by the codes
their items carry — the items quoted with their programs, and one sentence per group naming the code most of its
programs touch, only when it is so (a margin of one program said as such, a tie named whole).

Counted from ``item_codes.csv``, ``items.csv`` and ``programs.csv``; a code's share is always of programs, the unit
that support type belongs to.
"""

from __future__ import annotations

import pandas as pd

from .analysis import Analysis
from .labels import NO_CODE, cut, pieces
from .schema import Comparison
from .sentences import group_name, listed, program_label, table_comparisons
from .stats import group_order
from .years import compared_labels

SUMMARY_ITEMS = 10  # items quoted per code and side; the counts beside them are always complete
QUOTED_IN_SENTENCE = 2  # items a summary sentence quotes for the code it names
NEGATED_MARK = " (否定の述語を含む)"  # after a quoted item with a negated predicate: a code hit may sit inside it


def coded_items(analysis: Analysis) -> pd.DataFrame:
    """The items of the summarised aspects, one row per item and code (「コードなし」 for an item no rule
    matched), in table order; ``negated`` marks an item with a negated predicate (進まない, つながらない…)."""
    items, item_codes = analysis["items"], analysis["item_codes"]
    codes_of: dict[str, list[str]] = {}
    for item_id, code in zip(item_codes["item_id"].tolist(), item_codes["code"].tolist(), strict=True):
        codes_of.setdefault(item_id, []).append(code)
    sided = items[items["aspect"].isin(Comparison.from_metadata(analysis.metadata).sides)]
    terms = analysis["terms"]
    negated = sided["item_id"].isin(set(terms.loc[terms["negated"].astype(bool), "item_id"]))
    return sided.assign(code=sided["item_id"].map(lambda i: codes_of.get(i, [NO_CODE])), negated=negated).explode("code")


def quoted_items(side: pd.DataFrame, comparison: Comparison, most: int = SUMMARY_ITEMS,
                 own: dict[str, Comparison] | None = None) -> str:
    """The items of one cell, in the table's order, at most ``most`` of them and then how many are left out; each
    program numbered as its own table heads the column (``own``: :func:`sentences.table_comparisons`)."""
    lines = [f"{program_label(r.program_no, r.program, own.get(r.source_file, comparison) if own else comparison)}: {r.text}"
             + (NEGATED_MARK if getattr(r, "negated", False) else "") for r in side.head(most).itertuples()]
    if len(side) > most:
        lines.append(f"…ほか {len(side) - most:,} 項目 (item_codes.csv と items.csv に全件)")
    return "\n".join(lines)


def _programs(frame: pd.DataFrame) -> int:
    return len(frame[["source_file", "program_no"]].drop_duplicates())


def review_summary(analysis: Analysis) -> pd.DataFrame:
    """Per group and code, the city's items of the positive aspect beside the negative one's (or of every aspect,
    for a schema that marks no sides), each with its program, and how many programs and items say so; items of no
    code under 「コードなし」. A cell quotes its first ``SUMMARY_ITEMS`` items (table order) and counts the rest."""
    comparison, own = Comparison.from_metadata(analysis.metadata), table_comparisons(analysis.metadata)
    coded = coded_items(analysis)
    code_order = [*dict.fromkeys(analysis["codes"]["code"]), NO_CODE]
    cells = dict(list(coded.groupby([comparison.by, "code", "aspect"], sort=False)))  # items in table order
    present = {(group, code) for group, code, _ in cells}  # a thousand groups × codes are mostly empty
    rows = []
    for group in group_order(analysis["items"], comparison.by):
        for code in (c for c in code_order if (group, c) in present):
            row = {comparison.by_label: group, "コード": code}
            for aspect in comparison.sides:
                label, side = comparison.label(aspect), cells.get((group, code, aspect), coded.iloc[:0])
                row[f"{label}の事業数"] = _programs(side)
                row[f"{label}の項目数"] = len(side)
                row[label] = quoted_items(side, comparison, own=own)
            rows.append(row)
    return pd.DataFrame(rows)


def _quote(rows: pd.DataFrame, width: int = 40) -> str:
    """Items quoted, each program's first before any second (a code "in 2 / 3 programs" is quoted from two), cut
    at ``width`` (:func:`cut`), marked when holding a negated predicate, 、 between (「…」(否定の述語を含む)、「…」)."""
    first = ~rows.duplicated(["source_file", "program_no"])
    return "、".join(f"「{cut(r.text, width)}」" + (NEGATED_MARK if r.negated else "")
                    for r in pd.concat([rows[first], rows[~first]]).head(QUOTED_IN_SENTENCE).itertuples())


def topic_phrase(side: pd.DataFrame, label: str) -> str:
    """What one side's items (of one group) are most often about, by programs, every code of a tie named;
    「共通する」 only when a code is shared by two or more programs and by more than any other code."""
    n_programs = _programs(side)
    head = f"{label}の {side['item_id'].nunique()} 項目 ({n_programs} 事業) "
    coded = side[side["code"] != NO_CODE]
    if coded.empty:
        return f"{head}には、どのコードも付いていません"
    counts = coded.groupby("code", sort=False).apply(_programs)
    best = int(counts.max())
    leaders = [c for c in counts.index if counts[c] == best]
    if best == 1 and len(leaders) == 1:  # the items too: 「4 項目 (1 事業) のうち…1 事業です」 hid 1 of 4 (a reviewer)
        return (f"{head}のうちコードが付いたのは「{leaders[0]}」の {coded['item_id'].nunique()} 項目 (1 事業) "
                + ("だけです" if n_programs > 1 else "です"))
    cover = coverage(side, coded)
    head += cover
    if best == 1:
        codes = f"のコード {pieces(len(leaders))}" if cover else f"に付いた {pieces(len(leaders))}のコード"
        if n_programs == 1:  # 「複数の事業に共通するコードはありません」 of one program is true of any table (an audit)
            return f"{head}{codes}は{listed(leaders)}です"
        return f"{head}{codes} ({listed(leaders)}) はどれも 1 事業だけで、複数の事業に共通するコードはありません"
    if len(leaders) > 1:
        return f"{head}が最も多く触れているのは {listed(leaders)} で、同数です (各 {best} / {n_programs} 事業)"
    rows = coded[coded["code"] == leaders[0]].drop_duplicates("item_id")
    quoted = f"{len(rows)} 項目のうち {QUOTED_IN_SENTENCE} 項目を、各事業の最初の項目から引用"  # was 「ほかを含めて 4 項目」
    more = f" ({quoted})" if len(rows) > QUOTED_IN_SENTENCE else ""
    rest = counts.drop(leaders[0])  # the margin: "most" by one program is said as such
    margin = f"ほかのコードは各 {int(rest.max())} 事業以下" if len(rest) else "ほかのコードは付いていません"
    return (f"{head}が最も多く触れているのは「{leaders[0]}」({best} / {n_programs} 事業; {margin}) で、その項目は次のとおりです"
            f"{more}: {_quote(rows)}")


def coverage(side: pd.DataFrame, coded: pd.DataFrame) -> str:
    """「のうちコードが付いた 2 項目 (2 事業) 」 when some of a side's items carry no code ("" when every item does):
    "most often" is then said of the coded items, and a reader sees how many they are (a reviewer read 2 of 9)."""
    n_coded = coded["item_id"].nunique()
    return "" if n_coded == side["item_id"].nunique() else f"のうちコードが付いた {n_coded} 項目 ({_programs(coded)} 事業) "


def no_codes_sentence(analysis: Analysis) -> str:
    """Said once, before the groups' sentences, when no item has any code (empty otherwise)."""
    coded = coded_items(analysis)
    if coded.empty or (coded["code"] != NO_CODE).any():
        return ""
    return "どの項目にもコードが付きませんでした (コーディングルールの語がこの表に出てきません)。以下は項目の数だけを示します。"


def summary_sentences(analysis: Analysis) -> list[str]:
    """One sentence per group on what its items of each summarised aspect are most often about (counted
    from ``item_codes.csv`` and ``programs.csv``); only the counts when no item has any code
    (:func:`no_codes_sentence` says so, once)."""
    items, comparison = analysis["items"], Comparison.from_metadata(analysis.metadata)
    coded, years = coded_items(analysis), compared_labels(analysis.metadata)  # cities named with their years
    any_code = bool((coded["code"] != NO_CODE).any())
    sentences = []
    for group in group_order(items, comparison.by):
        own = analysis["programs"][analysis["programs"][comparison.by] == group]
        present = [a for a in comparison.sides if own[f"n_{a}"].notna().any()]  # the group's tables have the column
        parts = [] if present else [listed([comparison.label(a) for a in comparison.sides])
                                    + "の列がない表なので、この比較には入りません"]
        for aspect in present:
            label, side = comparison.label(aspect), coded[(coded[comparison.by] == group) & (coded["aspect"] == aspect)]
            told = f"{label}の {side['item_id'].nunique()} 項目 ({_programs(side)} 事業)"
            parts.append(f"{label}の記述はありません" if side.empty else topic_phrase(side, label) if any_code else told)
            if not side.empty and (blank := int((own[f"n_{aspect}"] == 0).sum())):  # 「課題の 1 項目」 hid two blank cells
                parts.append(f"ほかの {blank} 事業は{label}の欄が空欄です")
            if lacking := int(own[f"n_{aspect}"].isna().sum()):  # pooled tables: 3 of 4 programs were accounted for
                parts.append(f"{'' if side.empty else 'ほかの '}{lacking} 事業の表には{label}の列がありません")
        name = group_name(group, analysis)  # 架空市A (2024年度) → 架空市A (2024年度・5 事業)
        counted = f"{name[:-1]}・{len(own)} 事業)" if str(group) in years else f"{name} ({len(own)} 事業)"
        sentences.append(f"{counted}: " + "。".join(parts) + "。")
    return sentences
