"""Tokens → terms: the rules of what is counted, written once, one function per rule.

unidic-lite cuts at short units (補助金 → 補助 + 金), so the counted unit is a *term*. An item's
terms depend on that item's text alone (and the word lists): nothing is chosen by frequency.

**Units** (:func:`units`). The tokens are first read as units, left to right:
forced terms (the longest entry of the forced-term list spelled by whole tokens, never across
whitespace: 補助金, 居場所); the field's spelling variants of ``resources/variants.txt`` (担手 →
担い手, 取組 → 取り組み); katakana words the dictionary broke into a particle (プロボ + ノ →
プロボノ); 十 + 分 read as the adjective 十分. Every other token is a unit of its own, nouns written
as in the text and predicates by their dictionary form (``orthBase``).

**Rules** (:func:`item_terms`): at each unit the first rule that applies decides.

1. **Quoted name** (:func:`quoted_name`) — 「つなぐネット」: a short bracketed name ending in a noun
   is one term.
2. **Function expression** (:func:`expression_end`) — 複合辞 and idioms of
   ``resources/function_expressions.txt`` (に関して, を通じて, にもかかわらず, やむを得ず,
   かもしれない, 絶えず …), matched by lemma sequence, give no term.
3. **Number** (:func:`number_end`) — numerals, an era letter before them (R3, H25) and the one
   counter after them (年度, 月, 円, 回, 団体 in 120団体) give no term and no mention.
4. **Noun run** (:func:`noun_run`, :func:`in_run`) — prefixes, nouns, noun-like suffixes and forced
   terms side by side are one term (市民活動支援センター, 講座修了後, 満足度); so are an adjectival noun
   after a prefix or before a noun (不明確, 新規団体) and a verb stem before a noun or after の
   (見守り体制, 高齢者の見守り). Never across whitespace, a stop-listed word, a separating suffix
   (等, ごと, あたり) or a function expression; never starting with a lone suffix nor ending with a
   prefix; an adverbial noun before a verbal noun with する stays out (多数参加した → 多数 + 参加).
5. **Predicate** (:func:`predicate`) — a verb, adjective or adjectival noun by its dictionary form,
   except an auxiliary use (〜ている, 〜しきれない).
6. Anything else (particles, auxiliaries, symbols, adverbs) is no term.

**Negation** (:func:`negation_after`, :func:`negation_at`, :func:`noun_negation`): a term is
``X(否定)`` when the sentence says X did not happen or is absent: a negator after the predicate,
possibly after bridging tokens (活用されていない, 対応しきれない); a noun with する / できる + negator;
a noun with が / は / も / の, any adverbs, then ない, or ある / いる + negator (関心がまったくない,
担い手がいない); a hedge after it (十分とは言えない, 解消されたわけではない). Not negation:
obligation (なければならない, ざるを得ない), double negation (なくはない), proposals (〜ないか),
しか…ない; a hedge after a negation cancels it (ないわけではない).

**Stop list** (:func:`is_stopped`): a word is never a term when its spelling or its lemma is listed
(こと / 事, できる / 出来る), unless it is a forced term; a negated term is dropped when its negated
form is listed. The synonym list then merges what is left.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

import pandas as pd

from .phrases import NEG, NEG_ZU, expression_end, expressions, match_key, variants
from .wordlists import NEGATED, WordLists, word_lists

TERM_COLUMNS = ["item_id", "term", "pos", "negated", "first_token_no", "last_token_no"]
MENTION_COLUMNS = ["item_id", "word", "term"]
NOUN, FORCED, UNKNOWN = "名詞", "強制抽出", "未知語"
PREDICATES = ("動詞", "形容詞", "形状詞")

LIGHT_VERBS = frozenset({"為る", "出来る"})  # する / できる after a noun: 定着しない → 定着(否定)
BRIDGE_AUXILIARIES = frozenset({"れる", "られる", "せる", "させる", "ます", "だ", "た", "です"})
BRIDGE_PARTICLES = frozenset({"て", "で", "は", "も"})  # as 接続助詞 / 係助詞
BRIDGE_VERBS = frozenset({"居る", "為る", "出来る", "仕舞う", "行く", "来る", "得る", "有る", "切る", "成る"})
EXISTENCE_PARTICLES = frozenset({"が", "は", "も", "の"})  # 決定権がない, 関心のない
EXISTENCE_VERBS = frozenset({"有る", "居る", "出来る", "為す"})  # 担い手がいない, 活動ができない, 共有がなされない
ABSENT = "無し"  # 予算なし
ADVERBIAL = "副詞可能"  # the repaired 十分: an adjectival noun that never joins a compound (十分対応 → 十分 + 対応)
CASE_PARTICLES = frozenset({"を", "が", "に", "へ", "から", "より", "で"})  # not と: 見守り体制と空き店舗
ERA_LETTERS = frozenset("RHSMTrhsmtＲＨＳＭＴ")  # R3, H25: 令和 / 平成 / 昭和 / 明治 / 大正 + year
KATAKANA = re.compile(r"[ァ-ヴー]+")
OPEN_QUOTES, CLOSE_QUOTES = frozenset("「『"), frozenset("」』")
NAME_MAX_CHARS = 20
ONLY_REACH = 12  # tokens before a predicate searched for しか
SEPARATING_SUFFIXES = frozenset({"等", "毎", "当たり"})  # 講座等, 事業ごと, 団体あたり: not part of a compound
STEM_ENDINGS = frozenset("いきぎしじちぢにひびぴみりえけげせぜてでねへべぺめれ")  # a verb's 連用形 (見守り, 受け入れ)


class Token(NamedTuple):
    """What the rules read of one morpheme (or of a unit of several)."""

    surface: str
    word: str  # the spelling it is counted by: nouns by surface, predicates by dictionary form
    lemma: str
    pos1: str
    pos2: str
    unknown: bool
    gap: bool  # whitespace before it
    pos3: str = ""
    forced: bool = False
    parts: tuple[str, ...] = ()  # the nouns inside a forced term (市民 and 団体 of 市民団体)
    reading: str = ""  # the lemma's reading: 他 (ホカ, a formal noun) is not 他 (タ, "other")


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
    first: int  # token (or unit) indices in the item, 0-based, inclusive
    last: int
    parts: tuple[str, ...] = ()  # the words inside a compound, for mentions.csv


# ---------------------------------------------------------------- what a token is

def is_noun_like(token: Token) -> bool:
    return ((token.pos1 == "名詞" and token.pos2 != "数詞") or token.pos1 == "接頭辞"
            or (token.pos1 == "接尾辞" and token.pos2 in ("名詞的", "形状詞的")))


def is_numeral(token: Token) -> bool:
    return token.pos1 == "名詞" and token.pos2 == "数詞"


def is_negator(token: Token) -> bool:
    return ((token.pos1 == "助動詞" and match_key(token.lemma, token.pos1) in (NEG, NEG_ZU))
            or (token.pos1 == "形容詞" and token.pos2 == "非自立可能" and token.lemma == "無い"))


def is_adverb(token: Token) -> bool:
    """An adverb between が and ない: まったく, ほとんど, 事実上, あまり."""
    return token.pos1 == "副詞" or (token.pos1 in ("名詞", "接尾辞") and token.pos3 == "副詞可能")


def is_bridge(tokens: list[Token], k: int) -> bool:
    """A token that may stand between a predicate and its negator (れる, ている, しきれ, ことが …)."""
    token = tokens[k]
    return ((token.pos1 == "助動詞" and token.lemma in BRIDGE_AUXILIARIES)
            or (token.pos1 == "助詞" and token.lemma in BRIDGE_PARTICLES and token.pos2 in ("接続助詞", "係助詞"))
            or (token.pos1 == "動詞" and token.pos2 == "非自立可能" and token.lemma in BRIDGE_VERBS)
            or (token.pos1 == "名詞" and token.lemma == "事")
            or (token.lemma in ("に", "く") and k + 1 < len(tokens) and tokens[k + 1].lemma == "成る")
            or (token.pos1 == "助詞" and token.lemma == "が" and k > 0 and tokens[k - 1].lemma == "事"))


def is_stopped(token: Token, lists: WordLists) -> bool:
    """A stop-listed word, by spelling or by lemma. A forced term never is, nor an affix inside a compound
    (後 of 講座修了後, 所 of 事業所, 他 of 他地区) except the separating suffixes (等, ごと, あたり)."""
    if token.forced or (token.pos1 in ("接頭辞", "接尾辞") and token.lemma not in SEPARATING_SUFFIXES):
        return False
    return bool({token.surface, token.word, token.lemma} & lists.stop
                or f"{token.lemma}/{token.reading}" in lists.stop_lemmas)


def in_run(tokens: list[Token], j: int) -> bool:
    """A token a compound is made of: a noun-like token; an adjectival noun before a noun or suffix or after a
    prefix (多様化, 新規団体, 不明確); a verb stem before a noun where no argument or adverb makes it a verb
    (見守り体制, 空き店舗, 担い手づくり; not 事業を行い地域に), or after の, な or この (高齢者の見守りに)."""
    token = tokens[j]
    if is_noun_like(token):
        return True
    before_noun = j + 1 < len(tokens) and not tokens[j + 1].gap and is_noun_like(tokens[j + 1]) and (
        tokens[j + 1].pos1 != "接頭辞")
    if token.pos1 == "形状詞":
        return token.pos2 != ADVERBIAL and (before_noun or (j > 0 and tokens[j - 1].pos1 == "接頭辞" and not token.gap))
    if not is_verb_stem(token):
        return False
    before = tokens[j - 1] if j > 0 else None
    attributive = before is not None and is_attributive(before)
    if before_noun:  # 見守り体制; not 事業を行い地域に, 大きく変わり地域が (an argument or adverb makes it a verb)
        return before is None or not (before.pos1 in ("形容詞", "副詞")
                                      or (before.pos1 == "助詞" and before.lemma in CASE_PARTICLES))
    return attributive and not (j + 1 < len(tokens) and (tokens[j + 1].pos1 == "助動詞"
                                                         or tokens[j + 1].pos2 == "接続助詞"))


def is_attributive(token: Token) -> bool:
    """A token after which a verb stem can only be a noun: の, the な of an adjectival noun, この / その."""
    return (token.lemma == "の" and token.pos1 == "助詞") or (token.surface == "な" and token.pos1 == "助動詞") or (
        token.pos1 == "連体詞")


def is_verb_stem(token: Token) -> bool:
    """A verb written in its 連用形, the form a verb is used as a noun in (見守り, 受け入れ, 空き)."""
    return (token.pos1 == "動詞" and token.pos2 == "一般" and token.surface != token.word
            and token.surface[-1] in STEM_ENDINGS)


def negation_stopped(word: str, token: Token, lists: WordLists) -> bool:
    return word + NEGATED in lists.stop or f"{token.lemma}/{token.reading}{NEGATED}" in lists.stop_lemmas


# ---------------------------------------------------------------- units

def units(tokens: list[Token], lists: WordLists) -> tuple[list[Token], list[tuple[int, int]]]:
    """The item's units and the token span of each (see the module docstring)."""
    out: list[Token] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        unit, end = (forced_unit(tokens, i, lists) or variant_unit(tokens, i) or katakana_unit(tokens, i)
                     or juubun_unit(tokens, i) or (single_unit(tokens[i]), i))
        out.append(unit)
        spans.append((i, end))
        i = end + 1
    return out, spans


