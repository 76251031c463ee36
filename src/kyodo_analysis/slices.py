"""Parts of an analysis: one year's, one city's, or the cities' compared tables, with the tables the
registry marks as recomputed made again from that part's rows (never sliced from the whole)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import pandas as pd

from . import registry
from .analysis import Analysis, network_and_map_by_year
from .code_tests import code_table
from .coding import absent_everywhere
from .curation import candidate_compounds, unknown_words
from .errors import InputError
from .labels import year_label
from .registry import Inputs
from .schema import Comparison
from .spelling_variants import synonym_candidates
from .years import cities, known_years, rows_of, year_cities


def part(analysis: Analysis, column: str, value, whole: tuple[str, ...] = ()) -> tuple[dict, pd.DataFrame, dict]:
    """The tables, items and metadata of one year or city: rows of ``column == value`` where a table has
    the column, else the rows of its items or files; the tables named in ``whole`` are kept whole. The
    part compares what its own tables hold (:func:`part_metadata`)."""
    items = rows_of(analysis["items"], column, value).reset_index(drop=True)
    ids, files = set(items["item_id"]), set(rows_of(analysis["programs"], column, value)["source_file"])
    metadata = part_metadata(analysis.metadata, files)

    def rows(name: str, frame: pd.DataFrame) -> pd.DataFrame:
        if name in whole:
            return frame
        if column in frame.columns:
            return rows_of(frame, column, value)
        if "item_id" in frame.columns:
            return frame[frame["item_id"].isin(ids)]
        return frame[frame["source_file"].isin(files)] if "source_file" in frame.columns else frame
    tables = part_tables(analysis, metadata, whole, rows)
    return tables, tables["items.csv"], metadata


def part_tables(analysis: Analysis, metadata: dict, whole: tuple[str, ...],
                rows: Callable[[str, pd.DataFrame], pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each table of ``analysis`` cut to a part's ``rows``, with the part's own aspects (:func:`own_aspects`)
    except in the tables kept ``whole``: one way for a year's, a city's and the compared tables' parts."""
    read = comparisons(metadata, analysis.metadata)
    return {name: (rows(name, frame) if name in whole else kept_aspects(rows(name, frame), *read)).reset_index(drop=True)
            for name, frame in analysis.tables.items()}


def part_metadata(metadata: dict, files: set[str]) -> dict:
    """The metadata of the part of an analysis made of ``files``: their entries of ``raw_files``, and the
    combination of their own comparisons (:meth:`Comparison.combined`), so that a year holding one city's
    table speaks of that table's aspects and columns, not of another city's schema analysed beside it."""
    raw_files = [f for f in metadata.get("raw_files", []) if f["file"] in files]
    own = [Comparison.from_dict(f["comparison"]) for f in raw_files if f.get("comparison")]
    narrowed = {"comparison": Comparison.combined(own).as_dict()} if own and len(own) == len(raw_files) else {}
    if raw_files and all("absent_rule_words" in f for f in raw_files) and metadata.get("coding_rules"):
        absent = absent_everywhere(f["absent_rule_words"] for f in raw_files)  # a rule word no item of the part holds
        narrowed["coding_rules"] = {**metadata["coding_rules"], "absent_words": len(absent)}
    return {**metadata, "raw_files": raw_files, **narrowed}


def own_aspects(frame: pd.DataFrame, metadata: dict, whole: dict) -> pd.DataFrame:
    """The rows of the part's own aspects (and the pooled ``all``), without the columns of the aspects and
    attributes only other tables' schemas have (``whole``: the analysis' metadata), and its aspects' counts in
    its own schema's order: what another schema leaves empty in this part is not the part's."""
    return kept_aspects(frame, *comparisons(metadata, whole))


def comparisons(metadata: dict, whole: dict) -> tuple[Comparison, Comparison] | tuple[()]:
    """The part's comparison and the whole analysis', read once for all of a part's tables (none for
    metadata of a version that kept no comparison per file)."""
    return (Comparison.from_metadata(metadata), Comparison.from_metadata(whole)) if "comparison" in metadata else ()


