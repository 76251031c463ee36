"""Statistics over terms: counts, distinctive terms (weighted log-odds), co-occurrence, correspondence analysis.

Every function takes tidy frames (``terms`` joined to ``items`` by ``item_id``) and returns a tidy frame.
With 8 programs and 36 items, document frequency (items, programs) is shown beside every count.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .schema import Comparison

# scipy and networkx are imported in the functions that use them: together about a second to load, which
# the command line's validate, kwic and manifest never need.

UNIT_COLUMNS = {"item": "item_id", "program": "program_key"}


def program_keys(items: pd.DataFrame) -> pd.Series:
    """One key per program across files: ``file#NO``."""
    return items["source_file"].astype(str) + "#" + items["program_no"].astype(str)


def clopper_pearson(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper–Pearson) intervals of k successes in n, elementwise: the quantiles of Beta(k, n − k + 1)
    and Beta(k + 1, n − k), 0 when k = 0 and 1 when k = n — what ``scipy.stats.binomtest(k, n)
    .proportion_ci(method="exact")`` gives (2 of 2: 0.158–1; 0 of 3: 0–0.708). NaN where n = 0."""
    from scipy.stats import beta

    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    tail = (1 - level) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(k > 0, beta.ppf(tail, k, n - k + 1), 0.0)
        high = np.where(k < n, beta.ppf(1 - tail, k + 1, n - k), 1.0)
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def group_order(items: pd.DataFrame, by: str = "support_type") -> list[str]:
    """The groups of ``by`` in the order the tables list them (first appearance): the one ordering of
    groups for every table, figure and sheet."""
    return list(items[by].dropna().unique())


def aspect_counts(programs: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """Per group: programs with items, items per aspect (NA where none of the group's tables has that
    column, so that "no such column" is never shown as 0) and items in all."""
    by = comparison.by
    columns = [f"n_{a}" for a in comparison.aspect_keys]
    table = programs.groupby(by, sort=False)[[*columns, "n_items"]].sum(min_count=1)
    table.insert(0, "programs", programs[programs["n_items"] > 0].groupby(by, sort=False).size())
    table = table.reindex(group_order(programs, by))
    table["programs"] = table["programs"].fillna(0).astype(int)
    return table.astype({c: "Int64" for c in [*columns, "n_items"]})


def term_items(term_frame: pd.DataFrame, items: pd.DataFrame, by: str = "support_type") -> pd.DataFrame:
    """Terms with the item's year, group (``by``), program and aspect attached (one row per occurrence)."""
    columns = list(dict.fromkeys(["item_id", "source_file", "year", by, "program_no", "program", "aspect"]))
    meta = items[columns].copy()
    meta["program_key"] = program_keys(items)
    return term_frame.merge(meta, on="item_id", how="inner", validate="many_to_one")


def sort_for_reading(frame: pd.DataFrame, items: pd.DataFrame, columns: list[str],
                     aspects: tuple[str, ...] | list[str] = ()) -> pd.DataFrame:
    """Sort by the given columns in the order a reader expects: groups as the table lists them, aspects in
    the schema's order (``aspects``; by default as the items list them), other columns by value."""
    aspects = aspects or group_order(items, "aspect")
    frame = frame.copy()
    keys = []
    for column in columns:
        if column == "aspect":
            frame["__aspect"] = frame["aspect"].map({a: i for i, a in enumerate(aspects)})
            keys.append("__aspect")
        elif column in items.columns and not pd.api.types.is_numeric_dtype(items[column]):
            frame[f"__{column}"] = frame[column].map({g: i for i, g in enumerate(group_order(items, column))})
            keys.append(f"__{column}")
        else:
            keys.append(column)
    frame = frame.sort_values(keys, kind="stable", na_position="first")
    return frame.drop(columns=[k for k in keys if k.startswith("__")]).reset_index(drop=True)


RANK_KEY = ["n_programs", "n_items", "n"]  # how terms are ranked: programs, then items, then occurrences
COUNT_COLUMNS = ["n", "n_items", "n_programs"]
ALL_GROUPS = "全体"
ALL_ASPECTS = "all"


