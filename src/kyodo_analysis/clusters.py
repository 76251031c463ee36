"""Hierarchical cluster analysis and multidimensional scaling of terms (KH Coder's 階層的クラスター分析
and 多次元尺度構成法), both on the Jaccard distance between the items the terms are used in.

Terms: those used in at least ``min_items`` items. When that gives more than ``max_terms`` terms, the
minimum is raised one item at a time until it does not: a whole frequency level is kept or left out, so
a tie is never cut. The minimum used is written in every row.

Distance: 1 − |A ∩ B| / |A ∪ B| for the item sets A and B of two terms. Clusters: scipy's Ward, average
and complete linkage on those distances (scipy's Ward is R's ``hclust(method = "ward.D2")``, the Lance–Williams
update on the squared distances, which KH Coder 3 runs). The tree is cut into at most the asked number of
clusters, never between two merges of the same height: where the highest merges tie, fewer clusters are made
(R's ``cutree`` would choose among them by the merges' order) and ``n_clusters`` says how many.
MDS: classical (Torgerson) scaling — the double-centred squared distances, their two largest eigenvalues —
deterministic, with each axis' sign fixed so that the first term (in text order) has a non-negative coordinate.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .labels import METHOD_JA
from .stats import sets_of

# scipy.cluster is imported where the trees are built (it costs the command line's start otherwise).

METHODS = ("ward", "average", "complete")
CLUSTER_COLUMNS = ["method", "term", "n_items", "cluster", "leaf_order", "min_items", "n_clusters", "n_clusters_asked"]
MERGE_COLUMNS = ["method", "step", "left", "right", "left_label", "right_label", "height", "size"]
MDS_COLUMNS = ["term", "n_items", "dim1", "dim2", "cluster", "min_items"]
MDS_AXES_COLUMNS = ["axis", "eigenvalue", "share"]
MIN_ITEMS = 3
MIN_TERMS = 3  # the fewest terms a tree (and a map of distances) is made of
MAX_TERMS = 50


def chosen_terms(term_frame: pd.DataFrame, min_items: int = MIN_ITEMS, max_terms: int = MAX_TERMS
                 ) -> tuple[pd.Series, int]:
    """Each chosen term's set of items (sorted by the term's text) and the minimum number of items used."""
    sets = sets_of(term_frame, "term", "item_id")
    sizes = sets.map(len)
    threshold = max(min_items, 1)
    while (sizes >= threshold).sum() > max_terms:
        threshold += 1
    return sets[sizes >= threshold], threshold


def none_chosen(term_frame: pd.DataFrame) -> str:
    """Why no tree or map was made, in words (the methods and the 3.0 page): too few terms in ``MIN_ITEMS`` items,
    or more than ``MAX_TERMS`` of them tied so that no threshold keeps between ``MIN_TERMS`` and ``MAX_TERMS``
    without cutting a tie (a hostile tester: 101 terms in 9 items each were said to be too few)."""
    sizes = sets_of(term_frame, "term", "item_id").map(len)
    enough = int((sizes >= MIN_ITEMS).sum())
    if enough < MIN_TERMS:
        return f"{MIN_ITEMS} 項目以上に出る語が {MIN_TERMS} 語に満たない"
    return (f"{MIN_ITEMS} 項目以上に出る語は {enough} 語で {MAX_TERMS} 語を超え、同じ項目数の語を途中で切らずに"
            f"最小項目数を上げると {MIN_TERMS} 語に満たない")


def jaccard_distances(sets: pd.Series) -> np.ndarray:
    """The square matrix of 1 − Jaccard between the item sets."""
    values = list(sets)
    n = len(values)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            both = len(values[i] & values[j])
            union = len(values[i]) + len(values[j]) - both  # |A ∪ B|, without building it
            out[i, j] = out[j, i] = 1.0 - both / union if union else 0.0
    return out


def default_clusters(n_terms: int) -> int:
    """How many clusters the tree is cut into when none is asked for: √(n/2) rounded, between 2 and 8."""
    return int(min(8, max(2, round(math.sqrt(n_terms / 2)))))


def classical_mds(distances: np.ndarray, dims: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Torgerson's classical scaling: coordinates (n × dims) and every eigenvalue of B = −½ J D² J
    (largest first). Axes with a non-positive eigenvalue are zero. Each axis' sign makes the first
    point's coordinate non-negative."""
    n = len(distances)
    centring = np.eye(n) - np.ones((n, n)) / n
    b = -0.5 * centring @ (distances ** 2) @ centring
    values, vectors = np.linalg.eigh((b + b.T) / 2)
    order = np.argsort(-values, kind="stable")
    values, vectors = values[order], vectors[:, order]
    coords = np.zeros((n, dims))
    for k in range(min(dims, n)):
        if values[k] > 1e-12:
            column = vectors[:, k] * math.sqrt(values[k])
            first = next((v for v in column if abs(v) > 1e-9), 0.0)
            coords[:, k] = -column if first < 0 else column
    return coords, values


