"""Improvement actions through the API: add, list, read, change at a version (409 when stale),
and every refusal as a JSON error."""

import pytest
from sqlalchemy import func, select

from tracker import clock
from tracker.extensions import db
from tracker.models import Action

GOOD = {"description": "Audit twelve case files", "owner": "Quality lead", "due_on": "2030-03-31"}


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]


def _add(client, headers, response_id: int, **body):
    return client.post(
        f"/api/v1/responses/{response_id}/actions", headers=headers, json={**GOOD, **body}
    )


def test_add_list_read_and_change_an_action(client, people, draft, coordinator, token):
    response_id = draft.responses[0].id
    created = _add(client, coordinator, response_id)
    assert created.status_code == 201, created.get_json()
    action = created.get_json()
    assert action["status"] == "open" and action["version"] == 1
    assert action["due_on"] == "2030-03-31" and action["completed_on"] is None

    listed = client.get(f"/api/v1/responses/{response_id}/actions", headers=coordinator)
    assert listed.get_json() == {"items": [action], "total": 1}
    shown = client.get(f"/api/v1/responses/{response_id}", headers=coordinator).get_json()
    assert shown["actions"] == [action]

    path = f"/api/v1/actions/{action['id']}"
    done = client.patch(path, headers=coordinator, json={"version": 1, "status": "done"})
    assert done.status_code == 200, done.get_json()
    changed = done.get_json()
    assert changed["status"] == "done" and changed["version"] == 2
    assert changed["completed_on"] == clock.today().isoformat()
    assert changed["description"] == GOOD["description"]  # fields left out are kept
    cleared = client.patch(path, headers=coordinator, json={"version": 2, "due_on": None})
    assert cleared.get_json()["due_on"] is None

    # A contributor to the region may manage actions too, as on the pages.
    contributor = token("contrib@a.test")
    assert client.get(path, headers=contributor).get_json()["version"] == 3
    assert _add(client, contributor, response_id).status_code == 201


def test_a_stale_version_is_409(client, people, draft, coordinator):
    action = _add(client, coordinator, draft.responses[0].id).get_json()
    path = f"/api/v1/actions/{action['id']}"
    first = client.patch(path, headers=coordinator, json={"version": 1, "owner": "Chair"})
    assert first.status_code == 200
    stale = client.patch(path, headers=coordinator, json={"version": 1, "owner": "Someone"})
    assert "now version 2" in _error(stale, 409)["message"]
    assert client.get(path, headers=coordinator).get_json()["owner"] == "Chair"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": None}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"description": 5}, "description"),
        ({"owner": ""}, "owner"),
        ({"owner": "x" * 201}, "owner"),
        ({"status": "abandoned"}, "status"),
        ({"status": 1}, "status"),
        ({"due_on": "31/03/2027"}, "due_on"),
        ({"due_on": 20270331}, "due_on"),
    ],
)
def test_bad_actions_are_422(client, people, draft, coordinator, body, field):
    response_id = draft.responses[0].id
    assert _error(_add(client, coordinator, response_id, **body), 422)["field"] == field
    action = _add(client, coordinator, response_id).get_json()
    changed = client.patch(
        f"/api/v1/actions/{action['id']}", headers=coordinator, json={"version": 1, **body}
    )
    assert _error(changed, 422)["field"] == field
    assert db.session.scalar(select(func.count(Action.id))) == 1


@pytest.mark.parametrize("body", [{}, {"version": "1"}, {"version": True}, ["version"]])
def test_a_change_needs_a_version(client, people, draft, coordinator, body):
    action = _add(client, coordinator, draft.responses[0].id).get_json()
    response = client.patch(f"/api/v1/actions/{action['id']}", headers=coordinator, json=body)
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()


def test_not_json_is_415(client, people, draft, coordinator):
    response = client.post(
        f"/api/v1/responses/{draft.responses[0].id}/actions", headers=coordinator, data="x=1"
    )
    assert _error(response, 415)["code"] == "unsupported_media_type"


def test_other_organisations_and_locked_assessments(
    client, people, draft, submitted, coordinator, token
):
    action = _add(client, coordinator, draft.responses[0].id).get_json()
    outsider = token("coord@b.test")
    for method, path in [
        ("GET", f"/api/v1/responses/{draft.responses[0].id}/actions"),
        ("POST", f"/api/v1/responses/{draft.responses[0].id}/actions"),
        ("GET", f"/api/v1/actions/{action['id']}"),
        ("PATCH", f"/api/v1/actions/{action['id']}"),
        ("GET", "/api/v1/actions/99999"),
    ]:
        response = client.open(path, method=method, headers=outsider, json={**GOOD, "version": 1})
        assert _error(response, 404)["code"] == "not_found", (method, path)
    # An inspector sees no draft; a submitted assessment's actions are read-only.
    inspector = token("insp@ciw.test")
    assert _error(client.get(f"/api/v1/actions/{action['id']}", headers=inspector), 404)
    locked = submitted.responses[0]
    db.session.add(Action(response=locked, description="Old", owner="Chair", status="open"))
    db.session.commit()
    locked_id = locked.actions[0].id
    assert client.get(f"/api/v1/actions/{locked_id}", headers=inspector).status_code == 200
    assert _error(_add(client, coordinator, locked.id), 403)["code"] == "forbidden"
    change = client.patch(
        f"/api/v1/actions/{locked_id}", headers=coordinator, json={"version": 1, "owner": "Me"}
    )
    assert _error(change, 403)
