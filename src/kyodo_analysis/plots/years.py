"""Figures comparing the years of one city: items and codes per year, the terms that rose and fell, what
became of each program, and how the co-occurrence network changed."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..labels import FEW_OCCURRENCES, STATUS_JA, own_header, sides_only
from ..network import NETWORK_TOP, network_changes, new_graph, packed_layout
from ..schema import Comparison
from ..stats import Z_SHOWN, aspect_counts, group_order, largest
from ..years import known_years, pooled_changes, term_shifts, trend_group_label
from .groups import aspect_bars
from .maps import spread_labels
from .notes import add_footnote, crowded, group_names, plot_note
from .style import new_figure, polarity_color, styled, support_color


@styled
def plot_items_by_year(programs: pd.DataFrame, metadata: dict) -> Figure:
    """Items per group × aspect (from ``programs.csv``), one panel per group, one group of bars per year;
    only the aspects these tables have, and no bar where a year's table lacks the column. A group with no
    program in a year gets 「—」 there, not bars of 0 (as in :func:`plot_codes_by_year`)."""
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
    absent = False
    for ax, support in zip(axes, order, strict=True):
        x = np.arange(len(years))
        aspect_bars(ax, comparison, x, lambda aspect, g=support: [
            per_year[year][f"n_{aspect}"].get(g, np.nan) for year in years], 8, aspects)
        for k, year in enumerate(years):
            if support not in per_year[year].index:
                absent = True
                ax.text(k, 0, "—", ha="center", va="bottom", fontsize=12, color="#555555")
        ax.set_xticks(x, [f"{y}年度" for y in years])
        ax.set_xlim(-0.5, len(years) - 0.5)  # a year without bars keeps its place
        ax.set_ylim(0, top * (1.3 + 0.12 * len(aspects)) + 0.5)
        ax.set_title(names[support], color=support_color(support, order), fontsize=9.5)
    axes[0].set_ylabel("項目数")
    axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no tick at 2.5 (the axes share it)
    axes[0].legend(frameon=False, fontsize=8, loc="upper left")  # in the headroom left above the bars
    fig.suptitle(title, fontsize=10)
    add_footnote(fig, metadata, f"{named}" + (f"— はその年度にその{comparison.by_label}の事業がないことを表します。"
                                             if absent else "") + "件数は記述の多さであり、成果の大きさではありません。")
    return fig


@styled
def plot_term_changes(trends: pd.DataFrame, metadata: dict, top: int = 10, threshold: float = Z_SHOWN) -> Figure:
    """Terms that rose and fell from the previous year to the latest with |z| ≥ ``threshold`` (all groups
    and aspects pooled: :func:`pooled_changes`), never cut inside a tie; a sentence when none did, instead
    of drawing noise."""
    comparison = Comparison.from_metadata(metadata)
    pooled = pooled_changes(trends)
    year = int(pooled["year"].max())
    latest = pooled[pooled["year"] == year]
    previous = int(latest["prev_year"].iloc[0])
    rising, falling, left_out = term_shifts(trends, year, top, threshold)
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
    shown = "括弧内は出現回数 (比べた年度→この年度)。" if len(rows) else FEW_OCCURRENCES + "。"
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
    absent = False  # whether any cell says its group had no program that year
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
                    absent = True
        ax.imshow(np.ma.masked_invalid(share), cmap="Blues", vmin=0, vmax=1, aspect="auto")
        ax.set_yticks(range(len(code_order)), code_order, fontsize=8)
        ax.set_title(comparison.label(aspect, long=True), fontsize=9)
        ax.tick_params(length=0)
        ax.spines[:].set_visible(False)
    names, named = group_names(order, 30 / max(len(columns), 1), comparison.by_label, metadata)
    ax.set_xticks(range(len(columns)), [f"{names[s]}\n{y}" for s, y in columns], fontsize=8)
    fig.suptitle(title, fontsize=9.5)
    absent_note = f"— はその年度にその{what}で、その観点の項目がある事業がないことを表します。" if absent else ""
    add_footnote(fig, metadata, f"{named}色はその割合 (記述であり検定ではありません)。" + absent_note + sides_only(comparison)
                 + f"年度ごとに、その年度の表の事業で数えるため、事業の追加・廃止や{what}の移動があれば、割合の変化は事業の"
                 "入れ替わりも含みます (分母が同じでも、数えた事業が同じとは限りません)。")
    return fig


STATUS_COLORS = {"kept": "#7b7b7b", "added": "#1a9641", "removed": "#d7191c", "renamed": "#2b83ba", "renumbered": "#7b7b7b",
                 "not_compared": "#7b7b7b"}


@styled
def plot_program_changes(changes: pd.DataFrame, metadata: dict) -> Figure:
    """Each program as a bar from its first to its last year, coloured by what happened to it."""
    rows = changes[changes["first_year"].notna()].reset_index(drop=True)
    years = sorted(set(rows["first_year"].astype(int)) | set(rows["last_year"].astype(int)))
    columns = Comparison.from_metadata(metadata).columns
    number, group = own_header(columns, "program_no"), own_header(columns, "support_type")
    fig, ax = new_figure(0.36 * len(rows) + 1.0)
    for i, row in enumerate(rows.itertuples(index=False)):
        y = len(rows) - 1 - i
        color = STATUS_COLORS[row.status]
        ax.plot([row.first_year, row.last_year], [y, y], color=color, linewidth=5, solid_capstyle="round")
        ax.scatter([row.first_year, row.last_year], [y, y], s=50, color=color, zorder=3)  # one-year programs too
        before = [f"旧 {number} {int(row.previous_no)}"] if not pd.isna(row.previous_no) else []
        if isinstance(row.previous_name, str) and row.previous_name:
            before.append(f"旧名: {row.previous_name}")
        if isinstance(row.previous_support_type, str) and row.previous_support_type:  # a move the title did not say
            before.append(f"{group}: {row.previous_support_type} → {row.support_type}")
        last = f"{int(row.last_year)}年度の " if row.status == "removed" else ""  # its number then, not this year's
        label = f"{last}{number} {row.program_no} {row.program} [{STATUS_JA[row.status]}]"
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


CHANGE_COLORS = {"new": "#1a9641", "stronger": "#2b83ba", "same": "#a0a0a0", "weaker": "#fdae61", "gone": "#d7191c"}
CHANGE_JA = {"new": "新しく現れた", "stronger": "強まった", "same": "変わらない", "weaker": "弱まった", "gone": "消えた"}


@styled
def plot_network_changes(terms: pd.DataFrame, items: pd.DataFrame, metadata: dict) -> Figure:
    """The co-occurrence networks of the last two years in one picture, each edge coloured by its change."""
    changes = network_changes(terms, items)
    if changes.empty:
        return plot_note("共起ネットワークの変化", "比べる年度が2つありません", metadata)
    graph = new_graph(sorted(set(changes["source"]) | set(changes["target"])),
                      changes[["source", "target"]].itertuples(index=False, name=None))
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
    add_footnote(fig, metadata, f"{prev}年度と{last}年度のそれぞれの共起ネットワーク (2項目以上に出る抽出語の Jaccard 係数、"
                 f"上位{NETWORK_TOP}本目の値以上の辺) に描かれた辺を重ね、色で係数の変化を示します。係数は両年度とも、その年度の"
                 f"全項目で数えたもの (網に描かれなかった年度も)。「新しく現れた」は{prev}年度にはどの項目にもなかった組、"
                 f"「消えた」(破線) は{last}年度にはどの項目にもない組です。線の太さは2年度のうち大きいほうの係数。"
                 "係数は年度の全項目で数えるため、事業の追加・廃止だけでも変わります (本文が同じ事業どうしの組でも)。")
    return fig
