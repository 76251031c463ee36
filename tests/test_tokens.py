"""Morphological analysis: the pinned dictionary, the token table, offsets and long items."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import unidic_lite

from kyodo_analysis.tokens import TOKEN_COLUMNS, dictionary_info, pieces, tagger, tokenize, tokenize_text


def test_tagger_is_pinned_to_unidic_lite():
    (info,) = tagger().dictionary_info
    assert Path(info["filename"]).parent == Path(unidic_lite.DICDIR)
    assert dictionary_info()["dictionary"] == "unidic-lite"
    assert dictionary_info()["unidic_version"] == "2.1.2"


def test_token_table(corpus):
    items, token_frame, _ = corpus
    assert list(token_frame.columns) == TOKEN_COLUMNS
    assert set(token_frame["item_id"]) == set(items["item_id"])
    assert not token_frame[["surface", "base", "lemma"]].isna().any().any()
    # Token offsets point at the surface in the item text.
    text = items.set_index("item_id")["text"]
    for row in token_frame.itertuples():
        assert text[row.item_id][row.start:row.start + len(row.surface)] == row.surface


def test_the_table_holds_each_items_tokens_decoded_as_one_text_alone(corpus):
    """tokenize decodes each token type once for all items; every row is what the item alone gives."""
    items, token_frame, _ = corpus
    rows = list(token_frame.itertuples(index=False, name=None))
    expected = [(item_id, no, *token) for item_id, text in zip(items["item_id"], items["text"], strict=True)
                for no, token in enumerate(tokenize_text(text), start=1)]
    assert rows == expected
    assert token_frame.dtypes.equals(tokenize(items.iloc[:0]).dtypes)


def test_lemmas_lose_the_english_gloss_and_unknown_words_keep_their_surface(corpus):
    _, token_frame, _ = corpus
    step = token_frame[token_frame["surface"] == "ステップ"]
    assert set(step["lemma"]) == {"ステップ"}
    assert not token_frame.loc[~token_frame["is_unknown"], "lemma"].str.contains(r"-[A-Za-z]", regex=True).any()
    zen = token_frame[token_frame["surface"] == "Zen"]
    assert zen["is_unknown"].all() and set(zen["lemma"]) == {"Zen"} and set(zen["base"]) == {"Zen"}


def test_fields_are_read_inside_the_parse_loop():
    first = tokenize_text("補助金を活用した。")
    tokenize_text("まったく別の文を解析する。")  # overwrites MeCab's buffer
    assert first == tokenize_text("補助金を活用した。")
    assert [t[0] for t in first] == ["補助", "金", "を", "活用", "し", "た", "。"]


def test_missing_text_is_skipped():
    frame = pd.DataFrame({"item_id": ["a", "b"], "text": ["補助金", float("nan")]})
    assert tokenize(frame)["item_id"].tolist() == ["a", "a"]


def test_long_items_are_cut_at_sentence_ends_and_keep_their_offsets():
    sentence = "施設の利用者が増えた。"
    text = sentence * 3000  # 33,000 characters
    parts = pieces(text, size=1000)
    assert "".join(p for _, p in parts) == text
    assert all(p.endswith("。") and len(p) <= 1000 for _, p in parts)
    tokens = tokenize_text(text)
    assert [t[0] for t in tokens[:6]] == ["施設", "の", "利用", "者", "が", "増え"]
    assert all(text[t[-1]:t[-1] + len(t[0])] == t[0] for t in tokens)
    assert len(tokens) == 3000 * len(tokenize_text(sentence))


def test_an_item_without_punctuation_is_cut_at_a_safe_length():
    text = "あ" * 25_000
    parts = pieces(text)
    assert [len(p) for _, p in parts] == [10_000, 10_000, 5_000]
    assert [offset for offset, _ in parts] == [0, 10_000, 20_000]
