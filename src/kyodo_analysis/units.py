"""What the term rules read: the :class:`Token`, what a token is, and the units tokens are first read as.

A token is one morpheme of unidic-lite (or a unit of several). The predicates here say what kind of
token it is (noun-like, numeral, stop-listed, part of a compound); :func:`units` then reads the tokens,
left to right, as units: forced terms, the field's spelling variants, katakana words the dictionary
broke, Latin letters joined by a hyphen, 十分, and every other token alone; :mod:`spelling` gives the
spelling each token is counted by. The rules that turn units into terms are in :mod:`terms` (its
docstring lists them all); negation is in :mod:`negation`. Kept apart so that each module is one job a
reader can check on its own.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from .phrases import variants
from .wordlists import NEGATED, WordLists

ADVERBIAL = "副詞可能"  # the repaired 十分: an adjectival noun that never joins a compound (十分対応 → 十分 + 対応)
TIME_LIKE = frozenset({ADVERBIAL, "助数詞可能"})  # UniDic's nouns of time and count: 時, 毎月, 前年 (時に行った)
CASE_PARTICLES = frozenset({"を", "が", "に", "へ", "から", "より", "で"})  # not と: 見守り体制と空き店舗
KATAKANA = re.compile(r"[ァ-ヴー]+")
DATE_WORDS = frozenset({"年度", "年", "月", "日", "円", "件", "人", "回"})  # no term alone (README rule 3); 開催日 is one
TIME_NOUNS = frozenset({"前"})  # a stop-listed noun of time that ends a compound as the suffix 後 does (開始前)
SUFFIX_WORDS = DATE_WORDS | TIME_NOUNS  # stop-listed alone, a compound's suffix after a noun (開催日, 開始前)
SEPARATING_SUFFIXES = frozenset({"等", "毎", "当たり"})  # 講座等, 事業ごと, 団体あたり: not part of a compound
SEPARATING_WORDS = frozenset({"あたり", "当たり"})  # unidic reads 団体あたり's あたり as the noun 辺り
PREDICATES = ("動詞", "形容詞", "形状詞")
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


# ---------------------------------------------------------------- what a token is

def is_noun_like(token: Token) -> bool:
    return ((token.pos1 == "名詞" and token.pos2 != "数詞") or token.pos1 == "接頭辞"
            or (token.pos1 == "接尾辞" and token.pos2 in ("名詞的", "形状詞的")))


def is_numeral(token: Token) -> bool:
    return token.pos1 == "名詞" and token.pos2 == "数詞"


def is_stopped(token: Token, lists: WordLists) -> bool:
    """A stop-listed word, by spelling or by lemma. A forced term never is, nor an affix inside a compound
    (後 of 講座修了後, 所 of 事業所, 他 of 他地区). The separating suffixes (等, ごと, あたり) always are, whatever the
    stop list: they are a rule of where a compound ends, not a word a researcher's list may leave out (a KH Coder
    user's own list made 事業ごと a term)."""
    if token.forced:
        return False
    if separates(token):
        return True
    if token.pos1 in ("接頭辞", "接尾辞"):
        return False
    return bool({token.surface, token.word, token.lemma} & lists.stop
                or f"{token.lemma}/{token.reading}" in lists.stop_lemmas)


def separates(token: Token) -> bool:
    """A separating suffix: 等 and ごと (suffixes), あたり (a suffix, or the noun unidic makes of 団体あたり)."""
    return (token.pos1 == "接尾辞" and token.lemma in SEPARATING_SUFFIXES) or token.surface in SEPARATING_WORDS


