"""Helpers for the self-assessment tests (the shared fixtures are in tests/conftest.py)."""

from tracker.extensions import db
from tracker.models import Cycle


def previous_cycle() -> Cycle:
    from datetime import date

    cycle = Cycle(
        label="2025–26",
        opens_on=date(2025, 4, 1),
        due_on=date(2026, 1, 31),
        closes_on=date(2026, 3, 31),
    )
    db.session.add(cycle)
    db.session.commit()
    return cycle
