"""The one clock: "now" and "today" as they are in Wales, for every area.

Dates people see and rules decide on (due dates, overdue, the current cycle) are dates in
Europe/London, not in the server's zone. Timestamps are stored in UTC.

`TRACKER_TODAY` (an ISO date) sets the clock going as if it were that day, for the test
suite and demonstrations: the clock still runs, shifted by whole days, so "now" and "today"
agree with each other. Never set it on a real service.
"""

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

WALES = ZoneInfo("Europe/London")


def _shift() -> timedelta:
    start = os.environ.get("TRACKER_TODAY")
    if not start:
        return timedelta(0)
    return date.fromisoformat(start) - datetime.now(WALES).date()


_SHIFT = _shift()


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC) + _SHIFT


def today() -> date:
    """Today's date in Wales."""
    return now().astimezone(WALES).date()


def set_today(day: date | None) -> None:
    """Run the clock as if today were `day` (None: the real date), as TRACKER_TODAY does."""
    global _SHIFT
    _SHIFT = timedelta(0) if day is None else day - datetime.now(WALES).date()
