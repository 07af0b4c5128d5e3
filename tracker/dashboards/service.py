"""What the dashboards show, read from the database in a few queries whatever the data's size.

Every function takes the user and reads only the assessments `visible_assessments(user)` allows,
so a dashboard can never show another organisation's draft. The arithmetic is in figures.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.access import visible_assessments
from tracker.dashboards import figures
from tracker.dashboards.figures import Calibration, Cell
from tracker.evidence import triangulation
from tracker.extensions import db
from tracker.models import (
    Action,
    Assessment,
    Challenge,
    Cycle,
    Evidence,
    EvidenceLink,
    Framework,
    Item,
    Organisation,
    Response,
    Section,
    User,
)
from tracker.models.assessments import EDITABLE_STATUSES
from tracker.security import as_id

DUE_SOON_DAYS = 30


class NotFound(LookupError):
    """A filter named a framework, cycle or organisation that does not exist."""


# --- filters -----------------------------------------------------------------------------------


@dataclass
class Filters:
    frameworks: list[Framework]
    cycles: list[Cycle]  # newest first
    framework: Framework | None
    cycle: Cycle | None


def _pick(options, wanted, default):
    if wanted in (None, ""):
        return default
    wanted_id = as_id(wanted)
    found = next((o for o in options if o.id == wanted_id), None)
    if found is None:
        raise NotFound(wanted)
    return found


def filters(
    framework_id: str | None = None,
    cycle_id: str | None = None,
    user: User | None = None,
    organisation: Organisation | None = None,
) -> Filters:
    """The framework and cycle asked for (by id, as text), else the current cycle (the one
    opened most recently) and the first framework — for an organisation, the first it has an
    assessment against that the user may see, else the first that applies to it.
    Raises NotFound for an unknown id."""
    frameworks = list(
        db.session.scalars(
            select(Framework)
            .options(selectinload(Framework.scale))
            .order_by(Framework.key, Framework.version.desc())
        )
    )
    cycles = list(db.session.scalars(select(Cycle).order_by(Cycle.opens_on.desc())))
    cycle = _pick(cycles, cycle_id, cycles[0] if cycles else None)
    default = frameworks[0] if frameworks else None
    if organisation is not None and framework_id in (None, "") and frameworks:
        default = _organisation_default(user, organisation, cycle, frameworks)
    framework = _pick(frameworks, framework_id, default)
    return Filters(frameworks, cycles, framework, cycle)


def _organisation_default(user, organisation, cycle, frameworks) -> Framework:
    assessed = set()
    if cycle is not None:
        assessed = set(
            db.session.scalars(
                _visible_ids(user, organisation)
                .where(Assessment.cycle_id == cycle.id)
                .with_only_columns(Assessment.framework_id)
            )
        )
    return (
        next((f for f in frameworks if f.id in assessed), None)
        or next((f for f in frameworks if f.applies_to_kind(organisation.kind)), None)
        or frameworks[0]
    )


def response_endpoint(user: User) -> str:
    """The page a dashboard cell links to: the review page for those who review or inspect,
    the organisation's own item page for its people. Both check access themselves."""
    if user.role in ("reviewer", "inspector", "admin"):
        return "review.response"
    return "assessments.item"


def organisations_seen(user: User) -> list[Organisation]:
    """The organisations with at least one assessment the user may see."""
    ids = visible_assessments(user).with_only_columns(Assessment.organisation_id)
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids))))


def organisation_or_none(organisation_id: str | None) -> Organisation | None:
    """The organisation a filter names; None when it names none. Raises NotFound if unknown."""
    if organisation_id in (None, ""):
        return None
    found = db.session.get(Organisation, as_id(organisation_id) or 0)
    if found is None:
        raise NotFound(organisation_id)
    return found


# --- the cells of a set of assessments -------------------------------------------------------


def _structure(framework: Framework) -> list[Section]:
    return list(
        db.session.scalars(
            select(Section)
            .where(Section.framework_id == framework.id)
            .options(selectinload(Section.items))
            .order_by(Section.position)
        )
    )


