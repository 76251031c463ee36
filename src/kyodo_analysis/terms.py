"""Tokens → terms: the rules of what is counted, written once, one function per rule.

unidic-lite cuts at short units (補助金 → 補助 + 金), so the counted unit is a *term*. An item's terms depend on
that item's text alone (and the word lists): nothing is chosen by frequency.

**Units** (:func:`units.units`), read left to right: forced terms (the longest entry of the forced-term list
spelled by whole tokens, never across whitespace: 補助金, 居場所); the spelling variants of ``variants.txt``
(担手 → 担い手); katakana words the dictionary broke into a particle (プロボ + ノ → プロボノ); Latin letters
joined by a hyphen (Wi-Fi); 十 + 分 as the adjective 十分; a verb's stem with 方 (あり方); 行っ as 行う unless the
word before says going (:func:`units.carried_out_or_gone`). Every other token is a unit, predicates by ``orthBase``.

**Rules** (:func:`item_terms`): at each unit the first rule that applies decides.

1. **Quoted name** (:func:`quoted_name`) — 「つなぐネット」: a short bracketed name ending in a noun is one term.
2. **Function expression** (:func:`expression_end`) — 複合辞 and idioms of ``function_expressions.txt``
   (に関して, を通じて, やむを得ず, かもしれない, 絶えず …), matched by lemma sequence, give no term; an expression
   whose last verb takes a passive or causative auxiliary is that verb (:func:`voiced`: に限られた → 限る).
3. **Number** (:func:`number_end`) — numerals, an era letter before them (R3, H25) and the one counter after
   them (年度, 月, 円, 回, 団体 in 120団体) give no term and no mention; a date word alone neither (前年度比).
4. **Noun run** (:func:`noun_run`, :func:`in_run`) — prefixes, nouns, noun-like suffixes and forced terms side by
   side are one term (市民活動支援センター, 講座修了後, 満足度); so are an adjectival noun after a prefix or before
   a noun (不明確, 新規団体) and a verb stem before a noun or after の (見守り体制, 高齢者の見守り). Never across
   whitespace, a stop-listed word, a separating suffix (等, ごと, あたり) or a function expression; never starting
   with a lone suffix nor ending with a prefix; an adverbial noun before a verbal noun with する stays out.
5. **Predicate** (:func:`predicate`) — a verb, adjective or adjectival noun by its dictionary form,
   except an auxiliary use (〜ている, 〜しきれない, ご協力いただいた); a prefix before a verb is part of it
   (相次ぐ), the honorific お・ご is not (お聞きした → 聞く).
6. Anything else (particles, auxiliaries, symbols, adverbs) is no term.

**Negation** (:mod:`negation`: :func:`negation_after`, :func:`negation_at`, :func:`noun_negation`): a term is
``X(否定)`` when the sentence says X did not happen or is absent: a negator after the predicate,
possibly after bridging tokens (活用されていない, 対応しきれない); a noun with する / できる + negator;
a noun with が / は / も / の, any adverbs, then ない, or ある / いる + negator (関心がまったくない,
担い手がいない); a hedge after it (十分とは言えない, 解消されたわけではない). Not negation:
obligation (なければならない, ざるを得ない), double negation (なくはない), proposals (〜ないか),
しか…ない; a hedge after a negation cancels it (ないわけではない).

**Stop list** (:func:`units.is_stopped`): a word is never a term when its spelling or its lemma is listed
(こと / 事, できる / 出来る), unless it is a forced term; a negated term is dropped when its negated
form is listed. The synonym list then merges what is left.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import pandas as pd

from .dtypes import TEXT, frame_of
from .negation import LIGHT_VERBS, Negation, negation_after, noun_negation, obtains, place_end
from .phrases import expression_end, expressions, match_key
from .spelling import spellings
from .units import (
    ADVERBIAL,
    DATE_WORDS,
    PREDICATES,
    SUFFIX_WORDS,
    TIME_LIKE,
    Token,
    compound_parts,
    in_compound,
    in_run,
    is_noun_like,
    is_numeral,
    is_stopped,
    negation_stopped,
    units,
)
from .wordlists import NEGATED, WordLists, word_lists

TERM_COLUMNS = ["item_id", "term", "pos", "negated", "first_token_no", "last_token_no"]
MENTION_COLUMNS = ["item_id", "word", "term"]
NOUN, FORCED, UNKNOWN = "名詞", "強制抽出", "未知語"
ERA_LETTERS = frozenset("RHSMTrhsmtＲＨＳＭＴ")  # R3, H25: 令和 / 平成 / 昭和 / 明治 / 大正 + year
OPEN_QUOTES, CLOSE_QUOTES = frozenset("「『"), frozenset("」』")
NAME_MAX_CHARS = 20


class Term(NamedTuple):
    term: str
    pos: str
    negated: bool
    first: int  # token (or unit) indices in the item, 0-based, inclusive
    last: int
    parts: tuple[str, ...] = ()  # the words inside a compound, for mentions.csv


# ---------------------------------------------------------------- rules

def quoted_name(tokens: list[Token], i: int) -> tuple[Term, int] | None:
    """Rule 1: 「つなぐネット」 — a short name in brackets that is not a plain noun run, ending in a noun."""
    if tokens[i].surface not in OPEN_QUOTES:
        return None
    for c in range(i + 1, min(len(tokens), i + NAME_MAX_CHARS + 2)):
        if tokens[c].surface in CLOSE_QUOTES:
            break
        if tokens[c].pos1 == "補助記号" and tokens[c].surface not in "・ー":
            return None
    else:
        return None
    inside = tokens[i + 1:c]
    text = "".join(t.surface for t in inside)
    if (len(inside) < 2 or len(text) > NAME_MAX_CHARS or not is_noun_like(inside[-1])
            or all(is_noun_like(t) for t in inside)):
        return None
    return Term(text, NOUN, False, i + 1, c - 1), c + 1


def function_end(tokens: list[Token], i: int) -> int | None:
    """Rule 2: the last unit of a function expression, hedge or negation tail starting at ``i`` (read only at a
    token some expression begins with: :func:`expression_at` is the rule)."""
    if match_key(tokens[i].lemma, tokens[i].pos1) not in expressions().starts:
        return None
    return expression_at(tokens, i)


def expression_at(tokens: list[Token], i: int) -> int | None:
    """The last unit of the first section's expression spelled from ``i``, unless its last verb is voiced."""
    for section in expressions().sections:
        end = expression_end(tokens, i, section)
        if end is not None and not voiced(tokens, end):
            return end
    return None


