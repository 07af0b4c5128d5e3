"""The JSON API: tokens, access (401 / 404), errors, pagination, ETags, and the review loop
driven through the API alone (DESIGN §9)."""

import pytest
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD
from tests.review.conftest import DUE, TODAY
from tracker.extensions import db
from tracker.models import ApiToken, Evidence
from tracker.review import service as review


@pytest.fixture
def token(client):
    def _token(email: str, password: str = TEST_PASSWORD) -> dict:
        response = client.post(
            "/api/v1/tokens", json={"email": email, "password": password, "name": "tests"}
        )
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return _token


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


def test_another_organisations_objects_are_404(client, people, submitted, token, challenge):
    headers = token("coord@b.test")
    response_id = submitted.responses[0].id
    for method, path in [
        ("GET", f"/api/v1/assessments/{submitted.id}"),
        ("GET", f"/api/v1/assessments/{submitted.id}/responses"),
        ("GET", f"/api/v1/responses/{response_id}"),
        ("PATCH", f"/api/v1/responses/{response_id}"),
        ("POST", f"/api/v1/assessments/{submitted.id}/submit"),
        ("GET", f"/api/v1/challenges/{challenge.id}"),
        ("POST", f"/api/v1/challenges/{challenge.id}/answer"),
    ]:
        response = client.open(path, method=method, headers=headers, json={"version": 1})
        assert response.status_code == 404, (method, path)
        assert response.get_json()["error"]["code"] == "not_found"
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


def test_the_review_loop_through_the_api_alone(
    client, people, token, make_assessment, make_cycle, library_item
):
    draft = make_assessment(organisation=people["rsb"], cycle=make_cycle("2027–28", 2027))
    coordinator = token("coord@a.test")
    responses = client.get(f"/api/v1/assessments/{draft.id}/responses", headers=coordinator)
    for item in responses.get_json()["items"]:
        client.patch(
            f"/api/v1/responses/{item['id']}",
            headers=coordinator,
            json={"version": item["version"], "self_score": 3, "narrative": "Done and audited."},
        )
    submitted = client.post(f"/api/v1/assessments/{draft.id}/submit", headers=coordinator)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    db.session.refresh(draft)
    review.assign(people["admin"], draft, people["reviewer"], DUE, TODAY)  # by an administrator

    reviewer = token("rev@b.test")
    a1 = next(r for r in responses.get_json()["items"] if r["item_key"] == "A1")
    raised = client.post(
        f"/api/v1/responses/{a1['id']}/challenges",
        headers=reviewer,
        json={
            "question": "What shows it?",
            "due_on": DUE.isoformat(),
            "evidence_requested": ["voice"],
        },
    )
    assert raised.status_code == 201, raised.get_json()
    challenge_id = raised.get_json()["id"]

    answered = client.post(
        f"/api/v1/challenges/{challenge_id}/answer",
        headers=coordinator,
        json={
            "body": "Family survey attached.",
            "evidence_ids": [library_item.id],
            "revised_score": 2,
        },
    )
    assert answered.status_code == 200 and answered.get_json()["status"] == "responded"
    again = client.post(
        f"/api/v1/challenges/{challenge_id}/answer", headers=coordinator, json={"body": "Again"}
    )
    assert again.status_code == 409

    moderated = client.post(
        f"/api/v1/challenges/{challenge_id}/resolve",
        headers=reviewer,
        json={"outcome": "moderated", "resolved_score": 1, "rationale": "One survey only."},
    )
    assert moderated.status_code == 200 and moderated.get_json()["outcome"] == "moderated"

    inspector = token("insp@ciw.test")
    listed = client.get("/api/v1/assessments?status=in_review", headers=inspector).get_json()
    assert [a["id"] for a in listed["items"]] == [draft.id]
    result = client.get(f"/api/v1/responses/{a1['id']}", headers=inspector).get_json()
    assert (result["self_score"], result["validated_score"]) == (2, 1)
    assert library_item.id in result["evidence_ids"]
    assert db.session.get(Evidence, library_item.id)
