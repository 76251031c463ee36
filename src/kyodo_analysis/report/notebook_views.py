"""The views only the notebooks show: the raw lines and what the cleaning dropped, how items are cut,
the top terms and words, KWIC lines, codes per year, the word lists to curate, and :func:`show_table`,
which turns any view into a table of a rendered page."""

from __future__ import annotations

import hashlib

import pandas as pd

from ..analysis import Analysis
from ..kwic import keyword_in_context
from ..labels import ACTION_JA, CATEGORY_JA, year_label
from ..schema import Comparison
from ..stats import ALL_ASPECTS, ALL_GROUPS, RANK_KEY, SIDES_MIN_PROGRAMS, Z_SHOWN, Cut, counts, group_order, top_with_ties
from ..years import known_years
from .views import _aspect_ja, view_distinctive, view_effect_vs_limitation


def _shown_line(text: pd.Series) -> pd.Series:
    """A raw line for reading: tabs as ⇥, nothing for an empty line."""
    return text.fillna("").str.replace("\t", " ⇥ ", regex=False)


def dropped_lines(log: pd.DataFrame) -> pd.DataFrame:
    """What the cleaning dropped and why (and every change it made to item text)."""
    shown = log[(log["action"] == "dropped") | (log["category"] == "space_removed")]
    shown = shown.assign(text=_shown_line(shown["text"]), category=shown["category"].map(CATEGORY_JA))
    return shown[["source_file", "line", "category", "note", "text"]].rename(columns={
        "source_file": "ファイル", "line": "行", "category": "種類", "note": "理由", "text": "内容"}).reset_index(drop=True)


def top_terms(analysis: Analysis, by: str | None = None, n: int = 15) -> tuple[pd.DataFrame, dict[object, Cut]]:
    """The terms used by the most programs, then items, then occurrences (overall or per group), never cut
    inside a tie (up to twice ``n`` terms are kept for a tie), and each group's :class:`Cut`: how many tied
    terms its list left out and how many it kept (the key None for the overall list)."""
    keys = [by] if by else []
    table = counts(analysis["terms"], analysis["items"], by=keys)
    parts, left_out = [], {}
    for group, rows in (table.groupby(by, sort=False) if by else [(None, table)]):
        kept, omitted = top_with_ties(rows, n, RANK_KEY, most=2 * n)
        left_out[group] = Cut(omitted, len(kept))
        parts.append(kept)
    table = pd.concat(parts, ignore_index=True) if parts else table
    return _aspect_ja(table, Comparison.from_metadata(analysis.metadata)).reset_index(drop=True), left_out


def most_used_terms(analysis: Analysis, most: int = 3) -> tuple[list[str], str]:
    """The terms first in 「全体の頻出語」 (programs, then items, then occurrences) whose related words the 2.0
    page shows: every term tied there when they are ``most`` at most, else none (a tie is never settled by
    spelling); and the sentence the page says about a tie, or about a first place that items decided."""
    table = counts(analysis["terms"], analysis["items"])
    first, tied_out = top_with_ties(table, 1, RANK_KEY, most=most)
    terms = first["term"].tolist()
    if tied_out:
        return [], (f"事業数・項目数・出現回数がすべて同じで 1 位に並ぶ語が {tied_out} 語あり、同数の中から選ばないため、"
                    "ここでは示しません。コマンドラインの `kyodo-analysis related 語` で1語ずつ調べられます。")
    if not terms:
        return [], "数える語がないため、関連語はありません。"
    said = "" if len(terms) == 1 else (f"{'・'.join(terms)} は事業数・項目数・出現回数がすべて同じで 1 位に並ぶので、"
                                      f"{len(terms)} 語とも示します。")
    return terms, said + decided_below(table, first)


