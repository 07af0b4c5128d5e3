"""JSON API v1: tokens, reference data, assessments, responses and their transitions.

HTTP only. Access is decided in tracker/access.py and the rules in each area's service, exactly
as for the pages; this module translates between them and JSON. Evidence, actions and the
review's challenges have modules of their own beside this one.
"""

from flask import current_app, g, jsonify, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker import access, cycles, security
from tracker.api import bp
from tracker.api.http import (
    PER_PAGE_MAX,
    ApiError,
    field,
    id_arg,
    iso,
    json_body,
    paginated,
    read,
    refused,
    user,
)
from tracker.api.openapi import document as openapi_document
from tracker.assessments import operations as assessment_ops
from tracker.assessments import queries as assessment_queries
from tracker.assessments import rules as assessment_rules
from tracker.auth import operations as auth
from tracker.auth import tokens
from tracker.extensions import db
from tracker.models import (
    Action,
    Assessment,
    Cycle,
    EvidenceLink,
    Framework,
    Organisation,
    Response,
    Section,
)
from tracker.models.assessments import ASSESSMENT_STATUSES
from tracker.review import validation
from tracker.rules import RuleError

# --- serialisers -------------------------------------------------------------------------------


def organisation_json(org: Organisation) -> dict:
    return {
        "id": org.id,
        "code": org.code,
        "name": org.name,
        "name_cy": org.name_cy,
        "kind": org.kind,
        "region_id": org.region_id,
        "active": org.active,
    }


def framework_json(f: Framework, full: bool = False) -> dict:
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


def cycle_json(c: Cycle, current: Cycle | None = None) -> dict:
    """A cycle; `current` is the current cycle (cycles.current_cycle()), asked for once."""
    return {
        "id": c.id,
        "label": c.label,
        "opens_on": c.opens_on,
        "due_on": c.due_on,
        "closes_on": c.closes_on,
        "closed": c.closed_at is not None,
        "closed_at": c.closed_at,
        "current": current is not None and c.id == current.id,
    }


def assessment_json(a: Assessment) -> dict:
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


def action_json(a: Action) -> dict:
    return {
        "id": a.id,
        "response_id": a.response_id,
        "description": a.description,
        "owner": a.owner,
        "due_on": a.due_on,
        "status": a.status,
        "completed_on": a.completed_on,
        "version": a.version,
    }


# A response carries its first links only (all of them, as before, up to this many); the rest
# are read a page at a time from GET /responses/{id}/evidence (issue #16 point 7).
FIRST_LINKS = PER_PAGE_MAX


def link_json(link) -> dict:
    """One evidence link of a response (an EvidenceLink, or a row with the same columns)."""
    return {"evidence_id": link.evidence_id, "note": link.note, "carried_over": link.carried_over}


def first_links(response_ids: list[int]) -> dict[int, tuple[list, int]]:
    """Each response's first FIRST_LINKS links, oldest first, and how many it has, in one
    statement that reads no further than each response's FIRST_LINKS-th link (by index)."""
    other = aliased(EvidenceLink)
    mine = other.response_id == Response.id
    per_response = (
        select(
            Response.id.label("response_id"),
            # The id of its last link on the first page (none if it has fewer).
            select(other.id)
            .where(mine)
            .order_by(other.id)
            .limit(1)
            .offset(FIRST_LINKS - 1)
            .scalar_subquery()
            .label("last"),
            select(func.count(other.id)).where(mine).scalar_subquery().label("total"),
        )
        .where(Response.id.in_(response_ids))
        # Worked out once per response, not again for every link joined to it.
        .cte("per_response")
        .prefix_with("MATERIALIZED")
    )
    on_page = (EvidenceLink.response_id == per_response.c.response_id) & (
        per_response.c["last"].is_(None) | (EvidenceLink.id <= per_response.c["last"])
    )
    rows = db.session.execute(
        select(
            per_response.c.response_id,
            per_response.c.total,
            EvidenceLink.evidence_id,
            EvidenceLink.note,
            EvidenceLink.carried_over,
        )
        .select_from(per_response)
        .outerjoin(EvidenceLink, on_page)
        .order_by(per_response.c.response_id, EvidenceLink.id)
    )
    links: dict[int, list] = {rid: [] for rid in response_ids}
    totals = dict.fromkeys(response_ids, 0)
    for row in rows:
        totals[row.response_id] = row.total
        if row.evidence_id is not None:
            links[row.response_id].append(row)
    return {rid: (links[rid], totals[rid]) for rid in response_ids}


