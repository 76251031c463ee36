"""The packaged tables the term rules read: function expressions (複合辞) and spelling variants.

``resources/function_expressions.txt`` lists expressions as they are written in a sentence, in four
sections: ``function`` (no term: に関して, やむを得ず), ``hedge`` (negates what stands before it:
とは言えない, わけではない), ``not_negation`` (starts at a negator and cancels it: なければならない,
なくはない, 〜ないか) and ``kept_negation`` (the negation stands, the rest is no term: ないかもしれない).
Each entry is tokenized once and matched by its sequence of lemmas, so 「に関し」「に関して」「に関しては」
are one entry; ない matches 無い, and ず matches ぬ and ん.

``resources/variants.txt`` fixes the spelling of the field's variants (取組 / 取り組み, 子ども / 子供):
a fixed rule, so an item's terms never depend on what else is analysed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

from .tokens import tokenize_text

NEG, NEG_ZU = "NEG", "NEG_ZU"  # the matching keys of ない / 無い and of ず / ぬ / ん
NEGATORS = {"ない": NEG, "無い": NEG, "ず": NEG_ZU}  # UniDic lemmas: 助動詞 ない, 形容詞 無い, 助動詞 ず (ぬ, ん)
MISREAD_ZU = "笊"  # UniDic reads ざる of 講じざるを得ない, 応じざるを得ない as the noun 笊 (a colander, never in these tables)
SECTIONS = ("function", "hedge", "not_negation", "kept_negation")
CONTEXTS = (("事業", ""), ("事業", "行う"), ("事業", "、講座"))  # the places an expression is read in
NEGATOR_CONTEXT = "行か"  # entries of the negation sections are read after a verb stem: ざる is 笊 alone


def match_key(lemma: str, pos1: str) -> str:
    """What a token matches by: its lemma, or ``NEG`` / ``NEG_ZU`` for a negator (少なからず is an idiom,
    少なくない is not) and for the ざる UniDic misreads (:data:`MISREAD_ZU`)."""
    if lemma in NEGATORS and pos1 in ("助動詞", "形容詞"):
        return NEGATORS[lemma]
    return NEG_ZU if lemma == MISREAD_ZU else lemma


Table = dict  # a trie of key sequences: key → node; a node holding END closes a sequence
END = ""  # no lemma is empty; node[END] is True (always), or the condition on where the sequence ends:
INFLECTED = "inflected"  # its last verb written inflected, no auxiliary after it (:func:`ending`)
ADNOMINAL = "adnominal"  # its past た before what it qualifies, not ending a clause (:func:`ending`)
ENDS_AFTER_TA = frozenset({"助詞", "助動詞", "句点", "括弧閉"})  # pos1 or pos2 of what follows a past た that ends its clause:
# 応じたが、応じたそうだ、応じた。 and 「応じた」と — not 応じた、柔軟な支援 (a comma inside what it qualifies)
FORMAL_NOUNS = ("事", "所", "為", "上")  # lemmas of こと, ところ, ため, うえ: 応じたことで, 踏まえた上で end a clause
Keys = tuple[tuple[str, ...], bool | str]  # an entry's key sequence, and where it ends (END's value)


@dataclass(frozen=True)
class Expressions:
    """The four sections of the expression table, each a trie of lemma keys."""

    function: Table
    hedge: Table
    not_negation: Table
    kept_negation: Table

    @property
    def sections(self) -> tuple[Table, ...]:
        return self.function, self.hedge, self.not_negation, self.kept_negation

    @cached_property
    def starts(self) -> frozenset[str]:
        """The keys an entry of any section begins with: a token whose key is not one begins no expression."""
        return frozenset(key for section in self.sections for key in section)


def entry_keys(entry: str, section: str) -> set[Keys]:
    """The key sequences of one entry (read alone, after a noun and before a verb; negation entries after
    a verb stem), for the dictionary may read an expression differently in different places, each with
    where it ends (:func:`ending`)."""
    def keys(text: str) -> tuple[str, ...]:
        return tuple(match_key(t[2], t[4]) for t in tokenize_text(text))

    if section in ("not_negation", "kept_negation"):
        return {(keys(NEGATOR_CONTEXT + entry)[1:], True)}
    condition = ending(tokenize_text(entry))
    found = {(keys(entry), condition)}
    for before, after in CONTEXTS:  # 形で: で is the particle before a verb, the copula alone
        around = keys(before + entry + after)
        start, end = len(keys(before)), len(keys(after))
        if around[:start] == keys(before) and around[len(around) - end:] == keys(after):
            found.add((around[start:len(around) - end], condition))
    return found


def ending(tokens: Sequence[tuple]) -> bool | str:
    """Where an entry (its tokens) ends a match. ``INFLECTED`` for an entry ending in a verb written in a
    form other than its dictionary form: に応じ, に加え, につき are compound particles only so inflected,
    while 相談に応じる, 協議会に加える, テーブルにつく are the verbs. ``ADNOMINAL`` for an entry ending in the
    past auxiliary た: に応じた, に向けた, を通じた qualify what follows (ニーズに応じた講座), while 相談に応じた。
    and 相談に応じたが end a clause with the verb's past. True (anywhere) for any other entry (に関する, という:
    any form of the verb; 次第だ: the copula)."""
    surface, base, lemma, _, pos1, *_ = tokens[-1]
    if pos1 == "動詞" and surface != base:
        return INFLECTED
    return ADNOMINAL if pos1 == "助動詞" and lemma == "た" else True


def indexed(sequences: set[Keys]) -> Table:
    """The sequences as a trie: key → node, ``END`` marking where a sequence ends (:func:`ending`: the
    entries' condition when every entry ending there has the same one, True otherwise)."""
    trie: dict = {}
    for sequence, condition in sequences:
        if sequence:
            node = trie
            for key in sequence:
                node = node.setdefault(key, {})
            node[END] = condition if node.get(END, condition) == condition else True
    return trie


def section_lines(text: str) -> dict[str, list[str]]:
    """{section: entries} of a sectioned list (``[name]`` headers, ``#`` comments)."""
    found: dict[str, list[str]] = {name: [] for name in SECTIONS}
    section = None
    for line in text.splitlines():
        content = line.split("#", 1)[0].strip()
        if content.startswith("[") and content.endswith("]"):
            section = content[1:-1]
        elif content and section in found:
            found[section].append(content)
    return found


@lru_cache(maxsize=1)
def expressions() -> Expressions:
    """The packaged expression table, tokenized and indexed (read once per process)."""
    text = resources.files("kyodo_analysis.resources").joinpath("function_expressions.txt").read_text("utf-8")
    lines = section_lines(text)
    return Expressions(**{name: indexed({keys for entry in lines[name] for keys in entry_keys(entry, name)})
                          for name in SECTIONS})


def expression_end(tokens: Sequence, i: int, table: Table) -> int | None:
    """The last index of the longest sequence of ``table`` spelled from ``i`` by ``tokens`` (anything with
    ``lemma``, ``pos1``, ``surface`` and ``word``)."""
    node, found = table, None
    for j in range(i, len(tokens)):
        node = node.get(match_key(tokens[j].lemma, tokens[j].pos1))
        if node is None:
            break
        if END in node and closes(node[END], tokens, j):
            found = j
    return found


def closes(end: bool | str, tokens: Sequence, j: int) -> bool:
    """Whether a sequence ends at token ``j`` (:func:`ending`): always; where its last verb must be
    inflected, when token ``j`` is not written in its dictionary form (応じ, したがい; a predicate is counted
    by that form: :func:`spelling.spellings`) and no auxiliary follows (相談に応じます, 応じられない: the verb);
    where it ends in a past た, when something follows that does not end its clause (:data:`ENDS_AFTER_TA`)."""
    if end is True:
        return True
    following = tokens[j + 1] if j + 1 < len(tokens) else None
    if end == ADNOMINAL:
        return not clause_ended(following)
    return tokens[j].surface != tokens[j].word and not (following is not None and following.pos1 == "助動詞")


def clause_ended(following) -> bool:
    """Whether what follows a past た (a token, or None at the item's end) shows the た ended a clause, so
    that the verb before it is a predicate (:data:`ENDS_AFTER_TA`, :data:`FORMAL_NOUNS`)."""
    if following is None or following.pos1 in ENDS_AFTER_TA or following.pos2 in ENDS_AFTER_TA:
        return True
    return following.pos1 == "名詞" and following.lemma in FORMAL_NOUNS


@lru_cache(maxsize=1)
def variants() -> dict[str, str]:
    """{variant spelling: the spelling it is counted by}, from ``resources/variants.txt`` (``代表 = 別, 別``)."""
    text = resources.files("kyodo_analysis.resources").joinpath("variants.txt").read_text("utf-8")
    mapping = {}
    for line in text.splitlines():
        head, _, rest = line.split("#", 1)[0].partition("=")
        for variant in rest.replace("、", ",").split(","):
            if variant.strip():
                mapping[variant.strip()] = head.strip()
    return mapping
