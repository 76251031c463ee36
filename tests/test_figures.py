"""Every figure renders to PNG, SVG and PDF with Japanese glyphs; a missing glyph is an error."""

from __future__ import annotations

import re
import struct
import warnings
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_analysis.plots import (
    SUPPORT_COLORS,
    MissingGlyphError,
    aspect_color,
    make_figures,
    plot_effect_vs_limitation,
    plot_items_by_aspect,
    png_bytes,
    save_figure,
    source_note,
    support_color,
)
from kyodo_analysis.schema import Comparison, zushi_comparison

from .conftest import overlapping_tick_labels

FIGURES = ["items_by_support_type_and_aspect", "effect_vs_limitation_terms_by_support_type",
           "distinctive_terms_by_support_type", "codes_by_support_type_heatmap", "cooccurrence_network",
           "correspondence_analysis_map", "term_clusters_dendrogram", "term_mds_map"]


@pytest.fixture(scope="module")
def analysis(bundled_analysis):
    return bundled_analysis


def png_dpi(data: bytes) -> float:
    """Pixels per inch from a PNG's pHYs chunk."""
    at = data.index(b"pHYs")
    x, _y, unit = struct.unpack(">IIB", data[at + 4:at + 13])
    assert unit == 1
    return x * 0.0254


def test_every_figure_renders_in_three_formats_without_missing_glyphs(analysis, tmp_path):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from")
        paths = make_figures(analysis, tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{n}.{f}" for n in FIGURES for f in ("png", "svg", "pdf"))
    for path in paths:
        assert path.stat().st_size > 10_000, path
    for name in FIGURES:
        assert png_dpi((tmp_path / f"{name}.png").read_bytes()) == pytest.approx(200, abs=1)
        pdf = (tmp_path / f"{name}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF")
        # the font embedded once (a TrueType subset holding every character), not split by character code
        assert len(set(re.findall(rb"/BaseFont /[A-Z]{6}\+IPAexGothic", pdf))) == 1, name
        assert b"<svg" in (tmp_path / f"{name}.svg").read_bytes()[:2000]


def test_a_figure_is_laid_out_once_for_its_three_files_and_keeps_its_layout_engine(analysis, tmp_path):
    # Each savefig lays a constrained figure out again; the SVG and the PDF take the PNG's layout and box.
    from kyodo_analysis.plots import plot_code_heatmap

    fig = plot_code_heatmap(analysis["codes"], analysis["items"], analysis.metadata)  # with a colour bar
    engine = fig.get_layout_engine()
    layouts = []
    original = engine.execute
    engine.execute = lambda figure: (layouts.append(figure), original(figure))[1]
    paths = save_figure(fig, tmp_path, "heatmap")
    assert len(layouts) == 1 and [p.suffix for p in paths] == [".png", ".svg", ".pdf"]
    assert fig.get_layout_engine() is engine  # given back as it came
    # a user's matplotlibrc asking for automatic layouts changes nothing: no other engine lays out the SVG or PDF
    import matplotlib

    engines = []
    save = fig.savefig
    fig.savefig = lambda *args, **kwargs: (engines.append(type(fig.get_layout_engine()).__name__), save(*args, **kwargs))
    with matplotlib.rc_context({"figure.autolayout": True}):
        save_figure(fig, tmp_path, "heatmap")
    assert engines == ["ConstrainedLayoutEngine", "NoneType", "NoneType"] and len(layouts) == 2


def test_figures_are_byte_identical_on_rerun(analysis):
    # The network (seeded layout) and the CA map (sign convention), drawn twice in this process, as PNG;
    # test_reproducible compares every figure (PNG, SVG, PDF) of two separate whole runs.
    from kyodo_analysis.plots import plot_correspondence, plot_network

    items, metadata = analysis["items"], analysis.metadata

    def drawn() -> list[bytes]:
        return [png_bytes(plot_network(analysis["cooccurrence_nodes"], analysis["cooccurrence_edges"], items, metadata)),
                png_bytes(plot_correspondence(analysis["correspondence_terms"], analysis["correspondence_groups"],
                                              analysis["correspondence_inertia"], items, metadata, 99))]
    assert drawn() == drawn()


def drawn_boxes(fig, texts) -> list:
    """The display boxes of ``texts`` as drawn (Agg, in the figures' style): the text alone, not the line that
    ties a label to its point."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from kyodo_analysis.plots import style

    canvas = FigureCanvasAgg(fig)
    with style():
        canvas.draw()
    renderer = canvas.get_renderer()
    return [Text.get_window_extent(t, renderer) for t in texts]


def point_names(terms: pd.DataFrame) -> list[str]:
    """The labels the correspondence map writes beside its term points."""
    from kyodo_analysis.plots.maps import point_label, term_points

    return [point_label(names) for names in term_points(terms, "dim1", "dim2")["terms"]]


def test_no_label_of_the_correspondence_map_covers_another_or_leaves_the_axes(analysis):
    """The bundled map (three groups, two axes): every term label and group name drawn apart from every
    other, inside the axes, and each point's names shown once."""
    from kyodo_analysis.plots import plot_correspondence

    terms = analysis["correspondence_terms"]
    fig = plot_correspondence(terms, analysis["correspondence_groups"], analysis["correspondence_inertia"],
                              analysis["items"], analysis.metadata, 99)
    ax = fig.axes[0]
    labels = list(ax.texts)
    boxes = drawn_boxes(fig, labels)
    inside = ax.get_window_extent()
    overlapping = [(labels[i].get_text(), labels[j].get_text()) for i in range(len(boxes))
                   for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]
    assert overlapping == []
    assert [t.get_text() for t, b in zip(labels, boxes, strict=True) if not inside.contains(b.x0, b.y0)
            or not inside.contains(b.x1, b.y1)] == []
    shown = [name for t in labels for line in t.get_text().split("\n") for name in line.split("、")]
    assert sorted(shown) == sorted([*terms["term"], *analysis["correspondence_groups"]["group"]])
    points = [ax.transData.transform(xy) for xy in {t.xy for t in labels if t.get_text() in set(point_names(terms))}]
    checked = 0
    for label, box in zip(labels, boxes, strict=True):  # a label with no line is nearest its own point
        if label.get_text() not in point_names(terms) or label.arrow_patch is not None:
            continue
        checked += 1
        own = ax.transData.transform(label.xy)
        nearest = min(points, key=lambda p: np.hypot(max(box.x0 - p[0], 0, p[0] - box.x1), max(box.y0 - p[1], 0, p[1] - box.y1)))
        assert tuple(nearest) == tuple(own), label.get_text()
    assert checked >= 5


def test_a_correspondence_map_of_two_groups_is_one_axis_with_a_row_per_point(analysis):
    """Two groups give one axis: the terms in rows along it (no second axis drawn as if it meant something),
    their labels apart, each group a line named above the axes."""
    from kyodo_analysis.correspondence import correspondence
    from kyodo_analysis.plots import plot_correspondence

    items = analysis["items"].assign(support_type=analysis["items"]["support_type"].replace({"場の提供": "人的支援"}))
    terms, groups, inertia = correspondence(analysis["terms"], items)
    assert [c for c in terms.columns if c.startswith("dim")] == ["dim1"]
    fig = plot_correspondence(terms, groups, inertia, items, analysis.metadata, 99)
    ax = fig.axes[0]
    assert ax.get_title() == "対応分析: 語と区分 (1 軸)" and ax.get_ylabel() == ""
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(name for row in rows for line in row.split("\n") for name in line.split("、")) == sorted(terms["term"])
    assert overlapping_tick_labels(fig) == []
    assert sorted(t.get_text() for t in ax.texts) == ["人的支援", "財政的支援"]
    first = terms.set_index("term")["dim1"]
    order = [first[row.split("\n")[0].split("、")[0]] for row in rows]
    assert order == sorted(order)  # the rows in the order of the axis


def test_a_missing_glyph_is_drawn_as_geta_and_reported(analysis, tmp_path, capsys):
    programs = analysis["programs"].copy()
    programs["support_type"] = programs["support_type"].replace({"人的支援": "人的支援😀"})
    fig = plot_items_by_aspect(programs, analysis.metadata)
    paths = save_figure(fig, tmp_path, "broken")  # the run does not die
    assert all(p.stat().st_size > 0 for p in paths)
    assert "フォントにない文字 😀 を 〓 で表しました" in capsys.readouterr().err
    assert any(t.get_text().startswith("人的支援〓") for t in fig.axes[0].get_xticklabels())
    with pytest.raises(MissingGlyphError):  # the check stays for anything that slips past the replacement
        from kyodo_analysis.plots import glyphs_required, style

        other = plot_items_by_aspect(analysis["programs"], analysis.metadata)
        other.axes[0].set_title("😀")
        import io
        with style(), glyphs_required():
            other.savefig(io.BytesIO(), format="png")


def test_footnote_names_the_source_and_dictionary(analysis):
    note = source_note(analysis.metadata)
    assert "これまでの取り組みに係る協働の成果等" in note and "kyodo_seika_zushi.tsv (年度不明)" in note
    assert "unidic-lite" in note and "UniDic 2.1.2" in note
    two = {"raw_files": [{"city": "逗子市", "title": "成果", "file": "a.tsv", "year": 2024},
                         {"city": "架空市A", "title": "評価", "file": "c.csv", "year": 2024},
                         {"city": "逗子市", "title": "成果", "file": "b.xlsx", "year": 2025}]}
    # each title followed by its own files (the 4.0 page listed both titles, then every file: a reviewer)
    assert source_note(two) == "出典: 逗子市「成果」 a.tsv (2024年度), b.xlsx (2025年度); 架空市A「評価」 c.csv (2024年度)"


def test_colours_are_fixed_per_support_type_and_aspect():
    assert set(SUPPORT_COLORS) == {"財政的支援", "人的支援", "場の提供"}
    zushi = zushi_comparison()
    aspect_colors = {a: aspect_color(zushi, a) for a in zushi.aspect_keys}
    assert aspect_colors["effect"] == "#2b83ba" and aspect_colors["limitation"] == "#d7191c"
    assert len(set(SUPPORT_COLORS.values()) | set(aspect_colors.values())) == 6
    order = ["財政的支援", "新しい区分", "人的支援", "もう一つ"]
    assert support_color("新しい区分", order) != support_color("もう一つ", order)
    assert support_color("人的支援", order) == SUPPORT_COLORS["人的支援"]


def test_many_groups_wrap_onto_rows_of_three_panels(analysis):
    from kyodo_analysis.plots import plot_distinctive_terms
    from kyodo_analysis.stats import distinctive_terms

    items = analysis["items"].assign(support_type=analysis["items"]["program"])  # eight groups
    fig = plot_distinctive_terms(distinctive_terms(analysis["terms"], items), items, analysis.metadata)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a collapsed layout warns (and the warning reached the notebooks)
        png_bytes(fig)
    titles = [ax.get_title() for ax in fig.axes[:8]]  # a name longer than a panel is split over two lines
    assert len(fig.axes) == 9 and [t.replace("\n", "") for t in titles] == list(dict.fromkeys(items["program"]))
    assert titles[1] == "社会参加・市民活動ポ\nイントシステム(Zen)" and max(t.count("\n") for t in titles) == 1


def test_one_group_keeps_the_bar_width_of_three(analysis):
    """A single group's bars are not stretched across the whole axis (a city or year with one group)."""
    programs = analysis["programs"]
    lone = plot_items_by_aspect(programs[programs["support_type"] == "場の提供"], analysis.metadata)
    left, right = lone.axes[0].get_xlim()
    assert right - left == pytest.approx(3.0)
    bars = [p for p in lone.axes[0].patches]
    assert len(bars) == 3 and all(p.get_width() == pytest.approx(0.8 / 3) for p in bars)
    assert [t.get_text() for t in lone.axes[0].get_xticklabels()] == ["場の提供\n(3事業)"]
    assert overlapping_tick_labels(lone) == []


def test_a_title_compares_by_group_only_where_there_are_groups_to_compare(analysis):
    """「区分ごとの」 heads a figure of two or more groups; a figure of one group does not claim a comparison."""
    programs, items = analysis["programs"], analysis["items"]
    assert plot_items_by_aspect(programs, analysis.metadata).axes[0].get_title() == "区分ごとの項目数 (効果・限界・今後)"
    lone = plot_items_by_aspect(programs[programs["support_type"] == "場の提供"], analysis.metadata)
    assert lone.axes[0].get_title() == "項目数 (効果・限界・今後)"
    one = items[items["support_type"] == "場の提供"]
    sides = plot_effect_vs_limitation(analysis["keywords"], one, analysis.metadata)
    assert sides.get_suptitle() == "「限界」の語 (左) と「効果」の語 (右)"
    both = plot_effect_vs_limitation(analysis["keywords"], items, analysis.metadata)
    assert both.get_suptitle() == "区分ごとの「限界」の語 (左) と「効果」の語 (右)"


def test_year_panels_keep_their_width_and_their_labels_apart(analysis):
    """Two years in a narrow panel per group (four groups, as when a year adds a support type): the bars
    fill the panel and the year labels do not collide."""
    from kyodo_analysis.plots import plot_items_by_year

    programs = analysis["programs"]
    added = programs.head(1).assign(support_type="情報的支援", year=2025)
    both = pd.concat([programs.assign(year=2018), programs.assign(year=2025), added], ignore_index=True)
    fig = plot_items_by_year(both, analysis.metadata)
    assert overlapping_tick_labels(fig) == []
    for ax in fig.axes:
        left, right = ax.get_xlim()
        assert right - left < 2.5  # two years, not laid out for three
    # 情報的支援 had no program in 2018: 「—」 there, explained, and no bar counted 0; the others no 「—」
    marks = {ax.get_title(): [t.get_text() for t in ax.texts if t.get_text() == "—"] for ax in fig.axes}
    assert marks == {**{ax.get_title(): [] for ax in fig.axes[:-1]}, fig.axes[-1].get_title(): ["—"]}
    assert "0" not in [t.get_text() for t in fig.axes[-1].texts]  # the bars' count labels: none of 0
    assert "— はその年度にその区分の事業がないことを表します" in "".join(t.get_text() for t in fig.texts).replace("\n", "")
    small = both.assign(n_effect=3, n_limitation=1, n_next_step=1)  # an axis up to about 15: ticks at 2.5 before
    ticks = plot_items_by_year(small, analysis.metadata).axes[0].get_yticks()
    assert len(ticks) > 2 and all(float(t).is_integer() for t in ticks), ticks  # counts: no tick at 2.5
    alone = plot_items_by_year(both[both["support_type"] != "情報的支援"], analysis.metadata)
    assert "—" not in [t.get_text() for ax in alone.axes for t in ax.texts] and "— は" not in "".join(t.get_text() for t in alone.texts)


def test_no_figure_has_colliding_axis_labels(analysis):
    from kyodo_analysis.plots import figure_specs

    for name, plot, args in figure_specs(analysis):
        assert overlapping_tick_labels(plot(*args)) == [], name




def test_a_figure_per_group_beyond_the_marks_it_can_tell_apart_is_a_note(analysis):
    """21 groups would need a mark after ⑳ (names repeated), and a thousand panels took hours: each figure
    drawn per group becomes a note pointing to the tables; up to 20 groups each gets its own mark."""
    from kyodo_analysis import plots

    items, programs, metadata = analysis["items"], analysis["programs"], analysis.metadata
    sided = items["aspect"].isin(Comparison.from_metadata(metadata).sides)  # the sides' items alone span the 21 groups
    order = pd.Series(range(len(items)), index=items.index).where(sided).rank().fillna(0).astype(int)
    many = items.assign(support_type=[f"区分{k % 21}" for k in order])
    many_programs = pd.concat([programs.head(1).assign(support_type=f"区分{k}") for k in range(21)], ignore_index=True)
    year = {"year": 2024}
    figures = {
        "items_by_aspect": plots.plot_items_by_aspect(many_programs, metadata),
        "sides": plots.plot_effect_vs_limitation(analysis["keywords"], many, metadata),
        "distinctive": plots.plot_distinctive_terms(analysis["distinctive_terms"], many, metadata),
        "heatmap": plots.plot_code_heatmap(analysis["codes"], many, metadata),
        "network": plots.plot_network(analysis["cooccurrence_nodes"], analysis["cooccurrence_edges"], many, metadata),
        "correspondence": plots.plot_correspondence(analysis["correspondence_terms"], analysis["correspondence_groups"],
                                                    analysis["correspondence_inertia"], many, metadata, 99),
        "items_by_year": plots.plot_items_by_year(many_programs.assign(**year), metadata),
        "codes_by_year": plots.plot_codes_by_year(analysis["codes"].assign(**year), many, metadata),
    }
    for name, fig in figures.items():
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert len(fig.axes) == 1 and any("21 あり" in t and "(20)" in t for t in texts), name
        png_bytes(fig)
    names, note = plots.group_names([f"区分{k}" for k in range(20)], 1, "区分")
    assert "".join(names.values()) == plots.CIRCLED and "⑳ 区分19" in note


def test_a_group_name_over_two_lines_is_cut_between_words_where_they_fit():
    """市民活動支援 was cut 市民活 / 動支援 (its middle); now between words when both halves fit, else in the middle."""
    from kyodo_analysis import plots

    names, _ = plots.group_names(["市民活動支援", "地域づくり", "財政的支援", "子育て・教育"], 4, "分類")
    assert names == {"市民活動支援": "市民活動\n支援", "地域づくり": "地域\nづくり", "財政的支援": "財政的\n支援",
                     "子育て・教育": "子育て・\n教育"}
    assert plots.group_names(["市民活動支援"], 3.5, "分類")[0] == {"市民活動支援": "市民活\n動支援"}  # no word cut fits


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="あいう漢字ab12 、。」・ー）ッ", min_size=1, max_size=400), st.sampled_from([6.8, 8.5]))
def test_footnote_lines_fit_keep_every_character_and_never_start_with_punctuation(text, size):
    """行頭禁則 and the page width, on any text: the lines hold the text (spaces at a cut aside), each fits the
    width (a line of one character may not), and none starts with 、。」 etc. unless its line before could not give one."""
    from kyodo_analysis.plots.notes import NO_LINE_START, _ems, wrap_to
    from kyodo_analysis.plots.style import WIDTH

    assert wrap_to("あ" * 63 + "、" + "い" * 5, 6.8) == ["あ" * 62, "あ、いいいいい"]  # the 、 takes its character down
    lines = wrap_to(text, size)
    assert "".join(lines).replace(" ", "") == text.strip().replace(" ", "")
    assert all(_ems(line) <= WIDTH * 72 / size + 1 for line in lines)
    assert all(line[0] not in NO_LINE_START or len(before) <= 1 or all(c in NO_LINE_START for c in before[1:])
               for before, line in pairwise(lines) if line)