def spelled(tokens: list[Token], i: int, words: frozenset[str], prefixes: frozenset[str],
            written=lambda t: t.surface) -> int | None:
    """The last token of the longest entry of ``words`` spelled by whole tokens from ``i`` (no whitespace)."""
    text, found = "", None
    for j in range(i, len(tokens)):
        if j > i and tokens[j].gap:
            break
        text += written(tokens[j])
        if text in words:
            found = j
        if text not in prefixes:
            break
    return found


def forced_unit(tokens: list[Token], i: int, lists: WordLists) -> tuple[Token, int] | None:
    """A forced term from ``i``: one noun unit (its inner nouns kept as parts)."""
    if tokens[i].pos1 in ("助詞", "助動詞", "補助記号"):
        return None
    end = spelled(tokens, i, lists.forced_set, lists.forced_prefixes)
    if end is None:
        return None
    text = "".join(t.surface for t in tokens[i:end + 1])
    inner = tuple(t.word for t in tokens[i:end + 1] if t.pos1 == "名詞" and t.pos2 != "数詞")
    return merged(tokens[i:end + 1], text, "名詞", forced=True, parts=inner if len(inner) > 1 else ()), end


def variant_unit(tokens: list[Token], i: int) -> tuple[Token, int] | None:
    """A field spelling variant written over several tokens (担 + 手 → 担い手)."""
    table = variants()
    end = spelled(tokens, i, frozenset(table), variant_prefixes())
    if end is None or end == i or not all(is_noun_like(t) for t in tokens[i:end + 1]):
        return None
    return merged(tokens[i:end + 1], table["".join(t.surface for t in tokens[i:end + 1])], "名詞"), end


