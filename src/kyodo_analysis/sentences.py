"""Every sentence a reader reads, written from templates that are true for any city's table and year.

Each function reads its numbers off the analysis' tables and says only what they carry; where there is
nothing to say, it says so plainly, once. No sentence names a group, word or column of one city's table
unless the table being described has it (the bundled table is one case among many).

The sentences on what each group's items are about (the review summary) are in :mod:`topics`; those on
years in :mod:`year_sentences`; the pages' headings and explanations and the Word
summary's title and reading note in :mod:`headings`.
"""

from __future__ import annotations

import re

import pandas as pd

from .analysis import Analysis
from .code_tests import NO_TEST, untested_family
from .labels import CATEGORY_JA, group_text, interval_text, pieces, year_label
from .registry import figure_tables, output, page_tables
from .schema import Comparison
from .stats import Z_SHOWN, Cut, group_order, largest, top_with_ties, word_spread
from .tables import parquet_name
from .terms import inside_compounds
from .years import cities_together, compared_labels

_MARKDOWN_MARKS = re.compile(r"([\\`*_#|~$])")


def md(text: str) -> str:
    """A sentence as Markdown shows it literally (notebook pages): Markdown's emphasis, code, heading, table and
    math marks backslash-escaped; ``& < > [ ]`` are left to the one escaping rule of every rendered page
    (:func:`report.inert_markdown`), so they are escaped once. Word and plain text take sentences as they are."""
    return _MARKDOWN_MARKS.sub(r"\\\1", text)


def program_label(program_no: object, program: str, comparison: Comparison) -> str:
    """A program as the city's table names it: its number under the table's own header (NO 3), else its name."""
    label = comparison.columns.get("program_no")
    return f"{label} {program_no} {program}" if label and not pd.isna(program_no) else str(program)


def table_comparisons(metadata: dict) -> dict[str, Comparison]:
    """Each raw file's own comparison, so that a program is numbered as its own table heads the column (架空市B's
    No. 2 beside 架空市A's 番号 1, where the tables together have only the neutral 番号)."""
    return {f["file"]: Comparison.from_dict(f["comparison"]) for f in metadata.get("raw_files", []) if f.get("comparison")}


def listed(names: list[str]) -> str:
    """「A」「B」「C」: names quoted one after another."""
    return "".join(f"「{n}」" for n in names)


def program_count(n: int, total: int, low: float | None = None, high: float | None = None) -> str:
    """「2 / 3 事業 (95% CI 0.09–0.99)」: programs out of programs, with the exact interval when given."""
    interval = "" if low is None or pd.isna(low) else f" (95% CI {interval_text(low, high)})"
    return f"{int(n)} / {int(total)} 事業{interval}"


# ---------------------------------------------------------------- 1.0 cleaning


def cleaning_sentence(analysis: Analysis) -> str:
    """What the cleaning kept and dropped, counted from ``cleaning_log.csv``."""
    log = analysis["cleaning_log"]
    lines = log[log["category"] != "space_removed"]
    dropped = lines[lines["action"] == "dropped"]["category"].value_counts()
    reasons = "、".join(f"{CATEGORY_JA.get(c, c)} {n}" for c, n in dropped.items())
    items, programs = analysis["items"], analysis["programs"]
    return (f"生データ {len(lines)} 行のうち {int((lines['action'] == 'kept').sum())} 行から {len(programs)} 事業・"
            f"{len(items)} 項目を取り出し、{int(dropped.sum())} 行を捨てました" + (f" ({reasons})。" if reasons else "。")
            + ignored_sentence(analysis.metadata))


def ignored_sentence(metadata: dict) -> str:
    """The columns the schema's ``ignore`` left out, by file: their values are only in ``cleaning_log.csv``'s lines."""
    files = [(f["file"], f.get("ignored_columns") or []) for f in metadata.get("raw_files", [])]
    parts = [f"{listed(columns)} ({file})" for file, columns in files if columns]
    if not parts:
        return ""
    return (f"スキーマの ignore に書かれた列{'、'.join(parts)} の値は分析に入れていません"
            " (cleaning_log.csv の元の行に残っています)。")


