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
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .cleaning import ItemRows, Table
from .parallel import even_bounds, map_chunks

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
    # parse() writes one line per token, "surface<TAB>raw feature string", and EOS (see _tokens_and_terms).
    return fugashi.GenericTagger(f'-r "{d}/mecabrc" -d "{d}" -O "" -F "%m\\t%H\\n" -U "%m\\t%H\\n" -E "EOS\\n"',
                                 wrapper=fugashi.UnidicFeatures26)


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
    def prefixes(self) -> frozenset[str]:
        """Every proper beginning of a forced term, so the matcher stops reading as soon as none fits."""
        return frozenset(word[:k] for word in self.forced for k in range(1, len(word)))

    @cached_property
    def forced_set(self) -> frozenset[str]:
        return frozenset(self.forced)


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


def _is_bridge(tok: tuple) -> bool:
    """A token that may stand between a predicate and its negator (not a negator itself)."""
    lemma, pos1, pos2 = tok[2], tok[3], tok[4]
    return ((pos1 == "助動詞" and lemma in _BRIDGE_AUX)
            or (pos1 == "助詞" and lemma in _BRIDGE_PARTICLES and pos2 in ("接続助詞", "係助詞"))
            or (pos1 == "動詞" and pos2 == "非自立可能" and lemma in _BRIDGE_VERBS))


def _surface_lengths(types: list[tuple], tok_type: np.ndarray) -> np.ndarray:
    """Each token's length in characters."""
    return _type_array(types, lambda t: len(t[0]), np.int64)[tok_type]


def _gaps(types: list[tuple], tok_type: np.ndarray, starts: np.ndarray, first_of_item: np.ndarray) -> np.ndarray:
    """Tokens preceded by whitespace: they start later than the previous token of their item ends."""
    if len(starts) == 0:
        return np.zeros(0, dtype=bool)
    ends = starts + _surface_lengths(types, tok_type)
    return ~first_of_item & (np.append(0, ends[:-1]) != starts)


# ---------------------------------------------------------------- the term extractor
#
# Every token becomes one character whose code packs what the extraction rules ask of it, so that one
# regular expression, run once over the whole corpus, finds every term with its extent; the terms are
# then read off per-type arrays, and Python joins only the surfaces of multi-token terms. A term starts
# at a forced term (強制抽出), at a run of prefixes / nouns / noun-like suffixes, or at a predicate; a
# predicate, or a noun followed by する/できる, followed by bridging tokens and a negator is negated
# (活用されていない → 活用(否定)). Items are separated by a newline, which no rule matches.

_ROLES = "SPNXTVAO"
# S never starts a term (function word, symbol); P prefix; N noun; X noun-like suffix; T prefix or noun
# on the stop list (skipped, ends a run); V predicate; A predicate that may be auxiliary (〜ている: not a
# term after て/で); O anything else (numerals, verb-like suffixes): skipped.
_NEGATOR, _BRIDGE = 1 << 3, 2 << 3  # negates a predicate before it / may stand between the two
_AFTER_TE = 1 << 5  # lemma て or で (a following 非自立可能 predicate is auxiliary)
_LIGHT = 1 << 6  # する / できる after a サ変 noun
_FORCED = 1 << 7  # per token: a forced term starts here
_IN_FORCED = 1 << 8  # per token: inside that forced term
_GAP = 1 << 9  # per token: whitespace before it (a run or forced term never spans it)
_STOPPED = 1 << 10  # a predicate on the stop list: a term only when negated
_CODES = 1 << 11
_CODE_BASE = 0x100  # class characters are U+0100..U+08FF (no regex metacharacters); "\n" separates items


def _type_code(tok: tuple, lists: WordLists) -> tuple[int, bool]:
    """The class code of a token type (without the per-token flags) and whether a forced term may start with it."""
    surface, lemma, pos1, pos2 = tok[0], tok[2], tok[3], tok[4]
    if pos1 in _SKIP_POS:
        role = "S"
    elif pos1 == "接頭辞" or _noun_like(pos1, pos2):
        role = "T" if surface in lists.stop else "P" if pos1 == "接頭辞" else "X" if pos1 == "接尾辞" else "N"
    elif pos1 in _PREDICATES:
        role = "A" if pos2 == "非自立可能" else "V"
    else:
        role = "O"
    code = (_ROLES.index(role) | (_NEGATOR if _is_negator(tok) else _BRIDGE if _is_bridge(tok) else 0)
            | (_AFTER_TE if lemma in ("て", "で") else 0) | (_LIGHT if pos1 == "動詞" and lemma in _LIGHT_VERBS else 0)
            | (_STOPPED if role in "VA" and tok[1] in lists.stop else 0))
    # A forced term can start here only if one begins with the whole surface.
    return code, role != "S" and (surface in lists.prefixes or surface in lists.forced_set)