@lru_cache(maxsize=1)
def variant_prefixes() -> frozenset[str]:
    return frozenset(word[:k] for word in variants() for k in range(1, len(word)))


def katakana_unit(tokens: list[Token], i: int) -> tuple[Token, int] | None:
    """A katakana word the dictionary broke into a particle or auxiliary (プロボ + ノ → プロボノ)."""
    end = i
    while end + 1 < len(tokens) and not tokens[end + 1].gap and KATAKANA.fullmatch(tokens[end + 1].surface):
        end += 1
    if (end == i or not KATAKANA.fullmatch(tokens[i].surface)
            or all(is_noun_like(t) for t in tokens[i:end + 1])):
        return None
    return merged(tokens[i:end + 1], "".join(t.surface for t in tokens[i:end + 1]), "名詞"), end


def juubun_unit(tokens: list[Token], i: int) -> tuple[Token, int] | None:
    """十 + 分 (ten minutes) and the adverb 十分 read as the adjectival noun 十分 (enough): 十分とは言えない."""
    if tokens[i].lemma == "十分" and tokens[i].pos1 == "副詞":
        return tokens[i]._replace(pos1="形状詞", pos2=ADVERBIAL), i
    if (i + 1 < len(tokens) and tokens[i].surface == "十" and tokens[i + 1].surface == "分"
            and not tokens[i + 1].gap and (i == 0 or not is_numeral(tokens[i - 1]))
            and (i + 2 >= len(tokens) or tokens[i + 2].surface != "間")):
        return Token("十分", "十分", "十分", "形状詞", ADVERBIAL, False, tokens[i].gap), i + 1
    return None


