"""The Word summary (``kyodo_summary.docx``): per group (support type) what worked and what fell short, in the
city's own items and in sentences computed from the tables, with the figures and their sources — an
A4 document the planning team can edit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from .analysis import Analysis
from .headings import NOTEBOOK_TEXT, document_intro, document_title
from .labels import cities_of, per_group, table_noun, year_label
from .methods import methods_paragraph
from .plots import figure_names, source_note
from .plots.groups import heatmap_panels, heatmap_title
from .report import items_by_group, normalize_zip
from .schema import Comparison
from .sentences import figure_sources, group_name
from .slices import for_year, page_years
from .stats import group_order
from .topics import no_codes_sentence, review_summary, summary_sentences
from .year_sentences import code_change_lines, year_change_lines

FONT = "游ゴシック"  # what Japanese Word shows by default; the reviewer's Word substitutes if missing


def figures_shown(comparison: Comparison, groups: int, pooled: bool) -> list[tuple[str, str]]:
    """(figure file name, caption) of the two figures the summary shows, for ``groups`` groups (``pooled``:
    the code heatmap shows the aspects pooled, :func:`plots.groups.heatmap_panels`)."""
    names, what = figure_names(comparison), comparison.by_label
    if comparison.paired:
        positive, negative = comparison.side_label("positive"), comparison.side_label("negative")
        side = f"{per_group(what, groups, 'の')}「{negative}」の語 (左) と「{positive}」の語 (右)"
    else:
        side = "観点ごとの特徴語 (その観点 対 他の観点)"
    return [(names[1], side), (names[3], heatmap_title(what, pooled))]


def _document():
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)  # a 16 cm text column, as the figures are drawn for
    for name in ("Normal", "Heading 1", "Heading 2", "Caption", "Table Grid"):
        style = doc.styles[name]
        style.font.name = FONT
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    doc.styles["Normal"].font.size = Pt(10.5)
    return doc


def _table(doc, frame: pd.DataFrame, widths_cm: list[float] | None = None) -> None:
    """A Word table of a frame: header row repeated on every page, text as written."""
    table = doc.add_table(rows=1, cols=len(frame.columns), style="Table Grid")
    header = table.rows[0]
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(flag)
    for cell, name in zip(header.cells, frame.columns, strict=True):
        cell.text = str(name)
    for values in frame.itertuples(index=False):
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = "" if pd.isna(value) else str(value)
    for row in table.rows:
        for k, cell in enumerate(row.cells):
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8.5)
            if widths_cm:
                cell.width = Cm(widths_cm[k])


@dataclass
class Numbers:
    """The last figure and table numbers given: 図1, 表1 … run on through the document's chapters."""
    figure: int = 0
    table: int = 0

    def next_table(self) -> str:
        self.table += 1
        return f"表{self.table}"


def _support_section(doc, summary: pd.DataFrame, comparison: Comparison, group: str, sentence: str,
                     heading: str, table: str, numbers: Numbers) -> None:
    """One group's sentence and its rows of :func:`review_summary`: the city's items by code (``table``: what
    the tables are called, :func:`labels.table_noun`), under a numbered caption."""
    doc.add_heading(heading, level=2)
    doc.add_paragraph(sentence)
    rows = summary[summary[comparison.by_label] == group] if len(summary) else summary
    if rows.empty:
        return  # the sentence says why (no such columns, or no items)
    doc.add_paragraph(f"{numbers.next_table()}　{heading}: コードごとの{table}の記述 (コードに当たる事業数・項目数と項目)",
                      style="Caption")
    labels = [comparison.label(a) for a in comparison.sides]
    shown = pd.DataFrame({"コード": rows["コード"], **{
        f"{label} ({table}の記述)": [f"{p}事業・{n}項目\n{t}" if n else "—" for p, n, t in
                               zip(rows[f"{label}の事業数"], rows[f"{label}の項目数"], rows[label], strict=True)]
        for label in labels}})
    _table(doc, shown, [3.0, *[13.0 / len(labels)] * len(labels)])


FIGURE_WIDTH, FIGURE_MAX_HEIGHT = Cm(16), Cm(21)  # the text column; the page's text height less two caption lines


