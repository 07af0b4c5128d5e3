"""Peer review and challenge (DESIGN §7): assignments, the challenge workflow, validated scores
and concluding a review.

Challenge: open → responded → resolved (accepted | moderated | withdrawn); responded → open
again when reopened. Each step checks who may take it (tracker/access.py) and whether the
challenge is in the state the step starts from, while holding the rows it changes, so two
people acting at once cannot both succeed. Each step is an audit event and a message in the
thread, and tells the people it concerns. Functions commit, or raise RuleError having
written nothing.
"""

from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker import claims, drafts
from tracker.access import UNDER_REVIEW, can, visible_assessments
from tracker.assessments.queries import previous_scores, task_list
from tracker.assessments.rules import check_text
from tracker.evidence import operations as evidence_ops
from tracker.evidence import queries as evidence_queries
from tracker.evidence import rules as evidence_rules
from tracker.evidence import triangulation
from tracker.extensions import db
from tracker.models import (
    Assessment,
    AuditEvent,
    Challenge,
    ChallengeMessage,
    Cycle,
    Evidence,
    EvidenceLink,
    Item,
    Organisation,
    Response,
    ReviewAssignment,
    User,
)
from tracker.models.base import utcnow
from tracker.models.evidence import EVIDENCE_KINDS
from tracker.models.review import CHALLENGE_OUTCOMES
from tracker.notifications import operations as notifications
from tracker.rules import RuleError

TEXT_MAX = 4_000

__all__ = ["RuleError"]


# --- holding rows while a step is taken ----------------------------------------------------------


def _hold_assessment(assessment: Assessment, statuses=UNDER_REVIEW) -> None:
    """Lock the assessment's row for this transaction if it is in one of `statuses`."""
    if not claims.claim(assessment, Assessment.status.in_(statuses), updated_at=utcnow()):
        raise RuleError(_l("This assessment is no longer under review."))


class ChallengeMoved(RuleError):
    """The challenge is no longer as the user saw it: someone else acted first."""


MOVED_ON = _l("The thread has a new message since you opened it. Read it, then try again.")
STATE_MESSAGES = {
    "open": _l("This challenge is waiting for the organisation's answer."),
    "responded": _l("This challenge has been answered already."),
    "resolved": _l("This challenge is already resolved."),
}


def _hold_challenge(challenge: Challenge, statuses: tuple[str, ...]) -> None:
    """Lock the challenge's row if it is in one of `statuses`; otherwise say what it is now."""
    if not claims.claim(challenge, Challenge.status.in_(statuses), updated_at=utcnow()):
        raise ChallengeMoved(STATE_MESSAGES[challenge.status])


def last_message_id(challenge: Challenge) -> int | None:
    return max((m.id for m in challenge.messages), default=None)


def _check_seen(challenge: Challenge, seen: int | None) -> None:
    """Refuse to settle a challenge whose thread moved on since the user read it (another
    answer came in meanwhile): they should read that first."""
    if seen is None:
        return
    latest = db.session.scalar(
        select(func.max(ChallengeMessage.id)).where(ChallengeMessage.challenge_id == challenge.id)
    )
    if latest != seen:
        db.session.rollback()
        db.session.refresh(challenge)
        raise ChallengeMoved(MOVED_ON)


# What every list of assessments shows: whose, which framework, which cycle.
_NAMES = (
    selectinload(Assessment.organisation),
    selectinload(Assessment.framework),
    selectinload(Assessment.cycle),
)


def _check_due(due_on: date | None, today: date, required: bool = True) -> date | None:
    if due_on is None:
        if required:
            raise RuleError(_l("Enter a due date."), "due_on")
        return None
    if not isinstance(due_on, date):
        raise RuleError(_l("The due date must be a real date."), "due_on")
    if due_on < today:
        raise RuleError(_l("The due date must be today or later."), "due_on")
    return due_on


def _check_score(assessment: Assessment, score: int | None, field_name: str) -> int | None:
    if score is not None and assessment.framework.level(score) is None:
        raise RuleError(_l("Choose a score from the scale."), field_name)
    return score


def _challenge_link(challenge: Challenge) -> str:
    return url_for("review.challenge", challenge_id=challenge.id)


# --- assignments ---------------------------------------------------------------------------------


def reviewers() -> list[User]:
    """Every active peer reviewer, with their organisation, for choosing one."""
    return list(
        db.session.scalars(
            select(User)
            .options(selectinload(User.organisation))
            .where(User.role == "reviewer", User.active.is_(True))
            .order_by(User.name)
        )
    )


