"""Maps of the terms: the co-occurrence network, the correspondence-analysis map, the dendrogram of the
term clusters and the MDS map, with the label spreading they share so that no two labels overlap."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..clusters import MIN_TERMS, linkage_of
from ..correspondence import choice_of, chosen_terms
from ..labels import METHOD_JA, pieces
from ..network import LINK_TOP, NETWORK_TOP
from ..schema import Comparison
from ..stats import group_order, program_keys
from .notes import add_footnote, crowded, group_names, plot_note, single_item_pairs
from .placing import place_group_labels, place_labels
from .style import FONT, new_figure, styled, support_color

# Communities of the network: pale fills that no support-type colour resembles.
COMMUNITY_COLORS = ["#fff2ae", "#e5e5e5", "#fbd3e9", "#e6f5d0", "#d4e6f1", "#fde0c5", "#f5f5dc", "#e8e0f0"]


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


def centrality_share(nodes: pd.DataFrame, node: str) -> float:
    """A term's betweenness as a share of the largest in the network (0 when there is none)."""
    values = nodes["betweenness"] if "betweenness" in nodes.columns else pd.Series(dtype=float)
    top = values.max() if values.notna().any() else 0.0
    value = values[nodes["node"] == node].iloc[0] if top else 0.0
    return float(value / top) if top and not pd.isna(value) else 0.0


@styled
def plot_network(nodes: pd.DataFrame, edges: pd.DataFrame, items: pd.DataFrame, metadata: dict,
                 shade: str = "community") -> Figure:
    """Co-occurrence network of terms (Jaccard within items), communities shaded (or, with ``shade="centrality"``,
    the terms' betweenness), the groups linked; the edges of the maximum spanning forest (``mst``) drawn heavier."""
    comparison = Comparison.from_metadata(metadata)
    order, what = group_order(items, comparison.by), comparison.by_label
    groups_drawn = bool((edges["kind"] != "term").any())  # one group: no tag and no dashed line (their words said only then)
    title = "共起ネットワーク (同じ項目に出てくる語" + (f"; 色付きの札は{what})" if groups_drawn else ")")
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
    cut, n = (term_edges["jaccard"].min() if len(term_edges) else float("nan")), len(term_edges)
    add_footnote(fig, metadata,
                 f"{named}語どうしの線は Jaccard 係数 {cut:.3f} 以上の {n} 本すべて ("
                 + (f"上位{NETWORK_TOP}本目と同じ値の辺も含む" if n >= NETWORK_TOP else f"{NETWORK_TOP}本に満たない")
                 + f"; 2項目以上に出る抽出語、複合語は1語){single_item_pairs(term_edges, items)}。円の大きさは項目数、"
                 + ("円の濃さは媒介中心性。" if shade == "centrality"
                    else "淡い色はコミュニティ (貪欲法によるモジュラリティ最大化)。")
                 + (f"破線は{what}と、その{what}で Jaccard の大きい上位{LINK_TOP}語 "
                    f"({LINK_TOP}位の同数は{2 * LINK_TOP}語まで含め、それを超える同数は線を引かない)。" if groups_drawn else "")
                 + ("太い濃い線はどの最大全域木 (Jaccard で) にも入る辺 (同じ係数の辺で入れ替わる辺は細いまま)。"
                    if "mst" in edges.columns else "")
                 + "配置は固定シード。")
    return fig


def term_points(term_coords: pd.DataFrame, x_dim: str, y_dim: str | None) -> pd.DataFrame:
    """The places of the correspondence map's terms: terms at the same place (one profile: the terms of one
    group only) are one point with all their names (largest first), ``n`` their occurrences together."""
    terms = term_coords.assign(px=term_coords[x_dim].round(3), py=term_coords[y_dim].round(3) if y_dim else 0.0)
    return (terms.sort_values(["n", "term"], ascending=[False, True])
            .groupby(["px", "py"], sort=True).agg(terms=("term", list), n=("n", "sum")).reset_index())


def point_label(names: list[str]) -> str:
    """A point's names, four to a line."""
    return "\n".join("、".join(names[i:i + 4]) for i in range(0, len(names), 4))


def marker_size(n: int) -> float:
    return 12 + 6 * n