VOICE = frozenset({"れる", "られる", "せる", "させる"})  # passive and causative auxiliaries


def voiced(tokens: list[Token], end: int) -> bool:
    """An expression's last verb with a passive or causative auxiliary after it is that verb used as a
    predicate, not the fixed expression: 月1回に限られた → 限る (に限り is an expression)."""
    return (tokens[end].pos1 == "動詞" and end + 1 < len(tokens) and tokens[end + 1].pos1 == "助動詞"
            and tokens[end + 1].lemma in VOICE)


def number_end(tokens: list[Token], i: int) -> int | None:
    """Rule 3: the last unit of a number — an era letter (R3), numerals (10万) and one counter after them."""
    j = i
    if (tokens[i].surface in ERA_LETTERS and i + 1 < len(tokens) and is_numeral(tokens[i + 1])
            and not tokens[i + 1].gap):
        j = i + 1
    if not is_numeral(tokens[j]):
        return None
    while j + 1 < len(tokens) and not tokens[j + 1].gap and (
            is_numeral(tokens[j + 1]) or tokens[j + 1].surface in (".", "．", ",", "，")):
        j += 1
    if j + 1 < len(tokens) and tokens[j + 1].surface in ("%", "％"):
        return j + 1  # 10％増加: the percent sign is the unit
    if j + 1 < len(tokens) and not tokens[j + 1].gap and is_noun_like(tokens[j + 1]) and not tokens[j + 1].forced:
        j = counter_end(tokens, j + 1)  # the counter: 年度, 回, 円, 団体 (120団体), 自治会 (42自治会)
    return j


def counter_end(tokens: list[Token], j: int) -> int:
    """The last token of the counter starting at ``j``: the counter, the suffixes after it, and a
    one-character noun that ends the compound (42自治会, 30町内会: 会 is no term of its own); a longer
    remainder is a word (第1回町会長 → 町会長, 2地区合同訓練 → 合同訓練)."""
    def attached(k: int) -> bool:
        return k < len(tokens) and not tokens[k].gap
    while attached(j + 1) and tokens[j + 1].pos1 == "接尾辞":
        j += 1
    if (attached(j + 1) and tokens[j + 1].pos1 == "名詞" and len(tokens[j + 1].surface) == 1
            and not tokens[j + 1].forced and not (attached(j + 2) and is_noun_like(tokens[j + 2]))):
        j += 1
    return j