def _figure(doc, path: Path, number: int, caption: str, metadata: dict, tables: str) -> None:
    """A figure 16 cm wide, or shrunk to fit the page's height with its caption (a heatmap of many codes, the
    paired terms of many groups): Word cuts an inline picture taller than the page."""
    picture = doc.add_picture(str(path), width=FIGURE_WIDTH)
    if picture.height > FIGURE_MAX_HEIGHT:
        picture.width, picture.height = round(picture.width * FIGURE_MAX_HEIGHT / picture.height), FIGURE_MAX_HEIGHT
    picture._inline.docPr.set("descr", f"図{number}　{caption}")  # Word's alternative text (python-docx has no setter)
    doc.add_paragraph(f"図{number}　{caption}", style="Caption")
    doc.add_paragraph(" ".join(part for part in (tables, source_note(metadata)) if part), style="Caption")


def write_summary(analysis: Analysis, figures: Path, path: str | Path, out_dir: str = "data/processed") -> Path:
    """``kyodo_summary.docx``: the tables' titles, what changed between years (for a city with several),
    then one chapter per year (or the one table): each group's summary and the city's items by code, then
    the figures with captions and sources. ``out_dir`` is where the run wrote its tables, as it was told.
    Each chapter speaks of its own tables' aspects and groups (:func:`slices.part_metadata`)."""
    doc = _document()
    parts = [(year, for_year(analysis, year)) for year in page_years(analysis)]
    title = document_title(analysis, [part for _, part in parts])
    doc.add_heading(title, level=1)
    doc.core_properties.title = title  # the file's own title (Word's 情報 pane, a library's list), not empty
    doc.add_paragraph(source_note(analysis.metadata))
    doc.add_paragraph(document_intro(out_dir, analysis.metadata))
    changes = year_change_lines(analysis)
    if changes:
        doc.add_heading("年度の変化", level=1)
        by_label = Comparison.from_metadata(analysis.metadata).by_label
        doc.add_paragraph(NOTEBOOK_TEXT["year_changes"].split("\n\n", 1)[1].format(by=by_label))
        for line in [*changes, *code_change_lines(analysis)]:
            doc.add_paragraph(line, style="List Bullet")
    numbers, methods = Numbers(), []
    for year, part in parts:  # one chapter per year; cities compared across years: one chapter
        methods.append(("" if year is None else f"{year_label(year)}: ") + methods_paragraph(part))
        if year is not None:
            doc.add_heading(chapter_heading(year, part, analysis), level=1)
        _chapter(doc, part, figures, "" if year is None else f"_{year}", out_dir, numbers)
    doc.add_heading("方法", level=1)
    for paragraph in methods:
        doc.add_paragraph(paragraph)
    return _save(doc, Path(path))


def chapter_heading(year: int, part: Analysis, analysis: Analysis) -> str:
    """A year's chapter heading: 2024年度, with the cities whose tables it holds when the document holds
    several cities' tables (2024年度 (架空市A))."""
    own, every = cities_of(part.metadata), cities_of(analysis.metadata)
    return f"{year_label(year)} ({'・'.join(own)})" if len(every) > 1 and own else year_label(year)


def _chapter(doc, part: Analysis, figures: Path, suffix: str, out_dir: str, numbers: Numbers) -> None:
    """One year's (or the one table's) chapter: the counts by group, each group's summary, then the figures,
    numbered on from ``numbers``."""
    comparison = Comparison.from_metadata(part.metadata)
    groups = group_order(part["items"], comparison.by)
    doc.add_paragraph(f"{numbers.next_table()}　{per_group(comparison.by_label, len(groups), 'の')}事業数と、観点ごとの項目数"
                      " (箇条書きの1項目を1件)", style="Caption")  # one group: no 「区分ごとの」 (a newcomer's 区分なし table)
    _table(doc, items_by_group(part["programs"], comparison).reset_index().astype(str))
    summary = review_summary(part)
    if no_codes_sentence(part):
        doc.add_paragraph(no_codes_sentence(part))
    for group, sentence in zip(groups, summary_sentences(part), strict=True):
        _support_section(doc, summary, comparison, group, sentence, group_name(group, part), table_noun(part.metadata),
                         numbers)
    for name, caption in figures_shown(comparison, len(groups), heatmap_panels(part["codes"], comparison) == ["all"]):
        if (figures / f"{name}{suffix}.png").exists():
            numbers.figure += 1
            _figure(doc, figures / f"{name}{suffix}.png", numbers.figure, caption, part.metadata,
                    figure_sources(name, comparison.by, out_dir))


def _save(doc, path: Path) -> Path:
    """Save with fixed document dates and zip timestamps: the same tables give the same bytes."""
    core = doc.core_properties
    core.author = core.last_modified_by = "kyodo-analysis"
    core.created = core.modified = dt.datetime(2000, 1, 1)
    core.revision = 1
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.docx")
    doc.save(str(tmp))
    normalize_zip(tmp, path)
    tmp.unlink()
    return path
