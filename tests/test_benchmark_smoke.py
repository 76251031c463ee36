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
    assert not table.warnings
    assert 20_000 <= table.items["text"].str.len().sum() < 21_000
    assert set(table.log["category"]) >= {"title", "header", "guidance", "blank", "data"}


def test_benchmark_prints_every_stage_and_the_whole_analyze_ratio(tmp_path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert bench().main(["--sizes", "3000", "6000", "--out", str(tmp_path)]) == 0
    lines = out.getvalue().strip().splitlines()
    fields = dict(part.split("=") for part in lines[-1].split())
    assert {"chars", "analyze_chars_per_s", "floor_chars_per_s", "ratio", "peak_rss_mb"} <= set(fields)
    assert int(fields["chars"]) >= 6000 and float(fields["ratio"]) > 0
    stages = {part.split("]")[0].strip("[") for line in lines for part in line.split() if part.startswith("[")}
    assert {"clean", "tokens", "terms", "code_tests", "network_and_ca", "write_files"} <= stages
    assert (tmp_path / "processed_6000" / "codes.csv").exists() and (tmp_path / "processed_6000" / "tokens.parquet").exists()