GROUP_MARKER = 60  # the groups' squares, points²


def _map_points(ax, term_coords: pd.DataFrame, group_coords: pd.DataFrame, order: list[str], names: dict[str, str],
                x_dim: str, y_dim: str) -> None:
    """The two-axis map's points: the terms' circles and the groups' squares in their colours; then the groups'
    names and the terms' labels, each where it hides no other label or point and stays inside the axes
    (:func:`placing.place_group_labels`, :func:`placing.place_labels`)."""
    points = term_points(term_coords, x_dim, y_dim)
    ax.scatter(points["px"], points["py"], s=marker_size(points["n"]), color="#9ecae1", edgecolors="#4a4a4a",
               linewidths=0.4)
    markers = {(row.px, row.py): marker_size(row.n) for row in points.itertuples(index=False)}
    groups = []
    for row in group_coords.itertuples(index=False):
        x, y = getattr(row, x_dim), getattr(row, y_dim)
        color = support_color(row.group, order) if row.group in order else "#333333"
        ax.scatter(x, y, s=GROUP_MARKER, marker="s", color=color, zorder=3)
        markers[(x, y)] = GROUP_MARKER
        groups.append((x, y, names.get(row.group, row.group), color))
    place_group_labels(ax, groups, markers)
    order_ = points.sort_values(["n", "px", "py"], ascending=[False, True, True], kind="stable")
    place_labels(ax, [(row.px, row.py, point_label(row.terms)) for row in order_.itertuples(index=False)], markers)


@styled
def plot_correspondence(term_coords: pd.DataFrame, group_coords: pd.DataFrame, inertia: pd.DataFrame,
                        items: pd.DataFrame, metadata: dict, candidates: int) -> Figure:
    """Correspondence-analysis map of terms and groups: the first two axes as a symmetric map, or, where
    there is one axis (two groups), the terms in rows along it (:func:`_one_axis`). ``candidates``: the
    terms that qualified (:func:`correspondence.candidate_count`), for the footnote's account of the choice.

    Terms used by one group only have the same profile, so they share one point (drawn once, with all
    their names); that point lies beyond the group's own point, in its direction.
    """
    comparison = Comparison.from_metadata(metadata)
    order, what = group_order(items, comparison.by), comparison.by_label
    dims = [c for c in term_coords.columns if c.startswith("dim")]
    title = f"対応分析: 語と{what} " + ("(対称マップ)" if len(dims) > 1 else "(1 軸)")
    if (note := crowded(title, order, what, metadata)) is not None:
        return note
    if len(term_coords) == 0 or len(group_coords) < 2:
        fig, ax = new_figure(5.0)
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"対応分析に必要な語か{what}が足りません (2つ以上必要)", ha="center", va="center",
                transform=ax.transAxes)
        add_footnote(fig, metadata)
        return fig
    names, named = group_names(order, 10, what, metadata)
    share = dict(zip(inertia["axis"], inertia["share"], strict=True))
    n_groups = len(group_coords)
    shown = f" (この図の2軸はそのうち {sum(share.get(d, 0.0) for d in dims[:2]):.1%})" if len(dims) >= 2 and n_groups > 3 else ""
    note = (f"{named}語は{chosen_terms(len(term_coords), candidates, *choice_of(term_coords))}。"
            f"一つの{what}にしか出ない語は同じ点にまとめて表示しており、その点は{what}の点そのものではなく、同じ方向のさらに外側にあります。"
            f"{what}が {pieces(n_groups)}なので、{n_groups - 1} 軸で慣性の 100% を説明します{shown}。"
            f"語と{what}の距離は直接には比べられず、同じ方向にあることが結びつきを表します。"
            + single_program_note(items, comparison.by, names, what))
    if len(dims) < 2:
        return _one_axis(term_coords, group_coords, order, names, dims[0], share, title,
                         note + "語の点は第1軸の座標の順に 1 行ずつ並べており、縦の位置に意味はありません。", metadata)
    x_dim, y_dim = dims[0], dims[1]
    fig, ax = new_figure(5.0)
    ax.axhline(0, color="#bbbbbb", linewidth=0.6)
    ax.axvline(0, color="#bbbbbb", linewidth=0.6)
    ax.set_xlabel(f"第1軸 (慣性の {share[x_dim]:.1%})")
    ax.set_ylabel(f"第2軸 (慣性の {share[y_dim]:.1%})")
    ax.margins(0.15)
    ax.set_title(title)
    add_footnote(fig, metadata, note)
    _map_points(ax, term_coords, group_coords, order, names, x_dim, y_dim)
    return fig