def response_json(row: assessment_queries.ItemRow, links: list, total: int) -> dict:
    """A response with its first `links` of `total`, and where to read the next ones."""
    r = row.response
    more = total > len(links)
    return {
        "id": r.id,
        "assessment_id": r.assessment_id,
        "item_key": row.item.key,
        "self_score": r.self_score,
        "narrative": r.narrative,
        "impact_measure": r.impact_measure,
        "validated_score": r.validated_score,
        "carried_over": r.carried_over,
        "version": r.version,
        "triangulation": row.triangulation,
        "claim_beyond_evidence": row.claim_beyond_evidence,
        "evidence_ids": [link.evidence_id for link in links],
        "evidence_links": [link_json(link) for link in links],
        "evidence_links_total": total,
        "evidence_links_next": url_for(
            "api.list_response_links", response_id=r.id, page=2, per_page=FIRST_LINKS
        )
        if more
        else None,
        "actions": [action_json(a) for a in sorted(r.actions, key=lambda a: a.id)],
    }


# --- loaders shared with the other API modules -------------------------------------------------


def assessment_or_404(assessment_id: int, action: str = "assessment.view") -> Assessment:
    """The assessment, loaded for `action`: 404 if the user may not see it, 403 if only see."""
    return access.get_assessment_or_404(
        assessment_id, user(), action, assessment_queries.load_assessment
    )


def response_row(response_id: int, action: str = "assessment.view"):
    """A response's assessment and row (triangulation counted by the database, links not
    read), loaded for `action` on the assessment, as assessment_or_404: the response, its
    assessment, framework and item in one statement, its actions in another."""
    response = db.session.scalar(
        select(Response)
        .where(Response.id == response_id)
        .options(
            joinedload(Response.assessment).joinedload(Assessment.framework),
            joinedload(Response.item),
            selectinload(Response.actions),
        )
    )
    if response is None:
        raise ApiError(404, "not_found", "There is no such response.")
    assessment = access.get_assessment_or_404(
        response.assessment_id, user(), action, lambda _id: response.assessment
    )
    return assessment, assessment_queries.response_row(response, links=False)


def response_read(response_id: int, status: int = 200):
    """A response as it is now, for answering a change to it or to what hangs on it."""
    db.session.expire_all()
    _assessment, row = response_row(response_id)
    return read(response_json(row, *first_links([response_id])[response_id]), status)


# --- tokens ------------------------------------------------------------------------------------


@bp.post("/tokens")
@security.sign_in_attempts()
def create_token():
    body = json_body()
    email = field(body, "email", str, required=True)
    password = field(body, "password", str, required=True)
    name = (field(body, "name", str) or "API token").strip()[: tokens.NAME_MAX] or "API token"
    days = field(body, "expires_in_days", int)
    days = tokens.DEFAULT_DAYS if days is None else days
    if not 1 <= days <= tokens.MAX_DAYS:
        raise ApiError(
            422,
            "unprocessable",
            f"expires_in_days must be from 1 to {tokens.MAX_DAYS}.",
            "expires_in_days",
        )
    read_only = bool(field(body, "read_only", bool))
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
    token, raw = tokens.issue(result.user, name, days, read_only)
    response = jsonify(
        id=token.id,
        name=token.name,
        token=raw,
        created_at=iso(token.created_at),
        expires_at=iso(token.expires_at),
        read_only=token.read_only,
    )
    response.status_code = 201
    return response


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.delete("/tokens/current")
def revoke_current_token():
    tokens.revoke(user(), g.api_token)
    return "", 204


# --- reference data ----------------------------------------------------------------------------


@bp.get("/frameworks")
def list_frameworks():
    return paginated(select(Framework).order_by(Framework.id), framework_json)


def load_framework(framework_id: int) -> Framework:
    """A framework with its scale, sections and items, in a fixed number of queries."""
    return db.session.scalar(
        select(Framework)
        .where(Framework.id == framework_id)
        .options(
            selectinload(Framework.scale),
            selectinload(Framework.sections).selectinload(Section.items),
        )
        .execution_options(populate_existing=True)
    )


@bp.get("/frameworks/<int:framework_id>")
def get_framework(framework_id: int):
    framework = access.get_framework_or_404(framework_id, user())
    return read(framework_json(load_framework(framework.id), full=True))


@bp.get("/organisations")
def list_organisations():
    return paginated(select(Organisation).order_by(Organisation.id), organisation_json)


@bp.get("/organisations/<int:organisation_id>")
def get_organisation(organisation_id: int):
    return read(organisation_json(access.get_organisation_or_404(organisation_id, user())))


@bp.get("/cycles")
def list_cycles():
    current = cycles.current_cycle()
    return paginated(
        select(Cycle).order_by(Cycle.opens_on, Cycle.id), lambda c: cycle_json(c, current)
    )


