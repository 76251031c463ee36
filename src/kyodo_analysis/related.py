"""Related words (KH Coder's 関連語検索): the words used in the same items as a word or a code.

For a target — a word (a term, or a noun inside a compound: 団体 in 申請団体) or a code — and each
other word w, counted over the items of one year (years are never pooled), a word being in an item as a coding
rule's word is (a term, or a word the item mentions inside a compound): one pair, one count, whichever of its
words is the target. A word is listed once, negated or not (続く covers 続かない: the negated term's word is mentioned),
and ``negated_both`` says in how many of the shared items it is negated, so 団体–続く is not read as saying it went on:

    n_target = items with the target, n_word = items with w, n_both = items with both, N = items
    P(w|target) = n_both / n_target, P(w) = n_word / N, difference = P(w|target) − P(w),
    lift = P(w|target) / P(w), Jaccard = n_both / (n_target + n_word − n_both),
    Dice = 2·n_both / (n_target + n_word)

Terms that contain the target word inside them (申請団体 for 団体), and the words inside a target that is a
compound (団体 for 申請団体), are left out: they co-occur by construction. So is an item where the two words are
met only inside one and the same term: they share an item when the terms that mention them there are two or more
(申請 and 団体 do not share 「申請団体が固定化」; アップ and ステップ do not share 「ステップアップ」; 交付 and 補助金 share an
item saying 補助金 and 補助金交付終了後), which is the same whichever is the target; n_word counts w wherever it is.
Rows are ranked by Jaccard (KH Coder's default), then shared items; a cut never falls inside a tie.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

import pandas as pd

from .coding import grouped, item_words
from .errors import InputError
from .kwic import keyword_in_context
from .labels import year_label
from .stats import program_keys, top_with_ties
from .wordlists import NEGATED

RELATED_COLUMNS = ["year", "target", "word", "n_target", "n_word", "n_both", "negated_both", "n_items", "programs_both",
                   "p_word_given_target", "p_word", "difference", "lift", "jaccard", "dice", "item_ids"]
RANK = ["jaccard", "n_both"]


def target_items(target: str, items: pd.DataFrame, term_frame: pd.DataFrame, mention_frame: pd.DataFrame,
                 item_codes: pd.DataFrame | None = None, code: bool = False,
                 words: dict[str, frozenset[str]] | None = None) -> set[str]:
    """The items of ``target``: those coded with it (``code=True``), else those whose terms or mentioned
    words include it (as a coding rule's word matches; ``words``: :func:`coding.item_words`, when made)."""
    if code:
        if item_codes is None or target not in set(item_codes["code"].tolist()):
            known = ", ".join(dict.fromkeys(item_codes["code"].tolist())) if item_codes is not None else ""
            raise InputError(None, f"コード「{target}」に当たる項目はありません。",
                             hint=f"item_codes.csv のコード名で指定してください (当たりのあるコード: {known or 'なし'})。"
                             "自分のコーディングルールのコードなら、analyze と同じ --codes を付けてください。")
        return set(item_codes.loc[item_codes["code"] == target, "item_id"].tolist())
    words = item_words(term_frame, mention_frame) if words is None else words
    return {item_id for item_id in items["item_id"].tolist() if target in words.get(item_id, frozenset())}


def coefficients(n_target: int, n_word: int, n_both: int, n_items: int) -> dict[str, float]:
    """The co-occurrence measures of one word with the target (see the module's docstring)."""
    p_given = n_both / n_target if n_target else 0.0
    p_word = n_word / n_items if n_items else 0.0
    return {"p_word_given_target": p_given, "p_word": p_word, "difference": p_given - p_word,
            "lift": p_given / p_word if p_word else 0.0,
            "jaccard": n_both / (n_target + n_word - n_both) if n_target + n_word - n_both else 0.0,
            "dice": 2 * n_both / (n_target + n_word) if n_target + n_word else 0.0}


def related_words(target: str, items: pd.DataFrame, term_frame: pd.DataFrame, mention_frame: pd.DataFrame,
                  item_codes: pd.DataFrame | None = None, code: bool = False) -> pd.DataFrame:
    """Every word sharing at least one item with ``target``, per year, with the measures and the shared
    item ids (space-separated), ranked by Jaccard then shared items (ties listed by the word's text)."""
    chosen = target_items(target, items, term_frame, mention_frame, item_codes, code, item_words(term_frame, mention_frame))
    containing = set() if code else held_by(target, mention_frame)
    keys = dict(zip(items["item_id"].tolist(), program_keys(items).tolist(), strict=True))
    said_not = term_frame[term_frame["term"].str.endswith(NEGATED)]
    negated = grouped(zip(said_not["term"].str.removesuffix(NEGATED).tolist(), said_not["item_id"].tolist(), strict=True))
    rows = []
    for year, part in items.groupby("year", dropna=False, sort=True):
        ids = set(part["item_id"].tolist())
        mine = chosen & ids
        if not mine:
            continue
        mentioned = mention_frame[mention_frame["item_id"].isin(ids)]
        found = mentioned.groupby("word", sort=True)["item_id"].agg(set)
        apart = None if code else two_terms(mentioned, target, mine)
        for word, word_items in found.items():
            shared = sorted(i for i in word_items & mine if apart is None or apart(i, word))
            if not shared or word == target or word in containing:
                continue
            rows.append({"year": year, "target": target, "word": word, "n_target": len(mine),
                         "n_word": len(word_items), "n_both": len(shared),
                         "negated_both": len(negated.get(word, set()).intersection(shared)), "n_items": len(ids),
                         "programs_both": len({keys[i] for i in shared}),
                         **coefficients(len(mine), len(word_items), len(shared), len(ids)), "item_ids": " ".join(shared)})
    return ranked(pd.DataFrame(rows, columns=RELATED_COLUMNS))


def two_terms(mentioned: pd.DataFrame, target: str, items: set[str]):
    """Whether, in an item, a word and ``target`` are mentioned by two terms or more, not only inside one (申請 and
    団体 in 申請団体 alone): the test is the same whichever word is the target (a hostile tester found it was not)."""
    rows = mentioned[mentioned["item_id"].isin(items)]
    terms_of = rows.groupby(["item_id", "word"], sort=False)["term"].agg(frozenset).to_dict()

    def apart(item_id: str, word: str) -> bool:
        own = terms_of.get((item_id, target), frozenset({target}))  # a negated target is a term of its own
        return len(own | terms_of.get((item_id, word), frozenset())) >= 2
    return apart


def held_by(target: str, mention_frame: pd.DataFrame) -> set[str]:
    """The words that co-occur with ``target`` by construction: the terms holding it (申請団体 for 団体) and the
    words a compound target holds (団体 for 申請団体), its own word included (続く for 続く(否定)); as words, the
    negation mark taken off, as they are listed."""
    holding = mention_frame.loc[mention_frame["word"] == target, "term"].str.removesuffix(NEGATED).tolist()
    held = mention_frame.loc[mention_frame["term"] == target, "word"].tolist()
    return set(holding) | set(held)


def ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """Per year, by Jaccard then shared items (descending), then the word; measures rounded to 6 places."""
    measures = ["p_word_given_target", "p_word", "difference", "lift", "jaccard", "dice"]
    frame = frame.astype({c: float for c in measures}).round({c: 6 for c in measures})
    frame = frame.sort_values(["year", *RANK, "word"], ascending=[True, False, False, True], kind="stable",
                              na_position="first")
    counts = ["n_target", "n_word", "n_both", "negated_both", "n_items", "programs_both"]
    return frame.astype({"year": "Int64", **{c: "Int64" for c in counts}}).reset_index(drop=True)


def top_related(related: pd.DataFrame, top: int = 15) -> tuple[pd.DataFrame, dict]:
    """The first ``top`` rows of each year, never cut inside a tie of Jaccard and shared items (a tie at
    the cut is kept whole up to twice ``top`` rows, else the list stops above it); and how many tied rows
    were left out, by year (years with none left out are not named)."""
    parts, left_out = [], {}
    for year, part in related.groupby("year", dropna=False, sort=False):
        kept, omitted = top_with_ties(part, top, RANK, most=2 * top)
        parts.append(kept)
        left_out.update({year: omitted} if omitted else {})
    return (pd.concat(parts) if parts else related.iloc[:0]), left_out


def shared_contexts(related: pd.DataFrame, word: str, items: pd.DataFrame, token_frame: pd.DataFrame,
                    term_frame: pd.DataFrame, mention_frame: pd.DataFrame, window: int = 20,
                    by: str = "support_type") -> pd.DataFrame:
    """KWIC of ``word`` in the items it shares with the target (one row per occurrence), found as ``related``
    counts it: as a term, its negated form or a word inside a compound (交付 in 補助金交付), so that the lines are
    those of ``n_both``'s items."""
    rows = related[related["word"] == word]
    shared = {i for ids in rows["item_ids"].tolist() for i in ids.split(" ")}
    return keyword_in_context(word, items, token_frame, term_frame[term_frame["item_id"].isin(shared)], window, by,
                              mention_frame[mention_frame["item_id"].isin(shared)])


def not_listed(related: pd.DataFrame, target: str, word: str, mention_frame: pd.DataFrame | None = None) -> str:
    """Why ``--with`` shows no line for a word the table does not list, the one reason that holds (a newcomer read three
    joined by か… または): the target itself, a compound holding the target or a word inside it, a word met with the
    target only inside one term, or one sharing no item; "" for a listed word."""
    if (related["word"] == word).any():
        return ""
    if word == target:
        return "対象と同じ語です。"
    if mention_frame is not None and word in held_by(target, mention_frame):
        return (f"「{word}」は「{target}」を含む複合語か、「{target}」の中の語で、必ず一緒に出てくるので"
                "関連語の表から除いています。")
    if mention_frame is not None and shared_in_one_term(mention_frame, target, word):
        return f"「{word}」は「{target}」と同じ1つの抽出語の中でだけ一緒に出てくるので、関連語の表から除いています。"
    return f"「{target}」と同じ項目にないので、関連語の表にありません。"  # f-strings: a word may hold braces


def shared_in_one_term(mention_frame: pd.DataFrame, target: str, word: str) -> bool:
    """Whether ``word`` and ``target`` are mentioned in some item together, each time inside one and the same term."""
    rows = mention_frame[mention_frame["word"].isin([target, word])]
    both = rows.groupby("item_id")["word"].nunique()
    return bool((both == 2).any())


def related_lines(top: pd.DataFrame, omitted: int) -> Iterable[str]:
    """The table as the command line prints it (one line per word)."""
    for row in top.itertuples(index=False):
        both = f"共起 {row.n_both}/{row.n_target} 項目 ({row.programs_both} 事業{negated_in(row.negated_both)})"
        yield (f"{year_label(row.year)} | {row.word} | {both} | "
               f"P(w|対象) {row.p_word_given_target:.3f} | P(w) {row.p_word:.3f} | 差 {row.difference:+.3f} | "
               f"リフト {row.lift:.2f} | Jaccard {row.jaccard:.3f} | Dice {row.dice:.3f} | {row.item_ids}")
    if omitted:
        yield related_left_out(omitted, "--top")


def negated_in(count: int) -> str:
    """「; うち否定の形 2 項目」 when the listed word is negated in some shared items (else "")."""
    return f"; うち否定の形 {count} 項目" if count else ""


def related_left_out(omitted: dict, option: str) -> str:
    """How many tied words the list left out, year by year (a newcomer: a sum over years named none), and how
    to see them (``option``)."""
    each = "、".join(f"{year_label(year)} {n} 語" for year, n in omitted.items())
    return (f"(表示の上限の位置で同じ値に並ぶ語は、同数の途中で切らないためすべて省きました: {each}。"
            f"{option} を大きくすると表示します)")


RELATED_JA = {"year": "年度", "target": "対象", "word": "語", "n_target": "対象の項目数", "n_word": "語の項目数",
              "n_both": "共起する項目数", "negated_both": "うち語が否定の形の項目数", "n_items": "項目数",
              "programs_both": "共起する事業数",
              "p_word_given_target": "P(語|対象)", "p_word": "P(語)", "difference": "確率の差", "lift": "リフト",
              "jaccard": "Jaccard", "dice": "Dice", "item_ids": "共起する項目ID"}


def related_table(analysis, target: str, code: bool = False, top: int = 15) -> tuple[pd.DataFrame, str]:
    """Related words of ``target`` in an analysis (a word, or a code with ``code=True``), the first ``top``
    of each year (ties kept), with Japanese headers; and the sentence saying how many tied words were left
    out ("" if none) — what notebooks show."""
    found = related_words(target, analysis["items"], analysis["terms"], analysis["mentions"],
                          analysis["item_codes"], code=code)
    shown, omitted = top_related(found, top)
    typed = target if target.isalnum() else shlex.quote(target)  # 利用 as typed; a code name with a space quoted
    command = f"kyodo-analysis related {typed}{' --code' if code else ''} の --top"  # a page shows no Python
    note = related_left_out(omitted, command) if omitted else ""
    return shown.assign(year=shown["year"].map(year_label)).rename(columns=RELATED_JA), note