def single_unit(token: Token) -> Token:
    """One token as a unit, its spelling unified by the variant table (取組 → 取り組み)."""
    word = variants().get(token.word)
    return token._replace(word=word) if word else token


def merged(tokens: list[Token], word: str, pos1: str, forced: bool = False, parts: tuple[str, ...] = ()) -> Token:
    return Token(word, word, word, pos1, "普通名詞", all(t.unknown for t in tokens), tokens[0].gap,
                 forced=forced, parts=parts)

# ---------------------------------------------------------------- negation

def only_before(tokens: list[Token], i: int) -> bool:
    """True when the particle しか stands before token ``i`` in its clause: after the last punctuation and
    at most ``ONLY_REACH`` tokens back."""
    for token in reversed(tokens[max(0, i - ONLY_REACH):i]):
        if token.pos1 == "補助記号":
            return False
        if token.pos1 == "助詞" and token.lemma == "しか":
            return True
    return False


def hedge_end(tokens: list[Token], k: int) -> int | None:
    """The end of a negating hedge at ``k`` (とは言えない, わけではない, とは限らない)."""
    return expression_end(tokens, k, expressions().hedge) if k < len(tokens) else None


def negation_at(tokens: list[Token], k: int) -> tuple[bool, int]:
    """(negated, end) for the negator at ``k``: obligation, double negation and proposals are not negation
    (なければならない, なくはない, 〜ないか); a hedge after it cancels it (ないわけではない)."""
    table = expressions()
    cancelled = expression_end(tokens, k, table.not_negation)
    kept = expression_end(tokens, k, table.kept_negation)
    if cancelled is not None and (kept is None or cancelled >= kept):  # the longer wins: ないか < ないかもしれない
        return False, cancelled
    end = kept or k
    after = end + 1
    while after < len(tokens) and is_bridge(tokens, after) and tokens[after].pos1 == "助動詞":
        after += 1  # なかった + わけではない
    hedge = hedge_end(tokens, after)
    if hedge is not None:
        return False, hedge
    return True, end


