"""The start page's "Waiting for you" shows each person only what they can do (issue #17
point 7): challenges to answer and actions to progress, decided by tracker/access.py."""

from datetime import date

import pytest

from tests.conftest import page_text
from tracker.extensions import db
from tracker.models import Action, Challenge, ReviewAssignment

LONG_AGO = date(2020, 1, 31)


@pytest.fixture
def waiting(region, make_assessment, make_user, make_org):
    """Region A's assessment in review, with an open challenge and an overdue action."""
    reviewer = make_user("reviewer", make_org("rsb"), email="rev@b.test")
    admin = make_user("admin", make_org("national"), email="admin@w.test")
    assessment = make_assessment(
        organisation=region["rsb"], cycle=region["cycle"], status="in_review"
    )
    response = assessment.responses[0]
    db.session.add_all(
        [
            ReviewAssignment(assessment=assessment, reviewer=reviewer, assigned_by=admin),
            Challenge(response=response, raised_by=reviewer, question="Why 3?"),
            Action(
                response=response, description="Refresh the guidance", owner="BM", due_on=LONG_AGO
            ),
        ]
    )
    db.session.commit()
    return {**region, "assessment": assessment, "reviewer": reviewer, "admin": admin}


def test_the_coordinator_sees_what_waits_for_them(client, login, waiting):
    login(waiting["coordinator"].email)
    page = page_text(client.get("/"))
    assert "Waiting for you" in page
    assert "1 challenge to answer" in page and "1 action overdue" in page


@pytest.mark.parametrize("who", ["contributor", "reviewer", "inspector", "admin"])
def test_others_do_not_see_the_organisations_to_dos(client, login, waiting, who):
    login(waiting[who].email)
    page = page_text(client.get("/"))
    assert waiting["assessment"].framework.title["en"] in page  # they see the assessment
    assert "Waiting for you" not in page
    assert "challenge to answer" not in page and "action overdue" not in page


def test_a_contributor_sees_the_actions_of_a_draft_they_help_write(
    client, login, region, make_assessment
):
    draft = make_assessment(organisation=region["rsb"], cycle=region["cycle"])
    draft.responses[0].actions.append(Action(description="Audit", owner="BM", due_on=LONG_AGO))
    db.session.commit()
    login(region["contributor"].email)
    page = page_text(client.get("/"))
    assert "Waiting for you" in page and "1 action overdue" in page


def test_nothing_waiting_says_so(client, login, region, make_assessment):
    make_assessment(organisation=region["rsb"], cycle=region["cycle"])
    login(region["coordinator"].email)
    page = page_text(client.get("/"))
    assert "Waiting for you" in page and "Nothing for you to do" in page
