"""Figures for the planning review: sized for an A4 text column (16 cm wide), Japanese everywhere, one
colour per support type and aspect, a footnote naming the source table and the dictionary.

matplotlib's settings are applied inside :func:`styled` only; importing this module changes nothing
for the rest of the process. A missing glyph is an error, never a box.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import multiprocessing
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .code_tests import tests_run
from .labels import STATUS_JA
from .schema import Comparison
from .stats import RANK_KEY, aspect_counts, group_order, largest, top_with_ties
from .years import cities, compared_labels, known_years, pooled_changes, term_shifts, trend_group_label, year_cities

POSITIVE_COLOR, NEGATIVE_COLOR = "#2b83ba", "#d7191c"  # the aspects a schema marks positive / negative
OTHER_ASPECT_COLORS = ["#7b7b7b", "#a6761d", "#66a61e", "#e7298a", "#8c6bb1", "#17becf"]
SUPPORT_COLORS = {"財政的支援": "#1b9e77", "人的支援": "#d95f02", "場の提供": "#7570b3"}
_EXTRA_COLORS = ["#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4"]
# Communities of the network: pale fills that no support-type colour resembles.
COMMUNITY_COLORS = ["#fff2ae", "#e5e5e5", "#fbd3e9", "#e6f5d0", "#d4e6f1", "#fde0c5", "#f5f5dc", "#e8e0f0"]
FORMATS = ("png", "svg", "pdf")
PANELS_PER_ROW = 3  # side by side on a 16 cm page; more groups wrap onto further rows
DPI = 200
WIDTH = 6.0  # inches: 16 cm (an A4 text column) with the 0.15 in padding on either side
FONT = 8.5  # labels, in points at that size
NOTE_FONT = 6.8  # footnotes
RC = {"font.family": "IPAexGothic", "font.size": FONT, "pdf.fonttype": 42, "svg.fonttype": "path",
      "svg.hashsalt": "kyodo-analysis", "axes.spines.top": False, "axes.spines.right": False,
      "axes.titlesize": 9.5, "axes.labelsize": FONT, "xtick.labelsize": FONT, "ytick.labelsize": FONT,
      "legend.fontsize": FONT, "figure.dpi": 100, "savefig.dpi": DPI, "text.usetex": False,
      "text.parse_math": False}  # labels are plain text: a name with $…$ is not mathtext


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
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(_font_file()))


@functools.cache
def _font_chars() -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(str(_font_file())).get_charmap())


def printable(text: str) -> tuple[str, set[str]]:
    """``text`` with every character the font cannot draw replaced by 〓, and the characters replaced."""
    chars = _font_chars()
    missing = {c for c in text if ord(c) not in chars and not c.isspace()}
    return ("".join(MISSING if c in missing else c for c in text), missing) if missing else (text, missing)


def replace_missing_glyphs(fig: Figure) -> set[str]:
    """Replace, in every text of the figure (tick labels included), the characters IPAexGothic lacks
    (emoji, Hangul, 𠮷 …) by 〓, so the figure is drawn and says visibly where; returns them."""
    from matplotlib.text import Text
    from matplotlib.ticker import FixedFormatter

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


def source_note(metadata: dict) -> str:
    """Footnote text: the source tables (city and title from the manifest, file, year) and the dictionary used."""
    files = metadata.get("raw_files", [])
    titles = list(dict.fromkeys(f"{f.get('city') or ''}「{f['title']}」" for f in files if f.get("title")))
    parts = [f"{f['file']} ({f['year']}年度)" if f.get("year") else f"{f['file']} (年度不明)" for f in files]
    note = f"出典: {' '.join(titles)} {', '.join(parts)}".replace("出典:  ", "出典: ")
    info = metadata.get("dictionary")
    if info:
        note += (f" / 形態素解析: {info['dictionary']} {info['dictionary_version']} (UniDic {info['unidic_version']}),"
                 f" {info['tokenizer']} {info['tokenizer_version']}")
    return note


def wrap_to(text: str, size: float, width: float = WIDTH) -> list[str]:
    """``text`` cut into lines that fit ``width`` inches at ``size`` points (full-width characters count
    1 em, others about 0.55 em), never inside a word of Latin letters or digits."""
    import unicodedata

    room = width * 72 / size
    lines, line, used = [], "", 0.0
    for char in text:
        used += 1.0 if unicodedata.east_asian_width(char) in "WFA" else 0.55
        line += char
        if used > room:
            cut = len(line) - 1
            while cut > 0 and line[cut - 1].isascii() and line[cut - 1] != " " and line[cut].isascii():
                cut -= 1
            cut = cut or len(line) - 1
            lines.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
            used = sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.55 for c in line)
    return [*lines, line] if line else lines


def add_footnote(fig: Figure, metadata: dict, extra: str = "") -> None:
    """The footnote under a figure: what it shows (``extra``), then the source; wrapped to the page width."""
    lines = [line for part in (extra, source_note(metadata)) if part for line in wrap_to(part, NOTE_FONT)]
    fig.text(0.0, 0.0, "\n".join(lines), ha="left", va="top", fontsize=NOTE_FONT, color="#444444",
             transform=fig.transFigure)


CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _ems(text: str) -> float:
    """Width in ems: full-width characters 1, others about 0.55 (as :func:`wrap_to` counts)."""
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.55 for c in text)


def _halves(name: str) -> str:
    """A name over two lines of about equal width (財政的 / 支援), never inside a run of Latin letters or digits."""
    cut = next(k for k in range(1, len(name) + 1) if _ems(name[:k]) >= _ems(name) / 2)
    while 0 < cut < len(name) and name[cut - 1].isascii() and name[cut].isascii() and name[cut - 1] != " ":
        cut += 1
    return f"{name[:cut].rstrip()}\n{name[cut:].lstrip()}" if 0 < cut < len(name) else name


def group_names(order: list[str], ems: float, what: str, metadata: dict | None = None) -> tuple[dict[str, str], str]:
    """How each group is written where ``ems`` full-width characters fit on a line: as it is (a compared
    city with its table's year, :func:`years.compared_labels`), or split into two halves, when every name
    fits so; otherwise each group as a circled number (①, ②…) with the full names in a note for the
    footnote (one style per figure, never a mix)."""
    full = compared_labels(metadata or {})
    names = {str(name): full.get(str(name), str(name)) for name in order}
    if all(_ems(label) <= 2 * ems for label in names.values()):
        return {name: label if _ems(label) <= ems else _halves(label) for name, label in names.items()}, ""
    shown = {name: CIRCLED[k] for k, name in enumerate(names)}  # figures of more groups are notes (crowded)
    return shown, f"{what}: " + "、".join(f"{shown[name]} {label}" for name, label in names.items()) + "。"


MAX_FIGURE_GROUPS = len(CIRCLED)  # beyond ⑳ the marks would repeat; a thousand panels took hours to lay out


def crowded(title: str, order: list, what: str, metadata: dict) -> Figure | None:
    """A note in place of a figure drawn per group when it has more groups than marks to tell them apart
    at 16 cm (every group is still in the tables); None when the figure can be drawn."""
    if len(order) <= MAX_FIGURE_GROUPS:
        return None
    return plot_note(title, f"{what}が {len(order):,} あり、1 枚の図で見分けられる数 ({MAX_FIGURE_GROUPS}) を"
                     "超えています。\n数はすべて表 (CSV と Excel の各シート) にあります。", metadata)


def provenance(metadata: dict) -> str:
    """What produced a figure: raw files with SHA-256, dictionary, word lists and coding rules."""
    parts = [f"raw: {f['file']} sha256={f['sha256']}" for f in metadata.get("raw_files", [])]
    info = metadata.get("dictionary")
    if info:
        parts.append(f"dictionary: {info['dictionary']} {info['dictionary_version']} (UniDic {info['unidic_version']})")
    for name, entry in sorted(metadata.get("word_lists", {}).items()):
        parts.append(f"{name}: {entry['source']} sha256={entry['sha256']}")
    rules = metadata.get("coding_rules")
    if rules:
        parts.append(f"coding_rules: {rules['source']} sha256={rules['sha256']}")
    return "; ".join(parts)


def save_figure(fig: Figure, out_dir: str | Path, name: str, metadata: dict | None = None) -> list[Path]:
    """Save PNG (200 dpi), SVG and PDF with fixed dates and the provenance embedded, failing on any
    missing glyph. The same figure gives the same bytes."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = provenance(metadata or {})
    missing = replace_missing_glyphs(fig)
    if missing:
        print(f"警告: 図 {name}: フォントにない文字 {' '.join(sorted(missing))} を {MISSING} で表しました。", file=sys.stderr)
    paths = []
    with style(), glyphs_required():
        for fmt in FORMATS:
            path = out_dir / f"{name}.{fmt}"
            embedded = {"png": {"Software": None, "Description": source},
                        "svg": {"Date": None, "Creator": None, "Description": source},
                        "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None,
                                "Subject": source}}[fmt]
            fig.savefig(path, format=fmt, dpi=DPI, metadata=embedded, bbox_inches="tight", pad_inches=0.15)
            paths.append(path)
    return paths


