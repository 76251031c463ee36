"""The registry of outputs: every registered table is written and read back as declared, and one new
statistic with one entry becomes a full output (file, loader, report's reader, workbook sheet)."""

from __future__ import annotations

import ast
import importlib
import inspect
import math
import textwrap
import types

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kyodo_analysis import registry
from kyodo_analysis.analysis import analyze
from kyodo_analysis.manifest import table_files
from kyodo_analysis.pipeline import processed_analysis
from kyodo_analysis.registry import Inputs, Output
from kyodo_analysis.report import write_workbook
from kyodo_analysis.sentences import page_sources
from kyodo_analysis.storage import load_analysis, read_table_file, write_analysis
from kyodo_analysis.tables import parquet_name

from .conftest import RAW, ROOT, bundled_raw_dir
from .test_other_cities import city_folder


def check_round_trip(analysis, out) -> None:
    """Every registered table written is read back: the same columns as the table in memory, each declared
    column present with its declared type (also where the table is empty), and no file left unread."""
    write_analysis(analysis, out)
    loaded = load_analysis(out)
    written = {p.name for p in out.iterdir() if p.suffix == ".csv"}
    assert written == set(loaded.tables) == set(registry.names())
    for entry in registry.outputs():
        frame = loaded.tables[entry.name]
        assert list(frame.columns) == list(analysis.tables[entry.name].columns), entry.name
        assert len(frame) == len(analysis.tables[entry.name]), entry.name
        declared = entry.columns
        assert set(declared) <= set(frame.columns), (entry.name, set(declared) - set(frame.columns))
        found = {c: str(frame[c].dtype) for c in declared}
        assert found == declared, entry.name
        if entry.token:
            assert (out / parquet_name(entry.name)).exists()
            from_csv = read_table_file(out / entry.name)  # the CSV a spreadsheet opens holds the same table
            pd.testing.assert_frame_equal(from_csv, frame, check_exact=False)
    assert set(processed_analysis(out).tables) == set(registry.names())


def test_every_registered_table_of_the_bundled_table_is_read_back_as_declared(bundled_analysis, tmp_path):
    check_round_trip(bundled_analysis, tmp_path / "out")


def test_the_made_up_cities_tables_are_read_back_as_declared_even_when_empty(tmp_path):
    # unknown_words.csv and synonym_candidates.csv are empty here: they came back as untyped object columns,
    # and codes.csv's p values (all whole numbers) as Int64, before the registry declared their types
    result = analyze(table_files(city_folder(tmp_path / "abc")), by="city")
    assert result["unknown_words"].empty and result["synonym_candidates"].empty
    check_round_trip(result, tmp_path / "out")
    loaded = load_analysis(tmp_path / "out")
    assert str(loaded["codes"]["p_value"].dtype) == "Float64"
    assert str(loaded["unknown_words"]["n"].dtype) == "Int64"


def test_a_table_with_every_kind_of_row_is_read_back_as_declared(tmp_path):
    """A table whose optional tables all have rows (spelling candidates with the line that accepts them,
    unknown words): a column declared with the wrong type fails here (synonyms_line was declared Int64)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "t.tsv").write_text(
        "区分\tNO\t事業名\t仕組みとして効果があったこと\t仕組みとして限界があったこと\t今後、必要と考えること\n"
        "財政的支援\t1\t補助\t・NPOと連携した\t・ＮＰＯの支援が足りない\t・コーディネータの役割\n"
        "人的支援\t2\t人\t・コーディネーターを置く\t・ワークショツプの回数\t・ワークショップの拡充\n", encoding="utf-8")
    result = analyze([raw / "t.tsv"])
    assert {"NPO = ＮＰＯ", "ワークショップ = ワークショツプ"} <= set(result["synonym_candidates"]["synonyms_line"])
    check_round_trip(result, tmp_path / "out")


def tfidf(inputs: Inputs) -> pd.DataFrame:
    """tf-idf of each term in each compared group: its share of the group's terms × log(groups / groups using it)."""
    by = inputs.comparison.by
    terms = inputs.tables["terms.csv"].merge(inputs.items[["item_id", by]], on="item_id")
    counted = terms.groupby([by, "term"]).size().rename("n").reset_index()
    groups = counted[by].nunique()
    using = counted.groupby("term")[by].transform("size")
    share = counted["n"] / counted.groupby(by)["n"].transform("sum")
    return counted.assign(tf_idf=share * np.log(groups / using))


TFIDF = Output("term_tfidf.csv", "tfidf", "term:s n:i tf_idf:f", grouped=True, compute=tfidf, sheet="語のtf-idf",
               headers={"tf_idf": "tf-idf"}, pages=("2.0-keywords",))


@pytest.fixture
def with_tfidf(monkeypatch):
    monkeypatch.setattr(registry, "OUTPUTS", (*registry.OUTPUTS, TFIDF))