def negation_after(tokens: list[Token], j: int, i: int) -> tuple[bool, int] | None:
    """(negated, end) when a negator or hedge follows the predicate ending before ``j`` (after bridging
    tokens), None when none does; ``i`` is the predicate, checked for a しか before it."""
    k = j
    while k < len(tokens) and is_bridge(tokens, k) and not is_negator(tokens[k]) and hedge_end(tokens, k) is None:
        k += 1
    hedge = hedge_end(tokens, k)
    if hedge is not None:
        return True, hedge
    if k < len(tokens) and is_negator(tokens[k]) and not only_before(tokens, i):
        return negation_at(tokens, k)
    return None


def noun_negation(tokens: list[Token], j: int) -> tuple[bool, int] | None:
    """(negated, end) for the noun run ending before ``j``: する/できる + negation (定着しない), なし,
    が/は/も/の + adverbs + ない or ある/いる + negation (関心がまったくない, 担い手がいない), or a hedge."""
    if j >= len(tokens):
        return None
    token = tokens[j]
    if token.pos1 == "動詞" and token.lemma in LIGHT_VERBS:
        return negation_after(tokens, j + 1, j)
    if token.lemma == ABSENT:
        return True, j
    if token.pos1 == "助詞" and token.lemma in EXISTENCE_PARTICLES and not only_before(tokens, j):
        k = j + 1
        while k < len(tokens) and (is_adverb(tokens[k]) or tokens[k].surface in ("、", "，")
                                   or (tokens[k].lemma == "も" and is_adverb(tokens[k - 1]))):
            k += 1  # 関心がまったくない, 会員は一人もいない
        if k < len(tokens) and tokens[k].pos1 == "形容詞" and tokens[k].lemma == "無い":
            return negation_at(tokens, k)
        if k < len(tokens) and tokens[k].pos1 == "動詞" and tokens[k].lemma in EXISTENCE_VERBS | (
                LIGHT_VERBS if token.lemma in ("は", "も") else frozenset()):  # 参加はしない
            return negation_after(tokens, k + 1, k)
    hedge = hedge_end(tokens, j)
    return (True, hedge) if hedge is not None else None


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
    """Rule 2: the last unit of a function expression, hedge or negation tail starting at ``i``."""
    table = expressions()
    for section in (table.function, table.hedge, table.not_negation, table.kept_negation):
        end = expression_end(tokens, i, section)
        if end is not None:
            return end
    return None


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


def noun_run(tokens: list[Token], i: int, lists: WordLists) -> tuple[Term | None, int]:
    """Rule 4: the compound starting at ``i`` (None if stop-listed or all affixes), and where reading resumes."""
    j = i
    while (j < len(tokens) and in_run(tokens, j) and (not is_stopped(tokens[j], lists) or counter_suffix(tokens, i, j))
           and (j == i or not (tokens[j].gap or function_end(tokens, j) is not None))):
        j += 1
    if j == i:  # the token itself is stop-listed
        return None, i + 1
    if adverbial_start(tokens, i, j):
        if tokens[i].pos1 == "動詞":
            return None, i + 1  # 引き続き: an adverb
        j = i + 1
    first, last = i, j - 1
    while first <= last and tokens[first].pos1 == "接尾辞":
        first += 1  # a compound never starts with a lone suffix (金, 度, 的, 等)
    while last >= first and tokens[last].pos1 == "接頭辞":
        last -= 1
    if first > last:
        return None, j
    run = tokens[first:last + 1]
    text = "".join(t.surface if t.pos1 == "動詞" else t.word for t in run)
    pos = FORCED if any(t.forced for t in run) else UNKNOWN if all(t.unknown for t in run) else NOUN
    negation = None if tokens[last].pos2 == "固有名詞" else noun_negation(tokens, j)
    if negation is not None and negation[0]:
        if negation_stopped(text, run[0] if len(run) == 1 else run[0]._replace(lemma=text), lists):
            return None, negation[1] + 1
        return Term(text + NEGATED, NOUN, True, first, negation[1], compound_parts(run)), negation[1] + 1
    resume = j if negation is None else negation[1] + 1
    if text in lists.stop:
        return None, resume
    return Term(text, pos, False, first, last, compound_parts(run)), resume


