"""Work split over processes: this process takes the first chunk, forked workers the rest.

Forked workers read the shared inputs from this process's memory instead of receiving them pickled;
where fork is missing (macOS, Windows) the inputs are pickled. Chunks are contiguous and the results
come back in order, so callers can join them into exactly what one process would have produced.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

_SHARED: dict[str, object] = {}


def even_bounds(sizes: Sequence[int] | np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Contiguous ``(start, stop)`` ranges over ``sizes`` with about equal totals (empty ranges dropped)."""
    total = np.cumsum(np.asarray(sizes, dtype=np.int64))
    if len(total) == 0:
        return []
    cuts = [0, *(int(np.searchsorted(total, total[-1] * k / parts)) for k in range(1, parts)), len(total)]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _run_shared(bounds: tuple[int, int]) -> object:
    function, shared = _SHARED["function"], _SHARED["shared"]
    return function(shared, *bounds)  # type: ignore[operator]


def map_chunks(function: Callable, shared: object, bounds: list[tuple[int, int]],
               initializer: Callable[[], None] | None = None) -> list:
    """``[function(shared, start, stop) for each bound]``, the first here and the others in worker processes.

    ``function`` must be a module-level function; ``initializer`` runs once in each worker."""
    if len(bounds) <= 1:
        return [function(shared, *b) for b in bounds]
    fork = "fork" in multiprocessing.get_all_start_methods()
    _SHARED.update(function=function, shared=shared)
    try:
        with ProcessPoolExecutor(max_workers=len(bounds) - 1, initializer=initializer,
                                 mp_context=multiprocessing.get_context("fork") if fork else None) as pool:
            if fork:
                futures = [pool.submit(_run_shared, b) for b in bounds[1:]]
            else:
                futures = [pool.submit(function, shared, *b) for b in bounds[1:]]
            return [function(shared, *bounds[0]), *(f.result() for f in futures)]
    finally:
        _SHARED.clear()
