"""Which figures an analysis gets (file name, plot function, arguments), and drawing them into files, in
worker processes when asked (each figure is independent; the bytes are the same)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from matplotlib.figure import Figure

from ..correspondence import candidate_count, choice_of
from ..labels import city_name
from ..parallel import end_with  # a killed run leaves no worker behind
from ..schema import Comparison
from ..signals import signals_deferred
from ..slices import select_city
from ..stats import Z_SHOWN
from ..years import cities, year_cities
from .group_terms import plot_distinctive_terms, plot_effect_vs_limitation
from .groups import plot_code_heatmap, plot_items_by_aspect
from .maps import plot_correspondence, plot_dendrogram, plot_mds, plot_network
from .notes import plot_note
from .rendering import save_figure
from .years import plot_codes_by_year, plot_items_by_year, plot_network_changes, plot_program_changes, plot_term_changes


def figure_names(comparison: Comparison) -> list[str]:
    """The file names of one analysis' figures (the group named in them: ``by_support_type``, ``by_rating``…)."""
    by = comparison.by
    side = f"effect_vs_limitation_terms_by_{by}" if comparison.paired else "distinctive_terms_by_aspect"
    return [f"items_by_{by}_and_aspect", side,
            f"distinctive_terms_by_{by}", f"codes_by_{by}_heatmap", "cooccurrence_network", "correspondence_analysis_map",
            "term_clusters_dendrogram", "term_mds_map"]


def sides_figure(analysis) -> Figure:
    """The positive aspect's terms beside the negative one's, or each aspect's distinctive terms when the
    schema marks no sides (the second figure of :func:`figure_specs`)."""
    plot, args = side_spec(analysis)
    return plot(*args)


def side_spec(analysis) -> tuple[Callable, tuple]:
    """(plot function, its arguments) of the second figure: the positive and negative aspects side by side
    where the schema marks them; otherwise each aspect's distinctive terms against the other aspects."""
    items, metadata = analysis["items"], analysis.metadata
    if Comparison.from_metadata(metadata).paired:
        return plot_effect_vs_limitation, (analysis["keywords"], items, metadata)
    return plot_distinctive_terms, (analysis["distinctive_aspects"], items, metadata, 6, Z_SHOWN, "aspect")


def figure_specs(analysis, suffix: str = "") -> list[tuple[str, Callable, tuple]]:
    """(file name, plot function, its arguments) for every group figure of one analysis."""
    items, metadata = analysis["items"], analysis.metadata
    comparison = Comparison.from_metadata(metadata)
    names = [name + suffix for name in figure_names(comparison)]
    if items.empty:
        return [(name, plot_note, (name, "この表には項目がありません (図にするものがありません)", metadata)) for name in names]
    return [
        (names[0], plot_items_by_aspect, (analysis["programs"], metadata)),
        (names[1], *side_spec(analysis)),
        (names[2], plot_distinctive_terms, (analysis["distinctive_terms"], items, metadata)),
        (names[3], plot_code_heatmap, (analysis["codes"], items, metadata)),
        (names[4], plot_network, (analysis["cooccurrence_nodes"], analysis["cooccurrence_edges"], items, metadata)),
        (names[5], plot_correspondence, (analysis["correspondence_terms"], analysis["correspondence_groups"],
                                         analysis["correspondence_inertia"], items, metadata,
                                         candidate_count(analysis["terms"], items,
                                                         choice_of(analysis["correspondence_terms"])[1]))),
        (names[6], plot_dendrogram, (analysis["clusters"], analysis["cluster_merges"], metadata)),
        (names[7], plot_mds, (analysis["mds"], analysis["mds_axes"], metadata)),
    ]


def year_figure_specs(analysis) -> list[tuple[str, Callable, tuple]]:
    """The year-over-year figures of each city whose tables span two or more known years (none otherwise);
    with several such cities, the file names end in the city's name."""
    comparable = year_cities(analysis["items"])
    specs = []
    for city in comparable:
        part = select_city(analysis, city) if len(comparable) > 1 or len(cities(analysis["items"])) > 1 else analysis
        items, metadata, suffix = part["items"], part.metadata, f"_{city_name(city)}" if len(comparable) > 1 else ""
        specs += [
            (f"items_by_year{suffix}", plot_items_by_year, (part["programs"], metadata)),
            (f"terms_rising_and_falling{suffix}", plot_term_changes, (part["keyword_trends"], metadata)),
            (f"codes_by_year{suffix}", plot_codes_by_year, (part["codes"], items, metadata)),
            (f"program_changes{suffix}", plot_program_changes, (part["program_changes"], metadata)),
            (f"cooccurrence_changes{suffix}", plot_network_changes, (part["terms"], items, metadata)),
        ]
    return specs


def _draw(name: str, plot: Callable, args: tuple, out_dir: Path, metadata: dict) -> list[Path]:
    return save_figure(plot(*args), out_dir, name, metadata)


def worker_context() -> multiprocessing.context.BaseContext:
    """Worker processes forked from a single-threaded server that has already imported the package and
    the notebook runner (:mod:`kyodo_analysis.report.runner_imports`: 1.5 s per notebook otherwise):
    forking this process, which may have threads, can deadlock a child; a fresh interpreter per worker
    would import everything again."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["kyodo_analysis.report.runner_imports", "kyodo_analysis.plots", "kyodo_analysis.report"])
    return context


def draw_figures(specs: list[tuple], out_dir: str | Path, metadata: dict, workers: int = 1) -> list[Path]:
    """Draw and save figures, in ``workers`` processes (each figure is independent; output is the same). A
    spec (name, plot, args) may end with the metadata of the part it draws (a year's files), which its files
    then record as their provenance instead of ``metadata``'s."""
    out_dir = Path(out_dir)
    jobs = [(name, plot, args, out_dir, own[0] if own else metadata) for name, plot, args, *own in specs]
    if workers <= 1:
        return [p for job in jobs for p in _draw(*job)]
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=worker_context(), initializer=end_with,
                               initargs=(os.getpid(),))
    try:
        with signals_deferred():  # the pool starts whole (as parallel.chunk_results explains)
            futures = [pool.submit(_draw, *job) for job in jobs]
        return [p for future in futures for p in future.result()]
    finally:  # on an error or Ctrl-C, the figures not yet begun are not drawn
        pool.shutdown(wait=True, cancel_futures=True)


def make_figures(analysis, out_dir: str | Path, suffix: str = "", workers: int = 1) -> list[Path]:
    """Draw and save every support-type figure of one analysis (one year, or the only table)."""
    return draw_figures(figure_specs(analysis, suffix), out_dir, analysis.metadata, workers)
