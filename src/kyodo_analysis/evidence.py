"""Every number traceable to its sentences: which words made an item count for a code
(``code_evidence.csv``), and the ids of the items behind each count of the code and keyword tables."""

from __future__ import annotations

import pandas as pd

from .coding import Rule, item_words, positive_words
from .stats import ALL_ASPECTS, term_items
from .terms import NEGATED

EVIDENCE_LABELS = {"term": "抽出語", "compound": "複合語の中", "not": "not の条件だけ"}
EVIDENCE_COLUMNS = ["item_id", "year", "program_no", "program", "aspect", "code", "word", "found_as", "term",
                    "negated", "condition"]


def code_evidence(rules: list[Rule], item_codes: pd.DataFrame, items: pd.DataFrame, term_frame: pd.DataFrame,
                  mention_frame: pd.DataFrame) -> pd.DataFrame:
    """``code_evidence.csv``: one row per coded item × code × rule word found in the item — ``found_as``
    ``term`` (a counted term) or ``compound`` (inside the compound ``term``), ``negated`` when the word is
    a negated form (進む(否定)). An item coded only through ``not`` gets one row with no word."""
    conditions = {rule.code: rule for rule in rules}
    words = item_words(term_frame, mention_frame)
    terms_of = term_frame.groupby("item_id")["term"].agg(set).to_dict()
    holders = mention_frame.groupby(["item_id", "word"])["term"].agg(lambda s: " ".join(sorted(set(s)))).to_dict()
    meta = items.set_index("item_id")
    rows = []
    for item_id, code in zip(item_codes["item_id"].tolist(), item_codes["code"].tolist(), strict=True):
        rule = conditions[code]
        info = meta.loc[item_id]
        base = {"item_id": item_id, "year": info["year"], "program_no": info["program_no"], "program": info["program"],
                "aspect": info["aspect"], "code": code, "condition": rule.text}
        found = [w for w in dict.fromkeys(positive_words(rule.condition)) if w in words.get(item_id, frozenset())]
        for word in found:
            as_term = word in terms_of.get(item_id, set())
            rows.append({**base, "word": word, "found_as": "term" if as_term else "compound",
                         "term": word if as_term else holders.get((item_id, word), ""), "negated": word.endswith(NEGATED)})
        if not found:
            rows.append({**base, "word": pd.NA, "found_as": "not", "term": pd.NA, "negated": False})
    frame = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    return frame.astype({"year": "Int64", "program_no": "Int64", "negated": bool})


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
