"""The headings and explanations of the notebook pages and the Word summary's title and reading note,
in the words of the analysis' schema and groups.

:data:`NOTEBOOK_TEXT` holds the templates; :func:`notebook_text` fills them (the ``_unpaired`` variant
for a schema that marks no positive and negative aspects). Kept apart from :mod:`sentences`, which says
what the numbers show, because these texts say what a page is and how to read it.
"""

from __future__ import annotations

import pandas as pd

from .analysis import Analysis
from .clusters import none_chosen
from .labels import listed, per_group, pieces, sides_only, table_noun
from .schema import Comparison
from .sentences import groups_sentence, md
from .slices import for_year, page_years
from .stats import SIDES_MIN_PROGRAMS, Z_SHOWN, group_order
from .wordlists import is_packaged
from .years import trend_group_label

CODE_MEANING = ("「コード」は、項目に出てくる語の組み合わせ (コーディングルール) から付ける話題の見出しで、"
                "項目が何について書いているかを表します。良し悪しの判定ではありません。")

TERMS_COUNTED = ("数えるのは抽出語で、続く名詞をまとめた複合語は1語です (「地域住民」は「住民」に数えません)。"
                 "複合語の中の語も数えた数は word_counts.csv にあります。")
_UNIT = ("{by}は事業ごとに決まるので、比べる単位は事業です。まず「何事業のうち何事業」「何項目のうち何項目」を示し、"
         "検定は事業を単位にしたものだけを使います。")
_CLUSTERS = "## 語のクラスター分析と多次元尺度構成法\n\n"
NOTEBOOK_TEXT = {
    "items": "## {by} × 観点の項目数\n\n項目の数は記述の多さであって、成果や問題の大きさではありません。",
    "question": "**問い**: {table}は、{per}何を{pos}として挙げ、何を{neg}として挙げたか。\n\n{groups_sentence}" + _UNIT,
    "question_unpaired": "**問い**: {table}の {aspects} の記述は、{per}どう違うか。\n\n{groups_sentence}" + _UNIT,
    "sides": "## {pos}の語と{neg}の語\n\n右 (青) が「{pos_long}」、左 (赤) が「{neg_long}」に出てくる語で、"
             "棒の長さはその語を含む項目の数です。下の表は、{pos}で使った事業と{neg}で使った事業を合わせて"
             " {min_programs} 以上の語について、同じ事業が両方でその語を使ったかを数えたもの (事業を対にした数え方で、"
             "検定ではありません) です。",
    "sides_unpaired": "## 観点ごとの特徴語\n\nスキーマが肯定・否定の観点を指定していないため、各観点 ({aspects}) を"
                      "ほかの観点と比べた重み付き対数オッズ比 (Monroe ほか 2008 の一対残り) の z 値を示します。"
                      "語の出現を数えた記述の目安です。下の表は z ≧ {z} の語です (すべての語は distinctive_aspects.csv に"
                      "あります)。",
    "by_terms": "## {per_of}頻出語\n\n" + TERMS_COUNTED,
    "distinctive_single": "## 特徴語",  # one group: no 「区分ごと」; the sentence below says there is nothing to compare
    "distinctive": "## {by}ごとの特徴語\n\n各{by}を他の{by}と比べた重み付き対数オッズ比"
                   " (Monroe ほか 2008 の一対残り) の z 値です。"
                   "語の出現を数えた記述の目安です。",
    "codes": "## コード × {by}\n\n" + CODE_MEANING + "コーディングルールは KH Coder 形式です。{rules_note}"
             "表は「コードの項目がある事業数 / 事業数 (95% 信頼区間; Clopper–Pearson)・"
             "コードの項目数 / 項目数」で、観点はすべて合わせて数えます (観点の列の「全体」; 観点ごとの数は"
             "ワークブックの「コード×{by}(観点別)」シート)。{test_text}",
    "correspondence": "## 対応分析\n\n{correspondence_text}",
    "clusters": _CLUSTERS + "KH Coder の「階層的クラスター分析」と「多次元尺度構成法」にあたる図です。どちらも、同じ項目に"
                "出てくることの多い語ほど近いとみなします (語と語の距離は、出てくる項目の集合の 1 − Jaccard 係数)。"
                "樹形図は Ward 法で、色はクラスターです。MDS の図の点の色は樹形図と同じクラスターです。MDS で意味が"
                "あるのは点どうしの近さで、軸の向き (正負) は決めごとです。2 つの次元が表せるのは距離の一部 (割合は軸の"
                "見出し) なので、割合が小さいほど図の上の近さは目安にとどまります。どちらも語の出方だけから描いた図で、"
                "グループを比べる検定ではありません。",
    "clusters_none": _CLUSTERS + "{cluster_reason}ため、この表では語のクラスター分析と"
                     "多次元尺度構成法を行っていません (図はありません)。",
    "summary": "## まとめ: {compared}\n\n"
               "{table}の項目そのものを、コードごとに{pos}と{neg}を並べて示します。"
               "文は表の数字から自動で作ったもので、数字が示すこと以上は述べていません。{rules_note}",
    "summary_unpaired": "## まとめ: {compared}\n\n{table}の項目そのものを、"
                        "コードごとに観点を並べて示します。文は表の数字から自動で作ったもので、数字が示すこと以上は述べていません。"
                        "{rules_note}",
    "codes_by_year": "## 年度ごとのコード × {by}\n\n観点ごとに「コードの項目がある事業数 / その観点の項目がある事業数」を示します"
                     " (下の図と同じ数え方)。分母が小さいので、1事業の違いで割合が大きく動きます。{sides_only}",
    "term_changes": "## 増えた語・減った語\n\n前の年度と比べた重み付き対数オッズ比の z 値です (全{within}・全観点をまとめて)。"
                    "事業が追加・廃止されると、その事業の語がそのまま増減に表れます。",
    "year_changes": "## 年度の変化\n\n事業の追加・廃止・名称変更・番号変更 (事業は名称で対応づけます。番号の列がある表では、"
                    "番号は両方の年度のものを示します) と、各年度の{by}ごとの記述です。",
}


