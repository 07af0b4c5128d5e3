"""Answers carried forward from last cycle are marked, and count as not done until the
coordinator confirms or changes them (issue #17 point 2)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.assessments.conftest import previous_cycle
from tests.conftest import TEST_PASSWORD, page_text
from tests.evidence.test_races import browsers  # noqa: F401 (a dozen signed-in browsers)
from tests.threads import together
from tracker import clock
from tracker.assessments import operations as assessment_ops
from tracker.assessments import queries as assessment_queries
from tracker.dashboards import queries as dashboards
from tracker.extensions import db
from tracker.models import Action, AuditEvent, Response
from tracker.rules import RuleError

CARRIED = "Carried over — check it"


@pytest.fixture
def carried(region, make_assessment):
    """Last cycle's answers to every item, carried forward into this cycle's draft."""
    old = make_assessment(organisation=region["rsb"], cycle=previous_cycle(), status="concluded")
    for response in old.responses:
        response.self_score, response.narrative = 2, f"Last year's words on {response.item.key}"
    old.responses[0].actions = [
        Action(
            description="Audit thresholds",
            owner="BM",
            status="open",
            due_on=clock.today() + timedelta(days=10),
        )
    ]
    db.session.commit()
    return assessment_ops.start_assessment(
        region["coordinator"], region["rsb"], region["framework"], region["cycle"], True
    )


def _by_key(assessment):
    return {r.item.key: r for r in assessment.responses}


def test_carried_answers_are_marked_and_not_complete(client, login, carried):
    assert all(r.carried_over for r in carried.responses)
    tasks = assessment_queries.task_list(carried)
    assert tasks.complete == 0 and {row.status for row in tasks.rows} == {"carried_over"}
    login("coord@a.test")
    page = page_text(client.get(f"/assessments/{carried.id}"))
    assert "You have completed 0 of 3 items." in page
    assert page.count(CARRIED) == 3
    assert CARRIED in page_text(client.get(f"/assessments/{carried.id}/items/A1"))


def test_submitting_unread_carried_answers_is_refused_with_reasons(client, login, post, carried):
    login("coord@a.test")
    base = f"/assessments/{carried.id}"
    check = page_text(client.get(f"{base}/submit"))
    assert "carried over from last cycle: confirm or change it" in check
    refused = post(f"{base}/submit", {})
    assert refused.status_code == 400
    assert "Every item needs a score and a narrative" in page_text(refused)
    with pytest.raises(RuleError):
        assessment_ops.submit(carried.organisation and _coordinator(carried), carried)
    db.session.refresh(carried)
    assert carried.status == "draft"


def _coordinator(assessment):
    from tracker.models import User

    return db.session.scalar(select(User).where(User.email == "coord@a.test"))


def test_confirming_marks_the_answer_read_once(client, login, post, carried):
    login("coord@a.test")
    a1 = _by_key(carried)["A1"]
    url = f"/assessments/{carried.id}/items/A1/confirm"
    page = f"/assessments/{carried.id}/items/A1"
    assert "This is still right" in page_text(client.get(page))
    first = post(url, {"version": str(a1.version)}, page=page)
    assert first.status_code == 302
    assert "still right" in page_text(client.get(first.headers["Location"]))
    again = post(url, {"version": str(a1.version)}, page=page)  # a second click
    assert again.status_code == 302
    db.session.expire_all()
    a1 = db.session.get(Response, a1.id)
    assert not a1.carried_over and a1.self_score == 2 and a1.narrative.startswith("Last year")
    confirmed = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "response.confirmed", AuditEvent.entity_id == a1.id)
    )
    assert confirmed == 1
    assert assessment_queries.find_row(carried, "A1").status == "complete"
    assert CARRIED not in page_text(client.get(page))


def test_a_contributor_cannot_confirm(client, login, post, carried):
    login("contrib@a.test")
    a1 = _by_key(carried)["A1"]
    page = f"/assessments/{carried.id}/items/A1"
    assert "This is still right" not in page_text(client.get(page))
    refused = post(f"{page}/confirm", {"version": str(a1.version)}, page=page)
    assert refused.status_code == 403
    db.session.refresh(a1)
    assert a1.carried_over


def test_changing_a_carried_answer_clears_the_mark(client, login, post, carried):
    login("coord@a.test")
    a2 = _by_key(carried)["A2"]
    saved = post(
        f"/assessments/{carried.id}/items/A2",
        {"score": "3", "narrative": "New words", "version": str(a2.version), "save": "1"},
    )
    assert saved.status_code == 302
    db.session.refresh(a2)
    assert not a2.carried_over and a2.self_score == 3


def test_saving_a_carried_answer_unchanged_confirms_it(region, carried):
    a1 = _by_key(carried)["A1"]
    version = a1.version
    assessment_ops.save_response(
        region["coordinator"], a1, version, a1.narrative, a1.impact_measure
    )
    db.session.refresh(a1)
    assert not a1.carried_over and a1.version == version + 1


def test_start_empty_marks_nothing(region, make_assessment):
    old = make_assessment(organisation=region["rsb"], cycle=previous_cycle())
    old.responses[0].self_score = 3
    db.session.commit()
    new = assessment_ops.start_assessment(
        region["coordinator"], region["rsb"], region["framework"], region["cycle"], False
    )
    assert not any(r.carried_over for r in new.responses)


def test_a_carried_action_is_listed_once_on_the_dashboard(region, carried):
    work = dashboards.open_work(region["coordinator"], region["rsb"], clock.today())
    assert [a.description for a, _assessment, _item in work.actions_due_soon] == [
        "Audit thresholds"
    ]
    (action, assessment, _item) = work.actions_due_soon[0]
    assert assessment.id == carried.id and action.carried_from_id is not None


def test_the_api_shows_the_mark_and_a_save_at_the_version_confirms(client, carried):
    token = client.post(
        "/api/v1/tokens", json={"email": "coord@a.test", "password": TEST_PASSWORD, "name": "t"}
    ).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    a1 = _by_key(carried)["A1"]
    read = client.get(f"/api/v1/responses/{a1.id}", headers=headers).get_json()
    assert read["carried_over"] is True
    confirmed = client.patch(
        f"/api/v1/responses/{a1.id}", json={"version": read["version"]}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["carried_over"] is False
    listed = client.get(f"/api/v1/assessments/{carried.id}/responses", headers=headers)
    assert [r["carried_over"] for r in listed.get_json()["items"]] == [False, True, True]


def test_a_contributors_save_leaves_the_coordinators_check_to_do(region, carried):
    a1 = _by_key(carried)["A1"]
    assessment_ops.save_response(region["contributor"], a1, a1.version, "Their words", None)
    db.session.refresh(a1)
    assert a1.carried_over and a1.narrative == "Their words"


def test_a_dozen_confirmations_at_once_confirm_once(browsers, carried):  # noqa: F811
    """STYLE 13: the same click sent twelve times at the same moment."""
    a1 = _by_key(carried)["A1"]
    page = f"/assessments/{carried.id}/items/A1"
    opened = browsers(page)
    version = str(a1.version)
    answers = together(
        len(opened),
        lambda n: opened[n][0].post(
            f"{page}/confirm", data={"version": version, "csrf_token": opened[n][1]}
        ),
    )
    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert {a.status_code for a in answers} == {302}
    db.session.expire_all()
    assert not db.session.get(Response, a1.id).carried_over
    confirmed = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "response.confirmed")
    )
    assert confirmed == 1
