"""Every generated sentence, read as a reader reads it, on the bundled table and on tables unlike it: no
polarity pair, one group, no code hits, one program per code, several cities, several years, long group
names. No sentence of another city's page carries a word of Zushi's table."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace

import pandas as pd
import pytest

from kyodo_analysis import headings as H
from kyodo_analysis import registry
from kyodo_analysis import sentences as S
from kyodo_analysis import topics as T
from kyodo_analysis import year_sentences as Y
from kyodo_analysis.analysis import Analysis, analyze
from kyodo_analysis.manifest import table_files
from kyodo_analysis.methods import methods_paragraph
from kyodo_analysis.report import codes_crosstab, headers, view_distinctive, view_items, view_program_changes
from kyodo_analysis.schema import Comparison, zushi_comparison
from kyodo_analysis.slices import for_city, for_year
from kyodo_analysis.stats import Cut

from .conftest import FIXTURES, NEW_YEAR_CSV, RAW, bundled_raw_dir, cli
from .test_other_cities import TABLES, city_folder

ZUSHI_WORDS = ["逗子", "申請団体", "財政的支援", "人的支援", "場の提供", "協働の成果等", "限界", "NO "]
LONG = {"財政的支援": "施策1-1 市民活動団体の自立と継続的な活動を支える財政的な支援の充実",
        "人的支援": "施策1-2 協働の担い手となる人材の育成と行政職員の意識改革",
        "場の提供": "施策2-1 市民が気軽に集い活動できる拠点施設の整備と運営"}


@pytest.fixture(scope="module")
def cases(tmp_path_factory, bundled_analysis) -> dict[str, Analysis]:
    """The analyses every test reads: the bundled table, each made-up city alone, the three together by
    city (one of another year), Zushi's two years, the bundled table with long group names, and 架空市A's
    table of 2024 beside Zushi's of 2025 (two schemas, one per year)."""
    base = tmp_path_factory.mktemp("sentences")
    found = {"bundled": bundled_analysis}
    for key in "abc":
        found[key] = analyze(table_files(city_folder(base / key, key)))
    raw = city_folder(base / "abc", "abc")
    cli("manifest", "add", str(raw / TABLES["b"][0]), "--year", "2023")
    found["abc"] = analyze(table_files(raw), by="city")
    raw = bundled_raw_dir(base / "years" / "raw")
    shutil.copy(NEW_YEAR_CSV, raw / "r7.csv")
    cli("manifest", "add", str(raw / "r7.csv"), "--year", "2025", "--source", "テスト用")
    cli("manifest", "add", str(raw / RAW.name), "--year", "2024")
    found["years"] = analyze(table_files(raw))
    raw = base / "long" / "raw"
    raw.mkdir(parents=True)
    text = RAW.read_text(encoding="utf-8")
    for short, long in LONG.items():
        text = text.replace(short, long)
    (raw / "long.tsv").write_text(text, encoding="utf-8")
    cli("manifest", "add", str(raw / "long.tsv"), "--city", "架空市L", "--title", "施策評価表", "--year", "2024")
    found["long"] = analyze(table_files(raw))
    raw = city_folder(base / "mixed", "a")  # 架空市A 2024 beside Zushi's table of 2025, each with its schema
    shutil.copy(RAW, raw / RAW.name)
    cli("manifest", "add", str(raw / RAW.name), "--city", "逗子市", "--title", "協働の成果等", "--year", "2025")
    found["mixed"] = analyze(table_files(raw))
    return found


def page_text(analysis: Analysis, whole: Analysis | None = None) -> str:
    """Every sentence the notebooks and the Word summary write for one analysis, joined."""
    whole = whole or analysis
    texts = [S.cleaning_sentence(analysis), S.empty_cells_sentence(analysis), S.negation_sentence(analysis),
             S.compound_sentence(analysis), S.groups_sentence(analysis), S.distinctive_sentence(analysis),
             S.code_test_sentence(analysis), T.no_codes_sentence(analysis), *T.summary_sentences(analysis),
             Y.years_sentence(for_city(whole), whole), *Y.year_change_lines(whole), H.document_title(whole),
             H.document_intro("out", whole.metadata), *Y.yearly_summary_lines(whole)]
    texts += [H.notebook_text(key, analysis) for key in H.NOTEBOOK_TEXT if not key.endswith("_unpaired")
              and key != "clusters_none"] + [H.clusters_text(analysis)]  # the one text with a value of its own
    return "\n".join(texts)


@pytest.mark.parametrize("case", ["a", "b", "c", "abc"])
def test_no_word_of_zushi_on_another_citys_page(cases, case):
    whole = cases[case]
    text = page_text(for_year(whole), whole)
    assert [w for w in ZUSHI_WORDS if w in text] == []
    assert "どのコードにも当たりません" not in text and "何が" not in text and "それぞれ" not in text


def test_a_year_holding_one_citys_table_reads_as_that_table_alone_beside_another_schema(cases):
    """架空市A (2024: 分野, 番号, 理由・意見) and Zushi (2025: 区分, NO, 効果・限界・今後) in one folder: the 2024
    part compares what A's table holds, so its every sentence is that of A's table analysed alone — before,
    it took the first schema's words (区分) and the other city's aspects, empty, as its own."""
    mixed, alone = cases["mixed"], cases["a"]
    part = for_year(mixed, 2024)
    assert Comparison.from_metadata(part.metadata) == Comparison.from_metadata(alone.metadata)
    assert set(part["codes"]["aspect"]) == set(alone["codes"]["aspect"]) == {"reason", "comment", "all"}
    assert page_text(part) == page_text(alone)
    kept = set(registry.kept_whole("year"))  # the years compared within a city: program_changes, keyword_trends
    for name, table in alone.tables.items():
        if name not in kept:
            pd.testing.assert_frame_equal(part.tables[name].reset_index(drop=True), table.reset_index(drop=True),
                                          check_dtype=False, check_column_type=False, check_index_type=False, obj=name)
    assert methods_paragraph(part) == methods_paragraph(alone) and "出てこない" in methods_paragraph(alone)
    rules = [w for w in mixed.warnings if "コーディングルール" in w]  # each city's own: Zushi's items lack only 連携
    assert len(rules) == 2 and rules[0].startswith("架空市Aの表では、コーディングルールの"), rules
    assert rules[1].startswith("逗子市の表では、コーディングルールの 55 語のうち 1 語はどの項目にも出てきません (「連携・協力」の 連携)")
    zushi = for_year(mixed, 2025)
    assert Comparison.from_metadata(zushi.metadata) == zushi_comparison()
    bundled = page_text(cases["bundled"]).replace("「これまでの取り組みに係る協働の成果等」", "「協働の成果等」").split("\n")
    assert [line for line in page_text(zushi).split("\n") if line not in bundled] == [
        "逗子市の表は2025年度だけなので、年度の比較はありません (年度は市町村ごとに比べます)。"]  # the bundled has no year


def test_rule_words_are_warned_of_per_city_in_plain_words():
    """A city's tables, and the tables with no city, each get their own warning, in a sentence that reads."""
    from kyodo_analysis.coding import parse_rules
    from kyodo_analysis.curation import rule_warnings

    rules = parse_rules("*担い手\n人材 or 後継者\n")
    words = {"a.csv": {"人材"}, "b.csv": {"後継者"}, "c.csv": set()}
    warnings = rule_warnings(rules, "codes.txt", words, {"a.csv": "みなと町", "b.csv": None, "c.csv": None})
    assert [w.split("コーディングルール")[0] for w in warnings] == ["みなと町の表では、", "市町村名のない表では、"]
    assert "「担い手」の 後継者" in warnings[0] and "「担い手」の 人材" in warnings[1]  # b holds 後継者, c nothing
    assert rule_warnings(rules, "codes.txt", words, {"a.csv": "x", "b.csv": "x", "c.csv": "x"}) == []  # one city: all


