"""JSON API v1, responses: read one, an assessment's, a response's evidence links a page at a
time, and change one at a version (409 when someone changed it meanwhile). The loaders here are
shared by every module that acts on an assessment or a response."""

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker import access
from tracker.api import bp, shapes
from tracker.api.bodies import ResponseChange, parse, sent
from tracker.api.http import PER_PAGE_MAX, ApiError, paginated, read, user
from tracker.assessments import operations as assessment_ops
from tracker.assessments import queries as assessment_queries
from tracker.assessments import rules as assessment_rules
from tracker.extensions import db
from tracker.models import Assessment, EvidenceLink, Response

# A response carries its first links only (all of them, as before, up to this many); the rest
# are read a page at a time from GET /responses/{id}/evidence (issue #16 point 7).
FIRST_LINKS = PER_PAGE_MAX


def assessment_or_404(
    assessment_id: int,
    action: str = "assessment.view",
    load=assessment_queries.load_assessment,
) -> Assessment:
    """The assessment, loaded for `action` by `load` (by default with everything its pages
    read; `assessment_queries.load_summary` for its summary alone): 404 if the user may not see
    it, 403 if only see."""
    return access.get_assessment_or_404(assessment_id, user(), action, load)


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


def response_shape(row, links: list, total: int) -> shapes.Response:
    """A response's row with its first `links` of `total`."""
    return shapes.Response.of(row, links, total, FIRST_LINKS)


def response_read(response_id: int, status: int = 200):
    """A response as it is now, for answering a change to it or to what hangs on it."""
    db.session.expire_all()
    _assessment, row = response_row(response_id)
    return read(response_shape(row, *first_links([response_id])[response_id]), status)


@bp.get("/assessments/<int:assessment_id>/responses")
def list_responses(assessment_id: int):
    assessment = assessment_or_404(assessment_id, load=assessment_queries.load_summary)
    rows = assessment_queries.item_rows(assessment)
    links = first_links([row.response.id for row in rows])
    items = [response_shape(row, *links[row.response.id]) for row in rows]
    return read({"items": items, "total": len(rows)})


@bp.get("/responses/<int:response_id>")
def get_response(response_id: int):
    _assessment, row = response_row(response_id)
    return read(response_shape(row, *first_links([response_id])[response_id]))


@bp.get("/responses/<int:response_id>/evidence")
def list_response_links(response_id: int):
    response_row(response_id)
    query = select(EvidenceLink).where(EvidenceLink.response_id == response_id)
    return paginated(query.order_by(EvidenceLink.id), shapes.EvidenceLink.of)


@bp.patch("/responses/<int:response_id>")
def update_response(response_id: int):
    _assessment, row = response_row(response_id, "assessment.draft")
    body, response = parse(ResponseChange), row.response
    assessment_ops.save_response(
        user(),
        response,
        body.version,
        sent(body, "narrative", response.narrative),
        sent(body, "impact_measure", response.impact_measure),
        score=sent(body, "self_score", assessment_rules.UNCHANGED),
    )
    return response_read(response_id)
