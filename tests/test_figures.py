"""Every figure renders to PNG, SVG and PDF with Japanese glyphs; a missing glyph is an error."""

from __future__ import annotations

import struct
import warnings

import pytest

from kyodo_analysis.analysis import analyze
from kyodo_analysis.plots import (
    ASPECT_COLORS,
    SUPPORT_COLORS,
    MissingGlyphError,
    make_figures,
    plot_items_by_aspect,
    png_bytes,
    save_figure,
    source_note,
    support_color,
)

from .conftest import RAW

FIGURES = ["items_by_support_type_and_aspect", "effect_vs_limitation_terms_by_support_type",
           "distinctive_terms_by_support_type", "codes_by_support_type_heatmap", "cooccurrence_network",
           "correspondence_analysis_map"]


@pytest.fixture(scope="module")
def analysis():
    return analyze([RAW])


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
        assert (tmp_path / f"{name}.pdf").read_bytes().startswith(b"%PDF")
        assert b"<svg" in (tmp_path / f"{name}.svg").read_bytes()[:2000]


def test_figures_are_byte_identical_on_rerun(analysis, tmp_path):
    # The network (seeded layout) and the CA map (sign convention) in every format; the run tests
    # compare every figure of a whole run as well.
    from kyodo_analysis.plots import plot_correspondence, plot_network

    items, metadata = analysis["items"], analysis.metadata
    for folder in ("a", "b"):
        save_figure(plot_network(analysis["cooccurrence_nodes"], analysis["cooccurrence_edges"], items, metadata),
                    tmp_path / folder, "network", metadata)
        save_figure(plot_correspondence(analysis["correspondence_terms"], analysis["correspondence_groups"],
                                        analysis["correspondence_inertia"], items, metadata), tmp_path / folder, "ca", metadata)
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_a_missing_glyph_is_an_error(analysis, tmp_path):
    items = analysis["items"].copy()
    items["support_type"] = items["support_type"].replace({"人的支援": "人的支援😀"})
    fig = plot_items_by_aspect(items, analysis.metadata)
    with pytest.raises(MissingGlyphError, match="表示できない文字"):
        save_figure(fig, tmp_path, "broken")
    with pytest.raises(MissingGlyphError):
        png_bytes(plot_items_by_aspect(items, analysis.metadata))


def test_footnote_names_the_source_and_dictionary(analysis):
    note = source_note(analysis.metadata)
    assert "これまでの取り組みに係る協働の成果等" in note and "kyodo_seika_zushi.tsv (年度不明)" in note
    assert "unidic-lite" in note and "UniDic 2.1.2" in note


def test_colours_are_fixed_per_support_type_and_aspect():
    assert set(SUPPORT_COLORS) == {"財政的支援", "人的支援", "場の提供"}
    assert len(set(SUPPORT_COLORS.values()) | set(ASPECT_COLORS.values())) == 6
    order = ["財政的支援", "新しい区分", "人的支援", "もう一つ"]
    assert support_color("新しい区分", order) != support_color("もう一つ", order)
    assert support_color("人的支援", order) == SUPPORT_COLORS["人的支援"]