def rules_note(metadata: dict) -> str:
    """Said beside the codes when they come from the package's own rules: a starting point written for no one's
    table or question, so a group with no code may well write of the topic in other words."""
    if not is_packaged((metadata.get("coding_rules") or {}).get("source", "")):
        return ""
    return ("コードは同梱の既定のルール (codes.txt) で付けたもので、この表や研究の問いに合わせて書いたものではありません。"
            "コードが付かない項目も、その話題を書いていないとは限りません (自分のルールは --codes で指定します)。"
            + uneven_rules(metadata))


def absent_by_table(raw_files: list[dict]) -> list[tuple[str, int]]:
    """(the table's city, or its file when cities repeat or are missing; the rules' words none of its items
    holds) for each table the part analyses."""
    cities = [f.get("city") for f in raw_files]
    unique = all(cities) and len(set(cities)) == len(cities)
    return [(f["city"] if unique else f["file"], len(f["absent_rule_words"]))
            for f in raw_files if "absent_rule_words" in f]


def uneven_rules(metadata: dict) -> str:
    """「ルールの語のうち項目に出てこない語は 逗子市 1 語、架空市A 47 語で、…」 where tables compared fit the rules
    unequally (a newcomer: 0/5 of another city's cells read as a difference between the cities); "" otherwise."""
    absent = absent_by_table(metadata.get("raw_files", []))
    if len(absent) < 2 or len({n for _, n in absent}) < 2:
        return ""
    each = "、".join(f"{label} {n} 語" for label, n in absent)
    return (f"ルールの語のうちどの項目にも出てこない語は {each}で、表によってルールの当てはまり方が違います"
            " (コードの差には、書き方・語彙の違いも入ります)。")


def any_test_run(codes: pd.DataFrame) -> bool:
    """Whether any program-level test of the codes was run (codes.csv's ``test`` is "none" where not)."""
    return bool(len(codes)) and bool(((codes["test"].astype("string") != "none") & codes["p_holm"].notna()).any())


def _correspondence_text(by: str, n_groups: int) -> str:
    if n_groups < 2:
        return f"対応分析には 2 つ以上の{by}が必要です。この表の{by}は {pieces(n_groups)}なので、図はありません。"
    return (f"語と{by}を同じ平面に置いた対称マップです。一つの{by}にしか出ない語はその{by}の点より外側の"
            f"同じ点に並び、語と{by}の点の距離は直接には比べられません。{by}が {pieces(n_groups)}なので、"
            f"{n_groups - 1} 軸で慣性の 100% を説明します" + ("。図はそのうち第1・第2軸です。" if n_groups > 3 else "。"))


def group_count(analysis: Analysis) -> int:
    """How many groups the analysis sets side by side: the one count its headings, and the pages' choice of
    figures, go by (one group: nothing to compare, no figure that compares)."""
    return len(group_order(analysis["items"], Comparison.from_metadata(analysis.metadata).by))


def clusters_made(analysis: Analysis) -> bool:
    """Whether the terms' cluster analysis and MDS were made (enough terms in enough items): what the 3.0
    page's text and its choice of figures go by, as the methods paragraph does."""
    return not analysis["clusters"].empty


def clusters_text(analysis: Analysis) -> str:
    """The 3.0 page's cluster section: what the figures are, or that there are none and why."""
    if clusters_made(analysis):
        return notebook_text("clusters", analysis)
    return notebook_text("clusters_none", analysis, cluster_reason=none_chosen(analysis["terms"]))


