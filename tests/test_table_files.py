"""Token-level tables as Parquet (and CSV while they fit in Excel), aggregate tables as CSV; read back alike."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_analysis import tables
from kyodo_analysis.analysis import analyze
from kyodo_analysis.report import workbook
from kyodo_analysis.storage import MAIN_TABLES, SUPPORT_TABLES, TOKEN_TABLES, load_analysis, write_analysis
from kyodo_analysis.tables import read_csv, read_parquet

from .conftest import RAW, bundled_raw_dir

PARQUET = ["tokens.parquet", "terms.parquet", "mentions.parquet"]


@pytest.fixture(scope="module")
def bundled_twice(tmp_path_factory):
    """The bundled table analysed and written twice, in two folders."""
    raw = bundled_raw_dir(tmp_path_factory.mktemp("raw")) / RAW.name
    folders = [tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")]
    for folder in folders:
        write_analysis(analyze([raw]), folder)
    return folders


def test_token_tables_are_parquet_and_csv_with_the_same_rows_and_types(bundled_twice):
    first, _ = bundled_twice
    for name in TOKEN_TABLES:
        parquet = read_parquet(first / name.replace(".csv", ".parquet"))
        pd.testing.assert_frame_equal(parquet, read_csv(first / name))
    tokens = read_parquet(first / "tokens.parquet")
    assert tokens.dtypes.astype(str).to_dict() == {
        "item_id": "string", "token_no": "Int64", "surface": "string", "base": "string", "lemma": "string",
        "lemma_reading": "string", "pos1": "string", "pos2": "string", "pos3": "string", "is_unknown": "boolean",
        "start": "Int64"}
    assert tokens["lemma_reading"].isna().any()  # an unknown word's empty reading is missing, as in the CSV


def test_a_parquet_table_written_a_row_group_at_a_time_reads_back_whole(bundled_twice, tmp_path, monkeypatch):
    """Row groups of 100 tokens: the same rows and types as the CSV, in as many groups as it takes; a group
    whose text is all missing keeps the text type."""
    import pyarrow.parquet as pq

    tokens = read_csv(bundled_twice[0] / "tokens.csv")
    tokens.loc[100:199, "lemma_reading"] = pd.NA
    monkeypatch.setattr(tables, "PARQUET_ROWS", 100)
    tables.write_parquet(tokens, tmp_path / "tokens.parquet")
    pd.testing.assert_frame_equal(read_parquet(tmp_path / "tokens.parquet"), tokens)
    assert pq.ParquetFile(tmp_path / "tokens.parquet").metadata.num_row_groups == -(-len(tokens) // 100) > 5
    tables.write_parquet(tokens.head(0), tmp_path / "empty.parquet")
    pd.testing.assert_frame_equal(read_parquet(tmp_path / "empty.parquet"), tokens.head(0))


def test_two_runs_write_byte_identical_files_parquet_included(bundled_twice):
    first, second = bundled_twice
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert set(PARQUET) <= set(names) and sum(n.endswith(".csv") for n in names) == len(MAIN_TABLES + SUPPORT_TABLES)
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_metadata_lists_every_file_written_with_its_rows(bundled_twice):
    first, _ = bundled_twice
    listed = json.loads((first / "metadata.json").read_text(encoding="utf-8"))["tables"]
    assert set(listed) == {p.name for p in first.iterdir()} - {"metadata.json"}
    assert listed["tokens.parquet"] == listed["tokens.csv"] and listed["tokens.parquet"]["rows"] > 1000


def test_a_token_table_past_excels_rows_is_parquet_only_and_still_loads(bundled_twice, tmp_path, monkeypatch):
    first, _ = bundled_twice
    analysis = load_analysis(first)
    mentions = len(analysis["mentions"])
    monkeypatch.setattr(tables, "EXCEL_ROWS", mentions + 1)  # mentions fit exactly (header included); tokens do not
    write_analysis(analysis, tmp_path)
    written = {p.name for p in tmp_path.iterdir()}
    assert {"mentions.csv", "mentions.parquet", "tokens.parquet", "terms.parquet"} <= written
    assert "tokens.csv" not in written and "terms.csv" in written  # every term is a mention: terms ≤ mentions
    reloaded = load_analysis(tmp_path)
    for name in ("tokens", "terms", "mentions", "keywords", "codes"):
        pd.testing.assert_frame_equal(reloaded[name], analysis[name])


def test_report_reads_back_a_run_whose_token_table_is_parquet_only(bundled_twice, tmp_path, monkeypatch, raw_dir):
    """``report`` re-reads a run's tables, each checked against what metadata.json records of the file read: a
    token table past Excel's rows is recorded and read as Parquet only. (It was refused as damaged, looked up
    by its CSV's name: every run of more than about 1.7·10^6 characters.)"""
    from kyodo_analysis.pipeline import processed_analysis

    from .conftest import cli

    out, usual = tmp_path / "out", load_analysis(bundled_twice[0])  # a run whose tables all fit in Excel
    monkeypatch.setattr(tables, "EXCEL_ROWS", len(usual["mentions"]) + 1)  # tokens do not fit, mentions do
    status, _, err = cli("analyze", "--raw-dir", str(raw_dir), "--out", str(out))
    assert status == 0, err
    assert not (out / "tokens.csv").exists() and (out / "tokens.parquet").exists() and (out / "mentions.csv").exists()
    reread = processed_analysis(out)
    for name in ("tokens", "terms", "mentions", "keywords"):
        pd.testing.assert_frame_equal(reread[name], usual[name])


