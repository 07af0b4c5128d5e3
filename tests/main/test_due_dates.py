"""The current cycle's due date on coordinators' start page and task list (issue #15), and
starting an assessment only while the current cycle is open and only for an active
organisation. "Today" is fixed: the region's cycle 2026–27 is due by 31 January 2027."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, page_text
from tracker.extensions import db
from tracker.models import Assessment
from tracker.models.base import utcnow

DUE = date(2027, 1, 31)


@pytest.fixture
def today(today_is):
    """Set the tracker's today."""
    today_is(date(2026, 12, 3))
    return today_is


@pytest.mark.parametrize(
    "days_before, text",
    [
        (59, "Due by 31 January 2027 – 59 days left"),
        (2, "Due by 31 January 2027 – 2 days left"),
        (1, "Due by 31 January 2027 – 1 day left"),
        (0, "Due today, 31 January 2027"),
        (-1, "Overdue by 1 day: it was due by 31 January 2027"),
        (-3, "Overdue by 3 days: it was due by 31 January 2027"),
    ],
)
def test_the_start_page_counts_down_to_the_due_date(
    client, login, region, today, days_before, text
):
    today(DUE - timedelta(days=days_before))
    login("coord@a.test")
    shown = page_text(client.get("/"))
    assert "Cycle 2026–27" in shown
    assert text in shown


def test_the_task_list_counts_down_while_the_assessment_is_still_to_do(client, login, draft, today):
    today(DUE + timedelta(days=3))
    login("coord@a.test")
    path = f"/assessments/{draft.id}"
    assert "Overdue by 3 days: it was due by 31 January 2027" in page_text(client.get(path))
    draft.status, draft.submitted_at = "submitted", utcnow()
    db.session.commit()
    assert "Overdue by" not in page_text(client.get(path))


def test_the_countdown_reads_in_welsh_pages_without_breaking(client, login, region, today):
    login("coord@a.test")
    response = client.get("/?lang=cy")
    assert response.status_code == 200
    assert "59" in page_text(response)


def test_no_countdown_for_inspectors_or_outside_the_cycle(client, login, region, today):
    login("insp@ciw.test")
    assert "days left" not in page_text(client.get("/"))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    today(date(2027, 4, 2))  # the cycle has ended and no other has opened
    login("coord@a.test")
    shown = page_text(client.get("/"))
    assert "days left" not in shown and "Overdue" not in shown


def _start(client, framework):
    path = f"/assessments/start/{framework.id}"
    page = client.get(path)
    if page.status_code != 200:
        return page
    return client.post(path, data={"start_from": "empty", "csrf_token": csrf_token(client, path)})


def _started() -> int:
    return db.session.scalar(select(func.count(Assessment.id)))


def test_a_coordinator_may_start_in_the_open_current_cycle(client, login, region, today):
    login("coord@a.test")
    assert "Start: Test framework" in page_text(client.get("/"))
    assert _start(client, region["framework"]).status_code == 302
    assert _started() == 1


@pytest.mark.parametrize(
    "situation",
    ["between cycles", "cycle closed", "organisation deactivated", "only a future cycle"],
)
def test_starting_is_offered_and_allowed_only_in_an_open_cycle_for_an_active_organisation(
    client, login, region, today, make_cycle, situation
):
    if situation == "between cycles":
        today(date(2027, 5, 1))
    elif situation == "cycle closed":
        region["cycle"].closed_at = utcnow()
    elif situation == "organisation deactivated":
        region["rsb"].active = False
    else:
        db.session.delete(region["cycle"])
        make_cycle("2027–28", 2027)
    db.session.commit()
    login("coord@a.test")
    assert "Start: Test framework" not in page_text(client.get("/"))
    assert _start(client, region["framework"]).status_code == 403
    assert _started() == 0
