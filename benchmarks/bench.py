"""Throughput benchmark: the whole ``analyze`` against the tokenizer's own speed, stage by stage.

Run from the repository root:  .venv/bin/python benchmarks/bench.py
(options: --sizes 100000 1000000 3000000  --repeat 1  --out DIR  --run)

Each size prints one line per stage (seconds) and a line with the ratio ``floor / analyze``: the
whole analyze (clean, every table, CSV and Parquet writing) against fugashi's own token loop on the same text.
``--run`` also times ``kyodo-analysis run`` (figures, workbook, notebooks) on the largest size.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "kyodo_seika_zushi.tsv"
HEADER = "区分\tNO\t事業名\t仕組みとして効果があったこと\t仕組みとして限界があったこと\t今後、必要と考えること"
GUIDANCE = ("\t\t\t例)色々な世代の人が集まって取組ができた。\t例)当初予定していた成果が上がらなかった"
            "\t(限界に対する反省、今後に展望)")
TITLE = "これまでの取り組みに係る協働の成果等"
PROGRAMS_PER_PAGE = 40
PROGRAMS_PER_GROUP = 25


def synthetic_table(chars: int, seed: int = 2018) -> str:
    """A raw table in the city's format whose item text totals about ``chars`` characters.

    Items are resampled from the bundled table; pages repeat the title, the header and the guidance
    row; support types are written only on the first row of their group; every third program's cells
    carry the HTML residue of the real 場の提供 rows.
    """
    from kyodo_analysis.cleaning import clean_table

    items = clean_table(RAW).items
    pool = {aspect: list(group["text"]) for aspect, group in items.groupby("aspect")}
    supports = ["財政的支援", "人的支援", "場の提供"]
    rng = random.Random(seed)
    lines = ["", TITLE, ""]
    total = 0
    program = 0
    while total < chars:
        if program % PROGRAMS_PER_PAGE == 0:
            lines += ["", TITLE, "", HEADER, GUIDANCE]
        program += 1
        support = supports[(program - 1) // PROGRAMS_PER_GROUP % len(supports)]
        first_of_group = (program - 1) % PROGRAMS_PER_GROUP == 0  # 区分 written once, like merged cells
        cells = []
        for aspect in ("effect", "limitation", "next_step"):
            chosen = [rng.choice(pool[aspect]) for _ in range(rng.randint(1, 4))]
            total += sum(len(t) for t in chosen)
            cell = " ".join(f"・{t}" for t in chosen)
            if program % 3 == 0:
                cell = f'<ul style="list-style-type: none"> {cell} '
            cells.append(cell)
        lines.append("\t".join([support if first_of_group else "", str(program), f"事業{program}", *cells]))
    return "\n".join(lines) + "\n"


def peak_rss_mb() -> float:
    """The largest memory this process has held since it started (the benchmark's own work included)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Start :func:`analyze_peak_mb`'s count from now (Linux: ``clear_refs`` 5 resets the high-water mark;
    where that is refused, the count is the whole process's)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def analyze_peak_mb() -> float:
    """The largest memory this process has held since :func:`reset_peak` (VmHWM): the analysis alone,
    without the floor's texts or an earlier size. Worker processes hold their own, not counted here."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def floor(texts: list[str]) -> float:
    """(a) fugashi with the pinned dictionary: iterate every token, read surface and feature_raw."""
    from kyodo_analysis.tokens import tagger

    tag = tagger()
    start = time.perf_counter()
    for text in texts:
        for word in tag(text):
            _surface, _feature = word.surface, word.feature_raw
    return time.perf_counter() - start


def whole_analyze(path: Path, out: Path, workers: int = 1) -> dict[str, float]:
    """clean → every table of ``analyze`` (the per-item stages in ``workers`` processes) → CSV and Parquet
    files written: seconds per stage, and ``unstaged``: the rest of ``analyze_tables``' wall time, so that
    the stages add up to the whole (work outside any named stage is still counted)."""
    from kyodo_analysis.analysis import Stopwatch, analyze_tables, clean_all
    from kyodo_analysis.storage import write_analysis

    timings: dict[str, float] = {}
    stage = Stopwatch(timings)
    cleaned = stage("clean", lambda: clean_all([path]))
    start = time.perf_counter()
    analysis = analyze_tables(cleaned, timings=timings, workers=workers)
    timings["unstaged"] = time.perf_counter() - start - sum(v for k, v in timings.items() if k != "clean")
    stage("write_files", lambda: write_analysis(analysis, out))
    return timings


def run_stages(path: Path, out: Path) -> list[str]:
    """The stage lines ``kyodo-analysis run`` prints (figures, workbook, notebooks) on one table, then its
    wall time and the peak memory of its largest process (the run, a figure worker or a notebook kernel)."""
    import subprocess

    raw = out / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / path.name).write_bytes(path.read_bytes())
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "run", "--raw-dir", str(raw), "--out",
                             str(out / "processed"), "--reports", str(out / "reports"), "--notebooks",
                             str(ROOT / "notebooks")], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(result.stderr)
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return [*(line for line in result.stdout.splitlines() if line.startswith("[")),
            f"[total] {seconds:.1f} 秒, peak_rss_mb={children_mb:.0f}"]


def _best(row: dict, key: str, seconds: float) -> None:
    row[key] = min(row.get(key, seconds), seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 3_000_000])
    parser.add_argument("--out", help="where to write the synthetic tables (default: a temporary directory)")
    parser.add_argument("--repeat", type=int, default=1, help="measure each size this many times and keep the best")
    parser.add_argument("--run", action="store_true", help="also time `kyodo-analysis run` on the largest size")
    parser.add_argument("--workers", type=int, help="processes for the per-item stages and the statistics beside the "
                        "counts (default: every core, as the command line)")
    args = parser.parse_args(argv)
    from kyodo_analysis.parallel import available_cores, release_freed_memory

    workers = args.workers or available_cores()

    out = Path(args.out or tempfile.mkdtemp(prefix="kyodo-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes:
        path = out / f"synthetic_{size}.tsv"
        path.write_text(synthetic_table(size), encoding="utf-8")
        best: dict[str, float] = {}
        for _ in range(args.repeat):
            from kyodo_analysis.cleaning import clean_table

            texts = list(clean_table(path).items["text"])
            chars = sum(len(t) for t in texts)
            _best(best, "floor", floor(texts))
            del texts
            gc.collect()
            release_freed_memory()  # what the floor's texts and a smaller size left in this process's heap
            reset_peak()
            timings = whole_analyze(path, out / f"processed_{size}", workers)
            _best(best, "analyze_peak_mb", analyze_peak_mb())
            _best(best, "analyze", sum(timings.values()))
            for name, seconds in timings.items():
                _best(best, name, seconds)
            gc.collect()
        stages = " ".join(f"[{name}]={seconds:.2f}s" for name, seconds in best.items()
                          if name not in ("floor", "analyze", "analyze_peak_mb"))
        print(f"size={size} chars={chars} {stages}", flush=True)
        rows.append({"chars": chars, **best})
        print(f"size={size} workers={workers} floor={chars / best['floor']:,.0f}/s analyze={chars / best['analyze']:,.0f}/s "
              f"ratio={best['floor'] / best['analyze']:.3f} peak_rss_mb={peak_rss_mb():.0f} "
              f"analyze_peak_mb={best['analyze_peak_mb']:.0f}", flush=True)
    if args.run:
        for line in run_stages(out / f"synthetic_{args.sizes[-1]}.tsv", out / "run"):
            print(f"run: {line}", flush=True)
    first, last = rows[0], rows[-1]
    linearity = (last["analyze"] / last["chars"]) / (first["analyze"] / first["chars"])
    print(f"chars={last['chars']} analyze_chars_per_s={last['chars'] / last['analyze']:.0f} "
          f"floor_chars_per_s={last['chars'] / last['floor']:.0f} ratio={last['floor'] / last['analyze']:.3f} "
          f"seconds_per_char_growth={linearity:.3f} peak_rss_mb={peak_rss_mb():.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
