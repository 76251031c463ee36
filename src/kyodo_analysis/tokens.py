"""Morphological analysis (fugashi + unidic-lite) and keyword units: items → tokens → terms.

unidic-lite cuts at short units (補助金 → 補助 + 金), so the counted unit is a *term*: a forced term,
a run of nouns joined into one compound, or a verb / adjective / adjectival noun by its dictionary
form, with negation kept apart (進まない → 進む(否定)).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import itertools
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

TOKEN_COLUMNS = ["item_id", "token_no", "surface", "base", "lemma", "pos1", "pos2", "pos3", "is_unknown", "start"]
TERM_COLUMNS = ["item_id", "term", "pos", "negated", "first_token_no", "last_token_no"]
NEGATED = "(否定)"

_GLOSS = re.compile(r"(?<=.)-[^-]*$")  # UniDic's English gloss on loanword lemmas: ステップ-step


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


def dictionary_label() -> str:
    info = dictionary_info()
    return (f"{info['dictionary']} {info['dictionary_version']} (UniDic {info['unidic_version']}), "
            f"fugashi {info['tokenizer_version']}")


def clean_lemma(lemma: str | None, surface: str) -> str:
    """The grouping key: UniDic's lemma without its English gloss; the surface for unknown words."""
    if not lemma:
        return surface
    return _GLOSS.sub("", lemma)


def token_type(word) -> tuple[str, str, str, str, str, str, bool]:
    """(surface, base, lemma, pos1, pos2, pos3, is_unknown) of a fugashi node, decoded now.

    fugashi decodes features lazily from MeCab's buffer, which the next parse overwrites, so this is
    called inside the parse loop; callers cache it by (surface, raw feature) so each type is decoded once.
    """
    feature = word.feature
    surface = word.surface
    return (surface, feature.orthBase or surface, clean_lemma(feature.lemma, surface), feature.pos1 or "",
            feature.pos2 or "", feature.pos3 or "", bool(word.is_unk))


_TYPES: dict[tuple[str, str], tuple] = {}


def tokenize_text(text: str) -> list[tuple[str, str, str, str, str, str, bool, int]]:
    """(surface, base, lemma, pos1, pos2, pos3, is_unknown, start) per morpheme of one text.

    ``start`` is the token's character offset in ``text`` (MeCab skips whitespace; KWIC and the
    compound joiner need to know where it was).
    """
    out = []
    position = 0
    for word in tagger()(text):
        key = (word.surface, word.feature_raw)
        kind = _TYPES.get(key)
        if kind is None:
            kind = _TYPES[key] = token_type(word)
        position += len(word.white_space)
        out.append((*kind, position))
        position += len(key[0])
    return out


def tokens(items: pd.DataFrame) -> pd.DataFrame:
    """One row per morpheme of every item: ``item_id, token_no, surface, base, lemma, pos1..3, is_unknown, start``."""
    return tokens_and_terms(items)[0]


# ---------------------------------------------------------------- word lists

@dataclass(frozen=True)
class WordLists:
    """The forced-term list (強制抽出) and the stop list (使用しない語), with where they came from."""

    forced: tuple[str, ...]
    stop: frozenset[str]
    forced_source: str
    stop_source: str
    forced_sha256: str
    stop_sha256: str

    @cached_property
    def by_first(self) -> dict[str, tuple[str, ...]]:
        """Forced terms by their first character, longest first (so a token checks only a few)."""
        index: dict[str, list[str]] = {}
        for word in self.forced:
            index.setdefault(word[0], []).append(word)
        return {k: tuple(v) for k, v in index.items()}


def _read_list(path: str | Path | None, default: str) -> tuple[list[str], str, str]:
    if path is None:
        text = resources.files("kyodo_analysis.resources").joinpath(default).read_text(encoding="utf-8")
        source = f"kyodo_analysis/resources/{default}"
    else:
        text = Path(path).read_text(encoding="utf-8-sig")
        source = str(path)
    words = []
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word)
    return words, source, hashlib.sha256(text.encode("utf-8")).hexdigest()


def word_lists(forced: str | Path | None = None, stop: str | Path | None = None) -> WordLists:
    """Read the two user-editable lists (one word per line, ``#`` comments); defaults ship with the package."""
    forced_words, forced_source, forced_sha = _read_list(forced, "forced_terms.txt")
    stop_words, stop_source, stop_sha = _read_list(stop, "stop_words.txt")
    ordered = tuple(sorted(set(forced_words), key=lambda w: (-len(w), w)))  # longest match first
    return WordLists(ordered, frozenset(stop_words), forced_source, stop_source, forced_sha, stop_sha)


