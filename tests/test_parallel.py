"""The per-item stages on every core give the same tables as one process (parallel.py)."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_analysis import parallel
from kyodo_analysis.analysis import analyze_tables, clean_all, combined
from kyodo_analysis.cleaning import clean_table
from kyodo_analysis.coding import Rule, parse_rules, read_rules
from kyodo_analysis.parallel import ITEM_TABLES, item_chunks, item_stages, serial_item_stages
from kyodo_analysis.wordlists import WordLists, word_lists

from .conftest import NEW_YEAR_CSV, RAW
from .test_benchmark_smoke import bench
from .test_other_cities import city_folder


@pytest.fixture
def every_table_parallel(monkeypatch):
    """Even a table of a few items goes to the pool (the threshold is for speed, not for results)."""
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 0)


# codes reached by a negated form, by a word inside a compound, only through not, and by a negated scope
RULES = parse_rules("*停滞\n進む(否定) or つながる(否定)\n*団体\n団体\n*補助金なし\nnot 補助金\n"
                    "*参加\n参加 and not 市\n")


def same_tables(items: pd.DataFrame, lists: WordLists | None = None, rules: list[Rule] | None = None) -> None:
    lists, rules = lists or word_lists(), rules or read_rules()[0]
    serial, pooled = serial_item_stages(items, lists, rules), item_stages(items, lists, rules, workers=2)
    assert list(serial) == list(pooled) == list(ITEM_TABLES)
    for name in ITEM_TABLES:
        pd.testing.assert_frame_equal(serial[name], pooled[name], obj=name)


def test_the_bundled_table_and_the_two_year_fixture_give_the_same_tables_in_two_processes(every_table_parallel, tmp_path):
    shutil.copy(NEW_YEAR_CSV, tmp_path / "new.csv")
    items = combined([clean_table(RAW, year=2024), clean_table(tmp_path / "new.csv", year=2025)])["items.csv"]
    assert len(items) > 60
    same_tables(items)
    same_tables(items, WordLists(forced=("補助金", "市民活動"), stop=frozenset({"事業"}), synonyms={"仕組み": "しくみ"}),
                RULES)
    coded = serial_item_stages(items, word_lists(), RULES)["item_codes.csv"]
    assert {"停滞", "団体", "補助金なし", "参加"} <= set(coded["code"]) and coded["negated"].any()


def test_three_cities_and_a_synthetic_table_give_the_same_tables_in_two_processes(every_table_parallel, tmp_path):
    raw = city_folder(tmp_path)
    same_tables(combined(clean_all(sorted(raw.glob("kasou_*"))))["items.csv"])
    same_tables(combined(clean_all(sorted(raw.glob("kasou_*"))))["items.csv"], rules=RULES)
    path = tmp_path / "synthetic.tsv"
    path.write_text(bench().synthetic_table(30_000), encoding="utf-8")
    same_tables(clean_table(path).items)


@pytest.mark.parametrize("by", ["support_type", "city"])
def test_the_statistics_beside_the_counts_are_those_of_one_process(every_table_parallel, tmp_path, by):
    """Code tests, network and map made in a worker beside the counts and keyness: every table, in the same
    order, and the metadata, as one process makes them (three cities of two schemas, by type and by city)."""
    cleaned = clean_all(sorted(city_folder(tmp_path).glob("kasou_*")))
    timings = {}
    alone, beside = analyze_tables(cleaned, by=by, workers=1), analyze_tables(cleaned, by=by, workers=2, timings=timings)
    assert "beside" in timings and "code_tests" not in timings  # the statistics were made in the worker
    assert list(alone.tables) == list(beside.tables) and alone.metadata == beside.metadata
    for name, table in alone.tables.items():
        pd.testing.assert_frame_equal(table, beside.tables[name], obj=name)


def test_items_without_text_and_an_empty_table_are_kept_apart_in_order(every_table_parallel):
    items = clean_table(RAW).items.head(9).copy()
    items.loc[[0, 4, 8], "text"] = pd.NA
    same_tables(items)
    assert all(frame.empty for frame in item_stages(items.head(0), word_lists(), RULES, workers=2).values())


def test_a_small_table_stays_in_this_process(monkeypatch):
    def no_pool(workers):
        raise AssertionError("a pool was started for a small table")

    monkeypatch.setattr(parallel, "worker_pool", no_pool)
    tokens = item_stages(clean_table(RAW).items, word_lists(), RULES, workers=2)["tokens.csv"]
    assert len(tokens) > 1000  # the bundled table: ~7,000 characters, under SERIAL_BELOW


class Broken(dict):
    """A synonym list that fails in the worker."""

    def get(self, key, default=None):
        raise ValueError("broken synonym list")


def test_an_error_in_a_worker_reaches_the_run_and_leaves_no_worker(every_table_parallel):
    items = clean_table(RAW).items
    with pytest.raises(ValueError, match="broken synonym list"):
        item_stages(items, WordLists(forced=(), stop=frozenset(), synonyms=Broken()), RULES, workers=2)
    assert not multiprocessing.active_children()


def test_an_error_beside_reaches_the_caller_and_leaves_no_worker():
    with pytest.raises(ValueError, match="invalid literal"), parallel.one_beside(True) as pool:
        parallel.submitted(pool, int, "not a number").result()
    assert not multiprocessing.active_children()
    with parallel.one_beside(False) as pool:
        assert pool is None  # the caller runs the statistics itself


@settings(max_examples=60, deadline=None)
@given(lengths=st.lists(st.integers(0, 50), max_size=30), count=st.integers(1, 12))
def test_chunks_cover_every_item_once_in_order_and_none_is_empty(lengths, count):
    items = pd.DataFrame({"item_id": [f"i{k}" for k in range(len(lengths))],
                          "text": pd.array(["あ" * n if n else None for n in lengths], dtype="string")})
    chunks = item_chunks(items, count)
    assert len(chunks) <= max(count, 1) and all(len(chunk) for chunk in chunks)
    assert [i for chunk in chunks for i in chunk["item_id"]] == items["item_id"].tolist()
    if lengths and count > 1 and sum(lengths) and max(lengths) * count < sum(lengths):
        assert len(chunks) > 1  # long text with no single huge item is shared out


INTERRUPTED_RUN = '''
import multiprocessing, signal, sys
from kyodo_analysis import parallel
from kyodo_analysis.cleaning import clean_table
from kyodo_analysis.wordlists import word_lists


def interrupt(signum, frame):
    raise KeyboardInterrupt  # as the command line does with SIGTERM


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, interrupt)
    parallel.SERIAL_BELOW = 0
    items = clean_table(sys.argv[1]).items
    print("ready", flush=True)
    try:
        while True:
            parallel.item_stages(items, word_lists(), [], workers=2)
    except KeyboardInterrupt:  # the pool has ended by the time the interrupt reaches the caller
        sys.exit(130 if not multiprocessing.active_children() else 3)
'''


def command_line(pid: int) -> str:
    """What a process runs (to name a process left behind)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:160]
    except OSError:
        return ""


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    from pathlib import Path

    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    from pathlib import Path

    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not __import__("pathlib").Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigterm_during_the_pool_leaves_no_worker(tmp_path):
    import subprocess
    import sys
    import time

    (tmp_path / "run.py").write_text(INTERRUPTED_RUN, encoding="utf-8")
    path = tmp_path / "synthetic.tsv"
    path.write_text(bench().synthetic_table(20_000), encoding="utf-8")
    run = subprocess.Popen([sys.executable, str(tmp_path / "run.py"), str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 120
        while len(workers := descendants(run.pid)) < 3 and time.monotonic() < deadline:  # fork server + 2 workers
            time.sleep(0.2)
        assert len(workers) >= 3, "the pool never started"
        run.terminate()
        assert run.wait(timeout=60) == 130
        deadline = time.monotonic() + 20
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not {pid: command_line(pid) for pid in workers if alive(pid)}
    finally:
        run.kill()
        run.wait()


def test_a_signal_while_the_chunks_are_handed_over_arrives_once_all_are(ctrl_c_raises):
    # A SIGTERM (the command line's Ctrl-C) that arrived while the pool was starting its manager thread left
    # workers the pool could not stop: the hand-over now holds it until every chunk is in the pool.
    import signal
    import threading
    from concurrent.futures import Future

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are held in the main thread only")
    submitted = []

    class Pool:
        def submit(self, fn, *args):
            if not submitted:
                signal.raise_signal(signal.SIGINT)
            submitted.append(args[0])
            future = Future()
            future.set_result(args[0])
            return future

    with pytest.raises(KeyboardInterrupt):
        parallel.chunk_results(Pool(), ["a", "b", "c"], None, [])
    assert submitted == ["a", "b", "c"]