def _chars(test) -> str:
    """The class characters whose code passes ``test(role, code)`` (the body of a regex character class)."""
    return "".join(chr(_CODE_BASE + code) for code in range(_CODES)
                   if code & 7 < len(_ROLES) and code & (3 << 3) != 3 << 3 and test(_ROLES[code & 7], code))


@lru_cache(maxsize=1)
def _term_patterns() -> tuple[re.Pattern, re.Pattern]:
    """The pattern of every term, and the negation after a noun run (する/できる + bridges + negator).

    A match is a forced term, a noun run or a predicate (with the bridges and negator that negate it);
    which one is read off its first character. Nothing matches an auxiliary use after て/で (〜ている,
    〜てしまう) or a stop-listed predicate that is not negated.
    """
    def cls(test) -> str:
        return f"[{_chars(test)}]"

    free = _FORCED | _IN_FORCED  # a token of a forced term is never part of anything else
    bridge = cls(lambda role, c: c & _BRIDGE and not c & free)
    negator = cls(lambda role, c: c & _NEGATOR and not c & free)
    after_te = cls(lambda role, c: c & _AFTER_TE)

    def forced(role: str, c: int) -> bool:
        return bool(c & _FORCED)

    def run(role: str, c: int) -> bool:
        return role in "PNX" and not c & free

    def predicate(roles: str, stopped: int):
        return lambda role, c: role in roles and not c & free and c & _STOPPED == stopped

    # Each alternative is chosen by the class of the first token, which is consumed first (and checked by a
    # lookbehind), so that the regex engine can skip at C speed to the next token that may start a term.
    # An auxiliary-like predicate (A) directly after て/で starts nothing (〜ている, 〜てしまう).
    first = cls(lambda role, c: forced(role, c) or run(role, c) or (role in "AV" and not c & free))
    terms = re.compile(
        f"{first}(?:(?<={cls(forced)}){cls(lambda role, c: c & _IN_FORCED)}*"
        f"|(?<={cls(run)}){cls(lambda role, c: run(role, c) and not c & _GAP)}*"
        f"|(?<={cls(predicate('AV', 0))})(?<!{after_te}{cls(predicate('A', 0))})(?:{bridge}*{negator})?"
        f"|(?<={cls(predicate('AV', _STOPPED))})(?<!{after_te}{cls(predicate('A', _STOPPED))}){bridge}*{negator})")
    return terms, re.compile(f"{cls(lambda role, c: c & _LIGHT and not c & free)}{bridge}*({negator})")


def _forced_hits(surfaces: list[str], tok_type: np.ndarray, gap: np.ndarray, found: np.ndarray, end: np.ndarray,
                 lists: WordLists) -> tuple[np.ndarray, np.ndarray]:
    """For tokens ``found`` (ending their items at ``end``): the number of tokens and the text of the longest
    forced term that starts there (0 and None where none does).

    A forced term ends on a token boundary and never spans a token preceded by whitespace. The tokens are
    read one at a time, all candidates together, while they still spell the beginning of a forced term;
    what a sequence of token types spells is worked out once per distinct sequence.
    """
    size = np.zeros(len(found), dtype=np.int64)
    text = np.full(len(found), None, dtype=object)
    reading = np.arange(len(found))  # candidates still reading
    sequence = np.zeros(len(found), dtype=np.int64)  # the distinct sequence each has read so far
    spelled = np.array([""], dtype=object)  # its text
    length = 0
    while len(reading):
        at = found[reading] + length  # the next token
        can = at < end[reading]
        if length:
            can[can] = ~gap[at[can]]
        reading, at = reading[can], at[can]
        sequence, spelled = _spelled_on(sequence[can], spelled, tok_type[at], surfaces)
        length += 1
        word = np.fromiter((t in lists.forced_set for t in spelled), dtype=bool, count=len(spelled))[sequence]
        size[reading[word]], text[reading[word]] = length, spelled[sequence[word]]
        more = np.fromiter((t in lists.prefixes for t in spelled), dtype=bool, count=len(spelled))[sequence]
        reading, sequence = reading[more], sequence[more]
    return size, text


