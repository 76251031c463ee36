"""Which header texts mean which column (the table's schema), and what an analysis compares.

A schema names the table's own columns: ``[columns]`` (what groups the programs, NO, program),
``[aspects]`` (the free-text columns that are split into items, in the city's order, each with its label
and, optionally, whether it is the positive or the negative side) and ``[attributes]`` (program-level
columns such as a rating, kept as they are). Zushi's built-in schema is one such file
(``resources/schema_zushi.toml``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from .errors import InputError
from .labels import GENERIC_COLUMNS, listed, reserved, shown_attribute
from .toml_files import key_line, read_toml, texts

COLUMNS: tuple[str, ...] = ("support_type", "program_no", "program")
ZUSHI_ASPECTS: tuple[str, ...] = ("effect", "limitation", "next_step")
POLARITIES = ("positive", "negative")
BUILT_IN = "built-in (逗子市)"  # the source of the packaged schema, as metadata.json records it
RESERVED = frozenset({*COLUMNS, "item_id", "source_file", "source_line", "year", "city", "aspect", "item_no", "text",
                      "term", "word", "n", "n_items", "n_programs", "group", "code", "all"})
# Every column the package writes into some processed table: an aspect (as n_<key>) or an attribute (as
# itself) with one of these names would collide with it.
GENERATED = RESERVED | frozenset({
    "action", "axis", "base", "candidate", "category", "chi2", "community", "correction", "dim1",
    "dim2", "example_item_id", "first_name", "first_no", "first_token_no", "first_year", "inertia", "is_unknown", "items",
    "jaccard", "kind", "last_token_no", "last_year", "lemma", "lemma_reading", "line", "log_odds", "log_odds_vs_prev",
    "n_both", "n_group", "n_prev", "n_rest", "n_total", "n_units", "negated", "node", "note", "p_holm", "p_value", "pos",
    "pos1", "pos2", "pos3", "prev_year", "previous_name", "previous_no", "previous_support_type", "programs",
    "programs_both", "programs_group", "programs_paired",
    "programs_rest", "programs_total", "share", "source", "start", "status", "surface", "target", "test", "token_no",
    "x", "y", "z", "z_vs_prev", "matched"})
NEAR_HEADER = 0.75  # difflib ratio from which an unknown header is pointed to a known one as a likely misspelling
_KEY = re.compile(r"[a-z][a-z0-9_]{0,30}")
_SPACE = re.compile(r"\s+")


def normalize_header(text: str) -> str:
    """Header text compared by meaning: width folded (NFKC), spaces removed, case folded."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


@dataclass(frozen=True)
class Aspect:
    """One free-text column of the table: its key, the header texts that mean it and its labels."""

    key: str
    headers: tuple[str, ...]
    label: str  # short, for axes and sheet names (効果)
    long_label: str  # for legends and headings (効果があったこと)
    polarity: str | None = None  # "positive", "negative" or None

    def as_dict(self) -> dict:
        return {"key": self.key, "header": self.headers[0], "label": self.label, "long_label": self.long_label,
                "polarity": self.polarity}


