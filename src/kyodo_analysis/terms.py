"""Tokens → terms: the rules of what is counted, written once, one visible rule per case.

unidic-lite cuts at short units (補助金 → 補助 + 金), so the counted unit is a *term*. Reading an
item's tokens left to right, at each token the first rule that applies decides:

1. **Function phrase** — にとって, 常に, ある種, 目に見える, 別の, 〜形で, 留まらず: idioms UniDic
   splits into content words. They give no term.
2. **Forced term** (強制抽出) — the longest entry of the forced-term list spelled by the tokens
   starting here (never across whitespace) is one term.
3. **Noun run** — a run of prefixes, nouns and noun-like suffixes (not across whitespace, a stop-listed
   noun, a forced term or a function phrase) is one compound; it never starts with a suffix (金, 度,
   的) nor ends with a prefix. It is *negated* when する/できる + a negator follows (定着しない →
   定着(否定); 門前払いすることなく) or が/は/も + ない (決定権がない → 決定権(否定)).
4. **Predicate** — a verb, adjective or adjectival noun counts by its dictionary form, except an
   auxiliary use after て/で (〜ている). It is *negated* when a negator (ない, ず, ぬ, ん) follows,
   possibly after bridging tokens (れる, ている, では, こと …: 活用されていない, 十分ではない) —
   unless しか stands before it in the clause (しか…ない means "only").
5. Anything else (particles, auxiliaries, symbols, numerals, lone suffixes) is not a term.

A stop-listed word is never a term; a negated predicate is dropped only when its negated form is
listed (進む(否定) counts even though 進む may be stop-listed). Forced terms are always kept.
Spelling variants that UniDic gives one lemma (しくみ / 仕組み) are one word, written in their most
frequent spelling in the analysed tables; the synonym list then merges further.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from itertools import pairwise
from typing import NamedTuple

import pandas as pd

from .wordlists import WordLists, word_lists

TERM_COLUMNS = ["item_id", "term", "pos", "negated", "first_token_no", "last_token_no"]
MENTION_COLUMNS = ["item_id", "word", "term"]
NEGATED = "(否定)"
NOUN, FORCED, UNKNOWN = "名詞", "強制抽出", "未知語"
PREDICATES = ("動詞", "形容詞", "形状詞")

# Rule 1: idioms by lemma, token by token (形で: で is the copula だ or the particle で).
FUNCTION_PHRASES: tuple[tuple[frozenset[str], ...], ...] = tuple(
    tuple(frozenset(alternatives.split("|")) for alternatives in phrase.split())
    for phrase in ["に 取る て", "常 に", "或る 種", "目 に 見える", "別 の", "形 だ|で", "留まる ず"])
# Rules 3 and 4: negation.
NEGATOR_LEMMAS = frozenset({"ない", "ず"})  # the auxiliaries ない, ず, ぬ, ん
LIGHT_VERBS = frozenset({"為る", "出来る"})  # する / できる after a noun: 定着しない → 定着(否定)
BRIDGE_AUXILIARIES = frozenset({"れる", "られる", "せる", "させる", "ます", "だ"})
BRIDGE_PARTICLES = frozenset({"て", "で", "は", "も"})  # as 接続助詞 / 係助詞
BRIDGE_VERBS = frozenset({"居る", "為る", "出来る", "仕舞う", "行く", "来る", "得る", "有る"})
BRIDGE_NOUNS = frozenset({"事"})  # 〜することなく
EXISTENCE_PARTICLES = frozenset({"が", "は", "も"})  # 決定権がない


class Token(NamedTuple):
    """What the rules read of one morpheme."""

    surface: str
    word: str  # the spelling it is counted by: nouns by surface, predicates by dictionary form, variants unified
    lemma: str
    pos1: str
    pos2: str
    unknown: bool
    gap: bool  # whitespace before it


class TermRow(NamedTuple):
    """One row of ``terms.csv``."""

    item_id: str
    term: str
    pos: str
    negated: bool
    first_token_no: int
    last_token_no: int


class Term(NamedTuple):
    term: str
    pos: str
    negated: bool
    first: int  # token indices in the item, 0-based, inclusive
    last: int


# ---------------------------------------------------------------- what a token is

def is_noun_like(token: Token) -> bool:
    return ((token.pos1 == "名詞" and token.pos2 != "数詞") or token.pos1 == "接頭辞"
            or (token.pos1 == "接尾辞" and token.pos2 in ("名詞的", "形状詞的")))


def is_negator(token: Token) -> bool:
    return ((token.pos1 == "助動詞" and token.lemma in NEGATOR_LEMMAS)
            or (token.pos1 == "形容詞" and token.pos2 == "非自立可能" and token.lemma == "無い"))


def is_bridge(token: Token) -> bool:
    """A token that may stand between a predicate and its negator."""
    return ((token.pos1 == "助動詞" and token.lemma in BRIDGE_AUXILIARIES)
            or (token.pos1 == "助詞" and token.lemma in BRIDGE_PARTICLES and token.pos2 in ("接続助詞", "係助詞"))
            or (token.pos1 == "動詞" and token.pos2 == "非自立可能" and token.lemma in BRIDGE_VERBS)
            or (token.pos1 == "名詞" and token.lemma in BRIDGE_NOUNS))


def is_stopped(token: Token, lists: WordLists) -> bool:
    return token.surface in lists.stop or token.word in lists.stop


# ---------------------------------------------------------------- rules

PHRASE_STARTS = frozenset(lemma for phrase in FUNCTION_PHRASES for lemma in phrase[0])


def function_phrase_end(tokens: list[Token], i: int) -> int | None:
    """Rule 1: the last token of a function phrase starting at ``i``."""
    if tokens[i].lemma not in PHRASE_STARTS:
        return None
    for phrase in FUNCTION_PHRASES:
        if i + len(phrase) <= len(tokens) and all(tokens[i + k].lemma in lemmas for k, lemmas in enumerate(phrase)):
            return i + len(phrase) - 1
    return None


def forced_term_end(tokens: list[Token], i: int, lists: WordLists) -> int | None:
    """Rule 2: the last token of the longest forced term spelled from ``i`` (not across whitespace)."""
    if tokens[i].pos1 in ("助詞", "助動詞", "補助記号"):
        return None
    spelled, found = "", None
    for j in range(i, len(tokens)):
        if j > i and tokens[j].gap:
            break
        spelled += tokens[j].surface
        if spelled in lists.forced_set:
            found = j
        if spelled not in lists.forced_prefixes:
            break
    return found


def negation_end(tokens: list[Token], i: int) -> int | None:
    """The negator that negates the predicate at ``i`` (after bridging tokens), unless しか comes before it."""
    j = i + 1
    while j < len(tokens) and is_bridge(tokens[j]) and not is_negator(tokens[j]):
        j += 1
    if j < len(tokens) and is_negator(tokens[j]) and not only_before(tokens, i):
        return j
    return None


ONLY_REACH = 12  # tokens before a predicate searched for しか


def only_before(tokens: list[Token], i: int) -> bool:
    """True when the particle しか stands before token ``i`` in its clause: after the last punctuation and
    at most ``ONLY_REACH`` tokens back."""
    for token in reversed(tokens[max(0, i - ONLY_REACH):i]):
        if token.pos1 == "補助記号":
            return False
        if token.pos1 == "助詞" and token.lemma == "しか":
            return True
    return False


def noun_negation_end(tokens: list[Token], j: int) -> int | None:
    """The negator after a noun run ending before ``j``: する/できる + bridges + negator, or が/は/も + ない."""
    if j >= len(tokens):
        return None
    if tokens[j].pos1 == "動詞" and tokens[j].lemma in LIGHT_VERBS:
        return negation_end(tokens, j)
    if (j + 1 < len(tokens) and tokens[j].pos1 == "助詞" and tokens[j].lemma in EXISTENCE_PARTICLES
            and tokens[j + 1].pos1 == "形容詞" and tokens[j + 1].lemma == "無い" and not only_before(tokens, j)):
        return j + 1
    return None


def noun_run(tokens: list[Token], i: int, lists: WordLists) -> tuple[Term | None, int]:
    """Rule 3: the compound starting at ``i`` (None if stop-listed or all affixes), and where reading resumes."""
    j = i
    while (j < len(tokens) and is_noun_like(tokens[j]) and not is_stopped(tokens[j], lists)
           and (j == i or not (tokens[j].gap or forced_term_end(tokens, j, lists) is not None
                               or function_phrase_end(tokens, j) is not None))):
        j += 1
    if j == i:  # the token itself is stop-listed
        return None, i + 1
    first, last = i, j - 1
    while first <= last and tokens[first].pos1 == "接尾辞":
        first += 1  # a compound never starts with a lone suffix (金, 度, 的, 等)
    while last >= first and tokens[last].pos1 == "接頭辞":
        last -= 1
    if first > last:
        return None, j
    text = "".join(t.word for t in tokens[first:last + 1])
    negator = None if tokens[last].pos2 == "固有名詞" else noun_negation_end(tokens, j)
    if negator is not None:
        return Term(text + NEGATED, NOUN, True, first, negator), negator + 1
    if text in lists.stop:
        return None, j
    pos = UNKNOWN if all(t.unknown for t in tokens[first:last + 1]) else NOUN
    return Term(text, pos, False, first, last), j


def predicate(tokens: list[Token], i: int, lists: WordLists) -> tuple[Term | None, int]:
    """Rule 4: the predicate at ``i`` by its dictionary form, negated when a negator follows."""
    token = tokens[i]
    if token.pos2 == "非自立可能" and i > 0 and tokens[i - 1].lemma in ("て", "で"):
        return None, i + 1  # auxiliary use: 〜ている, 〜てしまう
    negator = negation_end(tokens, i)
    if negator is not None:
        if token.word + NEGATED in lists.stop:
            return None, negator + 1
        return Term(token.word + NEGATED, token.pos1, True, i, negator), negator + 1
    if is_stopped(token, lists):
        return None, i + 1
    return Term(token.word, token.pos1, False, i, i), i + 1


def item_terms(tokens: list[Token], lists: WordLists) -> list[Term]:
    """Every term of one item, left to right (the reference rules 1–5 of this module's docstring)."""
    out: list[Term] = []
    i = 0
    while i < len(tokens):
        end = function_phrase_end(tokens, i)
        if end is not None:
            i = end + 1
            continue
        end = forced_term_end(tokens, i, lists)
        if end is not None:
            out.append(Term("".join(t.surface for t in tokens[i:end + 1]), FORCED, False, i, end))
            i = end + 1
            continue
        if is_noun_like(tokens[i]):
            term, i = noun_run(tokens, i, lists)
        elif tokens[i].pos1 in PREDICATES:
            term, i = predicate(tokens, i, lists)
        else:
            term, i = None, i + 1
        if term is not None:
            out.append(term)
    return [t._replace(term=counted(t, lists)) for t in out]


def counted(term: Term, lists: WordLists) -> str:
    """The term after the synonym list (a negated term is counted as its word's negation)."""
    if term.negated:
        return lists.counted_as(term.term[:-len(NEGATED)]) + NEGATED
    return lists.counted_as(term.term)


# ---------------------------------------------------------------- tables

def spellings(token_frame: pd.DataFrame) -> list[str]:
    """The spelling each token is counted by.

    A token is written by its surface (nouns, unknown words) or its dictionary form (predicates).
    Tokens UniDic gives the same lemma, lemma reading and part of speech are one word, written in its
    most frequent spelling among these tokens — on a tie, the lemma's own spelling if it is one of them,
    else the first to appear: しくみ / 仕組み → 仕組み."""
    predicate = token_frame["pos1"].isin(PREDICATES).tolist()
    written = [b if p else s for s, b, p in zip(token_frame["surface"].tolist(), token_frame["base"].tolist(),
                                                 predicate, strict=True)]
    keys = list(zip(token_frame["lemma"].tolist(), token_frame["lemma_reading"].tolist(),
                    token_frame["pos1"].tolist(), strict=True))
    tally = Counter(zip(keys, written, strict=True))
    best: dict[tuple, str] = {}
    def preference(key: tuple, spelling: str) -> tuple[int, bool]:
        return tally[key, spelling], spelling == key[0]

    for key, spelling in dict.fromkeys(zip(keys, written, strict=True)):  # in order of first appearance
        if key not in best or preference(key, spelling) > preference(key, best[key]):
            best[key] = spelling
    return [best[key] for key in keys]


def item_tokens(token_frame: pd.DataFrame, words: list[str]) -> Iterator[tuple[str, list[int], list[Token]]]:
    """(item_id, token numbers, tokens) of each item; an item's tokens must be contiguous and in order."""
    columns = [token_frame[c].tolist() for c in ("item_id", "token_no", "surface", "lemma", "pos1", "pos2",
                                                 "is_unknown", "start")]
    item_id, numbers, tokens, end = None, [], [], 0
    for item, no, surface, lemma, pos1, pos2, unknown, start, word in zip(*columns, words, strict=True):
        if item != item_id:
            if tokens:
                yield item_id, numbers, tokens
            item_id, numbers, tokens, end = item, [], [], start
        tokens.append(Token(surface, word, lemma, pos1, pos2, bool(unknown), start > end))
        numbers.append(no)
        end = start + len(surface)
    if tokens:
        yield item_id, numbers, tokens


def extract_terms(token_frame: pd.DataFrame, lists: WordLists | None = None,
                  words: list[str] | None = None) -> pd.DataFrame:
    """``terms.csv``: one row per term occurrence (``item_id, term, pos, negated, first_token_no, last_token_no``)."""
    lists = lists or word_lists()
    words = spellings(token_frame) if words is None else words
    rows = [(item_id, t.term, t.pos, t.negated, numbers[t.first], numbers[t.last])
            for item_id, numbers, tokens in item_tokens(token_frame, words)
            for t in item_terms(tokens, lists)]
    frame = pd.DataFrame(rows, columns=TERM_COLUMNS)
    return frame.astype({"item_id": "string", "term": "string", "pos": "string", "negated": bool,
                         "first_token_no": "Int64", "last_token_no": "Int64"})


def mentions(term_frame: pd.DataFrame, token_frame: pd.DataFrame, lists: WordLists | None = None,
             words: list[str] | None = None) -> pd.DataFrame:
    """``mentions.csv``: every word an item mentions, one row per occurrence — each term as its word
    (without the negation mark), and each noun inside a compound or forced term of two or more nouns
    (団体 in 申請団体; not 補助 in 補助金, whose 金 is a suffix).

    Counting these rows tells how many items and programs mention a word at all, compounds included."""
    lists = lists or word_lists()
    words = spellings(token_frame) if words is None else words
    first_row: dict[str, int] = {}  # an item's tokens are contiguous and numbered from 1 (as tokenize writes them)
    for row, item_id in enumerate(token_frame["item_id"].tolist()):
        first_row.setdefault(item_id, row)
    pos1, pos2 = token_frame["pos1"].tolist(), token_frame["pos2"].tolist()
    rows = []
    for item_id, term, pos, negated, first, last in zip(*(term_frame[c].tolist() for c in (
            "item_id", "term", "pos", "negated", "first_token_no", "last_token_no")), strict=True):
        word = term[:-len(NEGATED)] if negated else term
        rows.append((item_id, word, term))
        if pos not in (NOUN, UNKNOWN, FORCED) or last == first:
            continue  # predicates and one-token terms have no parts
        nouns = []
        for no in range(first, last + 1):
            at = first_row[item_id] + no - 1
            if pos != FORCED and pos1[at] not in ("名詞", "接頭辞", "接尾辞"):
                break  # a negated compound's span goes on to its negator: its parts end with the run
            if pos1[at] == "名詞" and pos2[at] != "数詞":
                nouns.append(lists.counted_as(words[at]))
        if len(nouns) > 1:  # a compound of words (申請団体), not one word with affixes (補助金, 課内)
            rows.extend((item_id, part, term) for part in nouns if part != word)
    return pd.DataFrame(rows, columns=MENTION_COLUMNS).astype("string")


# ---------------------------------------------------------------- curation reports

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


def candidate_compounds(term_frame: pd.DataFrame, lists: WordLists, min_count: int = 2) -> pd.DataFrame:
    """Compounds worth a look: noun runs the joiner fused, and terms that stand side by side, not yet forced.

    ``kind`` is ``joined`` for a multi-token compound the joiner built (check it is not over-joined,
    e.g. 補助金交付終了後), ``adjacent`` for two terms next to each other (candidates for the forced list).
    """
    rows = []
    joined = term_frame[(term_frame["pos"] == NOUN) & ~term_frame["negated"]
                        & (term_frame["last_token_no"] > term_frame["first_token_no"])]
    for term, group in joined.groupby("term"):
        rows.append((term, "joined", len(group), group["item_id"].nunique()))
    pairs: dict[str, list[str]] = {}
    in_order = map(TermRow._make, zip(*(term_frame[c].tolist() for c in TERM_COLUMNS), strict=True))
    for prev, row in pairwise(in_order):  # terms of an item are in reading order
        if (prev.item_id == row.item_id and prev.last_token_no + 1 == row.first_token_no
                and not prev.negated and not row.negated and prev.pos != "動詞" and row.pos != "動詞"):
            pairs.setdefault(prev.term + row.term, []).append(row.item_id)
    for candidate, item_ids in pairs.items():
        rows.append((candidate, "adjacent", len(item_ids), len(set(item_ids))))
    report = pd.DataFrame(rows, columns=["candidate", "kind", "n", "n_items"])
    report = report[(report["n"] >= min_count) & ~report["candidate"].isin(set(lists.forced))]
    return report.sort_values(["n", "kind", "candidate"], ascending=[False, True, True], kind="stable").reset_index(drop=True)
