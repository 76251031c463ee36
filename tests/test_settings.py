"""One Settings for the command line and the notebooks, and the notebooks' cache keyed by every input."""

from __future__ import annotations

import shutil
import warnings
from importlib import resources
from pathlib import Path

import pytest

from kyodo_analysis import cache
from kyodo_analysis.cache import load_or_analyze
from kyodo_analysis.storage import load_analysis, write_analysis

from .conftest import ROOT, bundled_raw_dir, cli


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project folder as researchers have it: data/raw/ (the bundled table), a settings file naming an
    edited stop list, and the notebooks' folder as the current one."""
    bundled_raw_dir(tmp_path / "data" / "raw")
    stop = resources.files("kyodo_analysis.resources").joinpath("stop_words.txt").read_text(encoding="utf-8")
    (tmp_path / "references").mkdir()
    (tmp_path / "references" / "stop.txt").write_text(stop + "\n団体\n", encoding="utf-8")
    (tmp_path / "kyodo-analysis.toml").write_text('[analysis]\nstop = "references/stop.txt"\n', encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    return tmp_path


def analyzed_again(monkeypatch) -> list[bool]:
    """A list that gets an entry each time load_or_analyze analyses instead of reading the processed tables."""
    calls: list[bool] = []
    original = cache.analyze_with

    def counting(*args, **kwargs):
        calls.append(True)
        return original(*args, **kwargs)
    monkeypatch.setattr(cache, "analyze_with", counting)
    return calls


def test_the_command_line_and_a_notebook_make_the_same_tables_under_a_settings_file(project, monkeypatch):
    monkeypatch.chdir(project)
    status, _, err = cli("analyze", "--raw-dir", "data/raw", "--out", "data/processed")
    assert status == 0, err
    monkeypatch.chdir(project / "notebooks")
    # Nothing processed where the notebook looks: it analyses the raw tables itself, with the project's settings.
    fresh = load_or_analyze(project / "empty", "../data/raw")
    assert "団体" not in set(fresh["terms"]["term"])  # the settings file's stop list was used
    written = write_analysis(fresh, project / "notebook_tables")
    assert len(written) > 20
    for path in written:
        assert path.read_bytes() == (project / "data" / "processed" / path.name).read_bytes(), path.name


def test_a_command_started_outside_the_project_reads_the_project_settings_as_a_notebook_does(project):
    """A KH Coder user ran `analyze` from notebooks/ (or /tmp) with --raw-dir pointing into the project: the command
    looked for kyodo-analysis.toml only in the current folder and coded with the packaged lists, silently, while a
    notebook found the project's. Both now look in the current folder, then two above the raw folder, and say so."""
    from kyodo_analysis.tables import read_csv

    status, _, err = cli("analyze", "--raw-dir", "../data/raw", "--out", "../data/processed")  # cwd: notebooks/
    assert status == 0, err
    assert f"設定: {project / 'kyodo-analysis.toml'} を使います" in err
    assert "団体" not in set(read_csv(project / "data" / "processed" / "terms.csv")["term"])  # the project's stop list


def test_a_raw_folder_linked_to_a_shared_one_still_finds_the_project_settings(project, tmp_path_factory):
    """data/raw linked to a shared folder: the two folders above it are the project's (the path as named), not the
    shared folder's parents (a hostile tester: the project's stop list was ignored outside its root)."""
    from kyodo_analysis.settings import project_file

    shared = tmp_path_factory.mktemp("shared") / "team" / "raw"
    shared.parent.mkdir()
    (project / "data" / "raw").rename(shared)
    (project / "data" / "raw").symlink_to(shared, target_is_directory=True)
    assert project_file("../data/raw").resolve() == (project / "kyodo-analysis.toml").resolve()
    status, _, err = cli("kwic", "団体", "--raw-dir", "../data/raw")  # cwd: notebooks/; 団体 is stop-listed there
    assert status == 1 and "抽出語にありません" in err


def test_years_chosen_for_cities_are_said_to_be_unused_when_the_cities_are_not_compared(project, monkeypatch):
    monkeypatch.chdir(project)
    (project / "kyodo-analysis.toml").write_text('[analysis.years]\n"逗子市" = 2018\n', encoding="utf-8")
    status, _, err = cli("analyze", "--raw-dir", "data/raw", "--out", "data/processed")
    assert status == 0, err
    assert "[analysis.years] (逗子市) は使いません: 市町村を比べるとき (by = \"city\") だけ" in err
    other = project / "other.toml"  # under --settings the message named kyodo-analysis.toml, a file not read
    other.write_text('[analysis.years]\n"逗子市" = 2018\n', encoding="utf-8")
    (project / "kyodo-analysis.toml").unlink()
    status, _, err = cli("analyze", "--raw-dir", "data/raw", "--out", "data/processed", "--settings", str(other))
    said = [line for line in err.splitlines() if "[analysis.years]" in line]
    assert status == 0 and "設定ファイルの [analysis.years] (逗子市) は使いません" in said[0] and "kyodo-analysis.toml" not in said[0]


def test_a_notebook_reads_the_processed_tables_until_a_list_is_edited(project, monkeypatch):
    monkeypatch.chdir(project)
    assert cli("analyze", "--raw-dir", "data/raw", "--out", "data/processed")[0] == 0
    monkeypatch.chdir(project / "notebooks")
    calls = analyzed_again(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # current tables: no warning
        loaded = load_or_analyze("../data/processed", "../data/raw")
    assert calls == []  # made from the same inputs: read back, not analysed again
    assert "補助金" in set(loaded["terms"]["term"])
    with (project / "references" / "stop.txt").open("a", encoding="utf-8") as handle:
        handle.write("補助金\n")
    with pytest.warns(cache.StaleTablesWarning, match="このノートブックの中で分析し直しました") as said:
        edited = load_or_analyze("../data/processed", "../data/raw")
    assert "kyodo-analysis run" in str(said[0].message)  # where the researcher reads it: Jupyter shows the warning
    assert calls == [True]  # the edited stop list: analysed again, not the stale tables
    assert "補助金" not in set(edited["terms"]["term"])
    assert "補助金" in set(load_analysis(project / "data" / "processed")["terms"]["term"])  # nothing was written


@pytest.mark.filterwarnings("ignore::kyodo_analysis.cache.StaleTablesWarning")
def test_an_edited_rule_or_schema_or_other_groups_mean_a_new_analysis(project, monkeypatch):
    monkeypatch.chdir(project)
    rules = resources.files("kyodo_analysis.resources").joinpath("codes.txt").read_text(encoding="utf-8")
    (project / "references" / "codes.txt").write_text(rules, encoding="utf-8")
    shutil.copy(resources.files("kyodo_analysis.resources").joinpath("schema_zushi.toml"), project / "references" / "s.toml")
    (project / "kyodo-analysis.toml").write_text('[analysis]\ncodes = "references/codes.txt"\nschema = "references/s.toml"\n',
                                                 encoding="utf-8")
    assert cli("analyze", "--raw-dir", "data/raw", "--out", "data/processed")[0] == 0
    calls = analyzed_again(monkeypatch)
    assert load_or_analyze("data/processed", "data/raw") is not None and calls == []
    (project / "references" / "codes.txt").write_text(rules + "\n*テスト用のコード\n補助金\n", encoding="utf-8")
    assert "テスト用のコード" in set(load_or_analyze("data/processed", "data/raw")["codes"]["code"])
    assert len(calls) == 1
    (project / "references" / "codes.txt").write_text(rules, encoding="utf-8")
    load_or_analyze("data/processed", "data/raw")
    assert len(calls) == 1  # the same rules again: the processed tables
    with (project / "references" / "s.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n# edited\n")
    load_or_analyze("data/processed", "data/raw")
    assert len(calls) == 2  # the schema's bytes changed
    load_or_analyze("data/processed", "data/raw", {"by": "support_type", "schema": str(project / "references" / "s.toml"),
                                                   "codes": str(project / "references" / "codes.txt")})
    assert len(calls) == 3


def test_no_comparison_falls_back_to_zushis_schema(bundled):
    """Item 2 of issue 23: metadata without a comparison is an error naming what to do, and the views and
    statistics require one instead of assuming Zushi's aspects."""
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.report import view_items
    from kyodo_analysis.schema import Comparison
    from kyodo_analysis.stats import keywords

    with pytest.raises(InputError) as error:
        Comparison.from_metadata({"raw_files": []})
    assert "comparison" in error.value.format() and "analyze" in error.value.format()
    with pytest.raises(TypeError):
        view_items(bundled.items)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        keywords(bundled.items, bundled.items)  # type: ignore[call-arg]


@pytest.mark.parametrize("text,line,phrase", [
    ('[analysis]\n# 語リスト\ncods = "x.txt"\n', 3, "知らない項目があります: cods (cods → codes のつもりですか)"),
    ('[analysys]\ncodes = "x.txt"\n', 1, "analysys (analysys → analysis のつもりですか)"),
    ('[analysis]\nzzz = "x.txt"\n', 2, "知らない項目があります: zzz"),
    ('[analysis]\nby = "rating"\n\n[analysys.years]\n"A市" = 2023\n', 4, "analysys (analysys → analysis"),  # a newcomer's
    ('by = "city"\n[analysis]\n', 1, "知らない項目があります: by ([analysis] の下の by のつもりですか)"),  # was 「by → by」
])
def test_a_misspelt_settings_key_names_its_line_and_the_key_it_resembles(tmp_path, text, line, phrase):
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.settings import read_settings

    path = tmp_path / "kyodo-analysis.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_settings(path)
    assert raised.value.line == line and phrase in raised.value.message
    assert ("のつもり" in raised.value.message) == ("zzz" not in text)


@pytest.mark.parametrize("text,phrase,hint", [
    ("[analysis]\nby = 3\n", "by には比べる列の名前を文字列で", 'by = "support_type"'),
    ('[analysis]\nstop = ["a", "b"]\n', "stop にはファイルのパスを文字列で", 'stop = "references/stop.txt"'),
    ("[analysis.years]\n逗子市 = 2018\n", "TOML として読めません", '"逗子市" = 2024'),
    ('[analysis.years]\n"A市" = "令和5"\n', "[analysis.years] の A市 の年度が西暦の整数 (1900〜2100) ではありません",
     "逗子市 = 2024"),
    ('[analysis.years]\n"A市" = 2150\n', "[analysis.years] の A市 の年度が西暦の整数 (1900〜2100) ではありません",
     "逗子市 = 2024"),
    ('[analysis]\ncodes = "missing.txt"\n', "codes (コーディングルール) のファイルがありません: missing.txt", "相対パス"),
    ('[analysis]\ncodes = "."\n', "codes (コーディングルール) はファイルではなくフォルダです: .", "相対パス"),
])
def test_a_settings_mistake_says_what_to_write(tmp_path, text, phrase, hint):
    """Each refused settings value says what the key holds and how to write it (a column name is no path;
    an unquoted Japanese key is TOML's error, answered with the quotes it needs)."""
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.settings import read_settings

    path = tmp_path / "kyodo-analysis.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_settings(path)
    assert raised.value.path == str(path) and phrase in raised.value.message and hint in raised.value.hint
    assert raised.value.line == 2  # at the value's line (TOML's own error at its line, too)


def test_analysis_written_as_a_value_is_said_to_be_a_table_not_an_unknown_name(tmp_path):
    """``analysis = 3`` was 「知らない項目があります: analysis」, a name the file must use (a hostile tester)."""
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.settings import read_settings

    path = tmp_path / "kyodo-analysis.toml"
    path.write_text("# 設定\nanalysis = 3\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_settings(path)
    assert raised.value.message == "analysis は [analysis] の表にしてください (今の値: 3)。" and raised.value.line == 2


@pytest.mark.parametrize("text,line,phrase", [
    ('[colums]\nprogram = ["事業名"]\n', 1, "未知の項目: colums"),
    ('[columns]\nprogram = ["事業名"]\n\n[aspects]\nreason = { headers = ["理由"], longlabel = "理由" }\n', 5,
     "[aspects] の reason に未知の項目: longlabel"),
    ('[columns]\nprogram = ["事業名"]\n[aspects]\neffect = ["成果"]\nlimit = { headers = ["課題"], polarity = "postive" }\n', 5,
     "[aspects] の limit の polarity は"),
    ('[columns]\nprogram = ["事業名"]\ngroup = ["分野"]\n[aspects]\nreason = ["理由"]\n', 3, "[columns] の未知の列名: group"),
])
def test_a_schema_mistake_names_its_line(tmp_path, text, line, phrase):
    """Errors in a schema's keys carried no line (a newcomer's walk): each names the line that writes the key."""
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.schema import load_schema

    path = tmp_path / "schema.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_schema(path)
    assert raised.value.line == line and phrase in raised.value.message, raised.value.format()


def test_the_suite_does_not_read_the_researchers_settings_file(raw_dir):
    """The repository's kyodo-analysis.toml is the researcher's to edit: a test that reads the project's
    settings (the commands', the notebooks') finds none, whatever that file says — a helper who followed
    the README's steps (an edited stop list and rules) had three tests fail on the package's facts."""
    from kyodo_analysis.settings import Settings

    from .conftest import ROOT

    assert Path.cwd() != ROOT and not (Path.cwd() / "kyodo-analysis.toml").exists()
    assert Settings.for_project(raw_dir) == Settings()


def test_report_checks_the_tables_against_the_settings_file_they_were_made_with(project, monkeypatch):
    """`run --settings other.toml` then `report` was refused with no way to name that file (report had no --settings)."""
    from kyodo_analysis import pipeline

    monkeypatch.chdir(project)
    (project / "kyodo-analysis.toml").unlink()
    other = project / "other.toml"
    other.write_text('[analysis]\nstop = "references/stop.txt"\n', encoding="utf-8")
    assert cli("analyze", "--raw-dir", "data/raw", "--out", "data/processed", "--settings", str(other))[0] == 0
    reported = []
    monkeypatch.setattr(pipeline, "report_stages", lambda analysis, args, reports, out: reported.append(args.project))
    where = ("--raw-dir", "data/raw", "--out", "data/processed", "--reports", "reports", "--notebooks", str(ROOT / "notebooks"))
    status, _, err = cli("report", *where)
    assert status == 2 and "report にも同じ --settings を付けてください" in err and reported == []
    status, _, err = cli("report", *where, "--settings", str(other))
    assert status == 0, err
    assert [Path(s.stop).name for s in reported] == ["stop.txt"]  # the notebooks get the settings the tables were made with