def empty_cells_sentence(analysis: Analysis) -> str:
    """Which programs left which aspect empty (read off ``programs.csv``); a note on reading an empty cell of
    the negative side only when the table has one."""
    comparison, own = Comparison.from_metadata(analysis.metadata), table_comparisons(analysis.metadata)
    parts, empty_negative = [], False
    for row in analysis["programs"].to_dict("records"):
        empty = [a for a in comparison.aspects if not pd.isna(row[f"n_{a.key}"]) and row[f"n_{a.key}"] == 0]
        if empty:
            empty_negative |= any(a.polarity == "negative" for a in empty)
            parts.append(f"{program_label(row['program_no'], row['program'], own.get(row['source_file'], comparison))} は"
                         + listed([a.label for a in empty]))
    if not parts:
        return "どの事業も、その表にある観点のすべてに記入があります。"
    note = (f"「{comparison.side_label('negative')}」が空欄でも、{comparison.side_label('negative')}がなかったという意味では"
            "ありません。" if empty_negative else "")
    return "、".join(parts) + f"が空欄です (その観点の項目は 0 として数えます)。{note}"


def outputs_sentence(out_dir: str) -> str:
    """Where this run wrote its tables, as the run was told (``--out``)."""
    return (f"処理の結果は {out_dir} に CSV (items.csv ほか) として書かれています。Excel では同じ表を "
            "kyodo_tables.xlsx で開きます (CSV はデータとして正確に読むためのもので、ダブルクリックでは開きません)。"
            "処理は src/kyodo_analysis/cleaning.py にあります。")


def sources_sentence(what: str, names: list[str], out_dir: str) -> str:
    """Which processed tables ``what`` (a page, a figure) takes its numbers from, as the registry declares them,
    for a reader to check each number against (a token-level table by its Parquet file, which every run writes)."""
    files = [parquet_name(name) if output(name).token else name for name in names]
    return f"{what}の数は、{'・'.join(files)} ({out_dir.rstrip('/')}/ にある処理済みの表) から取っています。" if files else ""


def page_sources(page: str, out_dir: str) -> str:
    """The closing line of a notebook (``page``: its file name without .ipynb)."""
    return sources_sentence("このページ", page_tables(page), out_dir)


def figure_sources(figure: str, by: str, out_dir: str) -> str:
    """The tables of a figure (its file name without a year's or city's suffix), for its caption."""
    return sources_sentence("この図", figure_tables(figure, by), out_dir)


# ---------------------------------------------------------------- 2.0 words


def negation_sentence(analysis: Analysis) -> str:
    """How many items of each aspect hold a negated term."""
    items, terms = analysis["items"], analysis["terms"]
    comparison = Comparison.from_metadata(analysis.metadata)
    negated = set(terms.loc[terms["negated"], "item_id"])
    if not negated:
        return "否定の語を含む項目はありません。"
    parts = [f"{comparison.label(a)} {int(items.loc[items['aspect'] == a, 'item_id'].isin(negated).sum())}/"
             f"{int((items['aspect'] == a).sum())} 項目" for a in comparison.aspect_keys if (items["aspect"] == a).any()]
    return "否定の語を含む項目は " + "、".join(parts) + " です。"