def notebook_text(key: str, analysis: Analysis, **said: str) -> str:
    """A notebook's heading and explanation, in the words of the analysis' schema and groups (the
    ``_unpaired`` variant for a schema that marks no positive and negative aspects, the ``_single`` one
    where there is one group and so nothing to compare); ``said``: a text's own values, read only for it."""
    comparison = Comparison.from_metadata(analysis.metadata)
    by, n_groups = comparison.by_label, group_count(analysis)
    every = sides_in_every_table(analysis)  # the question is asked of every table
    if not (comparison.paired and (key != "question" or every)) and f"{key}_unpaired" in NOTEBOOK_TEXT:
        key = f"{key}_unpaired"
    if n_groups < 2 and f"{key}_single" in NOTEBOOK_TEXT:
        key = f"{key}_single"
    test_text = (f"{by}の差の検定は、{by}のラベルを事業に並べ替える並べ替え検定で、"
                 "検定したコード×観点に Holm 補正をかけています。" if any_test_run(analysis["codes"]) else "")
    table, per = table_noun(analysis.metadata), per_group(by, n_groups)
    values = dict(
        by=by, per=per, per_of=per_group(by, n_groups, "の"), groups_sentence=groups_sentence(analysis),
        aspects=listed(comparison.label(a) for a in comparison.aspect_keys),
        pos=comparison.side_label("positive"), neg=comparison.side_label("negative"),
        pos_long=comparison.side_label("positive", long=True), neg_long=comparison.side_label("negative", long=True),
        test_text=test_text, correspondence_text=_correspondence_text(by, n_groups), rules_note=rules_note(analysis.metadata),
        min_programs=str(SIDES_MIN_PROGRAMS), z=str(Z_SHOWN), **said,
        within=trend_group_label(comparison), sides_only=sides_only(comparison), table=table,
        compared=compared_said(comparison, table, per, every))
    return NOTEBOOK_TEXT[key].format(**{name: md(value) for name, value in values.items()})  # Markdown


def document_title(analysis: Analysis, parts: list[Analysis] | None = None) -> str:
    """The Word summary's title: the tables' own titles (the manifest's), then what it sets side by side —
    said only when every chapter (``parts``, by default a year's tables each: :func:`slices.for_year`) sets the
    same things side by side (one city's table of effects beside another's of ratings: no one clause is true of both)."""
    titles = list(dict.fromkeys(f["title"] for f in analysis.metadata.get("raw_files", []) if f.get("title")))
    source = "・".join(f"「{t}」" for t in titles) if titles else table_noun(analysis.metadata)
    parts = parts if parts is not None else [for_year(analysis, year) for year in page_years(analysis)]
    compared = {compared_clause(part) for part in parts}
    return f"{source}の計量テキスト分析" + (f": {compared.pop()}" if len(compared) == 1 else "")


def compared_clause(analysis: Analysis) -> str:
    """What one analysis sets side by side, as the summary page's heading and the Word title say it:
    市の表が区分ごとに効果として挙げたことと限界として挙げたこと, or, where the schema marks no positive and
    negative aspects, 市の表が分野ごとに挙げたこと (理由・意見)."""
    comparison = Comparison.from_metadata(analysis.metadata)
    return compared_said(comparison, table_noun(analysis.metadata), per_group(comparison.by_label, group_count(analysis)),
                         sides_in_every_table(analysis))


def sides_in_every_table(analysis: Analysis) -> bool:
    """Whether every table's schema marks a positive and a negative aspect: only then do a title and a question
    speak of both sides for all the tables (架空市B's 成果・課題 beside A's 理由・意見: they do not)."""
    own = [Comparison.from_dict(f["comparison"]).paired for f in analysis.metadata.get("raw_files", []) if f.get("comparison")]
    return Comparison.from_metadata(analysis.metadata).paired and all(own)


def compared_said(comparison: Comparison, table: str, per: str, paired: bool | None = None) -> str:
    """:func:`compared_clause` from its parts: the tables' noun (市の表) and the groups' phrase (区分ごとに, or none);
    ``paired`` false when only some of the tables' schemas mark a positive and a negative aspect."""
    said = f"{table}が{per}"
    if not (comparison.paired if paired is None else paired):
        return f"{said}挙げたこと ({listed(comparison.label(a) for a in comparison.aspect_keys)})"
    return f"{said}{comparison.side_label('positive')}として挙げたことと{comparison.side_label('negative')}として挙げたこと"


def document_intro(out_dir: str, metadata: dict) -> str:
    """The Word summary's reading note: the unit, where the numbers come from, and what a code is."""
    return (f"比べる単位は事業です。各文の数字は {out_dir} の表 (programs.csv, item_codes.csv, codes.csv) から計算したもので、"
            f"表が示すこと以上は述べていません。項目は{table_noun(metadata)}の記述そのままです。" + CODE_MEANING
            + rules_note(metadata))
