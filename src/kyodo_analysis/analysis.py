"""The analyze stage: raw tables → every processed table, with metadata saying what produced them."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pandas as pd

from . import registry
from ._version import __version__
from .cells import item_prefix
from .cleaning import Table, clean_table
from .clusters import term_clusters
from .code_tests import code_table
from .coding import absent_everywhere, absent_rule_words, read_rules, words_of_rules
from .correspondence import correspondence
from .curation import candidate_compounds, rule_warnings, unknown_words, unused_forced_warnings, vocabularies
from .dtypes import python_strings, with_text_dtype
from .errors import InputError
from .manifest import Entry, ManifestRows, resolve_city, resolve_schema, resolve_sheet, resolve_year, sha256
from .network import cooccurrence
from .parallel import ITEM_TABLES, item_stages, on_every_core, one_beside, submitted
from .registry import Inputs
from .schema import Comparison, load_schema
from .spelling_variants import synonym_candidates
from .stats import distinctive_terms, effect_vs_limitation, keywords, word_counts
from .table_checks import (
    check_one_table_per_year,
    check_sheet,
    check_years,
    comparison_of,
    own_comparison,
    unnumbered_files,
    with_twins_across,
)
from .tables import output_tables
from .tidy import LOG_COLUMNS, item_columns, program_columns
from .tokens import dictionary_info
from .wordlists import empty_list_warnings, word_lists
from .years import cities_together_warning, keyword_trends, program_changes

T = TypeVar("T")


@dataclass
class Analysis:
    """All processed tables of one run, by file name, and the metadata describing how they were made."""

    tables: dict[str, pd.DataFrame]
    metadata: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Every table's text in the package's one storage (:mod:`.dtypes`), however it was made."""
        self.tables = {name: with_text_dtype(table) if isinstance(table, pd.DataFrame) else table
                       for name, table in self.tables.items()}

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name if name.endswith(".csv") else f"{name}.csv"]


def clean_all(paths: Sequence[str | Path], year: int | None = None, schema_path: str | Path | None = None,
              sheet: str | None = None) -> list[Table]:
    """Clean every table before anything is written, so that one bad file stops the whole run. Each
    table is read with ``schema_path`` or the schema its manifest row names, and gets the manifest's city.
    Several tables are analysed together only when each has a known year: years are never mixed. A
    workbook is read at ``sheet``, else at the sheet its manifest row names, else at its first sheet."""
    check_sheet(paths, sheet)
    stems: dict[str, Path] = {}
    for path in map(Path, paths):
        stem = item_prefix(path)
        if stem in stems and stems[stem] != path:
            raise InputError(path, f"{stems[stem].name} と名前 (拡張子を除き、空白を _ とみなして) が同じです。"
                             "項目IDが重なるため、一緒には分析できません。",
                             hint="どちらかのファイル名を変え、manifest add で登録し直してください。")
        stems[stem] = path
    rows = ManifestRows()
    tables = [clean_table(path, year=resolve_year(path, year, rows), schema=load_schema(resolve_schema(path, schema_path, rows)),
                          sheet=resolve_sheet(path, sheet, rows), city=resolve_city(path, rows)) for path in map(Path, paths)]
    check_years(tables)
    check_one_table_per_year(tables)
    return with_twins_across(tables)


def combined(tables: Sequence[Table]) -> dict[str, pd.DataFrame]:
    """The three tidy tables of all cleaned files, in file order; tables of other schemas add their
    aspects' counts and their attributes as columns (empty for the tables without them)."""
    aspects = list(dict.fromkeys(a for t in tables for a in t.schema.aspect_keys))
    attributes = list(dict.fromkeys(a for t in tables for a in t.schema.attributes))

    def concat(attr: str, columns: list[str]) -> pd.DataFrame:
        frames = [getattr(t, attr) for t in tables]
        return pd.concat(frames, ignore_index=True).reindex(columns=columns) if frames else pd.DataFrame(columns=columns)
    return {"items.csv": concat("items", item_columns(attributes)),
            "programs.csv": concat("programs", program_columns(aspects, attributes)),
            "cleaning_log.csv": concat("log", LOG_COLUMNS)}


