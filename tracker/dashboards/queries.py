"""What the dashboards show, read from the database in a few queries whatever the data's size.

Every function takes the user and reads only the assessments `visible_assessments(user)` allows,
so a dashboard can never show another organisation's draft. The arithmetic is in figures.py;
what statements read too is in tracker/reporting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from tracker.access import visible_assessments
from tracker.dashboards import figures
from tracker.dashboards.figures import Cell
from tracker.extensions import db
from tracker.models import (
    Action,
    Assessment,
    Challenge,
    Cycle,
    Framework,
    Item,
    Organisation,
    Response,
    Section,
    User,
)
from tracker.models.assessments import EDITABLE_STATUSES
from tracker.reporting import loaders
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
    opened most recently) and the first framework — for an organisation (by default the
    user's own), the first it has an assessment against that the user may see, else the
    first that applies to it, so no one opens on a framework that is not theirs.
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
    if organisation is None and user is not None:
        organisation = user.organisation
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


def cells_by_assessment(
    assessments: list[Assessment], framework: Framework
) -> dict[int, dict[str, Cell]]:
    """{assessment id: {item key: cell}} in two queries."""
    ids = [a.id for a in assessments]
    if not ids:
        return {}
    cells: dict[int, dict[str, Cell]] = {i: {} for i in ids}
    for fact in loaders.response_facts(ids, framework):
        cells[fact.assessment_id][fact.item_key] = Cell(
            fact.id,
            fact.assessment_id,
            fact.item_key,
            fact.self_score,
            fact.validated_score,
            fact.level,
            fact.claim,
        )
    return cells


# --- national tracker ----------------------------------------------------------------------------


class BySection:
    """What a page of sections shares: their items in order, and the responses counted by level."""

    sections: list[Section]

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def count_by_section(self, scale, rows) -> list[list[int]]:
        """Per section, the cells of `rows` at each level of `scale`, then unscored."""
        return figures.section_counts(
            [(s.key, [i.key for i in s.items]) for s in self.sections], scale, rows
        )


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
class Grid(BySection):
    framework: Framework
    cycle: Cycle
    sections: list[Section]
    groups: list[RegionGroup]

    @property
    def rows(self) -> list[GridRow]:
        return [row for group in self.groups for row in group.rows]

    def section_counts(self) -> list[list[int]]:
        """Per section: responses at each level of the scale, then unscored."""
        return self.count_by_section(self.framework.scale_values, (r.cells for r in self.rows))


def assessments_of(user: User, framework: Framework, cycle: Cycle | None, **where) -> list:
    """The user's visible assessments against this framework version (and cycle), with their
    organisation and its region loaded; `where` narrows by column, e.g. organisation_id=3."""
    query = visible_assessments(user).where(Assessment.framework_id == framework.id)
    if cycle is not None:
        query = query.where(Assessment.cycle_id == cycle.id)
    for column, value in where.items():
        query = query.where(getattr(Assessment, column) == value)
    query = query.options(joinedload(Assessment.organisation).joinedload(Organisation.region))
    return list(db.session.scalars(query.order_by(Assessment.id)).unique())


def grid(user: User, framework: Framework, cycle: Cycle, locale: str = "en") -> Grid:
    """The national tracker: each visible assessment's cells, grouped by RSB region."""
    assessments = assessments_of(user, framework, cycle)
    cells = cells_by_assessment(assessments, framework)
    groups: dict[int | None, RegionGroup] = {}
    for a in assessments:
        org = a.organisation
        rsb = org if org.kind == "rsb" else org.region
        groups.setdefault(rsb.id if rsb else None, RegionGroup(rsb)).rows.append(
            GridRow(a, cells[a.id])
        )
    for group in groups.values():  # the board first, then its partners by name
        group.rows.sort(
            key=lambda r: (r.organisation.kind != "rsb", sort_name(r.organisation, locale))
        )
    ordered = sorted(
        groups.values(), key=lambda g: (g.rsb is None, sort_name(g.rsb, locale) if g.rsb else "")
    )
    return Grid(framework, cycle, loaders.sections_of(framework), ordered)


def sort_name(org: Organisation, locale: str) -> str:
    """An organisation's name in `locale` as a key for sorting."""
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
            Action.outstanding(),
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
class OrganisationView(BySection):
    """One organisation's assessment for a framework and cycle, as its dashboard shows it."""

    assessment: Assessment | None
    sections: list[Section]
    cells: dict[str, Cell]

    def section_counts(self) -> list[list[int]]:
        """Per section: its responses at each level of the scale, then unscored."""
        if self.assessment is None:
            return self.count_by_section([], [])
        return self.count_by_section(self.assessment.framework.scale_values, [self.cells])


def organisation_view(
    user: User, organisation: Organisation, framework: Framework, cycle: Cycle
) -> OrganisationView:
    """The organisation's assessment for this framework and cycle, if the user may see it."""
    found = assessments_of(user, framework, cycle, organisation_id=organisation.id)
    if not found:
        return OrganisationView(None, [], {})
    return OrganisationView(
        found[0], loaders.sections_of(framework), cells_by_assessment(found, framework)[found[0].id]
    )
