"""Negation: whether the sentence says a predicate or a noun did not happen or is absent.

A term is ``X(否定)`` when a negator follows X, possibly after bridging tokens (活用されていない,
対応しきれない); a noun with する / できる + negator; a noun with ない right after it (問題なく), or with
が / は / も / の, any adverbs, then ない, or ある / いる + negator (関心がまったくない, 担い手がいない); a hedge
after it (十分とは言えない). Obligation, double negation, proposals and invitations (〜ないか, 〜ませんか) and
しか…ない are not negation; a hedge after a negation cancels it. The rules of :mod:`terms` ask these functions
where a negation ends; kept apart because negation scope is one question of its own, checked against its own cases.
"""

from __future__ import annotations

from typing import NamedTuple

from .phrases import NEG, NEG_ZU, expression_end, expressions, match_key
from .units import Token, is_numeral

# する / できる after a noun (定着しない → 定着(否定)), and the humble いたす / いただく / くださる (開催いたしません)
LIGHT_VERBS = frozenset({"為る", "出来る", "致す", "頂く", "下さる"})
BRIDGE_AUXILIARIES = frozenset({"れる", "られる", "せる", "させる", "ます", "だ", "た", "です"})
BRIDGE_PARTICLES = frozenset({"て", "で", "は", "も"})  # as 接続助詞 / 係助詞
BRIDGE_VERBS = frozenset({"居る", "為る", "出来る", "仕舞う", "行く", "来る", "得る", "有る", "切る", "成る",
                          "貰う", "頂く", "呉れる", "下さる", "見る", "置く", "参る"})  # 〜てもらえない, 〜ておかない, 〜てみない
EXISTENCE_PARTICLES = frozenset({"が", "は", "も", "の"})  # 決定権がない, 関心のない
EXISTENCE_VERBS = frozenset({"有る", "居る", "出来る", "為す", "御座る"})  # 担い手がいない, 活動ができない, 共有がなされない
ABSENT = "無し"  # 予算なし
ONLY_REACH = 12  # tokens before a predicate searched for しか


# ---------------------------------------------------------------- the tokens around a negator

def is_negator(token: Token) -> bool:
    return ((token.pos1 == "助動詞" and match_key(token.lemma, token.pos1) in (NEG, NEG_ZU))
            or (token.pos1 == "形容詞" and token.pos2 == "非自立可能" and token.lemma == "無い"))


def is_adverb(token: Token) -> bool:
    """An adverb between が and ない: まったく, ほとんど, 事実上, あまり."""
    return token.pos1 == "副詞" or (token.pos1 in ("名詞", "接尾辞") and token.pos3 == "副詞可能")


def obtains(tokens: list[Token], k: int) -> bool:
    """得る as the verb "obtain", not the helping verb of possibility, which stands right after a verb (起こり得ない)
    and, as official writing spells helping verbs, in kana after て: after an adjectival noun (理解が十分に得られない →
    十分 / 得る(否定)) or written 得 after て (安定して得られない, 活動を通じて得た)."""
    if tokens[k].lemma != "得る":
        return False
    before = tokens[k - 1] if k > 0 else None
    after_te = before is not None and before.lemma in ("て", "で") and before.pos2 == "接続助詞"
    return not (before is not None and before.pos1 == "動詞") and (tokens[k].surface.startswith("得") or not after_te)


def is_bridge(tokens: list[Token], k: int) -> bool:
    """A token that may stand between a predicate and its negator (れる, ている, しきれ, ことが …), not the verb
    "obtain" (:func:`obtains`)."""
    token = tokens[k]
    return ((token.pos1 == "助動詞" and token.lemma in BRIDGE_AUXILIARIES)
            or (token.pos1 == "助詞" and token.lemma in BRIDGE_PARTICLES and token.pos2 in ("接続助詞", "係助詞"))
            or (token.pos1 == "動詞" and token.pos2 == "非自立可能" and token.lemma in BRIDGE_VERBS and not obtains(tokens, k))
            or (token.pos1 == "名詞" and token.lemma == "事")
            or (token.lemma in ("に", "く") and k + 1 < len(tokens) and tokens[k + 1].lemma == "成る")
            or (token.pos1 == "助詞" and token.lemma == "が" and k > 0 and tokens[k - 1].lemma == "事"))


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


def invitation_end(tokens: list[Token], k: int) -> int | None:
    """The か of a polite invitation or request at the negator ``k`` (一緒に活動しませんか, ご参加いただけませんか,
    〜ませんでしょうか): a proposal, as 〜ないか is, not a negation; None otherwise. Its ん is ず after ます, so the
    table of expressions, which starts at the negator, cannot spell it."""
    if not (tokens[k].surface == "ん" and k > 0 and tokens[k - 1].lemma == "ます"):
        return None
    end = k + 1 + (k + 1 < len(tokens) and tokens[k + 1].lemma == "です")
    return end if end < len(tokens) and tokens[end].lemma == "か" and tokens[end].pos2 == "終助詞" else None


