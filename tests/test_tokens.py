"""Morphological analysis and keyword units: the linguistics pinned down on the bundled table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import unidic_lite

from kyodo_analysis.tokens import (
    TERM_COLUMNS,
    TOKEN_COLUMNS,
    candidate_compounds,
    dictionary_info,
    item_terms,
    tagger,
    terms,
    tokenize_text,
    tokens,
    unknown_words,
    word_lists,
)

from .conftest import RAW


@pytest.fixture(scope="module")
def corpus(bundled):
    token_frame = tokens(bundled.items)
    return bundled.items, token_frame, terms(token_frame)


def item_term_list(text: str, lists=None) -> list[str]:
    return [t[0] for t in item_terms(tokenize_text(text), lists or word_lists())]


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
    for row in token_frame.sample(50, random_state=1).itertuples():
        assert text[row.item_id][row.start:row.start + len(row.surface)] == row.surface


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


def test_short_units_become_single_terms(corpus):
    _, _, term_frame = corpus
    found = set(term_frame["term"])
    for term in ["補助金", "知名度", "ステップアップ", "指定管理者", "市民交流センター", "Zen", "CoCoLo"]:
        assert term in found, term
    for piece in ["金", "的", "度", "等", "補助", "ステップ", "アップ", "知名"]:
        assert piece not in found, piece
    assert not term_frame["term"].str.contains(r"-[a-z]+$", regex=True).any()
    assert not set(term_frame["term"]) & word_lists().stop


def test_negated_predicates(corpus):
    items, _, term_frame = corpus
    (item_id,) = items.loc[items["text"] == "課内の別の職員(特に上司)への啓発が進まない。", "item_id"]
    mine = term_frame[term_frame["item_id"] == item_id]
    assert mine["term"].tolist() == ["課内", "別", "職員", "上司", "啓発", "進む(否定)"]
    assert mine.set_index("term").loc["進む(否定)", "negated"]
    assert "進む" not in set(term_frame["term"])


@pytest.mark.parametrize("text,expected", [
    ("当初予定していた成果が上がらなかった", "上がる(否定)"),
    ("参加者の輪が広がらない", "広がる(否定)"),
    ("活動が定着しない", "定着(否定)"),
    ("施設が活用されていない", "活用(否定)"),
    ("予算が十分ではない", "十分(否定)"),
    ("効果は大きくない", "大きい(否定)"),
    ("予算枠を設けずに", "設ける(否定)"),
    ("成果が共有できていない", "共有(否定)"),
])
def test_negation_rule(text, expected):
    assert expected in item_term_list(text)


def test_words_separated_by_a_space_are_not_joined():
    assert item_term_list("(例 CoCoLoの会)") == ["CoCoLo", "会"]


def test_forced_and_stop_lists_change_the_output(tmp_path, corpus):
    _, token_frame, term_frame = corpus
    forced = tmp_path / "forced.txt"
    stop = tmp_path / "stop.txt"
    forced.write_text("# 補助金を外したリスト\n知名度\n", encoding="utf-8")
    stop.write_text("こと\n団体\n", encoding="utf-8")
    edited = terms(token_frame, word_lists(forced, stop))
    # Without 補助金 in the forced list, the noun joiner over-joins it with what follows.
    assert "補助金交付終了" in set(edited["term"]) and "補助金交付終了" not in set(term_frame["term"])
    assert (edited["term"] == "補助金").sum() < (term_frame["term"] == "補助金").sum()
    assert "団体" not in set(edited["term"]) and "団体" in set(term_frame["term"])
    assert "知名度" in set(edited["term"])
    assert list(edited.columns) == TERM_COLUMNS


def test_function_words_symbols_and_numbers_never_count(corpus):
    _, token_frame, term_frame = corpus
    assert not term_frame["term"].str.fullmatch(r"[\d\W]+").any()
    assert set(term_frame["pos"]) <= {"名詞", "動詞", "形容詞", "形状詞", "強制抽出", "未知語"}
    particles = set(token_frame.loc[token_frame["pos1"].isin(["助詞", "助動詞", "補助記号"]), "surface"])
    assert not (set(term_frame["term"]) & particles)


def test_curation_reports(corpus):
    _, token_frame, term_frame = corpus
    unknown = unknown_words(token_frame)
    assert unknown.set_index("surface").loc["Zen", "n"] == 2
    assert "1" not in set(unknown["surface"])  # numbers are not unknown words to curate
    candidates = candidate_compounds(token_frame, term_frame, word_lists(), min_count=2)
    assert "補助金交付終了" in set(candidates["candidate"])  # two forced/compound terms side by side, twice
    assert not set(candidates["candidate"]) & set(word_lists().forced)


def test_forced_terms_are_read_left_to_right_longest_first(tmp_path):
    """The longest forced term at a token wins; one starting inside a kept forced term does not count."""
    forced = tmp_path / "forced.txt"
    forced.write_text("市民協働\n協働推進\n推進員\n補助\n補助金交付\n", encoding="utf-8")
    lists = word_lists(forced)

    def found(text: str) -> list[tuple[str, str]]:
        return [(term, pos) for term, pos, *_ in item_terms(tokenize_text(text), lists)]

    assert found("市民協働推進員の活動") == [("市民協働", "強制抽出"), ("推進員", "強制抽出"), ("活動", "名詞")]
    assert found("協働推進員") == [("協働推進", "強制抽出")]
    assert found("補助金交付の補助が進まない") == [("補助金交付", "強制抽出"), ("補助", "強制抽出"), ("進む(否定)", "動詞")]


def test_mecab_output_lines_are_the_nodes(bundled):
    """Items are read from MeCab's text output: each line must be exactly a node's surface and raw feature."""
    tag = tagger()
    for text in [*bundled.items["text"], "", "CoCoLoの会Zen", "ｱｲｳ①②を、\"引用\"と,カンマ", "交付"]:
        lines = tag.parse(text).split("\n")
        assert lines.pop() == "EOS"
        assert lines == [f"{word.surface}\t{word.feature_raw}" for word in tag.parseToNodeList(text)]


def test_missing_text_is_skipped():
    frame = pd.DataFrame({"item_id": ["a", "b"], "text": ["補助金", float("nan")]})
    assert tokens(frame)["item_id"].tolist() == ["a", "a"]


@pytest.mark.parametrize("start_methods", [None, ["spawn", "forkserver"]])
def test_workers_give_the_same_tables_as_one_process(bundled, monkeypatch, start_methods):
    """With two processes (forked, or with the chunks pickled where fork is missing) nothing changes."""
    import multiprocessing

    from kyodo_analysis.tokens import tokens_and_terms

    if start_methods is not None:
        monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: start_methods)
    items = pd.concat([bundled.items] * 3, ignore_index=True)
    items["item_id"] = [f"{i}-{k}" for k, i in enumerate(items["item_id"])]
    one = tokens_and_terms(items)
    two = tokens_and_terms(items, workers=2)
    for a, b in zip(one, two, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert one[1]["item_id"].iloc[-1] == items["item_id"].iloc[-1]  # the second chunk's terms are there


@pytest.mark.parametrize("start_methods", [None, ["spawn", "forkserver"]])
def test_workers_that_split_the_cells_give_the_same_tables(monkeypatch, start_methods):
    """Cells split into items inside the workers (the second chunk spans both files): every table is unchanged."""
    import multiprocessing

    from kyodo_analysis.cleaning import clean_table
    from kyodo_analysis.tokens import items_tokens_and_terms, tokens_and_terms

    if start_methods is not None:
        monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: start_methods)
    paths = [RAW, Path(__file__).parent / "fixtures" / "kyodo_seika_zushi_R7.tsv"]
    one = [clean_table(p) for p in paths]
    items = pd.concat([t.items for t in one], ignore_index=True)
    tables = [clean_table(p) for p in paths]
    got = items_tokens_and_terms(tables, workers=2, compact=True)
    assert all(t.is_tidy for t in tables)
    for a, b in zip(one, tables, strict=True):
        for name in ("items", "programs", "log"):
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    for a, b in zip((items, *tokens_and_terms(items, compact=True)), got, strict=True):
        pd.testing.assert_frame_equal(a, b)  # categoricals too: the same categories in the same order
    assert got[2]["item_id"].iloc[-1] == items["item_id"].iloc[-1]


def test_terms_from_a_token_table_equal_the_one_pass_engine(bundled):
    from kyodo_analysis.tokens import tokens_and_terms

    token_frame, term_frame = tokens_and_terms(bundled.items)
    pd.testing.assert_frame_equal(terms(token_frame), term_frame)
