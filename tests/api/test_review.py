"""Peer review through the API: choosing and assigning a reviewer, and the whole loop driven
through the API alone (DESIGN §9): the coordinator updates and submits, an administrator
assigns a reviewer, the reviewer challenges, the coordinator answers with new evidence
uploaded there and then, the reviewer moderates, validates the rest and concludes, and an
inspector lists the result."""

from datetime import timedelta

import pytest

from tests.evidence import files
from tests.review.conftest import DUE, TODAY


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]


def test_reviewers_are_listed_to_those_who_assign(client, people, token):
    listed = client.get("/api/v1/reviewers", headers=token("admin@wales.test")).get_json()
    assert {r["name"] for r in listed["items"]} == {"Rhian Reviewer", "Ian Insider"}
    for email in ("coord@a.test", "rev@b.test"):
        response = client.get("/api/v1/reviewers", headers=token(email))
        assert _error(response, 403)["code"] == "forbidden"


def test_assign_a_reviewer(client, people, submitted, token):
    admin = token("admin@wales.test")
    path = f"/api/v1/assessments/{submitted.id}/assign"
    body = {"reviewer_id": people["reviewer"].id, "due_on": DUE.isoformat()}
    assigned = client.post(path, headers=admin, json=body)
    assert assigned.status_code == 200, assigned.get_json()
    assert assigned.get_json()["status"] == "in_review"
    assert assigned.get_json()["reviewer_ids"] == [people["reviewer"].id]
    assert (
        "already reviewing" in _error(client.post(path, headers=admin, json=body), 422)["message"]
    )
    # The reviewer now sees it.
    reviewer = token("rev@b.test")
    assert client.get(f"/api/v1/assessments/{submitted.id}", headers=reviewer).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_on": DUE.isoformat()}, "reviewer_id"),
        ({"reviewer_id": "1", "due_on": DUE.isoformat()}, "reviewer_id"),
        ({"reviewer_id": 2**31, "due_on": DUE.isoformat()}, "reviewer_id"),
        ({"reviewer_id": 99999, "due_on": DUE.isoformat()}, "reviewer_id"),
        ({"reviewer_id": "coordinator", "due_on": DUE.isoformat()}, "reviewer_id"),
        ({"reviewer_id": "insider", "due_on": DUE.isoformat()}, "reviewer_id"),  # same org
        ({"reviewer_id": "reviewer"}, "due_on"),
        ({"reviewer_id": "reviewer", "due_on": "next week"}, "due_on"),
        ({"reviewer_id": "reviewer", "due_on": (TODAY - timedelta(days=1)).isoformat()}, "due_on"),
    ],
)
def test_bad_assignments_are_422(client, people, submitted, token, body, field):
    if isinstance(body.get("reviewer_id"), str) and body["reviewer_id"] in people:
        body = {**body, "reviewer_id": people[body["reviewer_id"]].id}
    response = client.post(
        f"/api/v1/assessments/{submitted.id}/assign", headers=token("admin@wales.test"), json=body
    )
    assert _error(response, 422)["field"] == field


def test_who_may_assign(client, people, submitted, make_assessment, make_cycle, token):
    body = {"reviewer_id": people["reviewer"].id, "due_on": DUE.isoformat()}
    path = f"/api/v1/assessments/{submitted.id}/assign"
    assert _error(client.post(path, headers=token("coord@a.test"), json=body), 403)
    assert _error(client.post(path, headers=token("coord@b.test"), json=body), 404)
    assert _error(client.post(path, headers=token("rev@b.test"), json=body), 404)
    assert _error(client.post(path, headers=token("admin@wales.test"), data="x"), 415)
    draft = make_assessment(organisation=people["rsb"], cycle=make_cycle("2027–28", 2027))
    draft_path = f"/api/v1/assessments/{draft.id}/assign"  # drafts are private: not found
    assert _error(client.post(draft_path, headers=token("admin@wales.test"), json=body), 404)


def test_validate_a_score(client, people, in_review, challenge, token):
    reviewer = token("rev@b.test")
    a1, a2 = (next(r for r in in_review.responses if r.item.key == key).id for key in ("A1", "A2"))
    validated = client.post(f"/api/v1/responses/{a2}/validate", headers=reviewer)
    assert validated.status_code == 200, validated.get_json()
    assert validated.get_json()["validated_score"] == 2
    twice = client.post(f"/api/v1/responses/{a2}/validate", headers=reviewer)
    assert "already validated" in _error(twice, 422)["message"]
    challenged = client.post(f"/api/v1/responses/{a1}/validate", headers=reviewer)
    assert "Resolve the challenge" in _error(challenged, 422)["message"]
    for email in ("coord@a.test", "insp@ciw.test"):  # they see it, but do not validate
        response = client.post(f"/api/v1/responses/{a2}/validate", headers=token(email))
        assert _error(response, 403)["code"] == "forbidden"