@dataclass(frozen=True)
class Schema:
    """Columns, aspects and attributes → the header texts that mean them."""

    columns: dict[str, list[str]]
    aspects: tuple[Aspect, ...]
    attributes: dict[str, list[str]] = field(default_factory=dict)
    known_support_types: tuple[str, ...] = ()
    source: str = BUILT_IN
    ignore: tuple[str, ...] = ()  # header texts of columns to leave out of the analysis
    separate_notes: bool = False  # a ※ line is an item of its own (default: part of the item above)
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)
    _longest: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for column, names in self.names.items():
            for name in names:
                lookup.setdefault(normalize_header(name), column)
        object.__setattr__(self, "_lookup", lookup)
        # Every row is checked for headers; a cell four times longer than the longest header name (spaces
        # and all) is a data cell, and is not normalized.
        object.__setattr__(self, "_longest", 4 * max(map(len, lookup), default=0) + 16)

    @property
    def names(self) -> dict[str, list[str]]:
        """Every column the schema knows (columns, aspects, attributes) → its header texts."""
        return {**self.columns, **{a.key: list(a.headers) for a in self.aspects}, **self.attributes}

    @property
    def aspect_keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.aspects)

    def column_for(self, header_text: str) -> str | None:
        if len(header_text) > self._longest:
            return None
        return self._lookup.get(normalize_header(header_text))

    def near_header(self, header_text: str, among: Iterable[str]) -> tuple[str, str] | None:
        """The header text of the columns ``among`` closest to ``header_text`` (あつた for あった, 事業各 for 事業名),
        with its column; None when none is that close: difflib's ratio ≥ 0.75, or one character changed, added
        or dropped in a header of three or more (compared as headers are)."""
        known = {normalize_header(h): (h, key) for key in among for h in self.names.get(key, [])}
        text = normalize_header(header_text)
        close = difflib.get_close_matches(text, list(known), n=1, cutoff=NEAR_HEADER) or [
            k for k in known if min(len(k), len(text)) >= 3 and one_edit_apart(k, text)][:1]
        return known[close[0]] if close else None

    def ignores(self, header_text: str) -> bool:
        """True for a column the schema says to leave out (compared as headers are)."""
        return normalize_header(header_text) in {normalize_header(h) for h in self.ignore}

    def is_synonym(self, column: str, header_text: str) -> bool:
        """True when the header matched a name other than the column's first (canonical) one."""
        return normalize_header(header_text) != normalize_header(self.names[column][0])

    def attribute_label(self, key: str) -> str:
        return self.attributes[key][0]


