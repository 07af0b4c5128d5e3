"""Charts of scores on the scale: a profile, trends over cycles, calibration."""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.patches import Patch

from tracker.reporting.charts.drawing import (
    INK,
    LINE_STYLES,
    MARKERS,
    SERIES_COLOURS,
    Level,
    add_legend,
    cached_chart,
    check_common,
    check_output,
    draw_figure,
    level_axis,
    level_styles,
    mix,
    shorten,
    show_empty,
)


@cached_chart
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
    check_common(levels, fmt, dpi)
    for name, values in (("self_scores", self_scores), ("validated_scores", validated_scores)):
        if len(values) != len(items):
            raise ValueError(f"{name} has {len(values)} entries but there are {len(items)} items")
    values = sorted(lv.value for lv in levels)
    anything = any(s is not None for s in [*self_scores, *validated_scores])

    def build(fig):
        ax = fig.add_subplot()
        if not items or not anything:
            show_empty(ax, title, empty_label)
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
        level_axis(ax.set_yticks, levels)
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
        add_legend(fig, max_columns=2)

    width = min(max(6.5, 3.2 + 0.45 * len(items)), 16)
    return draw_figure(build, fmt, dpi, width, 4.6)


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


@cached_chart
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
    check_common(levels, fmt, dpi)
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
            show_empty(ax, title, empty_label)
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
        level_axis(ax.set_yticks, levels)
        ax.set_ylim(values[0] - 0.3, values[-1] + 0.3)
        ax.set_xticks(x, [shorten(c, 12, 2) for c in cycles])
        ax.set_xlim(-0.3, len(cycles) - 0.7)
        ax.grid(axis="y", color="#dddddd", linewidth=0.5)
        ax.set_title(shorten(title, 70, 2), loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        add_legend(fig, handlelength=3, max_columns=6)

    height = 4.2 + 0.25 * math.ceil(max(len(series), 1) / 2)
    return draw_figure(build, fmt, dpi, max(8.0, min(3.5 + 0.8 * len(cycles), 12)), height)


@cached_chart
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
    check_output(fmt, dpi)
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
            show_empty(ax, title, empty_label)
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
                edgecolor=mix(face, INK, 0.45),
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
                edgecolor=mix(face, INK, 0.45),
                hatch=hatch,
                label=shorten(label, 40, 1),
            )
            for face, hatch, label in kinds.values()
        ]
        add_legend(fig, handles, handleheight=1.6, handlelength=2.4)

    height = 1.8 + 0.45 * max(len(organisations), 1)
    return draw_figure(build, fmt, dpi, 8.0, min(height, 30))
