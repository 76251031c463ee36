"""The project settings file (``kyodo-analysis.toml`` in the repository root): the researcher's word
lists and coding rules, used by every run without retyping them."""

from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import InputError
from .schema import check_nesting

KEYS = {"forced": "強制抽出のリスト", "stop": "使用しない語のリスト", "synonyms": "同義語のリスト",
        "codes": "コーディングルール", "schema": "表のスキーマ", "by": "比べるグループ",
        "years": "市町村ごとに比べる年度"}
NOT_PATHS = {"by"}  # a column name, not a file
YEARS = "years"  # [analysis.years]: city = year, the table each city is compared by (--by city)


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
    hint = 'UTF-8 で保存し、[analysis] の下に forced = "references/forced_terms.txt" のように書きます。'
    try:
        text = path.read_text(encoding="utf-8-sig")
        check_nesting(path, text, hint)
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(path, f"設定ファイルを TOML として読めません: {type(exc).__name__} {str(exc)[:200]}",
                         hint=hint) from None
    analysis = data.get("analysis", {})
    unknown = sorted(set(data) - {"analysis"}) + sorted(set(analysis) - set(KEYS) if isinstance(analysis, dict) else [])
    if not isinstance(analysis, dict) or unknown:
        raise InputError(path, f"設定ファイルに知らない項目があります: {', '.join(unknown) or 'analysis'}",
                         hint=f"[analysis] の下に {', '.join(KEYS)} だけを書けます。")
    settings: dict[str, str | dict[str, int]] = {}
    for key, value in analysis.items():
        if key == YEARS:
            settings[key] = city_years(path, value)
            continue
        if not isinstance(value, str) or not value.strip():
            raise InputError(path, f"{key} にはファイルのパスを文字列で書いてください (今の値: {value!r:.40})。")
        if key in NOT_PATHS:
            settings[key] = value.strip()
            continue
        target = (path.parent / value).resolve()
        if not target.is_file():
            raise InputError(path, f"{key} ({KEYS[key]}) のファイルがありません: {value}",
                             hint="パスは設定ファイルのある場所からの相対パスで書きます。")
        settings[key] = str(target)
    return settings


def city_years(path: Path, value) -> dict[str, int]:
    """``[analysis.years]``: each city's year (西暦), e.g. ``A市 = 2023``."""
    example = "[analysis.years] の下に 逗子市 = 2024 のように、市町村名 = 西暦の年度 を書きます。"
    if not isinstance(value, dict):
        raise InputError(path, f"years は表で書いてください (今の値: {value!r:.40})。", hint=example)
    for city, year in value.items():
        if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
            raise InputError(path, f"[analysis.years] の {city} の年度が西暦の整数ではありません (今の値: {year!r:.40})。",
                             hint=example)
    return {str(city): int(year) for city, year in value.items()}