def single_program_note(items: pd.DataFrame, by: str, names: dict[str, str], what: str) -> str:
    """The groups of one program, said under a map: their point and the terms in their direction are one
    program's wording, not a pattern of programs (a statistician's audit: 固定化, in one program of each group,
    drawn beside a group of one program)."""
    programs = items.assign(program=program_keys(items)).groupby(by, sort=False)["program"].nunique()
    singles = [g for g, n in programs.items() if n == 1]
    if not singles:
        return ""
    named = "・".join(names.get(str(g), str(g)).replace("\n", "") for g in singles)
    return (f"{named} は 1 事業だけの{what}なので、その点と同じ方向の語は"
            "その 1 事業の書き方を表します。")


LINE_INCHES = 0.15  # one line of an 8-point label, with its spacing


def _one_axis(term_coords: pd.DataFrame, group_coords: pd.DataFrame, order: list[str], names: dict[str, str],
              x_dim: str, share: dict, title: str, note: str, metadata: dict) -> Figure:
    """The map of one axis (two groups): each point of terms on its own row, in the order of its coordinate,
    its names as the row's label; each group a dashed line at its coordinate, named above the axes."""
    points = term_points(term_coords, x_dim, None).sort_values("px", kind="stable").reset_index(drop=True)
    labels = [point_label(names_) for names_ in points["terms"]]
    lines = np.array([label.count("\n") + 1 for label in labels])
    rows = -(np.cumsum(lines) - lines / 2)  # each row as high as its label, the lowest coordinate on top
    fig, ax = new_figure(1.7 + LINE_INCHES * lines.sum())
    ax.scatter(points["px"], rows, s=marker_size(points["n"]), color="#9ecae1", edgecolors="#4a4a4a",
               linewidths=0.4, zorder=3)
    ax.set_yticks(rows, labels, fontsize=8)
    ax.set_ylim(-lines.sum() - 0.5, 0.5)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.6)
    ax.axvline(0, color="#bbbbbb", linewidth=0.6)
    for row in group_coords.itertuples(index=False):
        x = getattr(row, x_dim)
        color = support_color(row.group, order) if row.group in order else "#333333"
        ax.axvline(x, color=color, linestyle="--", linewidth=1.2, zorder=2)
        ax.annotate(names.get(row.group, row.group), (x, 1), xycoords=("data", "axes fraction"), xytext=(0, 3),
                    textcoords="offset points", ha="right" if x < 0 else "left", va="bottom", fontsize=8.5,
                    color="white", bbox={"boxstyle": "round,pad=0.3", "facecolor": color, "edgecolor": "none"})
    ax.margins(x=0.1)
    ax.set_xlabel(f"第1軸 (慣性の {share[x_dim]:.1%})")
    ax.set_title(title, pad=22)
    add_footnote(fig, metadata, note)
    return fig


CLUSTER_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4"]
TOO_FEW_TERMS = f"{MIN_TERMS}語以上が必要です (選べた語が足りません。理由は方法の段落にあります)"


def cluster_color(cluster: int) -> str:
    return CLUSTER_COLORS[(int(cluster) - 1) % len(CLUSTER_COLORS)]