def cycle_or_404(cycle_id: int, **options) -> Cycle:
    """A cycle by id (cycles are reference data: everyone signed in may read them)."""
    cycle = db.session.get(Cycle, cycle_id, **options)
    if cycle is None:
        raise ApiError(404, "not_found", "There is no such cycle.")
    return cycle


@bp.get("/cycles/<int:cycle_id>")
def get_cycle(cycle_id: int):
    return read(cycle_json(cycle_or_404(cycle_id), cycles.current_cycle()))


# --- assessments and responses -----------------------------------------------------------------


@bp.get("/assessments")
def list_assessments():
    query = access.visible_assessments(user()).options(selectinload(Assessment.assignments))
    for arg, column in (
        ("organisation", Assessment.organisation_id),
        ("framework", Assessment.framework_id),
        ("cycle", Assessment.cycle_id),
    ):
        value = id_arg(arg)
        if value is not None:
            query = query.where(column == value)
    status = request.args.get("status")
    if status is not None:
        if status not in ASSESSMENT_STATUSES:
            raise ApiError(
                400, "bad_request", f"status must be one of {list(ASSESSMENT_STATUSES)}."
            )
        query = query.where(Assessment.status == status)
    return paginated(query.order_by(Assessment.id), assessment_json)


@bp.get("/assessments/<int:assessment_id>")
def get_assessment(assessment_id: int):
    return read(assessment_json(assessment_or_404(assessment_id)))


@bp.get("/assessments/<int:assessment_id>/responses")
def list_responses(assessment_id: int):
    assessment = assessment_or_404(assessment_id)
    rows = assessment_queries.task_list(assessment, links=False).rows
    links = first_links([row.response.id for row in rows])
    return read(
        {
            "items": [response_json(row, *links[row.response.id]) for row in rows],
            "total": len(rows),
        }
    )


@bp.get("/responses/<int:response_id>")
def get_response(response_id: int):
    _assessment, row = response_row(response_id)
    return read(response_json(row, *first_links([response_id])[response_id]))


@bp.get("/responses/<int:response_id>/evidence")
def list_response_links(response_id: int):
    response_row(response_id)
    query = select(EvidenceLink).where(EvidenceLink.response_id == response_id)
    return paginated(query.order_by(EvidenceLink.id), link_json)


@bp.patch("/responses/<int:response_id>")
def update_response(response_id: int):
    _assessment, row = response_row(response_id, "assessment.draft")
    body = json_body()
    version = field(body, "version", int, required=True)
    response = row.response
    score = assessment_rules.UNCHANGED
    if "self_score" in body:
        score = field(body, "self_score", int)
    narrative = field(body, "narrative", str) if "narrative" in body else response.narrative
    impact = (
        field(body, "impact_measure", str) if "impact_measure" in body else response.impact_measure
    )
    try:
        assessment_ops.save_response(user(), response, version, narrative, impact, score=score)
    except assessment_rules.StaleResponse as stale:
        raise ApiError(
            409,
            "conflict",
            f"The response changed since version {version}; it is now version "
            f"{stale.current.version}. Read it again and reapply your change.",
        ) from None
    except RuleError as error:
        raise refused(error, {"score": "self_score", "impact": "impact_measure"}) from None
    return response_read(response_id)


# --- assessment transitions --------------------------------------------------------------------


@bp.post("/assessments/<int:assessment_id>/submit")
def submit_assessment(assessment_id: int):
    assessment = assessment_or_404(assessment_id, "assessment.submit")
    try:
        assessment_ops.submit(user(), assessment)
    except RuleError as error:
        raise refused(error) from None
    return read(assessment_json(assessment_or_404(assessment_id)))


@bp.post("/assessments/<int:assessment_id>/return")
def return_assessment(assessment_id: int):
    assessment = assessment_or_404(assessment_id, "assessment.return")
    reason = field(json_body(), "reason", str, required=True)
    try:
        assessment_ops.return_assessment(user(), assessment, reason)
    except RuleError as error:
        raise refused(error) from None
    # Returned, it is a draft again, which the returner may no longer read: the answer is the
    # assessment as it stood when they sent it back, its status now "returned".
    return read(assessment_json(assessment_queries.load_assessment(assessment_id)))


@bp.post("/assessments/<int:assessment_id>/conclude")
def conclude_assessment(assessment_id: int):
    assessment = assessment_or_404(assessment_id, "assessment.conclude")
    try:
        validation.conclude(user(), assessment)
    except RuleError as error:
        raise refused(error) from None
    return read(assessment_json(assessment_or_404(assessment_id)))
