"""The project settings file (``kyodo-analysis.toml`` in the repository root): the researcher's word
lists and coding rules, used by every run without retyping them — one :class:`Settings` for the command
line and the notebooks, and the SHA-256 of every input that tells processed tables from stale ones."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ._version import __version__
from .errors import InputError
from .manifest import MANIFEST_NAME, YEAR_RANGE, ManifestRows, resolve_schema, sha256
from .schema import builtin_schema_path
from .tokens import dictionary_info
from .toml_files import key_line, read_toml
from .wordlists import read_text_file, word_lists

KEYS = {"forced": "強制抽出のリスト", "stop": "使用しない語のリスト", "synonyms": "同義語のリスト",
        "codes": "コーディングルール", "schema": "表のスキーマ", "by": "比べるグループ",
        "years": "市町村ごとに比べる年度"}
NOT_PATHS = {"by"}  # a column name, not a file
YEARS = "years"  # [analysis.years]: city = year, the table each city is compared by (--by city)


def meant(unknown: list[str]) -> str:
    """「 (codes のつもりですか)」 for a key or section that is a typo of a known one (cods, analysys); a known key
    written above [analysis] (by = "city" at the top) is said to belong under it (it was 「by → by のつもりですか」)."""
    guesses = [f"[analysis] の下の {key}" if key in KEYS else f"{key} → {match[0]}" for key in unknown
               if key in KEYS or (match := difflib.get_close_matches(key, [*KEYS, "analysis"], n=1, cutoff=0.6))]
    return f" ({'、'.join(guesses)} のつもりですか)" if guesses else ""


def read_settings(path: str | Path, required: bool = False) -> dict[str, str | dict[str, int]]:
    """The ``[analysis]`` settings of a file: paths relative to the file, ``by``, and ``years`` (a table
    ``[analysis.years]`` of city = year) — nothing if the file is absent and not ``required``. Unknown keys,
    wrong types and missing files are errors naming the file."""
    path = Path(path)
    if not path.exists():
        if required:
            raise InputError(path, "設定ファイルが見つかりません。", hint="--settings のパスを確認してください。")
        return {}
    if path.is_dir():
        raise InputError(path, "設定ファイルのパスがフォルダです。", hint="--settings には TOML ファイルを指定してください。")
    hint = ('UTF-8 で保存し、[analysis] の下に forced = "references/forced_terms.txt" のように書きます。'
            '日本語の名前 (市町村名など) は "逗子市" = 2024 のように引用符で囲みます。')
    data = read_toml(path, "設定ファイル", hint)
    analysis = data.get("analysis", {})
    if not isinstance(analysis, dict):  # analysis = 3: a known name written as a value, not an unknown one
        raise InputError(path, f"analysis は [analysis] の表にしてください (今の値: {analysis!r:.40})。", hint=hint,
                         line=key_line(path, ["analysis"]))
    unknown = sorted(set(data) - {"analysis"}) + sorted(set(analysis) - set(KEYS) if isinstance(analysis, dict) else [])
    if not isinstance(analysis, dict) or unknown:
        raise InputError(path, f"設定ファイルに知らない項目があります: {', '.join(unknown) or 'analysis'}{meant(unknown)}",
                         hint=f"[analysis] の下に {', '.join(KEYS)} だけを書けます。", line=key_line(path, unknown))
    settings: dict[str, str | dict[str, int]] = {}
    for key, value in analysis.items():
        if key == YEARS:
            settings[key] = city_years(path, value)
            continue
        if not isinstance(value, str) or not value.strip():
            what, example = (("比べる列の名前", "support_type") if key in NOT_PATHS
                             else ("ファイルのパス", f"references/{key}.txt"))
            raise InputError(path, f"{key} には{what}を文字列で書いてください (今の値: {value!r:.40})。",
                             hint=f'[analysis] の下に {key} = "{example}" のように、引用符で囲んで1つだけ書きます。',
                             line=key_line(path, [key]))
        if key in NOT_PATHS:
            settings[key] = value.strip()
            continue
        target = (path.parent / value).resolve()
        if not target.is_file():
            what = (" はファイルではなくフォルダです" if target.is_dir() else " のファイルがありません" if not target.exists()
                    else " はふつうのファイルではありません (名前付きパイプ、デバイスなど)")
            raise InputError(path, f"{key} ({KEYS[key]}){what}: {value}",
                             hint="パスは設定ファイルのある場所からの相対パスで書きます。", line=key_line(path, [key]))
        settings[key] = str(target)
    return settings


def city_years(path: Path, value) -> dict[str, int]:
    """``[analysis.years]``: each city's year (西暦), e.g. ``A市 = 2023``."""
    example = "[analysis.years] の下に 逗子市 = 2024 のように、市町村名 = 西暦の年度 を書きます。"
    if not isinstance(value, dict):
        raise InputError(path, f"years は表で書いてください (今の値: {value!r:.40})。", hint=example,
                         line=key_line(path, ["years"]))
    for city, year in value.items():
        if isinstance(year, bool) or not isinstance(year, int) or year not in YEAR_RANGE:  # the README's 1900〜2100
            raise InputError(path, f"[analysis.years] の {city} の年度が西暦の整数 ({YEAR_RANGE[0]}〜{YEAR_RANGE[-1]}) "
                             f"ではありません (今の値: {year!r:.40})。",
                             hint=example, line=key_line(path, [str(city)]))
    return {str(city): int(year) for city, year in value.items()}