# ---------------------------------------------------------------- terms

_NOUN_POS = "名詞"
# Parts of speech that never start a term (function words and symbols): skipped without further checks.
_SKIP_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白", "接続詞", "感動詞", "連体詞", "副詞", "代名詞"})
_PREDICATES = {"動詞": "動詞", "形容詞": "形容詞", "形状詞": "形状詞"}
_NEGATORS = {"ない", "ず"}  # lemmas of the negating auxiliaries ない, ず, ぬ, ん
_LIGHT_VERBS = {"為る", "出来る"}  # する / できる after a サ変 noun: 定着しない → 定着(否定)
# Tokens that may stand between a predicate and its negation: 活用されていない, 十分ではない, 上がらなかった.
_BRIDGE_AUX = {"れる", "られる", "せる", "させる", "ます", "だ"}
_BRIDGE_PARTICLES = {"て", "で", "は", "も"}
_BRIDGE_VERBS = {"居る", "為る", "出来る", "仕舞う", "行く", "来る", "得る", "有る"}


def _noun_like(pos1: str, pos2: str) -> bool:
    return (pos1 == _NOUN_POS and pos2 != "数詞") or (pos1 == "接尾辞" and pos2 in ("名詞的", "形状詞的"))


def _is_negator(tok: tuple) -> bool:
    lemma, pos1, pos2 = tok[2], tok[3], tok[4]
    return (pos1 == "助動詞" and lemma in _NEGATORS) or (pos1 == "形容詞" and pos2 == "非自立可能" and lemma == "無い")


def _negation_end(toks: list[tuple], i: int) -> int | None:
    """The index of the negator that negates the predicate at ``i``, or None."""
    j = i + 1
    while j < len(toks):
        if _is_negator(toks[j]):
            return j
        lemma, pos1, pos2 = toks[j][2], toks[j][3], toks[j][4]
        bridging = ((pos1 == "助動詞" and lemma in _BRIDGE_AUX)
                    or (pos1 == "助詞" and lemma in _BRIDGE_PARTICLES and pos2 in ("接続助詞", "係助詞"))
                    or (pos1 == "動詞" and pos2 == "非自立可能" and lemma in _BRIDGE_VERBS))
        if not bridging:
            return None
        j += 1
    return None


def _forced_at(toks: list[tuple], i: int, forced: dict[str, tuple[str, ...]], gaps: frozenset[int]) -> int | None:
    """The last index of the forced term that starts at token ``i`` (longest first), or None.

    ``forced`` maps a first character to the forced terms that start with it (see WordLists.by_first);
    ``gaps`` holds the indices of tokens preceded by whitespace (a forced term never spans a space).
    """
    for word in forced.get(toks[i][0][:1], ()):
        text = ""
        j = i
        while j < len(toks) and len(text) < len(word) and (j == i or j not in gaps):
            text += toks[j][0]
            j += 1
        if text == word:
            return j - 1
    return None


def gaps_of(toks: list[tuple]) -> frozenset[int]:
    """Indices of tokens preceded by whitespace, from their start offsets (tuple field 7)."""
    return frozenset(j for j in range(1, len(toks)) if toks[j - 1][7] + len(toks[j - 1][0]) != toks[j][7])


def item_terms(toks: list[tuple], lists: WordLists) -> list[tuple[str, str, bool, int, int]]:
    """(term, pos, negated, first, last) for one item's tokens (0-based indices)."""
    return _item_terms(toks, lists.by_first, lists.stop, gaps_of(toks))