def noun_run(tokens: list[Token], i: int, lists: WordLists) -> tuple[list[Term], int]:
    """Rule 4: the compound starting at ``i`` (none if stop-listed or all affixes) and the terms of a place its
    negation read past, and where reading resumes."""
    j = i
    while (j < len(tokens) and in_run(tokens, j)
           and (not is_stopped(tokens[j], lists) or counter_suffix(tokens, i, j) or dated_start(tokens, j, lists))
           and (j == i or not (tokens[j].gap or function_end(tokens, j) is not None))):
        j += 1
    if j == i:  # the token itself is stop-listed
        return [], i + 1
    if adverbial_start(tokens, i, j):
        if tokens[i].pos1 == "動詞":
            return [], i + 1  # 引き続き: an adverb
        j = i + 1
    first, last = i, j - 1
    while first <= last and tokens[first].pos1 == "接尾辞":
        first += 1  # a compound never starts with a lone suffix (金, 度, 的, 等)
    while last >= first and tokens[last].pos1 == "接頭辞":
        last -= 1
    if first > last or date_tail(tokens, first, last, lists):
        return [], j
    run = tokens[first:last + 1]
    text = "".join(map(in_compound, run))
    pos = FORCED if any(t.forced for t in run) else UNKNOWN if all(t.unknown for t in run) else NOUN
    negation = None if tokens[last].pos2 == "固有名詞" else noun_negation(tokens, j)
    resume = j if negation is None else negation.end + 1
    found = place_terms(tokens, negation, lists)
    if negation is not None and negation.negated:
        if negation_stopped(text, run[0] if len(run) == 1 else run[0]._replace(lemma=text), lists):
            return found, resume
        return [Term(text + NEGATED, NOUN, True, first, negation.end, compound_parts(run)), *found], resume
    if text in lists.stop:
        return found, resume
    return [Term(text, pos, False, first, last, compound_parts(run)), *found], resume


def date_tail(tokens: list[Token], first: int, last: int, lists: WordLists) -> bool:
    """A one-character noun right after a date word is part of the date (前年度比): no term (rule 3)."""
    return (first == last and first > 0 and tokens[first].pos1 == "名詞" and len(tokens[first].surface) == 1
            and not tokens[first].gap and tokens[first - 1].lemma in DATE_WORDS and is_stopped(tokens[first - 1], lists))


def place_terms(tokens: list[Token], negation: Negation | None, lists: WordLists) -> list[Term]:
    """The terms of a place a noun's negation read past (地域 in ボランティアが地域にいない), read as if alone:
    nested in the negated term's span, and never its negator."""
    if negation is None or negation.place is None:
        return []
    return unit_terms(tokens[:place_end(tokens, negation.place)], lists, negation.place)


def adverbial_start(tokens: list[Token], i: int, j: int) -> bool:
    """An adverbial noun before a verbal noun used with する is an adverb, not part of a compound:
    多数参加した → 多数 + 参加; so is a verb stem, then no term: 引き続き支援していく → 支援."""
    return (j - i >= 2 and ((tokens[i].pos1 == "名詞" and tokens[i].pos3 == ADVERBIAL) or tokens[i].pos1 == "動詞")
            and j < len(tokens)
            and tokens[j].pos1 == "動詞" and tokens[j].lemma in LIGHT_VERBS and tokens[j - 1].pos3 == "サ変可能")


def counter_suffix(tokens: list[Token], i: int, j: int) -> bool:
    """A counter noun as a suffix (災害時), a date or count word that is no term only alone (開催日; rule 3), or
    :data:`units.TIME_NOUNS` as the suffix 後 (開始前): stop-listed alone, part of the compound here."""
    return (j > i and (tokens[j].pos3 == "助数詞可能" or tokens[j].lemma in SUFFIX_WORDS)
            and tokens[j - 1].pos1 in ("名詞", "接尾辞") and not tokens[j].gap)