def conflict_of_interest(reviewer: User, assessment: Assessment) -> str | None:
    """Why `reviewer` may not review `assessment`, or None."""
    if reviewer.organisation_id == assessment.organisation_id:
        return _l(
            "%(name)s works for %(org)s, the organisation being assessed. A peer reviewer must "
            "come from another organisation.",
            name=reviewer.name,
            org=assessment.organisation.name,
        )
    return None


def assign(
    user: User, assessment: Assessment, reviewer: User | None, due_on: date, today: date
) -> ReviewAssignment:
    """Assign a peer reviewer to a submitted assessment, which moves it into review."""
    if not can(user, "assessment.assign", assessment):
        raise RuleError(_l("You cannot assign reviewers to this assessment."))
    if reviewer is None or reviewer.role != "reviewer" or not reviewer.active:
        raise RuleError(_l("Choose a peer reviewer."), "reviewer")
    conflict = conflict_of_interest(reviewer, assessment)
    if conflict:
        raise RuleError(conflict, "reviewer")
    due_on = _check_due(due_on, today)
    if reviewer.id in assessment.reviewer_ids:
        raise RuleError(
            _l("%(name)s is already reviewing this assessment.", name=reviewer.name), "reviewer"
        )
    reviewer_id, user_id = reviewer.id, user.id  # read before the row lock's rollback risk
    _hold_assessment(assessment)
    if db.session.scalar(  # assigned meanwhile, by a double click or another administrator
        select(ReviewAssignment.id).where(
            ReviewAssignment.assessment_id == assessment.id,
            ReviewAssignment.reviewer_id == reviewer_id,
        )
    ):
        db.session.rollback()
        raise RuleError(
            _l("%(name)s is already reviewing this assessment.", name=reviewer.name), "reviewer"
        )
    before = {"status": assessment.status}
    assignment = ReviewAssignment(
        assessment=assessment, reviewer_id=reviewer_id, assigned_by_id=user_id, due_on=due_on
    )
    db.session.add(assignment)
    assessment.status = "in_review"
    AuditEvent.record(
        user,
        "review.assigned",
        assessment,
        before,
        {"status": "in_review", "reviewer_id": reviewer_id, "due_on": due_on},
    )
    notifications.notify(
        [reviewer],
        "assigned",
        notifications.about(assessment, due=due_on),
        url_for("review.assessment", assessment_id=assessment.id),
    )
    db.session.commit()
    return assignment


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


# --- the challenge workflow ----------------------------------------------------------------------


def _message(challenge, user, kind, body, revised_score=None, evidence=()) -> ChallengeMessage:
    message = ChallengeMessage(
        challenge=challenge,
        author_id=user.id,
        kind=kind,
        body=body or "",
        revised_score=revised_score,
    )
    message.evidence.extend(evidence)
    db.session.add(message)
    return message


def _about(challenge: Challenge, **extra) -> dict:
    response = challenge.response
    return notifications.about(response.assessment, item=response.item.key, **extra)


def raise_challenge(
    user: User,
    response: Response,
    question: str,
    proposed_score: int | None,
    due_on: date | None,
    evidence_requested: list[str] | None,
    today: date,
) -> Challenge:
    """Ask the organisation a question about a response, on the record."""
    assessment = response.assessment
    if not can(user, "assessment.challenge", assessment):
        raise RuleError(_l("You cannot challenge this assessment."))
    question = check_text(question, TEXT_MAX, "question", _l("The question"))
    if not question:
        raise RuleError(_l("Enter your question for the organisation."), "question")
    proposed_score = _check_score(assessment, proposed_score, "proposed_score")
    due_on = _check_due(due_on, today)
    kinds = list(evidence_requested or [])
    if any(kind not in EVIDENCE_KINDS for kind in kinds):
        raise RuleError(_l("Choose kinds of evidence from the list."), "evidence_requested")
    user_id = user.id
    _hold_assessment(assessment)
    if db.session.scalar(
        select(Challenge.id).where(
            Challenge.response_id == response.id, Challenge.status != "resolved"
        )
    ):
        db.session.rollback()
        raise RuleError(
            _l("This response already has a challenge that is not resolved. Add to that one.")
        )
    challenge = Challenge(
        response=response,
        raised_by_id=user_id,
        question=question,
        proposed_score=proposed_score,
        evidence_requested=[k for k in EVIDENCE_KINDS if k in kinds] or None,
        status="open",
        due_on=due_on,
    )
    db.session.add(challenge)
    _message(challenge, user, "raised", question)
    AuditEvent.record(
        user,
        "challenge.raised",
        challenge,
        after={
            "response_id": response.id,
            "question": question,
            "proposed_score": proposed_score,
            "due_on": due_on,
            "evidence_requested": challenge.evidence_requested,
        },
    )
    notifications.notify(
        notifications.coordinators_of(assessment.organisation_id),
        "challenge_raised",
        _about(challenge, due=due_on, name=user.name),
        _challenge_link(challenge),
    )
    db.session.commit()
    return challenge