def adverbial_start(tokens: list[Token], i: int, j: int) -> bool:
    """An adverbial noun before a verbal noun used with する is an adverb, not part of a compound:
    多数参加した → 多数 + 参加; so is a verb stem, then no term: 引き続き支援していく → 支援."""
    return (j - i >= 2 and ((tokens[i].pos1 == "名詞" and tokens[i].pos3 == ADVERBIAL) or tokens[i].pos1 == "動詞")
            and j < len(tokens)
            and tokens[j].pos1 == "動詞" and tokens[j].lemma in LIGHT_VERBS and tokens[j - 1].pos3 == "サ変可能")


def counter_suffix(tokens: list[Token], i: int, j: int) -> bool:
    """A counter noun used as a suffix inside a compound (災害時, 利用時): stop-listed alone, part of it here."""
    return j > i and tokens[j].pos3 == "助数詞可能" and tokens[j - 1].pos1 in ("名詞", "接尾辞") and not tokens[j].gap


def compound_parts(run: list[Token]) -> tuple[str, ...]:
    """The words a compound mentions: its nouns when it has two or more (申請団体 → 申請, 団体), a forced term
    inside a longer one (補助金的 → 補助金) and the nouns inside a forced term (市民団体 → 市民, 団体)."""
    parts: list[str] = []
    nouns = [t for t in run if t.pos1 == "名詞" and t.pos2 != "数詞"]
    for token in nouns:
        if len(nouns) > 1 or (token.forced and len(run) > 1):
            parts.append(token.word)
        parts.extend(token.parts)
    return tuple(parts)


def predicate(tokens: list[Token], i: int, lists: WordLists) -> tuple[Term | None, int]:
    """Rule 5: the predicate at ``i`` by its dictionary form, negated when a negator follows."""
    token = tokens[i]
    if token.pos2 == "非自立可能" and i > 0 and (
            (tokens[i - 1].lemma in ("て", "で") and tokens[i - 1].pos2 == "接続助詞") or tokens[i - 1].pos1 == "動詞"):
        return None, i + 1  # auxiliary use: 〜ている, 〜てしまう, 〜しきる
    first = i
    if i > 0 and tokens[i - 1].pos1 == "接頭辞" and not token.gap and token.pos1 == "動詞":
        token, first = token._replace(word=tokens[i - 1].surface + token.word), i - 1  # 相 + 次ぐ → 相次ぐ
    negation = negation_after(tokens, i + 1, i)
    if negation is not None and negation[0]:
        if negation_stopped(token.word, token, lists):
            return None, negation[1] + 1
        return Term(token.word + NEGATED, token.pos1, True, first, negation[1]), negation[1] + 1
    resume = i + 1 if negation is None else negation[1] + 1
    if is_stopped(token, lists):
        return None, resume
    return Term(token.word, token.pos1, False, first, i), resume


def unit_terms(tokens: list[Token], lists: WordLists) -> list[Term]:
    """Every term of a sequence of units, left to right (rules 1–6 of this module's docstring)."""
    out: list[Term] = []
    i = 0
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
            term, i = noun_run(tokens, i, lists)
        elif tokens[i].pos1 in PREDICATES:
            term, i = predicate(tokens, i, lists)
        else:
            term, i = None, i + 1
        if term is not None:
            out.append(term)
    return out