def kept_aspects(frame: pd.DataFrame, own: Comparison | None = None, every: Comparison | None = None) -> pd.DataFrame:
    """:func:`own_aspects` with the part's (``own``) and the whole's (``every``) comparisons already read."""
    if own is None or every is None:
        return frame
    others = [*(f"n_{key}" for key in every.aspect_keys if key not in own.aspect_keys),
              *(key for key in every.attributes if key not in own.attributes)]
    frame = frame.drop(columns=[c for c in others if c in frame.columns])
    counts = iter([f"n_{key}" for key in own.aspect_keys if f"n_{key}" in frame.columns])  # in the part's schema's order
    frame = frame[[next(counts) if c.startswith("n_") and c[2:] in own.aspect_keys else c for c in frame.columns]]
    return frame[frame["aspect"].isin({*own.aspect_keys, "all"})] if "aspect" in frame.columns else frame


def select_year(analysis: Analysis, year: int) -> Analysis:
    """One year's part of a multi-year analysis; the network and the map are recomputed for that year."""
    tables, items, metadata = part(analysis, "year", year, whole=registry.kept_whole("year"))
    tables.update(recomputed(analysis, tables, items, "year", Comparison.from_metadata(metadata)))
    return Analysis(tables, metadata, analysis.warnings)


def select_city(analysis: Analysis, city) -> Analysis:
    """One city's part of an analysis (for comparing its years); tables without a city are kept whole."""
    tables, items, metadata = part(analysis, "city", city, whole=registry.kept_whole("city"))
    tables.update(recomputed(analysis, tables, items, "city", Comparison.from_metadata(metadata)))
    return Analysis(tables, metadata, analysis.warnings)


def recomputed(analysis: Analysis, tables: dict[str, pd.DataFrame], items: pd.DataFrame,
               by: Literal["year", "city"], comparison: Comparison) -> dict[str, pd.DataFrame]:
    """The tables the registry marks as recomputed for one year's or city's part, made again from that
    part's rows: the network, the map, the clusters of its own terms; for a city, its own code table (codes.csv
    pools the cities of a year), tested over its own programs; a registered statistic by its ``compute``.
    ``comparison`` is the part's own (:func:`part_metadata`)."""
    entries = [o for o in registry.outputs() if getattr(o, by) == "recomputed"]
    made: dict[str, pd.DataFrame] = {}
    if any(o.stage == "network_and_ca" for o in entries):
        made |= network_and_map_by_year(tables["terms.csv"], items, comparison)
    if any(o.stage == "code_tests" for o in entries):
        made["codes.csv"] = code_table(tables["item_codes.csv"], items, list(dict.fromkeys(analysis["codes"]["code"])),
                                       comparison=comparison)
    if any(o.stage == "counts" for o in entries):
        made |= curation_of_part(tables, analysis)
    made |= {o.name: o.compute(Inputs(tables, items, comparison)) for o in entries if o.compute is not None}
    return {o.name: made[o.name] for o in entries}


def curation_of_part(tables: dict[str, pd.DataFrame], analysis: Analysis) -> dict[str, pd.DataFrame]:
    """The word-list reports of a part, from its own tokens, terms and mentions: what analysing its tables alone
    gives. A compound candidate of the part is one of the whole ``analysis``' candidates: the part counts at
    most as often, and the whole run's table already left out the words of the forced list."""
    terms, token_frame, mentions = tables["terms.csv"], tables["tokens.csv"], tables["mentions.csv"]
    candidates = candidate_compounds(terms, ())
    known = set(analysis["candidate_compounds"]["candidate"])
    return {"unknown_words.csv": unknown_words(token_frame, terms),
            "candidate_compounds.csv": candidates[candidates["candidate"].isin(known)].reset_index(drop=True),
            "synonym_candidates.csv": synonym_candidates(terms, token_frame, mentions)}