@styled
def plot_dendrogram(clusters: pd.DataFrame, merges: pd.DataFrame, metadata: dict, method: str = "ward") -> Figure:
    """Dendrogram of the terms (one method of ``clusters.csv``): each cluster's links and labels in its
    colour, the merge heights on the axis and the cut that gives the clusters dashed."""
    from scipy.cluster.hierarchy import dendrogram  # late: 0.15 s, for this figure only (not in every kernel)

    rows = clusters[clusters["method"] == method].sort_values("term").reset_index(drop=True)
    if len(rows) < MIN_TERMS:
        return plot_note("語の階層的クラスター分析", TOO_FEW_TERMS, metadata)
    tree = linkage_of(merges, method)
    n = len(rows)
    cluster_of = dict(enumerate(rows["cluster"].astype(int)))
    below: dict[int, set[int]] = {i: {cluster_of[i]} for i in range(n)}
    for step, (left, right, _, _) in enumerate(tree):
        below[n + step] = below[int(left)] | below[int(right)]
    fig, ax = new_figure(0.9 + 0.17 * n)
    labels = [f"{t} ({k})" for t, k in zip(rows["term"], rows["n_items"], strict=True)]
    dendrogram(tree, labels=labels, orientation="right", ax=ax, leaf_font_size=FONT,
                       link_color_func=lambda node: cluster_color(next(iter(below[node]))) if len(below[node]) == 1
                       else "#999999")
    ax.invert_yaxis()  # scipy draws the first leaf at the bottom: leaf_order 1 (and cluster 1) at the top, as clusters.csv reads
    by_label = dict(zip(labels, rows["cluster"].astype(int), strict=True))
    for tick in ax.get_yticklabels():
        tick.set_color(cluster_color(by_label[tick.get_text()]))
    k, asked = int(rows["n_clusters"].iloc[0]), int(rows["n_clusters_asked"].iloc[0])
    heights = sorted(tree[:, 2])
    if 1 < k <= n:
        ax.axvline((heights[-k] + heights[-k + 1]) / 2, color="#555555", linestyle="--", linewidth=0.7)
    ax.set_xlabel(f"結合の高さ (Jaccard 距離, {METHOD_JA.get(method, method)})")
    ax.spines["left"].set_visible(False)
    ax.set_title(f"語の階層的クラスター分析 ({METHOD_JA.get(method, method)}, {k} クラスター)")
    add_footnote(fig, metadata, f"{int(rows['min_items'].iloc[0])} 項目以上に出る {n} 語 (同数は切らずに含む; 括弧内は項目数)。"
                 "距離は 1 − Jaccard 係数 (同じ項目に出るか)。" + cut_note(k, asked, heights[-asked])
                 + "群平均法・最遠隣法の結果は clusters.csv、結合の高さは cluster_merges.csv。")
    return fig


def cut_note(made: int, asked: int, tied: float) -> str:
    """The dendrogram's words on its cut: coloured by the branches of the dashed line, or why there are fewer
    clusters than asked (the highest merges at one height ``tied``, which a cut never splits)."""
    if made == asked:
        return "破線で切った枝ごとに色分け。"
    fewer = (f"{asked} クラスターを求めたが、上の結合が同じ高さ ({tied:.3f}) で並び、その途中では切らないため"
             f" {made} クラスター")
    return fewer + ("。破線で切った枝ごとに色分け。" if made > 1 else " (色分けなし)。")


@styled
def plot_mds(mds: pd.DataFrame, axes: pd.DataFrame, metadata: dict) -> Figure:
    """Classical MDS map of the terms (the Jaccard distances of the cluster analysis), coloured by Ward cluster."""
    if len(mds) < MIN_TERMS:
        return plot_note("語の多次元尺度構成法", TOO_FEW_TERMS, metadata)
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
    shown = share.get("dim1", 0) + share.get("dim2", 0)
    ax.set(xlabel=f"次元1 (固有値の {share.get('dim1', 0):.1%})", ylabel=f"次元2 (固有値の {share.get('dim2', 0):.1%})")
    ax.margins(0.1)
    ax.set_title("語の多次元尺度構成法 (古典的 MDS; 色は Ward 法のクラスター)")
    add_footnote(fig, metadata, f"{int(mds['min_items'].iloc[0])} 項目以上に出る {len(mds)} 語 (同数は切らずに含む)。"
                 "距離は 1 − Jaccard 係数。Torgerson の古典的尺度構成法で、割合は正の固有値の和に対するもの。"
                 f"円の大きさは項目数。2 つの次元が表すのは距離の {shown:.0%} だけなので、図の上の近さは目安です"
                 " (出る項目がまったく同じ語は同じ点)。語の札は重ならないよう少しずらしています。")
    return fig