def test_a_citys_year_changes_name_its_programs_by_its_own_number_column(tmp_path):
    """架空市B numbers its programs under 「No.」, Zushi under 「NO」: analysed together, the tables' shared word is
    番号, but B's year changes name B's programs as B's table does, and the groups' name follows the same rule."""
    from kyodo_analysis.schema import Aspect

    raw = city_folder(tmp_path, "b")
    lines = (raw / TABLES["b"][0]).read_text(encoding="utf-8").split("\n")
    kept = [line for line in lines if not line.startswith("場の支援\t5\t")]  # one program fewer the year before
    assert len(kept) == len(lines) - 1
    (raw / "kasou_b_seika_2023.tsv").write_text("\n".join(kept), encoding="utf-8")
    cli("manifest", "add", str(raw / "kasou_b_seika_2023.tsv"), "--city", "架空市B", "--year", "2023")
    shutil.copy(RAW, raw / RAW.name)
    cli("manifest", "add", str(raw / RAW.name), "--city", "逗子市", "--title", "協働の成果等", "--year", "2025")
    whole = analyze(table_files(raw))
    assert Comparison.from_metadata(whole.metadata).columns["program_no"] == "番号"
    assert [line for line in Y.year_change_lines(whole) if line.startswith("架空市B")] == [
        "架空市Bの2023年度〜2024年度: 追加 1 事業 (No. 5 市民活動センター運営 (2024年度の表から))。番号も名称も同じ事業は 4 事業です。"
        "2024年度の表には2023年度の表になかった区分「場の支援」があります。"]  # its one program was the one added
    one = (Aspect("a", ("a",), "a", "a"),)
    assert [Comparison.combined([Comparison(one, by_label=a), Comparison(one, by_label=b)]).by_label
            for a, b in (("分野", "区分"), ("分野", "分野"))] == ["区分", "分野"]


def test_a_parts_table_keeps_its_own_aspects_in_its_schemas_order():
    """Zushi's table first in the manifest puts 今後 (next_step, shared) before 成果 and 課題 in the whole run's
    columns; the part of a table of 成果・課題・今後 lists them in that order, and drops Zushi's own."""
    from kyodo_analysis.schema import Aspect
    from kyodo_analysis.slices import own_aspects

    def comparison(*keys):
        return Comparison(tuple(Aspect(k, (k,), k, k) for k in keys)).as_dict()

    whole = {"comparison": comparison("effect", "limitation", "next_step", "result", "issue")}
    part = {"comparison": comparison("result", "issue", "next_step")}
    frame = pd.DataFrame([[1, 2, 3, 4, 5, 6, 7]], columns=["program", "n_effect", "n_limitation", "n_next_step",
                                                           "n_result", "n_issue", "n_items"])
    assert list(own_aspects(frame, part, whole).columns) == ["program", "n_result", "n_issue", "n_next_step", "n_items"]
    assert own_aspects(frame, part, whole)[["n_result", "n_next_step"]].values.tolist() == [[5, 4]]


def test_the_word_title_says_only_what_every_chapter_compares(cases):
    """One city's effects beside another's ratings: no one clause is true of both, so the title names the tables
    only; each chapter's heading names its city."""
    from kyodo_analysis.wordreport import chapter_heading

    mixed = cases["mixed"]
    assert H.document_title(mixed) == "「協働事業評価シート」・「協働の成果等」の計量テキスト分析"
    assert chapter_heading(2024, for_year(mixed, 2024), mixed) == "2024年度 (架空市A)"
    assert chapter_heading(2025, for_year(cases["years"], 2025), cases["years"]) == "2025年度"  # one city: no name
    assert H.document_title(cases["years"]).endswith(": 市の表が区分ごとに効果として挙げたことと限界として挙げたこと")
    # a schema with no positive and negative aspects: the Word title says what the summary page's heading says
    assert H.document_title(cases["a"]) == "「協働事業評価シート」の計量テキスト分析: 市の表が分野ごとに挙げたこと (理由・意見)"
    together = cases["abc"]  # compared by city, and only 架空市B's schema marks 成果 and 課題: no clause of sides
    assert "として挙げた" not in H.document_title(together) and H.document_title(together).endswith("(理由、意見、成果、課題、今後、評価、課題・改善案)")
    assert H.notebook_text("question", for_year(together)).startswith("**問い**: 市の表の 理由、意見、成果、課題")
    for key in ("a", "b", "bundled"):
        heading = H.notebook_text("summary", cases[key]).split("\n")[0]
        assert heading == "## まとめ: " + H.document_title(cases[key]).split(": ", 1)[1], key


def test_a_towns_table_is_called_a_towns_table_never_a_citys(tmp_path, cases):
    """The pages call the tables 市の表 for a city's, 町の表 for a town's and 市町村の表 for several kinds."""
    from kyodo_analysis.labels import table_noun

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "other_cities" / TABLES["a"][0], raw / TABLES["a"][0])
    status, _, err = cli("manifest", "add", str(raw / TABLES["a"][0]), "--city", "みなと町", "--title", "協働事業評価シート",
                         "--schema", str(FIXTURES / "other_cities" / "schema_a.toml"))
    assert status == 0, err
    town = analyze(table_files(raw))
    text = page_text(town)
    assert "市の表" not in text and "町の表が分野ごとに挙げたこと (理由・意見)" in text
    assert [table_noun(a.metadata) for a in (cases["a"], cases["abc"], town)] == ["市の表", "市の表", "町の表"]
    both = {"raw_files": [{"city": "逗子市"}, {"city": "みなと町"}]}
    assert [table_noun(m) for m in (both, {"raw_files": [{"city": None}]}, {})] == ["市町村の表"] * 3
    assert [table_noun({"raw_files": [{"city": c}]}) for c in ("十日町市", "町田市", "東村山市", "北区", "檜枝岐村")] == [
        "市の表", "市の表", "市の表", "区の表", "村の表"]


def test_the_bundled_page_says_what_its_items_are_about_by_programs(cases):
    analysis = cases["bundled"]
    text = page_text(analysis)
    assert "どのコードにも当たりません" not in text and "最も多くの事業に共通する" not in text
    place = T.summary_sentences(analysis)[2]
    assert re.match(r"場の提供 \(3 事業\): 効果の 6 項目 \(3 事業\) が最も多く触れているのは", place)
    assert S.empty_cells_sentence(analysis) == (
        "NO 6 逗子文化プラザ市民交流センター は「限界」「今後」が空欄です (その観点の項目は 0 として数えます)。"
        "「限界」が空欄でも、限界がなかったという意味ではありません。")
    assert S.groups_sentence(analysis) == "区分ごとに比べます: 「財政的支援」「人的支援」「場の提供」 の 3 つ。"
    # the words inside the most compound terms: センター, 交付 and 補助金, four each, all named (a tie is not
    # settled by spelling), each with all four of its compounds (the first three by spelling were a pick inside a
    # tie: a statistician); each katakana piece is a word, in a forced term too (センター of コミュニティセンター)
    assert S.compound_sentence(analysis).startswith(
        "たとえば「センター」と「交付」と「補助金」は、いずれも 4 つの複合語の中にも出てくる語で、複合語の中に出てくる語のうち"
        "最も多く、同数です (「センター」: 「コミュニティセンター」「サポートセンター」「地域活動センター条例」「市民交流センター」、"
        "「交付」: 「交付対象事業」「補助金交付期間中」「補助金交付終了」「補助金交付終了後」、「補助金」: 「補助金交付期間中」"
        "「補助金交付終了」「補助金交付終了後」「補助金的」)。")


def test_the_compound_example_is_the_one_word_inside_the_most_compounds_or_every_tied_word_or_their_number():
    def sentence(pairs):
        return S.compound_sentence({"mentions": pd.DataFrame(pairs, columns=["word", "term"])})

    one = sentence([("団体", "申請団体"), ("団体", "団体等"), ("申請", "申請団体"), ("活動", "活動団体")])
    assert one.startswith("たとえば「団体」は 2 つの複合語 (「団体等」「申請団体」) の中にも出てきます (複合語の中に出てくる語"
                          "のうち、最も多くの複合語に出てくる語です)。"), one
    two = sentence([("申請", "申請団体"), ("団体", "申請団体"), ("活動", "活動費")])
    assert two.startswith("たとえば「団体」と「活動」と「申請」は、いずれも 1 つの"), two  # the order of the table is no rank
    seven = sentence([("団体", f"団体{k}") for k in "一二三四五六七"])
    assert "「団体」は 7 つの複合語 (7 語。一覧は mentions.parquet の term 列) の中にも" in seven  # none picked by spelling
    ten = sentence([(w, w + k) for w in ("支援", "地域", "防災", "交流") for k in "会者団部課室局所館園"])
    assert "いずれも 10 個の複合語の中に出てきます" in ten  # つ counts to nine (「10 つ」: a hostile tester)
    many = sentence([(w, w + "会") for w in ("支援", "地域", "防災", "交流")])
    assert many.startswith("複合語の中に出てくる 4 語 (交流・地域・支援・防災) は、どれも 1 つの複合語の中にだけ出てきます"), many
    assert "「" not in many.split("。")[0]  # no word picked out of the tie: each named, none as the example
    many = sentence([(w, w + k) for w in ("支援", "地域", "防災", "交流") for k in ("会", "者")])
    assert many.startswith("複合語の中に出てくる語のうち、同数で最も多い 4 語 (交流・地域・支援・防災) は、いずれも 2 つの"
                           "複合語の中に出てきます"), many  # a reviewer: 「同数で最も多い 6 語は」 named none of them
    eleven = sentence([(f"語{k:02d}", f"語{k:02d}会") for k in range(11)])
    assert eleven.startswith("複合語の中に出てくる 11 語は、どれも"), eleven  # more than ten: their number only


