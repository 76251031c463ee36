"""Morphological analysis: items → tokens (fugashi + unidic-lite, one row per morpheme).

The dictionary is pinned to unidic-lite. Long items are cut for the tokenizer at sentence ends (then
at a safe length), keeping every token's character offset in the item.
"""

from __future__ import annotations

import importlib.metadata
import re
from functools import lru_cache

import fugashi
import numpy as np
import pandas as pd
import unidic_lite

from .dtypes import TEXT

TOKEN_COLUMNS = ["item_id", "token_no", "surface", "base", "lemma", "lemma_reading", "pos1", "pos2", "pos3",
                 "is_unknown", "start"]
TYPE_COLUMNS = TOKEN_COLUMNS[2:-1]  # what a token's type decodes to (token_type)
MAX_PIECE = 10_000  # characters handed to MeCab at once (a million without punctuation crashes it)

_GLOSS = re.compile(r"(?<=.)-[^-]*$")  # UniDic's English gloss on loanword lemmas: ステップ-step
_SENTENCE_END = re.compile(r"[。．！？!?\n]")


@lru_cache(maxsize=1)
def tagger():
    """The one tagger of this process, pinned to unidic-lite's dictionary.

    A plain ``fugashi.Tagger()`` silently switches to the full ``unidic`` package whenever that is
    installed (and fails if it was never downloaded), so the dictionary directory is given explicitly.
    """
    d = unidic_lite.DICDIR
    return fugashi.GenericTagger(f'-r "{d}/mecabrc" -d "{d}"', wrapper=fugashi.UnidicFeatures26)


@lru_cache(maxsize=1)
def dictionary_info() -> dict[str, str]:
    """Name and versions of the dictionary and tokenizer, for table metadata and figure footnotes."""
    return {"dictionary": "unidic-lite", "dictionary_version": importlib.metadata.version("unidic-lite"),
            "unidic_version": str(unidic_lite.VERSION), "tokenizer": "fugashi",
            "tokenizer_version": importlib.metadata.version("fugashi")}


def clean_lemma(lemma: str | None, surface: str) -> str:
    """The grouping key: UniDic's lemma without its English gloss; the surface for unknown words."""
    if not lemma:
        return surface
    return _GLOSS.sub("", lemma)


def token_type(word) -> tuple[str, str, str, str, str, str, str, bool]:
    """(surface, base, lemma, lemma_reading, pos1, pos2, pos3, is_unknown) of a fugashi node, decoded now.

    fugashi decodes features lazily from MeCab's buffer, which the next parse overwrites, so this is
    called inside the parse loop."""
    feature = word.feature
    surface = word.surface
    return (surface, feature.orthBase or surface, clean_lemma(feature.lemma, surface), feature.lForm or "",
            feature.pos1 or "", feature.pos2 or "", feature.pos3 or "", bool(word.is_unk))


def pieces(text: str, size: int = MAX_PIECE) -> list[tuple[int, str]]:
    """``text`` cut into (offset, piece) of at most ``size`` characters, at the last sentence end in
    each window when there is one."""
    out = []
    at = 0
    while len(text) - at > size:
        window = text[at:at + size]
        ends = [m.end() for m in _SENTENCE_END.finditer(window)]
        cut = ends[-1] if ends else size
        out.append((at, window[:cut]))
        at += cut
    out.append((at, text[at:]))
    return out


class TokenTypes:
    """The distinct (surface, raw feature) pairs met so far, each decoded once: token rows hold a type
    number, and the columns are filled from the decoded types at the end (Zipf: few types, many tokens)."""

    def __init__(self) -> None:
        self.number: dict[tuple[str, str], int] = {}
        self.decoded: list[tuple] = []

    def of(self, word) -> int:
        key = (word.surface, word.feature_raw)
        number = self.number.get(key)
        if number is None:
            number = self.number[key] = len(self.decoded)
            self.decoded.append(token_type(word))
        return number

    def table(self) -> np.ndarray:
        """The decoded types as an object array, one row per type number."""
        table = np.empty((len(self.decoded), len(TYPE_COLUMNS)), dtype=object)
        for number, kind in enumerate(self.decoded):
            table[number] = kind
        return table


def token_positions(text: str, types: TokenTypes) -> list[tuple[int, int]]:
    """(type number, start) per morpheme of one text.

    ``start`` is the token's character offset in ``text`` (MeCab skips whitespace; KWIC and the
    compound joiner need to know where it was)."""
    out = []
    for offset, piece in pieces(text):
        position = offset
        for word in tagger()(piece):
            position += len(word.white_space)
            out.append((types.of(word), position))
            position += len(word.surface)
    return out


def tokenize_text(text: str) -> list[tuple]:
    """(surface, base, lemma, lemma_reading, pos1, pos2, pos3, is_unknown, start) per morpheme of one text."""
    types = TokenTypes()
    return [(*types.decoded[number], start) for number, start in token_positions(text, types)]


def tokenize(items: pd.DataFrame) -> pd.DataFrame:
    """``tokens.csv``: one row per morpheme of every item (an item with no text has no tokens)."""
    types = TokenTypes()
    item_ids, token_nos, numbers, starts = [], [], [], []
    for item_id, text in zip(items["item_id"].tolist(), items["text"].tolist(), strict=True):
        if not isinstance(text, str):  # pandas' missing string is a float NaN
            continue
        positions = token_positions(text, types)
        item_ids += [item_id] * len(positions)
        token_nos += range(1, len(positions) + 1)
        numbers += (number for number, _ in positions)
        starts += (start for _, start in positions)
    by_type, numbers = types.table(), np.asarray(numbers, dtype=np.intp)
    return pd.DataFrame({"item_id": pd.array(item_ids, dtype=TEXT),
                         "token_no": pd.array(token_nos, dtype="Int64"),
                         **{c: pd.array(by_type[numbers, k], dtype=bool if c == "is_unknown" else TEXT)
                            for k, c in enumerate(TYPE_COLUMNS)},
                         "start": pd.array(starts, dtype="Int64")}, copy=False)


def item_starts(item_ids: np.ndarray) -> np.ndarray:
    """The row where each item's run of rows begins, in a table whose items' rows are contiguous (the token
    table; its terms): the first row, and every row whose item differs from the row before."""
    return np.flatnonzero(np.r_[True, item_ids[1:] != item_ids[:-1]]) if len(item_ids) else np.zeros(0, dtype=np.intp)