def dated_start(tokens: list[Token], i: int, lists: WordLists) -> bool:
    """A date word that begins a compound before a noun of no time (年度計画, 年会費): not alone (rule 3). After a
    noun or prefix it is a date of its own (前年度, 今年度: then 実績 of 前年度実績), and before a time, a date (年度途中)."""
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    return (tokens[i].lemma in DATE_WORDS and after is not None and not after.gap and after.pos1 == "名詞"
            and after.pos2 != "数詞" and after.pos3 not in TIME_LIKE and not is_stopped(after, lists)
            and (i == 0 or tokens[i].gap or not is_noun_like(tokens[i - 1])))


HUMBLE_AUXILIARIES = frozenset({"頂く", "下さる"})  # ご協力いただいた, ご参加くださった: the noun is the word
HONORIFIC = "御"  # the prefix お・ご: no part of a verb (お聞きした → 聞く), as 相 of 相次ぐ is


def predicate(tokens: list[Token], i: int, lists: WordLists) -> tuple[Term | None, int]:
    """Rule 5: the predicate at ``i`` by its dictionary form, negated when a negator follows."""
    token, before = tokens[i], tokens[i - 1] if i > 0 else None
    if token.pos2 == "非自立可能" and before is not None and (
            (before.lemma in ("て", "で") and before.pos2 == "接続助詞" and not obtains(tokens, i)) or before.pos1 == "動詞"
            or (token.lemma in HUMBLE_AUXILIARIES and is_noun_like(before) and not token.gap)):
        return None, i + 1  # auxiliary use: 〜ている, 〜てしまう, 〜しきる, 起こり得る, ご協力いただく (not 安定して得る)
    first = i
    if before is not None and before.pos1 == "接頭辞" and before.lemma != HONORIFIC and not token.gap and token.pos1 == "動詞":
        token, first = token._replace(word=before.surface + token.word), i - 1  # 相 + 次ぐ → 相次ぐ
    negation = negation_after(tokens, i + 1, i)
    if negation is not None and negation[0]:
        if negation_stopped(token.word, token, lists):
            return None, negation[1] + 1
        return Term(token.word + NEGATED, token.pos1, True, first, negation[1]), negation[1] + 1
    resume = i + 1 if negation is None else negation[1] + 1
    if is_stopped(token, lists):
        return None, resume
    return Term(token.word, token.pos1, False, first, i), resume


def unit_terms(tokens: list[Token], lists: WordLists, start: int = 0) -> list[Term]:
    """Every term of a sequence of units from ``start`` on, left to right (rules 1–6 of this module's docstring)."""
    out: list[Term] = []
    i = start
    while i < len(tokens):
        named = quoted_name(tokens, i)
        if named is not None:
            out.append(named[0])
            i = named[1]
            continue
        end = function_end(tokens, i)
        if end is None:
            end = number_end(tokens, i)
        if end is not None:
            i = end + 1
            continue
        if in_run(tokens, i):
            found, i = noun_run(tokens, i, lists)
            out.extend(found)
            continue
        if tokens[i].pos1 in PREDICATES:
            term, i = predicate(tokens, i, lists)
        else:
            term, i = None, i + 1
        if term is not None:
            out.append(term)
    return out


def item_terms(tokens: list[Token], lists: WordLists) -> list[Term]:
    """Every term of one item (token indices, synonyms applied); a stop-listed word is no word inside one either."""
    unit_list, spans = units(tokens, lists)
    return [t._replace(term=counted(t, lists), first=spans[t.first][0], last=spans[t.last][1],
                       parts=tuple(lists.counted_as(p) for p in t.parts if p not in lists.stop))
            for t in unit_terms(unit_list, lists)]


def counted(term: Term, lists: WordLists) -> str:
    """The term after the synonym list (a negated term is counted as its word's negation)."""
    if term.negated:
        return lists.counted_as(term.term[:-len(NEGATED)]) + NEGATED
    return lists.counted_as(term.term)


# ---------------------------------------------------------------- tables

def item_tokens(token_frame: pd.DataFrame, words: list[str]) -> Iterator[tuple[str, list[int], list[Token]]]:
    """(item_id, token numbers, tokens) of each item; an item's tokens must be contiguous and in order.

    A :class:`Token` is immutable, so equal tokens are one object, made once (Zipf: few distinct tokens,
    many occurrences; making one per row took this function 1.6–2.5 s at 10^6 characters, sharing 0.6 s)."""
    columns = [token_frame[c].tolist() for c in ("item_id", "token_no", "surface", "lemma", "pos1", "pos2", "pos3",
                                                 "lemma_reading", "is_unknown", "start")]
    made: dict[tuple, Token] = {}
    item_id, numbers, tokens, end = None, [], [], 0
    for item, no, surface, lemma, pos1, pos2, pos3, reading, unknown, start, word in zip(*columns, words, strict=True):
        if item != item_id:
            if tokens:
                yield item_id, numbers, tokens
            item_id, numbers, tokens, end = item, [], [], start
        key = (surface, word, lemma, pos1, pos2, bool(unknown), start > end, pos3, reading)
        token = made.get(key)
        if token is None:
            token = made[key] = Token(*key[:-1], reading=reading)
        tokens.append(token)
        numbers.append(no)
        end = start + len(surface)
    if tokens:
        yield item_id, numbers, tokens


