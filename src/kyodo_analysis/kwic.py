"""KWIC (keyword in context): every counted term traced back to the sentences it came from."""

from __future__ import annotations

import pandas as pd

from .terms import NEGATED

KWIC_COLUMNS = ["item_id", "city", "year", "support_type", "program_no", "program", "aspect", "left", "term", "right",
                "matched"]


def keyword_in_context(term: str, items: pd.DataFrame, token_frame: pd.DataFrame, term_frame: pd.DataFrame,
                       window: int = 20, by: str = "support_type", mention_frame: pd.DataFrame | None = None
                       ) -> pd.DataFrame:
    """Each occurrence of ``term`` with ``window`` characters of context on either side.

    ``term`` matches the term itself and its negated form (``進む`` also finds ``進む(否定)``; the
    ``matched`` column says which). ``term`` is the text as written in the item (進まない). With
    ``mention_frame`` (mentions.csv), also each compound the word is inside (補助金 in 補助金交付終了後: the
    items word_counts.csv counts). With several cities, each line names its city; ``by``, the compared
    groups' column (the city or an attribute), is listed after the support type.
    """
    several = "city" in items.columns and items["city"].nunique(dropna=False) > 1
    columns = [c for c in dict.fromkeys([*KWIC_COLUMNS[:4], by, *KWIC_COLUMNS[4:]]) if c != "city" or several or by == "city"]
    if mention_frame is None or term.endswith(NEGATED):  # a negated term is never inside a compound
        wanted = term_frame[(term_frame["term"] == term) | (term_frame["term"] == term + NEGATED)]
    else:  # an inner merge keeps term_frame's (the table's) order
        wanted = term_frame.merge(mention_frame.loc[mention_frame["word"] == term, ["item_id", "term"]].drop_duplicates(),
                                  on=["item_id", "term"])
    if wanted.empty:
        return pd.DataFrame(columns=columns)
    starts = token_frame.set_index(["item_id", "token_no"])[["start", "surface"]]
    text = items.set_index("item_id")
    rows = []
    for row in wanted.itertuples(index=False):
        item = text.loc[row.item_id]
        first = starts.loc[(row.item_id, row.first_token_no)]
        last = starts.loc[(row.item_id, row.last_token_no)]
        begin, end = int(first["start"]), int(last["start"]) + len(last["surface"])
        body = item["text"]
        rows.append({"item_id": row.item_id, "city": item.get("city"), "year": item["year"],
                     "support_type": item["support_type"], by: item[by],
                     "program_no": item["program_no"],
                     "program": item["program"], "aspect": item["aspect"], "left": body[max(0, begin - window):begin],
                     "term": body[begin:end], "right": body[end:end + window], "matched": row.term})
    return pd.DataFrame(rows, columns=columns)
