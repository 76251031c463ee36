"""Figures comparing the groups by counts: items per group and aspect, and the codes × groups heatmap
(shares of programs, marked only where the program-level test says so)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from ..code_tests import tests_run
from ..headings import rules_note
from ..labels import listed, per_group, pieces
from ..schema import Comparison
from ..stats import aspect_counts, group_order
from .notes import add_footnote, crowded, group_names, plot_note
from .style import aspect_color, new_figure, styled


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
    labels = listed(comparison.label(a) for a in comparison.aspect_keys)
    title = f"{per_group(comparison.by_label, len(order), 'の')}項目数 ({labels})"
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


MOST_COLUMNS = 16  # cells side by side at 16 cm, at 6 pt (2 aspects × 10 groups ran 「0/2」 together: a hostile tester)


def heatmap_panels(codes: pd.DataFrame, comparison: Comparison) -> list[str]:
    """The aspects drawn as panels: each aspect that two or more groups wrote in; when none does (tables
    with different aspects, such as different cities), more than four do or their columns are more than
    :data:`MOST_COLUMNS`, the aspects pooled (``all``)."""
    written = groups_writing(codes, comparison)
    panels = [a for a in comparison.aspect_keys if written[a] >= 2]
    return panels if 0 < len(panels) <= 4 and sum(written[a] for a in panels) <= MOST_COLUMNS else ["all"]


def groups_writing(codes: pd.DataFrame, comparison: Comparison) -> dict[str, int]:
    """{aspect: how many groups wrote in it}: an aspect two groups or more wrote in can be compared."""
    return {a: codes.loc[codes["aspect"] == a, comparison.by].nunique() for a in comparison.aspect_keys}


def pooled_note(codes: pd.DataFrame, comparison: Comparison) -> str:
    """Why the heatmap shows the aspects pooled: no aspect two groups wrote in, or more than four that are (the
    first was said of both: a statistician read it beside the footnote's tests of shared aspects)."""
    shared = [a for a, n in groups_writing(codes, comparison).items() if n >= 2]
    why = f"比べられる観点が {pieces(len(shared))}あり、列が多すぎるため" if shared else "観点ごとに比べられる列がないため"
    return f"{why}、観点をまとめた「全体」を示します。"


def unshared_note(codes: pd.DataFrame, comparison: Comparison, panels: list[str]) -> str:
    """The aspects left out of the panels because one group alone wrote in them (pooled cities with different
    aspects: a newcomer read the 今後 panel alone as all the codes), named with where they are."""
    left = [a for a in comparison.aspect_keys if a not in panels and (codes["aspect"] == a).any()]
    if panels == ["all"] or not left:
        return ""
    return (f"{listed(comparison.label(a) for a in left)} は 1 つの{comparison.by_label}にしか項目がなく比べられないため、"
            "図に入れていません (codes.csv にあります)。")


def _heatmap_panel(ax, table: pd.DataFrame, by: str, code_order: list[str], columns: list[str], names: dict[str, str],
                   size: float = 8):
    """One aspect's code × group cells: programs with the code / programs, shaded by that share; a cell of one
    program hatched (its share can only be 0 or 1: the darkest cells were the weakest evidence)."""
    pivot = {name: table.pivot_table(index="code", columns=by, values=name, aggfunc="first")
             .reindex(index=code_order, columns=columns) for name in ("n_programs", "programs_total")}
    share = (pivot["n_programs"] / pivot["programs_total"]).to_numpy(dtype=float)
    image = ax.imshow(np.ma.masked_invalid(share), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    hatched = False
    for i in range(len(code_order)):
        for j in range(len(columns)):
            done, total = pivot["n_programs"].iloc[i, j], pivot["programs_total"].iloc[i, j]
            text = "—" if pd.isna(total) else f"{int(done)}/{int(total)}"
            dark = not np.isnan(share[i, j]) and share[i, j] > 0.6
            label = ax.text(j, i, text, ha="center", va="center", fontsize=size, color="white" if dark else "black")
            if total == 1:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", edgecolor="#b0b0b0", linewidth=0))
                label.set_bbox({"boxstyle": "square,pad=0.15", "edgecolor": "none",  # the figures clear of the hatching
                                "facecolor": image.cmap(image.norm(share[i, j]))})
                hatched = True
    ax.set_xticks(range(len(columns)), [names[s] for s in columns], fontsize=8)
    ax.tick_params(length=0)
    ax.spines[:].set_visible(False)
    return image, hatched


def cell_font(n_columns: int) -> float:
    """The cells' figures' size: 8 pt up to twelve columns, then 6 pt (up to :data:`MOST_COLUMNS`)."""
    return 8 if n_columns <= 12 else 6


def heatmap_title(what: str, pooled: bool) -> str:
    """What each cell of the code heatmap counts, for its title and the Word summary's caption: the programs
    with an item of the code over the programs with an item of that aspect (``pooled``: with any item)."""
    base = "項目がある事業数" if pooled else "その観点の項目がある事業数"
    return f"コード × {what}: コードに当たる項目のある事業数 / {base}"


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
    panels = heatmap_panels(codes, comparison)
    title = heatmap_title(what, panels == ["all"])
    if codes.empty:
        return plot_note(title, "コードの付いた項目がありません (図にするものがありません)", metadata)
    if (note := crowded(title, order, what, metadata)) is not None:
        return note
    code_order = list(dict.fromkeys(codes["code"]))
    columns = {a: [g for g in order if (codes.loc[codes["aspect"] == a, by] == g).any()] for a in panels}
    n_columns = sum(len(c) for c in columns.values())
    names, named = group_names(order, 30 / max(n_columns, 1), what, metadata)
    fig, axes = new_figure(0.3 * len(code_order) + 1.3, ncols=len(panels), sharey=True,
                           gridspec_kw={"width_ratios": [max(len(columns[a]), 1) for a in panels]})
    axes = np.atleast_1d(axes)
    marked: set[str] = set()
    hatched = False
    for ax, aspect in zip(axes, panels, strict=True):
        table = codes[codes["aspect"] == aspect]
        image, one = _heatmap_panel(ax, table, by, code_order, columns[aspect], names, cell_font(n_columns))
        hatched |= one
        found = set(table.loc[table["p_holm"].fillna(1) < alpha, "code"])
        marked |= found
        ax.set_title(comparison.label(aspect) + (f" (*: {what}の差)" if found else ""))
    axes[0].set_yticks(range(len(code_order)), [c + (" *" if c in marked else "") for c in code_order])
    fig.colorbar(image, ax=axes, shrink=0.7, label="コードの項目がある事業の割合")
    fig.suptitle(title, fontsize=9.5)
    pooled = pooled_note(codes, comparison) if panels == ["all"] and n_columns > 1 else ""
    single = "斜線のセルは分母が 1 事業で、割合は 0 か 1 にしかなりません。" if hatched else ""
    tests = heatmap_note(codes, comparison, max(len(c) for c in columns.values()), bool(marked), alpha)
    add_footnote(fig, metadata, named + pooled + unshared_note(codes, comparison, panels) + single + tests + rules_note(metadata))
    return fig