def decided_below(table: pd.DataFrame, first: pd.DataFrame) -> str:
    """「「利用」と同じ 3 事業で使われた語がほかに 7 語 (団体・活動・…) あり、項目数で「利用」が1位です」 when the first
    place's programs are shared with other terms and items or occurrences decided it (a reviewer read the heading's
    「最も多くの事業」 as a lead); "" otherwise. Up to ten such terms are named, all of them or none."""
    top = first.iloc[0]
    level = table[(table["n_programs"] == top["n_programs"]) & ~table["term"].isin(first["term"])]
    if level.empty:
        return ""
    names = "".join(f"「{term}」" for term in first["term"])
    named = f" ({'・'.join(level['term'].tolist())})" if len(level) <= 10 else ""
    by = "項目数" if (level["n_items"] < top["n_items"]).all() else "項目数と出現回数"
    return (f"{names}と同じ {top['n_programs']} 事業で使われた語がほかに {len(level)} 語{named} あり、{by}で{names}が"
            "1位です (順位は 事業数 → 項目数 → 出現回数)。")


def kwic_table(analysis: Analysis, term: str, window: int = 20) -> pd.DataFrame:
    """KWIC lines of a term with Japanese headers."""
    comparison = Comparison.from_metadata(analysis.metadata)
    lines = keyword_in_context(term, analysis["items"], analysis["tokens"], analysis["terms"], window=window,
                               by=comparison.by)
    lines = lines.rename(columns={"left": "前", "term": "語", "right": "後", "matched": "抽出語"})
    return _aspect_ja(lines, comparison)


