"""Statistics on small hand-made frames whose answers were computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_analysis.code_tests import (
    all_labellings,
    chi2_statistic,
    holm,
    labellings,
    program_permutation_test,
    program_permutation_tests,
    smallest_p,
)
from kyodo_analysis.correspondence import correspondence
from kyodo_analysis.network import cooccurrence
from kyodo_analysis.schema import zushi_comparison
from kyodo_analysis.stats import (
    clopper_pearson,
    counts,
    effect_vs_limitation,
    top_with_ties,
    weighted_log_odds,
)


def tiny():
    """Four items in two programs of two support types; terms written by hand."""
    items = pd.DataFrame({
        "item_id": ["i1", "i2", "i3", "i4"], "source_file": "t.tsv", "year": pd.array([None] * 4, dtype="Int64"),
        "support_type": ["A", "A", "B", "B"], "program_no": [1, 2, 3, 3], "program": ["p1", "p2", "p3", "p3"],
        "aspect": ["effect", "limitation", "effect", "effect"], "text": ["", "", "", ""],
    })
    term_rows = [("i1", "a"), ("i1", "b"), ("i1", "a"), ("i2", "a"), ("i2", "b"), ("i3", "a"), ("i3", "c"), ("i4", "c")]
    term_frame = pd.DataFrame(term_rows, columns=["item_id", "term"])
    return items, term_frame


def test_counts_show_occurrences_items_and_programs():
    items, term_frame = tiny()
    out = counts(term_frame, items, by=["support_type"]).set_index(["support_type", "term"])
    assert out.loc[("A", "a")].tolist() == [3, 2, 2]  # i1 twice + i2: 3 occurrences, 2 items, 2 programs
    assert out.loc[("B", "c")].tolist() == [2, 2, 1]  # i3, i4 are both program 3
    assert out.loc[("B", "a")].tolist() == [1, 1, 1]
    assert len(out) == 4  # A: a, b; B: a, c


def test_weighted_log_odds_by_hand():
    # Group A: x=3, y=1; group B: x=1, y=3. α_x = α_y = 4, α₀ = 8, n_A = n_B = 4.
    # δ(A, x) = log(7/5) − log(5/7) = 0.672944…, σ = √(1/7 + 1/5), z = 1.149271…
    frame = pd.DataFrame({"group": ["A", "A", "B", "B"], "term": ["x", "y", "x", "y"], "n": [3, 1, 1, 3]})
    out = weighted_log_odds(frame).set_index(["group", "term"])
    assert out.loc[("A", "x"), "log_odds"] == pytest.approx(0.6729444732424258)
    assert out.loc[("A", "x"), "z"] == pytest.approx(1.1492714809232922)
    assert out.loc[("A", "y"), "z"] == pytest.approx(-1.1492714809232922)
    assert out.loc[("B", "y"), "z"] == pytest.approx(1.1492714809232922)
    assert out.loc[("A", "x"), ["n_group", "n_rest"]].tolist() == [3, 1]


def test_chi2_statistic_by_hand():
    assert chi2_statistic(np.array([[3, 0], [0, 3]])) == pytest.approx(6.0)
    # [[3, 1], [1, 3]]: E = 2 in every cell, χ² = 4 × (1² / 2) = 2
    assert chi2_statistic(np.array([[3, 1], [1, 3]])) == pytest.approx(2.0)


def test_program_permutation_test_by_hand():
    # Four programs of two items, two per group; coded items 2, 1, 0, 0. Of the C(4, 2) = 6 labellings, the
    # observed one ({0, 1} in a: 3 of 4 items coded against 0 of 4) and its mirror give χ² = 4.8, the other
    # four 0.533…: the exact p is 2/6.
    chi2, p, test = program_permutation_test(np.array([2, 1, 0, 0]), np.array([2, 2, 2, 2]), np.array(list("aabb")))
    assert chi2 == pytest.approx(4.8)
    assert p == pytest.approx(1 / 3)
    assert test == "事業単位の正確並べ替え検定"
    assert program_permutation_test(np.array([0, 0, 0, 0]), np.array([2, 2, 2, 2]), np.array(list("aabb")))[1] is None


def test_program_permutation_test_falls_back_to_a_seeded_monte_carlo(monkeypatch):
    import kyodo_analysis.code_tests as code_tests

    monkeypatch.setattr(code_tests, "EXACT_LIMIT", 3)
    coded, totals, groups = np.array([2, 1, 0, 0]), np.array([2, 2, 2, 2]), np.array(list("aabb"))
    chi2, p, test = program_permutation_test(coded, totals, groups, seed=3)
    assert chi2 == pytest.approx(4.8) and p == pytest.approx(1 / 3, abs=0.02)
    assert test.startswith("事業単位のモンテカルロ並べ替え検定 (B=9999")
    assert program_permutation_test(coded, totals, groups, seed=3)[1] == p


def test_all_labellings_are_distinct_and_complete():
    groups = np.array(list("aaabbccc"))
    arrangements = all_labellings(groups)
    assert len(arrangements) == labellings(groups) == 560
    assert len({tuple(row) for row in arrangements}) == 560
    assert all(sorted(row) == sorted(groups) for row in arrangements)


def test_the_smallest_attainable_p_counts_programs():
    # 3 / 2 / 3 programs, 560 labellings. χ² of programs with / without the code cannot tell the two groups of
    # three apart, and programs with the code are interchangeable: the most extreme table (the three coded
    # programs all in one group of three) is reached by 10 labellings, and 10 more mirror it: 20/560.
    # (An item-weighted χ², which tells programs apart, could reach 2/560 — but its unit is the item.)
    assert smallest_p([3, 2, 3]) == pytest.approx(20 / 560)
    # Without program 6 (no limitation items): 3 / 2 / 2 programs, 210 labellings; the three coded programs
    # all in the one group of three: 6 labellings, mirrored by none.
    assert smallest_p([3, 2, 2]) == pytest.approx(6 / 210)
    assert smallest_p([6, 6]) == pytest.approx(2 / 924)
    assert smallest_p([8]) == 1.0 and smallest_p([3, 0]) == 1.0  # one group: no test


def test_the_smallest_attainable_p_equals_brute_force_over_every_coding_and_labelling():
    import itertools

    groups = np.array(list("aaabbccc"))
    arrangements = all_labellings(groups)
    best = 1.0
    for coded in itertools.product([0, 1], repeat=len(groups)):
        if 0 < sum(coded) < len(groups):
            p = program_permutation_tests(np.array(coded)[:, None], np.ones(len(groups)), groups)[1][0]
            best = min(best, p)
    assert best == pytest.approx(smallest_p([3, 2, 3])) and len(arrangements) == 560


def test_the_smallest_p_of_a_monte_carlo_test_is_the_exact_one_or_one_over_b_plus_one(monkeypatch):
    """A Monte Carlo test's smallest p was taken as 1 / (1 + B) alone: 18 programs in nine groups (3/2/3/2/2/1/2/2/1,
    Zushi pooled with two made-up cities) then let 48 tests run whose smallest Holm-adjusted p was 48 × 0.0012341 =
    0.059 (a statistician's audit, by enumerating the 31,104 group counts). It is now the larger of the two."""
    import kyodo_analysis.code_tests as code_tests

    assert smallest_p([3, 2, 3, 2, 2, 1, 2, 2, 1]) == pytest.approx(0.0012341, abs=5e-8)
    assert 48 * smallest_p([3, 2, 3, 2, 2, 1, 2, 2, 1]) > 0.05
    monkeypatch.setattr(code_tests, "EXACT_LIMIT", 3)
    assert smallest_p([2, 2]) == pytest.approx(1 / 3)  # both coded programs in one group of two: 2 of 6 labellings
    assert smallest_p([3, 2, 3]) == pytest.approx(20 / 560)  # as when every labelling is enumerated
    assert smallest_p([700, 700]) == pytest.approx(1 / 10000)  # the exact one is far below 1 / (1 + B)
    monkeypatch.setattr(code_tests, "COUNTS_LIMIT", 5)
    assert smallest_p([2, 2]) == pytest.approx(1 / 10000)  # too many group counts to enumerate: 1 / (1 + B)


@pytest.mark.parametrize("k, n, low, high", [(2, 2, 0.158114, 1.0), (0, 3, 0.0, 0.707598), (1, 3, 0.008404, 0.905701),
                                             (5, 9, 0.212009, 0.863004)])
def test_clopper_pearson_intervals_are_scipys_exact_ones(k, n, low, high):
    from scipy.stats import binomtest

    found = clopper_pearson([k], [n])
    assert (found[0][0], found[1][0]) == pytest.approx((low, high), abs=1e-6)
    exact = binomtest(k, n).proportion_ci(method="exact")
    assert (found[0][0], found[1][0]) == pytest.approx((exact.low, exact.high), abs=1e-12)
    assert np.isnan(clopper_pearson([0], [0])[0][0])


def test_holm_by_hand():
    # Sorted: 0.01 × 3 = 0.03, 0.03 × 2 = 0.06, 0.04 × 1 = 0.04 → made monotone: 0.03, 0.06, 0.06.
    assert holm(np.array([0.01, 0.04, 0.03])) == pytest.approx([0.03, 0.06, 0.06])
    assert holm(np.array([0.5, 0.9])) == pytest.approx([1.0, 1.0])


def test_top_lists_are_never_cut_inside_a_tie():
    frame = pd.DataFrame({"term": list("vwxyz"), "n": [5, 4, 4, 4, 3]})
    kept, left_out = top_with_ties(frame, 2, ["n"])
    assert kept["term"].tolist() == ["v"] and left_out == 3  # the tie of three at 4 does not fit in 2: cut above
    kept, left_out = top_with_ties(frame, 2, ["n"], most=4)
    assert kept["term"].tolist() == ["v", "w", "x", "y"] and left_out == 0
    kept, left_out = top_with_ties(frame, 4, ["n"])
    assert kept["term"].tolist() == ["v", "w", "x", "y"] and left_out == 0  # the cut falls between 4 and 3
    assert top_with_ties(frame, 9, ["n"])[0].equals(frame)


def test_effect_vs_limitation_counts_the_same_programs():
    items, term_frame = tiny()
    paired = effect_vs_limitation(term_frame, items, zushi_comparison()).set_index(["support_type", "term"])
    # A: program 1 says "a" among its effects, program 2 among its limitations; none in both.
    assert paired.loc[("A", "a"), ["programs", "programs_effect", "programs_limitation", "programs_both"]].tolist() == [
        2, 1, 1, 0]
    assert paired.loc[("B", "c"), ["programs_effect", "items_effect", "items_limitation"]].tolist() == [1, 2, 0]
    assert paired["programs_paired"].tolist() == [0] * len(paired)  # no program has items on both sides


def test_the_programs_that_can_use_a_word_on_both_sides_are_counted(bundled_analysis):
    """場の提供 has 3 programs, but NO 6 has no 限界 item: at most 2 can use a word in both (a KH Coder user read 3)."""
    paired = bundled_analysis["effect_vs_limitation"].drop_duplicates("support_type").set_index("support_type")
    assert paired[["programs", "programs_paired"]].to_dict("index") == {
        "財政的支援": {"programs": 3, "programs_paired": 3}, "人的支援": {"programs": 2, "programs_paired": 2},
        "場の提供": {"programs": 3, "programs_paired": 2}}
    assert (bundled_analysis["effect_vs_limitation"]["programs_both"]
            <= bundled_analysis["effect_vs_limitation"]["programs_paired"]).all()


def test_cooccurrence_by_hand():
    items, term_frame = tiny()
    # a: {i1, i2, i3}, b: {i1, i2}, c: {i3, i4} → J(a,b) = 2/3, J(a,c) = 1/4, J(b,c) = 0.
    nodes, edges = cooccurrence(term_frame, items, top_n=10, min_units=2)
    got = {(e.source, e.target): e.jaccard for e in edges.itertuples()}
    assert got == {("a", "b"): pytest.approx(2 / 3), ("a", "c"): pytest.approx(0.25)}
    _, edges1 = cooccurrence(term_frame, items, top_n=1, min_units=2)
    assert edges1[["source", "target"]].values.tolist() == [["a", "b"]]
    # By program: a in {p1, p2, p3}, b in {p1, p2}, c in {p3} (below min_units=2).
    _, by_program = cooccurrence(term_frame, items, unit="program", min_units=2)
    assert by_program[["source", "target", "n_both"]].values.tolist() == [["a", "b", 2]]
    again = cooccurrence(term_frame, items, top_n=10, min_units=2)
    assert again[0].equals(nodes) and again[1].equals(edges)
    # Three terms each pair of which shares one of three items: J = 1/3 three times. top_n=1 keeps the whole tie.
    tied = pd.DataFrame({"item_id": ["i1", "i2", "i1", "i3", "i2", "i3"], "term": list("xxyyzz")})
    _, tied_edges = cooccurrence(tied, items, top_n=1, min_units=2)
    assert len(tied_edges) == 3 and set(tied_edges["jaccard"].round(6)) == {round(1 / 3, 6)}
    linked, linked_edges = cooccurrence(term_frame, items, min_units=2, link_to="support_type", link_top=1)
    assert set(linked.loc[linked["kind"] == "support_type", "node"]) == {"A", "B"}
    # A's items {i1, i2}: J(b, A) = 1 is its strongest link; B's items {i3, i4}: J(c, B) = 1.
    links = linked_edges[linked_edges["kind"] == "support_type"]
    assert links[["source", "target"]].values.tolist() == [["A", "b"], ["B", "c"]]


def test_correspondence_analysis_by_hand():
    # Perfectly separated terms: total inertia = χ²/n = 1 on the single axis; terms at ±1.
    items = pd.DataFrame({"item_id": ["i1", "i2"], "source_file": "t", "year": pd.array([None, None], dtype="Int64"),
                          "support_type": ["A", "B"], "program_no": [1, 2], "program": ["p", "q"],
                          "aspect": ["effect", "effect"], "text": ["", ""]})
    term_frame = pd.DataFrame({"item_id": ["i1", "i1", "i2", "i2"], "term": ["x", "x", "y", "y"]})
    term_coords, group_coords, inertia = correspondence(term_frame, items, top_n=10)
    assert inertia["inertia"].tolist() == pytest.approx([1.0])
    assert inertia["share"].tolist() == pytest.approx([1.0])
    assert sorted(term_coords["dim1"].abs().tolist()) == pytest.approx([1.0, 1.0])
    assert group_coords.set_index("group").loc["A", "dim1"] > 0  # sign convention: first group positive
    assert term_coords.set_index("term").loc["x", "dim1"] == pytest.approx(group_coords.set_index("group").loc["A", "dim1"])


def test_correspondence_inertia_equals_chi2_over_n(bundled, corpus):
    _, _, term_frame = corpus
    term_coords, group_coords, inertia = correspondence(term_frame, bundled.items, top_n=25)
    assert 25 <= len(term_coords) <= 37 and len(group_coords) == 3 and len(inertia) == 2
    joined = term_frame.merge(bundled.items[["item_id", "support_type"]], on="item_id")
    table = pd.crosstab(joined["term"], joined["support_type"]).loc[term_coords["term"]]
    assert inertia["inertia"].sum() == pytest.approx(chi2_statistic(table.to_numpy()) / table.to_numpy().sum(), abs=1e-5)
    assert inertia["share"].sum() == pytest.approx(1.0, abs=1e-5)


def test_the_largest_value_is_named_only_when_it_is_unique():
    from kyodo_analysis.stats import largest

    frame = pd.DataFrame({"term": ["a", "b", "c"], "z": [1.5, 1.5, 0.2]})
    assert largest(frame, "z") == "a・b z=1.50"  # a tie of three at most is named whole
    assert largest(pd.DataFrame({"term": list("dcba"), "z": [1.5] * 4}), "z") == "z=1.50 の 4 語"  # else counted
    assert largest(frame, "z", named=1) == "z=1.50 の 2 語"  # a figure's narrow panel names none of a tie
    assert largest(frame.iloc[1:], "z") == "b z=1.50"
    assert largest(frame.assign(z=[-2.0, 1.0, 0.0]), "z", absolute=True) == "a |z|=2.00"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.sampled_from(["団体", "補助金", "市", "場", "Zen", "活動", "a", "b"])),
                max_size=60))