def item_terms(tokens: list[Token], lists: WordLists) -> list[Term]:
    """Every term of one item, left to right, with token (not unit) indices and the synonym list applied."""
    unit_list, spans = units(tokens, lists)
    return [t._replace(term=counted(t, lists), first=spans[t.first][0], last=spans[t.last][1],
                       parts=tuple(lists.counted_as(p) for p in t.parts))
            for t in unit_terms(unit_list, lists)]


def counted(term: Term, lists: WordLists) -> str:
    """The term after the synonym list (a negated term is counted as its word's negation)."""
    if term.negated:
        return lists.counted_as(term.term[:-len(NEGATED)]) + NEGATED
    return lists.counted_as(term.term)


# ---------------------------------------------------------------- tables

def spellings(token_frame: pd.DataFrame) -> list[str]:
    """The spelling each token is counted by, a function of the token alone: a predicate by its dictionary
    form (``orthBase``), anything else by its surface; a spelling of ``resources/variants.txt`` by the one
    it lists first (取組 → 取り組み, こども → 子ども)."""
    table = variants()
    predicate = token_frame["pos1"].isin(PREDICATES).tolist()
    written = [b if p else s for s, b, p in zip(token_frame["surface"].tolist(), token_frame["base"].tolist(),
                                                 predicate, strict=True)]
    return [table.get(w, w) for w in written]


def item_tokens(token_frame: pd.DataFrame, words: list[str]) -> Iterator[tuple[str, list[int], list[Token]]]:
    """(item_id, token numbers, tokens) of each item; an item's tokens must be contiguous and in order."""
    columns = [token_frame[c].tolist() for c in ("item_id", "token_no", "surface", "lemma", "pos1", "pos2", "pos3",
                                                 "lemma_reading", "is_unknown", "start")]
    item_id, numbers, tokens, end = None, [], [], 0
    for item, no, surface, lemma, pos1, pos2, pos3, reading, unknown, start, word in zip(*columns, words, strict=True):
        if item != item_id:
            if tokens:
                yield item_id, numbers, tokens
            item_id, numbers, tokens, end = item, [], [], start
        tokens.append(Token(surface, word, lemma, pos1, pos2, bool(unknown), start > end, pos3, reading=reading))
        numbers.append(no)
        end = start + len(surface)
    if tokens:
        yield item_id, numbers, tokens


def term_table(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=TERM_COLUMNS)
    return frame.astype({"item_id": "string", "term": "string", "pos": "string", "negated": bool,
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
    for item_id, numbers, tokens in item_tokens(token_frame, words):
        for t in item_terms(tokens, lists):
            term_rows.append((item_id, t.term, t.pos, t.negated, numbers[t.first], numbers[t.last]))
            mentioned.extend(mention_rows(item_id, t.term, t.negated, t.parts))
    return term_table(term_rows), pd.DataFrame(mentioned, columns=MENTION_COLUMNS).astype("string")


def mentions(term_frame: pd.DataFrame, token_frame: pd.DataFrame, lists: WordLists | None = None,
             words: list[str] | None = None) -> pd.DataFrame:
    """``mentions.csv``: every word an item mentions, one row per occurrence — each term as its word
    (without the negation mark), and each noun inside a compound of two or more nouns or inside a forced
    term (団体 in 申請団体 and in 市民団体; not 補助 in 補助金, whose 金 is a suffix).

    Counting these rows tells how many items and programs mention a word at all, compounds included."""
    lists = lists or word_lists()
    words = spellings(token_frame) if words is None else words
    parts = {(item_id, numbers[t.first], numbers[t.last]): t.parts
             for item_id, numbers, tokens in item_tokens(token_frame, words)
             for t in item_terms(tokens, lists)}
    rows = [row for item_id, term, negated, first, last in zip(*(term_frame[c].tolist() for c in (
                "item_id", "term", "negated", "first_token_no", "last_token_no")), strict=True)
            for row in mention_rows(item_id, term, negated, parts.get((item_id, first, last), ()))]
    return pd.DataFrame(rows, columns=MENTION_COLUMNS).astype("string")