def new_figure(height: float, ncols: int = 1, nrows: int = 1, **kwargs):
    """A figure one text column wide, not registered with pyplot (no double display in notebooks)."""
    fig = Figure(figsize=(WIDTH, height), layout="constrained")
    ncols, nrows = max(ncols, 1), max(nrows, 1)  # a table with no items still gets its (empty) figure
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, (axes[0, 0] if ncols == nrows == 1 else axes[0] if nrows == 1 else axes)


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes, with the same missing-glyph check as saving."""
    buffer = io.BytesIO()
    replace_missing_glyphs(fig)
    with style(), glyphs_required():
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.15)
    return buffer.getvalue()


def show(fig: Figure):
    """Display a figure in a notebook as a PNG at its printed size (16 cm wide), after checking every glyph."""
    from IPython.display import Image

    return Image(data=png_bytes(fig, dpi=120), width=int(WIDTH * 96))


# ---------------------------------------------------------------- figures

def aspect_bars(ax, comparison: Comparison, x: np.ndarray, values: Callable[[str], list], size: float | None = None,
                aspects: tuple[str, ...] | None = None) -> None:
    """One bar per aspect at each x, side by side, labelled with its count; a missing value (NA) gets no bar."""
    aspects = comparison.aspect_keys if aspects is None else aspects
    width = 0.8 / max(len(aspects), 1)
    for k, aspect in enumerate(aspects):
        heights = [np.nan if pd.isna(v) else float(v) for v in values(aspect)]
        bars = ax.bar(x + (k - (len(aspects) - 1) / 2) * width, heights, width,
                      color=aspect_color(comparison, aspect), label=comparison.label(aspect, long=True))
        ax.bar_label(bars, labels=["" if np.isnan(h) else f"{h:.0f}" for h in heights], padding=1, fontsize=size)


MIN_SLOTS = 3  # the fewest groups of bars the items-by-group figure is laid out for


@styled
def plot_items_by_aspect(programs: pd.DataFrame, metadata: dict) -> Figure:
    """Items per group × aspect (from ``programs.csv``): how much each group reported, and of what kind.
    An aspect the group's tables do not have gets no bar (not a zero)."""
    comparison = Comparison.from_metadata(metadata)
    table = aspect_counts(programs, comparison)
    order = list(table.index)
    labels = "・".join(comparison.label(a) for a in comparison.aspect_keys)
    title = f"{comparison.by_label}ごとの項目数 ({labels})"
    if (note := crowded(title, order, comparison.by_label, metadata)) is not None:
        return note
    fig, ax = new_figure(3.0)
    x = np.arange(len(order))
    aspect_bars(ax, comparison, x, lambda aspect: table[f"n_{aspect}"].tolist())
    if len(x) < MIN_SLOTS:  # one or two groups keep the bar width of three, not stretched across the figure
        middle = (len(x) - 1) / 2
        ax.set_xlim(middle - MIN_SLOTS / 2, middle + MIN_SLOTS / 2)
    names, named = group_names(order, 40 / max(len(order), MIN_SLOTS), comparison.by_label, metadata)
    ax.set_xticks(x, [f"{names[g]}\n({n}事業)" for g, n in zip(order, table["programs"], strict=True)])
    ax.set_ylabel("項目数")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    top = table[[f"n_{a}" for a in comparison.aspect_keys]].max().max() if len(table) else 0
    ax.set_ylim(0, max(0 if pd.isna(top) else top, 1) * 1.25 + 0.5)
    if table["n_items"].sum() == 0:
        ax.text(0.5, 0.5, "項目がありません", transform=ax.transAxes, ha="center", va="center", color="#555555")
    ax.set_title(title)
    ax.legend(frameon=False, ncols=min(len(comparison.aspects), 3), loc="upper center", bbox_to_anchor=(0.5, -0.25))
    absent = "棒のない観点は、その表にない列です。" if table.isna().any().any() else ""
    add_footnote(fig, metadata, f"{named}項目 {int(table['n_items'].sum())} 件・事業 {int(table['programs'].sum())} 件。"
                 f"{absent}件数は記述の多さであり、成果の大きさではありません。")
    return fig


def ranked_terms(keywords: pd.DataFrame, by: str, group: str, aspects: tuple[str, ...], top: int, most: int
                 ) -> tuple[pd.DataFrame, int, int]:
    """The terms of one group in the given aspects (one side: a program has at most one aspect of each
    side, so programs add up) ranked by programs, items, occurrences — never cut inside a tie — with how
    many tied terms were left out and how many terms there were."""
    side = keywords[(keywords[by] == group) & keywords["aspect"].isin(aspects)]
    side = side.groupby("term", as_index=False)[["n", "n_items", "n_programs"]].sum()
    side = side.sort_values([*RANK_KEY, "term"], ascending=[False, False, False, True], kind="stable")
    kept, left_out = top_with_ties(side, top, RANK_KEY, most=most)
    return kept, left_out, len(side)


def _term_bars(ax, rows: pd.DataFrame, color: str, left: bool, n_terms: int, slots: int, scale: int) -> None:
    """Horizontal bars of items per term from the top of ``slots`` rows, with "term (k事業)" labels; a
    sentence where no term stands out."""
    y = slots - 1 - np.arange(len(rows))
    ax.barh(y, rows["n_items"], color=color, height=0.7)
    ax.set_yticks(y, [f"{t} ({p}事業)" for t, p in zip(rows["term"], rows["n_programs"], strict=True)])
    ax.set_xlim(0, scale + 0.3)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))  # a few integer ticks, however many items
    if left:
        ax.invert_xaxis()
        ax.yaxis.tick_right()
        ax.spines["left"].set_visible(False)
        ax.spines["right"].set_visible(True)
    ax.set_ylim(-0.6, slots - 0.4)
    if rows.empty:
        ax.set_yticks([])
        message = "語なし" if n_terms == 0 else f"全 {n_terms} 語が\n同数 (1位を\n選べません)"  # fits a narrow panel
        ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color="#666666")


