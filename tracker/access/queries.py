"""The query forms of the access rules: what a user may see or manage, as a select, so that
lists and pages can never disagree with `can`."""

from sqlalchemy import Select, false, select

from tracker.access.policy import _list_people, _signed_in
from tracker.models import (
    Assessment,
    Organisation,
    PublishedStatement,
    ReviewAssignment,
    Statement,
    User,
)
from tracker.models.assessments import SUBMITTED_STATUSES


def visible_assessments(user) -> Select:
    """A query of the assessments `user` may view: the query form of "assessment.view"."""
    query = select(Assessment)
    if not _signed_in(user):
        return query.where(false())
    submitted = Assessment.status.in_(SUBMITTED_STATUSES)
    match user.role:
        case "admin" | "inspector":
            condition = submitted
        case "coordinator":
            condition = Assessment.organisation_id == user.organisation_id
        case "contributor":
            ids = [i for i in (user.organisation_id, user.organisation.region_id) if i]
            condition = Assessment.organisation_id.in_(ids)
        case "reviewer":
            assigned = select(ReviewAssignment.assessment_id).where(
                ReviewAssignment.reviewer_id == user.id
            )
            condition = (
                submitted
                & Assessment.id.in_(assigned)
                & (Assessment.organisation_id != user.organisation_id)
            )
        case _:
            condition = false()
    return query.where(condition)


def visible_statements(user) -> Select:
    """A query of the statements `user` may read: the query form of "statement.view"."""
    query = select(Statement)
    if not _signed_in(user):
        return query.where(false())
    if user.role in ("inspector", "admin"):
        return query
    return query.where(Statement.id.in_(select(PublishedStatement.statement_id)))


def published_statements() -> Select:
    """A query of the statements anyone may read: the query form of "statement.read_published"."""
    return select(Statement).where(Statement.id.in_(select(PublishedStatement.statement_id)))


def manageable_people(user) -> Select:
    """A query of the people `user` may manage: the query form of "person.manage"."""
    query = select(User)
    if not _signed_in(user) or not _list_people(user):
        return query.where(false())
    if user.role == "admin":
        return query
    region = user.organisation.region_rsb_id
    in_region = select(Organisation.id).where(
        (Organisation.id == region) | (Organisation.region_id == region)
    )
    return query.where(User.role == "contributor", User.organisation_id.in_(in_region))


def invitable_organisations(user) -> Select:
    """Organisations `user` may invite someone into (for a delegate: their region's)."""
    query = select(Organisation).where(Organisation.active.is_(True))
    if not _signed_in(user) or not _list_people(user):
        return query.where(false())
    if user.role == "admin":
        return query
    region = user.organisation.region_rsb_id
    return query.where((Organisation.id == region) | (Organisation.region_id == region))