def test_jaccard_pairs_equal_the_readable_definition(rows):
    from kyodo_analysis.network import jaccard_pairs, jaccard_pairs_reference

    incidence = pd.DataFrame(rows, columns=["unit", "term"]).drop_duplicates()
    incidence["unit"] = "item-" + incidence["unit"].astype(str)
    fast, reference = jaccard_pairs(incidence), jaccard_pairs_reference(incidence)
    assert fast.astype(object).values.tolist() == reference.astype(object).values.tolist()  # same pairs, same floats


def test_jaccard_pairs_of_the_bundled_table_equal_the_definition(bundled_analysis):
    from kyodo_analysis.network import jaccard_pairs, jaccard_pairs_reference
    from kyodo_analysis.stats import term_items

    joined = term_items(bundled_analysis["terms"], bundled_analysis["items"])
    incidence = joined[["item_id", "term"]].drop_duplicates().rename(columns={"item_id": "unit"})
    fast, reference = jaccard_pairs(incidence), jaccard_pairs_reference(incidence)
    assert len(fast) > 1000 and fast.astype(object).values.tolist() == reference.astype(object).values.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["財政的支援", "人的支援", "場の提供", "b", "a", None]), st.integers(0, 9)),
                max_size=40))
def test_sets_of_equals_the_grouped_sets(rows):
    """sets_of is the groupby one-liner: same keys (sorted, a missing key left out), same sets, same dtype."""
    from kyodo_analysis.stats import sets_of

    frame = pd.DataFrame(rows, columns=["group", "unit"]).astype({"group": "string"})
    frame["unit"] = "item-" + frame["unit"].astype(str)
    reference = frame.groupby("group")["unit"].agg(frozenset)
    made = sets_of(frame, "group", "unit")
    assert made.index.tolist() == reference.index.tolist() and made.tolist() == reference.tolist()
    assert made.index.dtype == reference.index.dtype