def _pieces(response_ids: list[int]) -> dict[int, list[triangulation.Piece]]:
    pieces: dict[int, list[triangulation.Piece]] = defaultdict(list)
    if not response_ids:
        return pieces
    for response_id, kind, source_id, withdrawn_at in db.session.execute(
        select(
            EvidenceLink.response_id,
            Evidence.kind,
            Evidence.source_organisation_id,
            Evidence.withdrawn_at,
        )
        .join(Evidence, Evidence.id == EvidenceLink.evidence_id)
        .where(EvidenceLink.response_id.in_(response_ids))
    ):
        pieces[response_id].append(triangulation.Piece(kind, source_id, withdrawn_at is not None))
    return pieces


def cells_by_assessment(
    assessments: list[Assessment], framework: Framework
) -> dict[int, dict[str, Cell]]:
    """{assessment id: {item key: cell}} in two queries."""
    ids = [a.id for a in assessments]
    if not ids:
        return {}
    responses = db.session.execute(
        select(
            Response.id,
            Response.assessment_id,
            Item.key,
            Response.self_score,
            Response.validated_score,
        )
        .join(Item, Item.id == Response.item_id)
        .where(Response.assessment_id.in_(ids))
    ).all()
    pieces = _pieces([r.id for r in responses])
    rule = triangulation.Rule(framework.min_kinds, framework.min_sources, framework.required_from)
    cells: dict[int, dict[str, Cell]] = {i: {} for i in ids}
    for r in responses:
        cells[r.assessment_id][r.key] = figures.make_cell(
            r.id, r.assessment_id, r.key, r.self_score, r.validated_score, pieces[r.id], rule
        )
    return cells


# --- national tracker ----------------------------------------------------------------------------


@dataclass
class GridRow:
    assessment: Assessment
    cells: dict[str, Cell]

    @property
    def organisation(self) -> Organisation:
        return self.assessment.organisation


@dataclass
class RegionGroup:
    rsb: Organisation | None  # None: organisations in no single region (all-Wales bodies)
    rows: list[GridRow] = field(default_factory=list)


@dataclass
class Grid:
    framework: Framework
    cycle: Cycle
    sections: list[Section]
    groups: list[RegionGroup]

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    @property
    def rows(self) -> list[GridRow]:
        return [row for group in self.groups for row in group.rows]

    def section_counts(self) -> list[list[int]]:
        """Per section: responses at each level of the scale, then unscored."""
        return figures.section_counts(
            [(s.key, [i.key for i in s.items]) for s in self.sections],
            self.framework.scale_values,
            (row.cells for row in self.rows),
        )


def _assessments(user: User, framework: Framework, cycle: Cycle | None, **where) -> list:
    query = visible_assessments(user).where(Assessment.framework_id == framework.id)
    if cycle is not None:
        query = query.where(Assessment.cycle_id == cycle.id)
    for column, value in where.items():
        query = query.where(getattr(Assessment, column) == value)
    query = query.options(joinedload(Assessment.organisation).joinedload(Organisation.region))
    return list(db.session.scalars(query.order_by(Assessment.id)).unique())


def grid(user: User, framework: Framework, cycle: Cycle, locale: str = "en") -> Grid:
    """The national tracker: each visible assessment's cells, grouped by RSB region."""
    assessments = _assessments(user, framework, cycle)
    cells = cells_by_assessment(assessments, framework)
    groups: dict[int | None, RegionGroup] = {}
    for a in assessments:
        org = a.organisation
        rsb = org if org.kind == "rsb" else org.region
        groups.setdefault(rsb.id if rsb else None, RegionGroup(rsb)).rows.append(
            GridRow(a, cells[a.id])
        )
    for group in groups.values():  # the board first, then its partners by name
        group.rows.sort(key=lambda r: (r.organisation.kind != "rsb", _name(r.organisation, locale)))
    ordered = sorted(
        groups.values(), key=lambda g: (g.rsb is None, _name(g.rsb, locale) if g.rsb else "")
    )
    return Grid(framework, cycle, _structure(framework), ordered)


def _name(org: Organisation, locale: str) -> str:
    return org.display_name(locale).casefold()


# --- an organisation's own dashboard ---------------------------------------------------------


@dataclass
class OpenWork:
    to_score: list[tuple[Assessment, Item]]
    challenges: list[tuple[Challenge, Assessment, Item]]
    actions_overdue: list[tuple[Action, Assessment, Item]]
    actions_due_soon: list[tuple[Action, Assessment, Item]]

    @property
    def is_empty(self) -> bool:
        return not (
            self.to_score or self.challenges or self.actions_overdue or self.actions_due_soon
        )


