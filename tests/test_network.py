"""The co-occurrence network's KH Coder options: every coefficient, the items behind each edge, the
spanning forest, Louvain communities and centralities — against a tiny example worked by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_analysis.network import cooccurrence

# X in i1 i2 i3, Y in i2 i3, Z in i3 i4 (items of two programs of one support type)
TERMS = {"X": ["i1", "i2", "i3"], "Y": ["i2", "i3"], "Z": ["i3", "i4"]}


def tiny() -> tuple[pd.DataFrame, pd.DataFrame]:
    items = pd.DataFrame({"item_id": ["i1", "i2", "i3", "i4"], "source_file": "f", "year": pd.NA,
                          "support_type": "財政的支援", "program_no": [1, 1, 2, 2], "program": ["p", "p", "q", "q"],
                          "aspect": "effect"})
    terms = pd.DataFrame([(i, t) for t, ids in TERMS.items() for i in ids], columns=["item_id", "term"])
    return terms, items


def test_every_coefficient_of_each_edge_is_the_one_worked_by_hand():
    _, edges = cooccurrence(*tiny())
    edges = edges.set_index(["source", "target"])
    xy, xz, yz = edges.loc[("X", "Y")], edges.loc[("X", "Z")], edges.loc[("Y", "Z")]
    # X–Y share i2 i3: Jaccard 2/3, Dice 2·2/(3+2), Simpson 2/min(3,2), cosine 2/√6
    assert (xy.n_both, xy.jaccard, xy.dice, xy.simpson) == (2, pytest.approx(2 / 3, abs=1e-6), 0.8, 1.0)
    assert xy.cosine == pytest.approx(2 / 6 ** 0.5, abs=1e-6) and xy.item_ids == "i2 i3"
    # X–Z share i3: 1/4, 2/5, 1/2, 1/√6; Y–Z share i3: 1/3, 1/2, 1/2, 1/2
    assert (xz.jaccard, xz.dice, xz.simpson) == (0.25, 0.4, 0.5) and xz.cosine == pytest.approx(1 / 6 ** 0.5, abs=1e-6)
    assert (yz.jaccard, yz.dice, yz.simpson, yz.cosine) == (pytest.approx(1 / 3, abs=1e-6), 0.5, 0.5, 0.5)
    # the maximum spanning tree by Jaccard keeps X–Y and Y–Z; X–Z (the weakest) is not in it
    assert (xy.mst, yz.mst, xz.mst) == (True, True, False)
    assert list(edges.columns[:3]) == ["kind", "n_both", "jaccard"]  # the earlier columns first, unchanged


def test_an_edge_only_some_equally_strong_spanning_trees_hold_is_not_marked():
    """A ring of four terms with equal coefficients (1/3 each) has four maximum spanning trees, each leaving out
    another edge: Kruskal's order marked three edges, chosen by spelling; no edge is in every tree."""
    ring = {"A": ["i1", "i2"], "B": ["i2", "i3"], "C": ["i3", "i4"], "D": ["i4", "i1"]}
    terms = pd.DataFrame([(i, t) for t, ids in ring.items() for i in ids], columns=["item_id", "term"])
    _, items = tiny()
    _, edges = cooccurrence(terms, items)
    assert len(edges) == 4 and edges["jaccard"].tolist() == [pytest.approx(1 / 3, abs=1e-6)] * 4
    assert not edges["mst"].any()


def test_nodes_have_louvain_communities_and_centralities():
    nodes, _ = cooccurrence(*tiny())
    nodes = nodes.set_index("node")
    assert list(nodes.columns[:5]) == ["kind", "n_units", "community", "x", "y"]
    assert nodes["community_louvain"].notna().all()
    assert nodes["degree_centrality"].tolist() == [1.0, 1.0, 1.0]  # a triangle: each term linked to both others
    # betweenness on distances 1 − J (X–Y 1/3, Y–Z 2/3, X–Z 3/4): X to Z directly (0.75) is shorter than
    # through Y (1.0), so no shortest path passes through a third term
    assert nodes["betweenness"].tolist() == [0.0, 0.0, 0.0]


def test_the_group_links_carry_the_same_coefficients():
    terms, items = tiny()
    _, edges = cooccurrence(terms, items, link_to="support_type")
    link = edges[(edges["kind"] == "support_type") & (edges["target"] == "X")].iloc[0]
    # the group's items are i1–i4; X is in three of them: Jaccard 3/4, Dice 6/7, Simpson 1, cosine 3/√12
    assert (link.n_both, link.jaccard, link.simpson) == (3, 0.75, 1.0)
    assert link.dice == pytest.approx(6 / 7, abs=1e-6) and link.cosine == pytest.approx(3 / 12 ** 0.5, abs=1e-6)
    assert link.item_ids == "i1 i2 i3" and not link.mst


