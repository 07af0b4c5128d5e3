"""Charts for dashboards and statements: matplotlib figures returned as image bytes.

Nothing here knows about HTTP or the database: callers pass plain values (labels already in the
reader's language) and get PNG (or SVG) bytes back. Every chart is readable without colour: each
level has a colour-blind-safe colour *and* its own hatching, and the numbers are printed on it.
Results are cached in-process, keyed by the data they show, so an unchanged chart is drawn once.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import io
import math
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import matplotlib.colors
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

__all__ = [
    "Level",
    "cache_stats",
    "calibration",
    "clear_cache",
    "heat_map",
    "profile",
    "status_by_section",
    "trend",
]


@dataclass(frozen=True)
class Level:
    """One step of a framework's scale, as a chart shows it."""

    value: int
    label: str  # already in the reader's language
    rag: str  # "red" | "amber" | "green"


# Okabe–Ito colours, safe for the common kinds of colour blindness; the hatching (below) and the
# printed numbers carry the meaning for readers who see neither hue nor shade.
RAG_COLOURS = {"red": "#D55E00", "amber": "#E69F00", "green": "#009E73"}
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
HATCHES = ["", "///", "...", "xxx", "\\\\\\", "+++", "ooo", "---", "|||"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINE_STYLES = ["-", "--", ":", "-."]
UNSCORED_COLOUR = "#F3F2F1"
CELL = 0.4  # inches: a heat map cell
INK = "#0B0C0C"
FORMATS = {"png", "svg"}

# Drawing happens under one lock with the project's style, so a chart never sees another
# thread's settings and the bytes are the same every time.
_STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "hatch.linewidth": 0.6,
    "svg.hashsalt": "safeguarding-tracker",
    "svg.fonttype": "path",
    "axes.edgecolor": "#505a5f",
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
}
_RENDER_LOCK = threading.Lock()


# --- cache ---------------------------------------------------------------------------------


class _ChartCache:
    """A bounded, thread-safe LRU of chart bytes keyed by SHA-256 of the call."""

    def __init__(self, size: int = 256):
        self.size = size
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
                self._entries.move_to_end(key)
            return found

    def put(self, key: str, value: bytes) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


_cache = _ChartCache()


def cache_stats() -> dict[str, int]:
    """How often a chart came from the cache (hits) or was drawn (misses), and how many are kept."""
    return {"hits": _cache.hits, "misses": _cache.misses, "size": len(_cache._entries)}


def clear_cache() -> None:
    """Forget every cached chart and reset the counts."""
    _cache.clear()


def _plain(value):
    """The value as nested tuples of plain scalars, so equal data gives an equal key."""
    if isinstance(value, Level):
        return ("Level", value.value, value.label, value.rag)
    if isinstance(value, str | bytes | int | float | bool) or value is None:
        return value
    if isinstance(value, Sequence) or hasattr(value, "__iter__"):
        return tuple(_plain(v) for v in value)
    return repr(value)


def _cached(draw):
    """Cache a chart function's bytes by SHA-256 of its name and every argument."""
    signature = inspect.signature(draw)

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        call = (draw.__name__, tuple((k, _plain(v)) for k, v in bound.arguments.items()))
        key = hashlib.sha256(repr(call).encode()).hexdigest()
        found = _cache.get(key)
        if found is not None:
            return found
        image = draw(*args, **kwargs)
        _cache.put(key, image)
        return image

    return wrapper


# --- helpers ---------------------------------------------------------------------------------


def shorten(label: str, width: int = 28, lines: int = 2) -> str:
    """Wrap a label onto at most `lines` lines of `width` characters, ending in … if cut."""
    text = " ".join(str(label).split())
    wrapped = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def _check_output(fmt: str, dpi: int) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {sorted(FORMATS)}, not {fmt!r}")
    if not isinstance(dpi, int) or not 20 <= dpi <= 600:
        raise ValueError(f"dpi must be a whole number from 20 to 600, not {dpi!r}")