def _visible_ids(user: User, organisation: Organisation):
    return (
        visible_assessments(user)
        .where(Assessment.organisation_id == organisation.id)
        .with_only_columns(Assessment.id)
    )


_NAMES = (joinedload(Assessment.framework), joinedload(Assessment.cycle))


def open_work(user: User, organisation: Organisation, today: date) -> OpenWork:
    """What the organisation still has to do, in assessments the user may see: four queries."""
    visible = _visible_ids(user, organisation)
    to_score = db.session.execute(
        select(Assessment, Item)
        .join(Response, Response.assessment_id == Assessment.id)
        .join(Item, Item.id == Response.item_id)
        .where(
            Assessment.id.in_(visible),
            Assessment.status.in_(EDITABLE_STATUSES),
            Response.self_score.is_(None),
        )
        .options(*_NAMES)
        .order_by(Assessment.id, Item.position)
    ).all()
    challenges = db.session.execute(
        select(Challenge, Assessment, Item)
        .join(Response, Response.id == Challenge.response_id)
        .join(Assessment, Assessment.id == Response.assessment_id)
        .join(Item, Item.id == Response.item_id)
        .where(Assessment.id.in_(visible), Challenge.status == "open")
        .options(*_NAMES)
        .order_by(Challenge.due_on, Challenge.id)
    ).all()
    actions = db.session.execute(
        select(Action, Assessment, Item)
        .join(Response, Response.id == Action.response_id)
        .join(Assessment, Assessment.id == Response.assessment_id)
        .join(Item, Item.id == Response.item_id)
        .where(
            Assessment.id.in_(visible),
            Action.status != "done",
            Action.due_on <= today + timedelta(days=DUE_SOON_DAYS),
        )
        .options(*_NAMES)
        .order_by(Action.due_on, Action.id)
    ).all()
    return OpenWork(
        [tuple(r) for r in to_score],
        [tuple(r) for r in challenges],
        [tuple(r) for r in actions if r[0].due_on < today],
        [tuple(r) for r in actions if r[0].due_on >= today],
    )


@dataclass
class OrganisationView:
    """One organisation's assessment for a framework and cycle, as its dashboard shows it."""

    assessment: Assessment | None
    sections: list[Section]
    cells: dict[str, Cell]

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def section_counts(self) -> list[list[int]]:
        return figures.section_counts(
            [(s.key, [i.key for i in s.items]) for s in self.sections],
            self.assessment.framework.scale_values if self.assessment else [],
            [self.cells] if self.assessment else [],
        )


def organisation_view(
    user: User, organisation: Organisation, framework: Framework, cycle: Cycle
) -> OrganisationView:
    """The organisation's assessment for this framework and cycle, if the user may see it."""
    found = _assessments(user, framework, cycle, organisation_id=organisation.id)
    if not found:
        return OrganisationView(None, [], {})
    return OrganisationView(
        found[0], _structure(framework), cells_by_assessment(found, framework)[found[0].id]
    )


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


def trend(user: User, framework: Framework, organisation: Organisation | None) -> Trend:
    """Mean score per section and per item in each cycle, across every version of the
    framework (items matched by key), over the assessments the user may see."""
    query = visible_assessments(user).where(Assessment.framework_key == framework.key)
    if organisation is not None:
        query = query.where(Assessment.organisation_id == organisation.id)
    assessments = query.with_only_columns(Assessment.id, Assessment.cycle_id).subquery()
    rows = db.session.execute(
        select(
            assessments.c.cycle_id,
            Item.key,
            Response.self_score,
            Response.validated_score,
        )
        .join(Response, Response.assessment_id == assessments.c.id)
        .join(Item, Item.id == Response.item_id)
    ).all()
    counts = dict(
        db.session.execute(
            select(assessments.c.cycle_id, func.count()).group_by(assessments.c.cycle_id)
        ).all()
    )
    cycles = list(
        db.session.scalars(select(Cycle).where(Cycle.id.in_(list(counts))).order_by(Cycle.opens_on))
    )
    sections = _structure(framework)
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
    assessments = _assessments(user, framework, cycle)
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
        for a in sorted(assessments, key=lambda a: _name(a.organisation, locale))
    ]
    overall = figures.calibrate(p for found in pairs.values() for p in found)
    return rows, overall
