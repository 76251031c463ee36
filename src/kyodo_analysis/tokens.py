"""Morphological analysis (fugashi + unidic-lite) and keyword units: items → tokens → terms.

unidic-lite cuts at short units (補助金 → 補助 + 金), so the counted unit is a *term*: a forced term,
a run of nouns joined into one compound, or a verb / adjective / adjectival noun by its dictionary
form, with negation kept apart (進まない → 進む(否定)).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

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


def tokenize_text(text: str) -> list[tuple[str, str, str, str, str, str, bool, int]]:
    """(surface, base, lemma, pos1, pos2, pos3, is_unknown, start) per morpheme, read inside the parse loop.

    ``start`` is the token's character offset in ``text`` (MeCab skips whitespace; KWIC and the
    compound joiner need to know where it was).

    fugashi decodes features lazily from MeCab's buffer, which the next parse overwrites, so every
    field is copied here before the tokens go out of scope.
    """
    out = []
    position = 0
    for word in tagger()(text):
        surface = word.surface
        feature = word.feature
        position += len(word.white_space)
        out.append((surface, feature.orthBase or surface, clean_lemma(feature.lemma, surface),
                    feature.pos1 or "", feature.pos2 or "", feature.pos3 or "", bool(word.is_unk), position))
        position += len(surface)
    return out


def tokens(items: pd.DataFrame) -> pd.DataFrame:
    """One row per morpheme of every item: ``item_id, token_no, surface, base, lemma, pos1..3, is_unknown, start``."""
    rows: list[tuple] = []
    for item_id, text in zip(items["item_id"], items["text"], strict=True):
        if not isinstance(text, str):  # pandas' missing string is a float NaN
            continue
        for no, token in enumerate(tokenize_text(text), start=1):
            rows.append((item_id, no, *token))
    frame = pd.DataFrame(rows, columns=TOKEN_COLUMNS)
    frame["token_no"] = frame["token_no"].astype("Int64")
    frame["start"] = frame["start"].astype("Int64")
    frame["is_unknown"] = frame["is_unknown"].astype(bool)
    for column in ("item_id", "surface", "base", "lemma", "pos1", "pos2", "pos3"):
        frame[column] = frame[column].astype("string")
    return frame


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


def _forced_at(toks: list[tuple], i: int, forced: tuple[str, ...]) -> int | None:
    """The last index of the forced term that starts at token ``i`` (longest first), or None."""
    for word in forced:
        text = ""
        j = i
        while j < len(toks) and len(text) < len(word) and (j == i or _adjacent(toks[j - 1], toks[j])):
            text += toks[j][0]
            j += 1
        if text == word:
            return j - 1
    return None


def _adjacent(left: tuple, right: tuple) -> bool:
    """True when no whitespace separates two tokens (例 CoCoLo stays two words)."""
    return left[7] + len(left[0]) == right[7]


def item_terms(toks: list[tuple], lists: WordLists) -> list[tuple[str, str, bool, int, int]]:
    """(term, pos, negated, first, last) for one item's tokens (0-based indices)."""
    out: list[tuple[str, str, bool, int, int]] = []
    stop = lists.stop
    i = 0
    n = len(toks)
    while i < n:
        base, pos1, pos2 = toks[i][1], toks[i][3], toks[i][4]
        last = _forced_at(toks, i, lists.forced)
        if last is not None:
            out.append(("".join(t[0] for t in toks[i:last + 1]), "強制抽出", False, i, last))
            i = last + 1
            continue
        if pos1 == "接頭辞" or _noun_like(pos1, pos2):
            # A run of prefixes, nouns and noun-like suffixes, stopped by a forced term or a stop-listed token.
            j = i
            while (j < n and (toks[j][3] == "接頭辞" or _noun_like(toks[j][3], toks[j][4]))
                   and toks[j][0] not in stop
                   and (j == i or (_adjacent(toks[j - 1], toks[j]) and _forced_at(toks, j, lists.forced) is None))):
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
    rows: list[tuple] = []
    columns = ["surface", "base", "lemma", "pos1", "pos2", "pos3", "is_unknown", "start"]
    for item_id, group in token_frame.groupby("item_id", sort=False):
        toks = list(group[columns].itertuples(index=False, name=None))
        numbers = group["token_no"].tolist()
        for term, pos, negated, first, last in item_terms(toks, lists):
            rows.append((item_id, term, pos, negated, numbers[first], numbers[last]))
    frame = pd.DataFrame(rows, columns=TERM_COLUMNS)
    for column in ("item_id", "term", "pos"):
        frame[column] = frame[column].astype("string")
    frame["negated"] = frame["negated"].astype(bool)
    for column in ("first_token_no", "last_token_no"):
        frame[column] = frame[column].astype("Int64")
    return frame


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
