"""The 表記ゆれ assistant: spellings that may be one word, listed for the researcher to accept — never
merged silently (``synonym_candidates.csv``).

Four kinds of candidate (``kind``):

- ``reading``: two counted terms whose UniDic lemma readings are the same (ステップアップ / ステップ・アップ;
  also true homophones such as 機会 / 機械 — that is why a person decides);
- ``lemma``: spellings UniDic gives one lemma, which the package already counts as one word (しくみ →
  仕組み, README「表記と同義語」): listed so the merge can be checked, status ``merged``;
- ``katakana``: katakana words one edit apart, or equal once small kana are written large and ー・ are
  dropped (ボランテイア / ボランティア, コーディネータ / コーディネーター);
- ``width``: words equal once full- and half-width forms are unified (NFKC) and Latin case folded
  (ＮＰＯ / NPO).

Accepting a candidate is one line ``代表語 = 別表記`` (the ``synonyms_line`` column) added to
``resources/synonyms.txt`` or the researcher's own list (``--synonyms``); the next run counts them as one.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import combinations

import numpy as np
import pandas as pd

from .coding import grouped
from .phrases import variants
from .schema import one_edit_apart  # the one rule, shared with the headers' misspellings
from .spelling import respelled, written_forms
from .stats import sets_of
from .tokens import item_starts

CANDIDATE_COLUMNS = ["kind", "word", "variant", "reading", "n_items_word", "n_items_variant", "status",
                     "synonyms_line", "items_word", "items_variant"]
CONTENT = ("名詞", "動詞", "形容詞", "形状詞", "副詞")  # parts of speech whose merged spellings are listed
KIND_ORDER = ["width", "katakana", "reading", "lemma"]
_KATAKANA = re.compile(r"^[\u30A1-\u30FA\u30FC\u30FB]{3,}$")
_SMALL = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")


def term_readings(term_frame: pd.DataFrame, token_frame: pd.DataFrame) -> dict[str, str]:
    """Each (non-negated) term's reading: its tokens' lemma readings joined (the first occurrence whose
    tokens all have one). Token ``no`` of an item is found by position: an item's tokens are contiguous rows
    numbered from 1 (:func:`tokens.tokens`)."""
    reading = token_frame["lemma_reading"].tolist()
    row_of = first_rows(token_frame)
    readings: dict[str, str] = {}
    for item_id, term, negated, first, last in zip(*(term_frame[c].tolist() for c in (
            "item_id", "term", "negated", "first_token_no", "last_token_no")), strict=True):
        if negated or term in readings or item_id not in row_of:
            continue
        parts = [reading[row_of[item_id] + no - 1] for no in range(int(first), int(last) + 1)]
        if all(isinstance(p, str) and p for p in parts):
            readings[term] = "".join(parts)
    return readings


def first_rows(token_frame: pd.DataFrame) -> dict[str, int]:
    """Each item's first row in the token table, whose rows are numbered 1, 2, … within each item (checked)."""
    ids = token_frame["item_id"].to_numpy(dtype=object)
    starts = item_starts(ids)
    numbers = np.arange(len(ids)) - np.repeat(starts, np.diff(np.r_[starts, len(ids)])) + 1
    if not np.array_equal(numbers, token_frame["token_no"].to_numpy(dtype=np.int64)) or len(set(ids[starts])) < len(starts):
        raise ValueError("a token table's rows must be its items' tokens, each item's contiguous and numbered from 1")
    return dict(zip(ids[starts].tolist(), starts.tolist(), strict=True))


def katakana_key(word: str) -> str:
    """A katakana word with small kana written large and ー・ dropped (ボランテイア and ボランティア agree)."""
    return word.translate(_SMALL).replace("ー", "").replace("・", "")


def katakana_pairs(words: list[str]) -> set[tuple[str, str]]:
    """Pairs of katakana words one edit apart or equal by :func:`katakana_key`, found through the words'
    one-deletion neighbourhoods (linear in the vocabulary, not quadratic)."""
    kana = sorted(w for w in words if _KATAKANA.match(w))
    buckets: dict[str, set[str]] = {}
    for word in kana:
        keys = {word, katakana_key(word), *(word[:i] + word[i + 1:] for i in range(len(word)))}
        for key in keys:
            buckets.setdefault(key, set()).add(word)
    pairs = set()
    for members in buckets.values():
        for a, b in combinations(sorted(members), 2):
            if one_edit_apart(a, b) or katakana_key(a) == katakana_key(b):
                pairs.add((a, b))
    return pairs


def grouped_pairs(words: list[str], key) -> set[tuple[str, str]]:
    """Pairs of different words with the same ``key``."""
    groups: dict[str, list[str]] = {}
    for word in sorted(set(words)):
        groups.setdefault(key(word), []).append(word)
    return {pair for members in groups.values() for pair in combinations(members, 2)}


