"""JSON API v1, assessments: list those you may see, read one, and move one on (submit, return,
conclude). HTTP only: the rules are in each area's service, access in tracker/access.py."""

from flask import request
from sqlalchemy.orm import selectinload

from tracker import access
from tracker.api import bp, shapes
from tracker.api.bodies import Reason, parse
from tracker.api.http import ApiError, id_arg, paginated, read, user
from tracker.api.responses import assessment_or_404
from tracker.assessments import operations as assessment_ops
from tracker.assessments import queries as assessment_queries
from tracker.models import Assessment
from tracker.models.assessments import ASSESSMENT_STATUSES
from tracker.review import validation as review_validation


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
    return paginated(query.order_by(Assessment.id), shapes.Assessment.of)


@bp.get("/assessments/<int:assessment_id>")
def get_assessment(assessment_id: int):
    assessment = assessment_or_404(assessment_id, load=assessment_queries.load_summary)
    return read(shapes.Assessment.of(assessment))


@bp.post("/assessments/<int:assessment_id>/submit")
def submit_assessment(assessment_id: int):
    assessment_ops.submit(user(), assessment_or_404(assessment_id, "assessment.submit"))
    return read(shapes.Assessment.of(assessment_or_404(assessment_id)))


@bp.post("/assessments/<int:assessment_id>/return")
def return_assessment(assessment_id: int):
    assessment = assessment_or_404(assessment_id, "assessment.return")
    assessment_ops.return_assessment(user(), assessment, parse(Reason).reason)
    # Returned, it is a draft again, which the returner may no longer read: the answer is the
    # assessment as it stood when they sent it back, its status now "returned".
    return read(shapes.Assessment.of(assessment_queries.load_assessment(assessment_id)))


@bp.post("/assessments/<int:assessment_id>/conclude")
def conclude_assessment(assessment_id: int):
    assessment = assessment_or_404(assessment_id, "assessment.conclude")
    review_validation.conclude(user(), assessment)
    return read(shapes.Assessment.of(assessment_or_404(assessment_id)))
