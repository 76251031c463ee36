"""A methods paragraph in Japanese, written from the run: what a reviewer asks a KH Coder user for.

Every number it states is read from the analysis' tables and metadata (:func:`methods_facts`); the
fixed settings it names (60 edges, 40 terms, …) are the defaults of the functions that made the tables.
"""

from __future__ import annotations

from pathlib import PurePath

import pandas as pd

from .analysis import Analysis
from .clusters import cut_words, none_chosen
from .code_tests import NO_TEST, untested_family
from .correspondence import candidate_count, choice_of, chosen_terms
from .headings import absent_by_table
from .labels import pieces, year_label
from .network import NETWORK_TOP
from .schema import Comparison
from .stats import group_order
from .wordlists import is_packaged
from .years import cities_together

LIST_JA = {"forced_terms": "強制抽出", "stop_words": "使用しない語", "synonyms": "同義語",
           "function_expressions": "複合辞の表", "variants": "表記ゆれの表"}


def shown_source(source: str) -> str:
    """A list's or rules' file as the paragraph names it: the package's by its path in the package, a
    researcher's by its file name (its folder is this machine's, no reader's; metadata.json keeps it)."""
    return source if is_packaged(source) or not source else PurePath(source).name


def source_text(metadata: dict) -> str:
    """「逗子市「表題」(kyodo_seika_zushi.tsv, 年度不明)」 for each raw file."""
    parts = []
    for f in metadata.get("raw_files", []):
        if f.get("title"):
            parts.append(f"{f.get('city') or ''}「{f['title']}」({f['file']}, {year_label(f.get('year'))})")
        else:  # read without a manifest: no empty 「」 before the file (a hostile tester)
            parts.append(f"{f['city'] + 'の ' if f.get('city') else ''}{f['file']} ({year_label(f.get('year'))})")
    return "、".join(parts) or "(記録なし)"


def ca_contributions(groups: pd.DataFrame, inertia: pd.DataFrame) -> list[tuple[str, float, str, float]]:
    """Per axis: (axis, share of inertia, the group contributing most, its contribution), the contribution of
    group g to axis k being mass_g · coordinate_gk² / eigenvalue_k (principal coordinates)."""
    if groups.empty or inertia.empty:
        return []
    mass = groups["n"].astype(float) / float(groups["n"].astype(float).sum())
    rows = []
    for axis, eigen, share in zip(inertia["axis"], inertia["inertia"], inertia["share"], strict=True):
        if axis not in groups.columns or not eigen:
            continue
        contribution = mass * groups[axis].astype(float) ** 2 / float(eigen)
        best = int(contribution.to_numpy().argmax())
        rows.append((axis, float(share), str(groups["group"].iloc[best]), float(contribution.iloc[best])))
    return rows


def methods_facts(analysis: Analysis) -> dict:
    """The numbers and names the paragraph states, each read from a table or the metadata."""
    items, terms, metadata = analysis["items"], analysis["terms"], analysis.metadata
    comparison = Comparison.from_metadata(metadata)
    edges = analysis["cooccurrence_edges"]
    term_edges = edges[edges["kind"] == "term"]
    clusters = analysis.tables.get("clusters.csv", pd.DataFrame(columns=["min_items", "n_clusters", "term"]))
    codes = analysis["codes"]
    tested = codes[codes["test"] != NO_TEST].dropna(subset=["p_value"])
    return {
        "source": source_text(metadata), "dictionary": metadata.get("dictionary", {}),
        "by_label": comparison.by_label, "groups": len(group_order(items, comparison.by)),
        "empty_groups": [str(g) for g in group_order(analysis["programs"], comparison.by)
                         if g not in set(items[comparison.by].tolist())],
        "pooled_cities": cities_together(items, comparison.by),
        "items": len(items), "programs": len(analysis["programs"]), "tokens": len(analysis["tokens"]),
        "term_tokens": len(terms), "term_types": int(terms["term"].nunique()),
        "word_lists": {name: shown_source(entry.get("source", ""))
                       for name, entry in sorted(metadata.get("word_lists", {}).items())},
        "synonyms": len(metadata.get("synonyms", {})),
        "rules": shown_source((metadata.get("coding_rules") or {}).get("source", "")), "codes": int(codes["code"].nunique()),
        "rule_words": (metadata.get("coding_rules") or {}).get("words"),
        "absent_rule_words": (metadata.get("coding_rules") or {}).get("absent_words") or 0,
        "absent_by_table": absent_by_table(metadata.get("raw_files", [])),
        "edges": len(term_edges), "edge_cut": float(term_edges["jaccard"].min()) if len(term_edges) else None,
        "ca_terms": len(analysis["correspondence_terms"]),
        "ca_candidates": candidate_count(terms, items, choice_of(analysis["correspondence_terms"])[1]),
        "ca_choice": choice_of(analysis["correspondence_terms"]),
        "ca_axes": ca_contributions(analysis["correspondence_groups"], analysis["correspondence_inertia"]),
        "group_programs": group_programs(analysis["programs"], comparison.by),
        "cluster_terms": int(clusters["term"].nunique()),
        "cluster_min": int(clusters["min_items"].iloc[0]) if len(clusters) else None,
        "clusters": cut_words(clusters) if len(clusters) else None,
        "tests": list(dict.fromkeys(tested["test"])), "corrections": list(dict.fromkeys(tested["correction"])),
        "significant": int(tested.loc[tested["p_holm"] < 0.05, "code"].nunique()),
        "family": untested_family(codes, ["year", "code", "aspect"]),
        "min_p_holm": float(codes["min_p_holm"].min()) if codes["min_p_holm"].notna().any() else None,
    }