def _check_common(levels: Sequence[Level], fmt: str, dpi: int) -> None:
    _check_output(fmt, dpi)
    if not levels:
        raise ValueError("levels must name at least one level of the scale")
    for level in levels:
        if not isinstance(level, Level):
            raise ValueError(f"levels must be Level objects, not {type(level).__name__}")
        if level.rag not in RAG_COLOURS:
            raise ValueError(f"level {level.value} has rag {level.rag!r}; use red, amber or green")


def _check_rows(name: str, rows: Sequence, count: int, expected: int, what: str) -> None:
    if len(rows) != count:
        raise ValueError(f"{name} has {len(rows)} rows but there are {count} {what}")
    for i, row in enumerate(rows):
        if len(row) != expected:
            raise ValueError(f"{name}[{i}] has {len(row)} entries; expected {expected}")


def _mix(colour: str, towards: str, share: float) -> str:
    """`colour` moved `share` of the way to `towards` (both #rrggbb)."""
    a = matplotlib.colors.to_rgb(colour)
    b = matplotlib.colors.to_rgb(towards)
    return matplotlib.colors.to_hex(tuple(x + (y - x) * share for x, y in zip(a, b, strict=True)))


def level_styles(levels: Sequence[Level]) -> dict[int, tuple[str, str, str]]:
    """Face colour, hatch colour and hatch for each level value.

    Levels sharing a RAG status are told apart by shade (the one furthest from amber strongest)
    and always by hatching.
    """
    styles = {}
    ordered = sorted(levels, key=lambda lv: lv.value)
    for index, level in enumerate(ordered):
        group = [lv for lv in ordered if lv.rag == level.rag]
        position = group.index(level)
        if level.rag == "red":  # lowest is strongest
            strength = position
        elif level.rag == "green":  # highest is strongest
            strength = len(group) - 1 - position
        else:
            strength = 0
        face = _mix(RAG_COLOURS[level.rag], "#FFFFFF", min(0.25 * strength, 0.6))
        hatch_colour = _mix(face, INK, 0.45)
        styles[level.value] = (face, hatch_colour, HATCHES[index % len(HATCHES)])
    return styles


def _legend_label(level: Level) -> str:
    return f"{level.value} – {shorten(level.label, 44, 1)}"


def _level_handles(levels: Sequence[Level], styles) -> list[Patch]:
    return [
        Patch(
            facecolor=styles[lv.value][0],
            edgecolor=styles[lv.value][1],
            hatch=styles[lv.value][2],
            label=_legend_label(lv),
        )
        for lv in sorted(levels, key=lambda lv: lv.value)
    ]


def _legend(fig: Figure, handles=None, *, max_columns: int = 3, **options) -> None:
    """A legend under the chart, in as many columns as its labels fit across the figure."""
    if handles is None:
        handles = fig.axes[0].get_legend_handles_labels()[0]
    longest = max((len(h.get_label()) for h in handles), default=1)
    column = 0.75 + 0.065 * longest  # the handle, then about 0.065 in per character
    columns = max(1, min(max_columns, len(handles), int(fig.get_figwidth() * 0.95 // column)))
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=columns,
        frameon=False,
        **options,
    )


def _render(fig: Figure, fmt: str, dpi: int) -> bytes:
    buffer = io.BytesIO()
    metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    return buffer.getvalue()


def _draw(build, fmt: str, dpi: int, width: float, height: float) -> bytes:
    """Build a figure of `width` × `height` inches with `build(fig)` and return its bytes."""
    with _RENDER_LOCK, matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(width, height), layout="constrained")
        fig.get_layout_engine().set(w_pad=0.1, h_pad=0.08)  # inches of white round the edge
        build(fig)
        return _render(fig, fmt, dpi)


def _empty(ax, title: str, message: str) -> None:
    ax.set_title(shorten(title, 70, 2), loc="left")
    ax.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        fontsize=11,
        color="#505a5f",
        transform=ax.transAxes,
        wrap=True,
    )
    ax.set_xticks([])
    ax.set_yticks([])


