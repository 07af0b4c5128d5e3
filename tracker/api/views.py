"""JSON API v1: HTTP only. Access is decided in tracker/access.py and the rules in each area's
service, exactly as for the pages; this module translates between them and JSON.

Authentication is by bearer token alone: a browser's session cookie never authenticates an
API call, so CSRF does not arise here.
"""

import hashlib
import json
from datetime import date, datetime

from flask import current_app, g, jsonify, make_response, request
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker import access
from tracker.api import bp, tokens
from tracker.api.openapi import document as openapi_document
from tracker.assessments import service as assessments
from tracker.auth import service as auth
from tracker.extensions import db
from tracker.models import (
    Assessment,
    Challenge,
    Cycle,
    Framework,
    Organisation,
    Response,
    Section,
)
from tracker.models.assessments import ASSESSMENT_STATUSES
from tracker.review import service as review
from tracker.security import as_id

PER_PAGE_DEFAULT, PER_PAGE_MAX = 25, 100
PUBLIC = {"api.create_token", "api.openapi"}


class ApiError(Exception):
    """An error answered as {"error": {"code", "message"}} with its HTTP status."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    body = {"code": error.code, "message": error.message}
    if error.field:
        body["field"] = error.field
    response = jsonify(error=body)
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    return response


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    token = tokens.find(raw.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise ApiError(401, "unauthorised", "A valid bearer token is needed.")
    g.api_user, g.api_token = token.user, token


def _user():
    return g.api_user


# --- request and response helpers ------------------------------------------------------------


def _json_body() -> dict:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    return body


def _field(body: dict, name: str, kind, required: bool = False):
    """A field of the body, of the given JSON type (bool is not int), or a 422."""
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(422, "invalid", f"{name} is required.", name)
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ApiError(422, "invalid", f"{name} has the wrong type.", name)
    if isinstance(value, str) and "\x00" in value:
        raise ApiError(422, "invalid", f"{name} contains a NUL character.", name)
    return value


def _date_field(body: dict, name: str, required: bool = False) -> date | None:
    value = _field(body, name, str, required)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "invalid", f"{name} must be a date like 2027-01-31.", name) from None


def _refused(error) -> ApiError:
    """A rule's refusal, in English whatever the request's language, as a 422."""
    with force_locale("en"):
        message = str(error.message)
    return ApiError(422, "invalid", message, error.field)


def _conflict(error) -> ApiError:
    with force_locale("en"):
        return ApiError(409, "conflict", str(error.message))


def _iso(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _read(payload):
    """A read, with an ETag of its body: If-None-Match gets 304 when nothing changed."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_iso)
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    response = make_response(body)
    response.mimetype = "application/json"
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


def _page_args() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", PER_PAGE_DEFAULT))
    except ValueError:
        raise ApiError(400, "bad_request", "page and per_page must be whole numbers.") from None
    if page < 1 or page > 1_000_000 or not 1 <= per_page <= PER_PAGE_MAX:
        raise ApiError(
            400, "bad_request", f"page must be 1 or more; per_page from 1 to {PER_PAGE_MAX}."
        )
    return page, per_page


def _paginated(query, serialise):
    """A page of `query` (already in a stable order) as {items, page, per_page, total}."""
    page, per_page = _page_args()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return _read(
        {
            "items": [serialise(row) for row in rows],
            "page": page,
            "per_page": per_page,
            "total": total,
        }
    )


def _id_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    value = as_id(raw)
    if value is None:
        raise ApiError(400, "bad_request", f"{name} must be an id.")
    return value


# --- serialisers -------------------------------------------------------------------------------


def _organisation(org: Organisation) -> dict:
    return {
        "id": org.id,
        "code": org.code,
        "name": org.name,
        "name_cy": org.name_cy,
        "kind": org.kind,
        "region_id": org.region_id,
    }


