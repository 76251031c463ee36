"""Figures of the terms that set the groups apart: each group's positive and negative aspect's terms side
by side, and each group's (or aspect's) distinctive terms; rankings never cut inside a tie."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..labels import per_group
from ..schema import Comparison
from ..stats import RANK_KEY, Z_SHOWN, group_order, largest, top_with_ties
from .notes import add_footnote, crowded, group_names, plot_note
from .style import aspect_color, new_figure, polarity_color, styled, support_color

PANELS_PER_ROW = 3  # side by side on a 16 cm page; more groups wrap onto further rows


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
    fig.suptitle(f"{per_group(comparison.by_label, len(order), 'の')}「{comparison.side_label('negative')}」の語 (左) と"
                 f"「{comparison.side_label('positive')}」の語 (右)", fontsize=10)
    skipped = (f"「{comparison.side_label('positive')}」「{comparison.side_label('negative')}」の項目がない{comparison.by_label}"
               f" ({'、'.join(left_out_groups)}) は省きました。" if left_out_groups else "")
    add_footnote(fig, metadata, f"{named}語は抽出語で、複合語は1語 (keywords.csv)。順位は 事業数 → 項目数 → 出現回数 の順で、"
                 f"上位 {top} 語まで。同数が続くときは {2 * top} 語までなら全部、それを超えるなら同数の手前で打ち切り、"
                 f"省いた語の数を示します。{skipped}")
    return fig


@styled
def plot_distinctive_terms(distinctive: pd.DataFrame, items: pd.DataFrame, metadata: dict, top: int = 6,
                           threshold: float = Z_SHOWN, by: str | None = None) -> Figure:
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
            detail = f"\n(最大: {largest(own, 'z', named=1)})" if len(own) else ""  # a narrow panel: a tie counted
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
        ax.tick_params(axis="x", labelbottom=True)  # shared, yet each panel numbered: the one below may be empty
        ax.axvline(threshold, color="#999999", linewidth=0.6, linestyle=":")
    fig.suptitle(f"{what}ごとの特徴語 (その{what} 対 他の{what}、z ≧ {threshold} の語)", fontsize=10)
    shown = f"点線は z = {threshold}。括弧内は出現回数 (その{what}/他の{what})。" if slots else ""
    add_footnote(fig, metadata, f"{named}z は Monroe ほか (2008) の一対残りの重み付き対数オッズ比 (情報事前分布つき)"
                 f"を標準誤差で割った値。{shown}語の出現を数えた記述の目安で、事業単位の検定ではありません。")
    return fig