def counts(frame: pd.DataFrame, items: pd.DataFrame, by: list[str] | tuple[str, ...] = (),
           column: str = "term", aspects: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per group × term (or any ``column``): occurrences ``n``, items ``n_items`` and programs ``n_programs``.

    Rows are listed by group, then by the ranking key (programs, items, occurrences; descending),
    then by the term's text for a stable listing order."""
    by = list(by)
    meta = items[["item_id", *by]].assign(program_key=program_keys(items))
    joined = frame[["item_id", column]].merge(meta, on="item_id", how="inner", validate="many_to_one")
    out = (joined.groupby([*by, column], dropna=False, sort=False)
           .agg(n=("item_id", "size"), n_items=("item_id", "nunique"), n_programs=("program_key", "nunique"))
           .reset_index())
    out[column] = out[column].astype("string")
    for name in RANK_KEY:
        out[f"_neg_{name}"] = -out[name]
    out = sort_for_reading(out, items, [*by, *(f"_neg_{name}" for name in RANK_KEY), column], aspects)
    out = out.drop(columns=[f"_neg_{name}" for name in RANK_KEY])
    return out[[*by, column, *COUNT_COLUMNS]].astype({name: "Int64" for name in COUNT_COLUMNS})


def counts_by_level(frame: pd.DataFrame, items: pd.DataFrame, column: str = "term", *,
                    comparison: Comparison) -> pd.DataFrame:
    """Counts per year at three levels: everything pooled (``全体`` / ``all``), each group (``by``) with
    its aspects pooled (``all``), and each group × aspect."""
    by, aspects = comparison.by, comparison.aspect_keys
    levels = [([], ALL_GROUPS, ALL_ASPECTS), ([by], None, ALL_ASPECTS), ([by, "aspect"], None, None)]
    parts = []
    for level, (keys, group_fill, aspect_fill) in enumerate(levels):
        table = counts(frame, items, by=["year", *keys], column=column, aspects=aspects)
        if group_fill is not None:
            table[by] = group_fill
        if aspect_fill is not None:
            table["aspect"] = aspect_fill
        parts.append(table[["year", by, "aspect", column, *COUNT_COLUMNS]].assign(_level=level))
    out = pd.concat(parts, ignore_index=True)
    for name in RANK_KEY:
        out[f"_neg_{name}"] = -out[name]
    out = sort_for_reading(out, items, ["year", "_level", by, "aspect", *(f"_neg_{name}" for name in RANK_KEY), column],
                           aspects)
    return out.drop(columns=["_level", *(f"_neg_{name}" for name in RANK_KEY)])


def top_with_ties(frame: pd.DataFrame, n: int, key: list[str], most: int | None = None) -> tuple[pd.DataFrame, int]:
    """The first ``n`` rows of ``frame`` (already sorted by ``key``, best first), never cut inside a tie.

    When the ``n``-th row ties with the next ones, the whole tie is kept if that makes at most ``most``
    rows (default ``n``); otherwise the list is cut above the tie. Returns the rows kept and how many
    rows tied with the last place were left out (0 when the cut falls between different values)."""
    most = n if most is None else most
    if len(frame) <= n:
        return frame, 0
    values = [tuple(row) for row in frame[key].itertuples(index=False, name=None)]
    boundary = values[n - 1]
    first = values.index(boundary)  # where the tie at the n-th place begins
    last = len(values) - values[::-1].index(boundary)  # one past where it ends
    if last <= most:
        return frame.iloc[:last], 0
    return frame.iloc[:first], last - first


def largest(frame: pd.DataFrame, column: str, absolute: bool = False) -> str:
    """「補助金 z=1.76」 for the row with the largest value of ``column`` — or, when several rows share it,
    「z=0.69 の 10 語」: a tie is never settled by spelling."""
    if frame.empty:
        return "なし"
    values = frame[column].abs() if absolute else frame[column]
    best = values.round(6).max()
    tied = frame[values.round(6) == best]
    label = "|z|" if absolute else "z"
    if len(tied) == 1:
        return f"{tied['term'].iloc[0]} {label}={best:.2f}"
    return f"{label}={best:.2f} の {len(tied)} 語"


def keywords(term_frame: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """``keywords.csv``: per year × group × aspect × term, occurrences, items and programs."""
    return counts(term_frame, items, by=["year", comparison.by, "aspect"], aspects=comparison.aspect_keys)


def word_counts(mention_frame: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """``word_counts.csv``: per year × group × aspect × word, the items and programs that mention
    the word at all — alone or inside a compound (団体 in 申請団体) — at the three levels of
    :func:`counts_by_level`."""
    return counts_by_level(mention_frame, items, column="word", comparison=comparison)


# ---------------------------------------------------------------- distinctive terms

def weighted_log_odds(group_counts: pd.DataFrame, group: str = "group") -> pd.DataFrame:
    """Monroe, Colaresi & Quinn (2008) one-vs-rest weighted log-odds with an informative Dirichlet prior.

    ``group_counts`` has columns ``group, term, n``. For group i against all other groups j (eq. 16/20),
    with the prior α_w = the term's count in the whole table and α₀ = Σ α_w:
    δ = log((y_i+α)/(n_i+α₀−y_i−α)) − log((y_j+α)/(n_j+α₀−y_j−α)), σ² ≈ 1/(y_i+α) + 1/(y_j+α), z = δ/σ.
    This is not tidylo's ``bind_log_odds``, which compares each group with the pooled total.
    """
    wide = group_counts.pivot_table(index="term", columns=group, values="n", aggfunc="sum", fill_value=0)
    alpha = wide.sum(axis=1)
    alpha0 = float(alpha.sum())
    rows = []
    for name in wide.columns:
        y_i = wide[name]
        y_j = alpha - y_i
        n_i, n_j = float(y_i.sum()), float(y_j.sum())
        delta = (np.log((y_i + alpha) / (n_i + alpha0 - y_i - alpha))
                 - np.log((y_j + alpha) / (n_j + alpha0 - y_j - alpha)))
        sigma = np.sqrt(1.0 / (y_i + alpha) + 1.0 / (y_j + alpha))
        rows.append(pd.DataFrame({group: name, "term": wide.index, "n_group": y_i.values, "n_rest": y_j.values,
                                  "log_odds": delta.values, "z": (delta / sigma).values}))
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=[group, "term", "n_group", "n_rest", "log_odds", "z"])
    return out[out["n_group"] + out["n_rest"] > 0].reset_index(drop=True)


DISTINCTIVE_COLUMNS = ["term", "n_group", "n_rest", "programs_group", "programs_rest", "log_odds", "z"]


def distinctive_terms(term_frame: pd.DataFrame, items: pd.DataFrame, by: str = "support_type",
                      aspects: tuple[str, ...] = ()) -> pd.DataFrame:
    """``distinctive_terms.csv``: each group of ``by`` (the support type, an attribute, the city, or the
    aspect) against the other groups, per year — Monroe et al.'s one-vs-rest weighted log-odds (a
    descriptive score over term occurrences, not a test: items of one program are not independent) with
    the raw counts and programs beside it."""
    joined = term_items(term_frame, items, by)
    columns = ["year", by, *DISTINCTIVE_COLUMNS]
    parts = []
    for year, data in joined.groupby("year", dropna=False, sort=True):
        group_counts = data.groupby([by, "term"], sort=False).size().rename("n").reset_index()
        scored = weighted_log_odds(group_counts.rename(columns={by: "group"}))
        programs = data.groupby([by, "term"])["program_key"].nunique()
        total = data.groupby("term")["program_key"].nunique()
        scored["programs_group"] = [programs.get((g, t), 0) for g, t in zip(scored["group"], scored["term"], strict=True)]
        scored["programs_rest"] = total.reindex(scored["term"]).to_numpy() - scored["programs_group"]
        parts.append(scored.rename(columns={"group": by}).assign(year=year))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    out = out[columns]
    out["_neg_z"] = -out["z"]
    out = sort_for_reading(out, items, ["year", by, "_neg_z", "term"], aspects).drop(columns="_neg_z")
    out = out.astype({c: "Int64" for c in ("year", "n_group", "n_rest", "programs_group", "programs_rest")})
    return out.astype({"log_odds": float, "z": float}).round({"log_odds": 6, "z": 6})


PAIRED_COLUMNS = ["term", "programs", "programs_effect", "programs_limitation", "programs_both", "items_effect",
                  "items_limitation"]


def effect_vs_limitation(term_frame: pd.DataFrame, items: pd.DataFrame, comparison: Comparison
                         ) -> pd.DataFrame:
    """``effect_vs_limitation.csv``: per year × group × term, how many of the group's programs use the term
    in the positive aspect (``effect``: the aspect its schema marks ``positive``), in the negative one
    (``limitation``), and in both (the same programs, paired), with the items of each side. A description,
    not a test: 2–3 programs per group cannot show one. Empty when no schema marks both sides."""
    by = comparison.by
    keys = ["year", by, "term"]
    if not comparison.paired:
        return pd.DataFrame(columns=["year", by, *PAIRED_COLUMNS])
    polarity = {key: p for p in ("positive", "negative") for key in comparison.side(p)}
    joined = term_items(term_frame, items, by)
    joined = joined.assign(side=joined["aspect"].map(polarity)).dropna(subset=["side"])
    sides = {}
    for side in ("positive", "negative"):
        part = joined[joined["side"] == side].groupby(keys, dropna=False)
        sides[side] = part.agg(programs=("program_key", "nunique"), items=("item_id", "nunique"))
    both = (joined.groupby([*keys, "program_key"], dropna=False)["side"].nunique() == 2).groupby(
        level=keys, dropna=False).sum().rename("programs_both")
    out = pd.concat([sides["positive"].add_suffix("_effect"), sides["negative"].add_suffix("_limitation"), both],
                    axis=1).fillna(0).reset_index()
    programs = items.assign(program_key=program_keys(items)).groupby(["year", by], dropna=False)[
        "program_key"].nunique().rename("programs").reset_index()
    out = out.merge(programs, on=["year", by], how="left")
    out["_key"] = -(out["programs_effect"] + out["programs_limitation"])
    out["_items"] = -(out["items_effect"] + out["items_limitation"])
    out = sort_for_reading(out, items, ["year", by, "_key", "_items", "term"])
    out = out[["year", by, *PAIRED_COLUMNS]]
    return out.astype({c: "Int64" for c in ["year", *PAIRED_COLUMNS] if c != "term"} | {"term": "string"})


# ---------------------------------------------------------------- co-occurrence network

def cooccurrence(term_frame: pd.DataFrame, items: pd.DataFrame, unit: str = "item", top_n: int = 60,
                 min_units: int = 2, link_to: str | None = None, link_top: int = 5,
                 seed: int = 2018) -> tuple[pd.DataFrame, pd.DataFrame]:
    """KH Coder's co-occurrence network: Jaccard between terms over units (items or programs).

    Returns ``(nodes, edges)``. Terms used in at least ``min_units`` units are candidates. As in KH
    Coder, the cut is the Jaccard coefficient of the ``top_n``-th strongest edge, and every edge at or
    above it is kept (ties are never broken by spelling). ``link_to="support_type"`` adds one node per
    support type linked to its ``link_top`` terms by Jaccard (a tie at the cut is kept whole, up to twice
    ``link_top``; otherwise cut above it). Communities (greedy modularity) and a layout with a fixed seed
    make the same input draw the same picture.
    """
    import networkx as nx

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
    sets = incidence[incidence["term"].isin(in_network)].groupby("term")["unit"].agg(lambda s: frozenset(s))
    if link_to is not None:
        group_sets = joined.groupby(link_to)[unit_column].agg(lambda s: frozenset(s))
        edge_frame = pd.concat([edge_frame, *(_links(group, members, sets, in_network, link_to, link_top)
                                              for group, members in group_sets.items())], ignore_index=True)
    graph = nx.Graph()
    graph.add_nodes_from(in_network)
    if link_to is not None:
        graph.add_nodes_from(sorted(set(edge_frame.loc[edge_frame["kind"] == link_to, "source"])))
    graph.add_weighted_edges_from(edge_frame[["source", "target", "jaccard"]].itertuples(index=False, name=None))
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
    nodes = node_measures(nodes, induced_subgraph(graph, in_network), seed)
    units = {**sets.to_dict(), **(group_sets.to_dict() if link_to is not None else {})}
    edge_frame = edge_measures(edge_frame, units, spanning_edges(induced_subgraph(graph, in_network)))
    return nodes.sort_values(["kind", "node"], kind="stable").reset_index(drop=True), edge_frame.reset_index(drop=True)


EDGE_MEASURES = ["dice", "simpson", "cosine", "mst", "item_ids"]
NODE_MEASURES = ["community_louvain", "degree_centrality", "betweenness"]


def edge_measures(edges: pd.DataFrame, units: dict, spanning: set[tuple[str, str]]) -> pd.DataFrame:
    """The edge table with every coefficient of KH Coder beside Jaccard — Dice 2|A∩B|/(|A|+|B|), Simpson
    |A∩B|/min(|A|,|B|), cosine |A∩B|/√(|A|·|B|) — whether the edge is in the maximum spanning forest of
    the terms by Jaccard (``mst``), and the units it rests on (space-separated)."""
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
                                           "item_ids": "string"})], axis=1)