def _framework(f: Framework, full: bool = False) -> dict:
    out = {
        "id": f.id,
        "key": f.key,
        "version": f.version,
        "title": f.title,
        "kind": f.kind,
        "applies_to": f.applies_to,
        "triangulation": {
            "min_kinds": f.min_kinds,
            "min_sources": f.min_sources,
            "required_from": f.required_from,
        },
    }
    if full:
        out["scale"] = [
            {"value": s.value, "label": s.label, "rag": s.rag, "descriptor": s.descriptor}
            for s in f.scale
        ]
        out["sections"] = [
            {
                "key": section.key,
                "title": section.title,
                "items": [
                    {
                        "id": item.id,
                        "key": item.key,
                        "theme": item.theme,
                        "text": item.text,
                        "guidance": item.guidance,
                        "levels": item.levels,
                    }
                    for item in section.items
                ],
            }
            for section in f.sections
        ]
    return out


def _cycle(c: Cycle) -> dict:
    return {
        "id": c.id,
        "label": c.label,
        "opens_on": c.opens_on,
        "due_on": c.due_on,
        "closes_on": c.closes_on,
    }


def _assessment(a: Assessment) -> dict:
    return {
        "id": a.id,
        "organisation_id": a.organisation_id,
        "framework_id": a.framework_id,
        "framework_key": a.framework_key,
        "cycle_id": a.cycle_id,
        "status": a.status,
        "submitted_at": a.submitted_at,
        "concluded_at": a.concluded_at,
        "returned_at": a.returned_at,
        "returned_reason": a.returned_reason,
        "reviewer_ids": sorted(a.reviewer_ids),
    }


def _response(row) -> dict:
    r = row.response
    return {
        "id": r.id,
        "assessment_id": r.assessment_id,
        "item_key": row.item.key,
        "self_score": r.self_score,
        "narrative": r.narrative,
        "impact_measure": r.impact_measure,
        "validated_score": r.validated_score,
        "version": r.version,
        "triangulation": row.triangulation,
        "claim_beyond_evidence": row.claim_beyond_evidence,
        "evidence_ids": [link.evidence_id for link in row.links],
        "actions": [
            {
                "id": a.id,
                "description": a.description,
                "owner": a.owner,
                "due_on": a.due_on,
                "status": a.status,
                "completed_on": a.completed_on,
                "version": a.version,
            }
            for a in r.actions
        ],
    }


def _challenge(c: Challenge) -> dict:
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


# --- tokens ------------------------------------------------------------------------------------


@bp.post("/tokens")
def create_token():
    body = _json_body()
    email = _field(body, "email", str, required=True)
    password = _field(body, "password", str, required=True)
    name = (_field(body, "name", str) or "API token").strip()[: tokens.NAME_MAX] or "API token"
    if len(email) > 254 or len(password) > 200:
        raise ApiError(401, "unauthorised", "The email address or password is not right.")
    result = auth.authenticate(
        email,
        password,
        current_app.config["LOGIN_MAX_FAILURES"],
        current_app.config["LOGIN_LOCK_MINUTES"],
    )
    if result.refusal == "locked":
        raise ApiError(
            401, "unauthorised", "Too many failed attempts: this account is locked for a while."
        )
    if result.refusal:
        raise ApiError(401, "unauthorised", "The email address or password is not right.")
    token, raw = tokens.issue(result.user, name)
    response = jsonify(id=token.id, name=token.name, token=raw, created_at=_iso(token.created_at))
    response.status_code = 201
    return response


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.delete("/tokens/current")
def revoke_current_token():
    tokens.revoke(_user(), g.api_token)
    return "", 204


# --- reference data ----------------------------------------------------------------------------


@bp.get("/frameworks")
def list_frameworks():
    return _paginated(select(Framework).order_by(Framework.id), _framework)


@bp.get("/frameworks/<int:framework_id>")
def get_framework(framework_id: int):
    framework = access.get_framework_or_404(framework_id, _user())
    framework = db.session.scalar(
        select(Framework)
        .where(Framework.id == framework.id)
        .options(
            selectinload(Framework.scale),
            selectinload(Framework.sections).selectinload(Section.items),
        )
    )
    return _read(_framework(framework, full=True))


