"""The raw-data manifest (one row per raw file) and the fiscal year of each table."""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ["file", "city", "title", "fiscal_year", "source", "sha256"]
TABLE_SUFFIXES = (".tsv", ".txt", ".csv")

_ERAS = {"R": 2018, "令和": 2018, "H": 1988, "平成": 1988}
_ERA_YEAR = re.compile(r"(?<![A-Za-z])(?P<era>令和|平成|R|H)(?P<n>元|\d{1,2})(?!\d)")
_GREGORIAN = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)(?!\d)")


def year_from_name(name: str) -> int | None:
    """The Gregorian fiscal year in a file name: 2024, R6 / 令和6, H30 / 平成30 (元 = 1)."""
    name = unicodedata.normalize("NFKC", name)
    match = _GREGORIAN.search(name)
    if match:
        return int(match["y"])
    match = _ERA_YEAR.search(name)
    if match:
        n = 1 if match["n"] == "元" else int(match["n"])
        return _ERAS[match["era"]] + n
    return None


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Entry:
    file: str
    city: str
    title: str
    fiscal_year: int | None
    source: str
    sha256: str


def read_manifest(raw_dir: str | Path) -> list[Entry] | None:
    """The manifest's rows, or None when the directory has no manifest."""
    path = Path(raw_dir) / MANIFEST_NAME
    if not path.exists():
        return None
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(path, f"マニフェストに列がありません: {', '.join(missing)}", line=1,
                             hint=f"1行目は {','.join(MANIFEST_COLUMNS)} にしてください。")
        entries = []
        for row in reader:
            year = (row["fiscal_year"] or "").strip()
            if year and not year.isdigit():
                raise InputError(path, f"fiscal_year が西暦の数字ではありません: {year}", line=reader.line_num,
                                 hint="年度は 2024 のように西暦で書くか、不明なら空欄にしてください。")
            entries.append(Entry(row["file"].strip(), row["city"], row["title"], int(year) if year else None,
                                 row["source"], row["sha256"].strip()))
    return entries


def table_files(raw_dir: str | Path) -> list[Path]:
    """The tables in a raw directory: the manifest's files, or every table file when there is none."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError(raw_dir, "生データのディレクトリがありません。", hint="--raw-dir を確認してください。")
    entries = read_manifest(raw_dir)
    if entries is not None:
        return [raw_dir / e.file for e in entries]
    return sorted(p for p in raw_dir.iterdir() if p.suffix.lower() in TABLE_SUFFIXES and p.name != MANIFEST_NAME)


def resolve_year(path: Path, year: int | None = None) -> int | None:
    """--year wins; else the manifest beside the file; else the file name; else unknown."""
    if year is not None:
        return year
    entries = read_manifest(path.parent) or []
    for entry in entries:
        if entry.file == path.name:
            if entry.fiscal_year is not None:
                return entry.fiscal_year
            break
    return year_from_name(path.stem)


def write_manifest(raw_dir: str | Path, entries: list[Entry]) -> Path:
    """Write the manifest (UTF-8 with BOM for Excel, LF line ends), replacing it only when complete."""
    path = Path(raw_dir) / MANIFEST_NAME
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(MANIFEST_COLUMNS)
        for e in entries:
            writer.writerow([e.file, e.city, e.title, "" if e.fiscal_year is None else e.fiscal_year, e.source, e.sha256])
    tmp.replace(path)
    return path


def add_to_manifest(path: str | Path, year: int | None, city: str | None = None, title: str | None = None,
                    source: str | None = None) -> tuple[Entry, bool]:
    """Add (or update) a raw file's row in the manifest beside it, with its SHA-256 computed here.

    City and title default to those of the manifest's last row. Returns the entry and whether it replaced
    an existing row.
    """
    path = Path(path)
    entries = read_manifest(path.parent) or []
    last = entries[-1] if entries else None
    city = city if city is not None else (last.city if last else "")
    title = title if title is not None else (last.title if last else "")
    if not city or not title:
        raise InputError(path, "マニフェストの最初の行なので、市町村名と表題が必要です。",
                         hint='--city 逗子市 --title "これまでの取り組みに係る協働の成果等" のように指定してください。')
    entry = Entry(path.name, city, title, year, source or "", sha256(path))
    replaced = any(e.file == path.name for e in entries)
    entries = [entry if e.file == path.name else e for e in entries] if replaced else [*entries, entry]
    write_manifest(path.parent, entries)
    return entry, replaced
