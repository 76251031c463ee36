"""Which header texts mean which canonical column (the table's schema)."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .labels import ASPECT_HEADERS

ASPECTS: tuple[str, ...] = ("effect", "limitation", "next_step")
COLUMNS: tuple[str, ...] = ("support_type", "program_no", "program", *ASPECTS)


KNOWN_SUPPORT_TYPES: tuple[str, ...] = ("財政的支援", "人的支援", "場の提供")

DEFAULT_COLUMNS: dict[str, list[str]] = {
    "support_type": ["区分"],
    "program_no": ["NO", "No", "番号"],
    "program": ["事業名"],
    "effect": [ASPECT_HEADERS["effect"]],
    "limitation": [ASPECT_HEADERS["limitation"]],
    "next_step": [ASPECT_HEADERS["next_step"]],
}

_SPACE = re.compile(r"\s+")


def support_order(items) -> list[str]:
    """Support types in the order a reader expects: the city's three first, then new ones as they appear.

    The one ordering of support types for every table, figure and workbook sheet."""
    present = list(items["support_type"].dropna().unique())  # in order of appearance
    return [s for s in KNOWN_SUPPORT_TYPES if s in present] + [s for s in present if s not in KNOWN_SUPPORT_TYPES]


def normalize_header(text: str) -> str:
    """Header text compared by meaning: width folded (NFKC), spaces removed, case folded."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


@dataclass(frozen=True)
class Schema:
    """Canonical column → the header texts that mean it."""

    columns: dict[str, list[str]]
    known_support_types: tuple[str, ...] = KNOWN_SUPPORT_TYPES
    source: str = "built-in (逗子市)"
    ignore: tuple[str, ...] = ()  # header texts of columns to leave out of the analysis
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)
    _longest: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for column, names in self.columns.items():
            for name in names:
                lookup.setdefault(normalize_header(name), column)
        object.__setattr__(self, "_lookup", lookup)
        # Every row is checked for headers; a cell four times longer than the longest header name (spaces
        # and all) is a data cell, and is not normalized.
        object.__setattr__(self, "_longest", 4 * max(map(len, lookup), default=0) + 16)

    def column_for(self, header_text: str) -> str | None:
        if len(header_text) > self._longest:
            return None
        return self._lookup.get(normalize_header(header_text))

    def ignores(self, header_text: str) -> bool:
        """True for a column the schema says to leave out (compared as headers are)."""
        return normalize_header(header_text) in {normalize_header(h) for h in self.ignore}

    def is_synonym(self, column: str, header_text: str) -> bool:
        """True when the header matched a name other than the column's first (canonical) one."""
        return normalize_header(header_text) != normalize_header(self.columns[column][0])


DEFAULT_SCHEMA = Schema(DEFAULT_COLUMNS)


def load_schema(path: str | Path | None) -> Schema:
    """The built-in schema, or one read from a TOML file with a ``[columns]`` table (and optionally
    ``ignore = [...]`` header texts and ``[support_types] known = [...]``)."""
    if path is None:
        return DEFAULT_SCHEMA
    path = Path(path)
    hint = 'UTF-8 の TOML で [columns] 表を書いてください (例: program = ["事業名"])。'
    if path.is_dir():
        raise InputError(path, "スキーマのパスがフォルダです。", hint="--schema には TOML ファイルを指定してください。")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(path, "スキーマファイルが見つかりません。", hint="--schema のパスを確認してください。") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"スキーマファイルを TOML として読めません: {exc}", hint=hint) from None
    columns = data.get("columns")
    if not isinstance(columns, dict):
        raise InputError(path, "[columns] 表がありません。", hint=hint)
    unknown = sorted(set(columns) - set(COLUMNS))
    if unknown:
        raise InputError(path, f"未知の列名: {', '.join(unknown)}", hint=f"使える列名は {', '.join(COLUMNS)} です。")
    parsed = {column: _texts(path, f"[columns] の {column}", names) for column, names in columns.items()}
    if "program" not in parsed or not any(a in parsed for a in ASPECTS):
        raise InputError(path, "program と、effect / limitation / next_step の少なくとも一つが必要です。", hint=hint)
    support_types = data.get("support_types", {})
    if not isinstance(support_types, dict):
        raise InputError(path, "[support_types] は表にしてください。", hint='例: [support_types] の下に known = ["財政的支援"]')
    known = _texts(path, "[support_types] の known", support_types.get("known", list(KNOWN_SUPPORT_TYPES)))
    ignore = _texts(path, "ignore", data.get("ignore", []), allow_empty=True)
    return Schema(parsed, tuple(known), source=str(path), ignore=tuple(ignore))


def _texts(path: Path, what: str, value: object, allow_empty: bool = False) -> list[str]:
    """A list of non-empty strings from the schema (a single string is a list of one), or an InputError."""
    if isinstance(value, str):
        value = [value]
    if not (isinstance(value, list) and (value or allow_empty) and all(isinstance(v, str) and v.strip() for v in value)):
        raise InputError(path, f"{what} の値は見出し文字列のリストにしてください (今の値: {value!r:.60})。",
                         hint='例: program = ["事業名", "事業"]')
    return value
