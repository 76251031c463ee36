"""The registry of outputs: every registered table is written and read back as declared, and one new
statistic with one entry becomes a full output (file, loader, report's reader, workbook sheet)."""

from __future__ import annotations

import math

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
from kyodo_analysis.storage import load_analysis, read_table_file, write_analysis
from kyodo_analysis.tables import parquet_name

from .conftest import RAW, bundled_raw_dir
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
               headers={"tf_idf": "tf-idf"})


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
        assert cli("manifest", "add", str(raw / name), "--year", year, "--city", "逗子市")[0] == 0
    whole = analyze(table_files(raw))
    zushi = for_city(whole, "逗子市")
    own = set(zushi["terms"]["term"])
    others = set(whole["terms"]["term"]) - own
    assert others, "B's table has terms Zushi's tables do not"
    shown = {"cooccurrence_nodes": "node", "correspondence_terms": "term", "clusters": "term", "mds": "term"}
    pooled = {name for name, column in shown.items() if set(whole[name][column]) & others}
    assert pooled == {"correspondence_terms"}  # the pooled map holds B's terms…
    assert not any(set(zushi[name][column]) & others for name, column in shown.items())  # …Zushi's part none


def test_a_group_named_like_the_pooled_rows_is_refused(tmp_path):
    # keywords.csv marks its pooled rows 全体 in the group's column: a support type 全体 would give two rows
    # that cannot be told apart, so the table is refused (status 2, the file and the program's line named)
    from .conftest import cli

    raw = bundled_raw_dir(tmp_path / "raw")
    lines = RAW.read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(k for k, line in enumerate(lines) if "財政的支援" in line.split("\t")[0])
    lines[row] = lines[row].replace("財政的支援", "全体", 1)
    (raw / RAW.name).write_text("".join(lines), encoding="utf-8")
    cli("manifest", "add", str(raw / RAW.name))
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"))
    assert status == 2 and f"{RAW.name}:{row + 1}" in err and "「全体」" in err, err
    assert not (tmp_path / "out").exists()
