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
from .manifest import resolve_year, sha256
from .schema import load_schema
from .stats import cooccurrence, correspondence, distinctive_terms, keywords
from .tables import read_csv, write_tables
from .tokens import candidate_compounds, dictionary_info, terms, tokens, unknown_words, word_lists

# The eight tables of the data contract, then the supporting tables figures and notebooks read.
MAIN_TABLES = ["items.csv", "programs.csv", "cleaning_log.csv", "tokens.csv", "terms.csv", "keywords.csv",
               "distinctive_terms.csv", "codes.csv"]
SUPPORT_TABLES = ["item_codes.csv", "unknown_words.csv", "candidate_compounds.csv", "cooccurrence_nodes.csv",
                  "cooccurrence_edges.csv", "correspondence_terms.csv", "correspondence_groups.csv",
                  "correspondence_inertia.csv"]
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


def combined(tables: Sequence[Table]) -> dict[str, pd.DataFrame]:
    """The three tidy tables of all cleaned files, in file order."""
    def concat(attr: str) -> pd.DataFrame:
        return pd.concat([getattr(t, attr) for t in tables], ignore_index=True)
    return {"items.csv": concat("items"), "programs.csv": concat("programs"), "cleaning_log.csv": concat("log")}


def analyze(paths: Sequence[str | Path], year: int | None = None, schema: str | Path | None = None,
            forced: str | Path | None = None, stop: str | Path | None = None,
            codes: str | Path | None = None) -> Analysis:
    """Clean every raw table, then tokens → terms → counts, keyness, codes, network and CA."""
    return analyze_tables(clean_all(paths, year, schema), forced=forced, stop=stop, codes=codes)


def analyze_tables(cleaned: Sequence[Table], forced: str | Path | None = None, stop: str | Path | None = None,
                   codes: str | Path | None = None) -> Analysis:
    """The analysis of tables that were already cleaned (see :func:`analyze`)."""
    tables = combined(cleaned)
    items = tables["items.csv"]
    lists = word_lists(forced, stop)
    rules, rules_source = read_rules(codes)
    token_frame = tokens(items)
    term_frame = terms(token_frame, lists)
    item_codes = code_items(rules, items, term_frame, token_frame)
    nodes, edges = cooccurrence(term_frame, items, link_to="support_type")
    ca_terms, ca_groups, ca_inertia = correspondence(term_frame, items, by="support_type")
    tables.update({
        "tokens.csv": token_frame, "terms.csv": term_frame, "keywords.csv": keywords(term_frame, items),
        "distinctive_terms.csv": distinctive_terms(term_frame, items),
        "codes.csv": code_table(item_codes, items, rules), "item_codes.csv": item_codes,
        "unknown_words.csv": unknown_words(token_frame),
        "candidate_compounds.csv": candidate_compounds(token_frame, term_frame, lists),
        "cooccurrence_nodes.csv": nodes, "cooccurrence_edges.csv": edges,
        "correspondence_terms.csv": ca_terms, "correspondence_groups.csv": ca_groups,
        "correspondence_inertia.csv": ca_inertia,
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


def load_or_analyze(processed_dir: str | Path, raw_dir: str | Path, year: int | None = None) -> Analysis:
    """The processed tables if they were made from the current raw files by this version; else a fresh
    analysis in memory (nothing is written). With ``year``, only that year's tables are analysed."""
    from .manifest import table_files

    paths = table_files(raw_dir)
    if year is not None:
        paths = [p for p in paths if resolve_year(p) == year]
        return analyze(paths)
    metadata_path = Path(processed_dir) / METADATA
    if metadata_path.exists():
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
        recorded = [(f["file"], f["sha256"]) for f in metadata.get("raw_files", [])]
        current = [(p.name, sha256(p)) for p in paths]
        complete = all((Path(processed_dir) / name).exists() for name in MAIN_TABLES + SUPPORT_TABLES)
        if recorded == current and metadata.get("package", {}).get("version") == __version__ and complete:
            return load_analysis(processed_dir)
    return analyze(paths)


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
