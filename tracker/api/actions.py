"""JSON API v1, improvement actions on a response: list, add, read and change one at a version
(409 when someone changed it meanwhile). HTTP only: the rules are in
tracker/assessments/service.py, as for the item page."""

from sqlalchemy import select

from tracker import clock
from tracker.api import bp
from tracker.api.http import ApiError, date_field, field, json_body, listed, read, refused, user
from tracker.api.views import action_json, response_row
from tracker.assessments import operations as assessment_ops
from tracker.assessments import rules as assessment_rules
from tracker.extensions import db
from tracker.models import Action
from tracker.rules import RuleError

ACTION_FIELDS = ("description", "owner", "due_on", "status")


def _action_or_404(action_id: int, access_action: str = "assessment.view") -> Action:
    """An action, if the user may do `access_action` to its assessment (404 / 403 as ever)."""
    response_id = db.session.scalar(select(Action.response_id).where(Action.id == action_id))
    if response_id is None:
        raise ApiError(404, "not_found", "There is no such action.")
    _assessment, row = response_row(response_id, access_action)
    return next(a for a in row.response.actions if a.id == action_id)


def _values(body: dict, current: Action | None) -> dict:
    """The action's fields from the body; a field left out keeps its current value."""
    readers = {
        "description": lambda: field(body, "description", str),
        "owner": lambda: field(body, "owner", str),
        "due_on": lambda: date_field(body, "due_on"),
        "status": lambda: field(body, "status", str),
    }
    values = {}
    for name in ACTION_FIELDS:
        if name in body or current is None:
            values[name] = readers[name]()
        else:
            values[name] = getattr(current, name)
    if current is None and values["status"] is None:
        values["status"] = "open"
    return values


def _save(response, action: Action | None, body: dict, version: int | None = None) -> Action:
    values = _values(body, action)
    try:
        return assessment_ops.save_action(
            user(), response, action, **values, today=clock.today(), version=version
        )
    except assessment_rules.StaleAction as stale:
        raise ApiError(
            409,
            "conflict",
            f"The action changed since version {version}; it is now version "
            f"{stale.current.version}. Read it again and reapply your change.",
        ) from None
    except RuleError as error:
        raise refused(error) from None


@bp.get("/responses/<int:response_id>/actions")
def list_actions(response_id: int):
    _assessment, row = response_row(response_id)
    return listed(sorted(row.response.actions, key=lambda a: a.id), action_json)


@bp.post("/responses/<int:response_id>/actions")
def add_action(response_id: int):
    _assessment, row = response_row(response_id, "assessment.draft")
    action = _save(row.response, None, json_body())
    return read(action_json(db.session.get(Action, action.id)), 201)


@bp.get("/actions/<int:action_id>")
def get_action(action_id: int):
    return read(action_json(_action_or_404(action_id)))


@bp.patch("/actions/<int:action_id>")
def update_action(action_id: int):
    action = _action_or_404(action_id, "assessment.draft")
    body = json_body()
    version = field(body, "version", int, required=True)
    _save(action.response, action, body, version)
    db.session.expire_all()
    return read(action_json(_action_or_404(action_id)))