def test_loading_reads_parquet_where_it_read_csv_and_older_csv_only_outputs(bundled_twice, tmp_path):
    first, _ = bundled_twice
    loaded = load_analysis(first)
    for name in TOKEN_TABLES:
        (tmp_path / name).write_bytes((first / name).read_bytes())
        pd.testing.assert_frame_equal(loaded[name], read_csv(first / name))
    (first / "tokens.csv").rename(tmp_path / "kept.csv")  # load_analysis must not need the CSV
    try:
        pd.testing.assert_frame_equal(load_analysis(first)["tokens"], loaded["tokens"])
    finally:
        (tmp_path / "kept.csv").rename(first / "tokens.csv")


def test_the_package_keeps_its_own_string_storage_with_pyarrow_installed(bundled_twice):
    """Tables made and tables read back hold text as Python objects (:mod:`kyodo_analysis.dtypes`)."""
    pytest.importorskip("pyarrow")
    loaded = load_analysis(bundled_twice[0])
    setting = pd.get_option("mode.string_storage")
    made = analyze([bundled_raw_dir(bundled_twice[0].parent / "raw_again") / RAW.name])
    assert pd.get_option("mode.string_storage") == setting  # the analysis's own setting ends with it
    for analysis in (loaded, made):
        for name, table in analysis.tables.items():
            storages = {dtype.storage for dtype in table.dtypes if isinstance(dtype, pd.StringDtype)}
            assert storages <= {"python"}, name
    assert {loaded["tokens"][c].dtype.storage for c in ("item_id", "surface", "lemma")} == {"python"}


def test_importing_the_package_leaves_pandas_as_it_was(bundled_twice):
    """A researcher's own reads after ``import kyodo_analysis`` are pandas' own (Arrow text with pyarrow)."""
    pytest.importorskip("pyarrow")
    script = ("import pandas as pd; before = pd.get_option('mode.string_storage'); import kyodo_analysis; "
              "assert pd.get_option('mode.string_storage') == before, pd.get_option('mode.string_storage'); "
              f"tokens = pd.read_parquet({str(bundled_twice[0] / 'tokens.parquet')!r}); "
              "print(tokens['surface'].dtype.storage, pd.Series(['あ']).dtype.storage)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["pyarrow", "pyarrow"]


def test_the_fast_csv_writer_gives_the_reference_bytes_for_every_table(bundled_twice, tmp_path):
    from kyodo_analysis.storage import DECIMALS

    analysis = load_analysis(bundled_twice[0])
    for name, frame in analysis.tables.items():
        frame = frame.round(DECIMALS)
        tables.write_csv(frame, tmp_path / "fast.csv")
        tables.write_csv_reference(frame, tmp_path / "reference.csv")
        assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "reference.csv").read_bytes(), name


