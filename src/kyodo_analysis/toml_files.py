"""Reading the project's TOML files (settings and schemas): a syntax error in Japanese, at the line where it was
noticed, and nesting too deep for any such file refused before the parser recurses into it; the header texts and
labels a schema lists (:func:`texts`), each a short line of text."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError, check_ordinary, control_character, printable

MAX_NESTING = 20  # brackets and braces opened before the first is closed: a schema needs three

TOML_ERRORS = {  # the start of tomllib's message → what it means, said to a researcher
    "Expected ']' at the end of a table declaration": "表の見出し [ ] の閉じ括弧 ] がありません",
    "Unclosed array": "[ ] の閉じ括弧 ] がありません",
    "Unclosed inline table": "{ } の閉じ括弧 } がありません",
    "Illegal character": "文字列の中に改行などの使えない文字があります (引用符の閉じ忘れかもしれません)",
    "Unterminated string": "引用符が閉じられていません",
    "Expected '\"'": "引用符が閉じられていません",
    'Expected "\'"': "引用符が閉じられていません",
    "Invalid value": "値が読めません (文字列は \"…\" で囲みます)",
    "Cannot declare": "同じ表の見出しが2回あります",
    "Cannot overwrite a value": "同じ名前が2回書かれています",
    "Expected '=' after a key": "名前の後に = がありません",
    "Expected newline or end of document after a statement": "1つの行に2つの項目があります (項目ごとに改行します)",
    "Invalid statement": "TOML の行として読めません (日本語の名前は \"逗子市\" = 2024 のように引用符で囲みます)",
    "Invalid initial character for a key part": "名前が読めません (日本語の名前は引用符で囲みます)",
}
_TOML_WHERE = re.compile(r"^(?P<message>.*?) \((?:at line (?P<line>\d+), column (?P<column>\d+)|at end of document)\)$", re.S)


def read_toml(path: Path, what: str, hint: str) -> dict:
    """A TOML file (UTF-8, BOM or not) as a dict; a syntax error is an InputError in Japanese at the line where the
    parser noticed it — said to be the place it was noticed, since a lost bracket or quote lies on an earlier line."""
    check_ordinary(path, what, hint)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(path, f"{what}を UTF-8 として読めません。", hint=hint) from None
    check_nesting(path, text, hint)
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise InputError(path, f"{what}の入れ子が深すぎます。", hint=hint) from None
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_WHERE.match(str(exc))
        said = found["message"] if found else str(exc)
        meaning = next((ja for start, ja in TOML_ERRORS.items() if said.startswith(start)), "TOML の書き方の誤りです")
        line = int(found["line"]) if found and found["line"] else None
        where = f"{line} 行目 {found['column']} 文字目" if line is not None else "ファイルの終わり"
        pairs = ("気づいた行とその前の行で、[ と ]、{ と }、引用符 \" と \" が対になっているか確かめてください。"
                 if "括弧" in meaning or "引用符" in meaning else "")
        raise InputError(path, f"{what}を TOML として読めません: {meaning} ({where}で気づきました。括弧や引用符の閉じ忘れは、"
                         f"それより前の行にあることがあります。読み取り部の言葉: {said[:120]})", line=line,
                         hint=pairs + hint) from None


def key_line(path: Path, names: Iterable[str]) -> int | None:
    """The first line of a TOML file that writes one of ``names`` as a table's name (a part of it too:
    [analysys.years]) or as a key (colums = …, or inside an inline table: { longlabel = … }); None if none does."""
    wanted = set(names)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, line in enumerate(lines, start=1):
        code = line.split("#", 1)[0]
        table = re.fullmatch(r"\s*\[+([^\]]*)\]+\s*", code)
        keys = table[1].split(".") if table else re.findall(r'(?:^|[\s{,])("?[^\s"={},]+"?)\s*=', code)
        if wanted & {key.strip().strip('"') for key in keys}:
            return number
    return None


def check_nesting(path: Path, text: str, hint: str) -> None:
    """Refuse TOML nested deeper than any settings file needs, before the parser recurses into it."""
    depth = deepest = 0
    for char in re.sub(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*', "", text):
        depth += (char in "[{") - (char in "]}")
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise InputError(path, f"括弧の入れ子が深すぎます ({deepest:,} 段。上限 {MAX_NESTING})。", hint=hint)


MAX_LABEL = 100  # characters of a header text or a label: a heading, not a paragraph


def _example(what: str) -> str:
    """An example of the value ``what`` (「[aspects] の reason の label」) takes, in its own table's words."""
    if what.endswith("label"):
        return f'例: {what.rsplit(" の ", 1)[-1]} = "理由"'
    if what.startswith("[aspects]"):
        return '例: reason = ["評価の理由"] か reason = { headers = ["評価の理由"], label = "理由" }'
    if what.startswith("[attributes]"):
        return '例: rating = ["評価"]'
    return '例: program = ["事業名", "事業"]'


def texts(path: Path, what: str, value: object, allow_empty: bool = False, blank: bool = False) -> list[str]:
    """A list of non-empty strings (a single string is a list of one; with ``blank``, "" too), or an InputError."""
    if isinstance(value, str):
        value = [value]
    if not (isinstance(value, list) and (value or allow_empty)
            and all(isinstance(v, str) and (v.strip() or (blank and v == "")) for v in value)):
        raise InputError(path, f"{what} の値は{'文字列' if what.endswith('label') else '見出し文字列のリスト'}にしてください"
                         f" (今の値: {value!r:.60})。", hint=_example(what))
    for text in value:
        if len(text) > MAX_LABEL or control_character(text, one_line=True):
            problem = f"{len(text):,} 字あります (上限 {MAX_LABEL} 字)" if len(text) > MAX_LABEL else "制御文字があります"
            raise InputError(path, f"{what} の値に{problem}: {printable(text[:40])!r}",
                             hint="見出しやラベルは表の見出しどおりの短い文字列で書いてください (改行・タブなどは使えません)。")
    return value