def test_one_registered_statistic_becomes_a_full_output(with_tfidf, tmp_path):
    result = analyze([bundled_raw_dir(tmp_path / "raw") / RAW.name])
    out = tmp_path / "out"
    check_round_trip(result, out)
    loaded = load_analysis(out)["term_tfidf"]
    assert list(loaded.columns) == ["support_type", "term", "n", "tf_idf"]
    terms = result["terms"].merge(result["items"][["item_id", "support_type"]], on="item_id")
    assert len(loaded) == len(terms[["support_type", "term"]].drop_duplicates())
    # a term all three support types use has idf log(3/3) = 0; a term of one group only gets log 3 × its share
    everywhere = loaded.groupby("term")["term"].transform("size") == 3
    assert everywhere.sum() >= 3 and (loaded.loc[everywhere, "tf_idf"] == 0).all()
    group_sizes = terms.groupby("support_type").size()
    once = loaded[loaded.groupby("term")["term"].transform("size") == 1].iloc[0]
    expected = round(once["n"] / group_sizes[once["support_type"]] * math.log(3), 6)
    assert once["tf_idf"] == pytest.approx(expected, abs=1e-6)
    sheet = openpyxl.load_workbook(write_workbook(load_analysis(out), tmp_path / "book.xlsx"))["語のtf-idf"]
    assert [c.value for c in sheet[1]] == ["区分", "語", "出現回数", "tf-idf"]
    assert sheet.max_row == len(loaded) + 1
    assert "term_tfidf.csv" in page_sources("2.0-keywords", "out") and "term_tfidf" not in page_sources("1.0-cleaning", "out")


def test_a_table_made_without_a_registry_entry_stops_the_run(monkeypatch, tmp_path):
    monkeypatch.setattr(registry, "OUTPUTS", tuple(o for o in registry.OUTPUTS if o.name != "mds_axes.csv"))
    with pytest.raises(RuntimeError, match=r"mds_axes\.csv"):
        analyze([bundled_raw_dir(tmp_path / "raw") / RAW.name])


def test_one_citys_part_holds_only_its_own_terms(tmp_path):
    # made-up city B (2024) beside Zushi's two years: for_city(逗子市) recomputes the network, the map and the
    # clusters from Zushi's terms (they used to be B's and Zushi's pooled, as the registry now declares)
    import shutil

    from kyodo_analysis.slices import for_city

    from .conftest import NEW_YEAR_CSV, cli

    raw = city_folder(tmp_path, "b")
    shutil.copy(RAW, raw / RAW.name)
    shutil.copy(NEW_YEAR_CSV, raw / "zushi_2025.csv")
    for name, year in ((RAW.name, "2024"), ("zushi_2025.csv", "2025")):
        assert cli("manifest", "add", str(raw / name), "--year", year, "--city", "逗子市", "--title", "協働の成果等")[0] == 0
    whole = analyze(table_files(raw))
    zushi = for_city(whole, "逗子市")
    own = set(zushi["terms"]["term"])
    others = set(whole["terms"]["term"]) - own
    assert others, "B's table has terms Zushi's tables do not"
    shown = {"cooccurrence_nodes": "node", "correspondence_terms": "term", "clusters": "term", "mds": "term"}
    pooled = {name for name, column in shown.items() if set(whole[name][column]) & others}
    assert pooled == {"correspondence_terms"}  # the pooled map holds B's terms…
    assert not any(set(zushi[name][column]) & others for name, column in shown.items())  # …Zushi's part none


def test_a_group_named_zenntai_is_told_apart_from_the_pooled_rows(tmp_path, bundled_analysis):
    # Pooled rows are marked by the column all_groups (their group cell empty), never by a value: a support
    # type literally named 全体 keeps its own rows, equal to those the same programs had under their old name.
    raw = bundled_raw_dir(tmp_path / "raw")
    text = RAW.read_text(encoding="utf-8")
    assert text.count("財政的支援") == 1  # one cell, inherited by the programs below it
    (raw / RAW.name).write_text(text.replace("財政的支援", "全体"), encoding="utf-8")
    renamed = analyze([raw / RAW.name])
    for name, column in (("word_counts", "word"), ("keyword_trends", "term")):
        before, after = bundled_analysis[name], renamed[name]
        assert before["all_groups"].sum() == after["all_groups"].sum() > 0
        pooled = [t[t["all_groups"]].drop(columns="support_type").reset_index(drop=True) for t in (before, after)]
        pd.testing.assert_frame_equal(*pooled)
        assert after.loc[after["all_groups"], "support_type"].isna().all()
        old = before[~before["all_groups"] & (before["support_type"] == "財政的支援")].reset_index(drop=True)
        new = after[~after["all_groups"] & (after["support_type"] == "全体")].reset_index(drop=True)
        assert len(new) > 0 and new[column].tolist() == old[column].tolist()
        pd.testing.assert_frame_equal(new.drop(columns="support_type"), old.drop(columns="support_type"))