def analyze(paths: Sequence[str | Path], year: int | None = None, schema: str | Path | None = None,
            forced: str | Path | None = None, stop: str | Path | None = None, synonyms: str | Path | None = None,
            codes: str | Path | None = None, by: str = "support_type", years: dict[str, int] | None = None,
            workers: int = 1) -> Analysis:
    """Clean every raw table, then tokens → terms → counts, keyness, codes, network and CA, comparing
    the groups of ``by`` (the support type, the city or any attribute of the schema); with ``workers`` > 1
    and a long text, the per-item stages (tokens to codes, :func:`parallel.item_stages`) on every core and
    :func:`statistics_beside` in a worker beside the counts and keyness."""
    return analyze_tables(clean_all(paths, year, schema), forced=forced, stop=stop, synonyms=synonyms, codes=codes, by=by,
                          years=years, workers=workers)


class Stopwatch:
    """Seconds per named stage, added to ``timings`` when one is given (the benchmark reads them)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings

    def __call__(self, name: str, action: Callable[[], T]) -> T:
        start = time.perf_counter()
        result = action()
        if self.timings is not None:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start
        return result


@python_strings()
def analyze_tables(cleaned: Sequence[Table], forced: str | Path | None = None, stop: str | Path | None = None,
                   synonyms: str | Path | None = None, codes: str | Path | None = None,
                   timings: dict[str, float] | None = None, by: str = "support_type",
                   years: dict[str, int] | None = None, workers: int = 1) -> Analysis:
    """The analysis of tables that were already cleaned (see :func:`analyze`); ``timings`` collects the
    seconds each stage took. Tokens, terms, mentions and codes are made in ``workers`` processes when the text
    is long enough, and the statistics beside the counts in one more (the same tables; a script calling this
    with ``workers > 1`` needs the usual ``if __name__ == "__main__":`` guard of process pools). With
    ``by="city"`` the groups are each city's latest table (or the year ``years`` chooses for it):
    :func:`compared_tables`."""
    stage = Stopwatch(timings)
    comparison = comparison_of(cleaned, by)
    compared = compared_tables(cleaned, by, years)
    lists = word_lists(forced, stop, synonyms)
    rules, rules_file = read_rules(codes, lists)
    tables = combined(cleaned)
    items = tables["items.csv"]
    tables.update(item_stages(items, lists, rules, stage, workers))
    token_frame, term_frame, mention_frame, item_codes = (tables[name] for name in ITEM_TABLES[:4])
    frame, city_years = comparison_frame(items, compared, by)
    codes_named = [r.code for r in rules]
    with one_beside(on_every_core(items, workers)) as pool:
        later = None if pool is None else submitted(pool, statistics_beside, term_frame, frame, item_codes, codes_named,
                                                    comparison)
        tables.update(stage("counts", lambda: {
            "keywords.csv": keywords(term_frame, frame, comparison),
            "word_counts.csv": word_counts(mention_frame, frame, comparison),
            "unknown_words.csv": unknown_words(token_frame, term_frame),
            "candidate_compounds.csv": candidate_compounds(term_frame, lists.forced),
            "synonym_candidates.csv": synonym_candidates(term_frame, token_frame, mention_frame)}))
        year_tables = stage("years", lambda: {"program_changes.csv": program_changes(
            tables["programs.csv"], items, unnumbered=unnumbered_files(cleaned)),
                                              "keyword_trends.csv": keyword_trends(term_frame, items, comparison)})
        tables.update(stage("keyness", lambda: keyness(term_frame, frame, comparison)))
        tables.update(statistics_beside(term_frame, frame, item_codes, codes_named, comparison, stage) if later is None
                      else stage("beside", later.result))
    tables.update(year_tables)
    tables.update({name: with_city_years(tables[name], city_years) for name in COMPARED_BY_YEAR})
    tables.update(registered_statistics(tables, frame, comparison, stage))
    words = vocabularies(items, term_frame, mention_frame)
    warnings = ([w for t in cleaned for w in t.warnings] + cities_together_warning(items, comparison) + empty_list_warnings(lists)
                + rule_warnings(rules, rules_file.source, words, {t.path.name: t.city for t in cleaned}, lists.stop)
                + years_unused(by, years)
                + unused_forced_warnings(lists, set().union(*words.values()), items["text"].tolist()))
    absent = {t.path.name: absent_rule_words(rules, words.get(t.path.name, set())) for t in cleaned}
    rules_used = {"source": rules_file.source, "sha256": rules_file.sha256, "words": len(words_of_rules(rules)),
                  "absent_words": len(absent_everywhere(absent.values()))}
    metadata = analysis_metadata(cleaned, lists, rules_used, tables, comparison, absent)
    if by == "city":
        metadata["compared"] = [{"city": t.city, "year": t.year, "file": t.path.name} for t in compared]
    return Analysis(tables, metadata, warnings)


COMPARED_BY_YEAR = ("keywords.csv", "word_counts.csv", "distinctive_terms.csv", "distinctive_aspects.csv",
                    "effect_vs_limitation.csv", "codes.csv")  # comparison tables: each city's rows get its year back


@python_strings()
def statistics_beside(term_frame: pd.DataFrame, items: pd.DataFrame, item_codes: pd.DataFrame, codes: list[str],
                      comparison: Comparison, stage: Stopwatch | None = None) -> dict[str, pd.DataFrame]:
    """The code tests, the network and the map of the items compared: statistics that read only the terms
    and codes, run in a worker process beside the counts and keyness when the text is long (the same
    tables; ``stage`` times each when they run in this process)."""
    stage = stage or Stopwatch(None)
    return {"codes.csv": stage("code_tests", lambda: code_table(item_codes, items, codes, comparison=comparison)),
            **stage("network_and_ca", lambda: network_and_map_by_year(term_frame, items, comparison))}


def registered_statistics(tables: dict[str, pd.DataFrame], items: pd.DataFrame, comparison: Comparison,
                          stage: Stopwatch) -> dict[str, pd.DataFrame]:
    """The statistics registered with a ``compute`` function, made from the tables of the built-in stages;
    a table made without a registry entry, or an entry left without its table, is a programming error."""
    made = {o.name: stage(o.stage, lambda o=o: o.compute(Inputs(tables, items, comparison)))
            for o in registry.outputs() if o.compute is not None}
    missing = set(registry.names()) ^ (set(tables) | set(made))
    if missing:
        raise RuntimeError(f"tables and registry.OUTPUTS disagree: {sorted(missing)}")
    return made


def years_unused(by: str, chosen: dict[str, int] | None) -> list[str]:
    """The warning that ``[analysis.years]`` chooses nothing: it picks each city's compared table only when the
    cities are compared (a KH Coder user's setting was ignored, silently)."""
    if not chosen or by == "city":
        return []
    return [f"設定ファイルの [analysis.years] ({', '.join(chosen)}) は使いません: 市町村を比べるとき (by = \"city\") "
            f"だけ、比べる年度を選びます。今は {by} で比べ、年度ごとのページと表がそれぞれの年度を示します。"]


def compared_tables(cleaned: Sequence[Table], by: str, chosen: dict[str, int] | None = None) -> list[Table]:
    """The tables whose groups are compared: all of them, or, comparing cities (``by="city"``), each city's
    latest table — or the one of the year ``chosen`` names for that city (``[analysis.years]`` in
    kyodo-analysis.toml). A city's years are never pooled: its other tables only enter the year tables."""
    if by != "city":
        return list(cleaned)
    found = list(dict.fromkeys(t.city for t in cleaned))
    chosen = dict(chosen or {})
    unknown = [city for city in chosen if city not in found]
    if unknown:
        raise InputError(None, f"[analysis.years] の市町村「{unknown[0]}」の表がありません (ある市町村: {', '.join(found)})。",
                         hint="設定ファイルの [analysis.years] には、表のある市町村名と年度を書いてください。")
    picked = []
    for city in found:
        own = [t for t in cleaned if t.city == city]
        years = sorted({t.year for t in own if t.year is not None})
        year = chosen.get(city, years[-1] if years else None)
        if year not in (years or [None]):
            raise InputError(None, f"[analysis.years] の {city} = {year} の表がありません "
                             f"(ある年度: {', '.join(map(str, years)) or '不明'})。",
                             hint="設定ファイルの [analysis.years] の年度を、その市町村の表のある年度にしてください。")
        picked += [t for t in own if t.year == year]
    return picked


def comparison_frame(items: pd.DataFrame, compared: Sequence[Table], by: str) -> tuple[pd.DataFrame, dict]:
    """The items whose groups are compared and, comparing cities of different years, each city's year.

    The comparison tables are made per year; cities of different years are compared in one frame whose
    year is empty (a row pooling cities has no one year), and :func:`with_city_years` gives each city's
    rows its own table's year back."""
    files = {t.path.name for t in compared}
    frame = items[items["source_file"].isin(files)].reset_index(drop=True)
    city_years = {t.city: t.year for t in compared}
    if by != "city" or len(set(city_years.values())) < 2:
        return frame, {}
    return frame.assign(year=pd.array([pd.NA] * len(frame), dtype="Int64")), city_years


def with_city_years(table: pd.DataFrame, city_years: dict) -> pd.DataFrame:
    """Each city's rows of a comparison table get its table's year back (see :func:`comparison_frame`);
    rows pooling cities keep none."""
    if not city_years or "city" not in table.columns or "year" not in table.columns:
        return table
    year = table["city"].map(city_years).astype("Int64")
    return table.assign(year=year.where(year.notna(), table["year"]))


def keyness(term_frame: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> dict[str, pd.DataFrame]:
    """Distinctive terms of each group and of each aspect (one against the others), and the positive and
    negative aspects side by side."""
    aspects = comparison.aspect_keys
    return {"distinctive_terms.csv": distinctive_terms(term_frame, items, comparison.by),
            "distinctive_aspects.csv": distinctive_terms(term_frame, items, "aspect", aspects),
            "effect_vs_limitation.csv": effect_vs_limitation(term_frame, items, comparison)}


def analysis_metadata(cleaned: Sequence[Table], lists, rules: dict, tables: dict[str, pd.DataFrame],
                      comparison: Comparison, absent: dict[str, list[tuple[str, str]]]) -> dict:
    """What produced the tables: package, raw files and their schemas, what was compared, dictionary, word
    lists, coding rules (``rules``: the file's source and checksum, how many words the rules name and how
    many of those occur in no item; ``absent``: the rule words each file's items lack); each table's shape."""
    rows = ManifestRows()
    return {
        "package": {"name": "kyodo-analysis", "version": __version__},
        "raw_files": [{"file": t.path.name, "sha256": sha256(t.path), "encoding": t.encoding, "year": t.year,
                       "city": t.city, "title": title_of(rows(t.path)), "source": source_of(rows(t.path)),
                       "schema": t.schema.source, "ignored_columns": list(t.ignored_columns),
                       "comparison": own_comparison(t, comparison.by).as_dict(),  # what a part of the tables compares
                       "absent_rule_words": [list(pair) for pair in absent[t.path.name]]} for t in cleaned],
        "comparison": comparison.as_dict(),
        "dictionary": dictionary_info(),
        "word_lists": lists.sources,
        "synonyms": dict(sorted(lists.synonyms.items())),
        "coding_rules": rules,
        "tables": {name: {"rows": len(frame), "columns": list(frame.columns)} for name, frame in output_tables(tables).items()},
    }


def title_of(entry: Entry | None) -> str | None:
    """The table's title as its manifest row records it (for the figures' source notes)."""
    return entry.title.strip() or None if entry is not None else None


def source_of(entry: Entry | None) -> str | None:
    """Where the table came from, as its manifest row records it."""
    return entry.source.strip() or None if entry is not None else None


def network_and_map_by_year(term_frame: pd.DataFrame, items: pd.DataFrame, comparison: Comparison
                            ) -> dict[str, pd.DataFrame]:
    """:func:`network_and_map` of each year's items apart, its year in each table's first column: the tables
    of two years are never one network or one map (items of no known year, or cities of different years
    compared, are one part with an empty year)."""
    parts = [(year, part) for year, part in items.groupby("year", dropna=False, sort=True)] or [(pd.NA, items)]
    made = [(year, network_and_map(term_frame, part, comparison)) for year, part in parts]
    return {name: pd.concat([with_year(tables[name], year) for year, tables in made], ignore_index=True)
            for name in made[0][1]}


def with_year(table: pd.DataFrame, year) -> pd.DataFrame:
    """``table`` with ``year`` (an integer, or missing) as its first column."""
    return pd.concat([pd.DataFrame({"year": pd.array([None if pd.isna(year) else int(year)] * len(table), dtype="Int64")}),
                      table.reset_index(drop=True)], axis=1)


def network_and_map(term_frame: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> dict[str, pd.DataFrame]:
    """The co-occurrence network, the correspondence analysis, and the cluster analysis and MDS of terms of
    the given items."""
    nodes, edges = cooccurrence(term_frame, items, link_to=comparison.by)
    ca_terms, ca_groups, ca_inertia = correspondence(term_frame, items, by=comparison.by, aspects=comparison.aspect_keys)
    return {"cooccurrence_nodes.csv": nodes, "cooccurrence_edges.csv": edges, "correspondence_terms.csv": ca_terms,
            "correspondence_groups.csv": ca_groups, "correspondence_inertia.csv": ca_inertia,
            **term_clusters(term_frame[term_frame["item_id"].isin(items["item_id"])])}
