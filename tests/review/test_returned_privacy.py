"""Work on a returned assessment is a draft again (issue #16 point 14): what its coordinator
types after the return is read by nobody outside the organisation — not the reviewer, the
inspector or an administrator, on the pages, in the API or in exports — until it is submitted
again, when all of them read it as submitted."""

import pytest

from tests.conftest import csrf_token, page_text
from tests.review.conftest import response_for
from tracker.assessments import operations as assessment_ops
from tracker.extensions import db

TYPED_AFTER_RETURN = "Half-written after the return, not for readers yet"


@pytest.fixture
def returned(people, in_review):
    assessment_ops.return_assessment(people["inspector"], in_review, "Please add the audit.")
    a1 = response_for(in_review, "A1")
    assessment_ops.save_response(
        people["coordinator"], a1, a1.version, TYPED_AFTER_RETURN, a1.impact_measure
    )
    db.session.commit()
    return in_review


def _token(client, email):
    made = client.post("/api/v1/tokens", json={"email": email, "password": "correct-horse-battery"})
    return {"Authorization": f"Bearer {made.get_json()['token']}"}


@pytest.mark.parametrize("role", ["reviewer", "inspector", "admin"])
def test_readers_outside_the_organisation_do_not_see_returned_work(
    app, login, people, returned, role
):
    client = app.test_client()
    reader = people[role]
    token = csrf_token(client, "/login")
    client.post(
        "/login",
        data={"email": reader.email, "password": "correct-horse-battery", "csrf_token": token},
    )
    page = client.get(f"/assessments/{returned.id}")
    assert page.status_code == 404
    a1 = response_for(returned, "A1")
    assert client.get(f"/assessments/{returned.id}/items/A1").status_code == 404
    bearer = _token(client, reader.email)
    assert client.get(f"/api/v1/assessments/{returned.id}", headers=bearer).status_code == 404
    assert client.get(f"/api/v1/responses/{a1.id}", headers=bearer).status_code == 404
    listed = client.get("/api/v1/assessments", headers=bearer).get_json()
    assert returned.id not in [a["id"] for a in listed["items"]]
    export = client.get(f"/exports/organisation-{returned.organisation_id}/responses.csv")
    assert TYPED_AFTER_RETURN not in export.get_data(as_text=True)
    assert TYPED_AFTER_RETURN not in page_text(client.get("/"))


def test_the_organisation_still_works_on_it_and_readers_see_it_once_resubmitted(
    app, client, login, people, returned
):
    login(people["coordinator"].email)
    assert TYPED_AFTER_RETURN in page_text(client.get(f"/assessments/{returned.id}/items/A1"))
    assessment_ops.submit(people["coordinator"], returned)
    db.session.commit()
    reader = app.test_client()
    token = csrf_token(reader, "/login")
    reader.post(
        "/login",
        data={
            "email": people["inspector"].email,
            "password": "correct-horse-battery",
            "csrf_token": token,
        },
    )
    page = reader.get(f"/assessments/{returned.id}/items/A1")
    assert page.status_code == 200 and TYPED_AFTER_RETURN in page_text(page)
