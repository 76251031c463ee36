"""Which of an item's code hits stand in a negated phrase (``item_codes.csv``'s ``negated``): the term
negated itself, or a noun whose clause's next predicate is negated (:func:`negated_scope`)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from .terms import FORCED, NOUN, UNKNOWN
from .tokens import item_starts
from .units import PREDICATES

NOUN_TERMS = frozenset({NOUN, FORCED, UNKNOWN})
CLAUSE_ENDS = frozenset({"句点", "読点"})  # 補助記号 that end a clause
CLAUSE_PARTICLES_KEPT = frozenset({"て", "で"})  # 接続助詞 that do not end one (〜ていない)


def ends_clause(token_frame: pd.DataFrame) -> np.ndarray:
    """Per token, whether a noun's predicate is no longer looked for after it: 、。 or a conjunctive
    particle other than て/で (〜が、〜ので、〜たり)."""
    pos1, pos2, lemma = (token_frame[c] for c in ("pos1", "pos2", "lemma"))
    ends = ((pos1 == "補助記号") & pos2.isin(CLAUSE_ENDS)) | (
        (pos1 == "助詞") & (pos2 == "接続助詞") & ~lemma.isin(CLAUSE_PARTICLES_KEPT))
    return ends.fillna(False).to_numpy(dtype=bool)


def negated_scope(term_frame: pd.DataFrame, token_frame: pd.DataFrame | None,
                  asked: list[bool] | None = None) -> list[bool]:
    """Per term occurrence (in ``term_frame``'s order), whether it stands in a negated phrase: the term is
    negated itself (進む(否定), 決定権(否定)), or it is a noun whose clause's next predicate is negated
    (ステップアップ in 「ステップアップにつながらない」; 参加 and 店舗 in 「参加する店舗が増えていない」;
    not 拡大 in 「拡大したり、…進まない」). Without tokens, only the terms' own negation is known; the
    clause is read only for the occurrences ``asked`` marks (all when it is not given)."""
    negated = term_frame["negated"].astype(bool).tolist()
    if token_frame is None or term_frame.empty:
        return negated
    item_ids = term_frame["item_id"].tolist()
    pos, first, last = (term_frame[c].tolist() for c in ("pos", "first_token_no", "last_token_no"))
    read = [not negated[r] and (asked is None or asked[r]) and pos[r] in NOUN_TERMS for r in range(len(negated))]
    by_item: dict[str, list[int]] = {item_ids[r]: [] for r in range(len(read)) if read[r]}
    for row, item_id in enumerate(item_ids):
        if item_id in by_item:
            by_item[item_id].append(row)
    boundaries = clause_boundaries(token_frame[token_frame["item_id"].isin(list(by_item))])
    scope = list(negated)
    for item_id, rows in by_item.items():
        starts, ends = {int(first[r]): r for r in rows}, boundaries.get(item_id, [])
        for r in (r for r in rows if read[r]):
            j = int(last[r]) + 1
            while j <= len(ends):
                if j in starts and (negated[starts[j]] or pos[starts[j]] in PREDICATES):
                    scope[r] = negated[starts[j]]
                    break
                if ends[j - 1]:
                    break
                j = int(last[starts[j]]) + 1 if j in starts else j + 1
    return scope


def clause_boundaries(token_frame: pd.DataFrame) -> dict[str, list[bool]]:
    """Per item, whether each of its tokens (in order; an item's tokens are contiguous) ends a clause
    (:func:`ends_clause`)."""
    ends, item_ids = ends_clause(token_frame), token_frame["item_id"].to_numpy(dtype=object)
    starts = [*item_starts(item_ids).tolist(), len(item_ids)]
    return {item_ids[a]: ends[a:b].tolist() for a, b in pairwise(starts)}


def word_scopes(term_frame: pd.DataFrame, mention_frame: pd.DataFrame, scope: list[bool]) -> dict[tuple, list[bool]]:
    """Per (item, word a rule can name): whether each occurrence stands in a negated phrase — the term
    itself, or a word the term mentions (つながる in つながる(否定), 団体 in 申請団体)."""
    of_term: dict[tuple, list[bool]] = {}
    for item_id, term, negated in zip(term_frame["item_id"].tolist(), term_frame["term"].tolist(), scope, strict=True):
        of_term.setdefault((item_id, term), []).append(negated)
    out = {key: list(value) for key, value in of_term.items()}
    for item_id, word, term in zip(*(mention_frame[c].tolist() for c in ("item_id", "word", "term")), strict=True):
        if word != term:
            out.setdefault((item_id, word), []).extend(of_term.get((item_id, term), []))
    return out