def test_sets_of_a_small_frame():
    from kyodo_analysis.stats import sets_of

    frame = pd.DataFrame({"term": ["市", "団体", "市", None, "市"], "item_id": ["i2", "i1", "i1", "i3", "i2"]})
    assert sets_of(frame, "term", "item_id").to_dict() == {"団体": frozenset({"i1"}), "市": frozenset({"i1", "i2"})}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.sampled_from(["c1", "c2", "c3", "other"])), max_size=30),
       st.permutations(range(6)), st.lists(st.sampled_from(["c1", "c2", "c3", "c4"]), unique=True))
def test_coded_items_equal_the_cross_table(pairs, order, codes):
    """coded_items against its definition, pd.crosstab reindexed: items beyond the list (ids 6–8), codes no
    rule asked for (other), codes nobody has (c4) and an empty list of codes included."""
    from kyodo_analysis.code_tests import coded_items

    item_codes = pd.DataFrame([(f"i{n}", c) for n, c in pairs], columns=["item_id", "code"], dtype="string")
    item_ids = pd.Series([f"i{n}" for n in order], dtype="string")
    reference = pd.crosstab(item_codes["item_id"], item_codes["code"]).reindex(
        index=item_ids, columns=codes, fill_value=0) > 0
    made = coded_items(item_codes, item_ids, codes)
    assert made.to_numpy().tolist() == reference.to_numpy().tolist()
    assert made.index.tolist() == item_ids.tolist() and made.columns.tolist() == codes