def spanning_edges(term_graph) -> set[tuple[str, str]]:
    """The edges of the maximum spanning forest of the term graph by Jaccard (the minimum spanning forest of
    1 − Jaccard; Kruskal's algorithm over the edges in the table's order, so ties go the same way every run)."""
    import networkx as nx

    forest = nx.maximum_spanning_tree(term_graph, weight="weight", algorithm="kruskal")
    return {(u, v) for u, v in forest.edges()}


def node_measures(nodes: pd.DataFrame, term_graph, seed: int) -> pd.DataFrame:
    """Louvain communities (modularity, fixed seed; numbered largest first), degree centrality and
    betweenness (weighted by 1 − Jaccard as a distance) of each term; empty for the group nodes."""
    import networkx as nx
    from networkx.algorithms.community import louvain_communities

    louvain: dict[str, int] = {}
    degree: dict[str, float] = {}
    between: dict[str, float] = {}
    if term_graph.number_of_edges():
        found = louvain_communities(term_graph, weight="weight", seed=seed)
        louvain = {t: k for k, members in enumerate(sorted(found, key=lambda c: (-len(c), min(c))), start=1) for t in members}
        degree = nx.degree_centrality(term_graph)
        distance = {(u, v): 1.0 - d["weight"] for u, v, d in term_graph.edges(data=True)}
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
    pairs = [(a, b, len(sets[a] & sets[b]), len(sets[a] & sets[b]) / len(sets[a] | sets[b]))
             for k, a in enumerate(names) for b in names[k + 1:] if sets[a] & sets[b]]
    return pd.DataFrame(pairs, columns=PAIR_COLUMNS)


