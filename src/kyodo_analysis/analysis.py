"""The analyze stage: raw tables → every processed table, with metadata saying what produced them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__
from .cleaning import Table, clean_table
from .coding import code_items, code_table, read_rules
from .errors import InputError
from .manifest import resolve_year, sha256
from .schema import load_schema
from .stats import cooccurrence, correspondence, distinctive_terms, keywords
from .tables import read_csv, write_tables
from .tokens import candidate_compounds, dictionary_info, items_tokens_and_terms, unknown_words, word_lists
from .years import keyword_trends, known_years, program_changes

# The eight tables of the data contract, then the supporting tables figures and notebooks read.
MAIN_TABLES = ["items.csv", "programs.csv", "cleaning_log.csv", "tokens.csv", "terms.csv", "keywords.csv",
               "distinctive_terms.csv", "codes.csv"]
SUPPORT_TABLES = ["item_codes.csv", "unknown_words.csv", "candidate_compounds.csv", "cooccurrence_nodes.csv",
                  "cooccurrence_edges.csv", "correspondence_terms.csv", "correspondence_groups.csv",
                  "correspondence_inertia.csv", "program_changes.csv", "keyword_trends.csv"]
METADATA = "metadata.json"


@dataclass
class Analysis:
    """All processed tables of one run, by file name, and the metadata describing how they were made."""

    tables: dict[str, pd.DataFrame]
    metadata: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name if name.endswith(".csv") else f"{name}.csv"]


def clean_all(paths: Sequence[str | Path], year: int | None = None, schema_path: str | Path | None = None) -> list[Table]:
    """Clean every table before anything is written, so that one bad file stops the whole run."""
    schema = load_schema(schema_path)
    return [clean_table(Path(p), year=resolve_year(Path(p), year), schema=schema) for p in paths]


def combined(tables: Sequence[Table], items: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The three tidy tables of all cleaned files, in file order (``items``: their items, if already joined)."""
    def concat(attr: str) -> pd.DataFrame:
        return pd.concat([getattr(t, attr) for t in tables], ignore_index=True)
    return {"items.csv": concat("items") if items is None else items, "programs.csv": concat("programs"),
            "cleaning_log.csv": concat("log")}


def analyze(paths: Sequence[str | Path], year: int | None = None, schema: str | Path | None = None,
            forced: str | Path | None = None, stop: str | Path | None = None,
            codes: str | Path | None = None, workers: int = 1) -> Analysis:
    """Clean every raw table, then tokens → terms → counts, keyness, codes, network and CA.

    ``workers > 1`` runs the morphological analysis in that many processes (same tables)."""
    return analyze_tables(clean_all(paths, year, schema), forced=forced, stop=stop, codes=codes, workers=workers)


def analyze_tables(cleaned: Sequence[Table], forced: str | Path | None = None, stop: str | Path | None = None,
                   codes: str | Path | None = None, workers: int = 1) -> Analysis:
    """The analysis of tables that were already cleaned (see :func:`analyze`)."""
    lists = word_lists(forced, stop)
    rules, rules_source = read_rules(codes)
    items, token_frame, term_frame = items_tokens_and_terms(cleaned, lists, workers)
    tables = combined(cleaned, items)
    item_codes = code_items(rules, items, term_frame, token_frame)
    tables.update({
        "tokens.csv": token_frame, "terms.csv": term_frame, "keywords.csv": keywords(term_frame, items),
        "distinctive_terms.csv": distinctive_terms(term_frame, items),
        "codes.csv": code_table(item_codes, items, rules), "item_codes.csv": item_codes,
        "unknown_words.csv": unknown_words(token_frame),
        "candidate_compounds.csv": candidate_compounds(token_frame, term_frame, lists),
        **network_and_map(term_frame, items),
        "program_changes.csv": program_changes(tables["programs.csv"], items),
        "keyword_trends.csv": keyword_trends(term_frame, items),
    })
    codes_text = Path(codes).read_bytes() if codes else None
    metadata = {
        "package": {"name": "kyodo-analysis", "version": __version__},
        "raw_files": [{"file": t.path.name, "sha256": sha256(t.path), "encoding": t.encoding,
                       "year": None if t.programs["year"].isna().all() else int(t.programs["year"].dropna().iloc[0])}
                      for t in cleaned],
        "dictionary": dictionary_info(),
        "word_lists": {"forced_terms": {"source": lists.forced_source, "sha256": lists.forced_sha256},
                       "stop_words": {"source": lists.stop_source, "sha256": lists.stop_sha256}},
        "coding_rules": {"source": rules_source,
                         "sha256": hashlib.sha256(codes_text).hexdigest() if codes_text else _packaged_sha("codes.txt")},
        "tables": {name: {"rows": len(frame), "columns": list(frame.columns)} for name, frame in tables.items()},
    }
    return Analysis(tables, metadata, [w for t in cleaned for w in t.warnings])


