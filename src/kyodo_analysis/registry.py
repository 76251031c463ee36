"""Every output table of a run, declared once: its file, the stage that computes it, its columns and their
types, whether it is token-level, how it is cut by year and by city, and whether it is a workbook sheet.

The pipeline checks the tables it made against these entries, the loader reads back exactly these
entries (with these types), the year and city slicers cut by them, and the workbook adds a sheet for
each entry that names one. A new statistic is one function and one :class:`Output` with ``compute``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import pandas as pd

from .dtypes import TEXT

DTYPES = {"s": TEXT, "i": "Int64", "f": "Float64", "b": "boolean"}


@dataclass(frozen=True)
class Inputs:
    """What a registered statistic is computed from: the tables made so far (by file name), the items
    whose groups are compared, and the comparison (its ``by`` names the group column)."""

    tables: dict[str, pd.DataFrame]
    items: pd.DataFrame
    comparison: object


@dataclass(frozen=True)
class Output:
    """One output table. ``spec`` lists the columns every run has, as ``name:type`` (s string, i Int64,
    f Float64, b boolean); ``open_columns`` says the schema or the data add more (aspects, attributes,
    axes), ``grouped`` that the compared group's column (``support_type``, ``city``, an attribute) is one.
    ``year`` / ``city``: how one year's or one city's part is made — its rows (``rows``: by the column,
    else by the items or files it holds), the table ``whole``, or ``recomputed`` by its stage.
    ``compute`` makes a statistic added after the built-in stages; ``sheet`` makes the table a workbook
    sheet under that name, with the Japanese headers of ``labels.HEADERS`` and ``headers``. ``figures``: the
    figures drawn from it (file names, ``{by}`` the compared group's column; a figure's caption in the Word
    summary names them); ``pages``: the notebooks whose numbers or words come from it (each page ends by
    naming them)."""

    name: str
    stage: str
    spec: str
    main: bool = False
    token: bool = False
    grouped: bool = False
    open_columns: bool = False
    year: Literal["rows", "whole", "recomputed"] = "rows"
    city: Literal["rows", "whole", "recomputed"] = "rows"
    compute: Callable[[Inputs], pd.DataFrame] | None = None
    sheet: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    figures: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()

    @property
    def columns(self) -> dict[str, str]:
        """The declared columns and their pandas dtypes, in order."""
        return {column: DTYPES[kind] for column, kind in (part.split(":") for part in self.spec.split())}

    @property
    def text_columns(self) -> list[str]:
        return [column for column, dtype in self.columns.items() if dtype == "string"]


CLEANING, KEYWORDS, GROUPS, YEARS, SUMMARY = "1.0-cleaning", "2.0-keywords", "3.0-support-types", "4.0-year-over-year", \
    "5.0-summary"  # the notebooks (pages), by file name without .ipynb
ALL_PAGES = (CLEANING, KEYWORDS, GROUPS, YEARS, SUMMARY)
SIDE_FIGURES = ("effect_vs_limitation_terms_by_{by}", "distinctive_terms_by_aspect")  # the schema decides which
# The reports for curating the word lists cover every table analysed together, since the word lists are the
# project's, shared by every year and city: a year's or a city's part keeps them whole, and says so.
CURATION = MappingProxyType({"year": "recomputed", "city": "recomputed"})  # a part's own words (its page's)
REMADE = MappingProxyType({"year": "recomputed", "city": "recomputed"})  # the network, map and clusters of a part's own terms

OUTPUTS: tuple[Output, ...] = (
    Output("items.csv", "clean",
           "item_id:s source_file:s source_line:i year:i city:s support_type:s program_no:i program:s aspect:s "
           "item_no:i text:s", main=True, open_columns=True,
           figures=(*SIDE_FIGURES, "distinctive_terms_by_{by}", "codes_by_{by}_heatmap", "cooccurrence_network",
                    "correspondence_analysis_map", "codes_by_year", "cooccurrence_changes"),
           pages=ALL_PAGES),
    Output("programs.csv", "clean",
           "source_file:s source_line:i year:i city:s support_type:s program_no:i program:s n_items:i",
           main=True, open_columns=True,
           figures=("items_by_{by}_and_aspect", "items_by_year"),
           pages=(CLEANING, GROUPS, YEARS, SUMMARY)),
    Output("cleaning_log.csv", "clean", "source_file:s line:i action:s category:s program_no:i note:s text:s", main=True,
           pages=(CLEANING,)),
    Output("tokens.csv", "items",
           "item_id:s token_no:i surface:s base:s lemma:s lemma_reading:s pos1:s pos2:s pos3:s is_unknown:b "
           "start:i", main=True, token=True, pages=(KEYWORDS, SUMMARY)),
    Output("terms.csv", "items", "item_id:s term:s pos:s negated:b first_token_no:i last_token_no:i", main=True, token=True,
           figures=("cooccurrence_changes",),
           pages=(KEYWORDS, GROUPS, SUMMARY)),
    Output("keywords.csv", "counts", "year:i aspect:s term:s n:i n_items:i n_programs:i", main=True, grouped=True,
           figures=("effect_vs_limitation_terms_by_{by}",),
           pages=(GROUPS, SUMMARY)),
    Output("distinctive_terms.csv", "keyness",
           "year:i term:s n_group:i n_rest:i programs_group:i programs_rest:i log_odds:f z:f", main=True, grouped=True,
           figures=("distinctive_terms_by_{by}",),
           pages=(GROUPS,)),
    Output("codes.csv", "code_tests",
           "year:i code:s aspect:s n_items:i n_total:i share:f n_programs:i programs_total:i ci_low:f ci_high:f "
           "chi2:f min_p:f p_value:f p_holm:f test:s n_labellings:i min_p_holm:f "
           "correction:s", main=True, grouped=True, city="recomputed",
           figures=("codes_by_{by}_heatmap", "codes_by_year"),
           pages=ALL_PAGES),
    Output("mentions.csv", "items", "item_id:s word:s term:s", token=True, pages=(KEYWORDS,)),
    Output("word_counts.csv", "counts", "year:i all_groups:b aspect:s word:s n:i n_items:i n_programs:i", grouped=True,
           pages=(KEYWORDS, GROUPS)),
    Output("distinctive_aspects.csv", "keyness",
           "year:i aspect:s term:s n_group:i n_rest:i programs_group:i programs_rest:i log_odds:f z:f",
           figures=("distinctive_terms_by_aspect",),
           pages=(GROUPS, SUMMARY)),
    Output("effect_vs_limitation.csv", "keyness",
           "year:i term:s programs:i programs_paired:i programs_effect:i programs_limitation:i programs_both:i items_effect:i "
           "items_limitation:i", grouped=True, pages=(GROUPS,)),
    Output("item_codes.csv", "codes", "item_id:s code:s negated:b", pages=(KEYWORDS, GROUPS, YEARS, SUMMARY)),
    Output("unknown_words.csv", "counts", "surface:s n:i n_items:i example_item_id:s", **CURATION, pages=(KEYWORDS,)),
    Output("candidate_compounds.csv", "counts", "candidate:s kind:s n:i n_items:i", **CURATION, pages=(KEYWORDS,)),
    Output("cooccurrence_nodes.csv", "network_and_ca",
           "year:i node:s kind:s n_units:i community:i x:f y:f community_louvain:i degree_centrality:f betweenness:f",
           **REMADE, figures=("cooccurrence_network",), pages=(GROUPS,)),
    Output("cooccurrence_edges.csv", "network_and_ca",
           "year:i source:s target:s kind:s n_both:i jaccard:f dice:f simpson:f cosine:f mst:b item_ids:s", **REMADE,
           figures=("cooccurrence_network",),
           pages=(GROUPS, SUMMARY)),
    Output("correspondence_terms.csv", "network_and_ca", "year:i term:s n:i chi2:f top_n:i min_count:i dim1:f",
           open_columns=True, **REMADE,
           figures=("correspondence_analysis_map",),
           pages=(GROUPS, SUMMARY)),
    Output("correspondence_groups.csv", "network_and_ca", "year:i group:s n:i dim1:f", open_columns=True, **REMADE,
           figures=("correspondence_analysis_map",),
           pages=(GROUPS, SUMMARY)),
    Output("correspondence_inertia.csv", "network_and_ca", "year:i axis:s inertia:f share:f", **REMADE,
           figures=("correspondence_analysis_map",),
           pages=(GROUPS, SUMMARY)),
    Output("program_changes.csv", "years",
           "city:s program_no:i program:s support_type:s status:s first_year:i last_year:i previous_name:s "
           "previous_no:i previous_support_type:s first_no:i first_name:s", year="whole", figures=("program_changes",),
           pages=(YEARS, SUMMARY)),
    Output("keyword_trends.csv", "years",
           "city:s year:i all_groups:b support_type:s aspect:s term:s n:i n_items:i n_programs:i prev_year:i n_prev:i "
           "log_odds_vs_prev:f z_vs_prev:f", year="whole", figures=("terms_rising_and_falling",), pages=(YEARS,)),
    Output("clusters.csv", "network_and_ca",
           "year:i method:s term:s n_items:i cluster:i leaf_order:i min_items:i n_clusters:i n_clusters_asked:i", **REMADE,
           figures=("term_clusters_dendrogram",), pages=(GROUPS, SUMMARY)),
    Output("cluster_merges.csv", "network_and_ca",
           "year:i method:s step:i left:i right:i left_label:s right_label:s height:f size:i", **REMADE,
           figures=("term_clusters_dendrogram",), pages=(GROUPS,)),
    Output("mds.csv", "network_and_ca", "year:i term:s n_items:i dim1:f dim2:f cluster:i min_items:i", **REMADE,
           figures=("term_mds_map",), pages=(GROUPS,)),
    Output("mds_axes.csv", "network_and_ca", "year:i axis:s eigenvalue:f share:f", **REMADE, figures=("term_mds_map",),
           pages=(GROUPS,)),
    Output("synonym_candidates.csv", "counts",
           "kind:s word:s variant:s reading:s n_items_word:i n_items_variant:i status:s synonyms_line:s "
           "items_word:s items_variant:s", **CURATION, pages=(KEYWORDS,)),
    Output("code_evidence.csv", "codes",
           "item_id:s year:i program_no:i program:s aspect:s code:s word:s found_as:s term:s negated:b "
           "condition:s"),
)
METADATA = "metadata.json"


def outputs() -> tuple[Output, ...]:
    """The registered outputs, in the order they are read (the data contract's eight tables first)."""
    return OUTPUTS


def output(name: str) -> Output:
    """The entry of ``name`` (``keywords`` or ``keywords.csv``)."""
    name = name if name.endswith(".csv") else f"{name}.csv"
    for entry in outputs():
        if entry.name == name:
            return entry
    raise KeyError(name)


def names(main: bool | None = None, token: bool | None = None) -> list[str]:
    """The registered file names, optionally only the main (or supporting) and token-level ones."""
    return [o.name for o in outputs() if (main is None or o.main == main) and (token is None or o.token == token)]


def figure_tables(figure: str, by: str) -> list[str]:
    """The tables a figure is drawn from (``figure`` without a year's or city's suffix)."""
    return [o.name for o in outputs() if figure in (f.format(by=by) for f in o.figures)]


def page_tables(page: str) -> list[str]:
    """The tables a notebook's numbers and words come from (``page``: its file name without .ipynb)."""
    return [o.name for o in outputs() if page in o.pages]


def kept_whole(by: Literal["year", "city"]) -> tuple[str, ...]:
    """The tables one year's (or city's) part keeps whole."""
    return tuple(o.name for o in outputs() if getattr(o, by) == "whole")


def with_declared_types(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A table read back, its declared columns given their declared types (an empty column, or one whose
    numbers all happen to be whole, is read back as the type it was written with)."""
    try:
        declared = output(name).columns
    except KeyError:
        return frame
    cast = {c: t for c, t in declared.items() if c in frame.columns and str(frame[c].dtype) != t}
    return frame.astype(cast) if cast else frame