def test_a_heatmap_cell_of_one_program_is_hatched_and_said_so(analysis):
    """A reviewer found every darkest cell to be 1/1 — one program, whose share can only be 0 or 1. Such cells
    are hatched and the footnote says what the hatching means; a table without them gets neither."""
    from matplotlib.patches import Rectangle

    from kyodo_analysis.plots import plot_code_heatmap

    def drawn(codes):
        fig = plot_code_heatmap(codes, analysis["items"], analysis.metadata)
        hatched = [p for ax in fig.axes for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
        return len(hatched), "\n".join(t.get_text() for t in fig.texts).replace("\n", "")

    codes = analysis["codes"]
    assert drawn(codes) == (0, drawn(codes)[1]) and "斜線" not in drawn(codes)[1]
    one = (codes["support_type"] == "人的支援") & (codes["aspect"] == "effect")
    shrunk = codes.assign(programs_total=codes["programs_total"].mask(one, 1),
                          n_programs=codes["n_programs"].mask(one, codes["n_programs"].clip(upper=1)))
    count, note = drawn(shrunk)
    assert count == int(one.sum()) > 0
    fig = plot_code_heatmap(shrunk, analysis["items"], analysis.metadata)  # each 0/1 on a box of its cell's colour,
    boxed = [t for ax in fig.axes for t in ax.texts if t.get_bbox_patch() is not None]  # clear of the hatching
    assert len(boxed) == count and all(t.get_text().endswith("/1") for t in boxed)
    assert "斜線のセルは分母が 1 事業で、割合は 0 か 1 にしかなりません。" in note
    assert "同梱の既定のルール (codes.txt)" in note  # the packaged rules: the figure says so, as the pages do


def test_every_distinctive_panel_with_bars_numbers_its_axis(analysis):
    """Panels share their z axis; with four groups the third panel of the first row has no panel below it, and its
    axis had ticks but no numbers (a reviewer). Every panel with bars now numbers its axis."""
    from kyodo_analysis.plots import plot_distinctive_terms

    items = analysis["items"]
    four = pd.concat([items, items.head(1).assign(support_type="第4の区分", item_id="extra")], ignore_index=True)
    groups = ["財政的支援", "人的支援", "場の提供", "第4の区分"]
    distinctive = pd.DataFrame({"support_type": groups, "term": ["語A", "語B", "語C", "語D"], "z": [0.5, 0.4, 2.5, 0.3],
                                "n_group": [1, 1, 3, 1], "n_rest": [2, 2, 0, 2]})
    fig = plot_distinctive_terms(distinctive, four, analysis.metadata)
    fig.canvas.draw()
    with_bars = [ax for ax in fig.axes if ax.patches]
    assert len(with_bars) == 1
    assert [t.get_text() for t in with_bars[0].get_xticklabels() if t.get_visible() and t.get_text()]
    assert "点線は z = 1.96。" in "".join(t.get_text() for t in fig.texts).replace("\n", "")


def test_a_groups_name_on_the_map_hides_no_terms_point(analysis):
    """A group's name sat on its inner side whatever was there: a reviewer found a point of six words under one.
    A point is put right where 財政的支援's name went (below its square); the name now goes elsewhere, and no
    group's name covers any point's centre."""
    from kyodo_analysis.plots import plot_correspondence
    from kyodo_analysis.plots.maps import term_points

    groups = analysis["correspondence_groups"]
    x, y = groups.loc[groups["group"] == "財政的支援", ["dim1", "dim2"]].iloc[0]
    terms = pd.concat([analysis["correspondence_terms"], pd.DataFrame(
        {"year": [None], "term": ["隠れる語"], "n": [3], "chi2": [1.0], "dim1": [x], "dim2": [y - 0.12]})],
        ignore_index=True)
    fig = plot_correspondence(terms, groups, analysis["correspondence_inertia"], analysis["items"], analysis.metadata, 99)
    fig.canvas.draw()
    ax = fig.axes[0]
    names = [t for t in ax.texts if t.get_color() == "white"]
    assert len(names) == 3
    points = term_points(terms, "dim1", "dim2")
    centres = ax.transData.transform(points[["px", "py"]].to_numpy(dtype=float))
    for name in names:
        box = name.get_bbox_patch().get_window_extent()
        assert not any(box.contains(cx, cy) for cx, cy in centres), name.get_text()


def test_a_full_disk_while_a_pdf_is_written_is_the_disk_error_not_a_traceback(analysis, tmp_path, monkeypatch):
    """matplotlib's PDF writer, its disk full, raised an AttributeError while handling the ENOSPC, and a run
    ended in a traceback (a hostile tester, one run in three on a 9 MB disk). The disk's error is raised."""
    import errno

    from kyodo_analysis.plots import plot_items_by_aspect

    fig = plot_items_by_aspect(analysis["programs"], analysis.metadata)
    original = fig.savefig

    def failing(path, **kwargs):
        if kwargs.get("format") != "pdf":
            return original(path, **kwargs)
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise AttributeError("'Stream' object has no attribute 'pos'") from None

    monkeypatch.setattr(fig, "savefig", failing)
    with pytest.raises(OSError) as raised:
        save_figure(fig, tmp_path, "full")
    assert raised.value.errno == errno.ENOSPC


def test_a_map_says_which_group_is_one_program(analysis):
    """A town's 場の提供 of one program drew 固定化 beside it as an association (a statistician's audit): the
    footnote names the groups of one program and what their direction then shows; a table without one says
    nothing of it."""
    from kyodo_analysis.correspondence import correspondence
    from kyodo_analysis.plots import plot_correspondence

    def footnote(items):
        terms, groups, inertia = correspondence(analysis["terms"], items)
        fig = plot_correspondence(terms, groups, inertia, items, analysis.metadata, 99)
        return "".join(t.get_text() for t in fig.texts).replace("\n", "")

    assert "1 事業だけ" not in footnote(analysis["items"])
    items = analysis["items"]
    one = items[(items["support_type"] != "場の提供") | (items["program_no"] == items.loc[
        items["support_type"] == "場の提供", "program_no"].min())]
    assert "場の提供 は 1 事業だけの区分なので、その点と同じ方向の語はその 1 事業の書き方を表します。" in footnote(one)


def test_a_heatmap_of_cities_names_the_aspects_one_city_alone_wrote_in():
    """Zushi pooled with 架空市B by city: only 今後 is in both tables, so the heatmap drew the 今後 panel alone, and a
    newcomer read it as all the codes. The footnote now names 効果・限界・成果・課題 as left out, and where they are."""
    from kyodo_analysis.plots.groups import heatmap_panels, unshared_note
    from kyodo_analysis.schema import load_schema

    from .conftest import FIXTURES

    parts = [Comparison.of_schema(load_schema(path), "city", "市町村")
             for path in (None, FIXTURES / "other_cities" / "schema_b.toml")]
    comparison = Comparison.combined(parts)
    rows = [("財源", aspect, city) for aspect, city in [("effect", "逗子市"), ("limitation", "逗子市"), ("next_step", "逗子市"),
                                                       ("next_step", "架空市B"), ("result", "架空市B"), ("issue", "架空市B")]]
    codes = pd.DataFrame(rows, columns=["code", "aspect", "city"])
    panels = heatmap_panels(codes, comparison)
    assert panels == ["next_step"]
    assert unshared_note(codes, comparison, panels) == (
        "効果・限界・成果・課題 は 1 つの市町村にしか項目がなく比べられないため、図に入れていません (codes.csv にあります)。")
    shared = codes.assign(city="逗子市").pipe(lambda c: pd.concat([c, c.assign(city="架空市B")]))
    assert unshared_note(shared, comparison, heatmap_panels(shared, comparison)) == ""  # five shared aspects: 「全体」
    from kyodo_analysis.plots.groups import pooled_note

    assert pooled_note(shared, comparison) == "比べられる観点が 5 つあり、列が多すぎるため、観点をまとめた「全体」を示します。"
    assert pooled_note(codes[codes["aspect"] != "next_step"], comparison) == (
        "観点ごとに比べられる列がないため、観点をまとめた「全体」を示します。")


@pytest.mark.parametrize("groups, next_step, panels", [(10, "・周知する", ["all"]), (10, "", ["all"]),
                                                      (8, "", ["effect", "limitation"])])
def test_the_cells_of_a_heatmap_of_many_groups_do_not_run_into_one_another(tmp_path, groups, next_step, panels):
    """A hostile tester's ten groups over two aspects: 「0/2」 of neighbouring cells ran into one string at 16 cm. The
    cells' figures get smaller past twelve columns, and past sixteen the aspects are pooled, so that a row's figures
    stand apart (a gap of a fifth of a cell's figure at least)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.plots import plot_code_heatmap, style
    from kyodo_analysis.plots.groups import heatmap_panels
    from kyodo_analysis.schema import Comparison

    rows = ["区分\tNO\t事業名\t仕組みとして効果があったこと\t仕組みとして限界があったこと\t今後、必要と考えること"]
    rows += [f"分野{k // 2:02d}\t{k + 1}\t事業{k + 1}\t・参加者が増えた\t・予算が不足\t{next_step}" for k in range(2 * groups)]
    (tmp_path / "many_2024.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = analyze([tmp_path / "many_2024.tsv"])
    assert heatmap_panels(result["codes"], Comparison.from_metadata(result.metadata)) == panels
    fig = plot_code_heatmap(result["codes"], result["items"], result.metadata)
    canvas = FigureCanvasAgg(fig)
    with style():
        canvas.draw()
    renderer = canvas.get_renderer()
    for ax in fig.axes:
        cells = [t for t in ax.texts if "/" in t.get_text()]
        by_row: dict[float, list] = {}
        for t in cells:
            by_row.setdefault(t.get_position()[1], []).append(t.get_window_extent(renderer))
        for boxes in by_row.values():
            boxes.sort(key=lambda b: b.x0)
            assert all(b.x0 - a.x1 >= 0.2 * a.width for a, b in pairwise(boxes)), [(a.x1, b.x0) for a, b in pairwise(boxes)]
    assert sum(len(ax.texts) for ax in fig.axes) >= groups * 9