def codes_by_year(codes: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """Code × (group, year) for each summarised aspect, as the year figure counts them: "programs with an
    item of the code / programs with an item of that aspect" (never pooled over aspects)."""
    by = comparison.by
    table = codes[codes["aspect"].isin(comparison.sides) & codes["year"].notna()].copy()
    table["cell"] = [f"{int(n)} / {int(t)} 事業" for n, t in zip(table["n_programs"], table["programs_total"], strict=True)]
    table["観点"] = table["aspect"].map(comparison.label)
    order = group_order(items, by)
    wide = table.pivot_table(index=["観点", "code"], columns=[by, "year"], values="cell", aggfunc="first", sort=False)
    columns = [(s, y) for s in order for y in sorted(table["year"].unique()) if (s, y) in wide.columns]
    rows = [(comparison.label(a), c) for a in comparison.sides for c in dict.fromkeys(table["code"])]
    wide = wide[columns].reindex([r for r in rows if r in wide.index])
    wide.columns = [f"{s} {year_label(y)}" for s, y in columns]
    wide.index.names = ["観点", "コード"]
    return wide.reset_index().fillna("—")


def years(analysis: Analysis) -> list[int]:
    """The known fiscal years of the tables, in order."""
    return known_years(analysis["items"])


def raw_lines(analysis: Analysis, n: int = 20, width: int = 60) -> pd.DataFrame:
    """The first lines of each raw file as the cleaning saw them (line number, what it was, its start)."""
    log = analysis["cleaning_log"]
    log = log[log["category"] != "space_removed"].groupby("source_file", sort=False).head(n)
    text = _shown_line(log["text"])
    return pd.DataFrame({"ファイル": log["source_file"], "行": log["line"], "扱い": log["action"].map(ACTION_JA),
                         "種類": log["category"].map(CATEGORY_JA),
                         "内容 (先頭)": text.str.slice(0, width)}).reset_index(drop=True)


def cutting_example(analysis: Analysis, item_id: str) -> pd.DataFrame:
    """How one item is cut: the short-unit morphemes, then the counted terms."""
    item = analysis["items"].set_index("item_id").loc[item_id]
    tokens = analysis["tokens"][analysis["tokens"]["item_id"] == item_id]
    terms = analysis["terms"][analysis["terms"]["item_id"] == item_id]
    return pd.DataFrame({"": ["本文", "形態素 (unidic-lite の短い単位)", "数える語 (抽出語)"],
                         item_id: [item["text"], " | ".join(tokens["surface"]), " | ".join(terms["term"])]})


def cutting_examples(analysis: Analysis) -> pd.DataFrame:
    """How the first item with a forced term of several morphemes and the first with a negated term are cut."""
    terms = analysis["terms"]
    forced = terms[(terms["pos"] == "強制抽出") & (terms["last_token_no"] > terms["first_token_no"])]
    chosen = list(dict.fromkeys([*forced["item_id"].head(1), *terms.loc[terms["negated"], "item_id"].head(1)]))
    if not chosen:
        return pd.DataFrame({"": ["本文"], "例": ["複数の形態素からなる強制抽出の語も否定の語もありません"]})
    parts = [cutting_example(analysis, item_id).set_index("") for item_id in chosen]
    return pd.concat(parts, axis=1).reset_index()


def top_words(analysis: Analysis, n: int = 15) -> tuple[pd.DataFrame, dict[object, Cut]]:
    """The words mentioned by the most programs and items, compound parts included (``word_counts.csv``), and
    where the list stopped (:class:`Cut`, key None), as :func:`top_terms`."""
    words = analysis["word_counts"]
    pooled = words[words[ALL_GROUPS] & (words["aspect"] == ALL_ASPECTS)]
    pooled = pooled.sort_values(["year", *RANK_KEY, "word"], ascending=[True, False, False, False, True], kind="stable")
    kept, omitted = top_with_ties(pooled, n, RANK_KEY, most=2 * n)
    shown = _aspect_ja(kept[["word", "n_programs", "n_items", "n"]], Comparison.from_metadata(analysis.metadata))
    return shown.reset_index(drop=True), {None: Cut(omitted, len(kept))}


def curation_tables(analysis: Analysis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unknown words and candidate compounds, with Japanese headers, to curate the two word lists."""
    unknown = analysis["unknown_words"].rename(columns={"surface": "語", "n": "出現回数", "n_items": "項目数",
                                                        "example_item_id": "例の項目ID"})
    candidates = analysis["candidate_compounds"].copy()
    candidates["kind"] = candidates["kind"].map({"joined": "結合された複合語", "adjacent": "隣り合う語"})
    candidates = candidates.rename(columns={"candidate": "候補", "kind": "種類", "n": "出現回数", "n_items": "項目数"})
    return unknown, candidates


def view_inertia(inertia: pd.DataFrame) -> pd.DataFrame:
    """The correspondence analysis's axes with Japanese headers."""
    return pd.DataFrame({"軸": [f"第{k + 1}軸" for k in range(len(inertia))], "慣性": inertia["inertia"],
                         "説明率": inertia["share"].map(lambda s: f"{s:.1%}")})


SHOWN_ROWS = 100  # a rendered table shows at most this many rows, in the table's own order


def show_table(frame: pd.DataFrame, limit: int = SHOWN_ROWS):
    """A table for a rendered notebook: text escaped, left-aligned, line breaks kept, no index, headers on
    one line, numbers to three decimals. A table longer than ``limit`` rows shows its first rows (in the
    order of its ranking) and says how many it leaves out; the CSV and the workbook have them all. An empty
    table says that it is empty."""
    total = len(frame)
    frame = frame.head(limit).reset_index(drop=True)
    floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    # One rule for every text of the table: cells, column headers (a group, an attribute or a code can be
    # a header) and the index are escaped.
    styler = frame.style.hide(axis="index").format(escape="html", na_rep="")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if floats:
        styler = styler.format(escape="html", precision=3, subset=floats, na_rep="")
    # The table's id comes from its content, not a random uuid: the same data renders the same page.
    styler = styler.set_uuid(hashlib.sha256(frame.to_csv().encode("utf-8")).hexdigest()[:12])
    if total > limit:
        styler = styler.set_caption(f"全 {total:,} 行のうち先頭の {limit} 行 (表の並び順)。残りの {total - limit:,} 行は"
                                    " 分析の出力先の CSV と Excel の表にあります。")
    elif not total:  # a header alone reads as a page that failed to fill it
        styler = styler.set_caption("この表に当てはまる行はありません。")
    return styler.set_table_styles([
        {"selector": "th", "props": "text-align: left; white-space: nowrap; vertical-align: bottom;"},
        {"selector": "td", "props": "text-align: left; white-space: pre-wrap; vertical-align: top; min-width: 4em;"},
    ])


def sides_table(analysis: Analysis, min_programs: int = SIDES_MIN_PROGRAMS) -> pd.DataFrame:
    """The positive and negative aspects' terms in the same programs, or (for a schema without sides)
    each aspect's distinctive terms with z ≥ ``Z_SHOWN`` (the page's heading says which: ``headings``)."""
    comparison = Comparison.from_metadata(analysis.metadata)
    if comparison.paired:
        return view_effect_vs_limitation(analysis["effect_vs_limitation"], min_programs, comparison=comparison)
    return view_distinctive(analysis["distinctive_aspects"], Z_SHOWN, comparison=comparison)