def test_the_word_counts_sentence_says_what_word_counts_holds(bundled_analysis):
    """word_counts.csv counts the items that touch a word in a compound or in its negated form, as the 2.0
    page says; keywords.csv keeps the negated form apart (つながる and つながる(否定))."""
    a = bundled_analysis
    whole = a["word_counts"][a["word_counts"]["all_groups"] & (a["word_counts"]["aspect"] == "all")].set_index("word")
    terms = a["terms"]
    plain, negated = (set(terms.loc[terms["term"] == t, "item_id"]) for t in ("つながる", "つながる(否定)"))
    assert negated and int(whole.loc["つながる", "n_items"]) == len(plain | negated)
    assert "否定の形" in S.compound_sentence(a) and "複合語の中" in S.compound_sentence(a)
    from kyodo_analysis.terms import terms_and_mentions
    from kyodo_analysis.tokens import tokenize

    items = pd.DataFrame({"item_id": ["a"], "text": ["会員が増えていない。"]})
    _, mention_frame = terms_and_mentions(tokenize(items))
    sentence = S.compound_sentence({"mentions": mention_frame})  # a negated form is no compound
    assert sentence.endswith("この表には、複合語の中に出てくる語はありません。"), sentence


def side(rows: list[tuple[int, str]]) -> pd.DataFrame:
    """Items of one side: (program, code) per row, one item per row."""
    return pd.DataFrame({"source_file": "t.tsv", "program_no": [p for p, _ in rows], "code": [c for _, c in rows],
                         "item_id": [f"i{k}" for k in range(len(rows))], "text": [f"項目{k}" for k in range(len(rows))],
                         "negated": [k == 1 for k in range(len(rows))]})


def test_a_topic_is_named_most_common_only_when_it_is():
    leader = T.topic_phrase(side([(1, "X"), (2, "X"), (3, "Y")]), "効果")
    assert leader == ("効果の 3 項目 (3 事業) が最も多く触れているのは「X」(2 / 3 事業; ほかのコードは各 1 事業以下) で、"
                      "その項目は次のとおりです: 「項目0」、「項目1」 (否定の述語を含む)")  # the mark is not followed by です
    # "most" by one program is said with its margin (a reviewer: 2 / 2 against 1 / 2 read as a clear lead)
    three = T.topic_phrase(side([(1, "X"), (2, "X"), (2, "X")]), "効果")
    assert three.endswith("「X」(2 / 2 事業; ほかのコードは付いていません) で、その項目は次のとおりです (3 項目のうち 2 項目を、各事業の最初の項目から引用): "
                          "「項目0」、「項目1」 (否定の述語を含む)")
    tie = T.topic_phrase(side([(1, "X"), (2, "X"), (1, "Y"), (3, "Y")]), "課題")
    assert tie == "課題の 4 項目 (3 事業) が最も多く触れているのは 「X」「Y」 で、同数です (各 2 / 3 事業)"
    ones = T.topic_phrase(side([(1, "X"), (2, "Y"), (3, "Z")]), "理由")
    assert ones == "理由の 3 項目 (3 事業) に付いた 3 つのコード (「X」「Y」「Z」) はどれも 1 事業だけで、複数の事業に共通するコードはありません"
    partly = T.topic_phrase(side([(1, "X"), (2, "Y"), (3, T.NO_CODE)]), "理由")  # how many items the codes cover
    assert partly == ("理由の 3 項目 (3 事業) のうちコードが付いた 2 項目 (2 事業) のコード 2 つ (「X」「Y」) はどれも 1 事業だけで、"
                      "複数の事業に共通するコードはありません")
    single = T.topic_phrase(side([(1, "X"), (2, T.NO_CODE)]), "理由")
    assert single == "理由の 2 項目 (2 事業) のうちコードが付いたのは「X」の 1 項目 (1 事業) だけです"
    whole = T.topic_phrase(side([(1, "X"), (1, T.NO_CODE)]), "理由")  # 1 of 1 program is no "only"
    assert whole == "理由の 2 項目 (1 事業) のうちコードが付いたのは「X」の 1 項目 (1 事業) です"  # 1 of the 2 items
    assert T.topic_phrase(side([(1, T.NO_CODE)]), "理由") == "理由の 1 項目 (1 事業) には、どのコードも付いていません"
    alone = T.topic_phrase(side([(1, "X"), (1, "Y")]), "理由")  # one program: no "shared by several" can be said
    assert alone == "理由の 2 項目 (1 事業) に付いた 2 つのコードは「X」「Y」です"
    # "most" of the coded items only, said as such: a reviewer read 「最も多く触れている」 resting on 2 of 9 items
    some = T.topic_phrase(side([(1, "X"), (2, "X"), (3, T.NO_CODE), (3, T.NO_CODE), (4, "Y")]), "成果")
    assert some.startswith("成果の 5 項目 (4 事業) のうちコードが付いた 3 項目 (3 事業) が最も多く触れているのは「X」"
                           "(2 / 4 事業; ほかのコードは各 1 事業以下)")
    tied = T.topic_phrase(side([(1, "X"), (2, "X"), (1, "Y"), (2, "Y"), (3, T.NO_CODE)]), "成果")
    assert tied == "成果の 5 項目 (3 事業) のうちコードが付いた 4 項目 (2 事業) が最も多く触れているのは 「X」「Y」 で、同数です (各 2 / 3 事業)"


@pytest.mark.parametrize("case", ["bundled", "a", "b", "c", "abc", "years", "long"])
def test_one_program_per_code_is_never_called_the_most_common(cases, case):
    """Whatever the coding rules find: a code named as the one most items are about has two or more
    programs, and a code of one program is said to be of one program."""
    for sentence in T.summary_sentences(for_year(cases[case])):
        assert "どのコードにも当たりません" not in sentence
        for best in re.findall(r"最も多く触れているのは「[^」]+」\((\d+) / \d+ 事業[;)]", sentence):
            assert int(best) >= 2, sentence
        for tied in re.findall(r"同数です \(各 (\d+) / \d+ 事業\)", sentence):
            assert int(tied) >= 2, sentence


def test_no_code_hits_are_said_once(tmp_path, bundled_analysis):
    rules = tmp_path / "codes.txt"
    rules.write_text("*存在しない話題\nどこにもない語\n", encoding="utf-8")
    analysis = analyze([bundled_raw_dir(tmp_path / "raw") / RAW.name], codes=rules)
    text = "\n".join([T.no_codes_sentence(analysis), *T.summary_sentences(analysis)])
    assert text.count("コードが付きませんでした") == 1 and "コードも付いていません" not in text
    assert T.summary_sentences(analysis)[1] == "人的支援 (2 事業): 効果の 4 項目 (2 事業)。限界の 4 項目 (2 事業)。"
    assert T.no_codes_sentence(bundled_analysis) == ""


def test_one_group_says_there_is_nothing_to_compare(cases):
    analysis = cases["c"]
    assert S.groups_sentence(analysis) == ("この表の区分は 1 つだけ (「区分なし」) なので、区分どうしの比較はなく、"
                                           "以下は表全体の記述です。")
    assert S.distinctive_sentence(analysis) == "区分が 1 つなので、区分ごとの特徴語はありません。"
    assert H.notebook_text("distinctive", analysis) == "## 特徴語"  # no 「区分ごとの」 nor 「各区分を他の区分と比べた」
    assert "各区分を他の区分と比べた" in H.notebook_text("distinctive", cases["bundled"])
    assert analysis["distinctive_terms"].empty  # no row of z = 0 against nothing: the table agrees with the sentence
    assert len(analysis["distinctive_aspects"]) > 0  # two aspects: each set against the other
    assert S.code_test_sentence(analysis) == "区分が 1 つなので、区分の違いの検定はしません。表は記述です。"
    correspondence = H.notebook_text("correspondence", analysis)
    assert "2 つ以上の区分が必要" in correspondence and "100%" not in correspondence and "0 軸" not in correspondence
    assert H.notebook_text("question", analysis).startswith("**問い**: 市の表の 評価、課題・改善案 の記述は、どう違うか。")  # two aspects, the second with 「・」 in its label


def test_the_word_table_of_one_group_is_not_said_to_be_by_group(cases, tmp_path):
    """架空市C has no group column: the Word table's caption said 「区分ごとの事業数」 (a newcomer)."""
    from docx import Document

    from kyodo_analysis.wordreport import write_summary

    paragraphs = [p.text for p in Document(write_summary(cases["c"], tmp_path, tmp_path / "c.docx")).paragraphs]
    assert "表1　事業数と、観点ごとの項目数 (箇条書きの1項目を1件)" in paragraphs


