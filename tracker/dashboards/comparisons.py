"""Comparisons: each item and section across cycles (trends), and self-assessed against
validated scores (calibration), over the assessments the user may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from tracker.access import visible_assessments
from tracker.dashboards import figures
from tracker.dashboards.figures import Calibration
from tracker.dashboards.queries import assessments_of, sort_name
from tracker.extensions import db
from tracker.models import (
    Assessment,
    Cycle,
    Framework,
    Item,
    Organisation,
    Response,
    Section,
    User,
)
from tracker.reporting import loaders

# --- trends --------------------------------------------------------------------------------------


@dataclass
class Trend:
    framework: Framework
    organisation: Organisation | None  # None: the mean over every assessment the user sees
    cycles: list[Cycle]  # oldest first, only those with an assessment to show
    assessments_per_cycle: list[int]
    sections: list[Section]
    by_section: list[tuple[Section, list[float | None]]]
    by_item: list[tuple[Item, list[float | None]]]


# A trend shows the latest cycles: a chart of every cycle ever would be unreadable, and its page
# would cost more every year (DESIGN §10).
TREND_CYCLES = 6


def trend(user: User, framework: Framework, organisation: Organisation | None) -> Trend:
    """Mean score per section and per item in each of the latest TREND_CYCLES cycles, across
    every version of the framework (items matched by key), over the assessments the user may
    see."""
    query = visible_assessments(user).where(Assessment.framework_key == framework.key)
    if organisation is not None:
        query = query.where(Assessment.organisation_id == organisation.id)
    assessments = query.with_only_columns(Assessment.id, Assessment.cycle_id).subquery()
    latest = db.session.execute(
        select(Cycle, func.count())
        .join(assessments, assessments.c.cycle_id == Cycle.id)
        .group_by(Cycle.id)
        .order_by(Cycle.opens_on.desc(), Cycle.id.desc())
        .limit(TREND_CYCLES)
    ).all()
    cycles = sorted((c for c, _n in latest), key=lambda c: (c.opens_on, c.id))
    counts = {c.id: n for c, n in latest}
    rows = db.session.execute(
        select(
            assessments.c.cycle_id,
            Item.key,
            Response.self_score,
            Response.validated_score,
        )
        .join(Response, Response.assessment_id == assessments.c.id)
        .join(Item, Item.id == Response.item_id)
        .where(assessments.c.cycle_id.in_(list(counts)))
    ).all()
    sections = loaders.sections_of(framework)
    section_of = {item.key: s.key for s in sections for item in s.items}
    cycle_ids = [c.id for c in cycles]
    scores = [
        (r.cycle_id, r.key, r.validated_score if r.validated_score is not None else r.self_score)
        for r in rows
        if r.key in section_of  # items the chosen version no longer has are left out
    ]
    per_item = figures.series_by_key(cycle_ids, list(section_of), scores)
    per_section = figures.series_by_key(
        cycle_ids, [s.key for s in sections], [(c, section_of[k], v) for c, k, v in scores]
    )
    items = {item.key: item for s in sections for item in s.items}
    return Trend(
        framework,
        organisation,
        cycles,
        [counts[c.id] for c in cycles],
        sections,
        [(s, values) for s, (_key, values) in zip(sections, per_section, strict=True)],
        [(items[key], values) for key, values in per_item],
    )


# --- calibration ---------------------------------------------------------------------------------


@dataclass
class CalibrationRow:
    organisation: Organisation
    assessment: Assessment
    calibration: Calibration


def calibration(
    user: User, framework: Framework, cycle: Cycle, locale: str = "en"
) -> tuple[list[CalibrationRow], Calibration]:
    """Self against validated score for each organisation the user may see, and over all."""
    assessments = assessments_of(user, framework, cycle)
    pairs: dict[int, list[tuple[int | None, int | None]]] = {a.id: [] for a in assessments}
    if assessments:
        for assessment_id, own, checked in db.session.execute(
            select(Response.assessment_id, Response.self_score, Response.validated_score).where(
                Response.assessment_id.in_(list(pairs))
            )
        ):
            pairs[assessment_id].append((own, checked))
    rows = [
        CalibrationRow(a.organisation, a, figures.calibrate(pairs[a.id]))
        for a in sorted(assessments, key=lambda a: sort_name(a.organisation, locale))
    ]
    overall = figures.calibrate(p for found in pairs.values() for p in found)
    return rows, overall
