"""The gold-standard sentences (tests/gold/terms_gold.tsv) read by benchmarks/gold.py: the benchmark keeps
working and the extractor does not fall below the floor it reached (98.6 % of sentences fully right)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from .conftest import ROOT


def gold():
    spec = importlib.util.spec_from_file_location("gold", ROOT / "benchmarks" / "gold.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gold", module)  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_scores_lemmas_negation_and_optional_terms(tmp_path):
    path = tmp_path / "gold.tsv"
    path.write_text("id\tkind\tsentence\tterms\tnote\n"
                    "a\tplain\t取組が進まない。\t取り組み / 進む(否定)\t表記は見出し語で比べる\n"
                    "b\tplain\t予算がない。\t予算\t否定の誤り\n"
                    "c\tplain\t常に新しい活動を行う。\t新しい / 活動 / [行う]\t任意の語\n", encoding="utf-8")
    module = gold()
    figures, wrong = module.score(module.read_gold(path))
    assert figures["all"]["sentences"] == 3 and figures["all"]["fully_right"] == 2
    assert [line.id for line, _ in wrong] == ["b"]
    assert figures["all"]["negation_accuracy"] == 4 / 5  # of five gold terms found, 予算 has the wrong negation
    assert figures["all"]["precision"] == 4 / 5 and figures["all"]["recall"] == 4 / 5


def test_the_gold_set_stays_above_its_floor():
    module = gold()
    lines = module.read_gold()
    assert len(lines) >= 300
    figures, _ = module.score(lines)
    assert figures["all"]["sentence_accuracy"] >= 0.95
    assert figures["all"]["negation_accuracy"] >= 0.98


def test_the_held_out_sentences_stay_above_the_same_floor():
    module = gold()
    lines = module.read_gold(ROOT / "tests" / "gold" / "terms_heldout.tsv")
    figures, wrong = module.score(lines)
    assert len(lines) == 70 and figures["all"]["sentence_accuracy"] >= 0.95, [line.id for line, _ in wrong]


def test_the_second_held_out_set_stays_above_the_same_floor():
    """80 sentences by a second writer, 76 right when first measured (benchmarks/README.md)."""
    module = gold()
    lines = module.read_gold(ROOT / "tests" / "gold" / "terms_heldout2.tsv")
    figures, wrong = module.score(lines)
    assert len(lines) == 80 and figures["all"]["sentence_accuracy"] >= 0.95, [line.id for line, _ in wrong]
    assert figures["all"]["negation_accuracy"] >= 0.98


def test_the_third_held_out_set_stays_above_the_same_floor():
    """80 sentences by a third writer from the README's rules alone, 76 right when first measured and 80 after the
    date-word, あたり and passive rules it showed (benchmarks/README.md)."""
    module = gold()
    lines = module.read_gold(ROOT / "tests" / "gold" / "terms_heldout3.tsv")
    figures, wrong = module.score(lines)
    assert len(lines) == 80 and figures["all"]["sentence_accuracy"] >= 0.95, [line.id for line, _ in wrong]
    assert figures["all"]["negation_accuracy"] >= 0.98


def test_the_fourth_held_out_set_keeps_its_misses():
    """60 sentences by a fourth writer from the README's rules alone: 55 right when first measured; 56 after the
    rules it showed (polite forms, あり方, 余儀なく), in-sample. Left: 前年度 (a date), the writer's 余儀ない and いただく,
    and 間, which the rules count as a formal noun where this writer counted a word (benchmarks/README.md)."""
    module = gold()
    lines = module.read_gold(ROOT / "tests" / "gold" / "terms_heldout4.tsv")
    figures, wrong = module.score(lines)
    assert len(lines) == 60 and [line.id for line, _ in wrong] == ["h22", "h49", "h50", "h52"]
    assert figures["all"]["negation_accuracy"] == 1.0


def test_the_fifth_held_out_set_keeps_its_misses():
    """60 sentences by a fifth writer from the README alone, in other fields and polite forms, after the fourth set's
    rules: 53 right when first measured; 56 after the rules it showed (前 after a noun, a one-character noun after a
    date, 引き続き), in-sample. Left: 〜には至っていない negating the noun (the writer read 至る(否定)), 満たない as 満つ,
    and 場合, a formal noun the writer counted (benchmarks/README.md)."""
    module = gold()
    lines = module.read_gold(ROOT / "tests" / "gold" / "terms_heldout5.tsv")
    _, wrong = module.score(lines)
    assert len(lines) == 60 and [line.id for line, _ in wrong] == ["e2", "e28", "e30", "e33"]


def test_the_sixth_held_out_set_is_right_whole():
    """60 sentences by a sixth writer from the README alone, in eight other fields (福祉・介護 to 農業・商店街) and
    styles (体言止め, bullet fragments, counters, honorifics): 60 right when first measured, before this round's rules,
    and after them (benchmarks/README.md)."""
    module = gold()
    lines = module.read_gold(ROOT / "tests" / "gold" / "terms_heldout6.tsv")
    figures, wrong = module.score(lines)
    assert len(lines) == 60 and not wrong and figures["all"]["negation_accuracy"] == 1.0


def test_a_seventh_writer_s_sentences_from_the_readme_alone_are_right():
    """A seventh set, written from the README alone in ten fields not written before (消防団, 図書館, 里山, 商店街,
    外国人住民, 学校支援, 公園愛護会, 地域公共交通, 文化財, 障害者就労; the writer ran the tokenizer but read no code):
    60 of 60 when first measured, with no rule changed. Its 10 probes where the README is silent: 8 right; 下草刈り
    loses 下 (a stop-listed word ends a compound: rule 4) and 「防災まちあるき」 is no quoted name (it ends in a verb)."""
    module = gold()
    lines = module.read_gold(ROOT / "tests" / "gold" / "terms_heldout7.tsv")
    _, wrong = module.score(lines)
    assert len(lines) == 70 and sum(line.kind == "probe" for line in lines) == 10
    assert [line.id for line, _ in wrong] == ["p9", "p10"]


def test_an_eighth_writer_s_sentences_from_the_readme_alone():
    """An eighth set, written from the README alone in ten new fields (空き家対策, 農業体験, 多文化共生カフェ, 健康づくり,
    環境美化, 動物愛護, スポーツ推進, 男女共同参画, 若者の地域参加, 介護予防サロン), expectations put down before any
    sentence was run: 57 of 60 when first measured (95.0 %). うち (「うち5件が」, of which) was then added to the packaged
    stop list as the formal noun it is (no other gold sentence changed): 59 of 60. Left: おおむね好評 (UniDic makes
    おおむね a noun, so it joins the run). Its 10 probes where the README is silent: 6 right; left: 欠かせない read as a
    negation (an idiom for "essential"), 〜ないとも限らない, 前年比 (前年度比 is a date word, 前年比 not), 一堂 (of 一堂に)."""
    module = gold()
    lines = module.read_gold(ROOT / "tests" / "gold" / "terms_heldout8.tsv")
    _, wrong = module.score(lines)
    assert len(lines) == 70 and sum(line.kind == "probe" for line in lines) == 10
    assert [line.id for line, _ in wrong] == ["w24", "q3", "q5", "q7", "q9"]


def test_a_ninth_writer_s_sentences_from_the_readme_alone_are_right():
    """A ninth set, written from the README alone in ten new fields (消費者行政, 文化財保護, 男女共同参画, 自殺対策, ごみ減量,
    地域公共交通, 多文化共生, 児童虐待防止, 生涯学習, 農業振興), expectations put down before any sentence was run: 60 of 60
    when first measured, with no rule changed (close to the README's table rows, so no stronger than 88.3 %). Two of its
    probes, に係る and に合わせ、 (written as optional words), were then added to the function expressions (g393–g397)."""
    module = gold()
    lines = module.read_gold(ROOT / "tests" / "gold" / "terms_heldout9.tsv")
    figures, wrong = module.score(lines)
    assert len(lines) == 60 and not wrong and figures["all"]["negation_accuracy"] == 1.0
    probes = {line.id: line.sentence for line in lines if line.id in ("v12", "v21")}
    v12, v21 = module.extracted([probes["v12"], probes["v21"]])
    assert "係る" not in v12 and "取り組み" in v12 and "合わせる" not in v21 and "自殺予防週間" in v21


def test_the_probes_where_the_readme_is_silent_keep_their_misses():
    """50 probes a writer aimed at where the README is silent or ambiguous, expectations put down before running:
    43 right when first measured; 44 after the rules they and their follow-ups showed (ない right after a noun, 〜ませんか,
    an attributive adjective before a verb stem, noun + ない idioms), in-sample; 45 after Latin letters joined by a
    hyphen made one word (h21, full-width Ｗｉ－Ｆｉ; g389–g392). Left, with reasons in
    benchmarks/README.md: katakana joined by ・ (h01, h02: a list has the same form), a number before a noun read as
    its counter (h14, 5事業者, as the README's 120団体), もったいない counted as no word
    (h26: the idioms of noun + ない give none) and a condition read as a negation (h46, 補助がなければ)."""
    module = gold()
    lines = module.read_gold(ROOT / "tests" / "gold" / "terms_probes.tsv")
    _, wrong = module.score(lines)
    assert len(lines) == 50 and [line.id for line, _ in wrong] == ["h01", "h02", "h14", "h26", "h46"]


VERB_MISSES = ["v28", "v40", "v42", "v46", "v47"]
ADNOMINAL_MISSES = {"adnominal_heldout.tsv": (61, ["a08", "a09", "a10", "a11", "a50", "a51", "a56"]),
                    "adnominal_heldout2.tsv": (43, ["b05", "b07", "b08", "b13", "b15"])}


def predicate_misses(file: str, spelled: dict[str, set[str]]) -> tuple[int, list[str]]:
    """(sentences judged, ids where the verb is counted as a term or not against the writer's reading) of
    a held-out set of verbs that are predicates (``counted`` yes) or inside a compound particle (no)."""
    import pandas as pd

    from kyodo_analysis.terms import extract_terms
    from kyodo_analysis.tokens import tokenize

    lines = pd.read_csv(ROOT / "tests" / "gold" / file, sep="\t", dtype=str)
    lines = lines[lines["counted"] != "ambiguous"]
    terms = extract_terms(tokenize(pd.DataFrame({"item_id": lines["id"], "text": lines["sentence"]})))
    counted = {row.id: bool({t.removesuffix("(否定)") for t in terms.loc[terms["item_id"] == row.id, "term"]}
                            & spelled[row.verb]) for row in lines.itertuples()}
    return len(lines), [row.id for row in lines.itertuples() if counted[row.id] != (row.counted == "yes")]


def test_verbs_of_compound_particles_are_counted_where_they_are_predicates():
    """48 sentences by another writer, who did not see the rule: 応じる, 加える, 従う, 当たる, 付く/就く, 伴う,
    基づく and 対する as a predicate (counted) or inside a compound particle (not), 4 of them ambiguous and left
    out. 33 of 44 were right before the rule for inflected endings (phrases.ending) and the 〜じる
    spellings, 39 after; the misses are listed so that a change in either direction shows."""
    spelled = {"応じる": {"応じる"}, "加える": {"加える"}, "従う": {"従う"}, "当たる": {"当たる"}, "付く": {"付く", "つく"},
               "就く": {"就く", "つく"}, "伴う": {"伴う"}, "基づく": {"基づく"}, "対する": {"対する"}}
    assert predicate_misses("verbs_heldout.tsv", spelled) == (44, VERB_MISSES)


@pytest.mark.parametrize("file", sorted(ADNOMINAL_MISSES))
def test_a_compound_particle_ending_in_a_past_ta_is_a_predicate_where_its_clause_ends(file):
    """Two sets by two more writers, neither of whom saw the rule: に応じた, に向けた, を踏まえた, に沿った, を通した …
    qualifying what follows (not counted) or the verb's past as a predicate (counted), ambiguous ones left out.
    The first (64 sentences, 61 judged): 42 right when every such entry ended anywhere; 47 with the rule that a
    past た ends the entry only where its clause does not end (phrases.ENDS_AFTER_TA: 応じた。 応じたが); 54 once
    こと, ところ, ため and 上 after it also end the clause (phrases.FORMAL_NOUNS, added after reading the misses).
    The second, written after both rules (46 sentences, 43 judged): 26 right before them, 38 after. Left:
    relative clauses (相談に応じた職員, which no rule of form tells from ニーズに応じた講座), 際 and 結果 after the
    た, を中心とした as a predicate, and 「といった」 written for 言った."""
    spelled = {"応じる": {"応じる"}, "向ける": {"向ける"}, "通じる": {"通じる"}, "沿う": {"沿う"}, "踏まえる": {"踏まえる"},
               "介する": {"介する"}, "即する": {"即する"}, "関連する": {"関連", "関連する"}, "通す": {"通す"},
               "言う": {"言う", "いう"}, "する": {"中心"}}
    assert predicate_misses(file, spelled) == ADNOMINAL_MISSES[file]


def mention_errors(file: str) -> tuple[int, dict[str, list[str]], dict[str, list[str]]]:
    """(words the writer said a sentence mentions, {id: those it does not mention}, {id: fragments it does
    mention}) of a held-out set of the words inside compounds (``mentioned`` and ``not_words`` columns)."""
    import pandas as pd

    from kyodo_analysis.terms import terms_and_mentions
    from kyodo_analysis.tokens import tokenize

    lines = pd.read_csv(ROOT / "tests" / "gold" / file, sep="\t", dtype=str, keep_default_na=False)
    _, mentioned = terms_and_mentions(tokenize(pd.DataFrame({"item_id": lines["id"], "text": lines["sentence"]})))
    words = mentioned.groupby("item_id")["word"].agg(set).to_dict()
    said = {row.id: [w.strip() for w in row.mentioned.split("/") if w.strip()] for row in lines.itertuples()}
    fragments = {row.id: [w.strip() for w in row.not_words.split("/") if w.strip()] for row in lines.itertuples()}
    missed = {i: [w for w in ws if w not in words.get(i, set())] for i, ws in said.items()}
    wrong = {i: [w for w in ws if w in words.get(i, set())] for i, ws in fragments.items()}
    return sum(map(len, said.values())), {i: ws for i, ws in missed.items() if ws}, {i: ws for i, ws in wrong.items() if ws}


@pytest.mark.parametrize("file,said,misses,fragments", [
    ("mentions_heldout.tsv", 473, 10, 5),
    ("mentions_heldout2.tsv", 378, 10, 8),
])
def test_a_compound_mentions_the_words_a_reader_counts_in_it(file, said, misses, fragments):
    """Two sets by two writers who did not see the rules (91 and 74 sentences): the words a reader would
    certainly count a sentence for, and the fragments (オン of オンライン, 者 of 参加者) they would not. Before a
    noun with its suffix mentioned its noun (参加者 → 参加), a prefixed word its noun (各団体 → 団体), a
    one-character noun made a word (自治会加入率 → 自治会) and each katakana piece was a word (ボランティア of
    ボランティアセンター), 55 of 473 and 59 of 378 were missed, and no fragment was mentioned; with those rules
    11 and 11 (the second set was written after the first three rules; 10 since a grammatical verb's stem with
    方 is a noun: 見方), and the fragments of borrowed
    katakana compounds are mentioned (オン, ライン, ホーム, ページ, ペット …: 5 and 8), the cost of the last
    rule. With the katakana pieces left unmentioned, 21 and 33 were missed and no fragment mentioned. The
    misses left are 同士, stop words (必要, 場合, 思う), dates and counters (前年度, 令和, 3地区) and term rules
    (見守り read as 見守る); 町内会ごとに行っている mentions 行う since 行っ is read by its context (11 missed before)."""
    total, missed, mentioned = mention_errors(file)
    assert total == said and sum(map(len, missed.values())) == misses, missed
    assert sum(map(len, mentioned.values())) == fragments, mentioned


def okonau_misses(file: str) -> tuple[int, list[str]]:
    """(sentences judged, ids where 行っ is not counted as the writer meant it): 行う must be a term where the
    writer meant to carry out, and never where the writer meant to go (行く is a term there, or no term at all
    where it is the auxiliary ていく)."""
    import pandas as pd

    from kyodo_analysis.terms import extract_terms
    from kyodo_analysis.tokens import tokenize

    lines = pd.read_csv(ROOT / "tests" / "gold" / file, sep="\t", dtype=str)
    lines = lines[lines["lemma"] != "?"]
    terms = extract_terms(tokenize(pd.DataFrame({"item_id": lines["id"], "text": lines["sentence"]})))
    verbs = {row.id: {t.removesuffix("(否定)") for t in terms.loc[terms["item_id"] == row.id, "term"]} & {"行う", "行く"}
             for row in lines.itertuples()}
    right = {row.id: verbs[row.id] == {"行う"} if row.lemma == "行う" else "行う" not in verbs[row.id]
             for row in lines.itertuples()}
    return len(lines), [i for i, ok in right.items() if not ok]


OKONAU_MISSES = {"okonau_heldout.tsv": (77, ["ok006", "ok014", "ok015", "ok018", "ok027", "ok033", "ok036", "ok045",
                                             "ok053", "ok067"]),
                 "okonau_heldout2.tsv": (67, ["oq032", "oq044", "oq047", "oq050", "oq052", "oq054", "oq056", "oq065"])}


@pytest.mark.parametrize("file", sorted(OKONAU_MISSES))
def test_itta_is_counted_as_carried_out_unless_the_words_before_say_going(file):
    """行っ, which UniDic reads as 行く (to go) wherever no を comes before it (毎年行っている, 自治会ごとに行っている),
    read by the words before it (units.carried_out_or_gone). A writer who did not see the rule wrote 80 sentences
    (3 ambiguous, left out): UniDic's reading counted 47 of 77 as meant, the rule 67 — in-sample, as the rule was
    written after reading this set's misses. A second writer, after the rule, wrote 70 (3 ambiguous): 50 of 67
    before, 59 after. The misses left are the auxiliary ていく written in kanji (広げて行っている), いく as "go
    well" or "reach" (順調に行っている, 納得が行った, 連絡が行っている), going with no destination said (直接行って),
    times UniDic does not mark as such (前年度に行った) and に of a person or a scope (老人クラブに行ってもらう)."""
    assert okonau_misses(file) == OKONAU_MISSES[file]


def test_a_tenth_writer_s_sentences_from_the_readme_alone():
    """A tenth set, written from the README alone in ten new fields (下水道, 選挙管理, 鳥獣被害対策, 献血推進, 市税収納,
    移住定住, 地域防犯, 食育推進, 市営霊園, 道路維持管理), expectations put down before any sentence was run: 59 of 60 when
    first measured. The miss, w4 (理解がまだ十分に得られていない: 十分(否定), 得る lost), was a real one: 得る bridged
    any predicate to its negator as the helping verb of possibility it is only right after a verb (起こり得ない) or, in
    kana, after て; it is now the verb "obtain" elsewhere (negation.obtains; g398–g402, one a counter-example)."""
    module = gold()
    lines = module.read_gold(ROOT / "tests" / "gold" / "terms_heldout10.tsv")
    figures, wrong = module.score(lines)
    assert len(lines) == 60 and not wrong and figures["all"]["negation_accuracy"] == 1.0
    w4 = next(line for line in lines if line.id == "w4")
    assert module.extracted([w4.sentence])[0] == ["下水道使用料", "改定", "市民", "理解", "十分", "得る(否定)"]


def test_the_readme_s_methods_sentence_gives_the_gold_set_s_own_figures():
    """The sentence the README offers for a methods section names the gold set's size and figures: computed here, so
    that adding gold sentences cannot leave it stale (it said 392 sentences when the set had 397)."""
    module = gold()
    figures, _ = module.score(module.read_gold())
    f = figures["all"]
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert (f"書いた {f['sentences']} 文の 金標準では {f['sentence_accuracy']:.1%} の文で" .replace("%", " %") in text)
    assert f"(語の適合率 {f['precision']:.1%}、再現率 {f['recall']:.1%}、否定の正解率 ".replace("%", " %") in text


def test_an_eleventh_writer_s_sentences_on_predicates_and_negation():
    """An eleventh set, written from the README alone on predicates and negation in six new fields (地域医療, 市営住宅,
    水産業振興, 成年後見, 公共施設再編, ふるさと納税), expectations put down before any sentence was run: 54 of 60 when first
    measured (90.0 %). Three misses were the rules': a negation lost through a helping verb (利用してもらえなかった,
    点検しておかないと), and ざる of 講じざるを得ない read as a word; with かかりつけ医 (a forced term) and a count before も
    (一件も, as 一人も), g403–g412. One expectation the writer withdrew (x14, 長期間放置 is one compound by rule 4). Left:
    x59, これまで between は and 一件もない."""
    module = gold()
    lines = module.read_gold(ROOT / "tests" / "gold" / "terms_heldout11.tsv")
    _, wrong = module.score(lines)
    assert len(lines) == 60 and [line.id for line, _ in wrong] == ["x59"]
    found = dict(zip(("x10", "x46", "x58"), module.extracted(
        [next(line.sentence for line in lines if line.id == key) for key in ("x10", "x46", "x58")]), strict=True))
    assert "利用(否定)" in found["x10"] and "点検(否定)" in found["x46"] and "ざる" not in found["x58"]