SETTINGS_FILE = "kyodo-analysis.toml"
PATH_KEYS = ("forced", "stop", "synonyms", "codes", "schema")


def project_file(raw_dir: str | Path) -> Path | None:
    """The project's settings file: ``kyodo-analysis.toml`` in the current folder, else in the project folder
    holding the raw folder (``data/raw`` → the folder above ``data``); the command line and the notebooks find it
    the same way, so a command started elsewhere (``--raw-dir ~/project/data/raw``) reads the project's words. The
    folders are the ones the path names (a ``data/raw`` linked to a shared folder is still the project's)."""
    raw = Path(os.path.abspath(raw_dir))
    return next((folder / SETTINGS_FILE for folder in [Path.cwd(), *raw.parents[:2]]
                 if (folder / SETTINGS_FILE).exists()), None)  # a pipe of its name is refused when read, not passed by


@dataclass(frozen=True)
class Settings:
    """What an analysis is made with besides the raw tables: the word lists, the coding rules, the schema
    (None: the packaged defaults, the manifest's schema column or the built-in schema), the groups compared
    and, comparing cities, each city's year. The command line and the notebooks build it the same way:
    the settings file, then what the command line gives (:meth:`read`)."""

    forced: str | None = None
    stop: str | None = None
    synonyms: str | None = None
    codes: str | None = None
    schema: str | None = None
    by: str = "support_type"
    years: dict[str, int] | None = None

    @classmethod
    def read(cls, path: str | Path | None = SETTINGS_FILE, required: bool = False, **given) -> Settings:
        """The settings file's values (:func:`read_settings`; nothing when ``path`` is None or an absent
        optional file), each replaced by the value ``given`` on the command line when that is not None."""
        values = read_settings(path, required) if path is not None else {}
        values.update({key: value for key, value in given.items() if value is not None})
        unknown = set(values) - set(KEYS)
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        return cls(**{**values, "by": values.get("by") or "support_type"})

    @classmethod
    def for_project(cls, raw_dir: str | Path) -> Settings:
        """The project's settings, as the command line reads them: ``kyodo-analysis.toml`` in the current
        folder, else in the project folder holding the raw folder (``data/raw`` → the folder above
        ``data``, where a notebook started in ``notebooks/`` finds it); the defaults when there is none."""
        path = project_file(raw_dir)
        return cls() if path is None else cls.read(path)

    @classmethod
    def coerce(cls, value: Settings | dict | str | Path | None, raw_dir: str | Path) -> Settings:
        """Settings from what a notebook passes: None (the project's), a settings file, a dict
        (a run's :meth:`as_dict`) or Settings."""
        if value is None:
            return cls.for_project(raw_dir)
        if isinstance(value, (str, Path)):
            return cls.read(value, required=True)
        return value if isinstance(value, Settings) else cls(**value)

    def as_dict(self) -> dict:
        """The settings with absolute paths (valid from any folder, e.g. a notebook's kernel)."""
        paths = {key: None if getattr(self, key) is None else str(Path(getattr(self, key)).resolve()) for key in PATH_KEYS}
        return {**paths, "by": self.by, "years": dict(self.years) if self.years else None}

    def analysis_options(self) -> dict:
        """The keyword arguments of ``analysis.analyze_tables`` these settings give."""
        return {"forced": self.forced, "stop": self.stop, "synonyms": self.synonyms, "codes": self.codes,
                "by": self.by, "years": self.years}

    def inputs_sha256(self, paths: Sequence[str | Path]) -> str:
        """One SHA-256 of everything that changes an analysis of ``paths`` under these settings: each raw
        file's bytes, the manifest, each table's schema, the word lists and the packaged term tables, the
        coding rules, the groups, the cities' years, the package and the dictionary. Processed tables
        recording another value were made from other inputs."""
        paths = [Path(p) for p in paths]
        rows = ManifestRows()
        manifests = sorted({p.parent / MANIFEST_NAME for p in paths})
        parts = {
            "package": __version__, "dictionary": dictionary_info(),
            "raw_files": [[p.name, sha256(p)] for p in paths],
            "manifests": [sha256(m) if m.is_file() else None for m in manifests],
            "schemas": [file_sha256(resolve_schema(p, self.schema, rows) or builtin_schema_path()) for p in paths],
            "word_lists": {name: source["sha256"] for name, source in
                           word_lists(self.forced, self.stop, self.synonyms).sources.items()},
            "coding_rules": read_text_file(self.codes, "codes.txt", "コーディングルールのファイル", "--codes").sha256,
            "by": self.by, "years": sorted((self.years or {}).items()),
        }
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file, None when it cannot be read or is no ordinary file (a pipe, a device: the analysis
    then names the problem)."""
    try:
        if not Path(path).is_file():
            return None
        return sha256(path)
    except OSError:
        return None
