"""The words around a figure: its footnote (what it shows, then the source table and dictionary) wrapped
to the page, group names short enough for the figure (or circled numbers explained in the footnote), and
the note that stands in for a figure that cannot be drawn."""

from __future__ import annotations

import textwrap
import unicodedata

from matplotlib.figure import Figure

from ..stats import program_keys
from ..tokens import tagger
from ..years import compared_labels
from .style import NOTE_FONT, WIDTH, new_figure, styled


def source_note(metadata: dict) -> str:
    """Footnote text: the source tables (city and title from the manifest, each followed by its files and years:
    逗子市「…」 a.tsv (2024年度), b.xlsx (2025年度); 架空市A「…」 c.csv (2024年度)) and the dictionary used."""
    sources: dict[str, list[str]] = {}
    for f in metadata.get("raw_files", []):
        title = f"{f.get('city') or ''}「{f['title']}」 " if f.get("title") else ""
        sources.setdefault(title, []).append(f"{f['file']} ({f['year']}年度)" if f.get("year") else f"{f['file']} (年度不明)")
    note = "出典: " + "; ".join(title + ", ".join(files) for title, files in sources.items())
    info = metadata.get("dictionary")
    if info:
        note += (f" / 形態素解析: {info['dictionary']} {info['dictionary_version']} (UniDic {info['unidic_version']}),"
                 f" {info['tokenizer']} {info['tokenizer_version']}")
    return note


NO_LINE_START = set("、。，．,.)）」』】〕〉》・：；:;！？!?ー々ぁぃぅぇぉっゃゅょァィゥェォッャュョ")  # 行頭禁則


def wrap_to(text: str, size: float, width: float = WIDTH) -> list[str]:
    """``text`` cut into lines that fit ``width`` inches at ``size`` points (full-width characters count
    1 em, others about 0.55 em), never inside a word of Latin letters or digits, and no line starting with
    punctuation or a small kana (行頭禁則: the character before goes down with it)."""
    room = width * 72 / size
    lines, line, used = [], "", 0.0
    for char in text:
        used += 1.0 if unicodedata.east_asian_width(char) in "WFA" else 0.55
        line += char
        if used > room:
            cut = len(line) - 1
            while cut > 0 and line[cut - 1].isascii() and line[cut - 1] != " " and line[cut].isascii():
                cut -= 1
            while cut > 1 and line[cut] in NO_LINE_START:
                cut -= 1
            cut = cut or len(line) - 1
            lines.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
            used = _ems(line)
    return [*lines, line] if line else lines


def add_footnote(fig: Figure, metadata: dict, extra: str = "") -> None:
    """The footnote under a figure: what it shows (``extra``), then the source; wrapped to the page width."""
    lines = [line for part in (extra, source_note(metadata)) if part for line in wrap_to(part, NOTE_FONT)]
    fig.text(0.0, 0.0, "\n".join(lines), ha="left", va="top", fontsize=NOTE_FONT, color="#444444",
             transform=fig.transFigure)


CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _ems(text: str) -> float:
    """Width in ems: full-width characters 1, others about 0.55 (as :func:`wrap_to` counts)."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.55 for c in text)


def word_ends(name: str) -> list[int]:
    """Where the words of a name end, as the morphological analyser cuts it (市民 / 活動 / 支援); its dictionary
    loads only when a name must be split."""
    ends, end = [], 0
    for word in tagger()(name):
        start = name.find(word.surface, end)
        if start < 0:  # a surface the analyser wrote otherwise: no word ends to offer
            return []
        end = start + len(word.surface)
        ends.append(end)
    return ends


def _halves(name: str, ems: float = float("inf")) -> str:
    """A name over two lines of about equal width, cut between words where both halves fit ``ems`` (市民活動 / 支援,
    財政的 / 支援, not 市民活 / 動支援), else in its middle; never inside a run of Latin letters or digits, and never
    with a second line that begins with a mark that may not begin one (子育て・ / 教育, not 子育て / ・教育)."""
    middle = next(k for k in range(1, len(name) + 1) if _ems(name[:k]) >= _ems(name) / 2)
    ends = [k for k in word_ends(name) if 0 < k < len(name) and max(_ems(name[:k]), _ems(name[k:])) <= ems]
    cut = min(ends, key=lambda k: (abs(_ems(name[:k]) - _ems(name) / 2), -k)) if ends else middle
    while 0 < cut < len(name) and ((name[cut - 1].isascii() and name[cut].isascii() and name[cut - 1] != " ")
                                   or name[cut] in NO_LINE_START):
        cut += 1
    return f"{name[:cut].rstrip()}\n{name[cut:].lstrip()}" if 0 < cut < len(name) else name


def _fits(label: str, ems: float) -> bool:
    """Whether ``label`` fits a line of ``ems``, or two: its longer half (:func:`_halves`) no wider than one
    (財政的支援 in 2.5 ems: 財政的 is 3, so it does not)."""
    return _ems(label) <= ems or max(_ems(line) for line in _halves(label, ems).split("\n")) <= ems


def group_names(order: list[str], ems: float, what: str, metadata: dict | None = None) -> tuple[dict[str, str], str]:
    """How each group is written where ``ems`` full-width characters fit on a line: as it is (a compared
    city with its table's year, :func:`years.compared_labels`), or split into two halves, when every name
    fits so; otherwise each group as a circled number (①, ②…) with the full names in a note for the
    footnote (one style per figure, never a mix)."""
    full = compared_labels(metadata or {})
    names = {str(name): full.get(str(name), str(name)) for name in order}
    if all(_fits(label, ems) for label in names.values()):
        return {name: label if _ems(label) <= ems else _halves(label, ems) for name, label in names.items()}, ""
    shown = {name: CIRCLED[k] for k, name in enumerate(names)}  # figures of more groups are notes (crowded)
    return shown, f"{what}: " + "、".join(f"{shown[name]} {label}" for name, label in names.items()) + "。"


MAX_FIGURE_GROUPS = len(CIRCLED)  # beyond ⑳ the marks would repeat; a thousand panels took hours to lay out


def crowded(title: str, order: list, what: str, metadata: dict) -> Figure | None:
    """A note in place of a figure drawn per group when it has more groups than marks to tell them apart
    at 16 cm (every group is still in the tables); None when the figure can be drawn."""
    if len(order) <= MAX_FIGURE_GROUPS:
        return None
    return plot_note(title, f"{what}が {len(order):,} あり、1 枚の図で見分けられる数 ({MAX_FIGURE_GROUPS}) を"
                     "超えています。\n数はすべて表 (CSV と Excel の各シート) にあります。", metadata)


@styled
def plot_note(title: str, note: str, metadata: dict) -> Figure:
    """A figure that says why the analysis it stands for cannot be drawn (e.g. a table with no items)."""
    fig, ax = new_figure(1.2)
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", color="#555555")
    add_footnote(fig, metadata)
    return fig


def wrap(text: str, width: int = 40) -> str:
    """Wrap Japanese text for table cells and labels (by character count)."""
    return "\n".join(textwrap.wrap(text, width)) if text else text


def single_item_pairs(edges, items) -> str:
    """「。うち 38 本は 1 項目だけで、55 本は 1 事業の項目だけで一緒に出る語の組」: how many drawn links rest on one item
    alone (n_both = 1) and on one program's items (the program is the unit: a KH Coder user counted 55 of 68), so
    that a reader weighs them as the single sentences and programs they are; nothing when none does."""
    program_of = dict(zip(items["item_id"].tolist(), program_keys(items).tolist(), strict=True))
    one_program = sum(len({program_of.get(i) for i in ids.split(" ")}) == 1 for ids in edges["item_ids"].tolist())
    single = int((edges["n_both"] == 1).sum())
    said = [text for n, text in ((single, f"{single} 本は 1 項目だけ"), (one_program, f"{one_program} 本は 1 事業の項目だけ"))
            if n]
    return f"。うち {'、'.join(said)}で一緒に出る語の組" if said else ""
