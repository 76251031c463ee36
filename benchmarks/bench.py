"""Throughput benchmark: the pipeline against the tokenizer's own speed, from 10^5 to 10^7 characters.

Run from the repository root:  .venv/bin/python benchmarks/bench.py
(options: --sizes 100000 1000000 10000000  --workers 2  --repeat 3  --out DIR)
"""

from __future__ import annotations

import argparse
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
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor(texts: list[str]) -> float:
    """(a) fugashi with the pinned dictionary: iterate every token, read surface and feature_raw."""
    from kyodo_analysis.tokens import tagger

    tag = tagger()
    start = time.perf_counter()
    for text in texts:
        for word in tag(text):
            _surface, _feature = word.surface, word.feature_raw
    return time.perf_counter() - start


def clean_only(path: Path):
    """(b) the clean stage alone; returns its time and the items."""
    from kyodo_analysis.cleaning import clean_table

    start = time.perf_counter()
    items = clean_table(path).items
    return time.perf_counter() - start, items


def pipeline(path: Path, workers: int = 1):
    """(c) clean + tokens + terms + keyword counts (the analyze stage without figures and notebooks)."""
    from kyodo_analysis.cleaning import clean_table
    from kyodo_analysis.stats import keywords
    from kyodo_analysis.tokens import items_tokens_and_terms

    start = time.perf_counter()
    items, token_frame, term_frame = items_tokens_and_terms([clean_table(path)], workers=workers, compact=True)
    counts = keywords(term_frame, items)
    elapsed = time.perf_counter() - start
    return elapsed, {"items": items, "tokens": token_frame, "terms": term_frame, "keywords": counts}


def fingerprint(frame) -> str:
    """A digest of a table: column names, dtypes, values and, for categoricals, the categories in order.

    Two runs are compared by digest so that neither run's tables are alive while the other is timed."""
    import hashlib

    import pandas as pd

    digest = hashlib.sha256(repr((list(frame.columns), [str(t) for t in frame.dtypes], len(frame))).encode())
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            digest.update("\x00".join(map(str, values.cat.categories)).encode())
            digest.update(values.cat.codes.to_numpy().tobytes())
        else:
            digest.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _best(row: dict, key: str, seconds: float) -> None:
    row[key] = min(row.get(key, seconds), seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--workers", type=int, default=2, help="workers for the parallel measurement (1: skip it)")
    parser.add_argument("--out", help="where to write the synthetic tables (default: a temporary directory)")
    parser.add_argument("--repeat", type=int, default=3, help="measure each size this many times and keep the best")
    args = parser.parse_args(argv)

    out = Path(args.out or tempfile.mkdtemp(prefix="kyodo-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes:
        path = out / f"synthetic_{size}.tsv"
        path.write_text(synthetic_table(size), encoding="utf-8")
        row: dict = {}
        for _ in range(args.repeat):  # the best of each: this machine's speed drifts by ±20 % within minutes
            t_clean, items = clean_only(path)
            texts = list(items["text"])
            row["chars"] = sum(len(t) for t in texts)
            _best(row, "clean_s", t_clean)
            _best(row, "floor_s", floor(texts))
            del items, texts
            gc.collect()
            t_pipe, result = pipeline(path, workers=1)
            _best(row, "pipeline_s", t_pipe)
            digests = {name: fingerprint(table) for name, table in result.items()}
            del result
            gc.collect()
            if args.workers > 1:
                t_par, parallel = pipeline(path, workers=args.workers)
                _best(row, "parallel_s", t_par)
                same = all(fingerprint(table) == digests[name] for name, table in parallel.items())
                row["identical"] = row.get("identical", True) and same
                del parallel
                gc.collect()
        chars = row["chars"]
        if "parallel_s" in row:
            row["speedup"] = row["pipeline_s"] / row["parallel_s"]
        row["peak_rss_mb"] = peak_rss_mb()
        rows.append(row)
        print(f"size={size} chars={chars} floor={chars / row['floor_s']:,.0f}/s clean={chars / row['clean_s']:,.0f}/s "
              f"pipeline={chars / row['pipeline_s']:,.0f}/s ratio={row['floor_s'] / row['pipeline_s']:.2f}"
              + (f" parallel={chars / row['parallel_s']:,.0f}/s speedup={row['speedup']:.2f} identical={row['identical']}"
                 if "parallel_s" in row else "")
              + f" peak_rss_mb={row['peak_rss_mb']:.0f}", flush=True)
    first, last = rows[0], rows[-1]
    linearity = (last["pipeline_s"] / last["chars"]) / (first["pipeline_s"] / first["chars"])
    summary = (f"chars={last['chars']} pipeline_chars_per_s={last['chars'] / last['pipeline_s']:.0f} "
               f"floor_chars_per_s={last['chars'] / last['floor_s']:.0f} ratio={last['floor_s'] / last['pipeline_s']:.3f} "
               f"clean_chars_per_s={last['chars'] / last['clean_s']:.0f} seconds_per_char_growth={linearity:.3f} "
               f"peak_rss_mb={peak_rss_mb():.0f}")
    if "speedup" in last:
        summary += f" parallel_speedup={last['speedup']:.2f} parallel_identical={last['identical']}"
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
