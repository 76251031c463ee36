"""Statistics over terms: counts, distinctive terms (weighted log-odds), co-occurrence, correspondence analysis.

Every function takes tidy frames (``terms`` joined to ``items`` by ``item_id``) and returns a tidy frame.
With 8 programs and 36 items, document frequency (items, programs) is shown beside every count.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .schema import ASPECTS, support_order

UNIT_COLUMNS = {"item": "item_id", "program": "program_key"}


def program_keys(items: pd.DataFrame) -> pd.Series:
    """One key per program across files: ``file#NO``."""
    return items["source_file"].astype(str) + "#" + items["program_no"].astype(str)


def term_items(term_frame: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Terms with the item's year, support type, program and aspect attached (one row per occurrence)."""
    meta = items[["item_id", "source_file", "year", "support_type", "program_no", "program", "aspect"]].copy()
    meta["program_key"] = program_keys(items)
    return term_frame.merge(meta, on="item_id", how="inner", validate="many_to_one")


def sort_for_reading(frame: pd.DataFrame, items: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Sort by support type and aspect in the order a reader expects (table order, effect → next_step)."""
    frame = frame.copy()
    keys = []
    for column in columns:
        if column == "support_type":
            order = support_order(items)
            frame["__support_order"] = frame["support_type"].map({s: i for i, s in enumerate(order)})
            keys.append("__support_order")
        elif column == "aspect":
            frame["__aspect_order"] = frame["aspect"].map({a: i for i, a in enumerate(ASPECTS)})
            keys.append("__aspect_order")
        else:
            keys.append(column)
    frame = frame.sort_values(keys, kind="stable", na_position="first")
    return frame.drop(columns=[k for k in keys if k.startswith("__")]).reset_index(drop=True)


def counts(term_frame: pd.DataFrame, items: pd.DataFrame, by: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """Per group × term: occurrences ``n``, items ``n_items`` and programs ``n_programs`` using the term.

    Counted on integer codes (item, group, term, program), so a national-scale term table is never
    joined to the items row by row."""
    by = list(by)
    item_at = _positions(term_frame["item_id"], pd.Index(items["item_id"]))  # -1: term of an unknown item
    found = item_at >= 0
    item_at = item_at[found]
    if by:
        group_of_item = items.groupby(by, dropna=False, sort=False).ngroup().to_numpy()
    else:
        group_of_item = np.zeros(len(items), dtype=np.int64)
    program_of_item = items.groupby(["source_file", "program_no"], dropna=False, sort=False).ngroup().to_numpy()
    term_code, term_text = _factorized(term_frame["term"], found)
    n_terms = max(len(term_text), 1)
    key = group_of_item[item_at].astype(np.int64) * n_terms + term_code
    order = np.argsort(key, kind="stable")
    starts = _run_starts(key[order])
    keys, first_row, n = key[order][starts], order[starts], np.diff(np.append(starts, len(key)))

    def distinct(per_row: np.ndarray) -> np.ndarray:
        """How many different values of ``per_row`` each key has."""
        width = int(per_row.max()) + 1 if len(per_row) else 1
        pairs = np.sort(key * width + per_row)
        pairs = pairs[_run_starts(pairs)] // width
        return np.diff(np.append(_run_starts(pairs), len(pairs)))

    out = items.iloc[item_at[first_row]][by].reset_index(drop=True)
    out["term"] = pd.array(term_text[keys % n_terms], dtype="string")
    out["n"], out["n_items"], out["n_programs"] = n, distinct(item_at), distinct(program_of_item[item_at])
    out["_neg_n"] = -out["n"]
    out = sort_for_reading(out, items, [*by, "_neg_n", "term"]).drop(columns="_neg_n")
    for column in ("n", "n_items", "n_programs"):
        out[column] = out[column].astype("Int64")
    return out


def _positions(values: pd.Series, index: pd.Index) -> np.ndarray:
    """Where each value is in ``index`` (-1: absent); a categorical is looked up once per category."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        categories = values.cat.categories
        if categories.equals(index):  # categories made from these very items (the usual case): codes are positions
            return np.where(codes >= 0, codes, -1).astype(np.int64)
        at = index.get_indexer(categories)[codes]
        at[codes < 0] = -1
        return at
    return index.get_indexer(values)


def _factorized(values: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of ``values[rows]`` (codes in first-appearance order, uniques as objects);
    a categorical is factorized by its integer codes."""
    if isinstance(values.dtype, pd.CategoricalDtype) and not values.isna().any():
        codes, uniques = pd.factorize(values.cat.codes.to_numpy()[rows])
        return codes, values.cat.categories.to_numpy(dtype=object)[uniques]
    return pd.factorize(values.to_numpy(dtype=object)[rows])


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in a sorted array."""
    return np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]])) if len(values) else np.zeros(0, dtype=np.int64)


