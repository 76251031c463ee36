"""The raw-data manifest (one row per raw file) and the fiscal year of each table."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shlex
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, control_character, os_error, unusable
from .labels import pieces
from .readers import TABLE_SUFFIXES
from .wordlists import decode_text

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ["file", "city", "title", "fiscal_year", "source", "sha256"]
YEAR_RANGE = range(1900, 2101)

_ERAS = {"R": 2018, "令和": 2018, "H": 1988, "平成": 1988}
_ERA_YEAR = re.compile(r"(?<![A-Za-z])(?P<era>令和|平成|R|H)(?P<n>元|0?[1-9]\d?)(?!\d)")  # R07 as R7; no 令和0年
# a year followed by a month (2024年3月時点, 2024-03-31, 2024.3) is a date, not the table's fiscal year (a hostile tester)
_GREGORIAN = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)(?!\d)(?!年\d{1,2}月)(?![-./]\d{1,2}(?!\d))")


def years_in_name(name: str) -> list[int]:
    """Every Gregorian fiscal year a file name writes, in order, once each: 2024, R6 / 令和6, H30 / 平成30 (元 = 1)."""
    name = unicodedata.normalize("NFKC", name)
    found = [int(m["y"]) for m in _GREGORIAN.finditer(name)]
    found += [_ERAS[m["era"]] + (1 if m["n"] == "元" else int(m["n"])) for m in _ERA_YEAR.finditer(name)]
    return list(dict.fromkeys(found))


def year_from_name(name: str) -> int | None:
    """The fiscal year of a file name when it writes one (協働_2025_R7 writes one); None when it writes none, or two
    (kyodo_R7_copy2018 took 2018 without a word: a hostile tester)."""
    years = years_in_name(name)
    return years[0] if len(years) == 1 else None


def sha256(path: Path) -> str:
    """The file's SHA-256, read in pieces (a raw file is never held whole in memory for it)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Entry:
    file: str
    city: str
    title: str
    fiscal_year: int | None
    source: str
    sha256: str
    extra: dict[str, str] = field(default_factory=dict, compare=False)  # the researcher's own columns, kept


def _manifest_error(path: Path, message: str, line: int | None = None) -> InputError:
    return InputError(path, message, line=line,
                      hint=f"manifest.csv は 1行目が {','.join(MANIFEST_COLUMNS)} (ほかの列は自由)、1行に1ファイルです。"
                      "`kyodo-analysis manifest add ファイル` で作り直すこともできます。")


def check_year(year: int | None, path: str | Path | None = None) -> int | None:
    """A fiscal year given on the command line: a Gregorian year in 1900–2100, or None."""
    if year is not None and year not in YEAR_RANGE:
        raise InputError(path, f"--year {year} は西暦の年度ではありません ({YEAR_RANGE.start}〜{YEAR_RANGE.stop - 1})。",
                         hint="--year 2025 のように4桁の西暦で指定してください (和暦なら R7 か 令和7年度 と書けます)。")
    return year


def _year(path: Path, text: str, line: int) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and int(text) in YEAR_RANGE):
        raise InputError(path, f"fiscal_year が西暦の年度ではありません: {text[:20]}", line=line,
                         hint="年度は 2024 のように半角数字の西暦で書くか、不明なら空欄にしてください。")
    return int(text)


def _plain_text(path: Path, line: int | None, fields: dict[str, str | None]) -> None:
    """City and title are one line of text each (they head figures and reports): a control character is
    refused where it is entered."""
    for key in ("city", "title"):
        found = control_character(fields.get(key) or "", one_line=True)
        if found:
            raise InputError(path, f"{key} に{unusable(found.group())} があります。", line=line,
                             hint="市町村名と表題は改行や制御文字を含まない1行の文字にしてください。")