def _item_terms(toks: list[tuple], forced: dict[str, tuple[str, ...]], stop: frozenset[str],
                gaps: frozenset[int]) -> list[tuple]:
    out: list[tuple[str, str, bool, int, int]] = []
    i = 0
    n = len(toks)
    while i < n:
        base, pos1, pos2 = toks[i][1], toks[i][3], toks[i][4]
        if pos1 in _SKIP_POS:
            i += 1
            continue
        last = _forced_at(toks, i, forced, gaps) if toks[i][0][:1] in forced else None
        if last is not None:
            out.append(("".join(t[0] for t in toks[i:last + 1]), "強制抽出", False, i, last))
            i = last + 1
            continue
        if pos1 == "接頭辞" or _noun_like(pos1, pos2):
            # A run of prefixes, nouns and noun-like suffixes, stopped by a forced term or a stop-listed token.
            j = i
            while (j < n and (toks[j][3] == "接頭辞" or _noun_like(toks[j][3], toks[j][4]))
                   and toks[j][0] not in stop
                   and (j == i or (j not in gaps
                                   and (toks[j][0][:1] not in forced or _forced_at(toks, j, forced, gaps) is None)))):
                j += 1
            if j == i:  # the token itself is stop-listed
                i += 1
                continue
            start, end = i, j - 1
            while start <= end and toks[start][3] == "接尾辞":
                start += 1  # a compound never starts with a lone suffix (金, 度, 的, 等)
            while end >= start and toks[end][3] == "接頭辞":
                end -= 1
            if start <= end:
                term = "".join(t[0] for t in toks[start:end + 1])
                negated_at = None
                if j < n and toks[j][3] == "動詞" and toks[j][2] in _LIGHT_VERBS and toks[end][4] != "固有名詞":
                    negated_at = _negation_end(toks, j)
                if negated_at is not None:
                    out.append((term + NEGATED, _NOUN_POS, True, start, negated_at))
                elif term not in stop:
                    only_unknown = all(t[6] for t in toks[start:end + 1])
                    out.append((term, "未知語" if only_unknown else _NOUN_POS, False, start, end))
            i = j
            continue
        if pos1 in _PREDICATES and not (pos2 == "非自立可能" and i > 0 and toks[i - 1][2] in ("て", "で")):
            negated_at = _negation_end(toks, i)
            if negated_at is not None:
                term = base + NEGATED
                if term not in stop:
                    out.append((term, _PREDICATES[pos1], True, i, negated_at))
                i = negated_at + 1
                continue
            if base not in stop:
                out.append((base, _PREDICATES[pos1], False, i, i))
        i += 1
    return out


def terms(token_frame: pd.DataFrame, lists: WordLists | None = None) -> pd.DataFrame:
    """One row per keyword occurrence: ``item_id, term, pos, negated, first_token_no, last_token_no``."""
    lists = lists or word_lists()
    forced, stop = lists.by_first, lists.stop
    columns = ["surface", "base", "lemma", "pos1", "pos2", "pos3", "is_unknown", "start"]
    rows = list(zip(*(token_frame[c].tolist() for c in columns), strict=True))
    item_ids = token_frame["item_id"].tolist()
    numbers = token_frame["token_no"].tolist()
    out: list[tuple] = []
    begin = 0
    while begin < len(rows):
        end = begin
        while end < len(rows) and item_ids[end] == item_ids[begin]:
            end += 1
        item = rows[begin:end]
        for term, pos, negated, first, last in _item_terms(item, forced, stop, gaps_of(item)):
            out.append((item_ids[begin], term, pos, negated, numbers[begin + first], numbers[begin + last]))
        begin = end
    frame = pd.DataFrame(out, columns=TERM_COLUMNS)
    return contract_dtypes(frame.astype({"negated": bool, "first_token_no": "int64", "last_token_no": "int64"}))


# ---------------------------------------------------------------- tokens and terms in one pass

_SPACE = re.compile(r"\s")


