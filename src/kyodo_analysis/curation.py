"""Reports for curating the word lists (2.0): words the dictionary does not know, and compounds worth a
look (fused by the joiner, or terms standing side by side); and for the coding rules, their words that no
item holds, counted per file and warned of per city. They read the token and term tables; nothing they
find changes a count until the researcher edits a list."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from .coding import Rule, shown_words, unused_rule_words
from .terms import FORCED, NOUN
from .wordlists import PACKAGED, WordLists, is_packaged


def unknown_words(token_frame: pd.DataFrame, term_frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Words the dictionary does not know, with how often and where they occur (to curate the lists).

    A token inside a forced term (Wi and Fi of Wi-Fi) is already counted as that term: it is left out."""
    unknown = token_frame[token_frame["is_unknown"] & ~token_frame["pos1"].isin(["補助記号", "記号"])
                          & (token_frame["pos2"] != "数詞")]
    if term_frame is not None:
        covered = forced_tokens(term_frame)
        keys = zip(unknown["item_id"].tolist(), unknown["token_no"].tolist(), strict=True)
        unknown = unknown[pd.Series([key not in covered for key in keys], index=unknown.index, dtype=bool)]
    report = (unknown.groupby("surface").agg(n=("item_id", "size"), n_items=("item_id", "nunique"),
                                             example_item_id=("item_id", "min"))
              .reset_index().sort_values(["n", "surface"], ascending=[False, True], kind="stable"))
    return report.reset_index(drop=True)


def forced_tokens(term_frame: pd.DataFrame) -> set[tuple[str, int]]:
    """(item_id, token_no) of every token inside a forced term."""
    forced = term_frame[term_frame["pos"] == FORCED]
    return {(item_id, no) for item_id, first, last in zip(*(forced[c].tolist() for c in (
        "item_id", "first_token_no", "last_token_no")), strict=True) for no in range(first, last + 1)}


def candidate_compounds(term_frame: pd.DataFrame, forced: Collection[str], min_count: int = 2) -> pd.DataFrame:
    """Compounds worth a look: noun runs the joiner fused, and terms that stand side by side, not yet forced
    (``forced``: the forced-term list's words).

    ``kind`` is ``joined`` for a multi-token compound the joiner built (check it is not over-joined,
    e.g. 補助金交付終了後), ``adjacent`` for two terms next to each other (candidates for the forced list).
    """
    joined = term_frame[term_frame["pos"].isin([NOUN, FORCED]) & ~term_frame["negated"]
                        & (term_frame["last_token_no"] > term_frame["first_token_no"])]
    fused = joined.groupby("term").agg(n=("item_id", "size"), n_items=("item_id", "nunique"))
    rows = [(term, "joined", n, n_items) for term, n, n_items in fused.itertuples(name=None)]
    pairs: dict[str, list[str]] = {}
    item_id, term = (term_frame[c].to_numpy(dtype=object) for c in ("item_id", "term"))
    for k in adjacent_terms(term_frame):
        pairs.setdefault(term[k] + term[k + 1], []).append(item_id[k + 1])
    for candidate, item_ids in pairs.items():
        rows.append((candidate, "adjacent", len(item_ids), len(set(item_ids))))
    report = pd.DataFrame(rows, columns=["candidate", "kind", "n", "n_items"])
    report = report[(report["n"] >= min_count) & ~report["candidate"].isin(set(forced))]
    return report.sort_values(["n", "kind", "candidate"], ascending=[False, True, True], kind="stable").reset_index(drop=True)


def adjacent_terms(term_frame: pd.DataFrame) -> list[int]:
    """The rows whose term is followed, in the same item, by a term starting at the next token, neither of
    them negated nor a verb (the terms of an item are in reading order)."""
    item_id, pos = (term_frame[c].to_numpy(dtype=object) for c in ("item_id", "pos"))
    first, last = (term_frame[c].to_numpy(dtype=np.int64) for c in ("first_token_no", "last_token_no"))
    plain = ~term_frame["negated"].to_numpy(dtype=bool) & (pos != "動詞")
    follows = (item_id[1:] == item_id[:-1]) & (last[:-1] + 1 == first[1:]) & plain[:-1] & plain[1:]
    return np.flatnonzero(follows).tolist()


def vocabularies(items: pd.DataFrame, term_frame: pd.DataFrame, mention_frame: pd.DataFrame) -> dict[str, set[str]]:
    """Each raw file's vocabulary: the terms of its items and the words they mention (what a coding rule's
    word can match), by file in file order."""
    files = list(dict.fromkeys(items["source_file"].tolist()))
    found: dict[str, set[str]] = {file: set() for file in files}
    file_of = pd.Series(items["source_file"].to_numpy(), index=items["item_id"].to_numpy())
    for frame, column in ((term_frame, "term"), (mention_frame, "word")):
        if len(files) == 1:  # one file: every word is its own (the same sets, without the lookup)
            found[files[0]].update(frame[column].unique().tolist())
            continue
        pairs = pd.DataFrame({"file": frame["item_id"].map(file_of).to_numpy(), "word": frame[column].to_numpy()})
        for file, group in pairs.drop_duplicates().groupby("file", sort=False):
            found[file].update(group["word"].tolist())
    return found


def rule_warnings(rules: list[Rule], source: str, words: dict[str, set[str]], cities: dict[str, str | None],
                  stop: frozenset[str] = frozenset()) -> list[str]:
    """The warning of rule words no item holds: for the whole run, or, when the files are of several cities,
    for each city on its own — another city's items holding a word say nothing of whether this city's do
    (a town coded with Zushi's packaged rules is told so, though Zushi's table beside it holds every word);
    a word of the stop list ``stop`` is said as such."""
    if len(set(cities.values())) < 2:
        return unused_rule_words(rules, set().union(*words.values()), source, stop=stop)
    by_city: dict[str | None, set[str]] = {}
    for file, vocabulary in words.items():
        by_city.setdefault(cities[file], set()).update(vocabulary)
    return [w for city, vocabulary in by_city.items() for w in unused_rule_words(
        rules, vocabulary, source, where=f"{city}の表では、" if city else "市町村名のない表では、", stop=stop)]


def unused_forced_warnings(lists: WordLists, vocabulary: set[str], texts: list[str]) -> list[str]:
    """The warning of a researcher's forced terms that no item counts (a typo, or an entry that does not end
    where the dictionary's words end: 補助金交 of 補助金 + 交付 is never spelled by whole tokens), naming the ones
    the text holds all the same; nothing for the packaged list (written for Zushi's table)."""
    source = lists.sources.get("forced_terms", {}).get("source", PACKAGED)
    if is_packaged(source):
        return []
    unused = [word for word in sorted(lists.forced) if lists.counted_as(word) not in vocabulary and word not in lists.stop]
    if not unused:
        return []
    text = "\n".join(texts)
    cut = [word for word in unused if word in text]
    said = (f"うち {shown_words(cut)} は本文にありますが、辞書の語の切れ目で始まり終わる形でないため1語になりません "
            "(前後の文字を足すか削って、語の切れ目に合わせてください)。" if cut else "綴りを確かめてください。")
    return [f"強制抽出のリスト {source} の {len(unused)} 語はどの項目の語にもなっていません ({shown_words(unused)})。{said}"]