def test_the_cluster_section_says_when_the_analysis_was_not_made(bundled_analysis):
    """Too few terms in enough items: the 3.0 page's section says the analysis was not made, as the methods
    paragraph does, instead of introducing figures that hold only a note."""
    made = H.clusters_text(bundled_analysis)
    assert H.clusters_made(bundled_analysis) and "樹形図は Ward 法" in made and "行っていません" not in made
    tables = dict(bundled_analysis.tables)
    tables["clusters.csv"] = tables["clusters.csv"].iloc[0:0]
    tables["terms.csv"] = tables["terms.csv"][tables["terms.csv"]["term"].isin(["団体", "補助金"])]  # too few terms
    tiny = Analysis(tables, bundled_analysis.metadata)
    assert not H.clusters_made(tiny)
    assert H.clusters_text(tiny) == (
        "## 語のクラスター分析と多次元尺度構成法\n\n3 項目以上に出る語が 3 語に満たないため、この表では語のクラスター分析と"
        "多次元尺度構成法を行っていません (図はありません)。")
    assert "3 項目以上に出る語が 3 語に満たないため行っていない。" in methods_paragraph(tiny)


def test_the_related_words_are_of_every_term_tied_first_never_one_chosen_by_spelling(bundled_analysis):
    from kyodo_analysis.report import most_used_terms

    # 3 programs, 6 items, 8 times: first alone, by its items — said so (a reviewer read 「最も多くの事業」 as a lead)
    assert most_used_terms(bundled_analysis) == (["利用"], "「利用」と同じ 3 事業で使われた語がほかに 7 語 (団体・活動・多い・新た・"
                                                 "検討・行う・安定的) あり、項目数で「利用」が1位です (順位は 事業数 → 項目数 → 出現回数)。")
    terms = bundled_analysis["terms"]
    first = terms[terms["term"] == "利用"]

    def tied(copies: int):
        extra = [first.assign(term=f"利用{'増' * k}") for k in range(1, copies + 1)]
        tables = {**bundled_analysis.tables, "terms.csv": pd.concat([terms, *extra], ignore_index=True)}
        return most_used_terms(Analysis(tables, bundled_analysis.metadata))

    assert tied(1) == (["利用", "利用増"], "利用・利用増 は事業数・項目数・出現回数がすべて同じで 1 位に並ぶので、2 語とも示します。"
                       "「利用」「利用増」と同じ 3 事業で使われた語がほかに 7 語 (団体・活動・多い・新た・検討・行う・安定的) あり、"
                       "項目数で「利用」「利用増」が1位です (順位は 事業数 → 項目数 → 出現回数)。")
    shown, note = tied(3)  # four tied: none shown, the page says why
    assert shown == [] and "1 位に並ぶ語が 4 語あり、同数の中から選ばないため" in note


def test_the_items_table_gives_its_years_as_numbers_as_every_other_table_does(cases):
    from kyodo_analysis.report import items_by_group, view_programs

    whole = cases["years"]
    comparison = Comparison.from_metadata(whole.metadata)
    counts = items_by_group(whole["programs"], comparison)  # one block per year
    assert counts["年度"].tolist() == [2024] * 4 + [2025] * 5
    assert set(view_programs(whole["programs"], comparison)["年度"]) == {2024, 2025}
    alone = items_by_group(cases["bundled"]["programs"], Comparison.from_metadata(cases["bundled"].metadata))
    assert "年度" not in alone  # one table: no year column


def test_terms_left_out_of_a_ranking_are_counted_per_group(bundled_analysis):
    """「同数の 175 語を表から省きました」 summed four groups' lists (a reviewer): each group is said apart."""
    from kyodo_analysis.report import top_terms

    terms = bundled_analysis["terms"]
    first = terms[terms["term"] == "利用"]  # first overall, and first of 場の提供 (its three programs)
    copies = [first.assign(term=f"利用{'増' * k}") for k in range(1, 8)]
    tied = Analysis({**bundled_analysis.tables, "terms.csv": pd.concat([terms, *copies], ignore_index=True)},
                    bundled_analysis.metadata)
    assert top_terms(tied, n=1)[1] == {None: Cut(8, 0)}
    _, by_group = top_terms(tied, by="support_type", n=1)
    assert set(by_group) == {"財政的支援", "人的支援", "場の提供"} and by_group["場の提供"] == Cut(8, 0)
    assert S.left_out_sentence({None: Cut(8, 15)}) == (
        "表の次の順位に並ぶ同数の語が多すぎるため、その語を表から省きました (8 語)。csv には全語があります。")
    assert S.left_out_sentence({"福祉": Cut(41, 8), "環境": Cut(0, 8), "防災": Cut(21, 7)}) == (
        "表の次の順位に並ぶ同数の語が多すぎるため、その語を表から省きました (福祉の 41 語、防災の 21 語)。csv には全語があります。")
    assert S.left_out_sentence({"福祉": Cut(0, 3)}) == "この表は同数の語の途中で切れていません。"


def test_a_group_whose_first_place_ties_beyond_the_list_is_said_to_be_absent_from_it():
    """A group of two programs whose 20 words each come once tied at the first place and vanished from
    「区分ごとの頻出語」, the sentence only counting 「人の支援の 20 語」 among the cut ones (a statistician's
    audit): a group left with no row is said to have none, and why."""
    assert S.left_out_sentence({"人の支援": Cut(20, 0), "資金の支援": Cut(3, 8), "場の支援": Cut(0, 9)}) == (
        "表の次の順位に並ぶ同数の語が多すぎるため、その語を表から省きました (資金の支援の 3 語)。"
        "人の支援は 1 位から同数の語 (20 語) が多すぎるため、表に語がありません。csv には全語があります。")
    assert S.left_out_sentence({None: Cut(31, 0)}) == "全体は 1 位から同数の語 (31 語) が多すぎるため、表に語がありません。csv には全語があります。"


def test_the_words_compound_parts_included_say_where_their_list_stopped(bundled_analysis):
    """「複合語の中も数えた語」 showed 8 of 58 words and dropped 50 tied ones without a word, where the tables beside
    it said so (a statistician's audit): it returns where it stopped, as 「全体の頻出語」 does."""
    from kyodo_analysis.report import top_words

    shown, cut = top_words(bundled_analysis, n=3)
    assert shown["語"].tolist() == ["団体", "活動", "事業"] and cut == {None: Cut(0, 3)}
    words = bundled_analysis["word_counts"]
    first = words[words["word"] == "団体"]
    copies = [first.assign(word=f"団体{'増' * k}") for k in range(1, 8)]  # eight words tie at the first place
    tied = Analysis({**bundled_analysis.tables, "word_counts.csv": pd.concat([words, *copies], ignore_index=True)},
                    bundled_analysis.metadata)
    shown, cut = top_words(tied, n=2)
    assert shown.empty and cut == {None: Cut(8, 0)}
    assert S.left_out_sentence(cut).startswith("全体は 1 位から同数の語 (8 語) が多すぎるため")


def test_a_code_in_two_programs_is_quoted_from_both():
    """「「連携・協力」(2 / 3 事業) で、その項目は次のとおりです: …」 quoted two items of one program (a reviewer):
    each program's first item comes before any second one."""
    side = pd.DataFrame({"item_id": ["i1", "i2", "i3", "i4"], "code": ["連携・協力", "連携・協力", "連携・協力", "広報"],
                         "source_file": "t.csv", "program_no": [1, 1, 2, 3], "negated": False,
                         "text": ["一つ目の事業の一項目め", "一つ目の事業の二項目め", "二つ目の事業の項目", "三つ目の事業の項目"]})
    assert T.topic_phrase(side, "実績") == (
        "実績の 4 項目 (3 事業) が最も多く触れているのは「連携・協力」(2 / 3 事業; ほかのコードは各 1 事業以下) で、"
        "その項目は次のとおりです"
        " (3 項目のうち 2 項目を、各事業の最初の項目から引用): 「一つ目の事業の一項目め」、「二つ目の事業の項目」")


def test_a_list_of_labels_is_counted_right_when_a_label_holds_a_middle_dot(cases):
    from kyodo_analysis.labels import listed

    assert listed(["効果", "限界", "今後"]) == "効果・限界・今後"
    assert listed(["評価", "課題・改善案"]) == "評価、課題・改善案"
    assert listed([]) == ""
    title = H.document_title(cases["c"])  # 架空市C: 評価 and 課題・改善案, no positive or negative side
    assert title.endswith(": 市の表が挙げたこと (評価、課題・改善案)"), title
    assert H.document_title(cases["bundled"]).endswith("区分ごとに効果として挙げたことと限界として挙げたこと")