def _extract_terms(types: list[tuple], tok_type: np.ndarray, sizes: np.ndarray, gap: np.ndarray,
                   lists: WordLists) -> dict[str, np.ndarray | list]:
    """Every term of every item, as columns ``item`` (index into ``sizes``), ``term``, ``pos``, ``negated``,
    ``first_token_no`` and ``last_token_no``.

    ``types`` are decoded token types; ``tok_type`` gives each token's type, ``sizes`` the number of tokens
    of each item (in order), ``gap`` marks tokens preceded by whitespace.
    """
    n_tokens = len(tok_type)
    type_codes = [_type_code(t, lists) for t in types]
    item_of = np.repeat(np.arange(len(sizes)), sizes)
    item_end = np.cumsum(sizes)
    codes = np.fromiter((c for c, _ in type_codes), dtype=np.int64, count=len(type_codes))
    tok_codes = codes[tok_type] | np.where(gap, _GAP, 0) if n_tokens else np.zeros(0, dtype=np.int64)
    surfaces = [t[0] for t in types]

    # Forced terms, left to right: one that starts inside the previous one does not count.
    candidate = np.fromiter((c for _, c in type_codes), dtype=bool, count=len(type_codes))
    found = np.flatnonzero(candidate[tok_type]) if n_tokens else np.zeros(0, dtype=np.int64)
    size, hit_text = _forced_hits(surfaces, tok_type, gap, found, item_end[item_of[found]], lists)
    has = size > 0
    forced_first, forced_last, forced_texts = _left_to_right(found[has], found[has] + size[has] - 1, hit_text[has])
    tok_codes[forced_first] |= _FORCED
    inside = forced_last - forced_first
    tok_codes[np.repeat(forced_first - np.cumsum(inside) + inside + 1, inside) + np.arange(inside.sum())] |= _IN_FORCED

    # One pass of the pattern over the corpus: where each term starts and ends.
    position = np.arange(n_tokens) + item_of + 1  # a newline before every item
    chars = np.full(n_tokens + len(sizes), ord("\n"), dtype="<u4")
    chars[position] = tok_codes + _CODE_BASE
    text = chars.tobytes().decode("utf-32-le")
    term_pattern, light_negation = _term_patterns()
    spans = np.fromiter(itertools.chain.from_iterable(m.span() for m in term_pattern.finditer(text)), dtype=np.int64)
    start, end = spans.reshape(-1, 2).T
    token_at = np.full(len(chars), -1, dtype=np.int64)
    token_at[position] = np.arange(n_tokens)
    code = tok_codes[token_at[start]]
    forced_term = (code & _FORCED) > 0
    run = ~forced_term & np.isin(code & 7, [_ROLES.index(r) for r in "PNX"])
    predicate = ~forced_term & ~run
    negated_predicate = predicate & (end - start > 1)

    # The core of each term (first..core_last) and where its span ends (a negated term ends at the negator).
    first, core_last = token_at[start], token_at[end - 1]
    core_last[predicate] = first[predicate]
    role = tok_codes & 7
    suffix, prefix = _ROLES.index("X"), _ROLES.index("P")
    for at in np.flatnonzero(run & ((role[first] == suffix) | (role[core_last] == prefix))).tolist():
        a, b = first[at], core_last[at]
        while a <= b and role[a] == suffix:
            a += 1  # a compound never starts with a lone suffix (金, 度, 的, 等)
        while b >= a and role[b] == prefix:
            b -= 1
        first[at], core_last[at] = a, b
    keep = first <= core_last
    negated_run = np.zeros(len(start), dtype=bool)
    negator_at = np.zeros(len(start), dtype=np.int64)
    light = np.flatnonzero(run & keep & (end < len(chars)))
    following = chars[end[light]].astype(np.int64) - _CODE_BASE  # the token after the run (negative: item end)
    light = light[(following >= 0) & (following & _LIGHT > 0)]
    for at in light.tolist():
        m = light_negation.match(text, end[at])
        if m is not None:
            negated_run[at], negator_at[at] = True, token_at[m.start(1)]
    proper = _type_array(types, lambda t: t[4] == "固有名詞", bool)
    negated_run[negated_run] = ~proper[tok_type[core_last[negated_run]]]
    last = core_last.copy()
    last[negated_predicate] = token_at[end[negated_predicate] - 1]
    last[negated_run] = negator_at[negated_run]

    # The term text: per type for one-token terms, joined surfaces for compounds, the matched forced term.
    term = np.empty(len(start), dtype=object)
    one = keep & (first == core_last)
    term[one & run] = np.asarray(surfaces, dtype=object)[tok_type[first[one & run]]]
    term[one & predicate] = _type_array(types, lambda t: t[1], object)[tok_type[first[one & predicate]]]
    compound = np.flatnonzero(keep & run & (first < core_last))
    term[compound] = _joined_surfaces(surfaces, tok_type, first[compound], core_last[compound])
    term[forced_term] = forced_texts  # one match each, in order
    negated = negated_run | negated_predicate
    term[negated] = term[negated] + NEGATED
    # The stop list: stop-listed nouns never join a run and plain stop-listed predicates never match, so
    # only compounds and negated predicates are left to check (forced terms and negated nouns are kept).
    checked = keep & ((run & ~negated_run & (first < core_last)) | negated_predicate)
    keep[checked] = [t not in lists.stop for t in term[checked].tolist()]

    # Part of speech: 強制抽出, the predicate's, 未知語 for a run of unknown words only, else 名詞.
    unknown = np.concatenate([[0], np.cumsum(_type_array(types, lambda t: t[6], bool)[tok_type])])
    pos = np.full(len(start), _NOUN_POS, dtype=object)
    pos[forced_term] = "強制抽出"
    pos[predicate] = _type_array(types, lambda t: _PREDICATES.get(t[3]), object)[tok_type[first[predicate]]]
    pos[run & ~negated_run & (unknown[core_last + 1] - unknown[first] == core_last - first + 1)] = "未知語"

    term_item = item_of[first[keep]]
    item_first = (item_end - sizes)[term_item]
    return {"item": term_item, "term": term[keep].tolist(), "pos": pos[keep].tolist(), "negated": negated[keep],
            "first_token_no": first[keep] - item_first + 1, "last_token_no": last[keep] - item_first + 1}


