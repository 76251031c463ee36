"""Morphological analysis: items → tokens (fugashi + unidic-lite, one row per morpheme).

The dictionary is pinned to unidic-lite. Long items are cut for the tokenizer at sentence ends (then
at a safe length), keeping every token's character offset in the item.
"""

from __future__ import annotations

import importlib.metadata
import re
from functools import lru_cache

import pandas as pd

TOKEN_COLUMNS = ["item_id", "token_no", "surface", "base", "lemma", "lemma_reading", "pos1", "pos2", "pos3",
                 "is_unknown", "start"]
MAX_PIECE = 10_000  # characters handed to MeCab at once (a million without punctuation crashes it)

_GLOSS = re.compile(r"(?<=.)-[^-]*$")  # UniDic's English gloss on loanword lemmas: ステップ-step
_SENTENCE_END = re.compile(r"[。．！？!?\n]")


@lru_cache(maxsize=1)
def tagger():
    """The one tagger of this process, pinned to unidic-lite's dictionary.

    A plain ``fugashi.Tagger()`` silently switches to the full ``unidic`` package whenever that is
    installed (and fails if it was never downloaded), so the dictionary directory is given explicitly.
    """
    import fugashi
    import unidic_lite

    d = unidic_lite.DICDIR
    return fugashi.GenericTagger(f'-r "{d}/mecabrc" -d "{d}"', wrapper=fugashi.UnidicFeatures26)


@lru_cache(maxsize=1)
def dictionary_info() -> dict[str, str]:
    """Name and versions of the dictionary and tokenizer, for table metadata and figure footnotes."""
    import unidic_lite

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


def tokenize_text(text: str, cache: dict | None = None) -> list[tuple]:
    """(surface, base, lemma, lemma_reading, pos1, pos2, pos3, is_unknown, start) per morpheme of one text.

    ``start`` is the token's character offset in ``text`` (MeCab skips whitespace; KWIC and the
    compound joiner need to know where it was). ``cache`` maps (surface, raw feature) to the decoded
    type, so a type is decoded once per call of :func:`tokenize`."""
    cache = {} if cache is None else cache
    out = []
    for offset, piece in pieces(text):
        position = offset
        for word in tagger()(piece):
            key = (word.surface, word.feature_raw)
            kind = cache.get(key)
            if kind is None:
                kind = cache[key] = token_type(word)
            position += len(word.white_space)
            out.append((*kind, position))
            position += len(key[0])
    return out


def tokenize(items: pd.DataFrame) -> pd.DataFrame:
    """``tokens.csv``: one row per morpheme of every item (an item with no text has no tokens)."""
    rows: list[tuple] = []
    cache: dict = {}
    for item_id, text in zip(items["item_id"].tolist(), items["text"].tolist(), strict=True):
        if not isinstance(text, str):  # pandas' missing string is a float NaN
            continue
        for no, token in enumerate(tokenize_text(text, cache), start=1):
            rows.append((item_id, no, *token))
    frame = pd.DataFrame(rows, columns=TOKEN_COLUMNS)
    return frame.astype({"token_no": "Int64", "start": "Int64", "is_unknown": bool,
                         **{c: "string" for c in ("item_id", "surface", "base", "lemma", "lemma_reading",
                                                  "pos1", "pos2", "pos3")}})
