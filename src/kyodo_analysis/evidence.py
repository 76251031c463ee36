"""Every number traceable to its sentences: which words made an item count for a code
(``code_evidence.csv``), and the ids of the items behind each count of the code and keyword tables."""

from __future__ import annotations

import pandas as pd

from .coding import Rule, grouped, item_words, naming_rows, positive_words
from .stats import ALL_ASPECTS, term_items
from .terms import NEGATED

EVIDENCE_LABELS = {"term": "抽出語", "compound": "複合語の中", "negated": "否定の形", "not": "not の条件だけ"}
EVIDENCE_COLUMNS = ["item_id", "year", "program_no", "program", "aspect", "code", "word", "found_as", "term",
                    "negated", "condition"]
# declared, not inferred: a table whose rows are all "not" rows has no word, and its types must be those of any other
EVIDENCE_TYPES = {**dict.fromkeys(EVIDENCE_COLUMNS, "str"), "year": "Int64", "program_no": "Int64", "negated": bool}


def code_evidence(rules: list[Rule], item_codes: pd.DataFrame, items: pd.DataFrame, term_frame: pd.DataFrame,
                  mention_frame: pd.DataFrame) -> pd.DataFrame:
    """``code_evidence.csv``: one row per coded item × code × rule word found in the item — ``found_as``
    ``term`` (a counted term), ``negated`` (the word's negated form is the term: 増える in 増える(否定)) or
    ``compound`` (inside the compound ``term``); ``negated`` when what was found is a negated form (進む(否定)).
    An item coded only through ``not`` gets one row with no word."""
    conditions = {rule.code: rule for rule in rules}
    triggers = {rule.code: list(dict.fromkeys(positive_words(rule.condition))) for rule in rules}
    named = {word for words in triggers.values() for word in words}  # nothing else is looked up
    term_frame, mention_frame = naming_rows(term_frame, mention_frame, named)
    words = item_words(term_frame, mention_frame)
    terms_of = grouped(zip(term_frame["item_id"].tolist(), term_frame["term"].tolist(), strict=True))
    holders = grouped(zip(zip(mention_frame["item_id"].tolist(), mention_frame["word"].tolist(), strict=True),
                          mention_frame["term"].tolist(), strict=True))
    meta = dict(zip(items["item_id"].tolist(), items[EVIDENCE_COLUMNS[1:5]].itertuples(index=False, name=None),
                    strict=True))
    rows = []
    for item_id, code in zip(item_codes["item_id"].tolist(), item_codes["code"].tolist(), strict=True):
        base = (item_id, *meta[item_id], code)
        found = [w for w in triggers[code] if w in words.get(item_id, frozenset())]
        for word in found:
            held = {word} if word in terms_of.get(item_id, set()) else holders.get((item_id, word), set())
            how = found_as(word, held)
            rows.append((*base, word, how, " ".join(sorted(held)), word.endswith(NEGATED) or how == "negated",
                         conditions[code].text))
        if not found:
            rows.append((*base, pd.NA, "not", pd.NA, False, conditions[code].text))
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS).astype(EVIDENCE_TYPES)


def found_as(word: str, held: set[str]) -> str:
    """How a rule's word was found, from the terms that hold it: the term itself, its negated form only
    (増える in 増えていない), or inside a compound."""
    if held == {word}:
        return "term"
    return "negated" if held == {word + NEGATED} else "compound"


def keyword_item_ids(keywords: pd.DataFrame, term_frame: pd.DataFrame, items: pd.DataFrame, by: str) -> pd.DataFrame:
    """``keywords.csv`` with the ids of the items behind each row (``item_ids``, space-separated)."""
    joined = term_items(term_frame, items, by)
    keys = ["year", by, "aspect", "term"]
    ids = joined.groupby(keys, dropna=False)["item_id"].agg(lambda s: " ".join(sorted(set(s)))).rename("item_ids")
    return keywords.merge(ids.reset_index(), on=keys, how="left")


def code_item_ids(codes: pd.DataFrame, item_codes: pd.DataFrame, items: pd.DataFrame, by: str) -> pd.DataFrame:
    """``codes.csv`` with the ids of the coded items behind each row's count (``item_ids``; the ``all``
    rows pool the aspects)."""
    coded = item_codes.merge(items[["item_id", "year", by, "aspect"]], on="item_id", how="inner")
    pooled = coded.assign(aspect=ALL_ASPECTS)
    keys = ["year", "code", by, "aspect"]
    ids = pd.concat([coded, pooled]).groupby(keys, dropna=False)["item_id"].agg(
        lambda s: " ".join(sorted(set(s)))).rename("item_ids").reset_index()
    out = codes.merge(ids, on=keys, how="left")
    out["item_ids"] = out["item_ids"].fillna("")
    return out