def answer_options(challenge: Challenge) -> list[Evidence]:
    """The organisation's current evidence it could add to an answer (not yet on the item)."""
    response = challenge.response
    return evidence_queries.linkable(response.assessment.organisation_id, response.id)


def answer(
    user: User,
    challenge: Challenge,
    body: str,
    revised_score: int | None,
    evidence_ids: list[int],
) -> Challenge:
    """The organisation's answer: text, evidence from its library (linked to the response, so
    it counts from now on), and optionally a revised score, the only way a submitted score
    changes."""
    response = challenge.response
    assessment = response.assessment
    if not can(user, "challenge.answer", challenge):
        raise RuleError(_l("You cannot answer this challenge."))
    body = check_text(body, TEXT_MAX, "body", _l("The answer"))
    if not body:
        raise RuleError(_l("Enter your answer."), "body")
    revised_score = _check_score(assessment, revised_score, "revised_score")
    if revised_score == response.self_score:
        revised_score = None  # the same score is no revision
    chosen = _answer_evidence(challenge, evidence_ids)
    _hold_assessment(assessment)
    _hold_challenge(challenge, ("open",))
    db.session.refresh(response)  # as it is now, under the lock
    try:
        for item in chosen:
            evidence_ops.attach(user, item, response, _l("Added in answer to a challenge"))
    except evidence_rules.EvidenceError as error:  # linked by someone else meanwhile
        db.session.rollback()
        raise RuleError(error.message, "evidence") from None
    _message(challenge, user, "answered", body, revised_score, chosen)
    if revised_score is not None:
        before = {"self_score": response.self_score}
        response.self_score = revised_score
        response.validated_score = None  # a validation was of the old score
        response.validated_by_id = response.validated_at = None
        AuditEvent.record(
            user,
            "response.revised",
            response,
            before,
            {"self_score": revised_score, "challenge_id": challenge.id},
        )
    challenge.status = "responded"
    AuditEvent.record(
        user,
        "challenge.answered",
        challenge,
        {"status": "open"},
        {
            "status": "responded",
            "revised_score": revised_score,
            "evidence_ids": [e.id for e in chosen],
        },
    )
    notifications.notify(
        [challenge.raised_by],
        "challenge_answered",
        _about(challenge),
        _challenge_link(challenge),
    )
    drafts.discard(user, drafts.challenge_answer(challenge.id))  # sent: nothing left to keep
    db.session.commit()
    return challenge


def _answer_evidence(challenge: Challenge, evidence_ids: list[int]) -> list[Evidence]:
    if not evidence_ids:
        return []
    # The ids asked for, checked as answer_options would offer them, however old.
    response = challenge.response
    linked = select(EvidenceLink.evidence_id).where(EvidenceLink.response_id == response.id)
    allowed = {
        e.id: e
        for e in db.session.scalars(
            select(Evidence).where(
                Evidence.id.in_(evidence_ids),
                Evidence.organisation_id == response.assessment.organisation_id,
                Evidence.withdrawn_at.is_(None),
                Evidence.id.not_in(linked),
            )
        )
    }
    if any(i not in allowed for i in evidence_ids):
        raise RuleError(
            _l("Choose evidence from your organisation's library that is not withdrawn."),
            "evidence",
        )
    return [allowed[i] for i in dict.fromkeys(evidence_ids)]