def term_table(rows: list[tuple]) -> pd.DataFrame:
    return frame_of(rows, TERM_COLUMNS, {"item_id": TEXT, "term": TEXT, "pos": TEXT, "negated": bool,
                                         "first_token_no": "Int64", "last_token_no": "Int64"})


def extract_terms(token_frame: pd.DataFrame, lists: WordLists | None = None,
                  words: list[str] | None = None) -> pd.DataFrame:
    """``terms.csv``: one row per term occurrence (``item_id, term, pos, negated, first_token_no, last_token_no``)."""
    lists = lists or word_lists()
    words = spellings(token_frame) if words is None else words
    return term_table([(item_id, t.term, t.pos, t.negated, numbers[t.first], numbers[t.last])
                       for item_id, numbers, tokens in item_tokens(token_frame, words)
                       for t in item_terms(tokens, lists)])


def mention_rows(item_id: str, term: str, negated: bool, parts: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """The ``mentions.csv`` rows of one term: the term as its word, then each word inside it (see :func:`mentions`)."""
    word = term[:-len(NEGATED)] if negated else term
    return [(item_id, word, term), *((item_id, part, term) for part in parts if part != word)]


def terms_and_mentions(token_frame: pd.DataFrame, lists: WordLists | None = None,
                       words: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`extract_terms` and :func:`mentions` in one pass over the items (the rules run once per item,
    not twice); the same two tables, held equal to the two verbs by a test."""
    lists = lists or word_lists()
    words = spellings(token_frame) if words is None else words
    term_rows, mentioned = [], []
    one: dict[str, str] = {}  # each spelling held once, however often it occurs (a compound is joined anew each time)
    for item_id, numbers, tokens in item_tokens(token_frame, words):
        for t in item_terms(tokens, lists):
            term = one.setdefault(t.term, t.term)
            term_rows.append((item_id, term, t.pos, t.negated, numbers[t.first], numbers[t.last]))
            mentioned.extend((item_id, one.setdefault(word, word), term)
                             for _, word, _ in mention_rows(item_id, term, t.negated, t.parts))
    return term_table(term_rows), frame_of(mentioned, MENTION_COLUMNS, TEXT)


def inside_compounds(mentioned: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``mentions.csv`` where a word is mentioned inside a longer term (団体 in 申請団体), not as a
    term's own word (進む of 進む(否定) is the term's own)."""
    return mentioned[(mentioned["word"] != mentioned["term"]) & (mentioned["word"] + NEGATED != mentioned["term"])]


def mentions(term_frame: pd.DataFrame, token_frame: pd.DataFrame, lists: WordLists | None = None,
             words: list[str] | None = None) -> pd.DataFrame:
    """``mentions.csv``: every word an item mentions, one row per occurrence — each term as its word
    (without the negation mark), each word inside a compound (申請 and 団体 in 申請団体, 参加 and 参加者 in
    新規参加者: :func:`units.compound_words`) and each noun inside a forced term of two or more nouns (団体 in
    市民団体; not 補助 in the forced term 補助金).

    Counting these rows tells how many items and programs mention a word at all, compounds included."""
    lists = lists or word_lists()
    words = spellings(token_frame) if words is None else words
    parts = {(item_id, numbers[t.first], numbers[t.last]): t.parts
             for item_id, numbers, tokens in item_tokens(token_frame, words)
             for t in item_terms(tokens, lists)}
    rows = [row for item_id, term, negated, first, last in zip(*(term_frame[c].tolist() for c in (
                "item_id", "term", "negated", "first_token_no", "last_token_no")), strict=True)
            for row in mention_rows(item_id, term, negated, parts.get((item_id, first, last), ()))]
    return frame_of(rows, MENTION_COLUMNS, TEXT)