def counts_reference(frame: pd.DataFrame, items: pd.DataFrame, by: list[str], column: str = "term") -> pd.DataFrame:
    """The definition of :func:`counts` before it counted integers: join each row to its item, then count rows,
    distinct item ids and distinct program keys per group × term."""
    from kyodo_analysis.stats import COUNT_COLUMNS, program_keys

    meta = items[["item_id", *by]].assign(program_key=program_keys(items))
    joined = frame[["item_id", column]].merge(meta, on="item_id", how="inner", validate="many_to_one")
    out = (joined.groupby([*by, column], dropna=False, sort=False)
           .agg(n=("item_id", "size"), n_items=("item_id", "nunique"), n_programs=("program_key", "nunique"))
           .reset_index())
    return out.sort_values([*by, column], kind="stable", na_position="first")[[*by, column, *COUNT_COLUMNS]]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", None]), st.integers(1, 2), st.sampled_from(["t.tsv", "u.xlsx"]),
                          st.sampled_from([2018, 2025]), st.sampled_from(["effect", "limitation"])), min_size=1,
                max_size=12),
       st.lists(st.tuples(st.integers(0, 14), st.sampled_from(["団体", "市", "場"])), max_size=40),
       st.sampled_from([["support_type"], ["year", "support_type", "aspect"]]))
