"""JSON API v1, improvement actions on a response: list, add, read and change one at a version
(409 when someone changed it meanwhile). HTTP only: the rules are in
tracker/assessments/operations.py, as for the item page."""

from sqlalchemy import select

from tracker import clock
from tracker.api import bp, shapes
from tracker.api.bodies import ActionChange, NewAction, parse, sent
from tracker.api.http import ApiError, listed, read, user
from tracker.api.responses import response_row
from tracker.assessments import operations as assessment_ops
from tracker.extensions import db
from tracker.models import Action

ACTION_FIELDS = ("description", "owner", "due_on", "status")


def _action_or_404(action_id: int, access_action: str = "assessment.view") -> Action:
    """An action, if the user may do `access_action` to its assessment (404 / 403 as ever)."""
    response_id = db.session.scalar(select(Action.response_id).where(Action.id == action_id))
    if response_id is None:
        raise ApiError(404, "not_found", "There is no such action.")
    _assessment, row = response_row(response_id, access_action)
    return next(a for a in row.response.actions if a.id == action_id)


@bp.get("/responses/<int:response_id>/actions")
def list_actions(response_id: int):
    _assessment, row = response_row(response_id)
    return listed(sorted(row.response.actions, key=lambda a: a.id), shapes.Action.of)


@bp.post("/responses/<int:response_id>/actions")
def add_action(response_id: int):
    _assessment, row = response_row(response_id, "assessment.draft")
    values = parse(NewAction).model_dump(include=set(ACTION_FIELDS))
    values["status"] = values["status"] or "open"
    action = assessment_ops.save_action(user(), row.response, None, **values, today=clock.today())
    return read(shapes.Action.of(db.session.get(Action, action.id)), 201)


@bp.get("/actions/<int:action_id>")
def get_action(action_id: int):
    return read(shapes.Action.of(_action_or_404(action_id)))


@bp.patch("/actions/<int:action_id>")
def update_action(action_id: int):
    action = _action_or_404(action_id, "assessment.draft")
    body = parse(ActionChange)
    # A field left out keeps its value.
    values = {name: sent(body, name, getattr(action, name)) for name in ACTION_FIELDS}
    assessment_ops.save_action(
        user(), action.response, action, **values, today=clock.today(), version=body.version
    )
    db.session.expire_all()
    return read(shapes.Action.of(_action_or_404(action_id)))
