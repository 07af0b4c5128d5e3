"""JSON API v1, peer review: assigning reviewers, validating scores and the challenge workflow
(raise, answer, resolve, reopen). HTTP only: the rules are in tracker/review/."""

from tracker import access, clock
from tracker.api import bp
from tracker.api.http import (
    ApiError,
    conflict,
    date_field,
    field,
    id_field,
    json_body,
    listed,
    read,
    refused,
    user,
)
from tracker.api.views import assessment_json, assessment_or_404, response_read, response_row
from tracker.extensions import db
from tracker.models import Challenge, User
from tracker.review import assignments, challenges, queries, validation
from tracker.review.challenges import ChallengeMoved
from tracker.rules import RuleError


def challenge_json(c: Challenge) -> dict:
    return {
        "id": c.id,
        "response_id": c.response_id,
        "raised_by_id": c.raised_by_id,
        "question": c.question,
        "proposed_score": c.proposed_score,
        "evidence_requested": c.evidence_requested or [],
        "status": c.status,
        "outcome": c.outcome,
        "resolved_score": c.resolved_score,
        "rationale": c.rationale,
        "due_on": c.due_on,
        "resolved_at": c.resolved_at,
        "messages": [
            {
                "id": m.id,
                "kind": m.kind,
                "author_id": m.author_id,
                "body": m.body,
                "revised_score": m.revised_score,
                "evidence_ids": [e.id for e in m.evidence],
                "created_at": m.created_at,
            }
            for m in c.messages
        ],
    }


def reviewer_json(reviewer: User) -> dict:
    return {"id": reviewer.id, "name": reviewer.name, "organisation_id": reviewer.organisation_id}


# --- assigning reviewers -------------------------------------------------------------------------


@bp.get("/reviewers")
def list_reviewers():
    if not access.can(user(), "review.oversee"):
        raise ApiError(403, "forbidden", "Only administrators and inspectors assign reviewers.")
    return listed(assignments.reviewers(), reviewer_json)


@bp.post("/assessments/<int:assessment_id>/assign")
def assign_reviewer(assessment_id: int):
    assessment = assessment_or_404(assessment_id, "assessment.assign")
    body = json_body()
    reviewer_id = id_field(body, "reviewer_id", required=True)
    due_on = date_field(body, "due_on", required=True)
    try:
        assignments.assign(
            user(), assessment, db.session.get(User, reviewer_id), due_on, clock.today()
        )
    except RuleError as error:
        raise refused(error, {"reviewer": "reviewer_id"}) from None
    return read(assessment_json(assessment_or_404(assessment_id)))


@bp.post("/responses/<int:response_id>/validate")
def validate_response(response_id: int):
    _assessment, row = response_row(response_id, "assessment.validate")
    try:
        validation.validate(user(), row.response)
    except RuleError as error:
        raise refused(error) from None
    return response_read(response_id)


# --- challenges ----------------------------------------------------------------------------------


@bp.get("/assessments/<int:assessment_id>/challenges")
def list_challenges(assessment_id: int):
    return listed(queries.assessment_threads(assessment_or_404(assessment_id)), challenge_json)


def _challenge_or_404(challenge_id: int, action: str = "challenge.view") -> Challenge:
    return access.get_challenge_or_404(challenge_id, user(), action, queries.load_thread)


@bp.get("/challenges/<int:challenge_id>")
def get_challenge(challenge_id: int):
    return read(challenge_json(_challenge_or_404(challenge_id)))


@bp.post("/responses/<int:response_id>/challenges")
def raise_challenge(response_id: int):
    _assessment, row = response_row(response_id, "assessment.challenge")
    body = json_body()
    kinds = body.get("evidence_requested") or []
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        raise ApiError(422, "invalid", "evidence_requested must be a list of kinds.")
    try:
        challenge = challenges.raise_challenge(
            user(),
            row.response,
            field(body, "question", str, required=True),
            field(body, "proposed_score", int),
            date_field(body, "due_on", required=True),
            kinds,
            clock.today(),
        )
    except RuleError as error:
        raise refused(error) from None
    return read(challenge_json(_challenge_or_404(challenge.id)), 201)


def _settle(challenge_id: int, action: str, step):
    challenge = _challenge_or_404(challenge_id, action)
    body = json_body()
    try:
        step(challenge, body)
    except ChallengeMoved as error:
        raise conflict(error.message) from None
    except RuleError as error:
        raise refused(error) from None
    db.session.expire_all()
    return read(challenge_json(_challenge_or_404(challenge_id)))


@bp.post("/challenges/<int:challenge_id>/answer")
def answer_challenge(challenge_id: int):
    def step(challenge, body):
        ids = body.get("evidence_ids") or []
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            raise ApiError(422, "invalid", "evidence_ids must be a list of ids.", "evidence_ids")
        challenges.answer(
            user(),
            challenge,
            field(body, "body", str, required=True),
            field(body, "revised_score", int),
            ids,
        )

    return _settle(challenge_id, "challenge.answer", step)


@bp.post("/challenges/<int:challenge_id>/resolve")
def resolve_challenge(challenge_id: int):
    def step(challenge, body):
        challenges.resolve(
            user(),
            challenge,
            field(body, "outcome", str, required=True),
            field(body, "resolved_score", int),
            field(body, "rationale", str),
        )

    return _settle(challenge_id, "challenge.resolve", step)


@bp.post("/challenges/<int:challenge_id>/reopen")
def reopen_challenge(challenge_id: int):
    def step(challenge, body):
        challenges.reopen(
            user(),
            challenge,
            field(body, "body", str, required=True),
            date_field(body, "due_on", required=True),
            clock.today(),
        )

    return _settle(challenge_id, "challenge.reopen", step)