def one_edit_apart(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one character changed, added or removed (a header's misspelling, a
    katakana spelling variant)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def builtin_schema_path() -> Path:
    return Path(str(resources.files("kyodo_analysis") / "resources" / "schema_zushi.toml"))


def load_schema(path: str | Path | None) -> Schema:
    """The built-in (Zushi) schema, or one read from a TOML file (see the module docstring and the README)."""
    builtin = path is None
    path = builtin_schema_path() if builtin else Path(path)
    if path.is_dir():
        raise InputError(path, "スキーマのパスがフォルダです。", hint="--schema には TOML ファイルを指定してください。")
    try:
        data = read_toml(path, "スキーマファイル", _HINT)
    except FileNotFoundError:
        raise InputError(path, "スキーマファイルが見つかりません。", hint="--schema のパスを確認してください。") from None
    return parse_schema(path, data, BUILT_IN if builtin else str(path))


_HINT = ('UTF-8 の TOML で [columns] (program など) と [aspects] の表を書いてください'
         ' (例: [aspects] の下に reason = ["評価の理由"])。')


def parse_schema(path: Path, data: dict, source: str) -> Schema:
    """A Schema from a parsed TOML document, or an InputError naming what is wrong."""
    _only(path, data, {"columns", "aspects", "attributes", "support_types", "ignore", "notes"}, "未知の項目",
          "使えるのは [columns] [aspects] [attributes] [support_types] と ignore, notes です。")
    columns = _table(path, data, "columns")
    legacy = {k: columns.pop(k) for k in ZUSHI_ASPECTS if k in columns}  # older files listed Zushi's aspects here
    _only(path, columns, COLUMNS, "[columns] の未知の列名", f"[columns] に書けるのは {', '.join(COLUMNS)} です。"
          "本文の列は [aspects]、事業の属性は [attributes] に書きます。")
    parsed = {column: texts(path, f"[columns] の {column}", names) for column, names in columns.items()}
    aspects = [*_legacy_aspects(path, legacy), *(_aspect(path, k, v) for k, v in _table(path, data, "aspects").items())]
    attributes = {_key(path, "attributes", k): texts(path, f"[attributes] の {k}", v)
                  for k, v in _table(path, data, "attributes").items()}
    if "program" not in parsed or not aspects:
        raise InputError(path, "[columns] の program と、[aspects] の少なくとも一つが必要です。", hint=_HINT)
    seen = [*(a.key for a in aspects), *attributes]
    if repeated := sorted({k for k in seen if seen.count(k) > 1}):
        raise InputError(path, f"同じ名前が観点・属性に2回あります: {', '.join(repeated)}", hint="名前を一つずつにしてください。")
    for polarity in POLARITIES:
        marked = [a.key for a in aspects if a.polarity == polarity]
        if len(marked) > 1:
            raise InputError(path, f"polarity = \"{polarity}\" の観点が複数あります: {', '.join(marked)}",
                             hint="肯定側 (positive) と否定側 (negative) は、それぞれ一つの観点にだけ付けてください。")
    support_types = _table(path, data, "support_types")
    _only(path, support_types, {"known"}, "[support_types] の未知の項目",  # a misspelt key switched the check off
          '[support_types] に書けるのは known = ["…", …] (これまでの区分の値) だけです。')
    known = texts(path, "[support_types] の known", support_types.get("known", []), allow_empty=True)
    ignore = texts(path, "ignore", data.get("ignore", []), allow_empty=True, blank=True)  # "": columns of no header
    notes = data.get("notes", "attach")
    if notes not in ("attach", "separate"):
        raise InputError(path, f"notes の値は \"attach\" か \"separate\" です (今の値: {notes!r:.40})。",
                         hint='※ の行を上の項目の一部にするなら notes = "attach" (既定)、独立した項目にするなら "separate"。')
    schema = Schema(parsed, tuple(aspects), attributes, tuple(known), source, tuple(ignore), notes == "separate")
    _check_headers(path, schema.names)
    merged_aspects([schema])  # two aspects of one label: validate said 「効果 6, 効果 5」 where analyze stopped
    return schema


def _check_headers(path: Path, names: dict[str, list[str]]) -> None:
    """One header text names one column: the same text under two (compared as the table's headers are) would
    read one table column as whichever came first."""
    seen: dict[str, str] = {}
    for column, headers in names.items():
        for header in headers:
            other = seen.setdefault(normalize_header(header), column)
            if other != column:
                raise InputError(path, f"見出し「{header}」が {other} と {column} の両方にあります。",
                                 hint="一つの見出しは一つの列 ([columns]・[aspects]・[attributes] のどれか一つ) に"
                                 "だけ書いてください。")


def _only(path: Path, found: dict, allowed, what: str, hint: str) -> None:
    """Stop at a key of ``found`` not in ``allowed``: 「{what}: x, y」 at the line of the first."""
    if unknown := sorted(set(found) - set(allowed)):
        raise InputError(path, f"{what}: {', '.join(unknown)}", line=key_line(path, unknown), hint=hint)


def _table(path: Path, data: dict, name: str) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise InputError(path, f"[{name}] は表にしてください (今の値: {value!r:.40})。", hint=_HINT)
    return dict(value)


def _key(path: Path, table: str, key: str) -> str:
    """An aspect or attribute name that is a plain lower-case name colliding with no column the package
    writes (an aspect ``items`` would write ``n_items`` twice; an attribute ``z`` would overwrite ``z``)."""
    made = f"n_{key}" if table == "aspects" else key
    if not _KEY.fullmatch(key) or key in RESERVED or made in GENERATED or (table == "attributes" and key.startswith("n_")):
        raise InputError(path, f"[{table}] の名前 {key!r} は使えません"
                         f"{f' (出力の列 {made} と重なります)' if _KEY.fullmatch(key) else ''}。",
                         hint="半角英小文字で始まる英数字と _ の名前 (例: reason, rating) にし、出力の列の名前"
                         f" ({', '.join(sorted(RESERVED))}、n_ で始まる名前など) は避けてください。")
    return key


def _aspect(path: Path, key: str, value: object) -> Aspect:
    """``reason = ["評価の理由"]``, or ``reason = { headers = [...], label = "理由", long_label = "…",
    polarity = "positive" }``."""
    key = _key(path, "aspects", key)
    spec = value if isinstance(value, dict) else {"headers": value}
    _only(path, spec, {"headers", "label", "long_label", "polarity"}, f"[aspects] の {key} に未知の項目",
          "書けるのは headers, label, long_label, polarity です。")
    headers = texts(path, f"[aspects] の {key}", spec.get("headers"))
    label = texts(path, f"[aspects] の {key} の label", spec.get("label", headers[0]))[0]
    long_label = texts(path, f"[aspects] の {key} の long_label", spec.get("long_label", label))[0]
    if reserved(label):
        raise InputError(path, f"[aspects] の {key} のラベル「{label}」は、出力の表の列や行の名前と同じです。",
                         line=key_line(path, [key]), hint=f'{key} = {{ headers = ["{headers[0]}"], label = "…" }} のように'
                         "別のラベルを書いてください (元の表はそのままで構いません)。")
    polarity = spec.get("polarity")
    if polarity is not None and polarity not in POLARITIES:
        raise InputError(path, f"[aspects] の {key} の polarity は \"positive\" か \"negative\" です"
                         f" (今の値: {polarity!r:.40})。", line=key_line(path, [key]),
                         hint="肯定的な観点 (効果・成果) に positive、否定的な観点 (限界・課題) に negative を付けます。")
    return Aspect(key, tuple(headers), label, long_label, polarity)


def _legacy_aspects(path: Path, legacy: dict) -> list[Aspect]:
    """Zushi's aspects written under [columns] (older schema files): Zushi's labels and sides."""
    builtin = {a.key: a for a in load_schema(None).aspects} if legacy else {}
    return [Aspect(k, tuple(texts(path, f"[columns] の {k}", v)), builtin[k].label, builtin[k].long_label,
                   builtin[k].polarity) for k, v in legacy.items()]




@dataclass(frozen=True)
class Comparison:
    """What an analysis compares: the program-level column whose groups are compared (``by``: the support
    type, the city or any attribute) and the aspects in the schema's order. Every table, figure and
    report reads its groups and aspects from here (``metadata.json`` keeps it as ``comparison``)."""

    aspects: tuple[Aspect, ...]
    by: str = "support_type"
    by_label: str = "区分"
    attributes: dict[str, str] = field(default_factory=dict)  # attribute key → its label (first header text)
    columns: dict[str, str] = field(default_factory=dict)  # program_no / support_type → the tables' own header

    @property
    def aspect_keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.aspects)

    def side(self, polarity: str) -> tuple[str, ...]:
        """The keys of the aspects marked ``positive`` (or ``negative``): one per schema, so several only
        when tables of different schemas are analysed together (成果 in one city, 効果 in another)."""
        return tuple(a.key for a in self.aspects if a.polarity == polarity)

    @property
    def paired(self) -> bool:
        """True when the schemas mark both a positive and a negative aspect."""
        return bool(self.side("positive") and self.side("negative"))

    @property
    def sides(self) -> tuple[str, ...]:
        """The aspects a summary sets side by side: the positive then the negative ones, or every aspect."""
        return (*self.side("positive"), *self.side("negative")) if self.paired else self.aspect_keys

    def side_label(self, polarity: str, long: bool = False) -> str:
        """The label of the positive (or negative) side: 効果, or 効果・成果 for several schemas' aspects."""
        return listed(self.label(key, long) for key in self.side(polarity))

    def label(self, aspect: str, long: bool = False) -> str:
        """The aspect's Japanese label (全体 for the pooled rows)."""
        for a in self.aspects:
            if a.key == aspect:
                return a.long_label if long else a.label
        return "全体" if aspect == "all" else aspect

    def as_dict(self) -> dict:
        return {"by": self.by, "by_label": self.by_label, "aspects": [a.as_dict() for a in self.aspects],
                "attributes": self.attributes, "columns": self.columns}

    @classmethod
    def from_metadata(cls, metadata: dict | None) -> Comparison:
        """The comparison recorded in an analysis' metadata — the one way to rebuild it; metadata without
        one (tables of an old version, or no metadata.json) is an error, never silently Zushi's schema."""
        recorded = (metadata or {}).get("comparison")
        if not recorded:
            raise InputError(METADATA_NAME, "処理済みの表に、比べるグループと観点の記録 (comparison) がありません。",
                             hint="kyodo-analysis analyze (か run) で処理済みの表を作り直してください。")
        return cls.from_dict(recorded)

    @classmethod
    def from_dict(cls, recorded: dict) -> Comparison:
        """A comparison from its :meth:`as_dict` (as ``metadata.json`` keeps it)."""
        aspects = tuple(Aspect(a["key"], (a["header"],), a["label"], a["long_label"], a.get("polarity"))
                        for a in recorded["aspects"])
        return cls(aspects, recorded["by"], recorded["by_label"], dict(recorded.get("attributes", {})),
                   dict(recorded.get("columns", {"program_no": "NO", "support_type": "区分"})))

    @classmethod
    def of_schema(cls, schema: Schema, by: str, by_label: str) -> Comparison:
        """One table's comparison: its schema's aspects, attributes and own headers of the number and
        grouping columns (a column the schema lacks is absent: the programs are numbered in table order)."""
        return cls(schema.aspects, by, by_label, {key: shown_attribute(headers[0]) for key, headers in schema.attributes.items()},
                   {key: schema.columns[key][0] for key in GENERIC_COLUMNS if schema.columns.get(key)})

    @classmethod
    def combined(cls, parts: list[Comparison]) -> Comparison:
        """The comparison of tables analysed together, from each table's own (:meth:`of_schema`): the aspects in
        order of first appearance (their labels agree: :func:`merged_aspects`; a long label where the tables agree
        on it, else the short one: 今後必要なこと and 今後の方向性 → 今後), every table's attributes, and the name of the
        groups and the number and grouping columns' headers where the tables agree on them, else a neutral
        word (分野 and 区分 → 区分; an attribute's first table's name). A year's or a city's part of an
        analysis is the combination of its own tables', so its pages speak of its own aspects and columns only."""
        found: dict[str, list[Aspect]] = {}
        for part in parts:
            for aspect in part.aspects:
                found.setdefault(aspect.key, []).append(aspect)
        aspects = {key: replace(same[0], long_label=agreed([a.long_label for a in same], same[0].label))
                   for key, same in found.items()}
        columns = {key: agreed([part.columns[key] for part in parts if part.columns.get(key)], generic)
                   for key, generic in GENERIC_COLUMNS.items() if any(part.columns.get(key) for part in parts)}
        attributes = {key: label for part in parts for key, label in part.attributes.items()}
        by_label = agreed([part.by_label for part in parts], GENERIC_COLUMNS.get(parts[0].by, parts[0].by_label))
        return cls(tuple(aspects.values()), parts[0].by, by_label, attributes, columns)


