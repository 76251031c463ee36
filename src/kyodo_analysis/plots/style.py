"""The figures' look: sizes (one A4 text column, 16 cm), the font and its glyphs, one colour per support
type and aspect, and the blank figure every plot starts from.

matplotlib's settings are applied inside :func:`styled` only; importing this module changes nothing
for the rest of the process. A missing glyph is an error, never a box.
"""

from __future__ import annotations

import functools
import importlib.util
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter

from ..schema import Comparison

POSITIVE_COLOR, NEGATIVE_COLOR = "#2b83ba", "#d7191c"  # the aspects a schema marks positive / negative
OTHER_ASPECT_COLORS = ["#7b7b7b", "#a6761d", "#66a61e", "#e7298a", "#8c6bb1", "#17becf"]
SUPPORT_COLORS = {"財政的支援": "#1b9e77", "人的支援": "#d95f02", "場の提供": "#7570b3"}
_EXTRA_COLORS = ["#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4"]

DPI = 200
WIDTH = 6.0  # inches: 16 cm (an A4 text column) with the 0.15 in padding on either side
FONT = 8.5  # labels, in points at that size
NOTE_FONT = 6.8  # footnotes
# "ps.fonttype": 42 although no PostScript is written: matplotlib 3.11's PDF backend sizes its font subsets
# by ps.fonttype (256 characters under its default 3), so every PDF embedded IPAexGothic twice (ASCII, the
# rest) and fontTools parsed and subset the font twice per PDF. With 42, one subset holds the whole BMP.
RC = {"font.family": "IPAexGothic", "font.size": FONT, "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "path",
      "svg.hashsalt": "kyodo-analysis", "axes.spines.top": False, "axes.spines.right": False,
      "axes.titlesize": 9.5, "axes.labelsize": FONT, "xtick.labelsize": FONT, "ytick.labelsize": FONT,
      "legend.fontsize": FONT, "figure.dpi": 100, "savefig.dpi": DPI, "text.usetex": False,
      "text.parse_math": False,  # labels are plain text: a name with $…$ is not mathtext
      # whatever a user's matplotlibrc says: a figure's layout is its own (save_figure takes it off after the PNG)
      "figure.autolayout": False, "figure.constrained_layout.use": False}


class MissingGlyphError(RuntimeError):
    """A character in a figure has no glyph in the font: it would print as a box."""


MISSING = "〓"  # 下駄記号: how Japanese print marks a character the font does not have


def _font_file() -> Path:
    spec = importlib.util.find_spec("matplotlib_fontja")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"


@functools.cache
def _register_font() -> None:
    """Make matplotlib-fontja's IPAexGothic known to matplotlib, without importing the package (its
    import switches the whole process's default font)."""
    font_manager.fontManager.addfont(str(_font_file()))


@functools.cache
def _font_chars() -> frozenset[int]:
    return frozenset(FT2Font(str(_font_file())).get_charmap())


def printable(text: str) -> tuple[str, set[str]]:
    """``text`` with every character the font cannot draw replaced by 〓, and the characters replaced."""
    chars = _font_chars()
    missing = {c for c in text if ord(c) not in chars and not c.isspace()}
    return ("".join(MISSING if c in missing else c for c in text), missing) if missing else (text, missing)


def replace_missing_glyphs(fig: Figure) -> set[str]:
    """Replace, in every text of the figure (tick labels included), the characters IPAexGothic lacks
    (emoji, Hangul, 𠮷 …) by 〓, so the figure is drawn and says visibly where; returns them."""
    missing: set[str] = set()
    for artist in fig.findobj(Text):
        text, gone = printable(artist.get_text())
        if gone:
            artist.set_text(text)
            missing |= gone
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            locations = axis.get_majorticklocs()
            formatter = axis.get_major_formatter()
            formatter.set_locs(locations)
            cleaned = [printable(str(formatter(x, k))) for k, x in enumerate(locations)]
            gone = {c for _, chars in cleaned for c in chars}
            if gone:
                axis.set_major_formatter(FixedFormatter([text for text, _ in cleaned]))
                missing |= gone
    return missing


@contextmanager
def style() -> Iterator[None]:
    """The figures' matplotlib settings, for the duration of the block only."""
    _register_font()
    with matplotlib.rc_context(RC):
        yield


def styled(plot: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a plotting function inside :func:`style`."""
    @functools.wraps(plot)
    def wrapper(*args, **kwargs) -> Figure:
        with style():
            return plot(*args, **kwargs)
    return wrapper


@contextmanager
def glyphs_required() -> Iterator[None]:
    """Turn matplotlib's "Glyph … missing from font(s)" warning into MissingGlyphError."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r".*[Gg]lyph .* missing from")
        try:
            yield
        except UserWarning as warning:
            if "missing from" in str(warning):
                raise MissingGlyphError(f"図に表示できない文字があります: {warning}") from None
            raise


def support_color(support_type: str, order: list[str] | None = None) -> str:
    """The support type's colour, the same in every figure (unknown types get a fixed extra colour)."""
    if support_type in SUPPORT_COLORS:
        return SUPPORT_COLORS[support_type]
    others = [s for s in (order or [support_type]) if s not in SUPPORT_COLORS]
    index = others.index(support_type) if support_type in others else 0
    return _EXTRA_COLORS[index % len(_EXTRA_COLORS)]


def polarity_color(polarity: str) -> str:
    """Blue for the positive side, red for the negative one, the same in every figure."""
    return POSITIVE_COLOR if polarity == "positive" else NEGATIVE_COLOR


def aspect_color(comparison: Comparison, aspect: str) -> str:
    """The colour of the aspect's side (:func:`polarity_color`); aspects without a side in turn."""
    polarity = next((a.polarity for a in comparison.aspects if a.key == aspect), None)
    if polarity:
        return polarity_color(polarity)
    others = [a.key for a in comparison.aspects if not a.polarity]
    return OTHER_ASPECT_COLORS[others.index(aspect) % len(OTHER_ASPECT_COLORS) if aspect in others else 0]


def new_figure(height: float, ncols: int = 1, nrows: int = 1, **kwargs):
    """A figure one text column wide, not registered with pyplot (no double display in notebooks)."""
    fig = Figure(figsize=(WIDTH, height), layout="constrained")
    ncols, nrows = max(ncols, 1), max(nrows, 1)  # a table with no items still gets its (empty) figure
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, (axes[0, 0] if ncols == nrows == 1 else axes[0] if nrows == 1 else axes)
