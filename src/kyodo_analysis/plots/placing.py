"""Labels beside the points of a map, placed where they hide no other label, point or group: first the groups'
names (on their inner side when it is free), then the terms' (largest first). Deterministic."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.transforms import Bbox

# where a label may sit beside its point (offset in points, alignment), nearest first; then the same, further out
LABEL_PLACES = [(5, 5, "left", "bottom"), (5, -5, "left", "top"), (-5, 5, "right", "bottom"), (-5, -5, "right", "top"),
                (0, 8, "center", "bottom"), (0, -8, "center", "top"), (8, 0, "left", "center"), (-8, 0, "right", "center")]
LABEL_REACH = (1, 2.5, 4.5)
AMBIGUOUS = 8  # points: another point this much nearer a label than its own, or less, could be read as its owner
LEADER = {"arrowstyle": "-", "color": "#888888", "linewidth": 0.5, "shrinkA": 0, "shrinkB": 3}
Markers = dict[tuple[float, float], float]  # size in points² by place


def _overlap(a, b) -> float:
    """The area two display boxes share (0 when apart)."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0) * max(height, 0)


def _marker_box(ax, x: float, y: float, size: float):
    """The display box of a scatter marker of ``size`` points² at (x, y)."""
    cx, cy = ax.transData.transform((x, y))
    r = np.sqrt(size) / 2 * ax.figure.dpi / 72
    return Bbox.from_extents(cx - r, cy - r, cx + r, cy + r)


def _label_at(ax, xy: tuple[float, float], text: str, place: tuple, reach: float, leader: bool = False):
    """A point's label at ``place`` × ``reach``; with ``leader``, a thin line from the label to its point."""
    dx, dy, ha, va = place
    label = ax.annotate(text, xy, xytext=(dx * reach, dy * reach), textcoords="offset points", fontsize=8, ha=ha, va=va,
                        annotation_clip=False, arrowprops=LEADER if leader else None,
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    label.set_in_layout(False)  # the axes keep the place they were given when the labels were placed
    return label


def _group_label_at(ax, xy: tuple[float, float], text: str, place: tuple, reach: float, color: str, leader: bool = False):
    """A group's name in white on its colour at ``place`` × ``reach``, above the terms' points."""
    dx, dy, ha, va = place
    label = ax.annotate(text, xy, xytext=(dx * reach, dy * reach), textcoords="offset points", fontsize=8.5, ha=ha, va=va,
                        color="white", zorder=4, annotation_clip=False, arrowprops=LEADER if leader else None,
                        bbox={"boxstyle": "round,pad=0.3", "facecolor": color, "edgecolor": "none"})
    label.set_in_layout(False)
    return label


def fixed_limits(ax):
    """The axes' limits and the figure's layout fixed, so that the places measured are the places drawn; and a
    renderer to measure with."""
    fig = ax.figure
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax.autoscale_view()
    ax.set_xlim(ax.get_xlim())
    ax.set_ylim(ax.get_ylim())
    fig.draw_without_rendering()
    return renderer


def best_place(make: Callable, places: list[tuple], reaches: tuple[float, ...], obstacles: list, inside, renderer):
    """(cost, label, box, place, reach) of the first place × reach whose label overlaps no obstacle and stays
    inside the axes, else of the one that overlaps least; ``make(place, reach)`` draws a candidate."""
    best = None
    for reach in reaches:
        for place in places:
            label = make(place, reach)
            box = label.get_window_extent(renderer).padded(1)
            cost = box.width * box.height - _overlap(box, inside) + sum(_overlap(box, o) for o in obstacles)
            if best is not None and cost >= best[0]:
                label.remove()
                continue
            if best is not None:
                best[1].remove()
            best = (cost, label, box, place, reach)
            if cost == 0:
                return best
    return best


def place_group_labels(ax, groups: list[tuple[float, float, str, str]], markers: Markers) -> None:
    """Name each group (x, y, name, colour) on the inner side of its square — terms of that group only lie beyond
    it — or, where a term's point or an earlier name is there, at the nearest free place of ``LABEL_PLACES``
    (a reviewer found a point hidden under a name), tied to its square by a line when set further out."""
    renderer = fixed_limits(ax)
    inside, taken = ax.get_window_extent(renderer), [t.get_window_extent(renderer) for t in ax.texts]
    for x, y, name, color in groups:
        sideways = abs(x) >= abs(y)
        inner = ((8 * np.sign(-x), 0, "left" if -x > 0 else "right", "center") if sideways
                 else (0, 9 * np.sign(-y), "center", "bottom" if -y > 0 else "top"))
        obstacles = taken + [_marker_box(ax, *xy, size) for xy, size in markers.items() if xy != (x, y)]
        best = best_place(lambda place, reach: _group_label_at(ax, (x, y), name, place, reach, color),  # noqa: B023
                          [inner, *LABEL_PLACES], (1, 2.5), obstacles, inside, renderer)
        if best[4] > 1:
            best[1].remove()
            _group_label_at(ax, (x, y), name, best[3], best[4], color, leader=True)
        taken.append(best[2])


def place_labels(ax, labels: list[tuple[float, float, str]], markers: Markers) -> None:
    """Label each point (in the order given: the largest first) at the first place of ``LABEL_PLACES`` ×
    ``LABEL_REACH`` whose box overlaps no label placed before it, no text already in the axes (the groups'
    names), no marker but its own (``markers``) and stays inside the axes; where no place is free, at the one
    that overlaps least. A label set further out than the nearest places, or about as near another point as
    its own, is tied to its point by a thin line. The limits and the figure's layout are fixed first and the
    labels kept out of the layout, so the places found are the places drawn."""
    renderer = fixed_limits(ax)
    inside, taken = ax.get_window_extent(renderer), [t.get_window_extent(renderer) for t in ax.texts]
    for x, y, text in labels:
        obstacles = taken + [_marker_box(ax, *xy, size) for xy, size in markers.items() if xy != (x, y)]
        best = best_place(lambda place, reach: _label_at(ax, (x, y), text, place, reach),  # noqa: B023
                          LABEL_PLACES, LABEL_REACH, obstacles, inside, renderer)
        if best[4] > 1 or _nearer_point(ax, best[2], (x, y), markers):  # tied to its point by a line
            best[1].remove()
            _label_at(ax, (x, y), text, best[3], best[4], leader=True)
        taken.append(best[2])


def _nearer_point(ax, box, own: tuple[float, float], markers: Markers) -> bool:
    """Whether another point lies about as near the label's box as its own, or nearer (``AMBIGUOUS``): a reader
    could take the label for that point's."""
    def distance(xy: tuple[float, float]) -> float:
        px, py = ax.transData.transform(xy)
        return float(np.hypot(max(box.x0 - px, 0, px - box.x1), max(box.y0 - py, 0, py - box.y1)))
    mine = distance(own) + AMBIGUOUS * ax.figure.dpi / 72
    return any(distance(xy) < mine for xy in markers if xy != own)