def test_the_review_loop_through_the_api_alone(
    client, people, token, upload, make_assessment, make_cycle
):
    draft = make_assessment(organisation=people["rsb"], cycle=make_cycle("2027–28", 2027))
    coordinator = token("coord@a.test")
    responses = client.get(f"/api/v1/assessments/{draft.id}/responses", headers=coordinator)
    for item in responses.get_json()["items"]:
        saved = client.patch(
            f"/api/v1/responses/{item['id']}",
            headers=coordinator,
            json={"version": item["version"], "self_score": 3, "narrative": "Done and audited."},
        )
        assert saved.status_code == 200, saved.get_json()
    submitted = client.post(f"/api/v1/assessments/{draft.id}/submit", headers=coordinator)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"

    admin = token("admin@wales.test")
    waiting = client.get("/api/v1/assessments?status=submitted", headers=admin).get_json()
    assert [a["id"] for a in waiting["items"]] == [draft.id]
    reviewers = client.get("/api/v1/reviewers", headers=admin).get_json()["items"]
    rhian = next(r for r in reviewers if r["name"] == "Rhian Reviewer")
    assigned = client.post(
        f"/api/v1/assessments/{draft.id}/assign",
        headers=admin,
        json={"reviewer_id": rhian["id"], "due_on": DUE.isoformat()},
    )
    assert assigned.status_code == 200 and assigned.get_json()["status"] == "in_review"

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

    # New evidence, uploaded now into the library, then offered in the answer.
    survey = upload(
        coordinator,
        (files.pdf("What families told us"), "family-survey.pdf"),
        title="Family feedback survey",
        kind="voice",
        source_organisation_id=people["other"].id,
    )
    assert survey.status_code == 201, survey.get_json()
    survey_id = survey.get_json()["id"]
    answered = client.post(
        f"/api/v1/challenges/{challenge_id}/answer",
        headers=coordinator,
        json={"body": "Family survey attached.", "evidence_ids": [survey_id], "revised_score": 2},
    )
    assert answered.status_code == 200 and answered.get_json()["status"] == "responded"
    assert answered.get_json()["messages"][-1]["evidence_ids"] == [survey_id]
    again = client.post(
        f"/api/v1/challenges/{challenge_id}/answer", headers=coordinator, json={"body": "Again"}
    )
    assert again.status_code == 409

    # The reviewer reads the new evidence, then moderates.
    seen = client.get(f"/api/v1/evidence?response={a1['id']}", headers=reviewer).get_json()
    assert [e["id"] for e in seen["items"]] == [survey_id]
    assert client.get(seen["items"][0]["download_url"], headers=reviewer).status_code == 200
    moderated = client.post(
        f"/api/v1/challenges/{challenge_id}/resolve",
        headers=reviewer,
        json={"outcome": "moderated", "resolved_score": 1, "rationale": "One survey only."},
    )
    assert moderated.status_code == 200 and moderated.get_json()["outcome"] == "moderated"

    others = [r["id"] for r in responses.get_json()["items"] if r["id"] != a1["id"]]
    for response_id in others:
        validated = client.post(f"/api/v1/responses/{response_id}/validate", headers=reviewer)
        assert validated.status_code == 200, validated.get_json()
    concluded = client.post(f"/api/v1/assessments/{draft.id}/conclude", headers=reviewer)
    assert concluded.status_code == 200, concluded.get_json()

    inspector = token("insp@ciw.test")
    listed = client.get("/api/v1/assessments?status=concluded", headers=inspector).get_json()
    assert [a["id"] for a in listed["items"]] == [draft.id]
    assert listed["items"][0]["reviewer_ids"] == [rhian["id"]]
    result = client.get(f"/api/v1/responses/{a1['id']}", headers=inspector).get_json()
    assert (result["self_score"], result["validated_score"]) == (2, 1)
    assert result["evidence_ids"] == [survey_id]
    threads = client.get(f"/api/v1/assessments/{draft.id}/challenges", headers=inspector)
    assert [c["outcome"] for c in threads.get_json()["items"]] == ["moderated"]
