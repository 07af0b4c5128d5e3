"""Back after submitting: the pages that change a draft say it was submitted, when and by
whom, with a link to it, instead of a bare "You do not have permission" (issue #17 point 6)."""

import pytest

from tests.conftest import page_text
from tracker.assessments import operations as assessment_ops
from tracker.extensions import db
from tracker.models import Action


@pytest.fixture
def submitted(region, draft):
    for response in draft.responses:
        response.self_score, response.narrative = 2, "Done."
    draft.responses[0].actions = [Action(description="Audit", owner="BM", status="open")]
    db.session.commit()
    return assessment_ops.submit(region["coordinator"], draft)


def _says_submitted(page, assessment):
    text = page_text(page)
    assert page.status_code == 403
    assert "This assessment was submitted" in text
    assert assessment.submitted_by.name in text
    assert f'href="/assessments/{assessment.id}"' in text
    assert "You do not have permission to do that" not in text


def test_back_to_the_submit_page(client, login, submitted):
    login("coord@a.test")
    _says_submitted(client.get(f"/assessments/{submitted.id}/submit"), submitted)


def test_back_to_an_action_being_changed(client, login, submitted):
    login("coord@a.test")
    action = submitted.responses[0].actions[0]
    _says_submitted(client.get(f"/assessments/{submitted.id}/actions/{action.id}"), submitted)


def test_an_answer_sent_again_after_submitting(client, login, post, submitted):
    login("contrib@a.test")
    url = f"/assessments/{submitted.id}/items/A1"
    sent = post(url, {"narrative": "Late words", "version": "9", "save": "1"})
    _says_submitted(sent, submitted)
    db.session.refresh(submitted.responses[0])
    assert submitted.responses[0].narrative == "Done."


def test_a_draft_refusal_stays_a_plain_refusal(client, login, draft):
    login("contrib@a.test")  # contributors never submit
    page = client.get(f"/assessments/{draft.id}/submit")
    assert page.status_code == 403
    assert "This assessment was submitted" not in page_text(page)
