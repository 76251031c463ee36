"""Figures for the planning review: sized for an A4 text column (16 cm wide), Japanese everywhere, one
colour per support type and aspect, a footnote naming the source table and the dictionary.

The API, as used elsewhere:

- notebooks: :func:`show` (a figure as a PNG at its printed size), :func:`source_note`, :func:`sides_figure`
  and the ``plot_*`` functions, each returning a matplotlib ``Figure``;
- the command line (``kyodo-analysis run``): :func:`figure_specs`, :func:`year_figure_specs` and
  :func:`draw_figures`; the Word summary: :func:`figure_names`; the notebook runner: :func:`worker_context`;
- saving and checking: :func:`save_figure`, :func:`png_bytes`, :func:`replace_missing_glyphs`,
  :func:`glyphs_required`, :func:`style`.

The modules: ``style`` (sizes, font and glyphs, colours), ``notes`` (footnotes, group names, note figures),
``rendering`` (files and bytes), ``groups`` and ``group_terms`` (figures comparing the groups), ``maps``
(network, correspondence analysis, clusters, MDS), ``years`` (comparing years) and ``drawing`` (which
figures an analysis gets, drawn in worker processes). matplotlib's settings are applied while a figure is
drawn only; importing this package changes nothing for the rest of the process.
"""

from .drawing import draw_figures, figure_names, figure_specs, make_figures, sides_figure, worker_context, year_figure_specs
from .group_terms import plot_distinctive_terms, plot_effect_vs_limitation
from .groups import plot_code_heatmap, plot_items_by_aspect
from .maps import plot_correspondence, plot_dendrogram, plot_mds, plot_network
from .notes import CIRCLED, MAX_FIGURE_GROUPS, group_names, plot_note, source_note
from .rendering import png_bytes, save_figure, show
from .style import (
    DPI,
    SUPPORT_COLORS,
    WIDTH,
    MissingGlyphError,
    aspect_color,
    glyphs_required,
    replace_missing_glyphs,
    style,
    support_color,
)
from .years import plot_codes_by_year, plot_items_by_year, plot_network_changes, plot_program_changes, plot_term_changes

__all__ = [
    "CIRCLED",
    "DPI",
    "MAX_FIGURE_GROUPS",
    "SUPPORT_COLORS",
    "WIDTH",
    "MissingGlyphError",
    "aspect_color",
    "draw_figures",
    "figure_names",
    "figure_specs",
    "glyphs_required",
    "group_names",
    "make_figures",
    "plot_code_heatmap",
    "plot_codes_by_year",
    "plot_correspondence",
    "plot_dendrogram",
    "plot_distinctive_terms",
    "plot_effect_vs_limitation",
    "plot_items_by_aspect",
    "plot_items_by_year",
    "plot_mds",
    "plot_network",
    "plot_network_changes",
    "plot_note",
    "plot_program_changes",
    "plot_term_changes",
    "png_bytes",
    "replace_missing_glyphs",
    "save_figure",
    "show",
    "sides_figure",
    "source_note",
    "style",
    "support_color",
    "worker_context",
    "year_figure_specs",
]
