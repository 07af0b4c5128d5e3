"""A new improvement action cannot be due in the past; an existing overdue one stays
editable, and is shown as overdue (issue #17 point 12)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import date_parts, page_text
from tracker import clock
from tracker.assessments import operations as assessment_ops
from tracker.extensions import db
from tracker.models import Action
from tracker.rules import RuleError

PAST = clock.today() - timedelta(days=400)
SOON = clock.today() + timedelta(days=30)


def test_a_new_action_due_in_the_past_is_refused(region, draft):
    with pytest.raises(RuleError) as refused:
        assessment_ops.save_action(
            region["coordinator"], draft.responses[0], None, "Audit", "BM", PAST, "open"
        )
    assert refused.value.field == "due_on"
    assert "today or later" in str(refused.value.message)
    assert db.session.scalar(select(func.count(Action.id))) == 0


def test_a_new_action_due_today_is_accepted(region, draft):
    action = assessment_ops.save_action(
        region["coordinator"], draft.responses[0], None, "Audit", "BM", clock.today(), "open"
    )
    assert action.due_on == clock.today()


@pytest.fixture
def overdue(draft):
    action = Action(description="Audit thresholds", owner="BM", status="open", due_on=PAST)
    draft.responses[0].actions = [action]
    db.session.commit()
    return action


def test_an_overdue_action_stays_editable_but_not_to_another_past_date(region, overdue):
    user = region["coordinator"]
    response = overdue.response
    kept = assessment_ops.save_action(
        user,
        response,
        overdue,
        "Audit thresholds again",
        "BM",
        PAST,
        "in_progress",
        version=overdue.version,
    )
    assert (kept.description, kept.due_on, kept.status) == (
        "Audit thresholds again",
        PAST,
        "in_progress",
    )
    with pytest.raises(RuleError):
        assessment_ops.save_action(
            user,
            response,
            overdue,
            "x",
            "BM",
            PAST + timedelta(days=1),
            "open",
            version=overdue.version,
        )
    moved = assessment_ops.save_action(
        user, response, overdue, "x", "BM", SOON, "open", version=overdue.version
    )
    assert moved.due_on == SOON


def test_an_overdue_action_is_tagged_overdue(client, login, overdue, draft):
    login("coord@a.test")
    page = page_text(client.get(f"/assessments/{draft.id}/items/A1"))
    assert 'govuk-tag govuk-tag--red">Overdue</strong>' in page


def test_the_api_refuses_a_new_action_due_in_the_past(client, region, draft):
    from tests.conftest import TEST_PASSWORD

    token = client.post(
        "/api/v1/tokens", json={"email": "coord@a.test", "password": TEST_PASSWORD, "name": "t"}
    ).get_json()["token"]
    sent = client.post(
        f"/api/v1/responses/{draft.responses[0].id}/actions",
        headers={"Authorization": f"Bearer {token}"},
        json={"description": "Audit", "owner": "BM", "due_on": "2020-06-30"},
    )
    assert sent.status_code == 422
    assert sent.get_json()["error"]["field"] == "due_on"


def test_the_change_page_of_an_overdue_action_says_so_and_saves(
    client, login, post, overdue, draft
):
    login("coord@a.test")
    url = f"/assessments/{draft.id}/actions/{overdue.id}"
    page = page_text(client.get(url))
    assert 'govuk-tag govuk-tag--red">Overdue</strong>' in page
    sent = post(
        url,
        {
            "description": "Audit thresholds",
            "owner": "BM",
            **date_parts("due_on", PAST),
            "status": "in_progress",
            "version": str(overdue.version),
        },
    )
    assert sent.status_code == 302
    db.session.refresh(overdue)
    assert (overdue.status, overdue.due_on) == ("in_progress", PAST)