def in_run(tokens: list[Token], j: int) -> bool:
    """A token a compound is made of: a noun-like token; an adjectival noun before a noun or suffix or after a
    prefix (多様化, 新規団体, 不明確); a verb stem before a noun where no argument or adverb makes it a verb
    (見守り体制, 空き店舗, 担い手づくり; not 事業を行い地域に; an adjective in its attributive form, 古い空き店舗,
    is no adverb: 大きく is), or after の, な or この (高齢者の見守りに)."""
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
    if before_noun:  # 見守り体制, 古い空き店舗; not 事業を行い地域に, 大きく変わり地域が (an argument or adverb makes it a verb)
        return before is None or not (before.pos1 == "副詞" or (before.pos1 == "形容詞" and not before.surface.endswith("い"))
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
    """The item's units and the token span of each (see the docstring of :mod:`terms`)."""
    out: list[Token] = []
    spans: list[tuple[int, int]] = []
    i = 0
    forced, spelled_apart = lists.forced_beginnings, variant_beginnings()
    while i < len(tokens):
        token = tokens[i]
        if (token.surface in forced or token.surface in spelled_apart or KATAKANA.fullmatch(token.surface)
                or token.lemma == "十分" or token.surface == "十" or token.surface[:1] in LATIN_LETTERS
                or (token.pos1 == "動詞" and i + 1 < len(tokens) and tokens[i + 1].lemma == "方")):
            unit, end = (forced_unit(tokens, i, lists) or variant_unit(tokens, i) or katakana_unit(tokens, i)
                         or latin_unit(tokens, i) or juubun_unit(tokens, i) or way_unit(tokens, i) or (single_unit(token), i))
        elif token.surface == "行っ" and token.lemma == "行く":
            unit, end = single_unit(carried_out_or_gone(tokens, i)), i  # then spelled as any other unit
        else:  # a token that begins no unit of several (the case of most): a unit of its own
            unit, end = single_unit(token), i
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
    return merged(tokens[i:end + 1], text, "名詞", forced=True, parts=forced_parts(tokens[i:end + 1])), end


def variant_unit(tokens: list[Token], i: int) -> tuple[Token, int] | None:
    """A field spelling variant written over several tokens (担 + 手 → 担い手)."""
    table = variants()
    end = spelled(tokens, i, variant_words(), variant_prefixes())
    if end is None or end == i or not all(is_noun_like(t) for t in tokens[i:end + 1]):
        return None
    return merged(tokens[i:end + 1], table["".join(t.surface for t in tokens[i:end + 1])], "名詞"), end


@lru_cache(maxsize=1)
def variant_words() -> frozenset[str]:
    return frozenset(variants())


@lru_cache(maxsize=1)
def variant_prefixes() -> frozenset[str]:
    return frozenset(word[:k] for word in variants() for k in range(1, len(word)))


@lru_cache(maxsize=1)
def variant_beginnings() -> frozenset[str]:
    """What a spelling variant of several tokens can begin with: a variant, or a proper beginning of one."""
    return variant_words() | variant_prefixes()


def katakana_unit(tokens: list[Token], i: int) -> tuple[Token, int] | None:
    """A katakana word the dictionary broke into a particle or auxiliary (プロボ + ノ → プロボノ)."""
    end = i
    while end + 1 < len(tokens) and not tokens[end + 1].gap and KATAKANA.fullmatch(tokens[end + 1].surface):
        end += 1
    if (end == i or not KATAKANA.fullmatch(tokens[i].surface)
            or all(is_noun_like(t) for t in tokens[i:end + 1])):
        return None
    return merged(tokens[i:end + 1], "".join(t.surface for t in tokens[i:end + 1]), "名詞"), end


LATIN_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                          "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ")
LATIN_PIECE = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ0-9０-９]+")
HYPHENS = frozenset("-－‐‑−–")  # hyphen-minus, full-width, hyphen, non-breaking, minus (a Japanese IME's), en dash


def latin_unit(tokens: list[Token], i: int) -> tuple[Token, int] | None:
    """Latin letters joined by a hyphen, which UniDic cuts at it (Wi + - + Fi): one noun, half- or full-width
    (Wi-Fi, e-Tax, COVID-19, Ｗｉ－Ｆｉ), whatever the forced list holds; it begins with a letter (2020-2021 is
    numbers: rule 3)."""
    end = i
    while (end + 2 < len(tokens) and tokens[end + 1].surface in HYPHENS and not tokens[end + 1].gap
           and not tokens[end + 2].gap and LATIN_PIECE.fullmatch(tokens[end + 2].surface)):
        end += 2
    if end == i or tokens[i].surface[:1] not in LATIN_LETTERS or not LATIN_PIECE.fullmatch(tokens[i].surface):
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


def way_unit(tokens: list[Token], i: int) -> tuple[Token, int] | None:
    """A verb's stem and the suffix 方 (manner) as one noun: 考え方, 使い方, and also where the verb is grammatical or
    stop-listed and rule 4 would lose it (あり方, やり方, 見方, 言い方). The stem is no word inside it."""
    if (i + 1 < len(tokens) and tokens[i].pos1 == "動詞" and tokens[i].surface != tokens[i].word
            and tokens[i + 1].lemma == "方" and tokens[i + 1].pos1 == "接尾辞" and not tokens[i + 1].gap):
        return merged(tokens[i:i + 2], tokens[i].surface + tokens[i + 1].surface, "名詞"), i + 1
    return None