def jaccard_pairs(incidence: pd.DataFrame) -> pd.DataFrame:
    """The same table as :func:`jaccard_pairs_reference`, from the unit × term incidence matrix X:
    |A ∩ B| is the entry (A, B) of XᵀX and |A ∪ B| = |A| + |B| − |A ∩ B|. The pairwise loop grows with
    the square of the vocabulary in Python; this with the number of shared units, in compiled code."""
    from scipy import sparse

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
    scored = pd.DataFrame([(group, t, kind, len(sets[t] & members), len(sets[t] & members) / len(sets[t] | members))
                           for t in terms if sets[t] & members], columns=["source", "target", "kind", "n_both", "jaccard"])
    scored = scored.sort_values(["jaccard", "target"], ascending=[False, True], kind="stable")
    return top_with_ties(scored, top, ["jaccard"], most=2 * top)[0]


def communities(term_graph) -> dict[str, int]:
    """Greedy-modularity communities of the term graph, numbered largest first (ties by their first term)."""
    from networkx.algorithms.community import greedy_modularity_communities

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
    import networkx as nx

    wanted = set(nodes)
    sub = nx.Graph()
    sub.add_nodes_from(nodes)
    sub.add_edges_from((u, v, d) for u, v, d in graph.edges(nodes, data=True) if v in wanted)
    return sub