TEXT = st.one_of(st.none(), st.just(""), st.text(alphabet='a,"\n\r ;あ\t\'x補', max_size=6))


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(TEXT, st.one_of(st.none(), st.integers(-3, 10**12)), st.booleans(),
                               st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=32)), TEXT),
                     max_size=25),
       rows_at_once=st.integers(1, 7), piece_chars=st.integers(1, 40))
def test_the_fast_csv_writer_quotes_and_leaves_empty_as_pandas_does(rows, rows_at_once, piece_chars, tmp_path_factory):
    """Byte for byte pandas' CSV, however the rows are cut into blocks and the lines into pieces."""
    folder = tmp_path_factory.mktemp("csv")
    frame = pd.DataFrame(rows, columns=["text", "count", "flag", "value", "note"]).astype(
        {"text": "string", "count": "Int64", "flag": bool, "value": "Float64"})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tables, "ROWS_AT_ONCE", rows_at_once)
        patch.setattr(tables, "PIECE_CHARS", piece_chars)
        tables.write_csv(frame, folder / "fast.csv")
    tables.write_csv_reference(frame, folder / "reference.csv")
    assert (folder / "fast.csv").read_bytes() == (folder / "reference.csv").read_bytes()



CELL = st.one_of(TEXT, st.booleans(), st.integers(-2, 2), st.floats(-2, 2, width=16), st.just(float("nan")),
                 st.text(alphabet="ａＡ１あア\u3000é\n", max_size=4))


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(CELL, CELL, TEXT, st.one_of(st.none(), st.integers(0, 10**6))), max_size=20))
def test_cell_widths_measured_once_per_value_equal_each_cell_measured(rows):
    """The workbook's widths and heights read each distinct value once; equal to measuring every cell, also
    where a column mixes values that compare equal but read otherwise (True, 1, 1.0; 0.0, -0.0)."""
    frame = pd.DataFrame(rows, columns=["mixed", "more", "text", "count"], dtype=object).astype(
        {"text": "string", "count": "Int64"})
    pd.testing.assert_frame_equal(workbook.cell_widths(frame), frame.map(workbook._display_width))
    equal_keys = pd.DataFrame({"x": [True, 1, 1.0, "1", 0.0, -0.0]}, dtype=object)
    assert workbook.cell_widths(equal_keys)["x"].tolist() == [4, 1, 3, 1, 3, 4]


def test_a_csv_named_tsv_is_read_as_the_csv_and_a_workbook_named_txt_is_said_to_be_one(tmp_path, capsys):
    """A CSV saved as .tsv said 「必要な列が見つかりません」, a workbook saved as .txt 「NUL バイトを含むバイナリ」 (a hostile
    tester). Lines with commas and no tab are a CSV whatever their name; a zip is named as the workbook it is."""
    from kyodo_analysis.cleaning import clean_table

    from .conftest import FIXTURES, NEW_YEAR_CSV

    named = tmp_path / "r7.tsv"
    named.write_bytes(NEW_YEAR_CSV.read_bytes())
    assert clean_table(named).items["text"].tolist() == clean_table(NEW_YEAR_CSV).items["text"].tolist()
    book = tmp_path / "r7.txt"
    book.write_bytes((FIXTURES / "kyodo_seika_zushi_R7_renumbered.xlsx").read_bytes())
    from kyodo_analysis.cli import main

    assert main(["validate", str(book)]) == 2
    assert "Excel ブック (.xlsx) のようです (拡張子は .txt)" in capsys.readouterr().err