def compound_sentence(analysis: Analysis, shown: int = 3) -> str:
    """How a word inside compounds is counted, with this table's own examples: the words found inside the
    most compound terms — every one of them when they tie (up to ``shown``; more, and only their number) —
    or plainly that the table has none. A tie is never settled by spelling."""
    inside = inside_compounds(analysis["mentions"])
    base = ("word_counts.csv は、複合語の中と否定の形 (増えていない → 増える) も含めて、その語に触れている項目と事業を"
            "数えます (keywords.csv は抽出語そのものの数で、否定の形は 増える(否定) のように分けて数えます)。")
    if inside.empty:
        return base + "この表には、複合語の中に出てくる語はありません。"
    compounds = inside.drop_duplicates(["word", "term"]).groupby("word", sort=True)["term"].agg(sorted)
    most = max(len(terms) for terms in compounds)
    tied = [word for word, terms in compounds.items() if len(terms) == most]
    if len(tied) > shown:
        named = f" ({'・'.join(tied)}) " if len(tied) <= 10 else ""
        which = (f"複合語の中に出てくる {len(tied)} 語{named}は、どれも 1 つの複合語の中にだけ" if most == 1 else
                 f"複合語の中に出てくる語のうち、同数で最も多い {len(tied)} 語{named}は、いずれも {pieces(most)}の複合語の中に")
        return which + "出てきます (どの語がどの複合語にあるかは mentions.parquet の word と term 列にあります)。" + base
    if len(tied) == 1:
        return (f"たとえば「{tied[0]}」は {pieces(most)}の複合語 ({compound_list(compounds[tied[0]])}) の中にも出てきます"
                " (複合語の中に出てくる語のうち、最も多くの複合語に出てくる語です)。" + base)
    examples = "、".join(f"「{word}」: {compound_list(compounds[word])}" for word in tied)
    return (f"たとえば{'と'.join(f'「{word}」' for word in tied)}は、いずれも {pieces(most)}の複合語の中にも出てくる語で、"
            f"複合語の中に出てくる語のうち最も多く、同数です ({examples})。" + base)


COMPOUNDS_NAMED = 6  # a word's compounds named in full up to this many; beyond, their number (none picked by spelling)


def compound_list(terms: list[str]) -> str:
    """「A」「B」: every compound of a word, or how many there are (naming the first three by spelling picked them
    inside a tie: a statistician's audit)."""
    return listed(terms) if len(terms) <= COMPOUNDS_NAMED else f"{len(terms)} 語。一覧は mentions.parquet の term 列"


def left_out_sentence(left_out: dict[object, Cut], analysis: Analysis | None = None) -> str:
    """Terms a ranking left out at a tie, per group it ranks (None: the whole), named by :func:`group_name` (評価 A);
    a group that kept none (its first place ties beyond the list's length) is said to be absent from the table."""
    def named(group) -> str:
        return group if group is None or analysis is None else group_name(group, analysis)

    dropped = {named(g): cut.left_out for g, cut in left_out.items() if cut.left_out and cut.kept}
    emptied = {named(g): cut.left_out for g, cut in left_out.items() if cut.left_out and not cut.kept}
    if not dropped and not emptied:
        return "この表は同数の語の途中で切れていません。"
    said = []
    if dropped:
        where = "、".join(f"{n} 語" if group is None else f"{group}の {n} 語" for group, n in dropped.items())
        said.append(f"表の次の順位に並ぶ同数の語が多すぎるため、その語を表から省きました ({where})。")
    if emptied:
        where = "、".join("全体" if group is None else str(group) for group in emptied)
        counted = "、".join(f"{n} 語" for n in emptied.values())
        said.append(f"{where}は 1 位から同数の語 ({counted}) が多すぎるため、表に語がありません。")
    return "".join(said) + "csv には全語があります。"


# ---------------------------------------------------------------- 3.0 groups


def group_name(group: str, analysis: Analysis) -> str:
    """A group as a reader meets it: a compared city with its table's year (「架空市A (2024年度)」), a value of an
    attribute with the attribute's name (「評価 A」: a bare 「A」 names nothing), any other group as it is."""
    own = group_text(Comparison.from_metadata(analysis.metadata), group)
    return compared_labels(analysis.metadata).get(str(group), own)