def test_the_cleaning_page_names_the_columns_the_schema_left_out(cases):
    """架空市C's schema ignores its 備考 column: page 1.0's account of the cleaning says which column of which
    file was left out, and metadata.json records it; the bundled table leaves none out, and nothing is said."""
    c = cases["c"]
    assert [f["ignored_columns"] for f in c.metadata["raw_files"]] == [["備考"]]
    assert S.cleaning_sentence(c).endswith("スキーマの ignore に書かれた列「備考」 (kasou_c_tanto_2024.tsv) の値は分析に"
                                           "入れていません (cleaning_log.csv の元の行に残っています)。")
    assert "ignore" not in S.cleaning_sentence(cases["bundled"])
    # a one-cell row is a title or a note under the table (a legend of ratings): both are named
    assert "11 行を捨てました (空行 5、表題・注記 2、見出し 2、記入例 2)。" in S.cleaning_sentence(cases["bundled"])


def test_the_codes_by_year_heading_names_the_aspects_its_table_leaves_out(cases):
    """Page 4.0's table of codes by year, like its figure, shows the two sides only: the heading says so and
    names the aspect left out (今後, in codes.csv); 架空市C's two aspects are both shown, and nothing is said."""
    from kyodo_analysis.report import codes_by_year
    from kyodo_analysis.schema import Comparison

    bundled = cases["bundled"]
    comparison = Comparison.from_metadata(bundled.metadata)
    shown = set(codes_by_year(bundled["codes"].assign(year=2024), bundled["items"].assign(year=2024), comparison)["観点"])
    assert shown == {"効果", "限界"}
    assert H.notebook_text("codes_by_year", bundled).endswith("観点は効果・限界だけを示します (今後は codes.csv にあります)。")
    assert "だけを示します" not in H.notebook_text("codes_by_year", cases["c"])


def test_a_heading_compares_by_group_only_where_there_are_groups_to_compare(cases):
    """「区分ごとに」 in a title or heading claims groups set side by side: said of two or more groups, never of
    one (a table with no group column, or one support type alone)."""
    bundled = cases["bundled"]
    items = bundled["items"]
    alone = replace(bundled, tables={**bundled.tables, "items.csv": items[items["support_type"] == "場の提供"]})
    assert H.document_title(alone).endswith("の計量テキスト分析: 市の表が効果として挙げたことと限界として挙げたこと")
    assert H.notebook_text("summary", alone).startswith("## まとめ: 市の表が効果として挙げたことと限界として挙げたこと\n")
    assert H.notebook_text("summary", bundled).startswith("## まとめ: 市の表が区分ごとに効果として挙げたことと")
    assert (H.notebook_text("by_terms", alone), H.notebook_text("by_terms", bundled)) == (
        "## 頻出語\n\n" + H.TERMS_COUNTED, "## 区分ごとの頻出語\n\n" + H.TERMS_COUNTED)
    assert "複合語は1語" in H.TERMS_COUNTED  # a KH Coder user read 補助金 2 items here as every item on subsidies
    unpaired = cases["c"]  # 架空市C: no group column, so one group, 区分なし
    assert H.document_title(unpaired) == "「担当課評価」の計量テキスト分析: 市の表が挙げたこと (評価、課題・改善案)"
    assert H.notebook_text("summary", unpaired).startswith("## まとめ: 市の表が挙げたこと (評価、課題・改善案)\n")
    assert "区分ごと" not in H.notebook_text("question", unpaired)


def test_terms_of_one_group_only_are_described_by_programs_when_z_is_short():
    """Each with the programs of the other groups as its denominator; 指定 met only inside 指定管理者 (same programs,
    same occurrences) is named with it, not listed as a second finding (a statistician's audit); 管理 of the same
    programs but more occurrences is a word of its own."""
    distinctive = pd.DataFrame({"support_type": ["甲", "甲", "甲", "乙", "乙", "乙", "乙"],
                                "term": ["補助金", "事業", "一度", "施設", "指定", "指定管理者", "管理"],
                                "n_group": [6, 3, 1, 5, 2, 2, 3], "n_rest": [0, 1, 0, 0, 0, 0, 0],
                                "programs_group": [3, 2, 1, 2, 2, 2, 2], "programs_rest": [0, 1, 0, 0, 0, 0, 0],
                                "z": [1.7, 0.5, 0.3, 1.6, 0.4, 0.4, 0.5]})
    programs = pd.DataFrame({"support_type": ["甲", "甲", "甲", "乙", "乙"]})
    assert S.one_group_terms(distinctive, programs, "support_type") == [
        "「補助金」: 甲の 3 事業中 3 事業、ほかの 2 事業中 0 事業", "「施設」: 乙の 2 事業中 2 事業、ほかの 3 事業中 0 事業",
        "「管理」: 乙の 2 事業中 2 事業、ほかの 3 事業中 0 事業",
        "「指定管理者」(「指定」を含む): 乙の 2 事業中 2 事業、ほかの 3 事業中 0 事業"]


def test_the_bundled_distinctive_sentence_does_not_call_one_group_terms_unskewed(cases):
    text = S.distinctive_sentence(cases["bundled"])
    assert "偏ってはいません" not in text
    if "z ≧ 1.96 に達する語はありません" in text:
        assert "「補助金」: 財政的支援の 3 事業中 3 事業、ほかの 5 事業中 0 事業" in text and "z はこの値に届きません" in text


def test_where_no_test_is_run_the_reason_is_said_once_from_the_group_sizes(cases):
    analysis = cases["bundled"]
    codes = analysis["codes"].assign(test="none", p_value=float("nan"), p_holm=float("nan"), min_p_holm=0.118)
    untested = replace(analysis, tables={**analysis.tables, "codes.csv": codes})
    # the cause is the correction over the family, said with the family's size (the pooled aspect in it)
    assert S.code_test_sentence(untested) == ("8 事業 (3・2・3) では、33 個のコード × 観点 (観点をまとめた「全体」を含む)を"
                                              "区分の違いで検定しても、Holm の補正後に取りうる最小の p が 0.118 で 0.05 に届か"
                                              "ないため、検定はせず、表は記述にとどめます。")
    bare = replace(analysis, tables={**analysis.tables, "codes.csv": codes.assign(min_p_holm=float("nan"))})
    assert S.code_test_sentence(bare) == "8 事業 (3・2・3) では、どの区分の違いも検定では示せないため、表は記述にとどめます。"
    table = codes_crosstab(codes, analysis["items"], comparison=Comparison.from_metadata(analysis.metadata))
    assert "p値" not in table.columns and "Holm" not in H.notebook_text("codes", untested)
    assert set(table["観点"]) == {"全体"} and "観点はすべて合わせて数えます" in H.notebook_text("codes", untested)
    cell = table.loc[table["コード"] == table["コード"].iloc[0], "財政的支援"].iloc[0]
    assert re.fullmatch(r"\d / 3 事業 \(95% CI \d\.\d\d–\d\.\d\d\)・\d+ / 14 項目", cell)


def test_tests_run_and_not_significant_are_not_said_to_be_impossible(cases):
    """The tests ran (they could reach 0.05) and none did: the page says so, and neither that the number of
    programs could not show a difference nor that there is none."""
    analysis = cases["bundled"]
    codes = analysis["codes"].assign(test="事業単位の正確並べ替え検定", p_value=0.1, p_holm=1.0, min_p_holm=0.04)
    text = S.code_test_sentence(replace(analysis, tables={**analysis.tables, "codes.csv": codes}))
    n = len(codes.drop_duplicates(["year", "code", "aspect"]))
    assert text == (f"コード×観点の {n} 検定 (事業単位の正確並べ替え検定) のうち、Holm 補正後に p<0.05 のものはありません"
                    " (最小の補正前 p は 0.100)。区分の差は示されませんでしたが、差がないことを示すものでもありません。")
    some = codes.assign(test=codes["test"].where(codes["code"] != codes["code"].iloc[0], "none"))  # one code untestable
    table = codes_crosstab(some, analysis["items"], comparison=Comparison.from_metadata(analysis.metadata))
    assert set(table["検定"]) == {"事業単位の正確並べ替え検定", "なし (検定せず)"}  # never codes.csv's own 「none」


def test_clopper_pearson_matches_the_published_interval():
    from kyodo_analysis.stats import clopper_pearson

    assert [round(float(x[0]), 2) for x in clopper_pearson([2], [2])] == [0.16, 1.0]
    assert [round(float(x[0]), 3) for x in clopper_pearson([1], [3])] == [0.008, 0.906]
    assert S.program_count(2, 2, 0.158, 1.0) == "2 / 2 事業 (95% CI 0.16–1.00)"
    # a bound at a half rounds up whatever its binary value (0.975 and 0.025 went one down, one up: a reviewer)
    (low0, high0), (low1, high1) = (clopper_pearson([k], [1]) for k in (0, 1))
    assert S.program_count(0, 1, float(low0[0]), float(high0[0])) == "0 / 1 事業 (95% CI 0.00–0.98)"  # 0.975
    assert S.program_count(1, 1, float(low1[0]), float(high1[0])) == "1 / 1 事業 (95% CI 0.03–1.00)"  # 0.025
    low2, high2 = (float(x[0]) for x in clopper_pearson([2], [3]))
    assert S.program_count(2, 3, low2, high2) == "2 / 3 事業 (95% CI 0.09–0.99)"  # 0.9916: not up to 1.00


