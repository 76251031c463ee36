"""The command line: clean writes the three tables (UTF-8 with BOM, deterministic); validate writes nothing."""

from __future__ import annotations

import pytest

from kyodo_analysis.cli import main
from kyodo_analysis.tables import read_csv

from .conftest import RAW, ROOT, cli
from .test_cleaning_bundled import ITEM_COLUMNS

TABLES = ["items.csv", "programs.csv", "cleaning_log.csv"]


def test_clean_writes_three_bom_csvs_that_read_back(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["clean", str(RAW), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(TABLES)
    for name in TABLES:
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf")
    items = read_csv(out / "items.csv")
    assert list(items.columns) == ITEM_COLUMNS and len(items) == 36
    assert items.loc[items["item_id"] == "kyodo_seika_zushi-05-limitation-02", "text"].item() == (
        "課内の別の職員(特に上司)への啓発が進まない。")
    assert "項目 36 件" in capsys.readouterr().out


def test_clean_is_byte_identical_on_rerun(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["clean", str(RAW), "--out", str(first)]) == 0
    assert main(["clean", str(RAW), "--out", str(second)]) == 0
    for name in TABLES:
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_validate_prints_a_summary_and_writes_nothing(tmp_path, capsys, raw_dir):
    before = sorted(p.name for p in raw_dir.iterdir())
    assert main(["validate", str(raw_dir / RAW.name)]) == 0
    out = capsys.readouterr().out
    assert "事業 8 件, 項目 36 件" in out
    assert "区分ごとの事業数: 財政的支援 3, 人的支援 2, 場の提供 3" in out
    assert "財政的支援 の項目数: 効果 6, 限界 5, 今後 3" in out
    assert "空のセル: NO 6 限界, NO 6 今後" in out
    assert "年度不明" in out
    assert sorted(p.name for p in raw_dir.iterdir()) == before


def test_the_command_line_module_run_as_a_script_is_the_command(tmp_path):
    import subprocess
    import sys

    for module in ("kyodo_analysis", "kyodo_analysis.cli"):
        result = subprocess.run([sys.executable, "-m", module, "validate", str(RAW)], capture_output=True, text=True,
                                cwd=tmp_path)
        assert result.returncode == 0 and "項目 36 件" in result.stdout, (module, result.stderr)
        result = subprocess.run([sys.executable, "-m", module, "validate", str(tmp_path / "none.tsv")],
                                capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 2 and "none.tsv" in result.stderr, module


@pytest.mark.parametrize("command", ["run", "report"])
def test_run_outside_the_repository_stops_for_its_notebooks_before_any_work(tmp_path, raw_dir, command):
    """Started where there is no notebooks/ folder, run (and report) say so before cleaning or analysing:
    nothing printed of a stage, nothing written."""
    status, out, err = cli(command, "--raw-dir", str(raw_dir), "--out", str(tmp_path / "out"),
                           "--reports", str(tmp_path / "r"), "--notebooks", str(tmp_path / "notebooks"))
    assert status == 2 and "ノートブックがありません" in err and "--notebooks" in err, err
    assert "[clean]" not in out and not (tmp_path / "out").exists() and not (tmp_path / "r").exists()


def test_run_started_outside_the_repository_is_told_of_both_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, _, err = cli("run")
    assert status == 2 and f"ノートブックがありません ({tmp_path / 'notebooks'})" in err
    assert f"生データのフォルダ data/raw ({tmp_path / 'data' / 'raw'}) もありません" in err and "--raw-dir" in err


def test_a_notebook_that_fails_says_the_run_published_nothing(tmp_path, raw_dir, monkeypatch):
    """A notebook's error is the package's, not the input's (status 1): the message names the notebook, says
    where to look, and that this run's tables and figures were not published, the previous ones kept."""
    from kyodo_analysis import pipeline
    from kyodo_analysis.errors import NotebookError

    def failing(*args, **kwargs):
        raise NotebookError("1.0-cleaning.ipynb の実行中にエラーが出ました: ValueError: boom")

    monkeypatch.setattr(pipeline, "report_stages", failing)
    status, _, err = cli("run", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "out"), "--reports", str(tmp_path / "r"))
    assert status == 1 and "1.0-cleaning.ipynb の実行中にエラーが出ました" in err and "前回の出力はそのまま残っています" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "r").exists()


def test_report_refuses_tables_made_before_the_inputs_changed(tmp_path, raw_dir):
    """A coding rule, a list, a table or the manifest changed after `analyze`: `report` would draw the figures,
    the workbook and the Word summary from the old tables while the notebooks analyse again in memory — two
    versions of one summary. It stops (status 2) before writing anything, and says to run again."""
    out, reports = tmp_path / "out", tmp_path / "r"
    status, _, err = cli("analyze", "--raw-dir", str(raw_dir), "--out", str(out))
    assert status == 0, err
    status, _, err = cli("manifest", "add", str(raw_dir / RAW.name), "--year", "2024")  # the inputs change
    assert status == 0, err
    status, out_text, err = cli("report", "--raw-dir", str(raw_dir), "--out", str(out), "--reports", str(reports),
                                "--notebooks", str(ROOT / "notebooks"))
    assert status == 2 and "別の入力から作られています" in err and "kyodo-analysis run" in err and "Traceback" not in err, err
    assert str(out / "metadata.json") in err and not reports.exists() and "[figures]" not in out_text
    assert "report にも同じ --raw-dir" not in err  # the same files: nothing said of another folder
    other = tmp_path / "other_raw"  # analysed with --raw-dir, reported from another folder (the default)
    other.mkdir()
    status, _, err = cli("report", "--raw-dir", str(other), "--out", str(out), "--reports", str(reports),
                         "--notebooks", str(ROOT / "notebooks"))
    assert status == 2 and f"処理済みの表は {RAW.name} から作られましたが、{other} には表がありません。" in err
    assert "report にも同じ --raw-dir を付けてください" in err and not reports.exists()


def test_a_reader_that_stops_reading_gets_no_error_message(raw_dir):
    """`kyodo-analysis kwic 語 | head`: the pipe closed, and the run printed 「ファイルを読み書きできません (Broken pipe)」
    (a hostile tester). The reader stopped on purpose: nothing is said, no traceback."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "kyodo_analysis", "kwic", "団体", "--raw-dir", str(raw_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # as head does once it has its lines
    err = process.stderr.read().decode("utf-8")
    assert process.wait() == 1 and "Broken pipe" not in err and "エラー" not in err and "Traceback" not in err, err


def test_a_year_given_twice_is_refused(capsys):
    """manifest add --year 2025 --year 2024 registered 2024, the last, without a word (a newcomer)."""
    with pytest.raises(SystemExit) as raised:
        main(["validate", str(RAW), "--year", "2025", "--year", "2024"])
    assert raised.value.code == 2 and "--year が2回あります (2025 と 2024)" in capsys.readouterr().err