def read_manifest(raw_dir: str | Path) -> list[Entry] | None:
    """The manifest's rows, or None when the directory has no manifest. Every row names a file of the
    raw folder itself, once; a problem is an InputError naming the line."""
    path = Path(raw_dir) / MANIFEST_NAME
    if not path.exists():
        return None
    if path.is_dir():
        raise _manifest_error(path, "manifest.csv がフォルダです。")
    reader = csv.DictReader(io.StringIO(decode_text(path, path.read_bytes(), "マニフェスト"), newline=""))
    missing = [c for c in MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise _manifest_error(path, f"マニフェストに列がありません: {', '.join(missing)}", line=1)
    twice = [c for c in dict.fromkeys(reader.fieldnames) if reader.fieldnames.count(c) > 1]
    if twice:  # a second column of one name would be lost when the manifest is written again
        raise _manifest_error(path, f"見出し「{twice[0]}」の列が2つあります。", line=1)
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        values = [v for k, v in row.items() if k is not None] + list(row.get(None) or [])
        if not any((value or "").strip() for value in values):
            continue  # a blank row Excel leaves (,,,,,,): nothing to read, however many commas
        if None in row or None in row.values():
            raise _manifest_error(path, "列の数が見出しと違う行です。", line)
        name = row["file"].strip()
        if not name or Path(name).name != name or name in (".", ".."):
            raise InputError(path, f"file は生データのフォルダの中のファイル名だけにしてください: {name[:60]}", line=line,
                             hint="フォルダ名や ../ を含めず、data/raw/ に置いたファイルの名前だけを書きます。")
        if name in seen:
            raise _manifest_error(path, f"{name} が2回出てきます ({seen[name]}行目と{line}行目)。", line)
        seen[name] = line
        extra = {k: v for k, v in row.items() if k not in MANIFEST_COLUMNS}
        _plain_text(path, line, row)
        entries.append(Entry(name, row["city"], row["title"], _year(path, row["fiscal_year"], line), row["source"],
                             row["sha256"].strip().lower(), extra))  # Get-FileHash prints it in capitals
    return entries


def table_files(raw_dir: str | Path) -> list[Path]:
    """The tables in a raw directory: the manifest's files, or every table file when there is none."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError(raw_dir, "生データのディレクトリがありません。", hint="--raw-dir を確認してください。")
    entries = read_manifest(raw_dir)
    if entries is not None:
        return [raw_dir / e.file for e in entries]
    return tables_in(raw_dir)


def tables_in(raw_dir: Path) -> list[Path]:
    """The files of a folder that are tables by their suffix (.tsv, .csv, .xlsx …), sorted."""
    return sorted(p for p in raw_dir.iterdir() if p.suffix.lower() in TABLE_SUFFIXES and p.is_file())


def check_checksums(raw_dir: str | Path) -> None:
    """Every file of the manifest exists and has the SHA-256 recorded there (raw data is never edited), and
    every table file of the folder is in the manifest: a table put beside the others and not registered
    would otherwise be left out of the analysis without a word."""
    raw_dir = Path(raw_dir)
    entries = read_manifest(raw_dir)
    listed = {e.file for e in entries or []}
    unlisted = [p for p in tables_in(raw_dir)
                if p.name not in {*listed, MANIFEST_NAME} and not p.name.startswith(("~$", "."))]  # ~$: Excel's lock
    if entries is not None and unlisted:
        raise InputError(raw_dir / MANIFEST_NAME, f"{unlisted[0].name} は生データのフォルダにありますが、マニフェストに"
                         "ありません (登録されていない表は分析されません)。",
                         hint=f"分析するなら `kyodo-analysis manifest add {shlex.quote(str(unlisted[0]))}"
                         + (" --city 市町村名" if len({e.city for e in entries}) > 1 else "")
                         + "` で登録し、しないなら生データのフォルダの外に移してください。")
    for entry in entries or []:
        path = raw_dir / entry.file
        if not path.is_file():
            raise InputError(raw_dir / MANIFEST_NAME, f"{entry.file} がマニフェストにありますが、ファイルがありません。",
                             hint="ファイルを data/raw/ に戻すか、manifest.csv からその行を消してください。")
        if sha256(path) != entry.sha256:
            raise InputError(path, "生データがマニフェストの SHA-256 と一致しません (記録の後に変更されています)。",
                             hint=f"意図した変更なら `kyodo-analysis manifest add {shlex.quote(str(path))}` で"
                             "記録し直してください。"
                             "そうでなければ元のファイルに戻してください。")


def entry_for(path: Path) -> Entry | None:
    """The manifest row of a raw file (from the manifest beside it), if there is one."""
    return next((e for e in read_manifest(path.parent) or [] if e.file == path.name), None)


class ManifestRows:
    """:func:`entry_for` over many files, each folder's manifest read once: one run over a national
    folder of thousands of tables reads its manifest once, not once per table and question."""

    def __init__(self) -> None:
        self._folders: dict[Path, dict[str, Entry]] = {}

    def __call__(self, path: Path) -> Entry | None:
        if path.parent not in self._folders:
            self._folders[path.parent] = {e.file: e for e in read_manifest(path.parent) or []}
        return self._folders[path.parent].get(path.name)


Rows = Callable[[Path], Entry | None]


def resolve_year(path: Path, year: int | None = None, rows: Rows = entry_for) -> int | None:
    """--year wins; else the manifest beside the file; else the file name; else unknown."""
    if year is not None:
        return year
    entry = rows(path)
    if entry is not None and entry.fiscal_year is not None:
        return entry.fiscal_year
    return year_from_name(path.stem)


def resolve_city(path: Path, rows: Rows = entry_for) -> str | None:
    """The city of a raw file: the manifest's ``city`` column, else unknown."""
    entry = rows(path)
    return entry.city.strip() or None if entry is not None else None


def base_row(path: Path, entries: list[Entry], city: str | None = None) -> Entry | None:
    """The row of ``entries`` a file not yet in the manifest takes what it is not told from (city, title,
    schema): the last row of its city (``city``, or the manifest's only city). None when that city has no
    row yet. With several cities and no ``city``, the city is asked for, never guessed from the last row."""
    named = list(dict.fromkeys(e.city for e in entries))
    if city is None and len(named) > 1:
        raise InputError(path, f"マニフェストには {pieces(len(named))}の市町村 ({'、'.join(named)}) の表があるため、"
                         "この表の市町村を決められません。",
                         hint=f"--city 市町村名 (マニフェストにある {'・'.join(named)} のどれか、または新しい市町村) を付けて、"
                         "この表の市町村を指定してください (市町村名から、その市町村の前の行の表題とスキーマを引き継ぎます)。")
    named_in_file = city_in_name(path.stem)
    if city is None and named and named_in_file and named_in_file not in named[0] and named[0] not in named_in_file:
        raise InputError(path, f"ファイル名には「{named_in_file}」とありますが、--city がないため、マニフェストの"
                         f"「{named[0]}」の表として登録するところでした (別の市町村の表なら、その事業は廃止と数えられます)。",
                         hint=f"--city {named_in_file} --title \"表の表題\" を付けてください (列の違う表なら --schema も)。"
                              f"{named[0]}の表なら --city {named[0]} を付けてください。")
    same = [e for e in entries if city is None or e.city == city]
    return same[-1] if same else None


_CITY_IN_NAME = re.compile(r"(?:^|[_\-\s・])([^\W\d_]{1,8}?[市町村])(?=$|[_\-\s・\d])")


def city_in_name(stem: str) -> str | None:
    """A municipality a file name names as a word of its own (桜川市_2024_協働事業 → 桜川市), or None."""
    found = _CITY_IN_NAME.search(unicodedata.normalize("NFKC", stem))
    return found.group(1) if found else None


def schema_for_new_row(path: Path, city: str | None = None) -> Path | None:
    """The schema a file not yet in the manifest is read with: its city's last row's, as its title is (a
    new city's table has its own shape: the built-in schema unless --schema names one)."""
    return row_schema(path, base_row(path, read_manifest(path.parent) or [], city))


def row_schema(path: Path, entry: Entry | None) -> Path | None:
    """The schema a manifest row names in its optional ``schema`` column (relative to the raw folder)."""
    named = entry.extra.get("schema", "").strip() if entry is not None else ""
    return path.parent / named if named else None


def resolve_schema(path: Path, schema: str | Path | None = None, rows: Rows = entry_for) -> Path | None:
    """--schema wins; else the manifest's optional ``schema`` column (a TOML file, relative to the raw
    folder); else None (the built-in schema)."""
    return Path(schema) if schema is not None else row_schema(path, rows(path))


def resolve_sheet(path: Path, sheet: str | None = None, rows: Rows = entry_for) -> str | None:
    """--sheet wins; else the manifest's optional ``sheet`` column (the sheet ``manifest add --sheet``
    read, so that ``analyze`` and ``run`` read the same one); else None (the first sheet)."""
    if sheet is not None:
        return sheet
    entry = rows(path)
    named = entry.extra.get("sheet", "") if entry is not None else ""
    return named or None


def write_manifest(raw_dir: str | Path, entries: list[Entry]) -> Path:
    """Write the manifest (UTF-8 with BOM for Excel, LF line ends) with the researcher's own columns kept,
    replacing it only when complete."""
    path = Path(raw_dir) / MANIFEST_NAME
    extra = list(dict.fromkeys(k for e in entries for k in e.extra))
    tmp = path.with_suffix(".csv.tmp")
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(MANIFEST_COLUMNS + extra)
            for e in entries:
                writer.writerow([e.file, e.city, e.title, "" if e.fiscal_year is None else e.fiscal_year, e.source,
                                 e.sha256, *(e.extra.get(k, "") for k in extra)])
        tmp.replace(path)
    except OSError as error:  # a read-only raw folder, a full disk: the manifest stays as it was
        tmp.unlink(missing_ok=True)
        raise os_error(path, error) from None
    return path


def add_to_manifest(path: str | Path, year: int | None, city: str | None = None, title: str | None = None,
                    source: str | None = None, schema: str | Path | None = None,
                    sheet: str | None = None) -> tuple[Entry, bool]:
    """Add a raw file's row to the manifest beside it, or update it: only the fields given change (and
    the SHA-256, computed here). A new row takes city, title and schema from its city's last row
    (:func:`base_row`: a new city gives its title) and its year, when not given, from the file name.
    ``schema`` is kept in the optional ``schema`` column, relative to the raw folder; ``sheet`` (a
    workbook's sheet) in the optional ``sheet`` column.

    Returns the entry and whether it replaced an existing row."""
    path = Path(path)
    check_year(year, path)
    _plain_text(path, None, {"city": city, "title": title})
    entries = read_manifest(path.parent) or []
    old = next((e for e in entries if e.file == path.name), None)
    base = old or base_row(path, entries, city)
    city = city if city is not None else (base.city if base else "")
    title = title if title is not None else (base.title if base else "")
    if not entries and not (city and title):
        raise InputError(path, "マニフェストの最初の行なので、市町村名と表題が必要です。",
                         hint='--city 市町村名 --title "表の表題" を付けてください (逗子市の同梱の表なら --city 逗子市 '
                              '--title "これまでの取り組みに係る協働の成果等")。')
    if not title:
        close = [e.city for e in entries if _close_names(e.city, city)]
        raise InputError(path, f"{city}の表はまだマニフェストにないので、表題が必要です (ほかの市町村の表題は引き継ぎません)。",
                         hint=(f"同じ市町村なら --city {close[-1]} を、別の市町村なら" if close else "")
                         + '--title "この表の表題" を付けてください。')
    if year is None and old is None and len(named_years := years_in_name(path.stem)) > 1:
        raise InputError(path, f"ファイル名に年度が {pieces(len(named_years))}あります "
                         f"({'、'.join(map(str, named_years))} 年度)。どれがこの表の年度か決められません。",
                         hint="--year 2025 のように、この表の年度を指定してください。")
    if year is None:
        year = old.fiscal_year if old else year_from_name(path.stem)
    extra = dict(old.extra) if old else {}
    if schema is None and old is None:
        schema = row_schema(path, base)
    if schema is not None:
        extra["schema"] = Path(os.path.relpath(Path(schema).resolve(), path.parent.resolve())).as_posix()
    if sheet is not None:
        extra["sheet"] = sheet
    entry = Entry(path.name, city, title, year, source if source is not None else (old.source if old else ""),
                  sha256(path), extra)
    entries = [entry if e.file == path.name else e for e in entries] if old else [*entries, entry]
    write_manifest(path.parent, entries)
    return entry, old is not None


def entry_warnings(path: str | Path, entry: Entry) -> list[str]:
    """What a manifest row may have got wrong without being an error: a city name close to another row's
    (逗子 beside 逗子市 would be analysed as two cities, and a city's years never compared), and a year that
    contradicts the one its file name or its title gives (a title taken over from last year's row: 令和6年度 …);
    a table with the bytes of another row's; tables of unknown year (:func:`yearless_warnings`)."""
    path = Path(path)
    warnings = []
    rows = [e for e in read_manifest(path.parent) or [] if e.file != entry.file]
    others = {e.city for e in rows if e.city != entry.city}
    close = sorted(c for c in others if _close_names(c, entry.city))
    if close:
        warnings.append(f"市町村名「{entry.city}」は、マニフェストの「{'」「'.join(close)}」と似ていますが、別の市町村として"
                        f"扱います (年度の比較は同じ市町村の中だけ)。同じ市町村なら --city {close[0]} で登録し直してください。")
    named = year_from_name(path.stem)
    if entry.fiscal_year is not None and named is not None and named != entry.fiscal_year:
        warnings.append(f"{entry.file}: 年度を {entry.fiscal_year} で登録しましたが、ファイル名からは {named} 年度と読めます。"
                        f"正しいか確かめてください (直すなら --year {named})。")
    titled = year_from_name(entry.title)
    if entry.fiscal_year is not None and titled is not None and titled != entry.fiscal_year:
        warnings.append(f"{entry.file}: 表題「{entry.title}」は {titled} 年度と読めますが、表は {entry.fiscal_year} 年度で"
                        "登録しました (新しい行の表題は、同じ市町村の前の行から引き継ぎます)。表題は図・ページ・Word に出るので、"
                        '--title "この表の表題" を付けてもう一度 manifest add してください。')
    same = [e.file for e in rows if e.sha256 == entry.sha256]
    if same:
        warnings.append(f"{entry.file} は、マニフェストの {'、'.join(same)} と中身が同じです (SHA-256 が一致)。"
                        "同じ表を2度分析すると、項目も事業も2度数えます。別の年度の表なら、ファイルを確かめてください。")
    return warnings + yearless_warnings(path.parent)


def yearless_warnings(raw_dir: Path) -> list[str]:
    """The tables of the folder whose year is unknown, when there are two or more tables: analyze and run stop
    on them (:func:`analysis.check_years`), so registering says so at once, with the command that gives the year."""
    files = table_files(raw_dir)
    rows = ManifestRows()
    yearless = [f for f in files if resolve_year(f, rows=rows) is None]
    if len(files) < 2 or not yearless:
        return []
    return [f"年度の分からない表があります: {', '.join(f.name for f in yearless)}。表が2つ以上あるので、このままでは "
            f"analyze と run は止まります。kyodo-analysis manifest add {shlex.quote(str(yearless[0]))} --year 西暦 "
            "で年度を登録してください。"]


def _close_names(a: str, b: str) -> bool:
    """Two city names a person may have meant as one: equal after NFKC and without spaces, or one the
    other with a suffix such as 市・町・村 (逗子 / 逗子市)."""
    def plain(name: str) -> str:
        return "".join(unicodedata.normalize("NFKC", name).split())
    x, y = plain(a), plain(b)
    return bool(x and y) and (x == y or x.startswith(y) or y.startswith(x))

