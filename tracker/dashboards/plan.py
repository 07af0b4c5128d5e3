"""An organisation's improvement plan (issue #17 point 19): every improvement action of its
assessments in one cycle, overdue first, as a page to print and as a PDF. Only assessments
the user may read count (tracker/access.py); with none there is no plan to show."""

from dataclasses import dataclass
from datetime import date

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.access import visible_assessments
from tracker.extensions import db
from tracker.models import Action, Assessment, Cycle, Item, Organisation, Response, User
from tracker.statements import pdf


@dataclass
class PlanRow:
    action: Action
    item: Item
    overdue: bool


@dataclass
class PlanPart:
    """The actions of one assessment (one framework)."""

    assessment: Assessment
    rows: list[PlanRow]


@dataclass
class Plan:
    organisation: Organisation
    cycle: Cycle
    parts: list[PlanPart]
    today: date

    @property
    def overdue(self) -> int:
        return sum(row.overdue for part in self.parts for row in part.rows)

    @property
    def actions(self) -> int:
        return sum(len(part.rows) for part in self.parts)


def _readable(user: User, organisation: Organisation):
    return visible_assessments(user).where(Assessment.organisation_id == organisation.id)


def plan_cycles(user: User, organisation: Organisation) -> list[Cycle]:
    """The cycles in which the user may read one of the organisation's assessments, newest
    first: the plans there are to choose from."""
    ids = _readable(user, organisation).with_only_columns(Assessment.cycle_id)
    return list(
        db.session.scalars(select(Cycle).where(Cycle.id.in_(ids)).order_by(Cycle.opens_on.desc()))
    )


def is_overdue(action: Action, today: date) -> bool:
    return action.status != "done" and action.due_on is not None and action.due_on < today


def improvement_plan(
    user: User, organisation: Organisation, cycle: Cycle, today: date
) -> Plan | None:
    """The organisation's plan for a cycle, from the assessments the user may read; None if
    they may read none. Within each assessment: overdue first, then by due date (undated
    last), then in the framework's order. Two queries, however many actions."""
    assessments = db.session.scalars(
        _readable(user, organisation)
        .where(Assessment.cycle_id == cycle.id)
        .options(joinedload(Assessment.framework))
        .order_by(Assessment.framework_key)
    ).all()
    if not assessments:
        return None
    rows: dict[int, list[PlanRow]] = {a.id: [] for a in assessments}
    found = db.session.execute(
        select(Action, Item, Response.assessment_id)
        .join(Response, Action.response_id == Response.id)
        .join(Item, Response.item_id == Item.id)
        .where(Response.assessment_id.in_(rows))
    )
    for action, item, assessment_id in found:
        rows[assessment_id].append(PlanRow(action, item, is_overdue(action, today)))
    for part in rows.values():
        part.sort(
            key=lambda r: (
                not r.overdue,
                r.action.status == "done",
                r.action.due_on is None,
                r.action.due_on or today,
                r.item.position,
                r.action.id,
            )
        )
    parts = [PlanPart(a, rows[a.id]) for a in assessments]
    return Plan(organisation, cycle, parts, today)


def plan_pdf(plan: Plan, lang: str) -> bytes:
    """The plan as a PDF, with the statements' fonts (Welsh letters included) and renderer."""
    html = render_template("dashboards/plan_pdf.html", plan=plan, lang=lang, fonts=pdf.font_faces())
    return pdf.render(html)
