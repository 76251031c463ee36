"""Correspondence analysis of terms × groups (KH Coder's map): coordinates, inertia per axis and
contributions, from the chi-square residuals of the term × group table.

Takes tidy frames (``terms`` joined to ``items`` by ``item_id``) and returns tidy frames, as :mod:`stats`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .stats import sort_for_reading, term_items, top_with_ties

CA_TOP, CA_MIN_COUNT = 40, 2  # terms kept (largest χ² first) and the occurrences a term needs


def candidate_count(term_frame: pd.DataFrame, items: pd.DataFrame, min_count: int = CA_MIN_COUNT) -> int:
    """How many terms of these items could enter the map: those used at least ``min_count`` times."""
    used = term_frame.loc[term_frame["item_id"].isin(items["item_id"]), "term"].value_counts()
    return int((used >= min_count).sum())


def choice_of(term_coords: pd.DataFrame) -> tuple[int, int]:
    """(top_n, min_count) the map's terms were chosen by, as ``correspondence_terms.csv`` records them (the
    defaults for an empty map): the words said of a map made with other values are its own (a KH Coder user's
    ``top_n=30`` was said as 「上位 40 語」)."""
    if term_coords.empty or "top_n" not in term_coords:
        return CA_TOP, CA_MIN_COUNT
    return int(term_coords["top_n"].iloc[0]), int(term_coords["min_count"].iloc[0])


def chosen_terms(kept: int, candidates: int, top_n: int = CA_TOP, min_count: int = CA_MIN_COUNT) -> str:
    """How the map's terms were chosen, in words (the methods paragraph and the map's footnote): every term
    that qualified, or the ``top_n`` largest χ² with the terms tied at the cut."""
    if candidates <= top_n:
        return f"{min_count}回以上出現する語すべて ({kept} 語)"
    return f"χ² の大きい上位 {top_n} 語 (同数を含め {kept} 語; {min_count}回以上出現する {candidates} 語から)"


def correspondence(term_frame: pd.DataFrame, items: pd.DataFrame, by: str | list[str] = "support_type",
                   top_n: int = CA_TOP, min_count: int = CA_MIN_COUNT, aspects: tuple[str, ...] = ()
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
    empty = (pd.DataFrame(columns=["term", "n", "chi2", "top_n", "min_count", "dim1"]),
             pd.DataFrame(columns=["group", "n", "dim1"]), pd.DataFrame(columns=["axis", "inertia", "share"]))
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
    term_coords = pd.DataFrame({"term": table.index, "n": table.sum(axis=1).to_numpy(),
                                "chi2": np.round(chi2[table.index].to_numpy(), 6), "top_n": top_n, "min_count": min_count,
                                **dict(zip(dims, np.round(rows, 6).T, strict=True))})
    group_coords = pd.DataFrame(np.round(cols, 6), columns=dims)
    group_coords.insert(0, "group", table.columns)
    group_coords.insert(1, "n", table.sum(axis=0).to_numpy())
    eig = sigma ** 2
    inertia = pd.DataFrame({"axis": dims, "inertia": np.round(eig, 6),
                            "share": np.round(eig / eig.sum() if eig.sum() else eig, 6)})
    return term_coords, group_coords, inertia
