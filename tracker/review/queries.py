"""Peer review's reads and page data: the reviewer's queue, one assessment under review in the
order challenge is most needed, challenge threads, and what inspectors oversee. Other areas
import these, never the operations' internals. A fixed number of queries each, whatever the
size (DESIGN §10)."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.access import UNDER_REVIEW, visible_assessments
from tracker.assessments.queries import previous_scores, task_list
from tracker.evidence import queries as evidence_queries
from tracker.evidence import triangulation
from tracker.extensions import db
from tracker.models import (
    Assessment,
    Challenge,
    ChallengeMessage,
    Cycle,
    Evidence,
    Item,
    Organisation,
    Response,
    ReviewAssignment,
    User,
)
from tracker.review.common import _NAMES

# --- the reviewer's queue ------------------------------------------------------------------------


@dataclass
class QueueRow:
    assignment: ReviewAssignment
    items: int = 0
    settled: int = 0  # validated, or with a resolved challenge
    open_challenges: int = 0
    overdue_challenges: int = 0

    def is_overdue(self, today: date) -> bool:
        a = self.assignment
        return a.assessment.status == "in_review" and a.due_on is not None and a.due_on < today


# Finished reviews shown under those still to do. A reviewer's history grows every cycle; the
# queue shows the latest, so it costs the same in the tenth year as in the first (DESIGN §10).
FINISHED_SHOWN = 20


def queue(user: User, today: date) -> list[QueueRow]:
    """A reviewer's assignments, soonest due first, then the FINISHED_SHOWN most recently
    finished, with progress: a fixed number of queries."""
    mine = (
        select(ReviewAssignment)
        .join(ReviewAssignment.assessment)
        .where(
            ReviewAssignment.reviewer_id == user.id,
            Assessment.id.in_(visible_assessments(user).with_only_columns(Assessment.id)),
        )
        .options(selectinload(ReviewAssignment.assessment).options(*_NAMES))
    )
    to_do = db.session.scalars(
        mine.where(Assessment.status != "concluded").order_by(
            ReviewAssignment.due_on, ReviewAssignment.id
        )
    ).all()
    done = db.session.scalars(
        mine.where(Assessment.status == "concluded")
        .order_by(
            Assessment.concluded_at.desc().nulls_first(),
            ReviewAssignment.due_on,
            ReviewAssignment.id,
        )
        .limit(FINISHED_SHOWN)
    ).all()
    assignments = list(to_do) + list(done)
    progress = review_progress([a.assessment_id for a in assignments], today)
    return [QueueRow(a, *progress.get(a.assessment_id, (0, 0, 0, 0))) for a in assignments]


def review_progress(assessment_ids: list[int], today: date) -> dict[int, tuple[int, ...]]:
    """Per assessment: (items, settled, unresolved challenges, overdue challenges)."""
    settled = Response.validated_score.is_not(None)
    counts = {
        row[0]: [row[1], row[2], 0, 0]
        for row in db.session.execute(
            select(
                Response.assessment_id,
                func.count(Response.id),
                func.count(Response.id).filter(settled),
            )
            .where(Response.assessment_id.in_(assessment_ids))
            .group_by(Response.assessment_id)
        )
    }
    for assessment_id, status, due_on in db.session.execute(
        select(Response.assessment_id, Challenge.status, Challenge.due_on)
        .join(Challenge, Challenge.response_id == Response.id)
        .where(Response.assessment_id.in_(assessment_ids), Challenge.status != "resolved")
    ):
        figures = counts.setdefault(assessment_id, [0, 0, 0, 0])
        figures[2] += 1
        figures[3] += status == "open" and due_on is not None and due_on < today
    return {k: tuple(v) for k, v in counts.items()}


def oversight(user: User, today: date) -> dict:
    """For inspectors and admins: what waits for a reviewer, what is in review, and the
    challenges not yet resolved. A fixed number of queries."""
    assessments = db.session.scalars(
        visible_assessments(user)
        .where(Assessment.status.in_(UNDER_REVIEW))
        .join(Assessment.cycle)
        .join(Assessment.organisation)
        .options(
            *_NAMES,
            selectinload(Assessment.assignments)
            .selectinload(ReviewAssignment.reviewer)
            .selectinload(User.organisation),
        )
        .order_by(Cycle.opens_on.desc(), Organisation.name)
    ).all()
    progress = review_progress([a.id for a in assessments], today)
    return {
        "awaiting": [a for a in assessments if a.status == "submitted"],
        "in_review": [
            (a, progress.get(a.id, (0, 0, 0, 0))) for a in assessments if a.status == "in_review"
        ],
        "challenges": challenges_for(user, ("open", "responded")),
    }


# --- one assessment under review, ordered by where challenge is most needed ----------------------


PRIORITY_CLAIMS, PRIORITY_THIN, PRIORITY_REST = "claims", "thin", "rest"


@dataclass
class ReviewRow:
    row: object  # assessments.service.ItemRow
    challenges: list[Challenge] = field(default_factory=list)
    previous: int | None = None

    @property
    def response(self) -> Response:
        return self.row.response

    @property
    def open_challenge(self) -> Challenge | None:
        return next((c for c in self.challenges if c.is_unresolved), None)

    @property
    def settled(self) -> bool:
        """Reviewed to the end: a validated score, by validation or by accepting or moderating
        a challenge (a withdrawn challenge leaves the score still to validate)."""
        return self.response.validated_score is not None


@dataclass
class ReviewPage:
    assessment: Assessment
    groups: list[tuple[str, list[ReviewRow]]]

    @property
    def rows(self) -> list[ReviewRow]:
        return [r for _k, rows in self.groups for r in rows]

    @property
    def unsettled(self) -> list[ReviewRow]:
        return [r for r in self.rows if not r.settled or r.open_challenge]

    @property
    def can_conclude(self) -> bool:
        return not self.unsettled


def priority(row, framework) -> str:
    """Where a response stands in the review order (DESIGN §6): claims beyond evidence first;
    then high scores (the top half of the scale) whose evidence is not triangulated; then the
    rest."""
    if row.claim_beyond_evidence:
        return PRIORITY_CLAIMS
    values = framework.scale_values
    score = row.response.self_score
    if values and score is not None and row.triangulation != triangulation.TRIANGULATED:
        midpoint = (min(values) + max(values)) / 2
        if score >= midpoint:
            return PRIORITY_THIN
    return PRIORITY_REST


def review_page(assessment: Assessment, user: User) -> ReviewPage:
    """The responses of an assessment grouped by priority; within a group, highest score first
    and then framework order. A fixed number of queries whatever the size."""
    rows = task_list(assessment).rows
    challenges = challenges_by_response([r.response.id for r in rows])
    previous = _previous_scores(assessment, user)
    groups = {PRIORITY_CLAIMS: [], PRIORITY_THIN: [], PRIORITY_REST: []}
    for position, row in enumerate(rows):
        review_row = ReviewRow(row, challenges.get(row.response.id, []), previous.get(row.item.id))
        groups[priority(row, assessment.framework)].append((position, review_row))
    ordered = []
    for key, members in groups.items():
        if key != PRIORITY_REST:
            members.sort(key=lambda m: (-(m[1].response.self_score or 0), m[0]))
        ordered.append((key, [m[1] for m in members]))
    return ReviewPage(assessment, ordered)


def _previous_scores(assessment: Assessment, user: User) -> dict[int, int | None]:
    """Last cycle's score (validated if there is one) by this cycle's item id."""
    by_key = previous_scores(assessment, user)
    return {item.id: by_key.get(item.key) for item in assessment.framework.items}


def challenges_by_response(response_ids: list[int]) -> dict[int, list[Challenge]]:
    """Every challenge on these responses, oldest first, with its people: two queries."""
    grouped: dict[int, list[Challenge]] = {}
    for challenge in db.session.scalars(
        select(Challenge)
        .where(Challenge.response_id.in_(response_ids))
        .options(selectinload(Challenge.raised_by))
        .order_by(Challenge.id)
    ):
        grouped.setdefault(challenge.response_id, []).append(challenge)
    return grouped


# --- challenge threads ---------------------------------------------------------------------------

# A thread as its pages show it: who asked, and each message with its author and evidence.
_THREAD = (
    selectinload(Challenge.raised_by).selectinload(User.organisation),
    selectinload(Challenge.messages)
    .selectinload(ChallengeMessage.author)
    .selectinload(User.organisation),
    selectinload(Challenge.messages).selectinload(ChallengeMessage.evidence),
)


def load_thread(challenge_id: int) -> Challenge | None:
    """A challenge with its response, assessment and every message with its evidence."""
    return db.session.scalar(
        select(Challenge)
        .where(Challenge.id == challenge_id)
        .options(*_THREAD, selectinload(Challenge.response).selectinload(Response.item))
    )


def load_for_reading(challenge_id: int) -> Challenge | None:
    """A challenge with what its summary shows (each message and its evidence's ids) and what
    deciding who may read it needs (its assessment and reviewers), in four statements."""
    return db.session.scalar(
        select(Challenge)
        .where(Challenge.id == challenge_id)
        .options(
            selectinload(Challenge.messages).selectinload(ChallengeMessage.evidence),
            joinedload(Challenge.response)
            .joinedload(Response.assessment)
            .selectinload(Assessment.assignments),
        )
    )


def threads(response: Response) -> list[Challenge]:
    """Every challenge on a response with its messages, oldest first."""
    return _threads(Challenge.response_id == response.id)


def assessment_threads(assessment: Assessment) -> list[Challenge]:
    """Every challenge on an assessment's responses with its messages, oldest first."""
    on_assessment = select(Response.id).where(Response.assessment_id == assessment.id)
    return _threads(Challenge.response_id.in_(on_assessment))


def _threads(condition) -> list[Challenge]:
    return list(
        db.session.scalars(
            select(Challenge).where(condition).options(*_THREAD).order_by(Challenge.id)
        )
    )


def last_message_id(challenge: Challenge) -> int | None:
    """The newest message of the thread as loaded: what a resolution or follow-up answers."""
    return max((m.id for m in challenge.messages), default=None)


def answer_options(challenge: Challenge) -> list[Evidence]:
    """The organisation's current evidence it could add to an answer (not yet on the item)."""
    response = challenge.response
    return evidence_queries.linkable(response.assessment.organisation_id, response.id)


# --- the organisation's side ---------------------------------------------------------------------


@dataclass
class ToAnswer:
    challenge: Challenge
    assessment: Assessment
    item: Item

    def is_overdue(self, today: date) -> bool:
        return self.challenge.is_overdue(today)


def challenges_for(user: User, statuses=("open",)) -> list[ToAnswer]:
    """Challenges on the assessments a user may see, soonest due first: for a coordinator,
    those their organisation has to answer. One query."""
    rows = db.session.execute(
        select(Challenge, Assessment, Item)
        .join(Response, Response.id == Challenge.response_id)
        .join(Assessment, Assessment.id == Response.assessment_id)
        .join(Item, Item.id == Response.item_id)
        .where(
            Challenge.status.in_(statuses),
            Assessment.id.in_(visible_assessments(user).with_only_columns(Assessment.id)),
        )
        .options(*_NAMES)
        .order_by(Challenge.due_on, Challenge.id)
    ).all()
    return [ToAnswer(c, a, i) for c, a, i in rows]
