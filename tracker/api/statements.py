"""JSON API v1, statements: list the statements you may read, read one, download a published
version's PDF. Building and publishing stay on the pages, where an inspector reads what they
publish; the API serves dashboards and other systems that collect what is published.
"""

from flask import request, send_file
from sqlalchemy.orm import selectinload

from tracker import access
from tracker.api import bp, shapes_more
from tracker.api.http import ApiError, id_arg, paginated, read, user
from tracker.models import Statement
from tracker.models.statements import SCOPES
from tracker.statements import queries


def _statement_or_404(statement_id: int) -> Statement:
    statement = queries.load_summary(statement_id)
    if statement is None or not access.can(user(), "statement.view", statement):
        raise ApiError(404, "not_found", "No such statement, or not one you may read.")
    return statement


@bp.get("/statements")
def list_statements():
    query = access.visible_statements(user()).options(selectinload(Statement.versions))
    for name, column in (("framework", Statement.framework_id), ("cycle", Statement.cycle_id)):
        value = id_arg(name)
        if value is not None:
            query = query.where(column == value)
    scope = _scope_arg()
    if scope:
        query = query.where(Statement.scope == scope)
    return paginated(query.order_by(Statement.id), shapes_more.Statement.of)


def _scope_arg() -> str | None:
    scope = request.args.get("scope")
    if scope is not None and scope not in SCOPES:
        raise ApiError(400, "bad_request", f"scope must be one of: {', '.join(SCOPES)}.")
    return scope


@bp.get("/statements/<int:statement_id>")
def get_statement(statement_id: int):
    return read(shapes_more.Statement.of(_statement_or_404(statement_id)))


@bp.get("/statements/<int:statement_id>/versions/<int:number>/pdf")
def statement_pdf(statement_id: int, number: int):
    statement = _statement_or_404(statement_id)
    published = queries.published_version(statement, number)
    if published is None:
        raise ApiError(
            404, "not_found", "This statement has no published version with that number."
        )
    response = send_file(
        queries.open_pdf(published),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"statement-{statement.id}-v{published.version}.pdf",
        etag=published.pdf_sha256,
        conditional=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