def resolve(
    user: User,
    challenge: Challenge,
    outcome: str,
    resolved_score: int | None,
    rationale: str | None,
    now=None,
    seen: int | None = None,
) -> Challenge:
    """Close a challenge. `accepted`: the organisation's score stands and is validated;
    `moderated`: the validated score is set, with a rationale; `withdrawn`: the question is
    dropped. An open (unanswered) challenge can only be withdrawn."""
    response = challenge.response
    assessment = response.assessment
    if not can(user, "challenge.resolve", challenge):
        raise RuleError(_l("You cannot resolve this challenge."))
    if outcome not in CHALLENGE_OUTCOMES:
        raise RuleError(_l("Choose an outcome."), "outcome")
    rationale = check_text(rationale, TEXT_MAX, "rationale", _l("The rationale"))
    if outcome == "moderated":
        if resolved_score is None:
            raise RuleError(_l("Choose the validated score."), "resolved_score")
        _check_score(assessment, resolved_score, "resolved_score")
        if resolved_score == response.self_score:
            raise RuleError(
                _l("The score is the organisation's own: choose 'Score accepted' instead."),
                "resolved_score",
            )
        if not rationale:
            raise RuleError(_l("Explain why you moderated the score."), "rationale")
    else:
        resolved_score = response.self_score if outcome == "accepted" else None
    if challenge.status == "open" and outcome != "withdrawn":
        raise RuleError(
            _l("Wait for the organisation's answer, or withdraw the challenge."), "outcome"
        )
    user_id, when = user.id, now or utcnow()
    _hold_assessment(assessment)
    _hold_challenge(challenge, ("open", "responded") if outcome == "withdrawn" else ("responded",))
    _check_seen(challenge, seen)
    db.session.refresh(response)  # the score as it is now, under the lock
    if outcome == "accepted":
        resolved_score = response.self_score
    before = {"status": challenge.status}
    challenge.status, challenge.outcome = "resolved", outcome
    challenge.resolved_score, challenge.rationale = resolved_score, rationale
    challenge.resolved_at, challenge.resolved_by_id = when, user_id
    _message(challenge, user, "resolved", rationale or "")
    if outcome in ("accepted", "moderated"):
        _set_validated(user, response, resolved_score, when, "challenge")
    AuditEvent.record(
        user,
        "challenge.resolved",
        challenge,
        before,
        {"status": "resolved", "outcome": outcome, "resolved_score": resolved_score},
    )
    notifications.notify(
        notifications.coordinators_of(assessment.organisation_id),
        "challenge_resolved",
        _about(challenge, outcome=outcome),
        _challenge_link(challenge),
    )
    db.session.commit()
    return challenge


def reopen(
    user: User,
    challenge: Challenge,
    body: str,
    due_on: date | None,
    today: date,
    seen: int | None = None,
) -> Challenge:
    """Ask again: a responded challenge goes back to the organisation with a follow-up."""
    assessment = challenge.response.assessment
    if not can(user, "challenge.reopen", challenge):
        raise RuleError(_l("You cannot reopen this challenge."))
    body = check_text(body, TEXT_MAX, "body", _l("The follow-up question"))
    if not body:
        raise RuleError(_l("Say what the organisation still needs to answer."), "body")
    due_on = _check_due(due_on, today)
    _hold_assessment(assessment)
    _hold_challenge(challenge, ("responded",))
    _check_seen(challenge, seen)
    challenge.status, challenge.due_on, challenge.overdue_notified_on = "open", due_on, None
    _message(challenge, user, "reopened", body)
    AuditEvent.record(
        user,
        "challenge.reopened",
        challenge,
        {"status": "responded"},
        {"status": "open", "due_on": due_on, "question": body},
    )
    notifications.notify(
        notifications.coordinators_of(assessment.organisation_id),
        "challenge_reopened",
        _about(challenge, due=due_on, name=user.name),
        _challenge_link(challenge),
    )
    db.session.commit()
    return challenge


# --- validated scores and concluding -------------------------------------------------------------


def _set_validated(user: User, response: Response, score: int | None, when, how: str) -> None:
    before = {"validated_score": response.validated_score}
    response.validated_score, response.validated_by_id, response.validated_at = (
        score,
        user.id,
        when,
    )
    AuditEvent.record(
        user, "response.validated", response, before, {"validated_score": score, "by": how}
    )


def validate(user: User, response: Response, now=None) -> Response:
    """Confirm a response's score without challenge: the validated score is the self score."""
    assessment = response.assessment
    if not can(user, "assessment.validate", assessment):
        raise RuleError(_l("You cannot validate scores in this assessment."))
    if response.self_score is None:
        raise RuleError(_l("There is no score to validate."))
    _hold_assessment(assessment, ("in_review",))
    db.session.refresh(response)  # as it is now, under the lock
    refused = validation_refused(response)
    if refused:
        db.session.rollback()
        raise RuleError(refused)
    _set_validated(user, response, response.self_score, now or utcnow(), "review")
    db.session.commit()
    return response


