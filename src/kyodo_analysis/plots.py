"""Figures for the planning review: Japanese everywhere, one colour per support type and aspect,
a footnote naming the source table and the dictionary, and a missing glyph is an error.
"""

from __future__ import annotations

import io
import textwrap
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import matplotlib_fontja  # noqa: F401  (registers IPAexGothic and makes it the default family)
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .schema import ASPECTS, support_order
from .years import known_years

ASPECT_JA = {"effect": "効果", "limitation": "限界", "next_step": "今後"}
ASPECT_LONG = {"effect": "効果があったこと", "limitation": "限界があったこと", "next_step": "今後必要なこと"}
ASPECT_COLORS = {"effect": "#2b83ba", "limitation": "#d7191c", "next_step": "#7b7b7b"}
SUPPORT_COLORS = {"財政的支援": "#1b9e77", "人的支援": "#d95f02", "場の提供": "#7570b3"}
_EXTRA_COLORS = ["#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4"]
SOURCE_TITLE = "逗子市「これまでの取り組みに係る協働の成果等」"
FORMATS = ("png", "svg", "pdf")
DPI = 200


class MissingGlyphError(RuntimeError):
    """A character in a figure has no glyph in the font: it would print as a box."""


def _configure() -> None:
    matplotlib.rcParams.update({
        "font.family": "IPAexGothic", "pdf.fonttype": 42, "svg.fonttype": "path",
        "svg.hashsalt": "kyodo-analysis", "axes.spines.top": False, "axes.spines.right": False,
        "figure.dpi": 100, "savefig.dpi": DPI,
    })


_configure()


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


def source_note(metadata: dict) -> str:
    """Footnote text: the source table (file, year) and the dictionary used."""
    files = metadata.get("raw_files", [])
    parts = [f"{f['file']} ({f['year']}年度)" if f.get("year") else f"{f['file']} (年度不明)" for f in files]
    note = f"出典: {SOURCE_TITLE} {', '.join(parts)}"
    info = metadata.get("dictionary")
    if info:
        note += (f" / 形態素解析: {info['dictionary']} {info['dictionary_version']} (UniDic {info['unidic_version']}),"
                 f" {info['tokenizer']} {info['tokenizer_version']}")
    return note


def add_footnote(fig: Figure, metadata: dict, extra: str = "") -> None:
    text = source_note(metadata) + (f"\n{extra}" if extra else "")
    fig.text(0.01, 0.005, text, ha="left", va="bottom", fontsize=7, color="#555555", wrap=True)


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
    paths = []
    with glyphs_required():
        for fmt in FORMATS:
            path = out_dir / f"{name}.{fmt}"
            embedded = {"png": {"Software": None, "Description": source},
                        "svg": {"Date": None, "Creator": None, "Description": source},
                        "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None,
                                "Subject": source}}[fmt]
            fig.savefig(path, format=fmt, dpi=DPI, metadata=embedded, bbox_inches="tight", pad_inches=0.15)
            paths.append(path)
    return paths


