"""The methods paragraph: every number it states is read from the tables."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kyodo_analysis.analysis import Analysis, analyze
from kyodo_analysis.code_tests import NO_TEST
from kyodo_analysis.methods import methods_paragraph


def expected_numbers(a) -> set[str]:
    """Each number the paragraph may state, computed here from the tables themselves."""
    terms, edges = a["terms"], a["cooccurrence_edges"]
    term_edges = edges[edges["kind"] == "term"]
    groups, inertia = a["correspondence_groups"], a["correspondence_inertia"]
    mass = groups["n"] / groups["n"].sum()
    shares = [f"{s:.1%}" for s in inertia["share"][:2]]
    contributions = [f"{(mass * groups[axis] ** 2 / eig).max():.1%}" for axis, eig in
                     zip(inertia["axis"][:2], inertia["inertia"][:2], strict=True)]
    clusters = a["clusters"]
    tested = a["codes"][a["codes"]["test"] != NO_TEST]
    in_tests = {n for t in set(tested["test"]) | set(tested["correction"]) for n in re.findall(r"\d+", t)}
    info = a.metadata["dictionary"]
    codes = a["codes"]
    family = codes.dropna(subset=["min_p"]).drop_duplicates(["year", "code", "aspect"])
    no_test = {str(len(family)), f"{codes['min_p_holm'].min():.3f}"}
    rules = a.metadata["coding_rules"]  # the rules' words, and how many of them no item has
    no_test |= {str(rules["words"]), str(rules.get("absent_words") or 0)}
    return no_test | {str(len(a["programs"])), str(len(a["items"])), str(len(a["tokens"])), str(terms["term"].nunique()),
            str(len(terms)), str(a["codes"]["code"].nunique()), str(len(a.metadata["synonyms"])),
            str(a["items"]["support_type"].nunique()), str(len(term_edges)), f"{term_edges['jaccard'].min():.3f}",
            str(len(a["correspondence_terms"])), str(int((terms["term"].value_counts() >= 2).sum())), *shares, *contributions, f"{inertia['share'][:2].sum():.0%}", str(clusters["min_items"].iloc[0]),
            str(clusters["term"].nunique()), str(clusters["n_clusters"].iloc[0]),
            str(tested.loc[tested["p_holm"] < 0.05, "code"].nunique()), *in_tests,
            info["tokenizer_version"], info["dictionary_version"], info["unidic_version"],
            "60", "40", "1", "2", "0.05"}  # the settings: top 60 edges, 40 CA terms, axes 1–2, ≥2 items, p < .05


def test_every_number_of_the_paragraph_comes_from_the_tables(bundled_analysis):
    text = methods_paragraph(bundled_analysis)
    stated = re.findall(r"\d+(?:\.\d+)*%?", text.replace("95% 信頼区間", "信頼区間"))
    assert stated and set(stated) <= expected_numbers(bundled_analysis), set(stated) - expected_numbers(bundled_analysis)
    for fact in ("8 事業・36 項目", "区分 (3 群)", "上位 60 本目の係数 0.333 以上の 68 本", "3 項目以上に出る 19 語",
                 "README「数える語の規則」", "fugashi 1.5.2", "unidic-lite 1.0.8 (UniDic 2.1.2)",
                 "33 個のコード × 観点 (観点をまとめた「全体」を含む)を検定したとしても、Holm の補正後", "得られうる最小の p は 0.943 で 0.05 に届かない",
                 "kyodo_seika_zushi.tsv, 年度不明", "同義語 kyodo_analysis/resources/synonyms.txt (0 組)、"):
        assert fact in text, fact
    assert "表記ゆれの表 kyodo_analysis/resources/variants.txt、" in text  # the synonyms' count is not the variants'
    assert np.isclose(bundled_analysis["correspondence_inertia"]["share"].sum(), 1.0)
    assert "慣性の説明率は 第1軸" in text
    # an axis led by a group is said with the group's programs (a reviewer: one program's wording led an axis)
    assert "第1軸 60.5% (寄与の最も大きい区分: 人的支援 (2 事業) 79.0%)、第2軸 39.5% (寄与の最も大きい区分: 財政的支援 (3 事業)" in text
    assert "軸は 2 本だけなので、説明率の合計が 100% になるのはこの表の形による" in text  # three groups: two axes, all of it


def test_analyses_not_made_are_said_not_made(bundled_analysis):
    """No cluster analysis below three terms; a correspondence analysis of more than two axes does not call its
    first two the whole."""
    from kyodo_analysis.clusters import CLUSTER_COLUMNS

    tables = dict(bundled_analysis.tables)
    tables["clusters.csv"] = tables["clusters.csv"].iloc[0:0][CLUSTER_COLUMNS]
    tables["terms.csv"] = tables["terms.csv"][tables["terms.csv"]["term"].isin(["団体", "補助金"])]  # too few terms
    inertia = tables["correspondence_inertia.csv"]
    tables["correspondence_inertia.csv"] = pd.concat([inertia, inertia.tail(1).assign(axis="dim3")], ignore_index=True)
    tables["correspondence_groups.csv"] = tables["correspondence_groups.csv"].assign(dim3=0.1)  # four groups' third axis
    text = methods_paragraph(Analysis(tables, bundled_analysis.metadata))
    assert "語の階層的クラスター分析と多次元尺度構成法は、3 項目以上に出る語が 3 語に満たないため行っていない。" in text
    assert "軸は" not in text and "100%" not in text


def test_without_a_test_the_paragraph_says_why(bundled_analysis):
    tables = dict(bundled_analysis.tables)
    tables["codes.csv"] = tables["codes.csv"].assign(test=NO_TEST, p_value=np.nan, p_holm=np.nan, min_p_holm=np.nan)
    text = methods_paragraph(Analysis(tables, bundled_analysis.metadata))
    assert "検定できるコード × 観点がないため、コードと区分の検定は行っていない。" in text
    assert "Holm" not in text
    tables["items.csv"] = tables["items.csv"].assign(support_type="場の提供")  # one group: nothing to compare
    text = methods_paragraph(Analysis(tables, bundled_analysis.metadata))
    assert "区分が1つしかないため、コードと区分の検定は行っていない。" in text and "検定できるコード" not in text


def test_a_family_that_cannot_reach_significance_is_described_not_tested(bundled_analysis):
    text = methods_paragraph(bundled_analysis)  # 8 programs (3/2/3; 7 in two aspects), 33 tests: best Holm p 33·6/210
    assert ("最小の p は 0.943 で 0.05 に届かないため、事業数と正確な 95% 信頼区間 (Clopper–Pearson; codes.csv の ci_low・ci_high)"
            " で記述した。") in text  # the Word summary shows no interval: the paragraph says where they are
    assert "行っていない。33 個のコード × 観点 (観点をまとめた「全体」を含む)を検定したとしても" in text  # what was not run is said as not run
    assert "補正後 p < 0.05" not in text


def test_the_word_summary_ends_with_the_methods_paragraph(bundled_analysis, tmp_path):
    from docx import Document

    from kyodo_analysis.wordreport import write_summary

    path = write_summary(bundled_analysis, tmp_path / "figures", tmp_path / "summary.docx")
    paragraphs = [p.text for p in Document(path).paragraphs]
    assert paragraphs[-2:] == ["方法", methods_paragraph(bundled_analysis)]
    assert "表1　区分ごとの事業数と、観点ごとの項目数 (箇条書きの1項目を1件)" in paragraphs  # a reviewer: are these items?
    tables = [p for p in paragraphs if p.startswith("表")]  # every table numbered, as figures are: a reviewer cites 表3
    assert [t.split("　")[0] for t in tables] == [f"表{n}" for n in range(1, len(Document(path).tables) + 1)]
    assert tables[1] == "表2　財政的支援: コードごとの市の表の記述 (コードに当たる事業数・項目数と項目)"


def test_a_network_of_fewer_edges_than_the_cut_is_not_said_to_be_cut(bundled_analysis):
    """Under 60 co-occurring pairs no cut is made: the paragraph does not name a 60th edge (架空B市: 2 edges)."""
    tables = dict(bundled_analysis.tables)
    edges = tables["cooccurrence_edges.csv"]
    tables["cooccurrence_edges.csv"] = edges[edges["kind"] == "term"].head(2)
    text = methods_paragraph(Analysis(tables, bundled_analysis.metadata))
    cut = tables["cooccurrence_edges.csv"]["jaccard"].min()
    assert f"辺 (共起する語の組) が 60 本に満たないため、2 本 (係数 {cut:.3f} 以上) をすべて残した。" in text
    assert "本目の係数" not in text
    tables["cooccurrence_edges.csv"] = edges.iloc[0:0]  # no pair at all: said, not skipped (a hostile tester)
    text = methods_paragraph(Analysis(tables, bundled_analysis.metadata))
    assert "共起ネットワークは、2項目以上で一緒に使われる語がないため描いていない。" in text


def test_a_researchers_list_is_named_by_its_file_not_this_machines_folder(bundled_analysis):
    """The Word summary printed /tmp/…/references/forced_terms.txt: a folder of the machine that ran it, which
    no reader has (metadata.json keeps the whole path)."""
    import copy

    from kyodo_analysis.analysis import Analysis

    metadata = copy.deepcopy(bundled_analysis.metadata)
    metadata["word_lists"]["forced_terms"]["source"] = "/home/kenkyu/project/references/forced_terms.txt"
    metadata["coding_rules"]["source"] = "/home/kenkyu/project/references/my_codes.txt"
    text = methods_paragraph(Analysis(bundled_analysis.tables, metadata))
    assert "/home/kenkyu" not in text and "強制抽出 forced_terms.txt、" in text and "コーディングルールは my_codes.txt (" in text
    assert "使用しない語 kyodo_analysis/resources/stop_words.txt" in text  # the package's lists by their place in it


def test_a_map_of_two_of_three_axes_says_how_much_of_the_inertia_it_shows():
    """Four groups give three axes: 「3 軸で慣性の 100% を説明します」 sat under a map of two axes (77.9 %), and the
    methods named axes 1 and 2 only (an auditor). The map's note, the page's text and the methods say the rest."""
    from kyodo_analysis.headings import _correspondence_text
    from kyodo_analysis.plots.maps import plot_correspondence

    from .conftest import ROOT

    a = analyze([ROOT / "tests" / "fixtures" / "kyodo_seika_zushi_R7_renumbered.xlsx"])  # 4 groups: 47.9 / 30.0 / 22.1 %
    assert a["correspondence_inertia"]["share"].round(3).tolist() == [0.479, 0.3, 0.221]
    fig = plot_correspondence(a["correspondence_terms"], a["correspondence_groups"], a["correspondence_inertia"],
                              a["items"], a.metadata, 50)
    assert any("3 軸で慣性の 100% を説明します (この図の2軸はそのうち 77.9%)" in t.get_text().replace("\n", "")
               for t in fig.texts)
    assert "第1・第2軸の合計は 77.9% で、残る 22.1% は第3軸以降にある (図は第1・第2軸)。" in methods_paragraph(a)
    assert _correspondence_text("区分", 4).endswith("3 軸で慣性の 100% を説明します。図はそのうち第1・第2軸です。")
    assert _correspondence_text("区分", 3).endswith("2 軸で慣性の 100% を説明します。")


def test_the_readmes_calls_for_other_thresholds_run_and_their_maps_say_their_own_values(bundled_analysis):
    """A KH Coder user: the README's kyodo_analysis.correspondence.correspondence(...) raised AttributeError (the
    package's verb hides its module), and a map made with top_n=30 was said to hold 「上位 40 語」."""
    import subprocess
    import sys

    import kyodo_analysis
    from kyodo_analysis.correspondence import candidate_count, choice_of, chosen_terms

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    calls = re.findall(r"`(kyodo_analysis\.[\w.]+\([^`]*\))`", readme)
    imports = "".join(f"import {m}\n" for m in ["kyodo_analysis", *re.findall(r"`import (kyodo_analysis[\w.]*)`", readme)])
    reached = "".join(f"assert callable({call.split('(')[0]})\n" for call in calls)  # as written, in a fresh process
    checked = subprocess.run([sys.executable, "-c", imports + reached], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    bound = {"kyodo_analysis": kyodo_analysis, "terms": bundled_analysis["terms"], "items": bundled_analysis["items"]}
    results = {call.split("(")[0]: eval(call, bound) for call in calls if "(terms, " in call}  # as a notebook calls them
    assert len(results) == 3
    assert results["kyodo_analysis.clusters.term_clusters"]["clusters.csv"]["n_clusters_asked"].iloc[0] == 4
    terms, _, _ = kyodo_analysis.correspondence(bound["terms"], bound["items"], top_n=30)
    assert choice_of(terms) == (30, 2) and choice_of(bundled_analysis["correspondence_terms"]) == (40, 2)
    said = chosen_terms(len(terms), candidate_count(bound["terms"], bound["items"], 2), *choice_of(terms))
    assert said.startswith("χ² の大きい上位 30 語 (同数を含め")