def test_counts_equal_their_definition(item_rows, term_rows, by):
    """Counting integers (an item's row, a program's number) gives the counts of the join on strings: groups
    missing (None), programs of the same NO in two files, and terms of items not compared (ids past the list)."""
    items = pd.DataFrame(item_rows, columns=["support_type", "program_no", "source_file", "year", "aspect"])
    items.insert(0, "item_id", [f"i{k}" for k in range(len(items))])
    items = items.astype({"support_type": "string", "item_id": "string"})
    frame = pd.DataFrame([(f"i{k}", t) for k, t in term_rows], columns=["item_id", "term"], dtype="string")
    made = counts(frame, items, by=by)
    made = made.sort_values([*by, "term"], kind="stable", na_position="first")
    reference = counts_reference(frame, items, by)
    assert made.astype(object).values.tolist() == reference.astype(object).values.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", None]), st.integers(1, 3), st.sampled_from(["effect", "limitation"])),
                max_size=8),
       st.lists(st.tuples(st.integers(0, 10), st.sampled_from(["団体", "市"])), max_size=25),
       st.sampled_from(["support_type", "aspect"]))
def test_term_items_equal_the_merge(item_rows, term_rows, by):
    """term_items joins by position what the merge on item ids joined: same rows in the same order, same
    columns and dtypes (terms of ids past the items dropped; ``by`` already among the columns)."""
    from kyodo_analysis.stats import program_keys, term_items

    items = pd.DataFrame(item_rows, columns=["support_type", "program_no", "aspect"], dtype=object)
    items.insert(0, "item_id", [f"i{k}" for k in range(len(items))])
    items = items.assign(source_file="t.tsv", year=pd.array([2018] * len(items), dtype="Int64"),
                         program=[f"p{n}" for n in items["program_no"]]).astype(
        {"item_id": "string", "support_type": "string", "program_no": "Int64"})
    term_frame = pd.DataFrame([(f"i{k}", t, k % 2 == 0) for k, t in term_rows], columns=["item_id", "term", "negated"])
    term_frame = term_frame.astype({"item_id": "string", "term": "string"})
    columns = list(dict.fromkeys(["item_id", "source_file", "year", by, "program_no", "program", "aspect"]))
    reference = term_frame.merge(items[columns].assign(program_key=program_keys(items)), on="item_id", how="inner")
    pd.testing.assert_frame_equal(term_items(term_frame, items, by), reference)
