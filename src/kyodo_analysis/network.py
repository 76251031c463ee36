"""The co-occurrence network of terms (KH Coder's): Jaccard edges over units, every coefficient beside it,
communities, the maximum spanning forest, a fixed layout, and the network's change between years.

Takes tidy frames (``terms`` joined to ``items`` by ``item_id``) and returns tidy frames, as :mod:`stats`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from fractions import Fraction
from itertools import groupby
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .dtypes import TEXT
from .stats import UNIT_COLUMNS, sets_of, term_items, top_with_ties

# networkx and scipy.sparse (0.18 s together) are imported in the functions that compute a network: the
# notebooks' kernels import this module for its constants and read the network from the processed tables.
if TYPE_CHECKING:
    import networkx as nx

NETWORK_TOP = 60  # edges kept, KH Coder's default: every edge at or above the 60th strongest
LINK_TOP = 5  # terms each group is linked to (a tie at the cut kept up to twice this, else cut above it)


def cooccurrence(term_frame: pd.DataFrame, items: pd.DataFrame, unit: str = "item", top_n: int = NETWORK_TOP,
                 min_units: int = 2, link_to: str | None = None, link_top: int = LINK_TOP,
                 seed: int = 2018) -> tuple[pd.DataFrame, pd.DataFrame]:
    """KH Coder's co-occurrence network: Jaccard between terms over units (items or programs).

    Returns ``(nodes, edges)``. Terms used in at least ``min_units`` units are candidates. As in KH
    Coder, the cut is the Jaccard coefficient of the ``top_n``-th strongest edge, and every edge at or
    above it is kept (ties are never broken by spelling). ``link_to="support_type"`` adds one node per
    support type linked to its ``link_top`` terms by Jaccard (a tie at the cut is kept whole, up to twice
    ``link_top``; otherwise cut above it). Communities (greedy modularity) and a layout with a fixed seed
    make the same input draw the same picture.
    """
    unit_column = UNIT_COLUMNS[unit]
    joined = term_items(term_frame, items, link_to or "support_type")
    incidence = joined[[unit_column, "term"]].drop_duplicates().rename(columns={unit_column: "unit"})
    incidence = incidence[incidence["term"].map(incidence["term"].value_counts()) >= min_units]
    edge_frame = jaccard_pairs(incidence).assign(kind="term")[["source", "target", "kind", "n_both", "jaccard"]]
    edge_frame = edge_frame.sort_values(["jaccard", "n_both", "source", "target"], ascending=[False, False, True, True],
                                        kind="stable")
    if len(edge_frame) > top_n:
        edge_frame = edge_frame[edge_frame["jaccard"] >= edge_frame["jaccard"].iloc[top_n - 1] - 1e-12]
    in_network = sorted(set(edge_frame["source"]) | set(edge_frame["target"]))
    sets = sets_of(incidence[incidence["term"].isin(in_network)], "term", "unit")
    if link_to is not None:
        group_sets = sets_of(joined, link_to, unit_column)
        edge_frame = pd.concat([edge_frame, *(_links(group, members, sets, in_network, link_to, link_top)
                                              for group, members in group_sets.items())], ignore_index=True)
    groups = sorted(set(edge_frame.loc[edge_frame["kind"] == link_to, "source"])) if link_to is not None else []
    graph = new_graph([*in_network, *groups], ((source, target, {"weight": jaccard}) for source, target, jaccard
                                              in edge_frame[["source", "target", "jaccard"]].itertuples(index=False)))
    community_of = communities(induced_subgraph(graph, in_network))
    layout = packed_layout(graph, seed)
    nodes = pd.DataFrame({"node": list(graph.nodes)})
    nodes["kind"] = ["term" if n in sets.index and n in in_network else link_to for n in nodes["node"]]
    nodes["n_units"] = [len(sets[n]) if k == "term" else pd.NA for n, k in zip(nodes["node"], nodes["kind"], strict=True)]
    nodes["community"] = [community_of.get(n, pd.NA) for n in nodes["node"]]
    nodes["x"] = [round(float(layout[n][0]), 6) for n in nodes["node"]]
    nodes["y"] = [round(float(layout[n][1]), 6) for n in nodes["node"]]
    for column in ("n_units", "community"):
        nodes[column] = nodes[column].astype("Int64")
    units = {**sets.to_dict(), **(group_sets.to_dict() if link_to is not None else {})}
    nodes = node_measures(nodes, induced_subgraph(graph, in_network), units, seed)
    edge_frame = edge_measures(edge_frame, units, spanning_edges(induced_subgraph(graph, in_network), units))
    return nodes.sort_values(["kind", "node"], kind="stable").reset_index(drop=True), edge_frame.reset_index(drop=True)


EDGE_MEASURES = ["dice", "simpson", "cosine", "mst", "item_ids"]
NODE_MEASURES = ["community_louvain", "degree_centrality", "betweenness"]


def edge_measures(edges: pd.DataFrame, units: dict, spanning: set[tuple[str, str]]) -> pd.DataFrame:
    """The edge table with every coefficient of KH Coder beside Jaccard — Dice 2|A∩B|/(|A|+|B|), Simpson
    |A∩B|/min(|A|,|B|), cosine |A∩B|/√(|A|·|B|) — whether the edge is in the maximum spanning forest of
    the terms by Jaccard (``mst``: in every one, :func:`spanning_edges`), and the units it rests on (space-separated)."""
    rows = []
    for source, target in zip(edges["source"].tolist(), edges["target"].tolist(), strict=True):
        a, b = units[source], units[target]
        both = len(a & b)
        rows.append((round(2 * both / (len(a) + len(b)), 6), round(both / min(len(a), len(b)), 6),
                     round(both / math.sqrt(len(a) * len(b)), 6), (source, target) in spanning or (target, source) in spanning,
                     " ".join(sorted(map(str, a & b)))))
    extra = pd.DataFrame(rows, columns=EDGE_MEASURES, index=edges.index)
    edges = edges.assign(jaccard=edges["jaccard"].round(6), n_both=edges["n_both"].astype("Int64"))
    return pd.concat([edges, extra.astype({"dice": float, "simpson": float, "cosine": float, "mst": bool,
                                           "item_ids": TEXT})], axis=1)


def exact_jaccard(a: set, b: set) -> Fraction:
    """|A∩B| / |A∪B| as a fraction: equal coefficients compare equal (2/3 and 4/6), which floats need not."""
    return Fraction(len(a & b), len(a | b))


def spanning_edges(term_graph, units: dict) -> set[tuple[str, str]]:
    """The edges in *every* maximum spanning forest of the term graph by Jaccard (coefficients as fractions). An
    edge of coefficient w is in every one exactly when the other edges of coefficient ≥ w do not join its ends;
    an edge only some equally strong forests hold is left out rather than chosen by the edges' order (two of
    不特定多数–地域 and 地域–限定的, both 2/3). Read strongest first, one coefficient at a time: with the stronger
    edges' components merged, an edge of this coefficient is in every forest when it joins two components and is
    the only such edge between them and a bridge among them (the definition is held equal in the tests)."""
    import networkx as nx  # late: see the module's top

    weight = {(u, v): exact_jaccard(units[u], units[v]) for u, v in term_graph.edges()}
    parent = {node: node for node in term_graph.nodes()}

    def root(node):
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    every: set[tuple[str, str]] = set()
    for _, group in groupby(sorted(weight, key=weight.__getitem__, reverse=True), key=weight.__getitem__):
        ends = {edge: frozenset((root(edge[0]), root(edge[1]))) for edge in group}
        between = Counter(pair for pair in ends.values() if len(pair) == 2)
        bridges = {frozenset(b) for b in nx.bridges(nx.Graph(tuple(pair) for pair in between))}
        every |= {edge for edge, pair in ends.items() if between[pair] == 1 and pair in bridges}
        for pair in between:
            a, b = pair
            parent[root(a)] = root(b)
    return every


def node_measures(nodes: pd.DataFrame, term_graph, units: dict, seed: int) -> pd.DataFrame:
    """Louvain communities (modularity, fixed seed; numbered largest first), degree centrality and
    betweenness (with 1 / Jaccard as the distance, in exact fractions so that paths of equal length are counted
    as tied; 1 − Jaccard made terms of the same items 0 apart, and Brandes' count of shortest paths then runs past
    1, into the 10^27 on a table of tied terms) of each term; empty for the group nodes."""
    import networkx as nx  # late: see the module's top
    from networkx.algorithms.community import louvain_communities

    louvain: dict[str, int] = {}
    degree: dict[str, float] = {}
    between: dict[str, float] = {}
    if term_graph.number_of_edges():
        found = louvain_communities(term_graph, weight="weight", seed=seed)
        louvain = {t: k for k, members in enumerate(sorted(found, key=lambda c: (-len(c), min(c))), start=1) for t in members}
        degree = nx.degree_centrality(term_graph)
        distance = {(u, v): 1 / exact_jaccard(units[u], units[v]) for u, v in term_graph.edges()}  # exact: ties count
        nx.set_edge_attributes(term_graph, distance, "distance")
        between = nx.betweenness_centrality(term_graph, weight="distance", normalized=True)
    return nodes.assign(community_louvain=pd.array([louvain.get(n, pd.NA) for n in nodes["node"]], dtype="Int64"),
                        degree_centrality=[round(degree[n], 6) if n in degree else np.nan for n in nodes["node"]],
                        betweenness=[round(between[n], 6) if n in between else np.nan for n in nodes["node"]])


PAIR_COLUMNS = ["source", "target", "n_both", "jaccard"]


def jaccard_pairs_reference(incidence: pd.DataFrame) -> pd.DataFrame:
    """The definition, for reading and for testing :func:`jaccard_pairs`: for every two terms A < B of
    ``incidence`` (one row per unit × term) that share a unit, n_both = |A ∩ B| and Jaccard
    = |A ∩ B| / |A ∪ B|, where A and B are the sets of units each term is used in."""
    sets = incidence.groupby("term")["unit"].agg(lambda s: frozenset(s)).sort_index()
    names = list(sets.index)
    pairs = [(a, b, len(sets[a] & sets[b]), pair_jaccard(sets, a, b))
             for k, a in enumerate(names) for b in names[k + 1:] if sets[a] & sets[b]]
    return pd.DataFrame(pairs, columns=PAIR_COLUMNS)


def jaccard_pairs(incidence: pd.DataFrame) -> pd.DataFrame:
    """The same table as :func:`jaccard_pairs_reference`, from the unit × term incidence matrix X:
    |A ∩ B| is the entry (A, B) of XᵀX and |A ∪ B| = |A| + |B| − |A ∩ B|. The pairwise loop grows with
    the square of the vocabulary in Python; this with the number of shared units, in compiled code."""
    from scipy import sparse  # late: see the module's top

    terms = np.array(sorted(incidence["term"].unique()), dtype=object)
    if len(terms) < 2:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    unit = pd.Categorical(incidence["unit"]).codes
    term = pd.Categorical(incidence["term"], categories=terms).codes
    x = sparse.csr_matrix((np.ones(len(incidence), dtype=np.int64), (unit, term)), shape=(unit.max() + 1, len(terms)))
    both = sparse.triu(x.T @ x, k=1).tocoo()
    size = np.asarray(x.sum(axis=0)).ravel()
    order = np.lexsort((both.col, both.row))  # by source, then target, as the reference lists them
    row, col, shared = both.row[order], both.col[order], both.data[order]
    return pd.DataFrame({"source": terms[row], "target": terms[col], "n_both": shared,
                         "jaccard": shared / (size[row] + size[col] - shared)})


def _links(group: str, members: frozenset, sets: pd.Series, terms: list[str], kind: str, top: int) -> pd.DataFrame:
    """Edges from a group (a support type) to its ``top`` terms by Jaccard, a tie at the cut kept up to 2 × top."""
    shared = {t: len(sets[t] & members) for t in terms}  # |A ∩ B|; |A ∪ B| = |A| + |B| − |A ∩ B|
    scored = pd.DataFrame([(group, t, kind, n, n / (len(sets[t]) + len(members) - n)) for t, n in shared.items() if n],
                          columns=["source", "target", "kind", "n_both", "jaccard"])
    scored = scored.sort_values(["jaccard", "target"], ascending=[False, True], kind="stable")
    return top_with_ties(scored, top, ["jaccard"], most=2 * top)[0]


def communities(term_graph) -> dict[str, int]:
    """Greedy-modularity communities of the term graph, numbered largest first (ties by their first term)."""
    from networkx.algorithms.community import greedy_modularity_communities  # late: see the module's top

    if not term_graph.number_of_edges():
        return {}
    found = greedy_modularity_communities(term_graph, weight="weight")
    return {term: number for number, members in enumerate(sorted(found, key=lambda c: (-len(c), min(c))), start=1)
            for term in members}


def induced_subgraph(graph, nodes: list[str]):
    """A copy of the subgraph on ``nodes`` whose node and edge order follow ``nodes``.

    networkx's ``subgraph`` view may iterate over a set of nodes, whose order changes with Python's
    hash seed from one process to the next; layouts and communities would then differ between runs.
    """
    wanted = set(nodes)
    return new_graph(nodes, ((u, v, d) for u, v, d in graph.edges(nodes, data=True) if v in wanted))


def new_graph(nodes: Iterable[str], edges: Iterable[tuple]) -> nx.Graph:
    """A networkx graph of ``nodes`` (in this order) and ``edges``, each (u, v) or (u, v, attributes)."""
    import networkx as nx  # late: see the module's top

    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    return graph


def packed_layout(graph, seed: int = 2018) -> dict[str, tuple[float, float]]:
    """A readable, deterministic layout: each connected component laid out on its own (Kamada–Kawai,
    started from a seeded spring layout), the largest on the left, the small ones stacked on the right."""
    import networkx as nx  # late: see the module's top

    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    layout: dict[str, tuple[float, float]] = {}
    column_y = 1.0
    for index, members in enumerate(components):
        sub = induced_subgraph(graph, members)
        if len(members) == 1:
            local = {members[0]: np.zeros(2)}
        else:
            start = nx.spring_layout(sub, seed=seed)
            local = nx.kamada_kawai_layout(sub, pos=start, weight=None)
        coords = np.array([local[m] for m in members], dtype=float)
        span = coords.max(axis=0) - coords.min(axis=0)
        span[span == 0] = 1.0
        unit = (coords - coords.min(axis=0)) / span
        if index == 0:
            placed = unit * np.array([1.0, 1.0])
        else:
            height = 0.08 + 0.04 * math.sqrt(len(members))
            placed = np.column_stack([1.12 + unit[:, 0] * 0.22, column_y - height + unit[:, 1] * height])
            column_y -= height + 0.08
        for member, (x, y) in zip(members, placed, strict=True):
            layout[member] = (float(x), float(y))
    return layout


# ---------------------------------------------------------------- the network across years

CHANGE_COLUMNS = ["source", "target", "prev_year", "year", "jaccard_prev", "jaccard", "change"]


def network_changes(term_frame: pd.DataFrame, items: pd.DataFrame, top_n: int = NETWORK_TOP, min_units: int = 2) -> pd.DataFrame:
    """The term edges drawn in either of the last two years' co-occurrence networks (each cut as
    :func:`cooccurrence` cuts it), with the pair's Jaccard in each year counted over all that year's items
    (:func:`pair_jaccard`; 0 where no item has both). ``change`` is ``new`` (no item had the pair the year
    before), ``gone`` (none has it the last year), else ``stronger`` / ``weaker`` / ``same``: an edge drawn
    in one year only, because the other year's cut or its terms' counts left it out, is not called new or
    gone while its items still share the pair. Empty with fewer than two years. Call it with one city's
    items: years are compared within a city."""
    years = sorted(int(y) for y in items["year"].dropna().unique())
    if len(years) < 2:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    prev, last = years[-2:]
    drawn: set[tuple[str, str]] = set()
    units = {}
    for year in (prev, last):
        part = items[items["year"] == year]
        terms = term_frame[term_frame["item_id"].isin(part["item_id"])]
        _, edges = cooccurrence(terms, part, top_n=top_n, min_units=min_units)
        drawn |= set(edges.loc[edges["kind"] == "term", ["source", "target"]].itertuples(index=False, name=None))
        units[year] = sets_of(terms[["item_id", "term"]].drop_duplicates(), "term", "item_id")
    pairs = sorted(drawn)
    both = pd.DataFrame(pairs, columns=["source", "target"]).assign(
        jaccard_prev=[pair_jaccard(units[prev], *pair) for pair in pairs],
        jaccard=[pair_jaccard(units[last], *pair) for pair in pairs])
    before, after = both["jaccard_prev"], both["jaccard"]
    both["change"] = np.select([before == 0, after == 0, after > before + 1e-9, after < before - 1e-9],
                               ["new", "gone", "stronger", "weaker"], "same")
    return both.assign(prev_year=prev, year=last)[CHANGE_COLUMNS].reset_index(drop=True)


def pair_jaccard(units: pd.Series, a: str, b: str) -> float:
    """|A ∩ B| / |A ∪ B| of the units (items) two terms are used in (``units``: each term's set), 0 where they
    share none or neither is used."""
    first, second = units.get(a, frozenset()), units.get(b, frozenset())
    union = len(first | second)
    return len(first & second) / union if union else 0.0