def agreed(names: list[str], neutral: str) -> str:
    """The one name the tables agree on, else the neutral word (分野 and 区分 → 区分)."""
    return names[0] if len(set(names)) == 1 else neutral


def merged_aspects(schemas: list[Schema]) -> tuple[Aspect, ...]:
    """The aspects of several tables' schemas, in order of first appearance; one key means one aspect, so
    its label and side must agree across schemas (the first schema's long label is used), and two aspects
    may not share a label."""
    merged: dict[str, Aspect] = {}
    origin: dict[str, str] = {}  # the schema each aspect was first read from, named in the errors
    for schema in schemas:
        for aspect in schema.aspects:
            known = merged.setdefault(aspect.key, aspect)
            origin.setdefault(aspect.key, str(schema.source))
            if (known.label, known.polarity) != (aspect.label, aspect.polarity):
                raise InputError(schema.source, f"観点 {aspect.key} のラベルか polarity が、ほかの表のスキーマと違います "
                                 f"({known.label}/{known.polarity} と {aspect.label}/{aspect.polarity})。",
                                 hint="同じ名前の観点は同じ意味です。ラベルと polarity を揃えるか、別の名前にしてください。")
    for label in {a.label for a in merged.values()}:
        same = [a.key for a in merged.values() if a.label == label]
        if len(same) > 1:
            where = " と ".join(f"{key} ({origin[key]})" for key in same)
            raise InputError(schemas[-1].source, f"スキーマの観点 {where} のラベルが同じ「{label}」です。"
                             "表や図で見分けられないため、止めました。",
                             hint="別の観点ならスキーマの label を変え、同じ観点なら [aspects] の名前を揃えてください。")
    return tuple(merged.values())


METADATA_NAME = "metadata.json"


def zushi_comparison() -> Comparison:
    """The built-in comparison: Zushi's three aspects, by support type."""
    return Comparison(load_schema(None).aspects, columns={"program_no": "NO", "support_type": "区分"})
