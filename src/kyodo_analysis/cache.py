"""The notebooks' tables: the processed ones while they were made from the same inputs, else a fresh
analysis in memory; and the check of the bundled table's key facts."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path

from .analysis import Analysis, analyze
from .manifest import table_files
from .registry import METADATA
from .settings import Settings
from .storage import MAIN_TABLES, SUPPORT_TABLES, load_analysis, stored_file

INPUTS = "inputs_sha256"  # metadata: the SHA-256 of everything the tables were made from (Settings.inputs_sha256)


def analyze_with(paths: Sequence[str | Path], settings: Settings, workers: int = 1) -> Analysis:
    """:func:`analyze` with the word lists, rules, schema and groups of ``settings``; the metadata records
    the SHA-256 of the inputs, which :func:`load_or_analyze` compares."""
    key = settings.inputs_sha256(paths)
    result = analyze(paths, schema=settings.schema, **settings.analysis_options(), workers=workers)
    result.metadata[INPUTS] = key
    return result


def load_or_analyze(processed_dir: str | Path, raw_dir: str | Path,
                    settings: Settings | dict | str | Path | None = None) -> Analysis:
    """The processed tables if they were made from the same inputs — raw files, manifest, schemas, word
    lists, coding rules, settings, package and dictionary (:meth:`Settings.inputs_sha256`) — else a fresh
    analysis of every raw table in memory (nothing is written): an edited list or rule is analysed again,
    never shown from stale tables. ``settings``: None for the project's (``kyodo-analysis.toml``, found as
    the command line finds it: :meth:`Settings.for_project`), a settings file, or a run's settings."""
    settings = Settings.coerce(settings, raw_dir)
    paths = table_files(raw_dir)
    if is_current(processed_dir, settings.inputs_sha256(paths)):
        return load_analysis(processed_dir)
    if (Path(processed_dir) / METADATA).exists():  # tables of other inputs: say so where the researcher reads
        warnings.warn(f"{processed_dir} の処理済みの表は、今の生データ・語リスト・コーディングルール・設定から作られた"
                      "ものではないため、このノートブックの中で分析し直しました。このページの数は処理済みの表 (ページ末尾の"
                      "出どころ) と違うことがあります。表・図・Word も作り直すには kyodo-analysis run を実行してください。",
                      StaleTablesWarning, stacklevel=2)
    return analyze_with(paths, settings)


class StaleTablesWarning(UserWarning):
    """The processed tables were made from other inputs: the notebook analysed again in memory."""


def is_current(processed_dir: str | Path, key: str) -> bool:
    """Whether ``processed_dir`` holds every table, made from inputs whose SHA-256 is ``key``."""
    metadata_path = Path(processed_dir) / METADATA
    if not metadata_path.exists():
        return False
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    return metadata.get(INPUTS) == key and all(
        stored_file(Path(processed_dir), name).exists() for name in MAIN_TABLES + SUPPORT_TABLES)


def check_facts(analysis: Analysis, expect: dict | None) -> bool:
    """Assert the key facts of the bundled table (used inside the notebooks, so nbval checks more than
    "it ran"). The facts are checked only when the analysed raw files are exactly the table they describe
    (``expect["sha256"]``); with any other data this returns False and checks nothing but consistency."""
    items, programs = analysis["items"], analysis["programs"]
    assert programs["n_items"].sum() == len(items), "programs.csv の項目数の合計が items.csv の行数と一致しません"
    assert set(analysis["terms"]["item_id"]) <= set(items["item_id"]), "terms.csv に items.csv にない項目があります"
    files = [f["sha256"] for f in analysis.metadata.get("raw_files", [])]
    if not expect or files != [expect.get("sha256")]:
        return False
    if "items" in expect:
        assert len(items) == expect["items"], f"項目数が {len(items)} 件です (期待: {expect['items']})"
    if "programs" in expect:
        assert len(programs) == expect["programs"], f"事業数が {len(programs)} 件です (期待: {expect['programs']})"
    if "support_types" in expect:
        found = list(dict.fromkeys(programs["support_type"]))
        assert found == expect["support_types"], f"区分が {found} です (期待: {expect['support_types']})"
    if "items_by_support_type_and_aspect" in expect:
        found = {f"{s}・{a}": int(n) for (s, a), n in items.groupby(["support_type", "aspect"]).size().items()}
        assert found == expect["items_by_support_type_and_aspect"], f"区分×観点の項目数が違います: {found}"
    return True