GOING_MARKERS = frozenset({"へ", "まで"})  # 現地へ行った, 集会所まで行っている


def carried_out_or_gone(tokens: list[Token], i: int) -> Token:
    """行っ, which UniDic reads as 行く (to go) wherever no を comes before it, read as 行う (to carry out), as
    administrative writing means it (毎年行っている, 自治会ごとに行っている, 委託して行った), unless the word
    before says going: へ or まで; に after a noun of place (現地に行った) or a verb's stem (見に行った), not
    after a time (時に, 毎月に) or ごと; うまく (うまく行っている). After て it is 行う too: official writing
    spells the auxiliary ていく in kana. Measured on ``tests/gold/okonau_heldout*.tsv``."""
    token = tokens[i]
    before = tokens[i - 1] if i > 0 and not token.gap else None
    gone = before is not None and (
        (before.surface in GOING_MARKERS and before.pos1 == "助詞") or before.lemma == "旨い"
        or (before.surface == "に" and before.pos2 == "格助詞" and i > 1 and not before.gap and place_or_purpose(tokens[i - 2])))
    return token if gone else token._replace(word="行う", lemma="行う", pos2="一般", reading="オコナウ")


def place_or_purpose(token: Token) -> bool:
    """What に after it makes a destination or a purpose: a noun that is no time (現地に, 見学に), a verb's stem (見に)."""
    return token.pos1 == "動詞" or (token.pos1 == "名詞" and token.pos3 not in TIME_LIKE)


def single_unit(token: Token) -> Token:
    """One token as a unit, its spelling unified by the variant table (取組 → 取り組み)."""
    word = variants().get(token.word)
    return token._replace(word=word) if word else token


def merged(tokens: list[Token], word: str, pos1: str, forced: bool = False, parts: tuple[str, ...] = ()) -> Token:
    return Token(word, word, word, pos1, "普通名詞", all(t.unknown for t in tokens), tokens[0].gap,
                 forced=forced, parts=parts)


# ---------------------------------------------------------------- the words inside a compound

WORD_SUFFIXES = frozenset({"一般", "サ変可能"})  # a suffix that makes a word with its noun (参加者, 使用料, 多様化)
NO_WORD_SUFFIXES = frozenset({"同士", "等", "たち", "達", "ら", "ごと", "毎", "向け"})  # 参加者同士: still 参加者
_KATAKANA = re.compile(r"[ァ-ヺー・]+")
_LOANWORD = re.compile(_KATAKANA.pattern + r"|[A-Za-z0-9][A-Za-z0-9-]*")  # katakana, or Latin letters joined by a hyphen


def in_compound(token: Token) -> str:
    """How a token is written inside a compound: a verb stem as written (見守り), anything else by its word."""
    return token.surface if token.pos1 == "動詞" else token.word


def loanword_part(text: str) -> bool:
    """A piece written in katakana or Latin letters (or a hyphen between them): UniDic splits loanwords a
    reader reads as one word (オン + ライン, Wi + - + Fi), so such neighbours are joined back."""
    return text == "-" or _LOANWORD.fullmatch(text) is not None


def joined_loanwords(run: list[Token]) -> list[Token]:
    """The run with neighbouring katakana or Latin pieces (a hyphen between them included) as one token: the
    words of :func:`compound_words` and the nouns of :func:`compound_nouns` (オン + ライン → オンライン). Affixes
    and forced terms stay as they are."""
    def joinable(token: Token) -> bool:
        return token.pos1 not in ("接頭辞", "接尾辞") and not token.forced and loanword_part(in_compound(token))

    joined: list[Token] = []
    for token in run:
        if joined and joinable(joined[-1]) and joinable(token):
            joined[-1] = merged([joined[-1], token], in_compound(joined[-1]) + in_compound(token), "名詞")
        else:
            joined.append(token)
    return joined


