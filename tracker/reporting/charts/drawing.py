"""What every chart shares: the levels, colours and hatching, the cache, and the drawing helpers.

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
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import matplotlib.colors
from matplotlib.figure import Figure
from matplotlib.patches import Patch


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


class ChartCache:
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


_cache = ChartCache()


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


def cached_chart(draw):
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


def check_output(fmt: str, dpi: int) -> None:
    """Refuse a format or resolution the charts do not draw."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {sorted(FORMATS)}, not {fmt!r}")
    if not isinstance(dpi, int) or not 20 <= dpi <= 600:
        raise ValueError(f"dpi must be a whole number from 20 to 600, not {dpi!r}")


def check_common(levels: Sequence[Level], fmt: str, dpi: int) -> None:
    """Refuse an output or a scale that no chart can draw."""
    check_output(fmt, dpi)
    if not levels:
        raise ValueError("levels must name at least one level of the scale")
    for level in levels:
        if not isinstance(level, Level):
            raise ValueError(f"levels must be Level objects, not {type(level).__name__}")
        if level.rag not in RAG_COLOURS:
            raise ValueError(f"level {level.value} has rag {level.rag!r}; use red, amber or green")


def check_rows(name: str, rows: Sequence, count: int, expected: int, what: str) -> None:
    """Refuse rows whose number or length does not match their labels."""
    if len(rows) != count:
        raise ValueError(f"{name} has {len(rows)} rows but there are {count} {what}")
    for i, row in enumerate(rows):
        if len(row) != expected:
            raise ValueError(f"{name}[{i}] has {len(row)} entries; expected {expected}")


def mix(colour: str, towards: str, share: float) -> str:
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
        face = mix(RAG_COLOURS[level.rag], "#FFFFFF", min(0.25 * strength, 0.6))
        hatch_colour = mix(face, INK, 0.45)
        styles[level.value] = (face, hatch_colour, HATCHES[index % len(HATCHES)])
    return styles


def legend_label(level: Level) -> str:
    """A level as the legend and axes name it: its value, then its label."""
    return f"{level.value} – {shorten(level.label, 44, 1)}"


def level_handles(levels: Sequence[Level], styles) -> list[Patch]:
    """Legend entries for the levels, in the colours and hatching the chart uses."""
    return [
        Patch(
            facecolor=styles[lv.value][0],
            edgecolor=styles[lv.value][1],
            hatch=styles[lv.value][2],
            label=legend_label(lv),
        )
        for lv in sorted(levels, key=lambda lv: lv.value)
    ]


def add_legend(fig: Figure, handles=None, *, max_columns: int = 3, **options) -> None:
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


def draw_figure(build, fmt: str, dpi: int, width: float, height: float) -> bytes:
    """Build a figure of `width` × `height` inches with `build(fig)` and return its bytes."""
    with _RENDER_LOCK, matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(width, height), layout="constrained")
        fig.get_layout_engine().set(w_pad=0.1, h_pad=0.08)  # inches of white round the edge
        build(fig)
        return _render(fig, fmt, dpi)


def show_empty(ax, title: str, message: str) -> None:
    """Say in the chart that there is nothing to show, under its title."""
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


def number_box(ax, x, y, text, size=8):
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


def level_axis(axis_setter, levels: Sequence[Level]) -> None:
    """Label an axis with the scale's levels."""
    values = [lv.value for lv in sorted(levels, key=lambda lv: lv.value)]
    axis_setter(values, [legend_label(lv) for lv in sorted(levels, key=lambda lv: lv.value)])
