"""Figures out of the process: files (PNG at 200 dpi, SVG, PDF) with fixed dates and the provenance
embedded, PNG bytes, and the image a notebook shows; each after the missing-glyph check, so the same
figure always gives the same bytes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from matplotlib.figure import Figure

from .style import DPI, MISSING, WIDTH, glyphs_required, replace_missing_glyphs, style

FORMATS = ("png", "svg", "pdf")
PAD = 0.15  # inches around a saved figure's drawn box (style.WIDTH leaves room for it)


def provenance(metadata: dict) -> str:
    """What produced a figure: raw files with SHA-256, dictionary, word lists and coding rules."""
    parts = [f"raw: {f['file']} sha256={f['sha256']}" for f in metadata.get("raw_files", [])]
    info = metadata.get("dictionary")
    if info:
        parts.append(f"dictionary: {info['dictionary']} {info['dictionary_version']} (UniDic {info['unidic_version']})")
    for name, entry in sorted(metadata.get("word_lists", {}).items()):
        parts.append(f"{name}: {entry['source']} sha256={entry['sha256']}")
    rules = metadata.get("coding_rules")
    if rules:
        parts.append(f"coding_rules: {rules['source']} sha256={rules['sha256']}")
    return "; ".join(parts)


def save_figure(fig: Figure, out_dir: str | Path, name: str, metadata: dict | None = None) -> list[Path]:
    """Save PNG (200 dpi), SVG and PDF with fixed dates and the provenance embedded, failing on any
    missing glyph. The same figure gives the same bytes. The layout and the page box are computed once,
    for the PNG, and kept for the SVG and the PDF: each savefig would otherwise lay the figure out again
    and draw it twice (once to measure it), a fifth of the figures' time for the same picture."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = provenance(metadata or {})
    missing = replace_missing_glyphs(fig)
    if missing:
        print(f"警告: 図 {name}: フォントにない文字 {' '.join(sorted(missing))} を {MISSING} で表しました。", file=sys.stderr)
    paths, box, engine = [], "tight", fig.get_layout_engine()
    try:
        with style(), glyphs_required():
            for fmt in FORMATS:
                path = out_dir / f"{name}.{fmt}"
                embedded = {"png": {"Software": None, "Description": source},
                            "svg": {"Date": None, "Creator": None, "Description": source},
                            "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None,
                                    "Subject": source}}[fmt]
                fig.savefig(path, format=fmt, dpi=DPI, metadata=embedded, bbox_inches=box, pad_inches=PAD)
                paths.append(path)
                if fmt == FORMATS[0]:  # laid out once, by the PNG: the other files draw that layout in one pass
                    box = fig.get_tightbbox().padded(PAD)
                    fig.set_layout_engine(None)
    except Exception as error:
        cause = os_error_within(error)
        if cause is error:
            raise
        raise cause from error
    finally:
        fig.set_layout_engine(engine)
    return paths


def os_error_within(error: Exception) -> Exception:
    """The OSError an error was raised in handling, else the error: matplotlib's PDF writer, its disk full,
    raises an AttributeError while handling the ENOSPC, which the command line would show as a traceback
    instead of 「ディスクの空きがありません」."""
    seen = error
    while seen is not None and not isinstance(seen, OSError):
        seen = seen.__context__
    return seen if seen is not None else error


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes, with the same missing-glyph check as saving."""
    buffer = io.BytesIO()
    replace_missing_glyphs(fig)
    with style(), glyphs_required():
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight", pad_inches=PAD)
    return buffer.getvalue()


def figure_title(fig: Figure) -> str:
    """What a figure shows, as its titles say: the figure's title, else its panels' titles (the text a
    screen reader gives for the figure on a rendered page)."""
    titles = [fig.get_suptitle()] if fig.get_suptitle() else [ax.get_title() for ax in fig.axes if ax.get_title()]
    return "、".join(" ".join(title.split()) for title in titles) or "図"


def show(fig: Figure):
    """Display a figure in a notebook as a PNG at its printed size (16 cm wide), after checking every glyph,
    with its titles as the alternative text (kept on the rendered page: ``resources/page.html.j2``)."""
    from IPython.display import Image  # late: only notebooks show figures; the command line and figure workers never need IPython

    data = png_bytes(fig, dpi=120)
    return Image(data=data, width=int(WIDTH * 96), alt=f"図: {figure_title(fig)}")