def term_clusters(term_frame: pd.DataFrame, min_items: int = MIN_ITEMS, max_terms: int = MAX_TERMS,
                  n_clusters: int | None = None) -> dict[str, pd.DataFrame]:
    """``clusters.csv`` (each method × term: its cluster and place in the tree), ``cluster_merges.csv``
    (scipy's linkage, one row per merge, with its height) and ``mds.csv`` / ``mds_axes.csv``."""
    from scipy.cluster.hierarchy import fcluster, leaves_list, linkage
    from scipy.spatial.distance import squareform

    sets, threshold = chosen_terms(term_frame, min_items, max_terms)
    empty = {"clusters.csv": pd.DataFrame(columns=CLUSTER_COLUMNS), "cluster_merges.csv": pd.DataFrame(columns=MERGE_COLUMNS),
             "mds.csv": pd.DataFrame(columns=MDS_COLUMNS), "mds_axes.csv": pd.DataFrame(columns=MDS_AXES_COLUMNS)}
    if len(sets) < MIN_TERMS:
        return empty  # fewer than three terms: nothing to group
    terms, sizes = list(sets.index), [len(s) for s in sets]
    distances = jaccard_distances(sets)
    k = min(n_clusters or default_clusters(len(terms)), len(terms) - 1)
    clusters, merges = [], []
    for method in METHODS:
        tree = linkage(squareform(distances, checks=False), method=method)
        tree[:, 2] = np.round(tree[:, 2], 9)  # equal heights computed along different paths differ in the last bit: a tie
        leaves = list(leaves_list(tree))
        raw = fcluster(tree, k, criterion="maxclust")  # at most k: a cut never splits merges of one height
        renumber = {c: n for n, c in enumerate(dict.fromkeys(raw[leaf] for leaf in leaves), start=1)}
        clusters.append(pd.DataFrame({"method": method, "term": terms, "n_items": sizes,
                                      "cluster": [renumber[c] for c in raw],
                                      "leaf_order": [leaves.index(i) + 1 for i in range(len(terms))],
                                      "min_items": threshold, "n_clusters": len(renumber), "n_clusters_asked": k}))
        merges.append(merge_rows(method, tree, terms))
    cluster_frame = pd.concat(clusters, ignore_index=True)
    coords, values = classical_mds(distances)
    ward = cluster_frame[cluster_frame["method"] == "ward"]["cluster"].to_numpy()
    mds = pd.DataFrame({"term": terms, "n_items": sizes, "dim1": np.round(coords[:, 0], 6) + 0.0,
                        "dim2": np.round(coords[:, 1], 6) + 0.0, "cluster": ward, "min_items": threshold})
    positive = values[values > 1e-12]
    axes = pd.DataFrame({"axis": ["dim1", "dim2"], "eigenvalue": np.round(values[:2], 6),
                         "share": np.round(np.clip(values[:2], 0, None) / positive.sum(), 6)})
    return {"clusters.csv": cluster_frame.sort_values(["method", "leaf_order"], key=method_order, kind="stable"
                                                      ).reset_index(drop=True),
            "cluster_merges.csv": pd.concat(merges, ignore_index=True), "mds.csv": mds, "mds_axes.csv": axes}


def cut_words(rows: pd.DataFrame) -> str:
    """How the trees of ``clusters.csv`` (one table's rows: each year is its own analysis) were cut, for the
    methods: 「樹形図を 3 クラスターに分けた」, or, where a method's highest merges tie, the number asked and
    each method's number made."""
    asked = int(rows["n_clusters_asked"].iloc[0])
    made = rows.drop_duplicates("method").set_index("method")["n_clusters"].astype(int)
    if (made == asked).all():
        return f"樹形図を {asked} クラスターに分けた"
    each = "、".join(f"{METHOD_JA.get(method, method)} {n}" for method, n in made.items())
    return (f"樹形図を {asked} クラスターに分けようとしたが、同じ高さの結合の途中では切らないため、"
            f"クラスター数は {each} となった")


def method_order(column: pd.Series) -> pd.Series:
    """Ward, average, complete (the order of :data:`METHODS`) as a sort key; other columns unchanged."""
    return column.map({m: i for i, m in enumerate(METHODS)}) if column.name == "method" else column


def merge_rows(method: str, tree: np.ndarray, terms: list[str]) -> pd.DataFrame:
    """scipy's linkage matrix as rows: step s joins ``left`` and ``right`` (a term's number, 0-based in
    text order, or n + the step that formed a cluster) at ``height``, making a cluster of ``size`` terms."""
    n = len(terms)

    def label(node: int) -> str:
        return terms[node] if node < n else f"#{node - n + 1}"
    return pd.DataFrame({"method": method, "step": range(1, len(tree) + 1),
                         "left": tree[:, 0].astype(int), "right": tree[:, 1].astype(int),
                         "left_label": [label(int(v)) for v in tree[:, 0]],
                         "right_label": [label(int(v)) for v in tree[:, 1]],
                         "height": np.round(tree[:, 2], 6), "size": tree[:, 3].astype(int)})


def linkage_of(merges: pd.DataFrame, method: str = "ward") -> np.ndarray:
    """The linkage matrix of one method back from ``cluster_merges.csv`` (for drawing the dendrogram)."""
    rows = merges[merges["method"] == method].sort_values("step")
    return rows[["left", "right", "height", "size"]].to_numpy(dtype=float)
