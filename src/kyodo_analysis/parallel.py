"""The per-item stages on every core: tokens, terms, mentions and codes of chunks of items in worker processes.

An item's tokens, terms and mentions are a function of that item alone (the spelling a token is counted
by is a function of the token: :func:`spelling.spellings`), and so are the codes it gets and the words that
gave them (a rule's condition and the negation scope read one item's terms). Items are cut into chunks of
consecutive rows, each chunk goes to a worker process (one tagger each) that makes all five of its tables,
and the results are concatenated in item order: the same tables as :func:`serial_item_stages`, which is
the reference (tests hold the two equal). Token and term numbers are per item, so nothing needs renumbering.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from itertools import pairwise
from typing import TypeVar

import pandas as pd

from .coding import Rule, code_items
from .dtypes import python_strings
from .evidence import code_evidence
from .signals import signals_deferred
from .terms import terms_and_mentions
from .tokens import tokenize
from .wordlists import WordLists

T = TypeVar("T")
# Below this many characters of item text, one process: starting the pool (a fork server importing pandas
# and the package, then a dictionary per worker: ≈ 1.7 s) and handing the tables back (tokens, terms and
# mentions: ≈ 37 MB pickled per 10^6 characters for the tokens alone) cost more than two cores save on the
# per-item stages: measured in benchmarks/README.md.
SERIAL_BELOW = 2_000_000
CHUNKS_PER_WORKER = 4  # chunks are of about equal text, several per worker, so no worker waits long at the end

Stage = Callable[[str, Callable[[], T]], T]


def _untimed(name: str, action: Callable[[], T]) -> T:
    return action()


ITEM_TABLES = ("tokens.csv", "terms.csv", "mentions.csv", "item_codes.csv", "code_evidence.csv")


@python_strings()
def serial_item_stages(items: pd.DataFrame, lists: WordLists, rules: list[Rule],
                       stage: Stage = _untimed) -> dict[str, pd.DataFrame]:
    """The tables of every item (``ITEM_TABLES``), in this process: the reference."""
    token_frame = stage("tokens", lambda: tokenize(items))
    term_frame, mention_frame = stage("terms", lambda: terms_and_mentions(token_frame, lists))
    item_codes = stage("codes", lambda: code_items(rules, items, term_frame, mention_frame, token_frame))
    evidence = stage("codes", lambda: code_evidence(rules, item_codes, items, term_frame, mention_frame))
    return dict(zip(ITEM_TABLES, (token_frame, term_frame, mention_frame, item_codes, evidence), strict=True))


@python_strings()
def item_stages(items: pd.DataFrame, lists: WordLists, rules: list[Rule], stage: Stage = _untimed,
                workers: int | None = None) -> dict[str, pd.DataFrame]:
    """The tables of every item (``ITEM_TABLES``): on every core when the text is long enough
    (``SERIAL_BELOW`` characters), else in this process. Same tables either way. On every core the
    stages are one (``item_stages``): each worker takes its chunk from text to codes."""
    workers = workers or available_cores()
    if not on_every_core(items, workers):
        return serial_item_stages(items, lists, rules, stage)
    chunks = item_chunks(items, workers * CHUNKS_PER_WORKER)
    with worker_pool(workers) as pool:
        results = stage("item_stages", lambda: chunk_results(pool, chunks, lists, rules))
    # each chunk's table is let go once the whole table is made: the chunks and the wholes are never all held at once
    return {name: concatenated([result.pop(name) for result in results]) for name in ITEM_TABLES}


def release_freed_memory() -> None:
    """Give the memory freed by the chunks back to the system (glibc keeps it for this process otherwise:
    about 600 MB at 10^7 characters, which Arrow's allocator, writing the Parquet files, cannot reuse).
    Nothing happens where the C library has no ``malloc_trim``."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):
        pass


def chunk_results(pool: Executor, chunks: list[pd.DataFrame], lists: WordLists,
                  rules: list[Rule]) -> list[dict[str, pd.DataFrame]]:
    """Each chunk's tables, in order. The chunks are handed over with Ctrl-C and SIGTERM
    held: a signal arriving while the pool starts its workers and their manager thread left workers that
    the pool could no longer stop (seen in tests/test_parallel.py); held, it arrives once the pool is whole."""
    with signals_deferred():
        futures = [pool.submit(serial_item_stages, chunk, lists, rules) for chunk in chunks]
    return [future.result() for future in futures]


@contextmanager
def one_beside(apart: bool) -> Iterator[Executor | None]:
    """A pool of one worker process for a stage that can run beside this process's own (``apart``), or None:
    the caller then runs that stage itself. The workers' fork server is the one the per-item stages
    started, so the worker starts in milliseconds."""
    if not apart:
        yield None
        return
    with worker_pool(1) as pool:
        yield pool


def submitted(pool: Executor, function: Callable[..., T], *args) -> Future:
    """``function(*args)`` handed to ``pool``, with Ctrl-C and SIGTERM held while it is (see :func:`chunk_results`)."""
    with signals_deferred():
        return pool.submit(function, *args)


def on_every_core(items: pd.DataFrame, workers: int) -> bool:
    """Whether the analysis of ``items`` is worth worker processes: two cores or more, and at least
    ``SERIAL_BELOW`` characters of text."""
    return workers >= 2 and not items.empty and text_length(items) >= SERIAL_BELOW


def available_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def text_length(items: pd.DataFrame) -> int:
    return int(items["text"].str.len().sum()) if len(items) else 0


def item_chunks(items: pd.DataFrame, count: int) -> list[pd.DataFrame]:
    """``items`` cut into at most ``count`` runs of consecutive rows with about equal text each (never
    splitting an item); no chunk is empty."""
    lengths = items["text"].str.len().fillna(0).cumsum().to_numpy()
    total = lengths[-1] if len(lengths) else 0
    bounds = [0]
    for k in range(1, count):
        cut = int((lengths < total * k / count).sum()) + 1
        if bounds[-1] < cut < len(items):
            bounds.append(cut)
    bounds.append(len(items))
    if not len(items):
        return []
    return [items.iloc[a:b].reset_index(drop=True) for a, b in pairwise(bounds)]


def concatenated(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts one under the other, numbered from 0 again (``pd.concat(parts, ignore_index=True)``), made
    a column at a time, each part's column taken out of it as it is joined: the parts and the whole are
    never held at once (at 10^7 characters the token table's concatenation took 415 MB above it). Empty
    parts are left out: an empty table's columns say nothing of their values' types, and must not change
    the whole's."""
    parts = [part for part in parts if len(part)] or parts[:1]
    columns = {}
    for name in list(parts[0].columns):
        columns[name] = pd.concat([part.pop(name) for part in parts], ignore_index=True)
        release_freed_memory()  # the parts' column, kept by the C library's heap otherwise
    return pd.DataFrame(columns, copy=False)


def end_with(run: int) -> None:
    """In a worker process: send ourselves SIGTERM when the run's main process ends, however it ends (a
    SIGKILL included). A worker's parent is the fork server, which itself waits for its workers, so the
    run's process is watched directly (pidfd on Linux, else polled)."""

    def watch() -> None:
        try:
            select.select([os.pidfd_open(run)], [], [])
        except (OSError, AttributeError):
            while True:
                try:
                    os.kill(run, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
                time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)  # a notebook worker shuts its kernel down on the way out …
        time.sleep(10)
        os._exit(143)  # … unless that is stuck: then it ends anyway (its kernel notices its parent is gone)
    threading.Thread(target=watch, name="end-with-run", daemon=True).start()


def _worker_start(run: int) -> None:
    """In a worker: Ctrl-C (sent to the whole terminal's process group) is the run's to handle, and the run
    then stops the workers; a run that ends otherwise (killed) ends them too (:func:`end_with`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with(run)


@contextmanager
def worker_pool(workers: int) -> Iterator[Executor]:
    """A process pool that ends with the block: on an error, Ctrl-C or SIGTERM (which the command line
    turns into Ctrl-C) the chunks not begun are cancelled, the chunks under way finish (a few seconds at
    most: a worker is never killed while it may be writing its result, which would hang the pool's
    reader) and the workers exit before the interrupt reaches the caller.

    Workers are forked from a fork server that has imported this module (forking the run itself, which
    may hold threads, can deadlock a child; a fresh interpreter per worker would import pandas again)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["kyodo_analysis.parallel"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_start,
                               initargs=(os.getpid(),))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