def group_programs(programs: pd.DataFrame, by: str) -> dict[str, str]:
    """「 (1 事業)」 by group: an axis led by a group of one program is that program's wording (a reviewer)."""
    if by not in programs:
        return {}
    return {str(group): f" ({n} 事業)" for group, n in programs.groupby(by, sort=True).size().items()}


def empty_groups_sentence(f: dict) -> str:
    """Cities of one year pooled into the groups (a statistician: the Word summary never said so), and the groups
    whose every program has empty cells, in the table but not compared (「(2 群)」 beside three: a hostile tester)."""
    pooled = "".join(f"{year_label(year)}は{'・'.join(named)}の表の事業を{f['by_label']}ごとにまとめて数えた (市町村の"
                     "違いは区別していない)。" for year, named in f["pooled_cities"].items())  # said on 3.0 alone before
    if not f["empty_groups"]:
        return pooled
    return pooled + f"{'、'.join(f['empty_groups'])} は事業の欄がすべて空欄で項目がないため、比べるグループに入れていない。"


def methods_paragraph(analysis: Analysis) -> str:
    """The methods section as one paragraph of Japanese, for the Word summary and notebook 5.0."""
    f = methods_facts(analysis)
    d = f["dictionary"]
    tokenizer = (f"{d['tokenizer']} {d['tokenizer_version']} と辞書 {d['dictionary']} {d['dictionary_version']}"
                 f" (UniDic {d['unidic_version']})") if d else "(辞書の記録なし)"
    lists = "、".join(f"{LIST_JA.get(name, name)} {source}" + (f" ({f['synonyms']} 組)" if name == "synonyms" else "")
                     for name, source in f["word_lists"].items())
    parts = [
        f"分析の対象は{f['source']}の {f['programs']} 事業・{f['items']} 項目 (箇条書きの1項目を1件) である。",
        f"形態素解析には {tokenizer} を用い、{f['tokens']} 形態素を得た。",
        "数える語 (抽出語) は README「数える語の規則」の規則 (機能的な言い回しの除外、強制抽出、名詞の連続の結合、述語の基本形、"
        "否定の区別、表記ゆれの固定の表による表記の統一) によって決め、"
        f"{f['term_types']} 語 (異なり)・{f['term_tokens']} 語 (延べ) を得た。",
        f"語リストは {lists}、コーディングルールは {f['rules']} ({f['codes']} コード) を用いた。"
        + absent_words_sentence(f),
        f"比べるグループは{f['by_label']} ({f['groups']} 群) で、比べる単位は事業とした。" + empty_groups_sentence(f),
        "語の順位は事業数、項目数、出現回数の順で、上位を選ぶときは同数の途中で切っていない。",
    ]
    if f["edge_cut"] is not None and f["edges"] < NETWORK_TOP:  # no cut was made: every co-occurring pair is drawn
        parts.append("共起ネットワークは2項目以上に出る語の Jaccard 係数で描き、"
                     f"辺 (共起する語の組) が {NETWORK_TOP} 本に満たないため、"
                     f"{f['edges']} 本 (係数 {f['edge_cut']:.3f} 以上) をすべて残した。")
    elif f["edge_cut"] is not None:
        parts.append(f"共起ネットワークは2項目以上に出る語の Jaccard 係数で描き、上位 {NETWORK_TOP} 本目の係数"
                     f" {f['edge_cut']:.3f} 以上の {f['edges']} 本をすべて残した。")
    else:  # said, not skipped (a hostile tester: one program's table had no word on the network at all)
        parts.append("共起ネットワークは、2項目以上で一緒に使われる語がないため描いていない。")
    if f["clusters"] is not None:
        parts.append(f"語の階層的クラスター分析と多次元尺度構成法は、{f['cluster_min']} 項目以上に出る {f['cluster_terms']} 語の"
                     " Jaccard 距離に対して行い (Ward 法・群平均法・最遠隣法、古典的尺度構成法)、"
                     f"{f['clusters']}。")
    else:
        parts.append(f"語の階層的クラスター分析と多次元尺度構成法は、{none_chosen(analysis['terms'])}ため"
                     "行っていない。")
    if f["ca_axes"]:
        axes = "、".join(f"第{k}軸 {share:.1%} (寄与の最も大きい{f['by_label']}: {group}{f['group_programs'].get(str(group), '')}"
                         f" {contribution:.1%})"
                         for k, (_, share, group, contribution) in enumerate(f["ca_axes"][:2], start=1))
        parts.append(f"対応分析は {chosen_terms(f['ca_terms'], f['ca_candidates'], *f['ca_choice'])} と{f['by_label']}の"
                     f"クロス表に対して行い、慣性の説明率は {axes} であった。")
        if len(f["ca_axes"]) > 2:  # a third axis and more: the map shows part of the inertia
            shown = sum(share for _, share, _, _ in f["ca_axes"][:2])
            parts.append(f"第1・第2軸の合計は {shown:.1%} で、残る {1 - shown:.1%} は第3軸以降にある (図は第1・第2軸)。")
        if len(f["ca_axes"]) <= 2:  # the axes shown are all there are
            parts.append(f"軸は {len(f['ca_axes'])} 本だけなので、説明率の合計が 100% になるのはこの表の形によるもので、"
                         "当てはまりの良さを表すものではない。")
    else:
        parts.append(f"対応分析は、語か{f['by_label']}が2つに満たないため行っていない。")
    parts.append(test_sentence(f))
    return "".join(parts)