@styled
def plot_effect_vs_limitation(keywords: pd.DataFrame, items: pd.DataFrame, metadata: dict, top: int = 5) -> Figure:
    """Per group, the negative aspect's terms (left) beside the positive aspect's terms (right), bars =
    items using the term (for a schema that marks both sides).

    Terms are ranked by programs, then items, then occurrences; a tie at the cut is kept whole up to
    ``2 × top`` terms, otherwise the list stops above it and says how many tied terms it left out."""
    comparison = Comparison.from_metadata(metadata)
    by, sides = comparison.by, ("negative", "positive")
    sided = items[items["aspect"].isin(comparison.sides)]
    if sided.empty:
        labels = f"「{comparison.side_label('negative')}」「{comparison.side_label('positive')}」"
        return plot_note(f"{comparison.by_label}ごとの{labels}の語", f"この表には{labels}の項目がありません", metadata)
    order = group_order(sided, by)
    if (note := crowded(f"{comparison.by_label}ごとの「{comparison.side_label('negative')}」"
                        f"「{comparison.side_label('positive')}」の語", order, comparison.by_label, metadata)) is not None:
        return note
    left_out_groups = [g for g in group_order(items, by) if g not in order]
    ranked = {(g, s): ranked_terms(keywords, by, g, comparison.side(s), top, 2 * top) for g in order for s in sides}
    # a panel with no bar says why in three lines: its row is never lower than that
    rows = [max(3 if any(ranked[g, s][0].empty for s in sides) else 1, *(len(ranked[g, s][0]) for s in sides))
            for g in order]
    scale = max([1] + [int(r[0]["n_items"].max()) for r in ranked.values() if len(r[0])])
    fig, axes = new_figure(0.6 * len(order) + 0.19 * sum(rows) + 0.4, ncols=2, nrows=max(len(order), 1),
                           gridspec_kw={"height_ratios": rows or [1]})
    axes = np.atleast_2d(axes)
    names, named = group_names(order, 16, comparison.by_label, metadata)
    for k, group in enumerate(order):
        for j, side in enumerate(sides):
            ax = axes[k, j]
            kept, left_out, n_terms = ranked[group, side]
            _term_bars(ax, kept, polarity_color(side), side == "negative", n_terms, rows[k], scale)
            note = f"\n(同数で省いた {left_out} 語)" if left_out and len(kept) else ""  # two lines: fits the panel
            ax.set_title(f"{names[group]}: {comparison.side_label(side)}{note}", color=support_color(group, order))
    for ax in axes[-1]:
        ax.set_xlabel("その語を含む項目数")
    fig.suptitle(f"{comparison.by_label}ごとの「{comparison.side_label('negative')}」の語 (左) と"
                 f"「{comparison.side_label('positive')}」の語 (右)", fontsize=10)
    skipped = (f"「{comparison.side_label('positive')}」「{comparison.side_label('negative')}」の項目がない{comparison.by_label}"
               f" ({'、'.join(left_out_groups)}) は省きました。" if left_out_groups else "")
    add_footnote(fig, metadata, f"{named}語は抽出語 (terms.csv)。順位は 事業数 → 項目数 → 出現回数 の順で、上位 {top} 語まで。"
                 f"同数が続くときは {2 * top} 語までなら全部、それを超えるなら同数の手前で打ち切り、"
                 f"省いた語の数を示します。{skipped}")
    return fig


