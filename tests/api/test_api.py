"""The JSON API: tokens, access (401 / 404), errors, pagination, ETags and responses
(DESIGN §9). Evidence, actions and the review loop have files of their own."""

import pytest
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD
from tracker.extensions import db
from tracker.models import Action, ApiToken
from tracker.statements import operations as statements


def test_a_token_is_shown_once_and_stored_hashed(client, people, token):
    headers = token("coord@a.test")
    raw = headers["Authorization"].split()[1]
    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash != raw and raw not in stored.token_hash
    assert client.get("/api/v1/cycles", headers=headers).status_code == 200
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/cycles", headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "coord@a.test", "password": "wrong"}, 401),
        ({"email": "nobody@a.test", "password": "wrong"}, 401),
        ({"email": "coord@a.test"}, 422),
        ({"email": 5, "password": "x"}, 422),
        (["not", "an", "object"], 400),
    ],
)
def test_token_refusals(client, people, body, status):
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == status
    assert set(response.get_json()["error"]) >= {"code", "message"}


def test_tokens_obey_the_sign_in_lockout(client, people):
    for _ in range(5):
        client.post("/api/v1/tokens", json={"email": "coord@a.test", "password": "wrong"})
    locked = client.post(
        "/api/v1/tokens", json={"email": "coord@a.test", "password": TEST_PASSWORD}
    )
    assert locked.status_code == 401 and "locked" in locked.get_json()["error"]["message"]


def test_a_body_that_is_not_json_is_415(client, people):
    response = client.post("/api/v1/tokens", data="email=x", content_type="text/plain")
    assert response.status_code == 415


def test_every_endpoint_needs_a_token(app, client, people):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint in (
            "api.create_token",
            "api.openapi",
        ):
            continue
        path = rule.build(dict.fromkeys(rule.arguments, 1), append_unknown=False)[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method, json={})
            assert response.status_code == 401, (method, path)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert response.get_json()["error"]["code"] == "unauthorised"


def test_a_session_cookie_does_not_authenticate_the_api(client, login, people):
    login("coord@a.test")
    assert client.get("/api/v1/cycles").status_code == 401


def test_another_organisations_objects_are_404_on_every_route(
    app, client, people, submitted, token, challenge, library_item
):
    """Every route that names an object answers 404 to another organisation's coordinator,
    so ids reveal nothing; a route added later is covered as soon as it exists."""
    action = Action(response=submitted.responses[0], description="x", owner="y", status="open")
    db.session.add(action)
    draft = statements.create(
        people["inspector"], "region", people["rsb"], people["framework"], people["cycle"], "en"
    )  # a draft statement is the inspectors' working paper
    db.session.commit()
    ids = {
        "statement_id": draft.id,
        "number": 1,
        "assessment_id": submitted.id,
        "response_id": submitted.responses[0].id,
        "challenge_id": challenge.id,
        "evidence_id": library_item.id,
        "action_id": action.id,
        "user_id": people["contributor"].id,
    }
    # published criteria, public bodies and the reporting calendar
    public = {"framework_id", "organisation_id", "cycle_id"}
    headers = token("coord@b.test")
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or not rule.arguments or rule.arguments & public:
            continue
        path = rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method, headers=headers, json={"version": 1})
            assert response.status_code == 404, (method, path)
            assert response.get_json()["error"]["code"] == "not_found"
            checked += 1
    assert checked >= 20
    listed = client.get("/api/v1/assessments", headers=headers).get_json()
    assert listed["total"] == 0


def test_pagination_ordering_and_etags(client, people, token):
    headers = token("coord@a.test")
    first = client.get("/api/v1/organisations?per_page=2", headers=headers)
    body = first.get_json()
    assert body["per_page"] == 2 and body["total"] >= 4 and len(body["items"]) == 2
    ids = [o["id"] for o in body["items"]]
    assert ids == sorted(ids)
    again = client.get(
        "/api/v1/organisations?per_page=2",
        headers={**headers, "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    for bad in (
        "per_page=0",
        "per_page=101",
        "page=0",
        "page=x",
        "status=lost",
        "cycle=99999999999",
    ):
        path = "/api/v1/assessments?" + bad
        assert client.get(path, headers=headers).status_code == 400, bad


def test_a_stale_version_is_409_and_bad_input_422(client, people, token, make_assessment):
    draft = make_assessment(organisation=people["rsb"], cycle=people["cycle"])
    headers = token("coord@a.test")
    rid = draft.responses[0].id
    ok = client.patch(
        f"/api/v1/responses/{rid}", headers=headers, json={"version": 1, "self_score": 2}
    )
    assert ok.status_code == 200 and ok.get_json()["version"] == 2
    stale = client.patch(
        f"/api/v1/responses/{rid}", headers=headers, json={"version": 1, "self_score": 3}
    )
    assert stale.status_code == 409
    for body in (
        {"self_score": 2},
        {"version": "2"},
        {"version": 2, "self_score": 99},
        {"version": 2, "self_score": True},
        {"version": 2, "narrative": "x" * 10_001},
        {"version": 2, "narrative": "a\x00b"},
    ):
        response = client.patch(f"/api/v1/responses/{rid}", headers=headers, json=body)
        assert response.status_code == 422, body
    assert client.get(f"/api/v1/responses/{rid}", headers=headers).get_json()["self_score"] == 2
