"""Hierarchical clustering and classical MDS of terms, against a small example worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kyodo_analysis.clusters import chosen_terms, classical_mds, jaccard_distances, term_clusters

# Items of five terms: a {1,2}, b {1,2,3}, c {3,4}, d {4,5}; e {6} is used once only.
SETS = {"a": [1, 2], "b": [1, 2, 3], "c": [3, 4], "d": [4, 5], "e": [6]}


def example() -> pd.DataFrame:
    return pd.DataFrame([(f"i{i}", t) for t, ids in SETS.items() for i in ids], columns=["item_id", "term"])


def test_terms_are_chosen_by_a_minimum_of_items_and_a_tie_is_never_cut():
    sets, threshold = chosen_terms(example(), min_items=2)
    assert list(sets.index) == ["a", "b", "c", "d"] and threshold == 2
    sets, threshold = chosen_terms(example(), min_items=1, max_terms=4)  # five terms at ≥1: the level of 1 goes
    assert list(sets.index) == ["a", "b", "c", "d"] and threshold == 2
    sets, threshold = chosen_terms(example(), min_items=1, max_terms=3)  # four tied at ≥2: all go, b stays
    assert list(sets.index) == ["b"] and threshold == 3


def test_jaccard_distances_are_the_ones_worked_by_hand():
    sets, _ = chosen_terms(example(), min_items=2)
    # a–b: 1 − 2/3; b–c: 1 − 1/4; c–d: 1 − 1/3; the other pairs share no item: 1
    expected = np.array([[0, 1 / 3, 1, 1], [1 / 3, 0, 3 / 4, 1], [1, 3 / 4, 0, 2 / 3], [1, 1, 2 / 3, 0]])
    assert jaccard_distances(sets) == pytest.approx(expected)


def test_the_three_linkages_merge_at_the_heights_worked_by_hand():
    result = term_clusters(example(), min_items=2, n_clusters=2)
    merges = result["cluster_merges.csv"]
    heights = {m: merges.loc[merges["method"] == m, "height"].tolist() for m in ("ward", "average", "complete")}
    # Every method first joins a–b (1/3), then c–d (2/3). The last merge of {a,b} with {c,d}:
    # complete = max(1, 1, 3/4, 1) = 1; average = (1 + 1 + 3/4 + 1)/4 = 0.9375;
    # Ward (Lance–Williams on the distances): d(ab,c)² = 2/3·1 + 2/3·(3/4)² − 1/3·(1/3)² = 1.004630,
    # d(ab,d)² = 2/3 + 2/3 − 1/27 = 1.296296, then d(ab,cd)² = 3/4·1.004630 + 3/4·1.296296 − 2/4·(2/3)² = 1.503472.
    assert heights["complete"] == pytest.approx([1 / 3, 2 / 3, 1.0], abs=1e-6)
    assert heights["average"] == pytest.approx([1 / 3, 2 / 3, 0.9375], abs=1e-6)
    assert heights["ward"] == pytest.approx([1 / 3, 2 / 3, math.sqrt(1.503472)], abs=1e-6)
    assert merges.loc[merges["method"] == "ward", ["left_label", "right_label"]].values.tolist() == [
        ["a", "b"], ["c", "d"], ["#1", "#2"]]
    clusters = result["clusters.csv"]
    ward = clusters[clusters["method"] == "ward"].set_index("term")
    assert ward["cluster"].to_dict() == {"a": 1, "b": 1, "c": 2, "d": 2}
    assert set(clusters["min_items"]) == {2} and set(clusters["n_clusters"]) == {2}
    assert clusters["method"].drop_duplicates().tolist() == ["ward", "average", "complete"]


def test_classical_mds_recovers_a_rectangle_worked_by_hand():
    # Corners of a 3 × 4 rectangle (diagonal 5), centred: B = XXᵀ has eigenvalues 4·2² = 16 and 4·1.5² = 9.
    d = np.array([[0, 4, 5, 3], [4, 0, 3, 5], [5, 3, 0, 4], [3, 5, 4, 0]], dtype=float)
    coords, values = classical_mds(d)
    assert values[:2] == pytest.approx([16, 9])
    assert values[2:] == pytest.approx([0, 0], abs=1e-9)
    assert np.abs(coords) == pytest.approx(np.array([[2, 1.5]] * 4))
    assert coords[0, 0] > 0 and coords[0, 1] > 0  # the first point's signs are fixed
    assert np.linalg.norm(coords[0] - coords[2]) == pytest.approx(5)


def test_mds_of_the_example_keeps_the_distances_of_the_first_axes():
    result = term_clusters(example(), min_items=2, n_clusters=2)
    mds, axes = result["mds.csv"], result["mds_axes.csv"]
    assert mds["term"].tolist() == ["a", "b", "c", "d"] and mds["cluster"].tolist() == [1, 1, 2, 2]
    assert axes["share"].sum() <= 1 and axes["eigenvalue"].is_monotonic_decreasing
    assert mds.loc[0, "dim1"] >= 0
    assert abs(mds.loc[0, "dim1"] - mds.loc[3, "dim1"]) > abs(mds.loc[0, "dim1"] - mds.loc[1, "dim1"])  # a, d far apart


def test_fewer_than_three_terms_give_empty_tables():
    result = term_clusters(example(), min_items=3)
    assert all(frame.empty for frame in result.values())


def test_the_bundled_table_is_clustered_and_drawn(bundled_analysis):
    from kyodo_analysis.plots import plot_dendrogram, plot_mds

    from .conftest import overlapping_tick_labels

    clusters = bundled_analysis["clusters"]
    assert len(clusters) == 3 * 19 and set(clusters["min_items"]) == {3}  # the 19 terms of 3 items or more
    fig = plot_dendrogram(clusters, bundled_analysis["cluster_merges"], bundled_analysis.metadata)
    assert overlapping_tick_labels(fig) == []
    assert len(fig.axes[0].get_yticklabels()) == 19
    # clusters.csv numbers the leaves and clusters from the top of the figure (README): scipy draws the first
    # leaf at the bottom unless the axis is turned
    fig.canvas.draw()
    from_top = [t.get_text().rsplit(" (", 1)[0] for t in sorted(fig.axes[0].get_yticklabels(),
                                                               key=lambda t: -t.get_window_extent().y0)]
    ward = clusters[clusters["method"] == "ward"].sort_values("leaf_order")
    assert from_top == ward["term"].tolist() and ward["cluster"].iloc[0] == 1
    mds = plot_mds(bundled_analysis["mds"], bundled_analysis["mds_axes"], bundled_analysis.metadata)
    footnote = "".join(t.get_text() for t in mds.texts).replace("\n", "")
    shares = bundled_analysis["mds_axes"].set_index("axis")["share"]
    assert f"{shares['dim1'] + shares['dim2']:.0%}" == "32%"
    assert "2 つの次元が表すのは距離の 32% だけなので、図の上の近さは目安です" in footnote  # not 「近い語ほど同じ項目に出ます」


def test_the_reason_no_tree_was_made_is_the_true_one():
    """101 terms in the same 9 items tie above the 50-term cap, so no threshold keeps any without cutting a tie: the
    methods said 「3 項目以上に出る語が 3 語に満たない」 (a hostile tester). Each case now says its own reason."""
    import pandas as pd

    from kyodo_analysis.clusters import none_chosen

    tied = pd.DataFrame([(f"i{k}", f"語{t}") for t in range(60) for k in range(3)], columns=["item_id", "term"])
    assert none_chosen(tied) == ("3 項目以上に出る語は 60 語で 50 語を超え、同じ項目数の語を途中で切らずに"
                                 "最小項目数を上げると 3 語に満たない")
    assert none_chosen(tied[tied["term"].isin(["語0", "語1"])]) == "3 項目以上に出る語が 3 語に満たない"


def test_a_tree_whose_highest_merges_tie_is_cut_into_fewer_clusters_and_says_so():
    """A KH Coder user: 最遠隣法 of the bundled table wrote n_clusters=3 with every term in cluster 1 (its last six
    merges all at height 1), and the methods said the tree was cut into 3. A cut never splits merges of one height
    (choosing among them would go by the terms' order), so fewer clusters are made, and every output says how many."""
    from kyodo_analysis.clusters import cut_words
    from kyodo_analysis.plots.maps import cut_note

    # a {1,2} and b {1,2,3} are 1/3 apart; c {4,5} and d {6,7} share no item with anyone: distance 1
    sets = {"a": [1, 2], "b": [1, 2, 3], "c": [4, 5], "d": [6, 7]}
    frame = pd.DataFrame([(f"i{i}", t) for t, ids in sets.items() for i in ids], columns=["item_id", "term"])
    three = term_clusters(frame, min_items=2, n_clusters=3)["clusters.csv"]
    assert set(three["n_clusters"]) == {3} and set(three["n_clusters_asked"]) == {3}
    assert three.groupby("method")["cluster"].nunique().to_dict() == {"average": 3, "complete": 3, "ward": 3}
    assert cut_words(three) == "樹形図を 3 クラスターに分けた"
    two = term_clusters(frame, min_items=2, n_clusters=2)["clusters.csv"]
    made = two.drop_duplicates("method").set_index("method")["n_clusters"].to_dict()
    assert made == two.groupby("method")["cluster"].nunique().to_dict()  # the column is what the clusters are
    assert made["complete"] == made["average"] == 1 and set(two["n_clusters_asked"]) == {2}
    assert cut_words(two).startswith("樹形図を 2 クラスターに分けようとしたが、同じ高さの結合の途中では切らないため")
    assert f"最遠隣法 {made['complete']}" in cut_words(two)
    assert cut_note(1, 2, 1.0) == "2 クラスターを求めたが、上の結合が同じ高さ (1.000) で並び、その途中では切らないため 1 クラスター (色分けなし)。"
    assert cut_note(2, 2, 0.5) == "破線で切った枝ごとに色分け。"


def test_the_bundled_tables_complete_linkage_says_it_made_fewer_clusters(bundled_analysis):
    from kyodo_analysis.methods import methods_paragraph
    from kyodo_analysis.plots import plot_dendrogram

    clusters = bundled_analysis["clusters"]
    made = clusters.groupby("method")["cluster"].nunique()
    assert (clusters.groupby("method")["n_clusters"].first() == made).all()
    assert made["complete"] < clusters["n_clusters_asked"].iloc[0]  # the last merges of complete linkage tie at 1
    assert "最遠隣法 1" in methods_paragraph(bundled_analysis)
    fig = plot_dendrogram(clusters, bundled_analysis["cluster_merges"], bundled_analysis.metadata, method="complete")
    title = fig.axes[0].get_title()
    assert title == "語の階層的クラスター分析 (最遠隣法, 1 クラスター)"


def test_equal_heights_that_differ_in_the_last_bit_are_one_tie():
    """A hostile tester: five pairs of terms, each pair in the same items and no pair with another, merge at one
    height (√2 for Ward), which scipy computes as 1.414213562373095 and 1.4142135623730951: the tree was cut inside
    the tie, the split decided by rounding (that is, by the terms' order)."""
    pairs = [(f"語{k}a", f"語{k}b") for k in range(5)]
    frame = pd.DataFrame([(f"i{k}-{j}", term) for k, pair in enumerate(pairs) for j in range(3) for term in pair],
                         columns=["item_id", "term"])
    clusters = term_clusters(frame, min_items=3, n_clusters=2)["clusters.csv"]
    assert set(clusters["n_clusters"]) == {1} and set(clusters["cluster"]) == {1}