@bp.get("/organisations")
def list_organisations():
    return _paginated(select(Organisation).order_by(Organisation.id), _organisation)


@bp.get("/organisations/<int:organisation_id>")
def get_organisation(organisation_id: int):
    return _read(_organisation(access.get_organisation_or_404(organisation_id, _user())))


@bp.get("/cycles")
def list_cycles():
    return _paginated(select(Cycle).order_by(Cycle.opens_on, Cycle.id), _cycle)


# --- assessments and responses -----------------------------------------------------------------


@bp.get("/assessments")
def list_assessments():
    query = access.visible_assessments(_user()).options(selectinload(Assessment.assignments))
    for arg, column in (
        ("organisation", Assessment.organisation_id),
        ("framework", Assessment.framework_id),
        ("cycle", Assessment.cycle_id),
    ):
        value = _id_arg(arg)
        if value is not None:
            query = query.where(column == value)
    status = request.args.get("status")
    if status is not None:
        if status not in ASSESSMENT_STATUSES:
            raise ApiError(
                400, "bad_request", f"status must be one of {list(ASSESSMENT_STATUSES)}."
            )
        query = query.where(Assessment.status == status)
    return _paginated(query.order_by(Assessment.id), _assessment)


def _assessment_or_404(assessment_id: int, action: str = "assessment.view") -> Assessment:
    return access.get_assessment_or_404(assessment_id, _user(), action, assessments.load_assessment)


@bp.get("/assessments/<int:assessment_id>")
def get_assessment(assessment_id: int):
    return _read(_assessment(_assessment_or_404(assessment_id)))


@bp.get("/assessments/<int:assessment_id>/responses")
def list_responses(assessment_id: int):
    assessment = _assessment_or_404(assessment_id)
    rows = assessments.task_list(assessment).rows
    return _read({"items": [_response(row) for row in rows], "total": len(rows)})


def _response_row(response_id: int, action: str = "assessment.view"):
    assessment_id = db.session.scalar(
        select(Response.assessment_id).where(Response.id == response_id)
    )
    if assessment_id is None:
        raise ApiError(404, "not_found", "There is no such response.")
    assessment = _assessment_or_404(assessment_id, action)
    row = next(r for r in assessments.task_list(assessment).rows if r.response.id == response_id)
    return assessment, row


@bp.get("/responses/<int:response_id>")
def get_response(response_id: int):
    _assessment, row = _response_row(response_id)
    return _read(_response(row))


@bp.patch("/responses/<int:response_id>")
def update_response(response_id: int):
    assessment, row = _response_row(response_id, "assessment.draft")
    body = _json_body()
    version = _field(body, "version", int, required=True)
    response = row.response
    score = assessments.UNCHANGED
    if "self_score" in body:
        score = _field(body, "self_score", int)
    narrative = _field(body, "narrative", str) if "narrative" in body else response.narrative
    impact = (
        _field(body, "impact_measure", str) if "impact_measure" in body else response.impact_measure
    )
    try:
        assessments.save_response(_user(), response, version, narrative, impact, score=score)
    except assessments.StaleResponse as stale:
        raise ApiError(
            409,
            "conflict",
            f"The response changed since version {version}; it is now version "
            f"{stale.current.version}. Read it again and reapply your change.",
        ) from None
    except assessments.RuleError as error:
        raise _refused(error) from None
    _assessment, row = _response_row(response_id)
    return _read(_response(row))


# --- assessment transitions --------------------------------------------------------------------


@bp.post("/assessments/<int:assessment_id>/submit")
def submit_assessment(assessment_id: int):
    assessment = _assessment_or_404(assessment_id, "assessment.submit")
    try:
        assessments.submit(_user(), assessment)
    except assessments.RuleError as error:
        raise _refused(error) from None
    return _read(_assessment(_assessment_or_404(assessment_id)))


