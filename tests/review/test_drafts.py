"""Issue 17.1: nothing typed into a challenge's answer is lost when its writer leaves to upload
evidence for it. The draft is kept on the server, restored on return with the new piece
chosen, private to its writer, and gone once the answer is sent."""

import io
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, page_text, signed_in_browsers
from tests.threads import together
from tracker.extensions import db
from tracker.models import Draft, Evidence

BODY = "Families told us the front door is quicker; the survey is attached."


def _leave_for_upload(post, challenge, library_item):
    page = f"/review/challenges/{challenge.id}"
    return post(
        f"{page}/answer",
        {"body": BODY, "evidence": [str(library_item.id)], "revised_score": "2", "then": "upload"},
        page=page,
    )


def _upload(post, people, challenge_id):
    upload = f"/evidence/new?challenge={challenge_id}"
    response = post(
        upload,
        {
            "source": "file",
            "file": (io.BytesIO(b"What 12 families told us about the front door."), "f.txt"),
            "title": "Front door survey",
            "kind": "audit",
            "source_organisation": people["rsb"].id,
        },
        page=upload,
    )
    assert response.status_code == 302, page_text(response)
    return response.headers["Location"]


def _checked(page: str, evidence_id: int) -> bool:
    return bool(re.search(rf'value="{evidence_id}" checked', page))


def test_the_answer_survives_the_upload(client, login, post, people, challenge, library_item):
    login("coord@a.test")
    response = _leave_for_upload(post, challenge, library_item)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/evidence/new?challenge={challenge.id}")

    back = client.get(_upload(post, people, challenge.id))
    page = back.get_data(as_text=True)
    new_id = db.session.scalar(select(Evidence.id).where(Evidence.title == "Front door survey"))
    assert BODY in page
    assert _checked(page, library_item.id) and _checked(page, new_id)
    assert re.search(r'<option value="2" selected', page), "the revised score is kept"


def test_leaving_by_the_back_link_keeps_the_draft_too(
    client, login, post, people, challenge, library_item
):
    login("coord@a.test")
    _leave_for_upload(post, challenge, library_item)
    page = client.get(f"/review/challenges/{challenge.id}").get_data(as_text=True)
    assert BODY in page and _checked(page, library_item.id)


def test_sending_the_answer_drops_the_draft(client, login, post, people, challenge, library_item):
    login("coord@a.test")
    _leave_for_upload(post, challenge, library_item)
    page = f"/review/challenges/{challenge.id}"
    response = post(f"{page}/answer", {"body": BODY, "evidence": [str(library_item.id)]}, page=page)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Draft.id))) == 0


def test_a_draft_is_its_writers_alone(
    client, login, post, people, challenge, library_item, make_user
):
    make_user("coordinator", people["rsb"], email="coord2@a.test")
    login("coord@a.test")
    _leave_for_upload(post, challenge, library_item)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("coord2@a.test")
    assert BODY not in client.get(f"/review/challenges/{challenge.id}").get_data(as_text=True)


def test_leaving_without_a_csrf_token_keeps_nothing(client, login, people, challenge):
    login("coord@a.test")
    response = client.post(
        f"/review/challenges/{challenge.id}/answer", data={"body": BODY, "then": "upload"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Draft.id))) == 0


@pytest.mark.parametrize("times", [12])
def test_a_dozen_identical_leaves_keep_one_draft(app, people, challenge, library_item, times):
    page = f"/review/challenges/{challenge.id}"
    browsers = signed_in_browsers(app, "coord@a.test", page, times)
    data = {"body": BODY, "evidence": [str(library_item.id)], "then": "upload"}
    answers = together(
        times,
        lambda n: browsers[n][0].post(
            f"{page}/answer", data={**data, "csrf_token": browsers[n][1]}
        ),
    )
    assert sorted(a.status_code for a in answers) == [302] * times, answers
    db.session.expire_all()
    assert db.session.scalars(select(Draft.data)).all() == [
        {"body": BODY, "revised_score": None, "evidence": [library_item.id]}
    ]