def _number_box(ax, x, y, text, size=8):
    """A number printed on a white box, so it reads over any colour or hatching."""
    ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=size,
        color=INK,
        bbox={
            "boxstyle": "round,pad=0.15",
            "facecolor": "white",
            "edgecolor": "none",
            "alpha": 0.9,
        },
    )


def _level_axis(axis_setter, levels: Sequence[Level]) -> None:
    values = [lv.value for lv in sorted(levels, key=lambda lv: lv.value)]
    axis_setter(values, [_legend_label(lv) for lv in sorted(levels, key=lambda lv: lv.value)])


# --- charts ----------------------------------------------------------------------------------


@_cached
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
    _check_common(levels, fmt, dpi)
    _check_rows("counts", counts, len(sections), len(levels) + 1, "sections")
    for row in counts:
        if any(not isinstance(n, int) or n < 0 for n in row):
            raise ValueError("counts must be whole numbers of zero or more")
    styles = level_styles(levels)
    ordered = sorted(range(len(levels)), key=lambda i: levels[i].value)
    total = max((sum(row) for row in counts), default=0)

    def build(fig):
        ax = fig.add_subplot()
        if not sections or total == 0:
            _empty(ax, title, empty_label)
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
        handles = _level_handles(levels, styles) + [
            Patch(
                facecolor=UNSCORED_COLOUR, edgecolor="#505a5f", label=shorten(unscored_label, 30, 1)
            )
        ]
        _legend(fig, handles, handleheight=1.6, handlelength=2.4)

    height = 1.6 + 0.45 * max(len(sections), 1) + 0.3 * math.ceil((len(levels) + 1) / 3)
    return _draw(build, fmt, dpi, 8.0, height)


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
            _number_box(ax, start + n / 2, positions[y], str(n))
    for i, n in enumerate(values):
        left[i] += n