def test_the_network_figure_can_shade_centrality(bundled_analysis):
    from kyodo_analysis.plots import plot_network

    a = bundled_analysis
    fig = plot_network(a["cooccurrence_nodes"], a["cooccurrence_edges"], a["items"], a.metadata, shade="centrality")
    assert any("媒介中心性" in t.get_text() for t in fig.texts)
    # 場の提供 is linked to 4 terms: a tie of more than 10 at the 5th place draws no line, and the footnote says so
    links = a["cooccurrence_edges"][a["cooccurrence_edges"]["kind"] == "support_type"]["source"].value_counts()
    assert links["場の提供"] == 4
    assert any("上位5語 (5位の同数は10語まで含め、それを超える同数は線を引かない)" in t.get_text().replace("\n", "")
               for t in fig.texts)
    # in every maximum spanning tree: 20 of the 68 edges (39 were marked, 19 of them one pick among equal edges);
    # betweenness with distances 1 / Jaccard summed as fractions (tied paths counted as tied): 地域 0.025532
    assert a["cooccurrence_edges"]["mst"].sum() == 20
    assert a["cooccurrence_nodes"].set_index("node").loc["地域", "betweenness"] == pytest.approx(0.025532, abs=5e-7)

    # how many drawn links rest on one item alone, so that a reader weighs them as single sentences
    terms = a["cooccurrence_edges"][a["cooccurrence_edges"]["kind"] == "term"]
    single = int((terms["n_both"] == 1).sum())
    assert single == 38 and len(terms) == 68
    # … and on one program's items: the program is the unit (a KH Coder user counted 55 of the 68 by hand)
    program = dict(zip(a["items"]["item_id"], a["items"]["source_file"] + "#" + a["items"]["program_no"].astype(str), strict=True))
    one_program = sum(len({program[i] for i in ids.split()}) == 1 for ids in terms["item_ids"])
    assert one_program == 55
    assert any(f"68 本すべて (上位60本目と同じ値の辺も含む; 2項目以上に出る抽出語、複合語は1語)。うち {single} 本は 1 項目だけ、"
               f"{one_program} 本は 1 事業の項目だけで一緒に出る語の組。" in t.get_text().replace("\n", "") for t in fig.texts)
    # fewer than 60 pairs: all are drawn, and no 60th edge is spoken of (a made-up town's network had 5)
    few = terms.head(5)
    fig = plot_network(a["cooccurrence_nodes"], few, a["items"], a.metadata)
    text = "".join(t.get_text().replace("\n", "") for t in fig.texts)
    assert f"Jaccard 係数 {few['jaccard'].min():.3f} 以上の 5 本すべて (60本に満たない; 2項目以上に出る抽出語、複合語は1語)" in text
    assert "60本目" not in text


def test_edges_are_compared_between_the_last_two_years():
    from kyodo_analysis.network import network_changes

    terms, items = tiny()
    later = items.assign(item_id=items["item_id"] + "b", year=2025)
    # the later year: X in i1b i2b, Y in i2b, Z in i2b i3b i4b — X–Y 1/2 (was 2/3), X–Z 1/4 (was 1/4), Y–Z 1/3 (was 1/3)
    later_terms = pd.DataFrame([("i1b", "X"), ("i2b", "X"), ("i2b", "Y"), ("i2b", "Z"), ("i3b", "Z"), ("i4b", "Z"),
                                ("i3b", "W"), ("i4b", "W")], columns=["item_id", "term"])
    both = network_changes(pd.concat([terms, later_terms], ignore_index=True),
                           pd.concat([items.assign(year=2024), later], ignore_index=True), min_units=1)
    found = {(r.source, r.target): r.change for r in both.itertuples(index=False)}
    # (min_units=1 keeps Y, in one item in 2025) W–Z (2/3) is new, X–Y weaker, the others the same
    assert found == {("X", "Y"): "weaker", ("X", "Z"): "same", ("Y", "Z"): "same", ("W", "Z"): "new"}
    assert set(both["prev_year"]) == {2024} and set(both["year"]) == {2025}
    assert network_changes(terms, items.assign(year=2024)).empty


def test_an_edge_below_one_years_cut_is_not_called_new_while_its_items_still_share_it():
    """Each year's network is cut at its own strongest edges (top_n = 1 here): C–D is drawn only the later
    year, but two items had C and one of them D the year before (1/2): it grew stronger, it did not appear.
    A–B shares no item the later year: gone."""
    from kyodo_analysis.network import network_changes

    rows = [("p1", "A"), ("p1", "B"), ("p2", "A"), ("p2", "B"), ("p3", "C"), ("p3", "D"), ("p4", "C"), ("q1", "C"), ("q1", "D")]
    terms = pd.DataFrame(rows, columns=["item_id", "term"])
    items = pd.DataFrame({"item_id": ["p1", "p2", "p3", "p4", "q1"], "year": [2024] * 4 + [2025],
                          "support_type": "甲", "source_file": "f", "program_no": 1, "program": "p", "aspect": "effect"})
    both = network_changes(terms, items, top_n=1, min_units=1)
    assert [(r.source, r.target, r.jaccard_prev, r.jaccard, r.change) for r in both.itertuples(index=False)] == [
        ("A", "B", 1.0, 0.0, "gone"), ("C", "D", 0.5, 1.0, "stronger")]