def validation_refused(response: Response) -> str | None:
    """Why this response's score cannot be validated now, or None: what the confirmation page
    says, and what validate() checks again under the lock."""
    if response.assessment.status != "in_review":
        return _l("This assessment is no longer under review.")
    if response.self_score is None:
        return _l("There is no score to validate.")
    if response.validated_score is not None:
        return _l("This score is already validated.")
    if db.session.scalar(
        select(Challenge.id).where(
            Challenge.response_id == response.id, Challenge.status != "resolved"
        )
    ):
        return _l("Resolve the challenge on this response before validating it.")
    return None


def conclusion_refused(assessment: Assessment) -> str | None:
    """Why the review cannot be concluded now, or None (see validation_refused)."""
    if assessment.status != "in_review":
        return _l("This assessment is no longer under review.")
    waiting = _waiting(assessment.id)
    if waiting:
        return lazy_ngettext(
            "%(num)d response still needs a validated score or a resolved challenge.",
            "%(num)d responses still need a validated score or a resolved challenge.",
            waiting,
        )
    return None


def _waiting(assessment_id: int) -> int:
    """Responses not yet settled (ReviewPage.unsettled, counted by the database): without a
    validated score, or with a challenge not resolved."""
    unresolved = select(Challenge.response_id).where(Challenge.status != "resolved")
    return db.session.scalar(
        select(func.count(Response.id)).where(
            Response.assessment_id == assessment_id,
            Response.validated_score.is_(None) | Response.id.in_(unresolved),
        )
    )


def conclude(user: User, assessment: Assessment, today: date, now=None) -> Assessment:
    """End the review once every response has a validated score and no challenge is open."""
    if not can(user, "assessment.conclude", assessment):
        raise RuleError(_l("You cannot conclude this review."))
    user_id = user.id
    _hold_assessment(assessment, ("in_review",))
    refused = conclusion_refused(assessment)  # as committed now, under the lock
    if refused:
        db.session.rollback()
        raise RuleError(refused)
    assessment.status, assessment.concluded_by_id, assessment.concluded_at = (
        "concluded",
        user_id,
        now or utcnow(),
    )
    AuditEvent.record(
        user, "assessment.concluded", assessment, {"status": "in_review"}, {"status": "concluded"}
    )
    notifications.notify(
        notifications.coordinators_of(assessment.organisation_id)
        + [a.reviewer for a in assessment.assignments if a.reviewer_id != user_id],
        "assessment_concluded",
        notifications.about(assessment),
        url_for("assessments.task_list", assessment_id=assessment.id),
    )
    db.session.commit()
    return assessment


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


# --- reminders -----------------------------------------------------------------------------------


def send_overdue_reminders(today: date) -> int:
    """Tell people, once, of each challenge left unanswered and each review left unfinished
    past its due date. Safe to run every day (from cron): returns how many were sent."""
    sent = 0
    overdue = db.session.scalars(
        select(Challenge)
        .where(
            Challenge.status == "open",
            Challenge.due_on < today,
            Challenge.overdue_notified_on.is_(None),
        )
        .options(selectinload(Challenge.response).selectinload(Response.assessment))
    ).all()
    for challenge in overdue:
        assessment = challenge.response.assessment
        if assessment.status not in UNDER_REVIEW:
            continue
        people = notifications.coordinators_of(assessment.organisation_id)
        sent += len(
            notifications.notify(
                [*people, challenge.raised_by],
                "challenge_overdue",
                _about(challenge, due=challenge.due_on),
                _challenge_link(challenge),
            )
        )
        challenge.overdue_notified_on = today
        AuditEvent.record(None, "challenge.overdue", challenge, after={"due_on": challenge.due_on})
    late_reviews = db.session.scalars(
        select(ReviewAssignment)
        .join(ReviewAssignment.assessment)
        .where(
            Assessment.status == "in_review",
            ReviewAssignment.due_on < today,
            ReviewAssignment.overdue_notified_on.is_(None),
        )
    ).all()
    for assignment in late_reviews:
        sent += len(
            notifications.notify(
                [assignment.reviewer],
                "review_overdue",
                notifications.about(assignment.assessment, due=assignment.due_on),
                url_for("review.assessment", assessment_id=assignment.assessment_id),
            )
        )
        assignment.overdue_notified_on = today
        AuditEvent.record(None, "review.overdue", assignment, after={"due_on": assignment.due_on})
    db.session.commit()
    return sent


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