# ---------------------------------------------------------------- where each table is shown


def drawn_from(specs, analysis) -> dict[str, set[str]]:
    """Each figure of ``specs`` and the registered tables handed to its plot function (by identity)."""
    return {name: {t for t in analysis.tables for arg in args if arg is analysis.tables[t]} for name, _, args in specs}


def test_each_figure_declares_the_tables_it_is_drawn_from(bundled_analysis, two_year_run, tmp_path):
    from kyodo_analysis.plots import figure_specs, year_figure_specs

    unpaired = analyze(table_files(city_folder(tmp_path, "a")))  # no positive and negative aspects
    two_years = load_analysis(two_year_run[0] / "processed")
    checked = {}
    for analysis, specs in ((bundled_analysis, figure_specs(bundled_analysis)), (unpaired, figure_specs(unpaired)),
                            (two_years, year_figure_specs(two_years))):
        by = analysis.metadata["comparison"]["by"]
        for figure, tables in drawn_from(specs, analysis).items():
            assert set(registry.figure_tables(figure, by)) == tables, figure
            checked[figure] = tables
    assert len(checked) == 14 and checked["cooccurrence_network"] == {"cooccurrence_nodes.csv", "cooccurrence_edges.csv",
                                                                      "items.csv"}
    declared = {f.format(by="support_type") for o in registry.outputs() for f in o.figures}
    assert declared == set(checked)  # no figure declared that is not drawn


NOTEBOOKS = ROOT / "notebooks"


def test_each_page_declares_the_tables_its_numbers_come_from():
    # What a page reads: the tables its cells subscript, and those read by the package functions it calls,
    # followed into the functions they call (read statically, both branches of an if included). Loading,
    # slicing and checking the analysis are not showing it.
    import json

    import kyodo_analysis as ka
    from kyodo_analysis.slices import curation_of_part

    setup = {ka.load_or_analyze, ka.for_year, ka.for_city, ka.for_cities_of, ka.check_facts, curation_of_part}  # a part's word-list
    # reports are remade when a year is sliced (2.0 shows them, and declares so)
    pages = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert [p.stem for p in pages] == list(registry.ALL_PAGES)
    for page in pages:
        cells = [ast.parse("".join(c["source"])) for c in json.loads(page.read_text(encoding="utf-8"))["cells"]
                 if c["cell_type"] == "code"]
        scope = {"ka": ka}
        for tree in cells:
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    module = importlib.import_module(node.module)
                    scope |= {a.asname or a.name: getattr(module, a.name) for a in node.names}
        found, seen = set(), set(setup)
        for tree in cells:
            found |= subscripted(tree) | {t for f in called(tree, scope) for t in tables_read(f, seen)}
        assert found == set(registry.page_tables(page.stem)), page.name
        assert page.stem in "".join(ast.unparse(t) for t in cells)  # the page names itself for page_sources


def subscripted(tree: ast.AST) -> set[str]:
    """The registered tables a piece of code subscripts by a literal name (``analysis["codes"]``)."""
    names = set(registry.names())
    return {f"{n.slice.value.removesuffix('.csv')}.csv" for n in ast.walk(tree) if isinstance(n, ast.Subscript)
            and isinstance(n.slice, ast.Constant) and isinstance(n.slice.value, str)
            and f"{n.slice.value.removesuffix('.csv')}.csv" in names}


def called(tree: ast.AST, scope: dict):
    """The package's functions a piece of code calls (names and ``module.name`` resolved in ``scope``)."""
    def resolve(node):
        if isinstance(node, ast.Name):
            return scope.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(base := resolve(node.value), types.ModuleType):
            return getattr(base, node.attr, None)
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and inspect.isfunction(f := resolve(node.func)) and f.__module__.startswith("kyodo_analysis"):
            yield inspect.unwrap(f)


def tables_read(function, seen: set) -> set[str]:
    """The registered tables ``function`` and the package functions it calls read by a literal name."""
    if function in seen:
        return set()
    seen.add(function)
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return subscripted(tree) | {t for f in called(tree, function.__globals__) for t in tables_read(f, seen)}


def test_every_figure_and_table_a_cell_makes_is_shown():
    """A notebook cell shows only its last expression: a figure or table made before it, or inside an ``if``
    or a ``for``, and not passed to ``display``, is made and never shown (the 3.0 page's dendrogram was)."""
    import json

    def shown_calls(tree: ast.Module) -> set[ast.AST]:
        roots = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Name) and node.func.id == "display"]
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            roots.append(tree.body[-1])
        return {node for root in roots for node in ast.walk(root)}

    unshown = []
    for page in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in json.loads(page.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            tree = ast.parse("".join(cell["source"]))
            made = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"show", "show_table"}]
            unshown += [(page.name, cell["id"], ast.unparse(node)[:60]) for node in made if node not in shown_calls(tree)]
    assert unshown == []