def test_the_year_change_names_programs_with_both_numbers(cases):
    lines = Y.year_change_lines(cases["years"])
    assert len(lines) == 1 and lines[0].startswith("逗子市の2024年度〜2025年度: 追加 1 事業 (NO 8 協働ポータルサイト (2025年度の表から))。"
                                                    "廃止 1 事業 (NO 3 協働事業提案制度 (2024年度の表まで))。")
    assert "番号変更 4 事業 (NO 4 市民協働コーディネーター → NO 3 市民協働コーディネーター、" in lines[0]
    assert "NO 5 市民協働推進員制度・市民協働推進会議 → NO 4 市民協働推進員制度" in lines[0]
    yearly = Y.yearly_summary_lines(cases["years"])
    assert yearly[0] == "**逗子市・2024年度**" and "**逗子市・2025年度**" in yearly
    assert Y.year_change_lines(cases["bundled"]) == [] and Y.year_change_lines(cases["abc"]) == []


def test_the_citys_own_labels_head_its_tables(cases):
    a, b = Comparison.from_metadata(cases["a"].metadata), Comparison.from_metadata(cases["b"].metadata)
    assert (headers(a)["program_no"], headers(a)["support_type"], headers(b)["program_no"]) == ("番号", "分野", "No.")
    assert "No." in view_items(cases["b"]["items"], b).columns and "NO" not in view_items(cases["b"]["items"], b).columns
    assert S.program_label(3, "公園愛護会支援", Comparison.from_metadata(cases["c"].metadata)) == "公園愛護会支援"
    assert view_items(cases["bundled"]["items"], zushi_comparison())["年度"].unique().tolist() == ["年度不明"]
    aspects = view_distinctive(cases["bundled"]["distinctive_aspects"], comparison=zushi_comparison())
    assert "出現回数(観点)" in aspects.columns and "出現回数(区分)" not in aspects.columns
    changes = view_program_changes(cases["years"]["program_changes"], Comparison.from_metadata(cases["years"].metadata))
    assert "以前のNO" in changes.columns and "NO (最後の年度)" in changes.columns  # a removed program's NO is its last


def test_the_word_summary_names_the_table_and_the_year_change(tmp_path, cases):
    from docx import Document

    from kyodo_analysis.wordreport import write_summary

    for case, title in (("b", "「協働の成果と課題」の計量テキスト分析"), ("years", "「これまでの取り組みに係る協働の成果等」")):
        path = write_summary(cases[case], tmp_path / "figures", tmp_path / f"{case}.docx", "out/tables")
        document = Document(str(path))
        text = "\n".join(p.text for p in document.paragraphs)
        assert text.startswith(title) and H.CODE_MEANING in text and "各文の数字は out/tables の表" in text
        assert document.core_properties.title == text.splitlines()[0]  # the file's title is the heading's
        assert "data/processed" not in text and "何が" not in text
    assert "逗子" not in "\n".join(p.text for p in Document(str(tmp_path / "b.docx")).paragraphs)
    assert "番号変更 4 事業" in text and "年度の変化" in text
    assert "でコードが変わった事業は" in text and "ほかの増減は、追加 1 事業・廃止 1 事業によるもの" in text


def test_long_group_names_are_numbered_with_the_full_names_in_the_footnote(cases):
    from kyodo_analysis.plots import group_names, plot_items_by_aspect

    from .conftest import overlapping_tick_labels

    shown, note = group_names(list(LONG.values()), 12, "区分")
    assert list(shown.values()) == ["①", "②", "③"] and note.startswith("区分: ① 施策1-1 市民活動団体の")
    assert group_names(["財政的支援", "人的支援"], 3, "区分")[0] == {"財政的支援": "財政的\n支援", "人的支援": "人的\n支援"}
    # a second line never begins with 「・」 (a reviewer's 「子育て / ・教育」) or another mark that may not begin one
    assert group_names(["子育て・教育", "防災・安全"], 4, "分野")[0] == {"子育て・教育": "子育て・\n教育", "防災・安全": "防災・\n安全"}
    # twelve heatmap columns (four groups × three aspects): 財政的 is 3 ems where 2.5 fit; halves would run into
    # their neighbours (財政的人的), so every group is numbered
    four = ["財政的支援", "人的支援", "場の提供", "情報的支援"]
    assert list(group_names(four, 30 / 12, "区分")[0].values()) == ["①", "②", "③", "④"]
    fig = plot_items_by_aspect(cases["long"]["programs"], cases["long"].metadata)
    assert overlapping_tick_labels(fig) == []
    assert LONG["場の提供"] in "\n".join(t.get_text() for t in fig.texts)


def test_the_heatmap_footnote_says_only_what_was_drawn(cases):
    from kyodo_analysis.plots import plot_code_heatmap

    def footnote(analysis: Analysis, codes: pd.DataFrame | None = None) -> str:
        codes = analysis["codes"] if codes is None else codes
        return "\n".join(t.get_text() for t in plot_code_heatmap(codes, analysis["items"], analysis.metadata).texts)

    bundled = cases["bundled"]
    tested = bundled["codes"].assign(test="事業単位の正確並べ替え検定 (全 560 通り)", p_value=0.5, p_holm=1.0)
    text = re.sub(r"\s", "", footnote(bundled, tested))  # the footnote is wrapped to the page
    assert "事業単位の正確並べ替え検定(全560通り)" in text and "Holm" in text and "*は" not in text
    untested = footnote(bundled, bundled["codes"].assign(test="none", p_holm=float("nan")))
    assert "Holm" not in untested and "*" not in untested and "検定なし: この事業数では" in untested
    one = footnote(cases["c"])
    assert "Holm" not in one and "1 つなので比べるものはなく" in one.replace("\n", "")


def test_markdown_shows_a_sentence_as_written():
    from kyodo_analysis.report import inert_markdown

    # md escapes Markdown's marks; the rendered page's one rule escapes & < > [ ] (once: no &amp;lt;)
    assert inert_markdown(S.md("<script>alert(1)</script> *a* [b](c) `d` &amp;")) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; \\*a\\* &#91;b&#93;(c) \\`d\\` &amp;amp;")