@bp.post("/assessments/<int:assessment_id>/return")
def return_assessment(assessment_id: int):
    assessment = _assessment_or_404(assessment_id, "assessment.return")
    reason = _field(_json_body(), "reason", str, required=True)
    try:
        assessments.return_assessment(_user(), assessment, reason)
    except assessments.RuleError as error:
        raise _refused(error) from None
    return _read(_assessment(_assessment_or_404(assessment_id)))


@bp.post("/assessments/<int:assessment_id>/conclude")
def conclude_assessment(assessment_id: int):
    assessment = _assessment_or_404(assessment_id, "assessment.conclude")
    try:
        review.conclude(_user(), assessment, date.today())
    except review.RuleError as error:
        raise _refused(error) from None
    return _read(_assessment(_assessment_or_404(assessment_id)))


# --- challenges --------------------------------------------------------------------------------


@bp.get("/assessments/<int:assessment_id>/challenges")
def list_challenges(assessment_id: int):
    assessment = _assessment_or_404(assessment_id)
    found = review.assessment_threads(assessment)
    return _read({"items": [_challenge(c) for c in found], "total": len(found)})


def _challenge_or_404(challenge_id: int, action: str = "challenge.view") -> Challenge:
    return access.get_challenge_or_404(challenge_id, _user(), action, review.load_thread)


@bp.get("/challenges/<int:challenge_id>")
def get_challenge(challenge_id: int):
    return _read(_challenge(_challenge_or_404(challenge_id)))


@bp.post("/responses/<int:response_id>/challenges")
def raise_challenge(response_id: int):
    assessment, row = _response_row(response_id, "assessment.challenge")
    body = _json_body()
    kinds = body.get("evidence_requested") or []
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        raise ApiError(422, "invalid", "evidence_requested must be a list of kinds.")
    try:
        challenge = review.raise_challenge(
            _user(),
            row.response,
            _field(body, "question", str, required=True),
            _field(body, "proposed_score", int),
            _date_field(body, "due_on", required=True),
            kinds,
            date.today(),
        )
    except review.RuleError as error:
        raise _refused(error) from None
    response = _read(_challenge(_challenge_or_404(challenge.id)))
    response.status_code = 201
    return response


def _settle(challenge_id: int, action: str, step):
    challenge = _challenge_or_404(challenge_id, action)
    body = _json_body()
    try:
        step(challenge, body)
    except review.ChallengeMoved as error:
        raise _conflict(error) from None
    except review.RuleError as error:
        raise _refused(error) from None
    db.session.expire_all()
    return _read(_challenge(_challenge_or_404(challenge_id)))


@bp.post("/challenges/<int:challenge_id>/answer")
def answer_challenge(challenge_id: int):
    def step(challenge, body):
        ids = body.get("evidence_ids") or []
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            raise ApiError(422, "invalid", "evidence_ids must be a list of ids.", "evidence_ids")
        review.answer(
            _user(),
            challenge,
            _field(body, "body", str, required=True),
            _field(body, "revised_score", int),
            ids,
        )

    return _settle(challenge_id, "challenge.answer", step)


@bp.post("/challenges/<int:challenge_id>/resolve")
def resolve_challenge(challenge_id: int):
    def step(challenge, body):
        review.resolve(
            _user(),
            challenge,
            _field(body, "outcome", str, required=True),
            _field(body, "resolved_score", int),
            _field(body, "rationale", str),
        )

    return _settle(challenge_id, "challenge.resolve", step)


@bp.post("/challenges/<int:challenge_id>/reopen")
def reopen_challenge(challenge_id: int):
    def step(challenge, body):
        review.reopen(
            _user(),
            challenge,
            _field(body, "body", str, required=True),
            _date_field(body, "due_on", required=True),
            date.today(),
        )

    return _settle(challenge_id, "challenge.reopen", step)