def packed_layout(graph, seed: int = 2018) -> dict[str, tuple[float, float]]:
    """A readable, deterministic layout: each connected component laid out on its own (Kamada–Kawai,
    started from a seeded spring layout), the largest on the left, the small ones stacked on the right."""
    import networkx as nx

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


# ---------------------------------------------------------------- correspondence analysis

def correspondence(term_frame: pd.DataFrame, items: pd.DataFrame, by: str | list[str] = "support_type",
                   top_n: int = 40, min_count: int = 2, aspects: tuple[str, ...] = ()
                   ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Correspondence analysis of terms × groups (support type, or support type·aspect).

    Keeps the ``top_n`` terms (used at least ``min_count`` times) with the largest χ² contribution in
    the full table; a tie at the cut is kept whole up to 1.5 × ``top_n`` terms, else cut above it.
    Returns ``(term_coords, group_coords, inertia)`` in principal coordinates;
    ``inertia`` gives the share explained per axis. Signs are fixed so that the first group has a
    non-negative coordinate on every axis (the same input gives the same map).
    """
    by = [by] if isinstance(by, str) else list(by)
    joined = term_items(term_frame, items, by[0])
    joined["group"] = joined[by[0]].astype(str).str.cat([joined[c].astype(str) for c in by[1:]], sep="・")
    table = pd.crosstab(joined["term"], joined["group"])
    order = list(sort_for_reading(joined[[*by, "group"]].drop_duplicates(), items, by, aspects)["group"])
    table = table[order]
    table = table[table.sum(axis=1) >= min_count]
    n = table.to_numpy(dtype=float)
    expected = n.sum(axis=1, keepdims=True) * n.sum(axis=0, keepdims=True) / n.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        cells = np.where(expected > 0, (n - expected) ** 2 / expected, 0.0)
    chi2 = pd.Series(cells.sum(axis=1), index=table.index)
    ranked = pd.DataFrame({"term": table.index, "chi2": chi2.round(9).to_numpy()}).sort_values(
        ["chi2", "term"], ascending=[False, True], kind="stable")
    kept, _ = top_with_ties(ranked, top_n, ["chi2"], most=top_n + top_n // 2)
    table = table.loc[sorted(kept["term"])]
    table = table.loc[:, table.sum(axis=0) > 0]  # a group none of the kept terms is used in has no profile
    empty = (pd.DataFrame(columns=["term", "n", "chi2", "dim1"]), pd.DataFrame(columns=["group", "n", "dim1"]),
             pd.DataFrame(columns=["axis", "inertia", "share"]))
    if table.shape[0] < 2 or table.shape[1] < 2:  # nothing to map: fewer than two terms or groups
        return empty
    p = table.to_numpy(dtype=float)
    p = p / p.sum()
    r = p.sum(axis=1)
    c = p.sum(axis=0)
    s = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    try:
        u, sigma, vt = np.linalg.svd(s, full_matrices=False)
    except np.linalg.LinAlgError:
        return empty
    k = min(len(c) - 1, len(r) - 1)
    u, sigma, vt = u[:, :k], sigma[:k], vt[:k]
    signs = np.where(vt[:, 0] < 0, -1.0, 1.0)
    u, vt = u * signs, vt * signs[:, None]
    rows = (u * sigma) / np.sqrt(r)[:, None]
    cols = (vt.T * sigma) / np.sqrt(c)[:, None]
    dims = [f"dim{i + 1}" for i in range(k)]
    term_coords = pd.DataFrame(np.round(rows, 6), columns=dims)
    term_coords.insert(0, "term", table.index)
    term_coords.insert(1, "n", table.sum(axis=1).to_numpy())
    term_coords.insert(2, "chi2", np.round(chi2[table.index].to_numpy(), 6))
    group_coords = pd.DataFrame(np.round(cols, 6), columns=dims)
    group_coords.insert(0, "group", table.columns)
    group_coords.insert(1, "n", table.sum(axis=0).to_numpy())
    eig = sigma ** 2
    inertia = pd.DataFrame({"axis": dims, "inertia": np.round(eig, 6),
                            "share": np.round(eig / eig.sum() if eig.sum() else eig, 6)})
    return term_coords, group_coords, inertia


# ---------------------------------------------------------------- the network across years

CHANGE_COLUMNS = ["source", "target", "prev_year", "year", "jaccard_prev", "jaccard", "change"]


def network_changes(term_frame: pd.DataFrame, items: pd.DataFrame, top_n: int = 60, min_units: int = 2) -> pd.DataFrame:
    """The term edges of the last two years' co-occurrence networks (each cut as :func:`cooccurrence`
    cuts it) side by side: ``change`` is ``new`` (only in the last year's network), ``gone`` (only in
    the year before), ``stronger`` / ``weaker`` / ``same`` (Jaccard in both). Empty with fewer than two years.
    Call it with one city's items: years are compared within a city."""
    years = sorted(int(y) for y in items["year"].dropna().unique())
    if len(years) < 2:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    prev, last = years[-2:]
    frames = []
    for year in (prev, last):
        part = items[items["year"] == year]
        _, edges = cooccurrence(term_frame[term_frame["item_id"].isin(part["item_id"])], part, top_n=top_n,
                                min_units=min_units)
        frames.append(edges.loc[edges["kind"] == "term", ["source", "target", "jaccard"]])
    both = frames[0].merge(frames[1], on=["source", "target"], how="outer", suffixes=("_prev", ""))
    before, after = both["jaccard_prev"], both["jaccard"]
    both["change"] = np.select([before.isna(), after.isna(), after > before + 1e-9, after < before - 1e-9],
                               ["new", "gone", "stronger", "weaker"], "same")
    both = both.assign(prev_year=prev, year=last)[CHANGE_COLUMNS]
    return both.sort_values(["source", "target"], kind="stable").reset_index(drop=True)