def test_a_url_in_a_field_is_shown_as_text_not_made_a_link():
    """A group named 「=HYPERLINK("http://…")」 or a title holding http://… became <a href> on the pages: the
    renderer links bare URLs (a hostile tester). The colon of :// is a character reference, shown as itself."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from kyodo_analysis.report import inert_markdown

    shown = markdown2html_mistune(inert_markdown(S.md('区分「=HYPERLINK("http://example.com/x","y")」と https://a.b/c')))
    assert "<a" not in shown and "http://example.com/x" in shown.replace("&#58;", ":")


def test_the_year_table_counts_programs_per_aspect_as_the_year_figure_does(cases):
    from kyodo_analysis.report import codes_by_year
    from kyodo_analysis.schema import Comparison

    analysis = cases["years"]
    table = codes_by_year(analysis["codes"], analysis["items"], Comparison.from_metadata(analysis.metadata))
    assert list(table.columns[:4]) == ["観点", "コード", "財政的支援 2024年度", "財政的支援 2025年度"]
    assert set(table["観点"]) == {"効果", "限界"}  # never pooled over aspects
    assert all(re.fullmatch(r"\d+ / \d+ 事業|—", cell) for cell in table.iloc[:, 2:].to_numpy().ravel())


def test_full_cells_are_counted_over_the_aspects_each_table_has(cases):
    assert S.empty_cells_sentence(cases["abc"]) == "どの事業も、その表にある観点のすべてに記入があります。"
    assert S.negation_sentence(cases["b"]) == "否定の語を含む項目はありません。"


def test_the_heatmap_title_says_what_its_cells_count_whether_aspects_are_apart_or_pooled(cases):
    """Per aspect (the bundled table) a cell is over the programs with an item of that aspect; pooled (架空市C:
    one group, no aspect two groups wrote in) over the programs with any item: the title says which."""
    from kyodo_analysis.plots import plot_code_heatmap

    def drawn(analysis: Analysis):
        fig = plot_code_heatmap(analysis["codes"], analysis["items"], analysis.metadata)
        return fig.get_suptitle(), [ax.get_title() for ax in fig.axes if ax.get_title()]

    assert drawn(cases["bundled"]) == ("コード × 区分: コードに当たる項目のある事業数 / その観点の項目がある事業数",
                                       ["効果", "限界", "今後"])
    assert drawn(cases["c"]) == ("コード × 区分: コードに当たる項目のある事業数 / 項目がある事業数", ["全体"])


def test_the_sides_heading_says_which_terms_its_table_lists(cases):
    """The table under the sides heading is filtered (the programs of both sides adding up to 2, or z ≧ 1.96
    for a schema without sides): the heading says so, so that an empty table reads as what it is."""
    from kyodo_analysis.report import sides_table

    paired, unpaired = H.notebook_text("sides", cases["bundled"]), H.notebook_text("sides", cases["c"])
    assert "効果で使った事業と限界で使った事業を合わせて 2 以上の語" in paired and "検定ではありません" in paired
    assert "下の表は z ≧ 1.96 の語です" in unpaired
    listed = sides_table(cases["bundled"])
    assert len(listed) and ((listed["効果で使った事業"] + listed["限界で使った事業"]) >= 2).all()
    c = cases["c"]["distinctive_aspects"]
    assert len(sides_table(cases["c"])) == int((c["z"] >= 1.96).sum()) < len(c)


def test_the_methods_say_how_many_rule_words_the_table_never_uses(cases):
    """架空市C coded with the packaged rules: the paragraph says how many of the rules' words occur in none of
    its items (a code that cannot be found is no finding); the bundled table all but 連携 (the code's own name)."""
    from kyodo_analysis.coding import read_rules, words_of_rules
    from kyodo_analysis.methods import methods_paragraph

    words = len(words_of_rules(read_rules(None)[0]))
    c = cases["c"]
    vocabulary = set(c["terms"]["term"]) | set(c["mentions"]["word"])
    absent = sum(word not in vocabulary for _, word in words_of_rules(read_rules(None)[0]))
    assert c.metadata["coding_rules"]["words"] == words and c.metadata["coding_rules"]["absent_words"] == absent > 0
    assert (f"ルールが名指す {words} 語のうち {absent} 語は、この表のどの項目にも出てこない (コードが 0 の事業は、その内容を"
            "書いていないとは限らず、ルールの語で書いていないだけのことがある)。") in methods_paragraph(c)
    assert cases["bundled"].metadata["coding_rules"]["absent_words"] == 1  # 連携, of the code 連携・協力
    assert f"ルールが名指す {words} 語のうち 1 語は、この表のどの項目にも出てこない" in methods_paragraph(cases["bundled"])
    whole = cases["abc"]  # three cities counted together: the pooled count is not 「この表」's, and each city's is given
    per_city = {f["city"]: len(f["absent_rule_words"]) for f in whole.metadata["raw_files"]}
    assert per_city["架空市C"] == absent and len(per_city) == 3
    said = methods_paragraph(for_year(whole))
    assert "語は、3 つの表のどの項目にも出てこない (表ごとには 架空市A " in said and f"架空市C {absent} 語" in said


def test_an_empty_sheet_of_the_workbook_is_noted_as_empty(cases, tmp_path):
    """架空市C's 特徴語 sheet has its header alone (one group: nothing to set apart): the 注記 sheet says the
    table has no rows, so that it does not read as a broken export; a sheet with rows gets no such note."""
    from openpyxl import load_workbook

    from kyodo_analysis.report.workbook import EMPTY_SHEET, write_workbook

    book = load_workbook(write_workbook(cases["c"], tmp_path / "c.xlsx"), read_only=True)
    assert [row for row in book["特徴語"].iter_rows(values_only=True)][1:] == []
    notes = [row for row in book["注記"].iter_rows(min_row=2, values_only=True)]
    assert ("特徴語", EMPTY_SHEET) in notes and ("観点の特徴語", EMPTY_SHEET) not in notes


def test_the_methods_say_every_word_was_taken_when_fewer_than_the_top_were_there(cases):
    """The 2025 table of the two-year case has fewer than 40 words used twice: the correspondence analysis took
    them all, and the paragraph says so instead of 「上位 40 語 (同数を含め 27 語)」 (no tie made it fewer)."""
    from kyodo_analysis.methods import methods_paragraph
    from kyodo_analysis.slices import for_year

    part = for_year(cases["years"], 2025)
    n = len(part["correspondence_terms"])
    terms = part["terms"]["term"].value_counts()
    assert n == int((terms >= 2).sum()) < 40
    text = methods_paragraph(part)
    assert f"対応分析は 2回以上出現する語すべて ({n} 語) と区分の" in text and "上位 40 語" not in text
    assert "χ² の大きい上位 40 語 (同数を含め 47 語; 2回以上出現する " in methods_paragraph(cases["bundled"])


def test_the_correspondence_map_says_how_its_words_were_chosen_as_the_methods_do(cases):
    """The map's footnote and the methods paragraph give one account: 「すべて」 where every word used twice
    was taken (2025 of the two-year case), the top 40 by χ² out of how many where there were more (bundled)."""
    from kyodo_analysis.correspondence import chosen_terms
    from kyodo_analysis.methods import methods_paragraph
    from kyodo_analysis.plots import figure_specs
    from kyodo_analysis.slices import for_year

    for part, every in ((for_year(cases["years"], 2025), True), (cases["bundled"], False)):
        _, plot, args = next(spec for spec in figure_specs(part) if spec[0].startswith("correspondence"))
        footnote = " ".join(t.get_text() for t in plot(*args).texts).replace("\n", "")
        phrase = chosen_terms(len(part["correspondence_terms"]), args[-1])
        assert phrase in footnote and phrase in methods_paragraph(part)
        assert ("すべて" in phrase) == every and ("上位" in footnote) != every


def test_the_codes_by_year_footnote_explains_only_what_is_drawn(cases):
    """The two-year case: 情報的支援 has no program in 2024 (— drawn, and explained: no program with an item of
    the aspect, which is also what a group with programs but no such item gets), and 今後, not drawn, is
    said to be in codes.csv; one year of the bundled table draws no —, and its footnote does not explain one."""
    from kyodo_analysis.plots import plot_codes_by_year

    def drawn(analysis, codes, items):  # the footnote with its wrapping undone (spaces too), and the cells
        fig = plot_codes_by_year(codes, items, analysis.metadata)
        return "".join("".join(t.get_text() for t in fig.texts).split()), [t.get_text() for ax in fig.axes for t in ax.texts]

    years = cases["years"]
    note, cells = drawn(years, years["codes"], years["items"])
    assert "—" in cells and "—はその年度にその区分で、その観点の項目がある事業がないことを表します" in note
    assert "観点は効果・限界だけを示します(今後はcodes.csvにあります)" in note
    # a group with programs that year but no item of one aspect: 「—」 too, and the note says what it means
    codes = years["codes"]
    no_limits = codes[~((codes["support_type"] == "人的支援") & (codes["aspect"] == "limitation") & (codes["year"] == 2025))]
    assert years["programs"].query("support_type == '人的支援' and year == 2025").shape[0] > 0
    before = cells.count("—")
    note, cells = drawn(years, no_limits, years["items"])
    assert cells.count("—") == before + codes["code"].nunique() and "その観点の項目がある事業がない" in note
    bundled = cases["bundled"]
    note, cells = drawn(bundled, bundled["codes"].assign(year=2024), bundled["items"].assign(year=2024))
    assert "—" not in cells and "—は" not in note


def test_a_word_of_one_group_only_reaches_z_by_its_count_as_the_sentence_says():
    """The distinctive sentence explains a short z by the word's count: with the prior α_w = its count, z of a
    word used in one group only grows with that count (about as its square root)."""
    from kyodo_analysis.stats import weighted_log_odds

    def z_of(y: int) -> float:
        counts = pd.DataFrame({"group": ["甲", "乙", "甲"], "term": ["他", "他", "語"], "n": [60, 60, y]})
        found = weighted_log_odds(counts)
        return float(found.loc[(found["group"] == "甲") & (found["term"] == "語"), "z"].iloc[0])

    z = [z_of(y) for y in (1, 2, 4, 8, 16)]
    assert z == sorted(z) and z[0] < 1.96 < z[-1]
    assert z[4] / z[2] == pytest.approx(2, rel=0.15)  # four times the count, about twice the z


def test_the_notebooks_fixed_text_names_no_column_or_group_of_one_table():
    """A notebook's Markdown cells are the same for every city: the column's and groups' names come from the
    schema through the code cells, never from the fixed text (「区分」 is Zushi's column; 「市の表」 is not a town's)."""
    import json
    from pathlib import Path

    notebooks = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
    fixed = {f"{path.name}:{k}": "".join(cell["source"])
             for path in notebooks for k, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"])
             if cell["cell_type"] == "markdown"}
    assert len(notebooks) == 5 and len(fixed) >= 5
    banned = [*ZUSHI_WORDS, "区分", "市の表", "support_type"]
    assert {name: [w for w in banned if w in text] for name, text in fixed.items() if any(w in text for w in banned)} == {}


def test_a_quote_cut_inside_a_bracket_closes_it():
    """The Word summary quoted 「公民館から…、「東北物…」: cut inside a nested quote, which was left open."""
    from kyodo_analysis.labels import cut

    text = "公民館からコミュニティセンターに転用し、「東北物産展」などの物販イベントを開催したところ、利用者から好評を得た"
    assert cut(text, 24) == "公民館からコミュニティセンターに転用し、「東北物産展…」"  # the word ends first
    assert cut(text, 21) == "公民館からコミュニティセンターに転用し、「…」"
    assert cut("短い項目", 40) == "短い項目"
    assert cut("「入れ子『二重』の」引用が長く続く場合のテストの文です", 6) == "「入れ子『二重…』」"


def test_a_quote_is_cut_at_the_end_of_a_word_within_four_characters():
    """The Word summary quoted 「…場合があ…」: a cut inside a run of one script goes on to its end when that is
    near, else stays where it was (a run longer than that is not a word to keep whole)."""
    from kyodo_analysis.labels import cut

    assert cut("（仮称）市民交流センターの開設に向けて地域の団体と協議を重ねた", 10) == "（仮称）市民交流センター…"
    assert cut("補助金の交付が終わると活動が縮小する場合がある。", 20) == "補助金の交付が終わると活動が縮小する場合…"
    assert cut("補助金の交付が終わると活動が縮小する場合がある。", 21) == "補助金の交付が終わると活動が縮小する場合がある…"
    assert cut("補助金の交付が終わると活動が縮小する場合がある", 21) == "補助金の交付が終わると活動が縮小する場合がある"  # the end: no cut
    assert cut("あいうえおかきくけこさしすせそ", 5) == "あいうえお…"  # no end within four: cut where asked
    assert cut("Wi-Fiの設置", 2) == "Wi…"  # 「-」 ends the run of letters
    assert cut("協働事業提案制度の活用", 4) == "協働事業提案制度…"


def test_codes_from_the_packaged_rules_are_said_to_be_written_for_no_table(bundled_analysis, tmp_path):
    """A group whose items got no code under the package's starting-point rules may write of the topic in other
    words: the Word summary's reading note, the codes section and the summary page say the rules were not written
    for the table; a researcher's own rules (--codes) are not called so."""
    said = "この表や研究の問いに合わせて書いたものではありません"
    assert said in H.document_intro("processed", bundled_analysis.metadata)
    assert said in H.notebook_text("codes", bundled_analysis) and said in H.notebook_text("summary", bundled_analysis)
    rules = tmp_path / "rules.txt"
    rules.write_text("*支援\n支援\n", encoding="utf-8")
    own = analyze([bundled_raw_dir(tmp_path / "raw") / RAW.name], codes=rules)
    assert said not in H.document_intro("processed", own.metadata) + H.notebook_text("codes", own)
    assert said not in H.notebook_text("summary", own)



def test_each_groups_largest_z_is_said_with_the_programs_behind_it(bundled_analysis):
    """A reviewer: 「人的支援 場面 z=1.75」 hid that all four 場面 are in one of the two programs (the unit is the program)."""
    said = S.distinctive_sentence(bundled_analysis)
    assert "人的支援 場面 z=1.75 (2 事業中 1 事業)" in said and "財政的支援 事業 z=1.43 (3 事業中 2 事業)" in said
    # a tie: each word with its own programs, none picked (a newcomer found the tie's programs said nowhere)
    rows = bundled_analysis["distinctive_terms"].set_index(["support_type", "term"])
    each = [int(rows.loc[("場の提供", t), "programs_group"]) for t in ("利用者", "施設")]
    assert f"場の提供 利用者・施設 z=1.54 (3 事業中 利用者 {each[0]} 事業・施設 {each[1]} 事業)" in said and each == [1, 2]


def test_a_groups_sentence_says_which_of_its_programs_left_the_aspect_blank(bundled_analysis):
    """「課題の 1 項目 (1 事業)」 of a three-program group read as one program writing little, where two had left the
    cell blank (a reviewer). The bundled table's NO 6 left 限界 blank: 場の提供's sentence says so, the others not."""
    sentences = T.summary_sentences(bundled_analysis)
    assert sentences[2].startswith("場の提供 (3 事業): ") and "限界の 2 項目 (2 事業)" in sentences[2]
    assert sentences[2].endswith("。ほかの 1 事業は限界の欄が空欄です。")
    assert not any("空欄" in s for s in sentences[:2])


def test_a_kept_program_whose_items_changed_is_named():
    """An item removed and one added in a program kept by name and number were reported nowhere: 「番号も名称も同じ
    事業は 6 事業です」 read as six unchanged programs (a reviewer). Those whose items differ are named."""
    from kyodo_analysis.schema import zushi_comparison

    items = pd.DataFrame({"year": [2018, 2018, 2025, 2025, 2018, 2025], "program_no": [1, 1, 1, 1, 2, 2],
                          "aspect": ["effect", "limitation", "effect", "limitation", "effect", "effect"],
                          "text": ["a", "b", "a", "c", "x", "x"]})
    kept = pd.DataFrame({"program_no": [1, 2], "first_no": [1, 2], "program": ["補助金", "センター"]})
    said = Y._items_changed(Y._written(items, [2018, 2025]), [2018, 2025], kept, zushi_comparison())
    assert said == " (うち2018年度と2025年度で項目が変わった事業は 1 事業: NO 1 補助金)"
    assert Y._items_changed(Y._written(items[items["program_no"] == 2], [2018, 2025]), [2018, 2025], kept.iloc[1:],
                            zushi_comparison()) == ""


def test_a_page_of_one_city_quotes_only_that_citys_years(tmp_path):
    """A newcomer: 葉山町's 2023 summary page ended with Zushi's whole year section (its programs, 財政的支援, 効果…)
    because the section read every city's years. A page quotes the years of its own cities."""
    from kyodo_analysis.slices import for_cities_of

    raw = city_folder(tmp_path / "p", "a")  # 架空市A, 2024
    shutil.copy(RAW, raw / RAW.name)
    shutil.copy(NEW_YEAR_CSV, raw / "r7.csv")
    for name, year in ((RAW.name, "2018"), ("r7.csv", "2025")):
        assert cli("manifest", "add", str(raw / name), "--year", year, "--city", "逗子市", "--title", "協働の成果等")[0] == 0
    whole = analyze(table_files(raw))
    assert Y.year_change_lines(whole)  # Zushi's years are compared
    town = for_cities_of(whole, for_year(whole, 2024))
    assert Y.year_change_lines(town) == [] and Y.yearly_summary_lines(town) == []
    zushi = for_cities_of(whole, for_year(whole, 2025))
    assert Y.year_change_lines(zushi) == Y.year_change_lines(whole)


def test_a_renamed_or_renumbered_program_whose_items_changed_is_named(cases):
    """A newcomer following the README's new-year steps: 「番号も名称も同じ事業は 1 事業です (うち…項目が変わった事業は
    1 事業)」 was the only word on changed items, while five of the six programs renamed or renumbered had changed
    theirs too (NO 5 → NO 4 lost an 効果 and a 限界 item and gained another; 市民活動ポイント制度(Zen) did not change).
    They are named, with both years' numbers."""
    line = Y.year_change_lines(cases["years"])[0]
    assert ("名称か番号が変わった 6 事業のうち、2024年度と2025年度で項目も変わった事業は 5 事業です: NO 4 市民協働コーディネーター"
            " → NO 3 市民協働コーディネーター、NO 5 市民協働推進員制度・市民協働推進会議 → NO 4 市民協働推進員制度、") in line, line
    assert "(Zen)、" not in line.split("項目も変わった事業は")[1]


def test_the_rules_note_says_when_the_tables_compared_fit_the_packaged_rules_unequally(cases):
    """A newcomer comparing 架空市A with Zushi by city: 47 of the 55 packaged rule words never occur in 架空市A's table,
    said only in the methods paragraph, so 0/5 cells read as a difference between the cities. The note beside the
    codes (figure, pages, Word) says how many words each table lacks; a single table's note says nothing more."""
    from kyodo_analysis.headings import absent_by_table, rules_note

    whole = cases["mixed"]
    absent = dict(absent_by_table(whole.metadata["raw_files"]))
    assert absent == {"架空市A": 47, "逗子市": 1}
    assert "ルールの語のうちどの項目にも出てこない語は 架空市A 47 語、逗子市 1 語で、表によってルールの当てはまり方が違います" in (
        rules_note(whole.metadata))
    assert "当てはまり方" not in rules_note(cases["bundled"].metadata)
