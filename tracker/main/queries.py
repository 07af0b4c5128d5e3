"""What each role's start page shows: the assessments they may see, with their status."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from tracker import clock, cycles
from tracker.access import can, visible_assessments
from tracker.evidence import triangulation
from tracker.evidence.queries import kinds_and_sources
from tracker.extensions import db
from tracker.frameworks.queries import latest_frameworks
from tracker.models import (
    Action,
    Assessment,
    Challenge,
    Cycle,
    Framework,
    Item,
    Organisation,
    Response,
    User,
)
from tracker.paging import Page, paginate
from tracker.review import queries as review

DUE_SOON_DAYS = 30


@dataclass
class AssessmentRow:
    assessment: Assessment
    items: int
    scored: int = 0
    with_narrative: int = 0
    triangulated: int = 0
    claims_beyond_evidence: int = 0
    challenges_to_answer: int = 0
    actions_overdue: int = 0
    actions_due_soon: int = 0
    # What the viewer may act on here (tracker/access.py); the figures of what they may not
    # are not theirs to see as waiting for them.
    may_act: bool = False


@dataclass
class StartPage:
    heading_role: str
    rows_by_cycle: list[tuple[Cycle, list[AssessmentRow]]]
    can_start: list[Framework] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    regions: list[tuple[Organisation, list[Organisation]]] = field(default_factory=list)
    cycle: Cycle | None = None
    # Days to the current cycle's due date (negative once passed); None outside its window.
    days_left: int | None = None
    challenges: list = field(default_factory=list)  # for a coordinator: to answer
    older_cycles: bool = False  # cycles before the recent ones exist (see the dashboards)
    listed: Page | None = None  # the page of assessments shown (an inspector sees many)

    @property
    def waiting_for_you(self) -> bool:
        """Whether the viewer may act on any assessment listed: else no "Waiting for you"."""
        return any(row.may_act for _cycle, rows in self.rows_by_cycle for row in rows)


def _grouped(query) -> dict[int, tuple]:
    return {row[0]: tuple(row[1:]) for row in db.session.execute(query)}


# The start page is for the work at hand: the cycles opened most recently. Older cycles are
# in the dashboards (trend, cycle filter) and the API; listing every cycle ever made the page
# grow year on year (DESIGN §10).
RECENT_CYCLES = 2


def _recent_cycles():
    """The ids of the cycles opened on the RECENT_CYCLES latest opening dates."""
    latest = select(Cycle.opens_on).distinct().order_by(Cycle.opens_on.desc()).limit(RECENT_CYCLES)
    return select(Cycle.id).where(Cycle.opens_on.in_(latest))


# Assessments listed at once: an inspector's or administrator's start page would otherwise
# list every organisation's assessments of two cycles (DESIGN §10: a page does not grow with
# the data).
PER_PAGE = 25


def _rows(user: User, today: date) -> tuple[Page, list[AssessmentRow]]:
    """One page of the visible assessments of recent cycles with their figures, in six
    queries whatever their number."""
    query = (
        visible_assessments(user)
        .where(Assessment.cycle_id.in_(_recent_cycles()))
        .options(
            joinedload(Assessment.organisation),
            joinedload(Assessment.framework),
            joinedload(Assessment.cycle),
        )
        .join(Assessment.cycle)
        .join(Assessment.organisation)
        .order_by(Cycle.opens_on.desc(), Organisation.name, Assessment.framework_id)
    )
    listed = paginate(query, per_page=PER_PAGE)
    assessments = listed.items
    ids = [a.id for a in assessments]
    has_narrative = func.length(func.trim(func.coalesce(Response.narrative, ""))) > 0
    answers = _grouped(
        select(
            Response.assessment_id,
            func.count(Response.self_score),
            func.count(case((has_narrative, 1))),
        )
        .where(Response.assessment_id.in_(ids))
        .group_by(Response.assessment_id)
    )
    challenges = _grouped(
        select(Response.assessment_id, func.count(Challenge.id))
        .join(Challenge, Challenge.response_id == Response.id)
        .where(Response.assessment_id.in_(ids), Challenge.status == "open")
        .group_by(Response.assessment_id)
    )
    actions = _grouped(
        select(
            Response.assessment_id,
            func.count(case((Action.due_on < today, 1))),
            func.count(
                case(
                    (
                        (Action.due_on >= today)
                        & (Action.due_on <= today + timedelta(DUE_SOON_DAYS)),
                        1,
                    )
                )
            ),
        )
        .join(Action, Action.response_id == Response.id)
        .where(Response.assessment_id.in_(ids), Action.outstanding())
        .group_by(Response.assessment_id)
    )
    items = _grouped(
        select(Item.framework_id, func.count(Item.id))
        .where(Item.framework_id.in_({a.framework_id for a in assessments}))
        .group_by(Item.framework_id)
    )
    evidence = _evidence_figures(assessments)
    rows = []
    for a in assessments:
        answers_challenges = can(user, "assessment.answer", a)
        follows_up = can(user, "assessment.follow_up", a)
        rows.append(
            AssessmentRow(
                a,
                items.get(a.framework_id, (0,))[0],
                *answers.get(a.id, (0, 0)),
                *evidence.get(a.id, (0, 0)),
                challenges.get(a.id, (0,))[0] if answers_challenges else 0,
                *(actions.get(a.id, (0, 0)) if follows_up else (0, 0)),
                may_act=answers_challenges or follows_up,
            )
        )
    return listed, rows


def _evidence_figures(assessments: list[Assessment]) -> dict[int, tuple[int, int]]:
    """Per assessment: items triangulated, and claims beyond evidence, in one query. The
    database counts each response's kinds and sources of current evidence: one row per
    response, not one per link."""
    by_id = {a.id: a for a in assessments}
    rows = db.session.execute(
        kinds_and_sources(Response.assessment_id, Response.self_score).where(
            Response.assessment_id.in_(by_id)
        )
    )
    figures: dict[int, list[int]] = {a_id: [0, 0] for a_id in by_id}
    for assessment_id, score, kinds, sources in rows:
        framework = by_id[assessment_id].framework
        rule = triangulation.Rule(
            framework.min_kinds, framework.min_sources, framework.required_from
        )
        level = triangulation.level_of_counts(kinds, sources, rule)
        figures[assessment_id][0] += level == triangulation.TRIANGULATED
        figures[assessment_id][1] += triangulation.claim_beyond_evidence(score, level, rule)
    return {a_id: tuple(f) for a_id, f in figures.items()}


def start_page(user: User, today: date | None = None) -> StartPage:
    """Gather a user's start page: visible assessments of recent cycles grouped by cycle,
    newest first."""
    today = today or clock.today()
    grouped: dict[int, tuple[Cycle, list[AssessmentRow]]] = {}
    listed, rows = _rows(user, today)
    for row in rows:
        grouped.setdefault(row.assessment.cycle_id, (row.assessment.cycle, []))[1].append(row)
    page = StartPage(
        user.role, list(grouped.values()), cycle=cycles.current_cycle(today), listed=listed
    )
    # Assessments start, and the due date counts down, only while the current cycle is open.
    cycle_open = page.cycle is not None and page.cycle.contains(today)
    if cycle_open:
        page.days_left = cycles.days_left(page.cycle, today)
    page.older_cycles = (
        db.session.scalar(select(Cycle.id).where(Cycle.id.not_in(_recent_cycles())).limit(1))
        is not None
    )
    if cycle_open and can(user, "organisation.start_assessment", user.organisation):
        page.can_start = _frameworks_not_started(user.organisation, page.cycle)
    if user.role == "coordinator":
        page.challenges = [
            c for c in review.challenges_for(user) if can(user, "assessment.answer", c.assessment)
        ]
    if user.role in ("admin", "inspector"):
        page.regions = organisations_by_region()
    if user.role == "admin":
        page.counts = {
            "organisations": db.session.scalar(select(func.count(Organisation.id))),
            "users": db.session.scalar(select(func.count(User.id))),
            "frameworks": db.session.scalar(select(func.count(Framework.id))),
            "cycles": db.session.scalar(select(func.count(Cycle.id))),
        }
    return page


def _frameworks_not_started(org: Organisation, cycle: Cycle) -> list[Framework]:
    """Latest framework versions that apply to the organisation with no assessment this cycle."""
    frameworks = latest_frameworks()
    started = set(
        db.session.scalars(
            select(Assessment.framework_key).where(
                Assessment.organisation_id == org.id, Assessment.cycle_id == cycle.id
            )
        )
    )
    return [f for f in frameworks if f.applies_to_kind(org.kind) and f.key not in started]


def organisations_by_region() -> list[tuple[Organisation, list[Organisation]]]:
    """Each RSB with the organisations in its region; those in no region come last."""
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    members: dict[int | None, list[Organisation]] = {}
    for org in orgs:
        if org.kind != "rsb":
            members.setdefault(org.region_id, []).append(org)
    regions = [(org, members.get(org.id, [])) for org in orgs if org.kind == "rsb"]
    if members.get(None):
        regions.append((None, members[None]))
    return regions