def _left_to_right(first: np.ndarray, last: np.ndarray, text: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hits (sorted by first token) kept when read left to right: one that starts inside a kept one is dropped.

    A hit that starts after every earlier hit has ended is kept whatever happened before; only runs of
    overlapping hits are decided one by one."""
    ends_before = np.maximum.accumulate(last)
    clear = np.concatenate([[True], first[1:] > ends_before[:-1]]) if len(first) else np.zeros(0, dtype=bool)
    keep = clear.copy()
    run = np.cumsum(clear)
    covered = -1
    for i in np.flatnonzero(np.bincount(run)[run] > 1).tolist():  # hits in runs of overlapping hits
        if clear[i] or first[i] > covered:
            keep[i], covered = True, last[i]
    return first[keep], last[keep], text[keep]


def _spelled_on(sequence: np.ndarray, spelled: np.ndarray, next_type: np.ndarray, surfaces: list[str]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of token types (numbered, with the text each spells) extended by one token each: their new
    numbers and texts. Each distinct sequence is spelled once, however often it occurs."""
    sequence, kinds = pd.factorize(sequence * len(surfaces) + next_type)  # (sequence so far, next type)
    before, kind = np.divmod(kinds, len(surfaces))
    return sequence, np.array([spelled[b] + surfaces[k] for b, k in zip(before.tolist(), kind.tolist(), strict=True)],
                              dtype=object)


def _joined_surfaces(surfaces: list[str], tok_type: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """The surfaces of tokens ``first[i]..last[i]`` joined, for each i."""
    out = np.empty(len(first), dtype=object)
    size = last - first + 1
    for n in np.unique(size).tolist():
        at = np.flatnonzero(size == n)
        sequence, spelled = np.zeros(len(at), dtype=np.int64), np.array([""], dtype=object)
        for k in range(n):
            sequence, spelled = _spelled_on(sequence, spelled, tok_type[first[at] + k], surfaces)
        out[at] = spelled[sequence]
    return out


def _type_array(types: list[tuple], value, dtype) -> np.ndarray:
    """One value per token type, as an array indexed by type id."""
    return np.fromiter((value(t) for t in types), dtype=dtype, count=len(types))


def item_terms(toks: list[tuple], lists: WordLists) -> list[tuple[str, str, bool, int, int]]:
    """(term, pos, negated, first, last) for one item's tokens (0-based indices)."""
    types = [t[:7] for t in toks]
    tok_type = np.arange(len(toks))
    gap = _gaps(types, tok_type, np.array([t[7] for t in toks], dtype=np.int64), tok_type == 0)
    found = _extract_terms(types, tok_type, np.array([len(toks)]), gap, lists)
    return list(zip(found["term"], found["pos"], found["negated"].tolist(), (found["first_token_no"] - 1).tolist(),
                    (found["last_token_no"] - 1).tolist(), strict=True))


def terms(token_frame: pd.DataFrame, lists: WordLists | None = None) -> pd.DataFrame:
    """One row per keyword occurrence: ``item_id, term, pos, negated, first_token_no, last_token_no``.

    The tokens of an item must be contiguous and in order (as ``tokens`` returns them)."""
    lists = lists or word_lists()
    columns = ["surface", "base", "lemma", "pos1", "pos2", "pos3", "is_unknown"]
    type_of: dict[tuple, int] = {}
    per_token = zip(*(token_frame[c].tolist() for c in columns), strict=True)
    tok_type = np.fromiter((type_of.setdefault(t, len(type_of)) for t in per_token), dtype=np.int64,
                           count=len(token_frame))
    types = list(type_of)
    item_ids = token_frame["item_id"].tolist()
    new_item = np.array([k == 0 or item_ids[k] != item_ids[k - 1] for k in range(len(item_ids))], dtype=bool)
    begins = np.flatnonzero(new_item)
    sizes = np.diff(np.append(begins, len(item_ids)))
    gap = _gaps(types, tok_type, token_frame["start"].to_numpy(dtype=np.int64), new_item)
    found = _extract_terms(types, tok_type, sizes, gap, lists)
    numbers = token_frame["token_no"].to_numpy(dtype=np.int64)
    begin = begins[found["item"]]
    frame = pd.DataFrame({"item_id": np.asarray(item_ids, dtype=object)[begin], "term": found["term"], "pos": found["pos"],
                          "negated": found["negated"], "first_token_no": numbers[begin + found["first_token_no"] - 1],
                          "last_token_no": numbers[begin + found["last_token_no"] - 1]}, columns=TERM_COLUMNS)
    return contract_dtypes(frame)


# ---------------------------------------------------------------- tokens and terms in one pass

_SPACE = re.compile(r"\s")


def tokens_and_terms(items: pd.DataFrame, lists: WordLists | None = None, workers: int = 1,
                     compact: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``tokens(items)`` and ``terms(...)`` in one pass; with ``workers > 1``, in that many processes.

    Items are split into contiguous chunks of about equal text length; each worker process builds its
    own tagger (taggers cannot be shared or pickled) and the chunks are joined in order, so the
    tables are identical to a single-process run.
    """
    lists = lists or word_lists()
    if workers > 1 and len(items) > 1:
        bounds = even_bounds(items["text"].fillna("").str.len().to_numpy(), workers)
        parts = map_chunks(_chunk_tokens_and_terms, (items, lists), bounds, initializer=_fresh_tagger)
        token_frame, term_frame = _joined(items, parts, [a for a, _ in bounds])
    else:
        token_frame, term_frame = _tokens_and_terms(items, lists)
    return _in_form(token_frame, term_frame, compact)


def items_tokens_and_terms(tables: Sequence[Table], lists: WordLists | None = None, workers: int = 1,
                           compact: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The items of cleaned tables (in file order) with their tokens and terms.

    With ``workers > 1`` and tables whose cells are not yet split into items, the programs are divided
    into contiguous ranges of about equal text; each process splits the cells of its range into items
    and analyses them at once, so that this last step of cleaning runs in parallel too. The tables
    are the same as with one process.
    """
    lists = lists or word_lists()
    split_here = workers <= 1 or any(t.is_tidy for t in tables)
    bounds = [] if split_here else even_bounds(np.concatenate([np.zeros(0, dtype=np.int64),
                                                               *(t.program_sizes() for t in tables)]), workers)
    if len(bounds) <= 1:
        items = pd.concat([t.items for t in tables], ignore_index=True)
        return items, *tokens_and_terms(items, lists, workers, compact)
    first = np.cumsum([0, *(t.n_programs for t in tables)])  # each table's first program, counted over all tables
    parts = map_chunks(_chunk_items_tokens_and_terms, (tables, first, lists), bounds, initializer=_fresh_tagger)
    for k, table in enumerate(tables):
        table.tidy([rows for part in parts for at, rows in part[0] if at == k])
    items = pd.concat([t.items for t in tables], ignore_index=True)
    offsets = np.cumsum([0, *(sum(len(rows.text) for _, rows in part[0]) for part in parts[:-1])]).tolist()
    return items, *_in_form(*_joined(items, [part[1:] for part in parts], offsets), compact)


def _in_form(token_frame: pd.DataFrame, term_frame: pd.DataFrame, compact: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
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


def _chunk_tokens_and_terms(shared: tuple[pd.DataFrame, WordLists], start: int, stop: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    items, lists = shared
    return _tokens_and_terms(items.iloc[start:stop], lists)


def _chunk_items_tokens_and_terms(shared: tuple[Sequence[Table], np.ndarray, WordLists], start: int, stop: int
                                  ) -> tuple[list[tuple[int, ItemRows]], pd.DataFrame, pd.DataFrame]:
    """The item rows of programs ``start..stop-1`` (counted over all tables), with their tokens and terms."""
    tables, first, lists = shared
    rows = [(k, table.item_rows(max(start, first[k]) - first[k], min(stop, first[k + 1]) - first[k]))
            for k, table in enumerate(tables) if start < first[k + 1] and first[k] < stop]
    items = pd.DataFrame({"item_id": [i for _, r in rows for i in r.item_id], "text": [t for _, r in rows for t in r.text]})
    return rows, *_tokens_and_terms(items, lists)


def _joined(items: pd.DataFrame, parts: list[tuple[pd.DataFrame, pd.DataFrame]], offsets: list[int]
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The token and term tables of consecutive chunks of ``items`` (starting at ``offsets``), joined."""
    item_ids = pd.CategoricalDtype(items["item_id"].tolist())  # checked once, shared by both tables
    return _join(item_ids, [p[0] for p in parts], offsets), _join(item_ids, [p[1] for p in parts], offsets)


def _join(item_ids: pd.CategoricalDtype, frames: list[pd.DataFrame], offsets: list[int]) -> pd.DataFrame:
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
                joined[column] = pd.Categorical.from_codes(codes, dtype=item_ids)
            else:
                joined[column] = union_categoricals([v.array for v in values])
        else:
            joined[column] = np.concatenate([v.to_numpy() for v in values])
    return pd.DataFrame(joined)


def _tokens_and_terms(items: pd.DataFrame, lists: WordLists | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``tokens(items)`` and ``terms(...)`` in one pass, in compact columnar form.

    Each distinct (surface, raw feature) is decoded once and stored as a token *type*; a token is an
    integer type id, so the tables are built from integer arrays and categoricals rather than one
    Python object per field. Offsets are only read from MeCab for items that contain whitespace.
    The result equals ``tokens(items)`` and ``terms(tokens(items), lists)``; ``compact=True`` keeps the
    categorical form.
    """
    lists = lists or word_lists()
    tag = tagger()
    parse, parse_nodes = tag.parse, tag.parseToNodeList
    type_of: dict[str, int] = {}  # "surface<TAB>raw feature" → type id
    types: list[tuple] = []
    tok_type = array("i")  # one machine integer per token, not one Python object
    sizes = array("i")
    spaced_starts: dict[int, list[int]] = {}
    gap_at: list[int] = []
    for text in items["text"].tolist():
        if not isinstance(text, str):
            sizes.append(0)
            continue
        if _SPACE.search(text) is None:
            # MeCab's own output, one line per token: no Python object per token, only a dictionary lookup.
            keys = parse(text).split("\n")
            keys.pop()  # "EOS" (fugashi strips the line break after it)
            nodes = None
        else:  # MeCab skips whitespace: read each token's offset from its node
            nodes = parse_nodes(text)
            keys = [f"{word.surface}\t{word.feature_raw}" for word in nodes]
            spaced_starts[len(tok_type)] = list(itertools.accumulate(
                len(word.white_space) + (len(nodes[k - 1].surface) if k else 0) for k, word in enumerate(nodes)))
            gap_at += [len(tok_type) + k for k in range(1, len(nodes)) if nodes[k].white_space]
        ids = [type_of.get(key) for key in keys]
        if None in ids:  # token types not seen before: decode their features once, from MeCab's nodes
            nodes = nodes or parse_nodes(text)  # fugashi decodes lazily: read everything before the next parse
            for k, word in enumerate(nodes):
                if ids[k] is None:
                    if keys[k] not in type_of:
                        type_of[keys[k]] = len(types)
                        types.append(token_type(word))
                    ids[k] = type_of[keys[k]]
        tok_type.extend(ids)
        sizes.append(len(ids))
    token_types = np.frombuffer(tok_type, dtype=np.int32) if len(tok_type) else np.zeros(0, dtype=np.int32)
    item_sizes = np.frombuffer(sizes, dtype=np.int32) if len(sizes) else np.zeros(0, dtype=np.int32)
    gap = np.zeros(len(token_types), dtype=bool)
    gap[gap_at] = True
    found = _extract_terms(types, token_types, item_sizes, gap, lists)
    return _token_frame(items, types, token_types, item_sizes, spaced_starts), _term_frame(items, found)


def _categorical(values: list[str], codes: np.ndarray) -> pd.Categorical:
    """A categorical of per-type strings, indexed by per-token type codes (categories in first-appearance order)."""
    per_type = _in_order(values)
    return pd.Categorical.from_codes(per_type.codes[codes], categories=per_type.categories)


def _token_frame(items: pd.DataFrame, types: list[tuple], codes: np.ndarray, sizes: np.ndarray,
                 spaced_starts: dict[int, list[int]]) -> pd.DataFrame:
    item_index = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    item_first = np.cumsum(sizes) - sizes  # index of each item's first token
    numbers = (np.arange(len(codes)) - np.repeat(item_first, sizes) + 1).astype(np.int32)
    lengths = _surface_lengths(types, codes)
    ends = np.cumsum(lengths)
    offsets = ends - lengths  # offset of each token from the start of everything
    starts = offsets - np.repeat(offsets[item_first[sizes > 0]], sizes[sizes > 0]) if len(codes) else offsets
    for at, item_starts in spaced_starts.items():
        starts[at:at + len(item_starts)] = item_starts
    columns = {name: _categorical([t[k] for t in types], codes)
               for k, name in enumerate(["surface", "base", "lemma", "pos1", "pos2", "pos3"])}
    unknown = np.fromiter((t[6] for t in types), dtype=bool, count=len(types))
    return pd.DataFrame({
        "item_id": pd.Categorical.from_codes(item_index, categories=items["item_id"].tolist()),
        "token_no": numbers, **columns, "is_unknown": unknown[codes] if len(codes) else unknown[:0],
        "start": starts.astype(np.int32),
    })


def _term_frame(items: pd.DataFrame, found: dict[str, np.ndarray | list]) -> pd.DataFrame:
    return pd.DataFrame({
        "item_id": pd.Categorical.from_codes(found["item"].astype(np.int32), categories=items["item_id"].tolist()),
        # Categories in first-occurrence order, as for tokens, so chunks joined in order equal one pass.
        "term": _in_order(found["term"]), "pos": _in_order(found["pos"]), "negated": found["negated"],
        "first_token_no": found["first_token_no"].astype(np.int32), "last_token_no": found["last_token_no"].astype(np.int32),
    })


def _in_order(values: list[str]) -> pd.Categorical:
    """A categorical whose categories are the values in order of first appearance."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=uniques)


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