def groups_sentence(analysis: Analysis) -> str:
    """What the page compares, named from this table: the grouping column and its groups."""
    comparison = Comparison.from_metadata(analysis.metadata)
    groups = group_order(analysis["items"], comparison.by)
    together = "".join(f"{year_label(year)}は{'・'.join(named)}の表の事業をまとめて数えます (市町村の違いは区別しません)。"
                       for year, named in cities_together(analysis["items"], comparison.by).items())
    if len(groups) < 2:
        named = f" (「{groups[0]}」)" if groups else ""
        return (f"この表の{comparison.by_label}は 1 つだけ{named} なので、{comparison.by_label}どうしの比較はなく、"
                "以下は表全体の記述です。" + together)
    shown = listed([group_name(g, analysis) for g in groups])
    return f"{comparison.by_label}ごとに比べます: {shown} の {pieces(len(groups))}。" + together


def one_group_terms(distinctive: pd.DataFrame, programs: pd.DataFrame, by: str, top: int = 5, name=str) -> list[str]:
    """Per group, the terms found in two or more of its programs and in no other group's, as program
    counts (「補助金: 財政的支援の 3 事業中 3 事業、ほかの 5 事業中 0 事業」), never cut inside a tie; ``name`` writes
    a group. A word met only inside a longer one of the list (指定 in 指定管理者: contained, with the same programs
    and occurrences) is named with it, not as a word of its own (:func:`within_longer`)."""
    sizes = programs.groupby(by, sort=False).size()
    phrases = []
    for group, part in distinctive.groupby(by, sort=False):
        only = part[(part["programs_rest"] == 0) & (part["programs_group"] >= 2)]
        only = only.sort_values(["programs_group", "n_group", "term"], ascending=[False, False, True], kind="stable")
        inside = within_longer(only)
        only = only[~only["term"].isin(inside)]
        kept, left_out = top_with_ties(only, top, ["programs_group"], most=2 * top)
        for row in kept.itertuples(index=False):
            shorter = "".join(f"「{w}」" for w, longer in inside.items() if longer == row.term)
            phrases.append(f"「{row.term}」{f'({shorter}を含む)' if shorter else ''}: {name(group)}の {sizes.get(group, 0)} "
                           f"事業中 {row.programs_group} 事業、ほかの {len(programs) - sizes.get(group, 0)} 事業中 0 事業")
        if left_out:
            phrases.append(f"{name(group)}では同数のため {left_out} 語を省略")
    return phrases


def within_longer(words: pd.DataFrame) -> dict[str, str]:
    """Each word of ``words`` written inside a longer one of them with the same programs and occurrences (指定 →
    指定管理者): every occurrence of it is one of the longer word's, so the two are one finding. The longest such
    word is the one named."""
    found = {}
    for _, same in words.groupby(["programs_group", "n_group"], sort=False)["term"]:  # only words of equal counts
        terms = same.tolist()
        for term in terms:
            if longer := [t for t in terms if len(t) > len(term) and term in t]:
                found[term] = max(longer, key=lambda t: (len(t), t))
    return found


def distinctive_sentence(analysis: Analysis, threshold: float = Z_SHOWN) -> str:
    """Whether any term reaches z ≥ threshold; when none does, the terms found in one group only, by their
    program counts, and why z does not reach the threshold."""
    comparison = Comparison.from_metadata(analysis.metadata)
    distinctive, what = analysis["distinctive_terms"], comparison.by_label
    if len(group_order(analysis["items"], comparison.by)) < 2:
        return f"{what}が 1 つなので、{what}ごとの特徴語はありません。"
    if distinctive.empty:
        return "特徴語を計算できる語がありません。"
    most = "、".join(f"{group_name(group, analysis)} {largest(part, 'z')}{_spread(part, analysis['programs'], comparison.by)}"
                     for group, part in distinctive.groupby(comparison.by, sort=False))
    if (distinctive["z"] >= threshold).any():
        return f"z ≧ {threshold} の語があります (各{what}の最大: {most})。"
    only = one_group_terms(word_spread(analysis["word_counts"], comparison.by), analysis["programs"], comparison.by,
                           name=lambda group: group_name(group, analysis))
    sentence = f"z ≧ {threshold} に達する語はありません (各{what}の最大: {most})。"
    if not only:
        return sentence + f"2 事業以上で使われ、一つの{what}にだけ出てくる語もありません。"
    return (sentence + f"ただし次の語 (2 事業以上で使われた語。複合語の中も含めて数えます) は一つの{what}にだけ出てきます: "
            + "、".join(only) + "。"
            f"一つの{what}にしか出ない語でも、出現回数が少なければ z はこの値に届きません "
            "(z は出現回数が多いほど大きく、事前分布が語の全体の頻度に寄せるため)。")


