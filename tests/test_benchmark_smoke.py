"""A small run of the throughput benchmark, so that it cannot silently break (no timing is asserted)."""

from __future__ import annotations

import contextlib
import importlib.util
import io

from kyodo_analysis.cleaning import clean_table

from .conftest import ROOT


def bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_tables_keep_the_raw_format(tmp_path):
    text = bench().synthetic_table(20_000)
    assert text.count("これまでの取り組みに係る協働の成果等") >= 2
    assert text.count("区分\tNO\t事業名") >= 1 and '<ul style="list-style-type: none">' in text
    path = tmp_path / "synthetic.tsv"
    path.write_text(text, encoding="utf-8")
    table = clean_table(path)
    assert table.warnings == []
    assert 20_000 <= table.items["text"].str.len().sum() < 21_000
    assert set(table.log["category"]) >= {"title", "header", "guidance", "blank", "data"}


def test_benchmark_prints_a_summary_line_and_parallel_output_is_identical(tmp_path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert bench().main(["--sizes", "3000", "6000", "--workers", "2", "--repeat", "1", "--out", str(tmp_path)]) == 0
    summary = out.getvalue().strip().splitlines()[-1]
    fields = dict(part.split("=") for part in summary.split())
    assert {"chars", "pipeline_chars_per_s", "floor_chars_per_s", "ratio", "peak_rss_mb", "parallel_speedup"} <= set(fields)
    assert int(fields["chars"]) >= 6000 and float(fields["ratio"]) > 0
    assert fields["parallel_identical"] == "True"


def test_the_fingerprint_sees_values_and_category_order():
    import pandas as pd

    fingerprint = bench().fingerprint
    frame = pd.DataFrame({"term": pd.Categorical(["補助", "協働"], categories=["補助", "協働"]), "n": [1, 2]})
    same = pd.DataFrame({"term": pd.Categorical(["補助", "協働"], categories=["補助", "協働"]), "n": [1, 2]})
    reordered = frame.assign(term=frame["term"].cat.reorder_categories(["協働", "補助"]))
    assert fingerprint(frame) == fingerprint(same)
    assert fingerprint(frame) != fingerprint(reordered)
    assert fingerprint(frame) != fingerprint(frame.assign(n=[1, 3]))
    assert fingerprint(frame) != fingerprint(frame.assign(n=frame["n"].astype("Int64")))