def new_figure(width: float, height: float, ncols: int = 1):
    """A figure not registered with pyplot (no global state, no double display in notebooks)."""
    fig = Figure(figsize=(width, height))
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, (axes if ncols > 1 else axes[0])


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes, with the same missing-glyph check as saving."""
    buffer = io.BytesIO()
    with glyphs_required():
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.15)
    return buffer.getvalue()


def show(fig: Figure):
    """Display a figure in a notebook (as a PNG image) after checking every glyph."""
    from IPython.display import Image

    return Image(data=png_bytes(fig))


# ---------------------------------------------------------------- figures

def plot_items_by_aspect(items: pd.DataFrame, metadata: dict) -> Figure:
    """Items per support type × aspect: how much each support type reported, and of what kind."""
    order = support_order(items)
    table = items.groupby(["support_type", "aspect"]).size().unstack(fill_value=0).reindex(
        index=order, columns=list(ASPECTS), fill_value=0)
    programs = items.groupby("support_type")["program_no"].nunique().reindex(order)
    fig, ax = new_figure(7.5, 4.2)
    x = np.arange(len(order))
    width = 0.26
    for k, aspect in enumerate(ASPECTS):
        bars = ax.bar(x + (k - 1) * width, table[aspect], width, color=ASPECT_COLORS[aspect], label=ASPECT_LONG[aspect])
        ax.bar_label(bars, fontsize=9, padding=2)
    ax.set_xticks(x, [f"{s}\n({programs[s]}事業)" for s in order])
    ax.set_ylabel("項目数")
    ax.set_ylim(0, table.to_numpy().max() * 1.25 + 0.5)
    ax.set_title("区分ごとの項目数 (効果・限界・今後)")
    ax.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    fig.subplots_adjust(bottom=0.3)
    add_footnote(fig, metadata, f"項目 {len(items)} 件・事業 {items.groupby(['source_file', 'program_no']).ngroups} 件。"
                 "件数は記述の多さであり、成果の大きさではありません。")
    return fig


def plot_effect_vs_limitation(keywords: pd.DataFrame, items: pd.DataFrame, metadata: dict, top: int = 8) -> Figure:
    """Per support type, a diverging bar chart: effect terms to the right, limitation terms to the left.

    Bars count items that use the term (document frequency); terms are the most frequent per side.
    """
    order = support_order(items)
    fig, axes = new_figure(4.2 * len(order), 0.42 * top * 2 + 1.6, ncols=len(order))
    for ax, support in zip(axes, order, strict=True):
        sub = keywords[keywords["support_type"] == support]
        rows = []
        for aspect, sign in (("effect", 1), ("limitation", -1)):
            side = (sub[sub["aspect"] == aspect].groupby("term")[["n_items", "n"]].sum()
                    .reset_index().sort_values(["n_items", "n", "term"], ascending=[False, False, True]).head(top))
            rows += [(t, sign * v, aspect) for t, v in zip(side["term"], side["n_items"], strict=True)]
        effect_rows = [r for r in rows if r[2] == "effect"]
        limit_rows = [r for r in rows if r[2] == "limitation"]
        y_effect = np.arange(len(effect_rows))[::-1] + len(limit_rows) + 0.6
        y_limit = np.arange(len(limit_rows))[::-1]
        ax.barh(y_effect, [r[1] for r in effect_rows], color=ASPECT_COLORS["effect"])
        ax.barh(y_limit, [r[1] for r in limit_rows], color=ASPECT_COLORS["limitation"])
        for y, (term, value, _) in list(zip(y_effect, effect_rows, strict=True)) + list(zip(y_limit, limit_rows, strict=True)):
            ax.text(-0.15 if value > 0 else 0.15, y, term, ha="right" if value > 0 else "left", va="center", fontsize=9)
        limit = max([abs(r[1]) for r in rows] + [1])
        ax.set_xlim(-limit - 0.5, limit + 0.5)
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ticks = list(range(-limit, limit + 1))
        ax.set_xticks(ticks, [str(abs(t)) for t in ticks])
        ax.set_xlabel("その語を含む項目数 (← 限界 | 効果 →)")
        ax.set_title(support, color=support_color(support, order), fontsize=13)
        if not limit_rows:
            ax.text(0, 0, "限界の記述なし", ha="center", va="center", fontsize=9, color="#777777")
    fig.suptitle("区分ごとの「効果」の語と「限界」の語", fontsize=14)
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    add_footnote(fig, metadata,
                 f"各区分で項目数の多い語を上位 {top} 語まで (同数は出現回数・文字コード順)。語は抽出語 (terms.csv)。")
    return fig


def plot_distinctive_terms(distinctive: pd.DataFrame, items: pd.DataFrame, metadata: dict, top: int = 8) -> Figure:
    """Per support type, the terms most distinctive of it against the other support types (z-scores)."""
    order = support_order(items)
    table = distinctive[distinctive["comparison"] == "support_type"]
    fig, axes = new_figure(4.2 * len(order), 0.45 * top + 1.8, ncols=len(order))
    for ax, support in zip(axes, order, strict=True):
        sub = table[table["group"] == support].sort_values(["z", "term"], ascending=[False, True]).head(top)[::-1]
        y = np.arange(len(sub))
        ax.barh(y, sub["z"], color=support_color(support, order))
        labels = [f"{t}  ({g}/{r})" for t, g, r in zip(sub["term"], sub["n_group"], sub["n_rest"], strict=True)]
        ax.set_yticks(y, labels, fontsize=9)
        ax.set_xlabel("z 値 (重み付き対数オッズ比)")
        ax.set_title(support, color=support_color(support, order), fontsize=13)
        ax.axvline(0, color="#333333", linewidth=0.8)
    fig.suptitle("区分ごとの特徴語 (その区分 対 他の区分)", fontsize=14)
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    add_footnote(fig, metadata, "括弧内は出現回数 (その区分/他の区分)。情報事前分布つき重み付き対数オッズ比 (Monroe ほか 2008)。"
                 "事業数が少ないため、z 値は記述の偏りの目安であり検定ではありません。")
    return fig


def format_p(p: float) -> str:
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def plot_code_heatmap(codes: pd.DataFrame, items: pd.DataFrame, metadata: dict) -> Figure:
    """Codes × support type: share of items coded, coloured by the adjusted standardized residual."""
    order = support_order(items)
    table = codes[codes["aspect"] == "all"]
    code_order = list(dict.fromkeys(table["code"]))
    share = table.pivot_table(index="code", columns="support_type", values="share").reindex(index=code_order, columns=order)
    count = table.pivot_table(index="code", columns="support_type", values="n_items").reindex(index=code_order, columns=order)
    resid = table.pivot_table(index="code", columns="support_type", values="adjusted_residual").reindex(
        index=code_order, columns=order)
    p_values = table.groupby("code", sort=False)["p_value"].first().reindex(code_order)
    fig, ax = new_figure(2.0 * len(order) + 4.2, 0.55 * len(code_order) + 2.2)
    bound = max(3.0, float(np.nanmax(np.abs(resid.to_numpy()))))
    image = ax.imshow(resid.to_numpy(dtype=float), cmap="RdBu_r", vmin=-bound, vmax=bound, aspect="auto")
    for i in range(len(code_order)):
        for j in range(len(order)):
            value = resid.iloc[i, j]
            ax.text(j, i, f"{int(count.iloc[i, j])}件 ({share.iloc[i, j]:.0%})\n残差 {value:+.1f}", ha="center", va="center",
                    fontsize=8, color="white" if abs(value) > bound * 0.6 else "black")
    ax.set_xticks(range(len(order)), order)
    ax.set_yticks(range(len(code_order)), [f"{c}  ({format_p(p_values[c])})" for c in code_order])
    ax.tick_params(top=True, bottom=False, labeltop=True, labelbottom=False)
    ax.spines[:].set_visible(False)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label("調整済み標準化残差")
    ax.set_title("コード × 区分 (各区分の項目のうちコードに当たった割合)", pad=30)
    test = table["test"].iloc[0] if len(table) else ""
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    add_footnote(fig, metadata, f"p 値は各コードの有無 × 区分の表に対する {test}。"
                 "残差 ±1.96 を超えるセルがその区分で多い・少ない目安です (多重比較の補正なし)。")
    return fig


def plot_network(nodes: pd.DataFrame, edges: pd.DataFrame, items: pd.DataFrame, metadata: dict) -> Figure:
    """Co-occurrence network of terms (Jaccard within items), communities coloured, support types linked."""
    order = support_order(items)
    position = {n: (x, y) for n, x, y in zip(nodes["node"], nodes["x"], nodes["y"], strict=True)}
    fig, ax = new_figure(11, 8.5)
    palette = matplotlib.colormaps["Pastel1"]
    max_j = edges["jaccard"].max() if len(edges) else 1
    for edge in edges.itertuples(index=False):
        (x1, y1), (x2, y2) = position[edge.source], position[edge.target]
        linked = edge.kind != "term"
        ax.plot([x1, x2], [y1, y2], color=support_color(edge.source, order) if linked else "#9a9a9a",
                linewidth=0.6 + 2.4 * edge.jaccard / max_j, alpha=0.55 if linked else 0.7,
                linestyle="--" if linked else "-", zorder=1)
    for node in nodes.itertuples(index=False):
        x, y = position[node.node]
        if node.kind == "term":
            community = 0 if pd.isna(node.community) else int(node.community)
            size = 180 + 120 * (0 if pd.isna(node.n_units) else int(node.n_units))
            ax.scatter(x, y, s=size, color=palette((community - 1) % 9) if community else "#dddddd",
                       edgecolors="#666666", linewidths=0.5, zorder=2)
            ax.text(x, y, node.node, ha="center", va="center", fontsize=9, zorder=3)
        else:
            ax.text(x, y, node.node, ha="center", va="center", fontsize=11, color="white", zorder=3,
                    bbox={"boxstyle": "round,pad=0.4", "facecolor": support_color(node.node, order), "edgecolor": "none"})
    ax.set_axis_off()
    ax.margins(0.08)
    ax.set_title("共起ネットワーク (同じ項目に出てくる語; 色付きの札は区分)", fontsize=14)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    n_term_edges = int((edges["kind"] == "term").sum())
    add_footnote(fig, metadata,
                 f"語どうしは Jaccard 係数の上位 {n_term_edges} 本 (2項目以上に出る語)。円の大きさは項目数、色はコミュニティ。"
                 "破線は区分とその区分で Jaccard の大きい語。配置は固定シード。")
    return fig


def plot_correspondence(term_coords: pd.DataFrame, group_coords: pd.DataFrame, inertia: pd.DataFrame,
                        items: pd.DataFrame, metadata: dict) -> Figure:
    """Correspondence-analysis map of terms and support types (first two axes).

    Terms used by one support type only share that type's exact position; they are drawn as one point
    with all their names listed, instead of names printed on top of each other.
    """
    order = support_order(items)
    dims = [c for c in term_coords.columns if c.startswith("dim")]
    x_dim, y_dim = dims[0], dims[1] if len(dims) > 1 else None
    terms = term_coords.assign(px=term_coords[x_dim].round(3),
                               py=term_coords[y_dim].round(3) if y_dim else 0.0)
    points = (terms.sort_values(["n", "term"], ascending=[False, True])
              .groupby(["px", "py"], sort=True).agg(terms=("term", list), n=("n", "sum")).reset_index())
    fig, ax = new_figure(10, 8)
    ax.axhline(0, color="#bbbbbb", linewidth=0.6)
    ax.axvline(0, color="#bbbbbb", linewidth=0.6)
    ax.scatter(points["px"], points["py"], s=25 + 12 * points["n"], color="#9ecae1", edgecolors="#4a4a4a", linewidths=0.4)
    for row in points.itertuples(index=False):
        names = row.terms
        lines = ["、".join(names[i:i + 4]) for i in range(0, len(names), 4)]
        below = len(names) > 1 and row.py <= 0  # long lists of a lower group go under their point
        ax.annotate("\n".join(lines), (row.px, row.py), xytext=(7, -9 if below else 7), textcoords="offset points",
                    fontsize=8.5, va="top" if below else "bottom",
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    for row in group_coords.itertuples(index=False):
        x, y = getattr(row, x_dim), getattr(row, y_dim) if y_dim else 0.0
        color = support_color(row.group, order) if row.group in order else "#333333"
        ax.annotate(row.group, (x, y), xytext=(-26, -34), textcoords="offset points", ha="right", fontsize=11,
                    color="white", bbox={"boxstyle": "round,pad=0.35", "facecolor": color, "edgecolor": "none"},
                    arrowprops={"arrowstyle": "-", "color": color})
        ax.scatter(x, y, s=90, marker="s", color=color, zorder=3)
    share = dict(zip(inertia["axis"], inertia["share"], strict=True))
    ax.set_xlabel(f"第1軸 (慣性の {share[x_dim]:.1%})")
    if y_dim:
        ax.set_ylabel(f"第2軸 (慣性の {share[y_dim]:.1%})")
    ax.margins(0.18)
    ax.set_title("対応分析: 語と区分", fontsize=14)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    add_footnote(fig, metadata,
                 f"χ² の大きい上位 {len(term_coords)} 語 (2回以上出現)。一つの区分にしか出ない語はその区分と同じ位置に"
                 "まとめて表示。近い語と区分ほど結びつきが強いことを表します。")
    return fig


def wrap(text: str, width: int = 40) -> str:
    """Wrap Japanese text for table cells and labels (by character count)."""
    return "\n".join(textwrap.wrap(text, width)) if text else text


def figure_specs(analysis, suffix: str = "") -> list[tuple[str, Callable, tuple]]:
    """(file name, plot function, its arguments) for every support-type figure of one analysis."""
    items, metadata = analysis["items"], analysis.metadata
    return [
        ("items_by_support_type_and_aspect" + suffix, plot_items_by_aspect, (items, metadata)),
        ("effect_vs_limitation_terms_by_support_type" + suffix, plot_effect_vs_limitation,
         (analysis["keywords"], items, metadata)),
        ("distinctive_terms_by_support_type" + suffix, plot_distinctive_terms, (analysis["distinctive_terms"], items, metadata)),
        ("codes_by_support_type_heatmap" + suffix, plot_code_heatmap, (analysis["codes"], items, metadata)),
        ("cooccurrence_network" + suffix, plot_network,
         (analysis["cooccurrence_nodes"], analysis["cooccurrence_edges"], items, metadata)),
        ("correspondence_analysis_map" + suffix, plot_correspondence,
         (analysis["correspondence_terms"], analysis["correspondence_groups"], analysis["correspondence_inertia"], items,
          metadata)),
    ]


def _draw(name: str, plot: Callable, args: tuple, out_dir: Path, metadata: dict) -> list[Path]:
    return save_figure(plot(*args), out_dir, name, metadata)


def draw_figures(specs: list[tuple[str, Callable, tuple]], out_dir: str | Path, metadata: dict,
                 workers: int = 1) -> list[Path]:
    """Draw and save figures, in ``workers`` processes (each figure is independent; output is the same)."""
    out_dir = Path(out_dir)
    if workers <= 1:
        return [p for name, plot, args in specs for p in _draw(name, plot, args, out_dir, metadata)]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_draw, name, plot, args, out_dir, metadata) for name, plot, args in specs]
        return [p for future in futures for p in future.result()]


def make_figures(analysis, out_dir: str | Path, suffix: str = "", workers: int = 1) -> list[Path]:
    """Draw and save every support-type figure of one analysis (one year, or the only table)."""
    return draw_figures(figure_specs(analysis, suffix), out_dir, analysis.metadata, workers)


# ---------------------------------------------------------------- comparing years

def plot_items_by_year(items: pd.DataFrame, metadata: dict) -> Figure:
    """Items per support type × aspect, one panel per support type, one group of bars per year."""
    order = support_order(items)
    years = known_years(items)
    fig, axes = new_figure(3.3 * len(order), 4.2, ncols=len(order))
    axes = axes if len(order) > 1 else [axes]
    table = items.groupby(["support_type", "year", "aspect"]).size()
    top = int(table.max()) if len(table) else 1
    for ax, support in zip(axes, order, strict=True):
        x = np.arange(len(years))
        for k, aspect in enumerate(ASPECTS):
            values = [int(table.get((support, year, aspect), 0)) for year in years]
            bars = ax.bar(x + (k - 1) * 0.26, values, 0.26, color=ASPECT_COLORS[aspect], label=ASPECT_LONG[aspect])
            ax.bar_label(bars, fontsize=8, padding=1)
        ax.set_xticks(x, [f"{y}年度" for y in years])
        ax.set_ylim(0, top * 1.25 + 0.5)
        ax.set_title(support, color=support_color(support, order), fontsize=12)
    axes[0].set_ylabel("項目数")
    axes[0].legend(frameon=False, fontsize=8, loc="upper left")
    fig.suptitle("年度ごとの項目数 (区分 × 観点)", fontsize=14)
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    add_footnote(fig, metadata, "その年度の表にない区分は 0 件です。件数は記述の多さであり、成果の大きさではありません。")
    return fig


def plot_term_changes(trends: pd.DataFrame, metadata: dict, top: int = 10) -> Figure:
    """Terms that rose and fell most from the previous year to the latest (all support types pooled)."""
    pooled = trends[(trends["support_type"] == "全体") & (trends["aspect"] == "all") & trends["z_vs_prev"].notna()]
    year = int(pooled["year"].max())
    latest = pooled[pooled["year"] == year]
    previous = int(latest["prev_year"].iloc[0])
    rising = (latest[latest["z_vs_prev"] > 0]
              .sort_values(["z_vs_prev", "n", "term"], ascending=[False, False, True]).head(top))
    falling = (latest[latest["z_vs_prev"] < 0]
               .sort_values(["z_vs_prev", "n_prev", "term"], ascending=[True, False, True]).head(top))
    rows = pd.concat([rising, falling[::-1]])[::-1]
    fig, ax = new_figure(8, 0.36 * len(rows) + 1.8)
    colors = [ASPECT_COLORS["effect"] if z > 0 else ASPECT_COLORS["limitation"] for z in rows["z_vs_prev"]]
    ax.barh(np.arange(len(rows)), rows["z_vs_prev"], color=colors)
    labels = [f"{t}  ({p}→{n})" for t, p, n in zip(rows["term"], rows["n_prev"], rows["n"], strict=True)]
    ax.set_yticks(np.arange(len(rows)), labels, fontsize=9)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel(f"z 値 (重み付き対数オッズ比, {year}年度 対 {previous}年度; 右: 増えた語 / 左: 減った語)")
    ax.set_title(f"{previous}年度から{year}年度に増えた語・減った語", fontsize=14)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    add_footnote(fig, metadata, "括弧内は出現回数 (前年度→当年度)。全区分・全観点をまとめた比較です。"
                 "事業の追加・削除による変化も含みます。")
    return fig


def plot_codes_by_year(codes: pd.DataFrame, items: pd.DataFrame, metadata: dict) -> Figure:
    """Share of items coded, code × (support type, year), side by side."""
    order = support_order(items)
    table = codes[(codes["aspect"] == "all") & codes["year"].notna()]
    years = known_years(table)
    code_order = list(dict.fromkeys(table["code"]))
    columns = [(s, y) for s in order for y in years]
    share = np.full((len(code_order), len(columns)), np.nan)
    labels = [["" for _ in columns] for _ in code_order]
    indexed = table.set_index(["code", "support_type", "year"])
    for i, code in enumerate(code_order):
        for j, (support, year) in enumerate(columns):
            if (code, support, year) in indexed.index:
                row = indexed.loc[(code, support, year)]
                share[i, j] = row["share"]
                labels[i][j] = f"{int(row['n_items'])}/{int(row['n_total'])}"
    fig, ax = new_figure(1.25 * len(columns) + 4, 0.5 * len(code_order) + 2.4)
    image = ax.imshow(np.ma.masked_invalid(share), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(len(code_order)):
        for j in range(len(columns)):
            text = labels[i][j] or "—"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if not np.isnan(share[i, j]) and share[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(columns)), [f"{s}\n{y}年度" for s, y in columns], fontsize=8)
    ax.set_yticks(range(len(code_order)), code_order)
    ax.tick_params(top=True, bottom=False, labeltop=True, labelbottom=False)
    ax.spines[:].set_visible(False)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label("コードに当たった項目の割合")
    ax.set_title("年度ごとのコード × 区分", pad=40)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    add_footnote(fig, metadata, "セルは コードに当たった項目数/その区分の項目数。— はその年度にその区分がないことを表します。")
    return fig


STATUS_JA = {"kept": "継続", "added": "追加", "removed": "廃止", "renamed": "名称変更"}
STATUS_COLORS = {"kept": "#7b7b7b", "added": "#1a9641", "removed": "#d7191c", "renamed": "#2b83ba"}


def plot_program_changes(changes: pd.DataFrame, metadata: dict) -> Figure:
    """Each program as a bar from its first to its last year, coloured by what happened to it."""
    rows = changes[changes["first_year"].notna()].reset_index(drop=True)
    years = sorted(set(rows["first_year"].astype(int)) | set(rows["last_year"].astype(int)))
    fig, ax = new_figure(9, 0.45 * len(rows) + 1.8)
    for i, row in enumerate(rows.itertuples(index=False)):
        y = len(rows) - 1 - i
        color = STATUS_COLORS[row.status]
        ax.plot([row.first_year, row.last_year], [y, y], color=color, linewidth=6, solid_capstyle="round")
        ax.scatter([row.first_year, row.last_year], [y, y], s=90, color=color, zorder=3)  # one-year programs too
        label = f"NO {row.program_no} {row.program}  [{STATUS_JA[row.status]}]"
        if isinstance(row.previous_name, str) and row.previous_name:
            label += f"  旧: {row.previous_name}"
        ax.text(years[-1] + 0.15, y, label, va="center", fontsize=9, color=color)
    ax.set_xticks(years, [f"{y}年度" for y in years])
    ax.set_xlim(years[0] - 0.3, years[-1] + 2.6)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_title("事業の継続・追加・廃止・名称変更", fontsize=14)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    add_footnote(fig, metadata, "事業は NO と名称 (全角・半角と空白を揃えて) で対応づけ、"
                 "NO が同じで名称だけ変わり本文の大半が同じものは名称変更としています。")
    return fig


def year_figure_specs(analysis) -> list[tuple[str, Callable, tuple]]:
    """The year-over-year figures (none unless the tables span at least two known years)."""
    items, metadata = analysis["items"], analysis.metadata
    if len(known_years(items)) < 2:
        return []
    return [
        ("items_by_year", plot_items_by_year, (items, metadata)),
        ("terms_rising_and_falling", plot_term_changes, (analysis["keyword_trends"], metadata)),
        ("codes_by_year", plot_codes_by_year, (analysis["codes"], items, metadata)),
        ("program_changes", plot_program_changes, (analysis["program_changes"], metadata)),
    ]


def make_year_figures(analysis, out_dir: str | Path, workers: int = 1) -> list[Path]:
    return draw_figures(year_figure_specs(analysis), out_dir, analysis.metadata, workers)