def absent_words_sentence(f: dict) -> str:
    """How many of the rules' words occur in no item, when any does (rules written for another table: a code
    that cannot be found is no finding)."""
    if not f["absent_rule_words"] and not any(n for _, n in f["absent_by_table"]):
        return ""
    where = "この表" if len(f["absent_by_table"]) < 2 else f"{pieces(len(f['absent_by_table']))}の表"
    each = "、".join(f"{label} {n} 語" for label, n in f["absent_by_table"])
    return (f"ルールが名指す {f['rule_words']} 語のうち {f['absent_rule_words']} 語は、{where}のどの項目にも出てこない ("
            + (f"表ごとには {each} が出てこない。" if len(f["absent_by_table"]) > 1 else "")
            + "コードが 0 の事業は、その内容を書いていないとは限らず、ルールの語で書いていないだけのことがある)。")


def test_sentence(f: dict) -> str:
    """Which tests were run (and the correction), or why none could be."""
    if not f["tests"] and f["min_p_holm"] is not None:
        return (f"コードと{f['by_label']}の関連の検定は行っていない。{f['family']}を検定したとしても、"
                f"Holm の補正後に事業を単位にした並べ替えで得られうる最小の p は {f['min_p_holm']:.3f} で 0.05 に届かないため、"
                "事業数と正確な 95% 信頼区間 (Clopper–Pearson; codes.csv の ci_low・ci_high) で記述した。")
    if not f["tests"] and f["groups"] < 2:
        return f"{f['by_label']}が1つしかないため、コードと{f['by_label']}の検定は行っていない。"
    if not f["tests"]:
        return f"検定できるコード × 観点がないため、コードと{f['by_label']}の検定は行っていない。"
    return (f"コードの有無と{f['by_label']}の関連は、{'、'.join(f['tests'])} で調べ、"
            f"{'、'.join(f['corrections'])} の補正をかけた。補正後 p < 0.05 のコードは {f['significant']} 個であった。")
