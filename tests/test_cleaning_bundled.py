"""The bundled Zushi table: exact counts, exact texts, every line accounted for."""

from __future__ import annotations

from kyodo_analysis import read_table
from kyodo_analysis.tidy import LOG_COLUMNS

from .conftest import RAW

ITEM_COLUMNS = ["item_id", "source_file", "source_line", "year", "city", "support_type", "program_no", "program",
                "aspect", "item_no", "text"]
PROGRAM_COLUMNS = ["source_file", "source_line", "year", "city", "support_type", "program_no", "program",
                   "n_effect", "n_limitation", "n_next_step", "n_items"]

EXPECTED = {
    ("財政的支援", "effect"): 6, ("財政的支援", "limitation"): 5, ("財政的支援", "next_step"): 3,
    ("人的支援", "effect"): 4, ("人的支援", "limitation"): 4, ("人的支援", "next_step"): 3,
    ("場の提供", "effect"): 6, ("場の提供", "limitation"): 2, ("場の提供", "next_step"): 3,
}


def test_items_per_support_type_and_aspect(bundled):
    items = bundled.items
    assert list(items.columns) == ITEM_COLUMNS
    assert len(items) == 36
    assert items.groupby(["support_type", "aspect"]).size().to_dict() == EXPECTED
    assert set(items["aspect"]) == {"effect", "limitation", "next_step"}


def test_programs(bundled):
    programs = bundled.programs
    assert list(programs.columns) == PROGRAM_COLUMNS
    assert programs["program_no"].tolist() == list(range(1, 9))
    assert programs.groupby("support_type", sort=False).size().to_dict() == {"財政的支援": 3, "人的支援": 2, "場の提供": 3}
    six = programs.set_index("program_no").loc[6]
    assert six["program"] == "逗子文化プラザ市民交流センター"
    assert (six["n_effect"], six["n_limitation"], six["n_next_step"]) == (2, 0, 0)
    assert programs["n_items"].sum() == 36
    assert programs["source_line"].tolist() == [7, 8, 9, 10, 11, 17, 18, 19]


def test_sample_item_texts(bundled):
    text = bundled.items.set_index("item_id")["text"]
    assert text["kyodo_seika_zushi-01-effect-01"] == (
        "補助金を活用し、事業を拡大したり、知名度の向上や、補助金交付終了後も安定的に事業を行っているなど"
        "ステップアップした団体がある。(例 CoCoLoの会)")
    assert text["kyodo_seika_zushi-02-effect-01"] == (
        "Zenをきっかけとして新規の参加者(スタッフ)や継続して参加する人が増加した。(交付対象事業も増加した)")
    assert text["kyodo_seika_zushi-02-effect-03"] == (
        "1枚から施設使用料や公共施設内のカフェで使用できるようになったことで、地域貢献カード以外の使い方も増えている。")
    assert text["kyodo_seika_zushi-05-limitation-02"] == "課内の別の職員(特に上司)への啓発が進まない。"
    assert text["kyodo_seika_zushi-06-effect-01"] == "サポートセンターとして常にオープンなスペースを設けることができた。"
    assert text["kyodo_seika_zushi-03-next_step-01"] == (
        "協働事業の委託のしくみを検討する必要がある。⇒通常の業務委託の形式をとるのか、ある種、補助金のような運用を行うのか。")
    assert text["kyodo_seika_zushi-08-next_step-02"] == "指定管理者が安定的な収入を得る仕組み作りの検討が必要である。"
    # No residue of the HTML or the bullets in any item.
    assert not bundled.items["text"].str.contains("<|>|^・| $", regex=True).any()


def test_item_metadata(bundled):
    row = bundled.items.set_index("item_id").loc["kyodo_seika_zushi-07-limitation-01"]
    assert (row["source_line"], row["support_type"], row["program_no"], row["item_no"]) == (18, "場の提供", 7, 1)
    assert row["program"] == "コミュニティセンター(旧公民館)"
    assert row["source_file"] == "kyodo_seika_zushi.tsv"
    assert bundled.items["item_id"].is_unique


def test_cleaning_log_accounts_for_every_line(bundled):
    log = bundled.log
    assert list(log.columns) == LOG_COLUMNS
    n_lines = len(RAW.read_bytes().splitlines())
    assert log["line"].tolist() == list(range(1, n_lines + 1))
    categories = dict(zip(log["line"], log["category"], strict=True))
    assert [categories[i] for i in (1, 2, 3, 4, 5, 6)] == ["blank", "blank", "title", "blank", "header", "guidance"]
    assert [categories[i] for i in (12, 13, 14, 15, 16)] == ["blank", "title", "blank", "header", "guidance"]
    kept = log[log["action"] == "kept"]
    assert kept["line"].tolist() == [7, 8, 9, 10, 11, 17, 18, 19]
    assert (log.loc[log["action"] == "dropped", "note"].str.len() > 0).all()


def test_year_is_unknown_for_the_bundled_table(bundled):
    assert bundled.items["year"].isna().all()


def test_read_table_api_matches_clean_table(bundled):
    items = read_table(RAW, year=2018)
    assert (items["year"] == 2018).all()
    assert items.drop(columns="year").equals(bundled.items.drop(columns="year"))
