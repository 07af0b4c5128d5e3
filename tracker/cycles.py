"""Reporting cycles: which one is current, and opening, changing and closing them (issue #15).

The current cycle is the one whose window (opens on .. closes on) contains today and that has
not been closed; between cycles, the latest that has opened. A cycle that opens in the future
never hides the one in progress. Windows may not overlap, so "contains today" is one cycle.
"""

import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, text, update

from tracker import clock
from tracker.database import take_turns
from tracker.extensions import db
from tracker.models import AuditEvent, Cycle, User
from tracker.models.base import utcnow
from tracker.rules import RuleError

LABEL_MAX = 20
# "2027–28" (en dash) or "2027-28"; the label is what people see on every page.
LABEL_PATTERN = re.compile(r"^\d{4}[–-]\d{2}$")


def current_cycle(on: date | None = None) -> Cycle | None:
    """The cycle in progress on `on` (today), or else the latest that has opened by then."""
    on = on or clock.today()
    opened = select(Cycle).where(Cycle.opens_on <= on)
    running = db.session.scalar(
        opened.where(Cycle.closes_on >= on, Cycle.closed_at.is_(None))
        .order_by(Cycle.opens_on.desc())
        .limit(1)
    )
    if running is not None:
        return running
    return db.session.scalar(opened.order_by(Cycle.opens_on.desc()).limit(1))


def days_left(cycle: Cycle, on: date | None = None) -> int:
    """Days from `on` (today) to the cycle's due date; negative once it has passed."""
    return (cycle.due_on - (on or clock.today())).days


def _check(label: str, opens_on, due_on, closes_on, except_id: int | None = None) -> None:
    if not label:
        raise RuleError(_("Enter a label for the cycle, like 2027–28."), "label")
    if len(label) > LABEL_MAX or not LABEL_PATTERN.match(label):
        raise RuleError(_("Enter the label as two years, like 2027–28."), "label")
    for value, name in ((opens_on, "opens_on"), (due_on, "due_on"), (closes_on, "closes_on")):
        if not isinstance(value, date):
            raise RuleError(_("Enter a real date."), name)
    if not opens_on <= due_on:
        raise RuleError(_("The due date must be on or after the date the cycle opens."), "due_on")
    if not due_on <= closes_on:
        raise RuleError(_("The cycle must close on or after its due date."), "closes_on")
    same = select(Cycle).where(Cycle.label == label)
    overlap = select(Cycle).where(Cycle.opens_on <= closes_on, Cycle.closes_on >= opens_on)
    if except_id is not None:
        same, overlap = same.where(Cycle.id != except_id), overlap.where(Cycle.id != except_id)
    if db.session.scalar(same.limit(1)) is not None:
        raise RuleError(_("A cycle called %(label)s exists already.", label=label), "label")
    other = db.session.scalar(overlap.limit(1))
    if other is not None:
        raise RuleError(
            _(
                "These dates overlap the cycle %(label)s (%(opens)s to %(closes)s). Cycles "
                "cannot overlap.",
                label=other.label,
                opens=other.opens_on.isoformat(),
                closes=other.closes_on.isoformat(),
            ),
            "opens_on",
        )


def _normal_label(label: str | None) -> str:
    return (label or "").strip().replace("-", "–")


def _hold_cycles() -> None:
    """Cycles are checked against each other (no overlaps): one change to them at a time."""
    if take_turns("cycle"):
        db.session.execute(text("LOCK TABLE cycle IN SHARE ROW EXCLUSIVE MODE"))


def open_cycle(actor: User, label: str, opens_on, due_on, closes_on) -> Cycle:
    """Add a cycle. Two identical requests at once: one adds it, the other is told it exists;
    two overlapping ones at once: one is added, the other is told of the overlap."""
    label = _normal_label(label)
    _hold_cycles()
    _check(label, opens_on, due_on, closes_on)
    cycle = Cycle(label=label, opens_on=opens_on, due_on=due_on, closes_on=closes_on)
    db.session.add(cycle)
    try:
        db.session.flush()
    except Exception as error:  # noqa: BLE001 - the unique label: another request won
        db.session.rollback()
        raise RuleError(
            _("A cycle called %(label)s exists already.", label=label), "label"
        ) from error
    AuditEvent.record(actor, "cycle.opened", cycle, after=_dates(cycle))
    db.session.commit()
    return cycle


def change_cycle(
    actor: User, cycle: Cycle, label=None, opens_on=None, due_on=None, closes_on=None
) -> bool:
    """Change a cycle's label or dates; True if anything changed."""
    _hold_cycles()
    db.session.refresh(cycle)
    before = _dates(cycle)
    label = _normal_label(label) if label is not None else cycle.label
    opens_on = opens_on if opens_on is not None else cycle.opens_on
    due_on = due_on if due_on is not None else cycle.due_on
    closes_on = closes_on if closes_on is not None else cycle.closes_on
    _check(label, opens_on, due_on, closes_on, except_id=cycle.id)
    cycle.label, cycle.opens_on, cycle.due_on, cycle.closes_on = label, opens_on, due_on, closes_on
    after = _dates(cycle)
    if not AuditEvent.record_changes(actor, "cycle.changed", cycle, before, after):
        return False
    db.session.commit()
    return True


def close_cycle(actor: User, cycle: Cycle) -> bool:
    """Close a cycle now: it takes no new assessments. Until another cycle opens it is still
    the latest that has opened, so pages still show it (as closed). Of two requests at once
    (a double click), one closes it; the other changes nothing."""
    closed = db.session.execute(
        update(Cycle)
        .where(Cycle.id == cycle.id, Cycle.closed_at.is_(None))
        .values(closed_at=utcnow())
    ).rowcount
    if not closed:
        db.session.rollback()
        return False
    AuditEvent.record(actor, "cycle.closed", cycle)
    db.session.commit()
    return True


def _dates(cycle: Cycle) -> dict:
    return {
        "label": cycle.label,
        "opens_on": cycle.opens_on.isoformat(),
        "due_on": cycle.due_on.isoformat(),
        "closes_on": cycle.closes_on.isoformat(),
    }


def suggested_next(on: date | None = None) -> dict:
    """A label and dates for the cycle after the latest one (a year on), or, with none yet,
    for the financial year that holds `on` (today): April to March, due by 31 January."""
    latest = db.session.scalar(select(Cycle).order_by(Cycle.opens_on.desc()).limit(1))
    if latest is None:
        on = on or clock.today()
        year = on.year if on.month >= 4 else on.year - 1
        opens, due, closes = date(year, 4, 1), date(year + 1, 1, 31), date(year + 1, 3, 31)
    else:
        opens, due, closes = (
            _a_year_on(latest.opens_on),
            _a_year_on(latest.due_on),
            _a_year_on(latest.closes_on),
        )
        year = int(latest.label[:4]) + 1 if LABEL_PATTERN.match(latest.label) else opens.year
    return {
        "label": f"{year}–{(year + 1) % 100:02d}",
        "opens_on": opens,
        "due_on": due,
        "closes_on": closes,
    }


def _a_year_on(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