@_cached
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
    _check_common(levels, fmt, dpi)
    _check_rows("scores", scores, len(rows), len(columns), "rows")
    _check_rows("not_triangulated", not_triangulated, len(rows), len(columns), "rows")
    styles = level_styles(levels)
    for row in scores:
        for score in row:
            if score is not None and score not in styles:
                raise ValueError(f"score {score!r} is not a level of the scale")
    anything = any(s is not None for row in scores for s in row)

    def build(fig):
        ax = fig.add_subplot()
        if not rows or not columns or not anything:
            _empty(ax, title, empty_label)
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
        handles = _level_handles(levels, styles) + [
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
        _legend(fig, handles, handleheight=1.6, handlelength=2.4)

    # Square cells of about 0.4 in, beside labels of about 2.8 in, above a legend.
    header = 0.6 + (0.45 if columns and max(len(c) for c in columns) > 1 else 0.25)
    legend = 0.3 * math.ceil((len(levels) + 2) / 3) + 0.2
    width = min(max(3.1 + CELL * len(columns), 7.0), 16)
    height = min(header + CELL * max(len(rows), 1) + legend, 30)
    return _draw(build, fmt, dpi, width, height)


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


@_cached
def profile(
    items: Sequence[str],
    self_scores: Sequence[int | None],
    validated_scores: Sequence[int | None],
    levels: Sequence[Level],
    *,
    title: str,
    self_label: str,
    validated_label: str,
    fmt: str = "png",
    dpi: int = 100,
    empty_label: str = "No data to show",
) -> bytes:
    """Maturity profile: each item's self score (circle) against its validated score (diamond)."""
    _check_common(levels, fmt, dpi)
    for name, values in (("self_scores", self_scores), ("validated_scores", validated_scores)):
        if len(values) != len(items):
            raise ValueError(f"{name} has {len(values)} entries but there are {len(items)} items")
    values = sorted(lv.value for lv in levels)
    anything = any(s is not None for s in [*self_scores, *validated_scores])

    def build(fig):
        ax = fig.add_subplot()
        if not items or not anything:
            _empty(ax, title, empty_label)
            return
        styles = level_styles(levels)
        for value in values:  # a pale band per level, so the y axis reads as the scale
            ax.axhspan(value - 0.5, value + 0.5, color=styles[value][0], alpha=0.12, linewidth=0)
        x = list(range(len(items)))
        for i, (own, checked) in enumerate(zip(self_scores, validated_scores, strict=True)):
            if own is not None and checked is not None and own != checked:
                ax.plot([i, i], [own, checked], color="#505a5f", linewidth=1, zorder=2)
        _points(
            ax, x, self_scores, marker="o", face="white", edge="#0072B2", size=9, label=self_label
        )
        _points(
            ax,
            x,
            validated_scores,
            marker="D",
            face="#D55E00",
            edge=INK,
            size=7,
            label=validated_label,
        )
        _level_axis(ax.set_yticks, levels)
        ax.set_ylim(values[0] - 0.6, values[-1] + 0.6)
        ax.set_xlim(-0.6, len(items) - 0.4)
        ax.set_xticks(x, [shorten(item, 14, 2) for item in items])
        if len(items) > 8 or max(len(i) for i in items) > 6:
            ax.tick_params(axis="x", labelrotation=60)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
                label.set_rotation_mode("anchor")
        ax.grid(axis="x", color="#dddddd", linewidth=0.5)
        ax.set_title(shorten(title, 70, 2), loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        _legend(fig, max_columns=2)

    width = min(max(6.5, 3.2 + 0.45 * len(items)), 16)
    return _draw(build, fmt, dpi, width, 4.6)


def _points(ax, x, scores, *, marker, face, edge, size, label):
    pairs = [(i, s) for i, s in zip(x, scores, strict=True) if s is not None]
    ax.plot(
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        linestyle="none",
        marker=marker,
        markersize=size,
        markerfacecolor=face,
        markeredgecolor=edge,
        markeredgewidth=1.5,
        label=shorten(label, 40, 1),
        zorder=3,
    )


@_cached
def trend(
    cycles: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    levels: Sequence[Level],
    *,
    title: str,
    fmt: str = "png",
    dpi: int = 100,
    empty_label: str = "No data to show",
) -> bytes:
    """One line per series across the cycles, each with its own colour, marker and dash."""
    _check_common(levels, fmt, dpi)
    for i, entry in enumerate(series):
        if len(entry) != 2:
            raise ValueError(f"series[{i}] must be a (name, values) pair")
        if len(entry[1]) != len(cycles):
            raise ValueError(
                f"series {entry[0]!r} has {len(entry[1])} values but there are {len(cycles)} cycles"
            )
    values = sorted(lv.value for lv in levels)
    anything = any(v is not None for _, points in series for v in points)

    def build(fig):
        ax = fig.add_subplot()
        if not cycles or not anything:
            _empty(ax, title, empty_label)
            return
        x = list(range(len(cycles)))
        for n, (name, points) in enumerate(series):
            ax.plot(
                x,
                [math.nan if v is None else v for v in points],
                color=SERIES_COLOURS[n % len(SERIES_COLOURS)],
                marker=MARKERS[n % len(MARKERS)],
                linestyle=LINE_STYLES[n % len(LINE_STYLES)],
                linewidth=1.8,
                markersize=6,
                label=shorten(name, 40, 1),
            )
        _level_axis(ax.set_yticks, levels)
        ax.set_ylim(values[0] - 0.3, values[-1] + 0.3)
        ax.set_xticks(x, [shorten(c, 12, 2) for c in cycles])
        ax.set_xlim(-0.3, len(cycles) - 0.7)
        ax.grid(axis="y", color="#dddddd", linewidth=0.5)
        ax.set_title(shorten(title, 70, 2), loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        _legend(fig, handlelength=3, max_columns=6)

    height = 4.2 + 0.25 * math.ceil(max(len(series), 1) / 2)
    return _draw(build, fmt, dpi, max(8.0, min(3.5 + 0.8 * len(cycles), 12)), height)


@_cached
def calibration(
    organisations: Sequence[str],
    differences: Sequence[float | None],
    *,
    title: str,
    optimistic_label: str,
    cautious_label: str,
    calibrated_label: str,
    no_data_label: str,
    xlabel: str = "",
    threshold: float = 0.5,
    fmt: str = "png",
    dpi: int = 100,
    empty_label: str = "No data to show",
) -> bytes:
    """Mean self − validated score per organisation as bars either side of zero.

    Bars at or beyond +threshold (optimistic) and -threshold (cautious) differ from those within
    it by colour and hatching, and every bar has its value printed; None is marked as no data.
    """
    _check_output(fmt, dpi)
    if len(differences) != len(organisations):
        raise ValueError(
            f"differences has {len(differences)} entries "
            f"but there are {len(organisations)} organisations"
        )
    if not threshold > 0:
        raise ValueError("threshold must be more than zero")
    anything = any(d is not None for d in differences)
    kinds = {
        "optimistic": ("#D55E00", "///", optimistic_label),
        "cautious": ("#0072B2", "\\\\\\", cautious_label),
        "calibrated": ("#009E73", "...", calibrated_label),
    }

    def kind_of(d: float) -> str:
        if d >= threshold:
            return "optimistic"
        return "cautious" if d <= -threshold else "calibrated"

    def build(fig):
        ax = fig.add_subplot()
        if not organisations or not anything:
            _empty(ax, title, empty_label)
            return
        positions = list(range(len(organisations)))[::-1]
        widest = max([abs(d) for d in differences if d is not None] + [threshold * 2])
        for y, d in zip(positions, differences, strict=True):
            if d is None:
                ax.text(
                    0,
                    y,
                    shorten(no_data_label, 30, 1),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="#505a5f",
                    bbox={
                        "boxstyle": "round,pad=0.2",
                        "facecolor": "white",
                        "edgecolor": "#b1b4b6",
                    },
                )
                continue
            face, hatch, _ = kinds[kind_of(d)]
            ax.barh(
                y,
                d,
                height=0.6,
                color=face,
                edgecolor=_mix(face, INK, 0.45),
                hatch=hatch,
                linewidth=0.6,
            )
            ax.text(
                d + (0.04 if d >= 0 else -0.04) * widest,
                y,
                f"{d:+.2f}".replace("-", "−"),  # a true minus sign, as on the axis
                ha="left" if d >= 0 else "right",
                va="center",
                fontsize=8,
                color=INK,
            )
        ax.axvline(0, color=INK, linewidth=1)
        for edge in (-threshold, threshold):
            ax.axvline(edge, color="#505a5f", linewidth=0.8, linestyle="--")
        ax.set_xlim(-widest * 1.3, widest * 1.3)
        ax.set_ylim(-0.6, len(organisations) - 0.4)
        ax.set_yticks(positions, [shorten(o, 34, 2) for o in organisations])
        ax.set_xlabel(xlabel)
        ax.set_title(shorten(title, 70, 2), loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        handles = [
            Patch(
                facecolor=face,
                edgecolor=_mix(face, INK, 0.45),
                hatch=hatch,
                label=shorten(label, 40, 1),
            )
            for face, hatch, label in kinds.values()
        ]
        _legend(fig, handles, handleheight=1.6, handlelength=2.4)

    height = 1.8 + 0.45 * max(len(organisations), 1)
    return _draw(build, fmt, dpi, 8.0, min(height, 30))
