"""JSON API v1, peer review: assigning reviewers, validating scores and the challenge workflow
(raise, answer, resolve, reopen). HTTP only: the rules are in tracker/review/."""

from tracker import access, clock
from tracker.api import bp, shapes, shapes_more
from tracker.api.bodies import Answer, Assignment, FollowUp, NewChallenge, Resolution, parse
from tracker.api.http import ApiError, answer_error, conflict, listed, read, user
from tracker.api.responses import assessment_or_404, response_read, response_row
from tracker.extensions import db
from tracker.models import Challenge, User
from tracker.review import assignments as review_assignments
from tracker.review import challenges as review_challenges
from tracker.review import queries as review_queries
from tracker.review import validation as review_validation


@bp.errorhandler(review_challenges.ChallengeMoved)
def _moved(error: review_challenges.ChallengeMoved):
    """Someone acted on the challenge first: a conflict, though the service calls it a rule."""
    return answer_error(conflict(error.message))


# --- assigning reviewers -------------------------------------------------------------------------


@bp.get("/reviewers")
def list_reviewers():
    if not access.can(user(), "review.oversee"):
        raise ApiError(403, "forbidden", "Only administrators and inspectors assign reviewers.")
    return listed(review_assignments.reviewers(), shapes_more.Reviewer.of)


@bp.post("/assessments/<int:assessment_id>/assign")
def assign_reviewer(assessment_id: int):
    assessment = assessment_or_404(assessment_id, "assessment.assign")
    body = parse(Assignment)
    reviewer = db.session.get(User, body.reviewer_id)
    review_assignments.assign(user(), assessment, reviewer, body.due_on, clock.today())
    return read(shapes.Assessment.of(assessment_or_404(assessment_id)))


@bp.post("/responses/<int:response_id>/validate")
def validate_response(response_id: int):
    _assessment, row = response_row(response_id, "assessment.validate")
    review_validation.validate(user(), row.response)
    return response_read(response_id)


# --- challenges ----------------------------------------------------------------------------------


@bp.get("/assessments/<int:assessment_id>/challenges")
def list_challenges(assessment_id: int):
    threads = review_queries.assessment_threads(assessment_or_404(assessment_id))
    return listed(threads, shapes_more.Challenge.of)


def _challenge_or_404(challenge_id: int, action: str = "challenge.view", loader=None) -> Challenge:
    loader = loader or review_queries.load_thread
    return access.get_challenge_or_404(challenge_id, user(), action, loader)


def _challenge_read(challenge_id: int, status: int = 200):
    challenge = _challenge_or_404(challenge_id, loader=review_queries.load_for_reading)
    return read(shapes_more.Challenge.of(challenge), status)


@bp.get("/challenges/<int:challenge_id>")
def get_challenge(challenge_id: int):
    return _challenge_read(challenge_id)


@bp.post("/responses/<int:response_id>/challenges")
def raise_challenge(response_id: int):
    _assessment, row = response_row(response_id, "assessment.challenge")
    body = parse(NewChallenge)
    challenge = review_challenges.raise_challenge(
        user(),
        row.response,
        body.question,
        body.proposed_score,
        body.due_on,
        body.evidence_requested,
        clock.today(),
    )
    return _challenge_read(challenge.id, 201)


@bp.post("/challenges/<int:challenge_id>/answer")
def answer_challenge(challenge_id: int):
    challenge = _challenge_or_404(challenge_id, "challenge.answer")
    body = parse(Answer)
    review_challenges.answer(user(), challenge, body.body, body.revised_score, body.evidence_ids)
    db.session.expire_all()
    return _challenge_read(challenge_id)


@bp.post("/challenges/<int:challenge_id>/resolve")
def resolve_challenge(challenge_id: int):
    challenge = _challenge_or_404(challenge_id, "challenge.resolve")
    body = parse(Resolution)
    review_challenges.resolve(user(), challenge, body.outcome, body.resolved_score, body.rationale)
    db.session.expire_all()
    return _challenge_read(challenge_id)


@bp.post("/challenges/<int:challenge_id>/reopen")
def reopen_challenge(challenge_id: int):
    challenge = _challenge_or_404(challenge_id, "challenge.reopen")
    body = parse(FollowUp)
    review_challenges.reopen(user(), challenge, body.body, body.due_on, clock.today())
    db.session.expire_all()
    return _challenge_read(challenge_id)