def _spread(part: pd.DataFrame, programs: pd.DataFrame, by: str) -> str:
    """「 (3 事業中 1 事業)」 for a group's largest z: the programs behind it (the unit), not its occurrences; for words
    tied there, each's when they differ (「利用者・施設 z=1.54」 had none: a newcomer); "" past three tied words."""
    top, n = part[part["z"].round(6) == part["z"].round(6).max()], int((programs[by] == part[by].iloc[0]).sum())
    counts = [int(k) for k in top["programs_group"]]
    if len(top) > 3:
        return ""
    if len(set(counts)) == 1:
        return f" ({n} 事業中{' 各' if len(top) > 1 else ''} {counts[0]} 事業)"
    return f" ({n} 事業中 " + "・".join(f"{t} {k} 事業" for t, k in zip(top["term"], counts, strict=True)) + ")"


def code_test_sentence(analysis: Analysis, alpha: float = 0.05) -> str:
    """What the program-level tests of the codes show; where no test was run (the frame found that none
    could reach ``alpha``), why, once, from the group sizes."""
    comparison = Comparison.from_metadata(analysis.metadata)
    codes, what = analysis["codes"], comparison.by_label
    sizes = analysis["programs"].groupby(comparison.by, sort=False).size()
    if len(sizes) < 2:
        return f"{what}が 1 つなので、{what}の違いの検定はしません。表は記述です。"
    if codes.empty:
        return "コードの付いた項目がないため、検定するものがありません。"
    # one test per code × aspect of the page's family (cities compared across years: each city's rows carry
    # its own table's year, yet the family is one)
    family = ["code", "aspect"] if comparison.by == "city" else ["year", "code", "aspect"]
    if "test" in codes and (codes["test"].astype("string") == NO_TEST).all():
        split = "・".join(str(sizes[g]) for g in group_order(analysis["items"], comparison.by) if g in sizes)
        floor = codes["min_p_holm"].dropna().min() if "min_p_holm" in codes else None
        reason = (f"{untested_family(codes, family)}を{what}の違いで検定しても、Holm の補正後に取りうる最小の p が "
                  f"{floor:.3f} で {alpha:g} に届かないため、検定はせず" if floor is not None and not pd.isna(floor)
                  else f"どの{what}の違いも検定では示せないため")
        return f"{int(sizes.sum())} 事業 ({split}) では、{reason}、表は記述にとどめます。"
    tested = codes.dropna(subset=["p_holm"]).drop_duplicates(family)
    if tested.empty:
        return "検定できるコードがありません。"
    below = tested[tested["p_holm"] < alpha]
    kinds = ", ".join(sorted(set(tested["test"])))
    if below.empty:
        return (f"コード×観点の {len(tested)} 検定 ({kinds}) のうち、Holm 補正後に p<{alpha} のものはありません (最小の補正前"
                f" p は {tested['p_value'].min():.3f})。{what}の差は示されませんでしたが、差がないことを示すものでもありません。")
    found = "、".join(f"「{r.code}」({comparison.label(r.aspect)}, 補正後 p={r.p_holm:.3f})" for r in below.itertuples())
    return f"コード×観点の {len(tested)} 検定 ({kinds}) のうち、Holm 補正後に p<{alpha} のもの: {found}。"
