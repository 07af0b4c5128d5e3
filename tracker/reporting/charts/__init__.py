"""Charts for dashboards and statements: matplotlib figures returned as image bytes.

Nothing here knows about HTTP or the database: callers pass plain values (labels already in the
reader's language) and get PNG (or SVG) bytes back. Every chart is readable without colour: each
level has a colour-blind-safe colour *and* its own hatching, and the numbers are printed on it.
Results are cached in-process, keyed by the data they show, so an unchanged chart is drawn once.

This package's public face is here; `drawing` holds what the charts share, `grids` and `scores`
the charts themselves.
"""

from tracker.reporting.charts.drawing import (
    ChartCache,
    Level,
    cache_stats,
    clear_cache,
    level_styles,
    shorten,
)
from tracker.reporting.charts.grids import heat_map, status_by_section
from tracker.reporting.charts.scores import calibration, profile, trend

__all__ = [
    "ChartCache",
    "Level",
    "cache_stats",
    "calibration",
    "clear_cache",
    "heat_map",
    "level_styles",
    "profile",
    "shorten",
    "status_by_section",
    "trend",
]