def word_making(token: Token, text: str, word: str) -> bool:
    """Whether a piece after the noun ``word`` makes one word with it: a word-making suffix (参加者, 使用料, 多様化),
    or a noun of one character after a longer word, which UniDic often gives where a reader reads a suffix
    (自治会, 委員会, 加入率, レジ袋; not 市町 of 市町村), unless a noun of time or place (前 of 開始前, as 後)."""
    if token.pos1 == "接尾辞":
        return token.pos2 == "名詞的" and token.pos3 in WORD_SUFFIXES and text not in NO_WORD_SUFFIXES
    return token.pos1 == "名詞" and token.pos2 != "数詞" and token.pos3 != ADVERBIAL and len(text) == 1 and len(word) > 1


def compound_words(run: list[Token]) -> list[str]:
    """The words a compound is written with: each noun, adjectival noun or verb stem alone, with
    the prefixes before it, and with each word-making piece after it (:func:`word_making`):
    新規参加者数 → 新規 / 参加 / 参加者 / 参加者数; 未登録者 → 登録 / 未登録 / 登録者 / 未登録者;
    社会福祉協議会 → 社会 / 福祉 / 協議 / 協議会. Neighbouring katakana or Latin pieces are one word
    (:func:`joined_loanwords`: オンライン予約 → オンライン / 予約), and each katakana piece is a word as well
    (ボランティアセンター → ボランティア / センター; so オン / ライン too: no rule of form tells a borrowed
    compound from two words, and two held-out sets weigh the misses of the one above the fragments of the
    other, README). Latin pieces joined by a hyphen are not (Wi-Fi). A suffix of place or time (後, 中, 間:
    UniDic's 副詞可能), 的 and the suffixes of :data:`NO_WORD_SUFFIXES` belong to no word (講座修了後 →
    講座 / 修了, 参加者同士 → 参加 / 参加者), and a piece of one character is no word of its own."""
    return [w for w in dict.fromkeys([*written_words(joined_loanwords(run)), *katakana_pieces(run)]) if len(w) > 1]


def katakana_pieces(run: list[Token]) -> list[str]:
    """Each katakana noun as the dictionary cut it (ボランティア, センター of ボランティアセンター), forced terms aside."""
    return [text for t in run if t.pos1 == "名詞" and not t.forced and _KATAKANA.fullmatch(text := in_compound(t))]


def written_words(run: list[Token]) -> list[str]:
    """The words of a run whose loanwords are joined as they are to be read, in writing order with repeats and
    one-character pieces: :func:`compound_words` keeps each word of two or more characters once."""
    words: list[str] = []
    prefix, open_words = "", []  # the word being written, with and without its prefixes: what a piece extends
    for token in run:
        text = in_compound(token)
        if token.pos1 == "接頭辞":
            prefix += text
        elif open_words and word_making(token, text, open_words[0]):
            open_words = [word + text for word in open_words]
            words.extend(open_words)
        elif token.pos1 == "接尾辞":
            open_words = []
        else:
            open_words, prefix = list(dict.fromkeys((text, prefix + text))), ""
            words.extend(open_words)
    return words  # in writing order, repeats kept: compound_words keeps each word once


def compound_nouns(run: list[Token]) -> list[tuple[str, Token]]:
    """The nouns a compound is written with (no numerals), each with its token, neighbouring katakana or Latin
    pieces joined (:func:`joined_loanwords`: オンライン予約 → オンライン, 予約): what a forced term mentions when it
    has two or more (市民団体 → 市民, 団体; not 放課 of 放課後)."""
    return [(token.word, token) for token in joined_loanwords(run) if token.pos1 == "名詞" and token.pos2 != "数詞"]


def forced_parts(run: list[Token]) -> tuple[str, ...]:
    """What a forced term mentions when it is written with two or more words: its nouns (:func:`compound_nouns`:
    市民団体 → 市民, 団体) and each katakana piece, as in any compound (コミュニティセンター → コミュニティ,
    センター); nothing for one word (補助金 is not 補助)."""
    words = list(dict.fromkeys([*(word for word, _ in compound_nouns(run)), *katakana_pieces(run)]))
    return tuple(words) if len(words) > 1 else ()


def compound_parts(run: list[Token]) -> tuple[str, ...]:
    """The words a compound mentions: its words (:func:`compound_words`: 新規参加者 → 新規, 参加, 参加者; 補助金交付
    → 補助金, 交付, since 補助金 is a forced term, one word), and the nouns inside a forced term of two or more
    (市民団体 → 市民, 団体). The compound itself is its term's own word (:func:`terms.mention_rows`)."""
    inside = [part for token in run for part in token.parts]
    return tuple(part for part in dict.fromkeys([*inside, *compound_words(run)]) if len(part) > 1)