def for_city(analysis: Analysis, city=None) -> Analysis:
    """The part of an analysis whose years are compared: ``city``, or the first city whose tables span two
    years (else the first city: never the tables of several cities, whose years are not compared); the
    analysis itself when it holds one city."""
    if len(cities(analysis["items"])) < 2 and city is None:
        return analysis
    return select_city(analysis, chosen_city(analysis["items"], city))


def for_cities_of(whole: Analysis, page: Analysis) -> Analysis:
    """The part of ``whole`` holding the cities of ``page`` (one year's part): a page of one city quotes only that
    city's years (a newcomer: 葉山町's summary page ended with Zushi's year changes); ``whole`` when the page
    holds several cities or ``whole`` one."""
    own = cities(page["items"])
    return for_city(whole, own[0]) if len(own) == 1 and len(cities(whole["items"])) > 1 else whole


def chosen_city(items: pd.DataFrame, city=None):
    """The city :func:`for_city` takes: ``city`` ("" for the tables registered without a city), or the first
    whose tables span two years, else the first; an error naming the cities when the table has no such city."""
    found = cities(items)
    if city is None:
        city = (year_cities(items) or found)[0]
    if isinstance(city, str) and city == "":
        city = next((c for c in found if pd.isna(c)), city)
    if not any(same_city(c, city) for c in found):
        raise InputError(None, f"市町村「{city}」の表がありません (ある市町村: {', '.join(map(str, found))})。",
                         hint="CITY を表のある市町村名にするか、None にしてください。")
    return city


def same_city(a, b) -> bool:
    """Whether two cities are one: both missing (the tables registered without a city), or equal."""
    return bool(pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b)


def compared_part(analysis: Analysis) -> Analysis:
    """Comparing cities (``--by city``), the part of an analysis whose groups are compared: each city's
    compared table (``metadata["compared"]``), without its other years' items; else the analysis itself."""
    compared = analysis.metadata.get("compared")
    files = {c["file"] for c in compared or []}
    if not compared or files >= set(analysis["items"]["source_file"]):
        return analysis
    items = analysis["items"]
    ids = set(items.loc[items["source_file"].isin(files), "item_id"])
    metadata = part_metadata(analysis.metadata, files)

    def rows(name: str, frame: pd.DataFrame) -> pd.DataFrame:  # every table cut, the years' ones too
        if "source_file" in frame.columns:
            return frame[frame["source_file"].isin(files)]
        return frame[frame["item_id"].isin(ids)] if "item_id" in frame.columns else frame
    tables = part_tables(analysis, metadata, registry.kept_whole("year"), rows)
    tables.update(curation_of_part(tables, analysis))  # the compared tables' own words, as a year's part has
    return Analysis(tables, metadata, analysis.warnings)


def page_years(analysis: Analysis) -> list[int | None]:
    """The years the per-year figures and pages are made for: each year when there are several, else one
    page (``[None]``) — also when cities are compared, each with its own table's year."""
    years = known_years(analysis["items"])
    return years if len(years) > 1 and not analysis.metadata.get("compared") else [None]


def for_year(analysis: Analysis, year: int | None = None) -> Analysis:
    """The analysis of one year: ``year``, or the latest one when the tables span several years. Comparing
    cities, the cities' compared tables (each its own year: :func:`compared_part`) unless ``year`` is given."""
    if year is None and analysis.metadata.get("compared"):
        return compared_part(analysis)
    years = known_years(analysis["items"])
    if year is None:
        if len(years) < 2:
            return analysis
        year = years[-1]
    if year not in years:
        held = list(dict.fromkeys(year_label(y) for y in analysis["items"]["year"]))  # 年度不明 for a yearless table
        raise InputError(None, f"{year}年度の表がありません (ある表: {'、'.join(held) or 'なし'})。",
                         hint="YEAR を表のある年度にするか、None にしてください (年度不明の表は None で開き、年度は"
                              " kyodo-analysis manifest add 表のファイル --year 年度 で記録します)。")
    return select_year(analysis, year)