def network_and_map(term_frame: pd.DataFrame, items: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The co-occurrence network and the correspondence analysis of the given items."""
    nodes, edges = cooccurrence(term_frame, items, link_to="support_type")
    ca_terms, ca_groups, ca_inertia = correspondence(term_frame, items, by="support_type")
    return {"cooccurrence_nodes.csv": nodes, "cooccurrence_edges.csv": edges, "correspondence_terms.csv": ca_terms,
            "correspondence_groups.csv": ca_groups, "correspondence_inertia.csv": ca_inertia}


def _packaged_sha(name: str) -> str:
    from importlib import resources

    return hashlib.sha256(resources.files("kyodo_analysis.resources").joinpath(name).read_bytes()).hexdigest()


def metadata_bytes(metadata: dict) -> bytes:
    return (json.dumps(metadata, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_analysis(analysis: Analysis, out_dir: str | Path) -> list[Path]:
    """Write every table and ``metadata.json`` to ``out_dir`` (all or nothing)."""
    return write_tables(out_dir, {**analysis.tables, METADATA: metadata_bytes(analysis.metadata)})


def load_analysis(out_dir: str | Path) -> Analysis:
    """Read the processed tables back (for notebooks and reports) with their metadata."""
    out_dir = Path(out_dir)
    tables = {name: read_csv(out_dir / name) for name in MAIN_TABLES + SUPPORT_TABLES if (out_dir / name).exists()}
    metadata_path = out_dir / METADATA
    metadata = json.loads(metadata_path.read_text(encoding="utf-8")) if metadata_path.exists() else {}
    return Analysis(tables, metadata)


def load_or_analyze(processed_dir: str | Path, raw_dir: str | Path) -> Analysis:
    """The processed tables if they were made from the current raw files by this version; else a fresh
    analysis of every raw table in memory (nothing is written)."""
    from .manifest import table_files

    paths = table_files(raw_dir)
    metadata_path = Path(processed_dir) / METADATA
    if metadata_path.exists():
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
        recorded = [(f["file"], f["sha256"]) for f in metadata.get("raw_files", [])]
        current = [(p.name, sha256(p)) for p in paths]
        complete = all((Path(processed_dir) / name).exists() for name in MAIN_TABLES + SUPPORT_TABLES)
        if recorded == current and metadata.get("package", {}).get("version") == __version__ and complete:
            return load_analysis(processed_dir)
    return analyze(paths)


def select_year(analysis: Analysis, year: int) -> Analysis:
    """One year's part of a multi-year analysis; the network and the map are recomputed for that year."""
    items = analysis["items"]
    items = items[items["year"] == year].reset_index(drop=True)
    ids = set(items["item_id"])
    files = set(analysis["programs"].loc[analysis["programs"]["year"] == year, "source_file"])
    tables: dict[str, pd.DataFrame] = {}
    for name, frame in analysis.tables.items():
        if name in ("program_changes.csv", "keyword_trends.csv", "unknown_words.csv", "candidate_compounds.csv"):
            tables[name] = frame
        elif "year" in frame.columns:
            tables[name] = frame[frame["year"] == year].reset_index(drop=True)
        elif "item_id" in frame.columns:
            tables[name] = frame[frame["item_id"].isin(ids)].reset_index(drop=True)
        elif "source_file" in frame.columns:
            tables[name] = frame[frame["source_file"].isin(files)].reset_index(drop=True)
    tables.update(network_and_map(tables["terms.csv"], items))
    metadata = {**analysis.metadata,
                "raw_files": [f for f in analysis.metadata.get("raw_files", []) if f["file"] in files]}
    return Analysis(tables, metadata, analysis.warnings)


def for_year(analysis: Analysis, year: int | None = None) -> Analysis:
    """The analysis of one year: ``year``, or the latest one when the tables span several years."""
    years = known_years(analysis["items"])
    if year is None:
        if len(years) < 2:
            return analysis
        year = years[-1]
    if year not in years:
        raise InputError(None, f"{year}年度の表がありません (ある年度: {', '.join(map(str, years)) or 'なし'})。",
                         hint="YEAR を表のある年度にするか、None にしてください。")
    return select_year(analysis, year)


def check_facts(analysis: Analysis, expect: dict) -> None:
    """Assert the key facts of a table (used inside the notebooks, so nbval checks more than "it ran")."""
    items, programs = analysis["items"], analysis["programs"]
    if "items" in expect:
        assert len(items) == expect["items"], f"項目数が {len(items)} 件です (期待: {expect['items']})"
    if "programs" in expect:
        assert len(programs) == expect["programs"], f"事業数が {len(programs)} 件です (期待: {expect['programs']})"
    if "support_types" in expect:
        found = list(dict.fromkeys(programs["support_type"]))
        assert found == expect["support_types"], f"区分が {found} です (期待: {expect['support_types']})"
    if "items_by_support_type_and_aspect" in expect:
        found = {f"{s}・{a}": int(n) for (s, a), n in items.groupby(["support_type", "aspect"]).size().items()}
        assert found == expect["items_by_support_type_and_aspect"], f"区分×観点の項目数が違います: {found}"
    assert programs["n_items"].sum() == len(items), "programs.csv の項目数の合計が items.csv の行数と一致しません"
    assert set(analysis["terms"]["item_id"]) <= set(items["item_id"]), "terms.csv に items.csv にない項目があります"