def negation_at(tokens: list[Token], k: int) -> tuple[bool, int]:
    """(negated, end) for the negator at ``k``: obligation, double negation and proposals are not negation
    (なければならない, なくはない, 〜ないか); a hedge after it cancels it (ないわけではない)."""
    if (invited := invitation_end(tokens, k)) is not None:
        return False, invited
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


def is_quantifier(tokens: list[Token], k: int) -> bool:
    """An adverb, 誰 / 何 before も, or a number and its counter before も, between が and ない (まったく, 一人も,
    誰も, 一件も, 1回も, 一つも), or a comma."""
    token = tokens[k]
    return (is_adverb(token) or token.surface in ("、", "，")
            or (token.pos1 == "代名詞" and k + 1 < len(tokens) and tokens[k + 1].lemma == "も")
            or count_before_mo(tokens, k)
            or (token.lemma == "も" and (is_adverb(tokens[k - 1]) or tokens[k - 1].pos1 == "代名詞"
                                        or count_before_mo(tokens, k - 1))))


def count_before_mo(tokens: list[Token], k: int) -> bool:
    """Token ``k`` is a numeral, or the counter right after one, of a count that も follows (一件も, 一度も, 1回も)."""
    def counter(j: int) -> bool:
        return 0 < j < len(tokens) and is_numeral(tokens[j - 1]) and (
            tokens[j].pos1 == "接尾辞" or tokens[j].pos3 == "助数詞可能")
    if is_numeral(tokens[k]):
        return counter(k + 1) and k + 2 < len(tokens) and tokens[k + 2].lemma == "も"
    return counter(k) and k + 1 < len(tokens) and tokens[k + 1].lemma == "も"



def place_end(tokens: list[Token], k: int) -> int | None:
    """The token after a place at ``k``: nouns, then に, then は / も if any (地域に, 地区内には); None if
    there is none."""
    n = k
    while n < len(tokens) and tokens[n].pos1 in ("名詞", "接尾辞", "接頭辞") and tokens[n].lemma != ABSENT:
        n += 1
    if n == k or n >= len(tokens) or not (tokens[n].lemma == "に" and tokens[n].pos2 == "格助詞"):
        return None
    n += 1
    return n + 1 if n < len(tokens) and tokens[n].lemma in ("は", "も") and tokens[n].pos2 == "係助詞" else n


def existence_start(tokens: list[Token], k: int) -> tuple[int, int | None]:
    """Where ない / いる may stand after X が at ``k``, and where the place passed on the way starts (None if
    none): past adverbs and quantifiers (関心がまったくない, 会員は一人もいない, 若手が誰もいない) and one
    place (ボランティアが地域にいない, 若手が地区内に一人もいない)."""
    place = None
    while k < len(tokens):
        if is_quantifier(tokens, k):
            k += 1
            continue
        end = place_end(tokens, k) if place is None else None
        if end is None:
            break
        place, k = k, end
    return k, place


class Negation(NamedTuple):
    """What follows a noun run: whether it is negated, the last token the negation reads, and the start of a
    place it read past (地域 in ボランティアが地域にいない), which is read again for its own terms."""

    negated: bool
    end: int
    place: int | None = None


def noun_negation(tokens: list[Token], j: int) -> Negation | None:
    """What follows the noun run ending before ``j`` (:class:`Negation`): する/できる + negation (定着しない),
    なし or ない right after it (問題なく), が/は/も/の + adverbs or a place + ない or ある/いる + negation
    (関心がまったくない, 担い手がいない, ボランティアが地域にいない), or a hedge."""
    if j >= len(tokens):
        return None
    token = tokens[j]
    if token.pos1 == "動詞" and token.lemma in LIGHT_VERBS:
        found = negation_after(tokens, j + 1, j)
        return None if found is None else Negation(*found)
    if token.lemma == ABSENT:
        return Negation(True, j)
    if token.pos1 == "形容詞" and token.lemma == "無い" and not only_before(tokens, j):
        return Negation(*negation_at(tokens, j))  # 大きな問題なく, 事故なく: no particle between
    existence = token.pos1 == "助詞" and token.lemma in EXISTENCE_PARTICLES
    k, place = existence_start(tokens, j + 1) if existence else (j + 1, None)
    if existence and not only_before(tokens, j):
        if k < len(tokens) and tokens[k].pos1 == "形容詞" and tokens[k].lemma == "無い":
            return Negation(*negation_at(tokens, k), place)
        if k < len(tokens) and tokens[k].pos1 == "動詞" and tokens[k].lemma in EXISTENCE_VERBS | (
                LIGHT_VERBS if token.lemma in ("は", "も") else frozenset()):  # 参加はしない
            found = negation_after(tokens, k + 1, k)
            return None if found is None else Negation(*found, place)
    hedge = hedge_end(tokens, j)
    return Negation(True, hedge, place) if hedge is not None else None