def keywords(term_frame: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """``keywords.csv``: per year × support type × aspect × term, occurrences, items and programs."""
    return counts(term_frame, items, by=["year", "support_type", "aspect"])


# ---------------------------------------------------------------- distinctive terms

def weighted_log_odds(group_counts: pd.DataFrame, group: str = "group") -> pd.DataFrame:
    """One-vs-rest weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008).

    ``group_counts`` has columns ``group, term, n``. The prior α_w is the term's count in the whole
    corpus (α₀ = Σα), as in tidylo. For group i against all other groups j:
    δ = log((y_i+α)/(n_i+α₀−y_i−α)) − log((y_j+α)/(n_j+α₀−y_j−α)), σ² ≈ 1/(y_i+α) + 1/(y_j+α), z = δ/σ.
    """
    wide = group_counts.pivot_table(index="term", columns=group, values="n", aggfunc="sum", fill_value=0)
    alpha = wide.sum(axis=1)
    alpha0 = float(alpha.sum())
    rows = []
    for name in wide.columns:
        y_i = wide[name]
        y_j = alpha - y_i
        n_i = float(y_i.sum())
        n_j = float(y_j.sum())
        delta = (np.log((y_i + alpha) / (n_i + alpha0 - y_i - alpha))
                 - np.log((y_j + alpha) / (n_j + alpha0 - y_j - alpha)))
        sigma = np.sqrt(1.0 / (y_i + alpha) + 1.0 / (y_j + alpha))
        rows.append(pd.DataFrame({group: name, "term": wide.index, "n_group": y_i.values, "n_rest": y_j.values,
                                  "log_odds": delta.values, "z": (delta / sigma).values}))
    out = pd.concat(rows, ignore_index=True)
    return out[out["n_group"] + out["n_rest"] > 0].reset_index(drop=True)


def distinctive_terms(term_frame: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """``distinctive_terms.csv``: each support type against the others, and effect against limitation
    within each support type, per year — log-odds, z and the raw counts (occurrences and programs)."""
    joined = term_items(term_frame, items)
    parts = []
    for year, data in joined.groupby("year", dropna=False, sort=True):
        by_type = _keyness(data, "support_type", "support_type", "その他の区分")
        by_type.insert(0, "comparison", "support_type")
        by_type.insert(1, "support_type", by_type["group"])
        parts.append(by_type.assign(year=year))
        for support, sub in data[data["aspect"].isin(["effect", "limitation"])].groupby("support_type", sort=False):
            if sub["aspect"].nunique() < 2:
                continue
            ea = _keyness(sub, "aspect", "aspect", None)
            ea = ea[ea["group"] == "effect"].assign(reference="limitation")
            ea.insert(0, "comparison", "effect_vs_limitation")
            ea.insert(1, "support_type", support)
            parts.append(ea.assign(year=year))
    out = pd.concat(parts, ignore_index=True)
    columns = ["year", "comparison", "support_type", "group", "reference", "term", "n_group", "n_rest",
               "programs_group", "programs_rest", "log_odds", "z"]
    out = out[columns]
    out["_neg_z"] = -out["z"]
    out["_comparison"] = out["comparison"].map({"support_type": 0, "effect_vs_limitation": 1})
    out = sort_for_reading(out, items, ["year", "_comparison", "support_type", "group", "_neg_z", "term"])
    out = out.drop(columns=["_neg_z", "_comparison"])
    for column in ("n_group", "n_rest", "programs_group", "programs_rest"):
        out[column] = out[column].astype("Int64")
    out["log_odds"] = out["log_odds"].round(6)
    out["z"] = out["z"].round(6)
    return out


def _keyness(data: pd.DataFrame, column: str, label: str, reference: str | None) -> pd.DataFrame:
    group_counts = data.groupby([column, "term"], sort=False).size().rename("n").reset_index()
    scored = weighted_log_odds(group_counts.rename(columns={column: "group"}))
    programs = data.groupby([column, "term"], sort=False)["program_key"].nunique()
    total_programs = data.groupby("term")["program_key"].nunique()
    scored["programs_group"] = [programs.get((g, t), 0) for g, t in zip(scored["group"], scored["term"], strict=True)]
    # Programs of the other groups that use the term (a program belongs to one support type).
    scored["programs_rest"] = [total_programs[t] - p if label == "support_type" else programs.get((_other(g), t), 0)
                               for g, t, p in zip(scored["group"], scored["term"], scored["programs_group"], strict=True)]
    scored["reference"] = reference if reference is not None else ""
    return scored


def _other(aspect: str) -> str:
    return "limitation" if aspect == "effect" else "effect"


# ---------------------------------------------------------------- co-occurrence network

def cooccurrence(term_frame: pd.DataFrame, items: pd.DataFrame, unit: str = "item", top_n: int = 60,
                 min_units: int = 2, link_to: str | None = None, link_top: int = 5,
                 seed: int = 2018) -> tuple[pd.DataFrame, pd.DataFrame]:
    """KH Coder's co-occurrence network: Jaccard between terms over units (items or programs).

    Returns ``(nodes, edges)``. Terms used in at least ``min_units`` units are candidates; the
    ``top_n`` strongest edges are kept (ties broken by the term names, so the picture is stable).
    ``link_to="support_type"`` adds one node per support type linked to its ``link_top`` terms by
    Jaccard, as KH Coder does with external variables. Communities (greedy modularity) and a
    spring layout with a fixed seed make the same input draw the same picture.
    """
    import networkx as nx
    from networkx.algorithms.community import greedy_modularity_communities

    unit_column = UNIT_COLUMNS[unit]
    joined = term_items(term_frame, items)
    sets = joined.groupby("term")[unit_column].agg(lambda s: frozenset(s))
    sets = sets[sets.map(len) >= min_units].sort_index()
    names = list(sets.index)
    edges = []
    for a_index, a in enumerate(names):
        for b in names[a_index + 1:]:
            both = len(sets[a] & sets[b])
            if both:
                edges.append((a, b, "term", both, both / len(sets[a] | sets[b])))
    edge_frame = pd.DataFrame(edges, columns=["source", "target", "kind", "n_both", "jaccard"])
    edge_frame = edge_frame.sort_values(["jaccard", "n_both", "source", "target"], ascending=[False, False, True, True],
                                        kind="stable").head(top_n)
    in_network = sorted(set(edge_frame["source"]) | set(edge_frame["target"]))
    if link_to is not None:
        group_sets = joined.groupby(link_to)[unit_column].agg(lambda s: frozenset(s))
        links = []
        for group, members in group_sets.items():
            scored = sorted(((len(sets[t] & members) / len(sets[t] | members), t) for t in in_network if sets[t] & members),
                            key=lambda x: (-x[0], x[1]))[:link_top]
            links += [(group, t, link_to, len(sets[t] & members), j) for j, t in scored]
        edge_frame = pd.concat([edge_frame, pd.DataFrame(links, columns=edge_frame.columns)], ignore_index=True)
    graph = nx.Graph()
    graph.add_nodes_from(in_network)
    if link_to is not None:
        graph.add_nodes_from(sorted(set(edge_frame.loc[edge_frame["kind"] == link_to, "source"])))
    graph.add_weighted_edges_from(edge_frame[["source", "target", "jaccard"]].itertuples(index=False, name=None))
    community_of: dict[str, int] = {}
    term_graph = induced_subgraph(graph, in_network)
    if term_graph.number_of_edges():
        found = greedy_modularity_communities(term_graph, weight="weight")
        for number, members in enumerate(sorted(found, key=lambda c: (-len(c), min(c))), start=1):
            for term in members:
                community_of[term] = number
    layout = packed_layout(graph, seed)
    nodes = pd.DataFrame({"node": list(graph.nodes)})
    nodes["kind"] = ["term" if n in sets.index and n in in_network else link_to for n in nodes["node"]]
    nodes["n_units"] = [len(sets[n]) if k == "term" else pd.NA for n, k in zip(nodes["node"], nodes["kind"], strict=True)]
    nodes["community"] = [community_of.get(n, pd.NA) for n in nodes["node"]]
    nodes["x"] = [round(float(layout[n][0]), 6) for n in nodes["node"]]
    nodes["y"] = [round(float(layout[n][1]), 6) for n in nodes["node"]]
    for column in ("n_units", "community"):
        nodes[column] = nodes[column].astype("Int64")
    edge_frame["jaccard"] = edge_frame["jaccard"].round(6)
    edge_frame["n_both"] = edge_frame["n_both"].astype("Int64")
    return nodes.sort_values(["kind", "node"], kind="stable").reset_index(drop=True), edge_frame.reset_index(drop=True)


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
                   top_n: int = 40, min_count: int = 2) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Correspondence analysis of terms × groups (support type, or support type·aspect).

    Keeps the ``top_n`` terms (used at least ``min_count`` times) with the largest χ² contribution in
    the full table. Returns ``(term_coords, group_coords, inertia)`` in principal coordinates;
    ``inertia`` gives the share explained per axis. Signs are fixed so that the first group has a
    non-negative coordinate on every axis (the same input gives the same map).
    """
    joined = term_items(term_frame, items)
    by = [by] if isinstance(by, str) else list(by)
    joined["group"] = joined[by].astype(str).agg("・".join, axis=1)
    table = pd.crosstab(joined["term"], joined["group"])
    group_order = list(dict.fromkeys(joined.sort_values(by, key=_sort_key(items)).loc[:, "group"]))
    table = table[group_order]
    table = table[table.sum(axis=1) >= min_count]
    n = table.to_numpy(dtype=float)
    expected = n.sum(axis=1, keepdims=True) * n.sum(axis=0, keepdims=True) / n.sum()
    chi2 = pd.Series(((n - expected) ** 2 / expected).sum(axis=1), index=table.index)
    table = table.loc[sorted(sorted(table.index, key=lambda t: (-chi2[t], t))[:top_n])]
    p = table.to_numpy(dtype=float)
    p = p / p.sum()
    r = p.sum(axis=1)
    c = p.sum(axis=0)
    s = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, sigma, vt = np.linalg.svd(s, full_matrices=False)
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


def _sort_key(items: pd.DataFrame):
    support_rank = {s: i for i, s in enumerate(support_order(items))}
    aspect_order = {a: i for i, a in enumerate(ASPECTS)}

    def key(column: pd.Series) -> pd.Series:
        if column.name == "support_type":
            return column.map(support_rank)
        if column.name == "aspect":
            return column.map(aspect_order)
        return column
    return key