def tokens_and_terms(items: pd.DataFrame, lists: WordLists | None = None, workers: int = 1,
                     compact: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``tokens(items)`` and ``terms(...)`` in one pass; with ``workers > 1``, in that many processes.

    Items are split into contiguous chunks of about equal text length; each worker process builds its
    own tagger (taggers cannot be shared or pickled) and the chunks are joined in order, so the
    tables are identical to a single-process run.
    """
    if workers > 1 and len(items) > 1:
        token_frame, term_frame = _parallel_tokens_and_terms(items, lists or word_lists(), workers)
    else:
        token_frame, term_frame = _tokens_and_terms(items, lists)
    if compact:  # categoricals and int32: what a national-scale run keeps in memory
        return token_frame, term_frame
    return contract_dtypes(token_frame), contract_dtypes(term_frame)


def contract_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """The dtypes of the CSV contract: strings, nullable integers, booleans (same CSV text as compact form)."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object or pd.api.types.is_string_dtype(values):
            out[column] = values.astype("string")
        elif values.dtype.kind == "i":
            out[column] = values.astype("Int64")
        else:
            out[column] = values
    return pd.DataFrame(out)


def _fresh_tagger() -> None:
    tagger.cache_clear()  # a forked worker must not reuse its parent's MeCab tagger


def _parallel_tokens_and_terms(items: pd.DataFrame, lists: WordLists, workers: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from concurrent.futures import ProcessPoolExecutor

    lengths = items["text"].fillna("").str.len().to_numpy().cumsum()
    cuts = [0, *(int(np.searchsorted(lengths, lengths[-1] * k / workers)) for k in range(1, workers)), len(items)]
    bounds = [(a, b) for a, b in itertools.pairwise(cuts) if b > a]
    chunks = [items.iloc[a:b] for a, b in bounds]
    with ProcessPoolExecutor(max_workers=workers, initializer=_fresh_tagger) as pool:
        parts = list(pool.map(_tokens_and_terms, chunks, [lists] * len(chunks)))
    offsets = [a for a, _ in bounds]
    return _join(items, [p[0] for p in parts], offsets), _join(items, [p[1] for p in parts], offsets)


def _join(items: pd.DataFrame, frames: list[pd.DataFrame], offsets: list[int]) -> pd.DataFrame:
    """Concatenate chunk tables, merging categoricals in first-occurrence order (as one pass would).

    A chunk's ``item_id`` codes count from the chunk's first item; ``offsets`` shifts them back."""
    from pandas.api.types import union_categoricals

    joined = {}
    for column in frames[0].columns:
        values = [f[column] for f in frames]
        if isinstance(values[0].dtype, pd.CategoricalDtype):
            if column == "item_id":
                codes = np.concatenate([v.cat.codes.to_numpy().astype(np.int64) + offset
                                        for v, offset in zip(values, offsets, strict=True)])
                joined[column] = pd.Categorical.from_codes(codes, categories=items["item_id"].tolist())
            else:
                joined[column] = union_categoricals([v.array for v in values])
        else:
            joined[column] = np.concatenate([v.to_numpy() for v in values])
    return pd.DataFrame(joined)


def _tokens_and_terms(items: pd.DataFrame, lists: WordLists | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``tokens(items)`` and ``terms(...)`` in one pass, in compact columnar form.

    Each distinct (surface, feature) is decoded once and stored as a token *type*; a token is an
    integer type id, so the tables are built from integer arrays and categoricals rather than one
    Python object per field. Offsets are only read from MeCab for items that contain whitespace.
    The result equals ``tokens(items)`` and ``terms(tokens(items), lists)``; ``compact=True`` keeps the
    categorical form.
    """
    lists = lists or word_lists()
    forced, stop = lists.by_first, lists.stop
    tag = tagger()
    type_of: dict[tuple[str, str], int] = {}
    types: list[tuple] = []
    tok_type: list[int] = []
    tok_item: list[int] = []
    tok_no: list[int] = []
    spaced_starts: dict[int, list[int]] = {}
    term_rows: list[tuple] = []
    no_gaps: frozenset[int] = frozenset()
    for index, text in enumerate(items["text"].tolist()):
        if not isinstance(text, str):
            continue
        ids: list[int] = []
        spaced = _SPACE.search(text) is not None
        starts: list[int] = []
        gaps: set[int] = set()
        position = 0
        for word in tag(text):
            surface = word.surface
            key = (surface, word.feature_raw)
            tid = type_of.get(key)
            if tid is None:
                tid = type_of[key] = len(types)
                types.append(token_type(word))
            if spaced:
                space = len(word.white_space)
                if space and ids:
                    gaps.add(len(ids))
                position += space
                starts.append(position)
                position += len(surface)
            ids.append(tid)
        n = len(ids)
        tok_type += ids
        tok_item += [index] * n
        tok_no += range(1, n + 1)
        if spaced:
            spaced_starts[len(tok_type) - n] = starts
        for term, pos, negated, first, last in _item_terms([types[t] for t in ids], forced, stop,
                                                           frozenset(gaps) if gaps else no_gaps):
            term_rows.append((index, term, pos, negated, first + 1, last + 1))
    return (_token_frame(items, types, tok_type, tok_item, tok_no, spaced_starts),
            _term_frame(items, term_rows))


def _categorical(values: list[str], codes: np.ndarray) -> pd.Categorical:
    """A categorical of per-type strings, indexed by per-token type codes."""
    vocabulary: dict[str, int] = {}
    type_codes = np.fromiter((vocabulary.setdefault(v, len(vocabulary)) for v in values), dtype=np.int32,
                             count=len(values))
    return pd.Categorical.from_codes(type_codes[codes] if len(codes) else codes, categories=list(vocabulary))


def _token_frame(items: pd.DataFrame, types: list[tuple], tok_type: list[int], tok_item: list[int],
                 tok_no: list[int], spaced_starts: dict[int, list[int]]) -> pd.DataFrame:
    codes = np.asarray(tok_type, dtype=np.int32)
    item_index = np.asarray(tok_item, dtype=np.int32)
    numbers = np.asarray(tok_no, dtype=np.int32)
    lengths = np.fromiter((len(t[0]) for t in types), dtype=np.int64, count=len(types))[codes] if len(codes) else codes
    ends = np.cumsum(lengths)
    first_of_item = ends - lengths  # offset of each token from the start of everything
    item_start = first_of_item[numbers == 1]
    starts = first_of_item - np.repeat(item_start, np.diff(np.append(np.flatnonzero(numbers == 1), len(numbers))))
    for at, offsets in spaced_starts.items():
        starts[at:at + len(offsets)] = offsets
    columns = {name: _categorical([t[k] for t in types], codes)
               for k, name in enumerate(["surface", "base", "lemma", "pos1", "pos2", "pos3"])}
    unknown = np.fromiter((t[6] for t in types), dtype=bool, count=len(types))
    return pd.DataFrame({
        "item_id": pd.Categorical.from_codes(item_index, categories=items["item_id"].tolist()),
        "token_no": numbers, **columns, "is_unknown": unknown[codes] if len(codes) else unknown[:0],
        "start": starts.astype(np.int32),
    })


def _term_frame(items: pd.DataFrame, rows: list[tuple]) -> pd.DataFrame:
    index, term, pos, negated, first, last = (list(c) for c in zip(*rows, strict=True)) if rows else ([],) * 6
    return pd.DataFrame({
        "item_id": pd.Categorical.from_codes(np.asarray(index, dtype=np.int32), categories=items["item_id"].tolist()),
        # Categories in first-occurrence order, as for tokens, so chunks joined in order equal one pass.
        "term": pd.Categorical(term, categories=list(dict.fromkeys(term))),
        "pos": pd.Categorical(pos, categories=list(dict.fromkeys(pos))), "negated": np.asarray(negated, dtype=bool),
        "first_token_no": np.asarray(first, dtype=np.int32), "last_token_no": np.asarray(last, dtype=np.int32),
    })


# ---------------------------------------------------------------- curation reports

def unknown_words(token_frame: pd.DataFrame) -> pd.DataFrame:
    """Words the dictionary does not know, with how often and where they occur (to curate the lists)."""
    unknown = token_frame[token_frame["is_unknown"] & ~token_frame["pos1"].isin(["補助記号", "記号"])
                          & (token_frame["pos2"] != "数詞")]
    report = (unknown.groupby("surface").agg(n=("item_id", "size"), n_items=("item_id", "nunique"),
                                             example_item_id=("item_id", "min"))
              .reset_index().sort_values(["n", "surface"], ascending=[False, True], kind="stable"))
    return report.reset_index(drop=True)


def candidate_compounds(token_frame: pd.DataFrame, term_frame: pd.DataFrame, lists: WordLists,
                        min_count: int = 2) -> pd.DataFrame:
    """Compounds worth a look: adjacent noun pairs the joiner fused or left apart, not yet forced.

    ``kind`` is ``joined`` for a multi-token compound the joiner built (check it is not over-joined,
    e.g. 補助金交付終了後), ``adjacent`` for two terms that stand next to each other (candidates for
    the forced list).
    """
    rows = []
    forced = set(lists.forced)
    joined = term_frame[(term_frame["pos"] == _NOUN_POS) & ~term_frame["negated"]
                        & (term_frame["last_token_no"] > term_frame["first_token_no"])]
    for term, group in joined.groupby("term"):
        rows.append((term, "joined", len(group), group["item_id"].nunique()))
    ordered = term_frame.sort_values(["item_id", "first_token_no"], kind="stable")
    pairs: dict[str, list[str]] = {}
    prev = None
    for row in ordered.itertuples(index=False):
        if (prev is not None and prev.item_id == row.item_id and prev.last_token_no + 1 == row.first_token_no
                and not prev.negated and not row.negated and prev.pos != "動詞" and row.pos != "動詞"):
            pairs.setdefault(prev.term + row.term, []).append(row.item_id)
        prev = row
    for candidate, item_ids in pairs.items():
        rows.append((candidate, "adjacent", len(item_ids), len(set(item_ids))))
    report = pd.DataFrame(rows, columns=["candidate", "kind", "n", "n_items"])
    report = report[(report["n"] >= min_count) & ~report["candidate"].isin(forced)]
    return report.sort_values(["n", "kind", "candidate"], ascending=[False, True, True], kind="stable").reset_index(drop=True)