@styled
def plot_distinctive_terms(distinctive: pd.DataFrame, items: pd.DataFrame, metadata: dict, top: int = 6,
                           threshold: float = 1.96, by: str | None = None) -> Figure:
    """Per group (the comparison's groups, or each aspect with ``by="aspect"``), the terms whose z
    (Monroe et al.'s one-vs-rest log-odds) reaches ``threshold``; a panel says so when none does,
    naming the largest z, instead of drawing noise."""
    comparison = Comparison.from_metadata(metadata)
    by = by or comparison.by
    order = list(comparison.aspect_keys) if by == "aspect" else group_order(items, by)
    what = "観点" if by == "aspect" else comparison.by_label
    if len(order) < 2:
        return plot_note(f"{what}ごとの特徴語", f"{what}が 1 つなので、ほかの{what}と比べる特徴語はありません", metadata)
    if (note := crowded(f"{what}ごとの特徴語", order, what, metadata)) is not None:
        return note
    chosen = {}
    for support in order:
        sub = distinctive[(distinctive[by] == support) & (distinctive["z"] >= threshold)]
        sub = sub.assign(z_key=sub["z"].round(6)).sort_values(["z_key", "term"], ascending=[False, True])
        chosen[support] = top_with_ties(sub, top, ["z_key"], most=2 * top)
    slots = max([len(kept) for kept, _ in chosen.values()] + [0])
    ncols, nrows = min(len(order), PANELS_PER_ROW), -(-len(order) // PANELS_PER_ROW)  # rows of three panels
    fig, axes = new_figure(nrows * (0.22 * slots + 1.2 if slots else 1.3), ncols=ncols, nrows=nrows, sharex=True)
    axes = np.atleast_1d(axes).ravel()
    names, named = group_names([comparison.label(g) if by == "aspect" else g for g in order], 30 / ncols, what, metadata)
    for ax in axes[len(order):]:
        ax.set_axis_off()  # the empty places of the last row
    for ax, support in zip(axes, order, strict=False):
        kept, left_out = chosen[support]
        color = aspect_color(comparison, support) if by == "aspect" else support_color(support, order)
        name = names[comparison.label(support) if by == "aspect" else support]
        ax.set_title(name + (f" (同数で省いた {left_out} 語)" if left_out else ""), color=color)
        if kept.empty:
            own = distinctive[distinctive[by] == support]
            detail = f"\n(最大: {largest(own, 'z')})" if len(own) else ""
            ax.text(0.5, 0.5, f"z ≧ {threshold} の語なし{detail}", transform=ax.transAxes, ha="center", va="center",
                    color="#555555")
            ax.set_axis_off()
            continue
        y = slots - 1 - np.arange(len(kept))
        ax.barh(y, kept["z"], color=color, height=0.7)
        ax.set_yticks(y, [f"{t} ({g}/{r})" for t, g, r in
                          zip(kept["term"], kept["n_group"], kept["n_rest"], strict=True)])
        ax.set_ylim(-0.6, slots - 0.4)
        ax.set_xlabel("z 値")
        ax.axvline(threshold, color="#999999", linewidth=0.6, linestyle=":")
    fig.suptitle(f"{what}ごとの特徴語 (その{what} 対 他の{what}、z ≧ {threshold} の語)", fontsize=10)
    add_footnote(fig, metadata, f"{named}z は Monroe ほか (2008) の一対残りの重み付き対数オッズ比 (情報事前分布つき)"
                 "を標準誤差で割った値。" + (f"括弧内は出現回数 (その{what}/他の{what})。" if slots else "") +
                 "語の出現を数えた記述の目安で、事業単位の検定ではありません。")
    return fig


def heatmap_panels(codes: pd.DataFrame, comparison: Comparison) -> list[str]:
    """The aspects drawn as panels: each aspect that two or more groups wrote in; when none does (tables
    with different aspects, such as different cities) or more than four do, the aspects pooled (``all``)."""
    panels = [a for a in comparison.aspect_keys if codes.loc[codes["aspect"] == a, comparison.by].nunique() >= 2]
    return panels if 0 < len(panels) <= 4 else ["all"]


def _heatmap_panel(ax, table: pd.DataFrame, by: str, code_order: list[str], columns: list[str], names: dict[str, str]):
    """One aspect's code × group cells: programs with the code / programs, shaded by that share."""
    pivot = {name: table.pivot_table(index="code", columns=by, values=name, aggfunc="first")
             .reindex(index=code_order, columns=columns) for name in ("n_programs", "programs_total")}
    share = (pivot["n_programs"] / pivot["programs_total"]).to_numpy(dtype=float)
    image = ax.imshow(np.ma.masked_invalid(share), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(len(code_order)):
        for j in range(len(columns)):
            done, total = pivot["n_programs"].iloc[i, j], pivot["programs_total"].iloc[i, j]
            text = "—" if pd.isna(total) else f"{int(done)}/{int(total)}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if not np.isnan(share[i, j]) and share[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(columns)), [names[s] for s in columns], fontsize=8)
    ax.tick_params(length=0)
    ax.spines[:].set_visible(False)
    return image


def heatmap_note(codes: pd.DataFrame, comparison: Comparison, n_columns: int, marked: bool, alpha: float) -> str:
    """What the heatmap's colours and marks mean, true for what was drawn: the tests' own labelling
    counts and Holm only where tests were run; no word about marks that are not drawn."""
    what = comparison.by_label
    if n_columns < 2:
        return f"{what}が 1 つなので比べるものはなく、色はコードの項目がある事業の割合 (記述) です。"
    tested = codes[(codes["test"].astype("string") != "none") & codes["p_holm"].notna()]
    if tested.empty:
        return (f"検定なし: この事業数では{what}の違いを検定で示せません。"
                "色は割合の記述で、多い・少ないの判定ではありません。")
    tests = (f"{what}の差の検定は、{what}のラベルを事業に並べ替える検定 (単位は事業; {tests_run(tested, comparison.label)}) で、"
             "検定した全コード×観点に Holm 補正。")
    if marked:
        return tests + f"* は補正後 p<{alpha} のコード。"
    return tests + f"補正後 p<{alpha} のコードはなく、色は割合を表す記述で、多い・少ないの判定ではありません。"


@styled
def plot_code_heatmap(codes: pd.DataFrame, items: pd.DataFrame, metadata: dict, alpha: float = 0.05) -> Figure:
    """Codes × group, one panel per aspect (see :func:`heatmap_panels`): how many of the group's programs
    have an item with the code. Colour is that share (a description); a code × aspect is marked only
    where the program-level test, Holm-adjusted, is below ``alpha``. A table with no code: a sentence."""
    comparison = Comparison.from_metadata(metadata)
    by, order, what = comparison.by, group_order(items, comparison.by), comparison.by_label
    title = f"コード × {what}: コードに当たる項目のある事業数 / その観点の項目がある事業数"
    if codes.empty:
        return plot_note(title, "コードの付いた項目がありません (図にするものがありません)", metadata)
    if (note := crowded(title, order, what, metadata)) is not None:
        return note
    code_order = list(dict.fromkeys(codes["code"]))
    panels = heatmap_panels(codes, comparison)
    columns = {a: [g for g in order if (codes.loc[codes["aspect"] == a, by] == g).any()] for a in panels}
    n_columns = sum(len(c) for c in columns.values())
    names, named = group_names(order, 30 / max(n_columns, 1), what, metadata)
    fig, axes = new_figure(0.3 * len(code_order) + 1.3, ncols=len(panels), sharey=True,
                           gridspec_kw={"width_ratios": [max(len(columns[a]), 1) for a in panels]})
    axes = np.atleast_1d(axes)
    marked: set[str] = set()
    for ax, aspect in zip(axes, panels, strict=True):
        table = codes[codes["aspect"] == aspect]
        image = _heatmap_panel(ax, table, by, code_order, columns[aspect], names)
        found = set(table.loc[table["p_holm"].fillna(1) < alpha, "code"])
        marked |= found
        ax.set_title(comparison.label(aspect) + (f" (*: {what}の差)" if found else ""))
    axes[0].set_yticks(range(len(code_order)), [c + (" *" if c in marked else "") for c in code_order])
    fig.colorbar(image, ax=axes, shrink=0.7, label="コードの項目がある事業の割合")
    fig.suptitle(title, fontsize=9.5)
    pooled = "観点ごとに比べられる列がないため、観点をまとめた「全体」を示します。" if panels == ["all"] and n_columns > 1 else ""
    add_footnote(fig, metadata, named + pooled + heatmap_note(codes, comparison, max(len(c) for c in columns.values()),
                                                              bool(marked), alpha))
    return fig


def spread_labels(nodes: pd.DataFrame, size: tuple[float, float], font: float,
                  rounds: int = 200) -> dict[str, tuple[float, float]]:
    """Node positions (from ``cooccurrence_nodes.csv``) nudged apart until their labels, ``font`` points
    high and about one em per character wide on a ``size``-inch plot, no longer overlap (or ``rounds`` is
    reached). Deterministic: the same layout gives the same picture."""
    xy = nodes[["x", "y"]].to_numpy(dtype=float)
    if len(xy) < 2:
        return {n: (float(x), float(y)) for n, (x, y) in zip(nodes["node"], xy, strict=True)}
    low, span = xy.min(axis=0), np.maximum(np.ptp(xy, axis=0), 1e-9)
    inches = (xy - low) / span * np.array(size)
    half = np.column_stack([[len(str(n)) * font / 72 / 2 + 0.03 for n in nodes["node"]],
                            np.full(len(xy), font / 72 / 2 + 0.03)])
    for _ in range(rounds):
        gap = np.abs(inches[:, None, :] - inches[None, :, :]) - (half[:, None, :] + half[None, :, :])
        overlap = (gap < 0).all(axis=2)
        np.fill_diagonal(overlap, False)
        if not overlap.any():
            break
        i, j = np.nonzero(np.triu(overlap))
        push = -gap[i, j].max(axis=1) / 2 + 0.01  # the smaller of the two overlaps, shared by both labels
        along_y = gap[i, j, 1] > gap[i, j, 0]
        direction = np.sign(inches[i] - inches[j])
        direction[direction == 0] = 1
        step = np.zeros((len(i), 2))
        step[along_y, 1], step[~along_y, 0] = push[along_y], push[~along_y]
        np.add.at(inches, i, step * direction)
        np.add.at(inches, j, -step * direction)
    placed = inches / np.array(size) * span + low
    return {n: (float(x), float(y)) for n, (x, y) in zip(nodes["node"], placed, strict=True)}


@styled
def plot_network(nodes: pd.DataFrame, edges: pd.DataFrame, items: pd.DataFrame, metadata: dict,
                 shade: str = "community") -> Figure:
    """Co-occurrence network of terms (Jaccard within items), communities shaded (or, with
    ``shade="centrality"``, the terms' betweenness), the groups linked; the edges of the maximum spanning
    forest (``mst``) drawn heavier."""
    comparison = Comparison.from_metadata(metadata)
    order, what = group_order(items, comparison.by), comparison.by_label
    title = f"共起ネットワーク (同じ項目に出てくる語; 色付きの札は{what})"
    if not (edges["kind"] == "term").any():
        return plot_note(title, "2 項目以上で一緒に使われる語がないため、共起ネットワークはありません", metadata)
    if (note := crowded(title, order, what, metadata)) is not None:
        return note
    names, named = group_names(order, 10, what, metadata)
    position = spread_labels(nodes, size=(5.6, 4.6), font=8.0)
    fig, ax = new_figure(5.6)
    max_j = edges["jaccard"].max() if len(edges) else 1
    for edge in edges.itertuples(index=False):
        (x1, y1), (x2, y2) = position[edge.source], position[edge.target]
        linked, spanning = edge.kind != "term", bool(getattr(edge, "mst", False))
        ax.plot([x1, x2], [y1, y2], color=support_color(edge.source, order) if linked else
                "#606060" if spanning else "#a0a0a0",
                linewidth=(0.4 + 1.6 * edge.jaccard / max_j) * (1.8 if spanning else 1.0), alpha=0.6 if linked else 0.7,
                linestyle="--" if linked else "-", zorder=1)
    for node in nodes.itertuples(index=False):
        x, y = position[node.node]
        if node.kind == "term":
            community = 0 if pd.isna(node.community) else int(node.community)
            size = 40 + 30 * (0 if pd.isna(node.n_units) else int(node.n_units))
            fill = COMMUNITY_COLORS[(community - 1) % len(COMMUNITY_COLORS)] if community else "#ffffff"
            if shade == "centrality":
                fill = matplotlib.colormaps["Blues"](0.1 + 0.6 * centrality_share(nodes, node.node))
            ax.scatter(x, y, s=size, color=fill, edgecolors="#777777", linewidths=0.5, zorder=2)
            ax.text(x, y, node.node, ha="center", va="center", fontsize=8, zorder=3)
        else:
            ax.text(x, y, names.get(node.node, node.node), ha="center", va="center", fontsize=8, color="white", zorder=4,
                    bbox={"boxstyle": "round,pad=0.3", "facecolor": support_color(node.node, order), "edgecolor": "none"})
    ax.set_axis_off()
    ax.margins(0.06)
    ax.set_title(title)
    term_edges = edges[edges["kind"] == "term"]
    cut = term_edges["jaccard"].min() if len(term_edges) else float("nan")
    add_footnote(fig, metadata,
                 f"{named}語どうしの線は Jaccard 係数 {cut:.3f} 以上の {len(term_edges)} 本すべて (上位60本目と同じ値の辺も含む; "
                 "2項目以上に出る語)。円の大きさは項目数、"
                 + ("円の濃さは媒介中心性。" if shade == "centrality"
                    else "淡い色はコミュニティ (貪欲法によるモジュラリティ最大化)。")
                 + f"破線は{what}と、その{what}で Jaccard の大きい語。"
                 + ("太い濃い線は最大全域木 (Jaccard で) の辺。" if "mst" in edges.columns else "")
                 + "配置は固定シード。")
    return fig


@styled
def plot_correspondence(term_coords: pd.DataFrame, group_coords: pd.DataFrame, inertia: pd.DataFrame,
                        items: pd.DataFrame, metadata: dict) -> Figure:
    """Correspondence-analysis map of terms and support types (first two axes, symmetric map).

    Terms used by one support type only have the same profile, so they share one point (drawn once,
    with all their names); that point lies beyond the type's own point, in its direction.
    """
    comparison = Comparison.from_metadata(metadata)
    order, what = group_order(items, comparison.by), comparison.by_label
    title = f"対応分析: 語と{what} (対称マップ)"
    if (note := crowded(title, order, what, metadata)) is not None:
        return note
    fig, ax = new_figure(5.0)
    dims = [c for c in term_coords.columns if c.startswith("dim")]
    if len(term_coords) == 0 or len(group_coords) < 2:
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"対応分析に必要な語か{what}が足りません (2つ以上必要)", ha="center", va="center",
                transform=ax.transAxes)
        add_footnote(fig, metadata)
        return fig
    x_dim, y_dim = dims[0], dims[1] if len(dims) > 1 else None
    terms = term_coords.assign(px=term_coords[x_dim].round(3), py=term_coords[y_dim].round(3) if y_dim else 0.0)
    points = (terms.sort_values(["n", "term"], ascending=[False, True])
              .groupby(["px", "py"], sort=True).agg(terms=("term", list), n=("n", "sum")).reset_index())
    ax.axhline(0, color="#bbbbbb", linewidth=0.6)
    ax.axvline(0, color="#bbbbbb", linewidth=0.6)
    ax.scatter(points["px"], points["py"], s=12 + 6 * points["n"], color="#9ecae1", edgecolors="#4a4a4a", linewidths=0.4)
    for row in points.itertuples(index=False):
        names = row.terms
        lines = ["、".join(names[i:i + 4]) for i in range(0, len(names), 4)]
        below = len(names) > 1 and row.py <= 0
        ax.annotate("\n".join(lines), (row.px, row.py), xytext=(5, -6 if below else 5), textcoords="offset points",
                    fontsize=8, va="top" if below else "bottom",
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    names, named = group_names(order, 10, what, metadata)
    for row in group_coords.itertuples(index=False):
        x, y = getattr(row, x_dim), getattr(row, y_dim) if y_dim else 0.0
        color = support_color(row.group, order) if row.group in order else "#333333"
        ax.scatter(x, y, s=60, marker="s", color=color, zorder=3)
        inward_x, inward_y = -x, -y  # terms of this type only lie beyond the point: label it on the inner side
        sideways = abs(inward_x) >= abs(inward_y)
        offset = (8 * np.sign(inward_x), 0) if sideways else (0, 9 * np.sign(inward_y))
        ax.annotate(names.get(row.group, row.group), (x, y), xytext=offset,
                    textcoords="offset points", fontsize=8.5,
                    ha=("left" if inward_x > 0 else "right") if sideways else "center",
                    va="center" if sideways else ("bottom" if inward_y > 0 else "top"),
                    color="white", zorder=4, bbox={"boxstyle": "round,pad=0.3", "facecolor": color, "edgecolor": "none"})
    share = dict(zip(inertia["axis"], inertia["share"], strict=True))
    ax.set_xlabel(f"第1軸 (慣性の {share[x_dim]:.1%})")
    if y_dim:
        ax.set_ylabel(f"第2軸 (慣性の {share[y_dim]:.1%})")
    ax.margins(0.15)
    ax.set_title(title)
    n_groups = len(group_coords)
    add_footnote(fig, metadata,
                 f"{named}χ² の大きい上位 {len(term_coords)} 語 (2回以上出現; 同値は切らずに含む)。"
                 f"一つの{what}にしか出ない語は同じ点にまとめて表示しており、その点は{what}の点そのものではなく、同じ方向のさらに外側にあります。"
                 f"{what}が {n_groups} つなので、{n_groups - 1} 軸で慣性の 100% を説明します。"
                 f"語と{what}の距離は直接には比べられず、同じ方向にあることが結びつきを表します。")
    return fig


def wrap(text: str, width: int = 40) -> str:
    """Wrap Japanese text for table cells and labels (by character count)."""
    return "\n".join(textwrap.wrap(text, width)) if text else text


@styled
def plot_note(title: str, note: str, metadata: dict) -> Figure:
    """A figure that says why the analysis it stands for cannot be drawn (e.g. a table with no items)."""
    fig, ax = new_figure(1.2)
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", color="#555555")
    add_footnote(fig, metadata)
    return fig


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
    _, plot, args = figure_specs(analysis)[1]
    return plot(*args)


def figure_specs(analysis, suffix: str = "") -> list[tuple[str, Callable, tuple]]:
    """(file name, plot function, its arguments) for every group figure of one analysis. The positive and
    negative aspects are set side by side where the schema marks them; otherwise each aspect's
    distinctive terms against the other aspects are shown."""
    items, metadata = analysis["items"], analysis.metadata
    comparison = Comparison.from_metadata(metadata)
    names = [name + suffix for name in figure_names(comparison)]
    if items.empty:
        return [(name, plot_note, (name, "この表には項目がありません (図にするものがありません)", metadata)) for name in names]
    side = ((plot_effect_vs_limitation, (analysis["keywords"], items, metadata)) if comparison.paired else
            (plot_distinctive_terms, (analysis["distinctive_aspects"], items, metadata, 6, 1.96, "aspect")))
    return [
        (names[0], plot_items_by_aspect, (analysis["programs"], metadata)),
        (names[1], *side),
        (names[2], plot_distinctive_terms, (analysis["distinctive_terms"], items, metadata)),
        (names[3], plot_code_heatmap, (analysis["codes"], items, metadata)),
        (names[4], plot_network, (analysis["cooccurrence_nodes"], analysis["cooccurrence_edges"], items, metadata)),
        (names[5], plot_correspondence, (analysis["correspondence_terms"], analysis["correspondence_groups"],
                                         analysis["correspondence_inertia"], items, metadata)),
        (names[6], plot_dendrogram, (analysis["clusters"], analysis["cluster_merges"], metadata)),
        (names[7], plot_mds, (analysis["mds"], analysis["mds_axes"], metadata)),
    ]


def _draw(name: str, plot: Callable, args: tuple, out_dir: Path, metadata: dict) -> list[Path]:
    return save_figure(plot(*args), out_dir, name, metadata)


def worker_context() -> multiprocessing.context.BaseContext:
    """Worker processes forked from a single-threaded server that has already imported the package:
    forking this process, which may have threads, can deadlock a child; a fresh interpreter per worker
    would import everything again."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["kyodo_analysis.plots", "kyodo_analysis.report"])
    return context


def draw_figures(specs: list[tuple[str, Callable, tuple]], out_dir: str | Path, metadata: dict,
                 workers: int = 1) -> list[Path]:
    """Draw and save figures, in ``workers`` processes (each figure is independent; output is the same)."""
    out_dir = Path(out_dir)
    if workers <= 1:
        return [p for name, plot, args in specs for p in _draw(name, plot, args, out_dir, metadata)]
    import os
    from concurrent.futures import ProcessPoolExecutor

    from .report import end_with  # a killed run leaves no worker behind

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=worker_context(), initializer=end_with,
                               initargs=(os.getpid(),))
    try:
        futures = [pool.submit(_draw, name, plot, args, out_dir, metadata) for name, plot, args in specs]
        return [p for future in futures for p in future.result()]
    finally:  # on an error or Ctrl-C, the figures not yet begun are not drawn
        pool.shutdown(wait=True, cancel_futures=True)


def make_figures(analysis, out_dir: str | Path, suffix: str = "", workers: int = 1) -> list[Path]:
    """Draw and save every support-type figure of one analysis (one year, or the only table)."""
    return draw_figures(figure_specs(analysis, suffix), out_dir, analysis.metadata, workers)


# ---------------------------------------------------------------- comparing years

@styled
def plot_items_by_year(programs: pd.DataFrame, metadata: dict) -> Figure:
    """Items per group × aspect (from ``programs.csv``), one panel per group, one group of bars per year;
    only the aspects these tables have, and no bar where a year's table lacks the column."""
    comparison = Comparison.from_metadata(metadata)
    order, years = group_order(programs, comparison.by), known_years(programs)
    title = f"年度ごとの項目数 ({comparison.by_label} × 観点)"
    if (note := crowded(title, order, comparison.by_label, metadata)) is not None:
        return note
    fig, axes = new_figure(2.8, ncols=len(order), sharey=True)
    axes = np.atleast_1d(axes)
    aspects = tuple(a for a in comparison.aspect_keys if programs[f"n_{a}"].notna().any())
    per_year = {year: aspect_counts(programs[programs["year"] == year], comparison) for year in years}
    top = max([int(v) for t in per_year.values() for a in aspects for v in t[f"n_{a}"].dropna()], default=1)
    names, named = group_names(order, 45 / max(len(order), 1), comparison.by_label, metadata)
    for ax, support in zip(axes, order, strict=True):
        x = np.arange(len(years))
        aspect_bars(ax, comparison, x, lambda aspect, g=support: [
            per_year[year][f"n_{aspect}"].get(g, 0) for year in years], 8, aspects)
        ax.set_xticks(x, [f"{y}年度" for y in years])
        ax.set_ylim(0, top * (1.3 + 0.12 * len(aspects)) + 0.5)
        ax.set_title(names[support], color=support_color(support, order), fontsize=9.5)
    axes[0].set_ylabel("項目数")
    axes[0].legend(frameon=False, fontsize=8, loc="upper left")  # in the headroom left above the bars
    fig.suptitle(title, fontsize=10)
    add_footnote(fig, metadata, f"{named}その年度の表にない{comparison.by_label}は 0 件です。"
                 "件数は記述の多さであり、成果の大きさではありません。")
    return fig


@styled
def plot_term_changes(trends: pd.DataFrame, metadata: dict, top: int = 10, threshold: float = 1.96) -> Figure:
    """Terms that rose and fell from the previous year to the latest with |z| ≥ ``threshold`` (all groups
    and aspects pooled: :func:`pooled_changes`), never cut inside a tie; a sentence when none did, instead
    of drawing noise."""
    comparison = Comparison.from_metadata(metadata)
    by = comparison.by
    pooled = pooled_changes(trends, by)
    year = int(pooled["year"].max())
    latest = pooled[pooled["year"] == year]
    previous = int(latest["prev_year"].iloc[0])
    rising, falling, left_out = term_shifts(trends, year, top, threshold, by)
    rows = pd.concat([rising, falling[::-1]])[::-1]
    fig, ax = new_figure(0.2 * len(rows) + 1.2 if len(rows) else 1.4)
    ax.set_title(f"{previous}年度から{year}年度に増えた語・減った語 (|z| ≧ {threshold})", fontsize=10)
    if rows.empty:
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"|z| ≧ {threshold} で増減した語はありません (最大: {largest(latest, 'z_vs_prev', True)})",
                transform=ax.transAxes, ha="center", va="center", color="#555555")
    else:
        colors = [polarity_color("positive" if z > 0 else "negative") for z in rows["z_vs_prev"]]
        ax.barh(np.arange(len(rows)), rows["z_vs_prev"], color=colors)
        ax.set_yticks(np.arange(len(rows)), [f"{t}  ({p}→{n})" for t, p, n in
                                             zip(rows["term"], rows["n_prev"], rows["n"], strict=True)])
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_xlabel("z 値 (重み付き対数オッズ比; 右: 増えた語 / 左: 減った語)")
    note = f"同数のため {left_out} 語を省きました。" if left_out else ""
    shown = "括弧内は出現回数 (前年度→当年度)。" if len(rows) else ""
    add_footnote(fig, metadata, f"{shown}全{trend_group_label(comparison)}・全観点をまとめた比較です。"
                 f"{note}"
                 "事業の追加・削除による変化も含みます。")
    return fig


@styled
def plot_codes_by_year(codes: pd.DataFrame, items: pd.DataFrame, metadata: dict) -> Figure:
    """Code × (group, year), one panel for the positive aspect and one for the negative (or one per aspect
    when the schema marks no sides; never pooled): programs with an item of the code / programs with an
    item of that aspect."""
    comparison = Comparison.from_metadata(metadata)
    by, order = comparison.by, group_order(items, comparison.by)
    what = comparison.by_label
    title = f"年度ごとのコード × {what} (コードの項目がある事業数 / その観点の項目がある事業数)"
    if (note := crowded(title, order, what, metadata)) is not None:
        return note
    aspects = comparison.sides
    years = known_years(codes[codes["year"].notna()])
    columns = [(s, y) for s in order for y in years]
    code_order = list(dict.fromkeys(codes["code"]))
    fig, axes = new_figure(len(aspects) * (0.27 * len(code_order) + 0.9), nrows=len(aspects), sharex=True)
    for ax, aspect in zip(np.atleast_1d(axes).ravel(), aspects, strict=True):
        indexed = codes[(codes["aspect"] == aspect) & codes["year"].notna()].set_index(["code", by, "year"])
        share = np.full((len(code_order), len(columns)), np.nan)
        for i, code in enumerate(code_order):
            for j, key in enumerate(columns):
                if (code, *key) in indexed.index:
                    row = indexed.loc[(code, *key)]
                    share[i, j] = row["n_programs"] / row["programs_total"]
                    ax.text(j, i, f"{int(row['n_programs'])}/{int(row['programs_total'])}", ha="center", va="center",
                            fontsize=8, color="white" if share[i, j] > 0.6 else "black")
                else:
                    ax.text(j, i, "—", ha="center", va="center", fontsize=8)
        ax.imshow(np.ma.masked_invalid(share), cmap="Blues", vmin=0, vmax=1, aspect="auto")
        ax.set_yticks(range(len(code_order)), code_order, fontsize=8)
        ax.set_title(comparison.label(aspect, long=True), fontsize=9)
        ax.tick_params(length=0)
        ax.spines[:].set_visible(False)
    names, named = group_names(order, 30 / max(len(columns), 1), comparison.by_label, metadata)
    ax.set_xticks(range(len(columns)), [f"{names[s]}\n{y}" for s, y in columns], fontsize=8)
    fig.suptitle(title, fontsize=9.5)
    add_footnote(fig, metadata, f"{named}色はその割合 (記述であり検定ではありません)。"
                 f"— はその年度にその{what}の事業がないことを表します。"
                 "事業の追加・廃止で分母が変わるため、割合の変化は事業の入れ替わりも含みます。")
    return fig


STATUS_COLORS = {"kept": "#7b7b7b", "added": "#1a9641", "removed": "#d7191c", "renamed": "#2b83ba", "renumbered": "#7b7b7b"}


@styled
def plot_program_changes(changes: pd.DataFrame, metadata: dict) -> Figure:
    """Each program as a bar from its first to its last year, coloured by what happened to it."""
    rows = changes[changes["first_year"].notna()].reset_index(drop=True)
    years = sorted(set(rows["first_year"].astype(int)) | set(rows["last_year"].astype(int)))
    number = Comparison.from_metadata(metadata).columns.get("program_no", "番号")  # the table's own header
    fig, ax = new_figure(0.36 * len(rows) + 1.0)
    for i, row in enumerate(rows.itertuples(index=False)):
        y = len(rows) - 1 - i
        color = STATUS_COLORS[row.status]
        ax.plot([row.first_year, row.last_year], [y, y], color=color, linewidth=5, solid_capstyle="round")
        ax.scatter([row.first_year, row.last_year], [y, y], s=50, color=color, zorder=3)  # one-year programs too
        before = [f"旧 {number} {int(row.previous_no)}"] if not pd.isna(row.previous_no) else []
        if isinstance(row.previous_name, str) and row.previous_name:
            before.append(f"旧名: {row.previous_name}")
        label = f"{number} {row.program_no} {row.program} [{STATUS_JA[row.status]}]"
        ax.text(years[-1] + 0.12, y, label + ("\n" + "、".join(before) if before else ""), va="center",
                fontsize=8, color=color, linespacing=1.1)
    ax.set_xticks(years, [f"{y}年度" for y in years])
    ax.set_xlim(years[0] - 0.2, years[-1] + 0.12 + 2.2 * max(len(years) - 1, 1))
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_title("事業の継続・追加・廃止・名称変更・番号変更", fontsize=10)
    add_footnote(fig, metadata, f"事業は {number} に関係なくまず名称 (全角・半角と空白を揃えて) で対応づけ、残った事業どうしは"
                 "本文の大半 (類似度 0.5 以上) が同じなら名称変更、それ以外を廃止・追加としています。"
                 f"名称が同じで {number} だけが変わった事業は番号変更です。")
    return fig


def year_figure_specs(analysis) -> list[tuple[str, Callable, tuple]]:
    """The year-over-year figures of each city whose tables span two or more known years (none otherwise);
    with several such cities, the file names end in the city's name."""
    from .analysis import select_city

    comparable = year_cities(analysis["items"])
    specs = []
    for city in comparable:
        part = select_city(analysis, city) if len(comparable) > 1 or len(cities(analysis["items"])) > 1 else analysis
        items, metadata, suffix = part["items"], part.metadata, f"_{city}" if len(comparable) > 1 else ""
        specs += [
            (f"items_by_year{suffix}", plot_items_by_year, (part["programs"], metadata)),
            (f"terms_rising_and_falling{suffix}", plot_term_changes, (part["keyword_trends"], metadata)),
            (f"codes_by_year{suffix}", plot_codes_by_year, (part["codes"], items, metadata)),
            (f"program_changes{suffix}", plot_program_changes, (part["program_changes"], metadata)),
            (f"cooccurrence_changes{suffix}", plot_network_changes, (part["terms"], items, metadata)),
        ]
    return specs


# ---------------------------------------------------------------- cluster analysis and MDS of terms

CLUSTER_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4"]
METHOD_JA = {"ward": "Ward 法", "average": "群平均法", "complete": "最遠隣法"}


def cluster_color(cluster: int) -> str:
    return CLUSTER_COLORS[(int(cluster) - 1) % len(CLUSTER_COLORS)]


@styled
def plot_dendrogram(clusters: pd.DataFrame, merges: pd.DataFrame, metadata: dict, method: str = "ward") -> Figure:
    """Dendrogram of the terms (one method of ``clusters.csv``): each cluster's links and labels in its
    colour, the merge heights on the axis and the cut that gives the clusters dashed."""
    from scipy.cluster.hierarchy import dendrogram

    from .clusters import linkage_of

    rows = clusters[clusters["method"] == method].sort_values("term").reset_index(drop=True)
    if len(rows) < 3:
        return plot_note("語の階層的クラスター分析", "3語以上が必要です (最小出現項目数を満たす語が足りません)", metadata)
    tree = linkage_of(merges, method)
    n = len(rows)
    cluster_of = dict(enumerate(rows["cluster"].astype(int)))
    below: dict[int, set[int]] = {i: {cluster_of[i]} for i in range(n)}
    for step, (left, right, _, _) in enumerate(tree):
        below[n + step] = below[int(left)] | below[int(right)]
    fig, ax = new_figure(0.9 + 0.17 * n)
    labels = [f"{t} ({k})" for t, k in zip(rows["term"], rows["n_items"], strict=True)]
    found = dendrogram(tree, labels=labels, orientation="right", ax=ax, leaf_font_size=FONT,
                       link_color_func=lambda node: cluster_color(next(iter(below[node]))) if len(below[node]) == 1
                       else "#999999")
    by_label = dict(zip(labels, rows["cluster"].astype(int), strict=True))
    for tick in ax.get_yticklabels():
        tick.set_color(cluster_color(by_label[tick.get_text()]))
    k = int(rows["n_clusters"].iloc[0])
    heights = sorted(tree[:, 2])
    if 1 < k <= n:
        ax.axvline((heights[-k] + heights[-k + 1]) / 2, color="#555555", linestyle="--", linewidth=0.7)
    ax.set_xlabel(f"結合の高さ (Jaccard 距離, {METHOD_JA.get(method, method)})")
    ax.spines["left"].set_visible(False)
    ax.set_title(f"語の階層的クラスター分析 ({METHOD_JA.get(method, method)}, {k} クラスター)")
    del found
    add_footnote(fig, metadata, f"{int(rows['min_items'].iloc[0])} 項目以上に出る {n} 語 (同数は切らずに含む; 括弧内は項目数)。"
                 "距離は 1 − Jaccard 係数 (同じ項目に出るか)。破線で切った枝ごとに色分け。"
                 "群平均法・最遠隣法の結果は clusters.csv、結合の高さは cluster_merges.csv。")
    return fig


@styled
def plot_mds(mds: pd.DataFrame, axes: pd.DataFrame, metadata: dict) -> Figure:
    """Classical MDS map of the terms (the Jaccard distances of the cluster analysis), coloured by Ward cluster."""
    if len(mds) < 3:
        return plot_note("語の多次元尺度構成法", "3語以上が必要です (最小出現項目数を満たす語が足りません)", metadata)
    fig, ax = new_figure(4.8)
    position = spread_labels(mds.rename(columns={"term": "node", "dim1": "x", "dim2": "y"}), size=(5.6, 3.9), font=8.0)
    for row in mds.itertuples(index=False):
        ax.scatter(row.dim1, row.dim2, s=6 + 4 * row.n_items, color=cluster_color(row.cluster), alpha=0.8,
                   edgecolors="none", zorder=2)
        x, y = position[row.term]
        ax.annotate(row.term, (x, y), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=8,
                    color=cluster_color(row.cluster), zorder=3)
    ax.axhline(0, color="#cccccc", linewidth=0.6, zorder=1)
    ax.axvline(0, color="#cccccc", linewidth=0.6, zorder=1)
    share = dict(zip(axes["axis"], axes["share"], strict=True))
    ax.set_xlabel(f"次元1 (固有値の {share.get('dim1', 0):.1%})")
    ax.set_ylabel(f"次元2 (固有値の {share.get('dim2', 0):.1%})")
    ax.margins(0.1)
    ax.set_title("語の多次元尺度構成法 (古典的 MDS; 色は Ward 法のクラスター)")
    add_footnote(fig, metadata, f"{int(mds['min_items'].iloc[0])} 項目以上に出る {len(mds)} 語 (同数は切らずに含む)。"
                 "距離は 1 − Jaccard 係数。Torgerson の古典的尺度構成法で、割合は正の固有値の和に対するもの。"
                 "円の大きさは項目数。近い語ほど同じ項目に出ます (出る項目がまったく同じ語は同じ点)。"
                 "語の札は重ならないよう少しずらしています。")
    return fig


def centrality_share(nodes: pd.DataFrame, node: str) -> float:
    """A term's betweenness as a share of the largest in the network (0 when there is none)."""
    values = nodes["betweenness"] if "betweenness" in nodes.columns else pd.Series(dtype=float)
    top = values.max() if values.notna().any() else 0.0
    value = values[nodes["node"] == node].iloc[0] if top else 0.0
    return float(value / top) if top and not pd.isna(value) else 0.0


CHANGE_COLORS = {"new": "#1a9641", "stronger": "#2b83ba", "same": "#a0a0a0", "weaker": "#fdae61", "gone": "#d7191c"}
CHANGE_JA = {"new": "新しく現れた", "stronger": "強まった", "same": "変わらない", "weaker": "弱まった", "gone": "消えた"}


@styled
def plot_network_changes(terms: pd.DataFrame, items: pd.DataFrame, metadata: dict) -> Figure:
    """The co-occurrence networks of the last two years in one picture, each edge coloured by its change."""
    import networkx as nx

    from .network import network_changes, packed_layout

    changes = network_changes(terms, items)
    if changes.empty:
        return plot_note("共起ネットワークの変化", "比べる年度が2つありません", metadata)
    graph = nx.Graph()
    graph.add_nodes_from(sorted(set(changes["source"]) | set(changes["target"])))
    graph.add_edges_from(changes[["source", "target"]].itertuples(index=False, name=None))
    layout = packed_layout(graph)
    nodes = pd.DataFrame({"node": list(graph.nodes), "x": [layout[n][0] for n in graph.nodes],
                          "y": [layout[n][1] for n in graph.nodes]})
    # room for the labels' boxes: a taller canvas and more rounds than the one-year network (two years' terms)
    position = spread_labels(nodes, size=(5.6, 5.8), font=10.0, rounds=2000)
    fig, ax = new_figure(6.8)
    strength = changes[["jaccard_prev", "jaccard"]].max(axis=1)
    for row, weight in zip(changes.itertuples(index=False), strength, strict=True):
        (x1, y1), (x2, y2) = position[row.source], position[row.target]
        ax.plot([x1, x2], [y1, y2], color=CHANGE_COLORS[row.change], linewidth=0.6 + 1.6 * weight,
                linestyle="--" if row.change == "gone" else "-", alpha=0.85, zorder=1)
    for node, (x, y) in position.items():
        ax.text(x, y, node, ha="center", va="center", fontsize=8, zorder=3,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "#bbbbbb", "linewidth": 0.4})
    counts = changes["change"].value_counts()
    handles = [matplotlib.lines.Line2D([], [], color=CHANGE_COLORS[k], linestyle="--" if k == "gone" else "-",
                                       label=f"{CHANGE_JA[k]} ({counts.get(k, 0)})") for k in CHANGE_COLORS]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=5, frameon=False, fontsize=7.5)
    ax.set_axis_off()
    ax.margins(0.06)
    prev, last = int(changes["prev_year"].iloc[0]), int(changes["year"].iloc[0])
    ax.set_title(f"共起ネットワークの変化 ({prev}→{last}年度)")
    add_footnote(fig, metadata, f"{prev}年度と{last}年度のそれぞれの共起ネットワーク (2項目以上に出る語の Jaccard 係数、"
                 "上位60本目の値以上の辺) の辺を重ね、色で変化を示します。"
                 "線の太さは2年度のうち大きいほうの係数。破線は前の年度にだけあった辺です。")
    return fig
