"""Charts of where responses sit on the scale: bars by section, the heat map."""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.collections import PatchCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from tracker.reporting.charts.drawing import (
    CELL,
    INK,
    UNSCORED_COLOUR,
    Level,
    add_legend,
    cached_chart,
    check_common,
    check_rows,
    draw_figure,
    level_handles,
    level_styles,
    number_box,
    shorten,
    show_empty,
)


@cached_chart
def status_by_section(
    sections: Sequence[str],
    levels: Sequence[Level],
    counts: Sequence[Sequence[int]],
    *,
    title: str,
    unscored_label: str,
    fmt: str = "png",
    dpi: int = 100,
    empty_label: str = "No data to show",
    xlabel: str = "",
) -> bytes:
    """Horizontal stacked bars, one per section: how many items are at each level, then unscored."""
    check_common(levels, fmt, dpi)
    check_rows("counts", counts, len(sections), len(levels) + 1, "sections")
    for row in counts:
        if any(not isinstance(n, int) or n < 0 for n in row):
            raise ValueError("counts must be whole numbers of zero or more")
    styles = level_styles(levels)
    ordered = sorted(range(len(levels)), key=lambda i: levels[i].value)
    total = max((sum(row) for row in counts), default=0)

    def build(fig):
        ax = fig.add_subplot()
        if not sections or total == 0:
            show_empty(ax, title, empty_label)
            return
        names = [shorten(s, 30, 3) for s in sections]
        positions = list(range(len(sections)))[::-1]  # first section at the top
        left = [0] * len(sections)
        for i in ordered:
            face, edge, hatch = styles[levels[i].value]
            _stack(ax, positions, [row[i] for row in counts], left, face, edge, hatch, total)
        _stack(ax, positions, [r[-1] for r in counts], left, UNSCORED_COLOUR, "#505a5f", "", total)
        ax.set_yticks(positions, names)
        ax.set_xlim(0, total)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel(xlabel)
        ax.set_title(shorten(title, 70, 2), loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        handles = level_handles(levels, styles) + [
            Patch(
                facecolor=UNSCORED_COLOUR, edgecolor="#505a5f", label=shorten(unscored_label, 30, 1)
            )
        ]
        add_legend(fig, handles, handleheight=1.6, handlelength=2.4)

    height = 1.6 + 0.45 * max(len(sections), 1) + 0.3 * math.ceil((len(levels) + 1) / 3)
    return draw_figure(build, fmt, dpi, 8.0, height)


def _stack(ax, positions, values, left, face, edge, hatch, total):
    """One level's segment on every bar, its count printed where it fits."""
    ax.barh(
        positions,
        values,
        left=left,
        height=0.7,
        color=face,
        edgecolor=edge,
        hatch=hatch,
        linewidth=0.6,
    )
    for y, (start, n) in enumerate(zip(left, values, strict=True)):
        if n and n / total >= 0.04:
            number_box(ax, start + n / 2, positions[y], str(n))
    for i, n in enumerate(values):
        left[i] += n


@cached_chart
def heat_map(
    rows: Sequence[str],
    columns: Sequence[str],
    scores: Sequence[Sequence[int | None]],
    levels: Sequence[Level],
    not_triangulated: Sequence[Sequence[bool]],
    *,
    title: str,
    no_score_label: str,
    flag_label: str,
    fmt: str = "png",
    dpi: int = 100,
    empty_label: str = "No data to show",
) -> bytes:
    """Organisations × items, each cell coloured and hatched by its level with the score printed.

    A cell whose evidence is not triangulated carries a black triangle; a cell without a score
    is pale grey with a dash.
    """
    check_common(levels, fmt, dpi)
    check_rows("scores", scores, len(rows), len(columns), "rows")
    check_rows("not_triangulated", not_triangulated, len(rows), len(columns), "rows")
    styles = level_styles(levels)
    for row in scores:
        for score in row:
            if score is not None and score not in styles:
                raise ValueError(f"score {score!r} is not a level of the scale")
    anything = any(s is not None for row in scores for s in row)

    def build(fig):
        ax = fig.add_subplot()
        if not rows or not columns or not anything:
            show_empty(ax, title, empty_label)
            return
        _cells(ax, scores, styles, not_triangulated)
        ax.set_xlim(0, len(columns))
        ax.set_ylim(len(rows), 0)
        ax.set_xticks([c + 0.5 for c in range(len(columns))], [shorten(c, 12, 1) for c in columns])
        ax.set_yticks([r + 0.5 for r in range(len(rows))], [shorten(r, 34, 1) for r in rows])
        ax.xaxis.tick_top()
        if len(columns) > 8 or max(len(c) for c in columns) > 4:
            ax.tick_params(axis="x", labelrotation=90)
        ax.tick_params(length=0)
        ax.set_title(shorten(title, 70, 2), loc="left")
        for spine in ax.spines.values():
            spine.set_visible(False)
        handles = level_handles(levels, styles) + [
            Patch(
                facecolor=UNSCORED_COLOUR,
                edgecolor="#505a5f",
                label=f"– {shorten(no_score_label, 30, 1)}",
            ),
            Line2D(
                [],
                [],
                marker="^",
                color=INK,
                linestyle="none",
                markersize=7,
                markeredgecolor="white",
                label=shorten(flag_label, 40, 1),
            ),
        ]
        add_legend(fig, handles, handleheight=1.6, handlelength=2.4)

    # Square cells of about 0.4 in, beside labels of about 2.8 in, above a legend.
    header = 0.6 + (0.45 if columns and max(len(c) for c in columns) > 1 else 0.25)
    legend = 0.3 * math.ceil((len(levels) + 2) / 3) + 0.2
    width = min(max(3.1 + CELL * len(columns), 7.0), 16)
    height = min(header + CELL * max(len(rows), 1) + legend, 30)
    return draw_figure(build, fmt, dpi, width, height)


def _cells(ax, scores, styles, not_triangulated) -> None:
    """Every cell of the heat map, drawn as a few collections rather than one patch per cell
    (a national grid has hundreds of cells, and each artist costs time to draw and lay out)."""
    by_face: dict[int | None, list[Rectangle]] = {}
    for r, row in enumerate(scores):
        for c, score in enumerate(row):
            by_face.setdefault(score, []).append(Rectangle((c, r), 1, 1))
    for score, cells in by_face.items():
        face, edge, hatch = styles[score] if score is not None else (UNSCORED_COLOUR, "white", "")
        ax.add_collection(
            PatchCollection(cells, facecolor=face, edgecolor=edge, hatch=hatch, linewidth=0),
            autolim=False,
        )
    rows, columns = len(scores), len(scores[0])
    # White rules between cells, then a white box behind each number so it reads over hatching.
    ax.vlines(range(1, columns), 0, rows, colors="white", linewidth=1.5)
    ax.hlines(range(1, rows), 0, columns, colors="white", linewidth=1.5)
    scored = [(c, r, s) for r, row in enumerate(scores) for c, s in enumerate(row) if s is not None]
    ax.scatter(
        [c + 0.4 for c, _r, _s in scored],
        [r + 0.5 for _c, r, _s in scored],
        s=110,
        marker="s",
        color="white",
        linewidths=0,
    )
    # The numbers as markers, one collection per level: hundreds of text objects are slow.
    for score in sorted({s for _c, _r, s in scored}):
        at = [(c, r) for c, r, s in scored if s == score]
        ax.scatter(
            [c + 0.4 for c, _r in at],
            [r + 0.5 for _c, r in at],
            s=38 * len(str(score)),
            marker=f"${score}$",
            color=INK,
            linewidths=0,
        )
    unscored = [(c, r) for r, row in enumerate(scores) for c, s in enumerate(row) if s is None]
    ax.scatter(
        [c + 0.5 for c, _r in unscored],
        [r + 0.5 for _c, r in unscored],
        s=30,
        marker="_",
        color="#505a5f",
        linewidths=1,
    )
    flagged = [(c, r) for r, row in enumerate(not_triangulated) for c, f in enumerate(row) if f]
    ax.scatter(
        [c + 0.8 for c, _r in flagged],
        [r + 0.25 for _c, r in flagged],
        s=42,
        marker="^",
        color=INK,
        edgecolors="white",
        linewidths=0.6,
        zorder=3,
    )
