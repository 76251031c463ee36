"""The spelling a token is counted by, a function of the token alone: a predicate by its dictionary form, anything
else by its surface, a spelling of ``resources/variants.txt`` by the one it lists first; and the spelling a word the
researcher types is counted by (kwic, related, the coding rules). Kept apart from :mod:`units`, which reads
tokens as units."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .phrases import variants
from .units import PREDICATES
from .wordlists import NEGATED, WordLists

E_ROW = dict(zip("うくぐすつぬぶむる", "えけげせてねべめれ", strict=True))  # a godan ending → its potential's (す → せる)


def potential_base(base: str, lemma: str) -> str:
    """A verb written in a godan verb's potential form (増やせる, 使える, 行ける), which UniDic gives the lemma of
    the verb it is made from (増やす, 使う, 行く), counted as that verb, its stem as written: 増やせない →
    増やす(否定), as 集められない → 集める(否定). Any other verb keeps its dictionary form."""
    if len(base) > 2 and base.endswith("る") and lemma != base and lemma[-1:] in E_ROW and base[-2] == E_ROW[lemma[-1]]:
        return base[:-2] + lemma[-1]
    return base


def spellings(token_frame: pd.DataFrame) -> list[str]:
    """The spelling each token is counted by, a function of the token alone: a predicate by its dictionary
    form (``orthBase``), anything else by its surface; a spelling of ``resources/variants.txt`` by the one
    it lists first (取組 → 取り組み, こども → 子ども)."""
    return respelled(written_forms(token_frame))


def counted_spelling(word: str, lists: WordLists) -> str:
    """The spelling a word typed by the researcher is counted by: the variant table's, then the synonym
    list's (取組 → 取り組み, こども → 子ども), a negated form kept negated (取組(否定) → 取り組み(否定))."""
    base = word.removesuffix(NEGATED)
    counted = lists.counted_as(respelled([base])[0])
    return counted + NEGATED if word.endswith(NEGATED) else counted


def respelled(written: list[str]) -> list[str]:
    """Written forms (:func:`written_forms`) with a spelling of ``resources/variants.txt`` replaced by the one
    it lists first."""
    table = variants()
    return [table.get(w, w) for w in written]


def written_forms(token_frame: pd.DataFrame) -> list[str]:
    """Each token as :func:`spellings` reads it before the variant table: a predicate by its dictionary form
    (a godan verb's potential form by the verb's: :func:`potential_base`), anything else by its surface."""
    predicate = token_frame["pos1"].isin(PREDICATES).to_numpy(dtype=bool)
    base, lemma = token_frame["base"].to_numpy(dtype=object).copy(), token_frame["lemma"].to_numpy(dtype=object)
    verb = (token_frame["pos1"] == "動詞").to_numpy(dtype=bool) & (base != lemma)  # the rows a potential can be
    base[verb] = [potential_base(b, lemma_) for b, lemma_ in zip(base[verb], lemma[verb], strict=True)]
    return np.where(predicate, base, token_frame["surface"].to_numpy(dtype=object)).tolist()