def in_terms(token_frame: pd.DataFrame, term_frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Which of the tokens marked in ``rows`` lie inside a term (応ずる of 相談に応ずる, not of the function
    expression に応じて, which is counted as no word)."""
    wanted = token_frame.loc[rows, ["item_id", "token_no"]]
    spans = term_frame[term_frame["item_id"].isin(set(wanted["item_id"]))]
    covered: dict[str, list[tuple[int, int]]] = {}
    for item_id, first, last in zip(spans["item_id"], spans["first_token_no"], spans["last_token_no"], strict=True):
        covered.setdefault(item_id, []).append((int(first), int(last)))
    inside = [any(f <= no <= last for f, last in covered.get(item_id, ()))
              for item_id, no in zip(wanted["item_id"], wanted["token_no"], strict=True)]
    out = np.zeros(len(token_frame), dtype=bool)
    out[np.flatnonzero(rows)[inside]] = True
    return out


def lemma_merges(token_frame: pd.DataFrame, term_frame: pd.DataFrame
                 ) -> tuple[dict[tuple[str, str, str], list[str]], dict[str, list[str]]]:
    """(counted spelling, other spelling, reading) → the items written with the other spelling, for every
    spelling of a content word (``CONTENT``) the lemma merge counts as another; and the items in which each
    counted spelling is written as it is (仕組み, not the しくみ counted as 仕組み). Only tokens inside a term
    count: a word a function expression holds is no word at all (:func:`in_terms`)."""
    written = pd.Series(written_forms(token_frame), dtype=object)
    content = token_frame["pos1"].isin(CONTENT).to_numpy(dtype=bool)
    # a content word (CONTENT) written in a spelling the variant table lists: only such a token can be counted as
    # another spelling; the few rows are read, not a copy of every token
    read = in_terms(token_frame, term_frame, content & written.isin(variants().keys()).to_numpy(dtype=bool))
    respelt, spelt = token_frame[read], written[read].tolist()
    merged: dict[tuple[str, str, str], set[str]] = {}
    for item_id, w, s, r in zip(respelt["item_id"].tolist(), respelled(spelt), spelt,
                                respelt["lemma_reading"].tolist(), strict=True):
        if isinstance(s, str) and isinstance(w, str) and w != s:
            merged.setdefault((w, s, r if isinstance(r, str) else ""), set()).add(item_id)
    own = in_terms(token_frame, term_frame, content & written.isin({counted for counted, _, _ in merged}).to_numpy(dtype=bool))
    written_as = grouped(zip(written[own].tolist(), token_frame["item_id"].to_numpy()[own].tolist(), strict=True))
    return ({key: sorted(ids) for key, ids in sorted(merged.items())},
            {word: sorted(ids) for word, ids in written_as.items()})


def synonym_candidates(term_frame: pd.DataFrame, token_frame: pd.DataFrame, mention_frame: pd.DataFrame
                       ) -> pd.DataFrame:
    """``synonym_candidates.csv``: one row per candidate pair, the more widely used spelling as ``word`` (the
    representative of the suggested ``synonyms_line``), with the items where each spelling is written."""
    items_of = {word: sorted(ids) for word, ids in sets_of(mention_frame, "word", "item_id").items()}
    vocabulary = sorted(items_of)
    readings = term_readings(term_frame, token_frame)
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for a, b in grouped_pairs(vocabulary, lambda w: unicodedata.normalize("NFKC", w).casefold()):
        found.setdefault((a, b), ("width", ""))
    for a, b in katakana_pairs(vocabulary):
        found.setdefault((a, b), ("katakana", ""))
    for a, b in grouped_pairs(list(readings), readings.get):
        found.setdefault((a, b), ("reading", readings[a]))
    rows = [candidate_row(kind, a, b, reading, items_of, "candidate") for (a, b), (kind, reading) in found.items()]
    merged, own = lemma_merges(token_frame, term_frame) if len(token_frame) else ({}, {})
    rows += [candidate_row("lemma", counted, other, reading, {counted: own.get(counted, []), other: ids}, "merged",
                           fixed=True) for (counted, other, reading), ids in merged.items()]
    frame = pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
    frame["_kind"] = frame["kind"].map({k: i for i, k in enumerate(KIND_ORDER)})
    frame = frame.sort_values(["_kind", "word", "variant"], kind="stable").drop(columns="_kind")
    return frame.drop_duplicates(["kind", "word", "variant"]).reset_index(drop=True).astype(
        {"n_items_word": "Int64", "n_items_variant": "Int64"})


def candidate_row(kind: str, a: str, b: str, reading: str, items_of: dict, status: str, fixed: bool = False) -> dict:
    """A candidate pair with ``word`` the spelling used in more items (``a`` when ``fixed``, or on a tie the
    one first in text order). A merged lemma's ``synonyms_line`` is empty: there is nothing to accept."""
    word, variant = (a, b) if fixed or (len(items_of.get(a, [])), b) >= (len(items_of.get(b, [])), a) else (b, a)
    return {"kind": kind, "word": word, "variant": variant, "reading": reading,
            "n_items_word": len(items_of.get(word, [])), "n_items_variant": len(items_of.get(variant, [])),
            "status": status, "synonyms_line": "" if fixed else f"{word} = {variant}",
            "items_word": " ".join(items_of.get(word, [])), "items_variant": " ".join(items_of.get(variant, []))}


KIND_JA = {"width": "全角・半角", "katakana": "カタカナの表記", "reading": "同じ読み", "lemma": "同じ見出し語"}
STATUS_JA = {"candidate": "候補 (まだまとめていない)", "merged": "まとめ済み (UniDic の見出し語)"}


def shown(candidates: pd.DataFrame) -> pd.DataFrame:
    """The candidates with Japanese headers and labels, for the notebook and the workbook."""
    frame = candidates.assign(kind=candidates["kind"].map(KIND_JA), status=candidates["status"].map(STATUS_JA))
    return frame.rename(columns={"kind": "種類", "word": "代表の表記", "variant": "別の表記", "reading": "読み",
                                 "n_items_word": "項目数(代表)", "n_items_variant": "項目数(別)", "status": "状態",
                                 "synonyms_line": "同義語リストに加える行", "items_word": "項目ID(代表)",
                                 "items_variant": "項目ID(別)"})