def test_the_network_change_figure_says_a_program_added_or_removed_changes_its_coefficients(bundled_analysis):
    """Every kept program's text was the same, yet 33 edges 「強まった」: a program was removed, and a coefficient is
    counted over all of a year's items (a newcomer). The footnote says so, as the year figures of terms and codes do."""
    from kyodo_analysis.plots import plot_network_changes

    terms, items = bundled_analysis["terms"], bundled_analysis["items"]
    kept = items[items["program_no"] != 2]  # the next year without one program, every other item the same
    later = kept.assign(item_id=kept["item_id"] + "b", year=2025)
    later_terms = terms[terms["item_id"].isin(kept["item_id"])].assign(item_id=lambda t: t["item_id"] + "b")
    fig = plot_network_changes(pd.concat([terms, later_terms], ignore_index=True),
                               pd.concat([items.assign(year=2024), later], ignore_index=True), bundled_analysis.metadata)
    note = "".join(t.get_text() for t in fig.texts).replace("\n", "")
    assert "共起ネットワークの変化" in "".join(ax.get_title() for ax in fig.axes)
    assert "事業の追加・廃止だけでも変わります" in note


def spanning_edges_reference(term_graph, units: dict) -> set[tuple[str, str]]:
    """The definition: an edge of coefficient w is in every maximum spanning forest exactly when the other edges of
    coefficient ≥ w do not join its ends (checked edge by edge; quadratic, so 100 terms tied at 1 took 19 s)."""
    import networkx as nx

    from kyodo_analysis.network import exact_jaccard

    weight = {(u, v): exact_jaccard(units[u], units[v]) for u, v in term_graph.edges()}
    every = set()
    for (u, v), w in weight.items():
        others = nx.Graph([edge for edge, other in weight.items() if other >= w and edge != (u, v)])
        if not (u in others and v in others and nx.has_path(others, u, v)):
            every.add((u, v))
    return every


@settings(max_examples=300, deadline=None)
@given(st.lists(st.frozensets(st.integers(0, 5), min_size=1, max_size=4), min_size=2, max_size=8))
def test_the_spanning_edges_equal_their_definition(sets):
    """Few items and few terms, so that coefficients tie often (the case the definition is about)."""
    import networkx as nx

    from kyodo_analysis.network import exact_jaccard, spanning_edges

    units = {f"t{k}": set(s) for k, s in enumerate(sets)}
    graph = nx.Graph([(a, b) for a in units for b in units if a < b and exact_jaccard(units[a], units[b]) > 0])
    graph.add_nodes_from(units)
    assert spanning_edges(graph, units) == spanning_edges_reference(graph, units)


def test_terms_of_the_same_items_get_the_same_betweenness_within_its_bounds():
    """With 1 − Jaccard as the distance, terms found in exactly the same items were 0 apart and Brandes' counts ran
    past 1 (1.296, 0.565 and 0.111 for three such terms; 8·10^27 on a table of tied terms, in a minute): with
    1 / Jaccard they are 1 apart, equal, and every value is a share."""
    units = {"予算": ["i1", "i2"], "会議": ["i1", "i2"], "広報": ["i1", "i2"], "地域": ["i2", "i3"], "参加": ["i3", "i4"]}
    terms = pd.DataFrame([(i, t) for t, ids in units.items() for i in ids], columns=["item_id", "term"])
    _, items = tiny()
    nodes, _ = cooccurrence(terms, items)
    between = nodes.set_index("node")["betweenness"]
    assert between["予算"] == between["会議"] == between["広報"] and between.between(0, 1).all()
    assert between["地域"] > 0  # the one term between the three and 参加


def test_a_network_without_group_links_says_nothing_of_them(bundled_analysis):
    """The title's 「色付きの札」 and the footnote's 破線 are said only where group tags and their lines are drawn."""
    from kyodo_analysis.plots import plot_network

    edges = bundled_analysis["cooccurrence_edges"]
    nodes = bundled_analysis["cooccurrence_nodes"]
    for kept, drawn in ((edges, True), (edges[edges["kind"] == "term"], False)):
        fig = plot_network(nodes[nodes["kind"] == "term"] if not drawn else nodes, kept, bundled_analysis["items"],
                           bundled_analysis.metadata)
        footnote = "".join(t.get_text() for t in fig.texts).replace("\n", "")
        assert ("色付きの札は区分" in fig.axes[0].get_title()) == drawn and ("破線は区分と" in footnote) == drawn
