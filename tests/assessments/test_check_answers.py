"""Before submitting, a "check your answers" page; after, a confirmation panel saying what
happens next (issue #17 point 13, the assessment's part)."""

import re

import pytest
from sqlalchemy import select

from tests.assessments.test_carried_over import carried  # noqa: F401 (fixture)
from tests.conftest import page_text
from tracker.extensions import db
from tracker.models import Notification


def _rows(html: str) -> dict[str, str]:
    """Each summary-list row's text, by item key, tags stripped."""
    found = {}
    for part in html.split('class="govuk-summary-list__row" id="row-')[1:]:
        key, rest = part.split('"', 1)
        found[key] = " ".join(re.sub(r"<[^>]+>", " ", rest.split("</dl>")[0]).split())
    return found


@pytest.fixture
def answered(draft):
    a1, a2, b1 = sorted(draft.responses, key=lambda r: r.item.key)
    a1.self_score, a1.narrative = 3, "Audits show it."
    a2.self_score = 1  # no narrative
    db.session.commit()
    return draft


def test_every_item_is_listed_with_what_to_check_and_a_change_link(client, login, answered):
    login("coord@a.test")
    html = page_text(client.get(f"/assessments/{answered.id}/submit"))
    assert "Check your answers before you submit" in html
    assert 'class="govuk-summary-list' in html
    rows = _rows(html)
    assert set(rows) == {"A1", "A2", "B1"}
    assert "3 · Implemented" in rows["A1"] and "No evidence" in rows["A1"]
    assert "Claim beyond evidence" in rows["A1"]
    assert "No narrative" in rows["A2"] and "1 · Planned" in rows["A2"]
    assert "Not scored" in rows["B1"]
    for key in rows:
        assert f'href="/assessments/{answered.id}/items/{key}"' in html
        assert f'Change<span class="govuk-visually-hidden"> {key}' in html
    assert "Submit the assessment" not in html  # not while anything is missing


def test_carried_over_answers_are_flagged_on_the_check_page(client, login, carried):  # noqa: F811
    login("coord@a.test")
    rows = _rows(page_text(client.get(f"/assessments/{carried.id}/submit")))
    assert len(rows) == 3 and all("Carried over — check it" in t for t in rows.values())


def test_submitting_with_items_missing_is_refused_with_each_reason(client, login, post, answered):
    login("coord@a.test")
    refused = post(f"/assessments/{answered.id}/submit", {})
    assert refused.status_code == 400
    text = page_text(refused)
    assert "There is a problem" in text
    assert "A2 · Auditing: scored, but with no narrative" in " ".join(
        re.sub(r"<[^>]+>", " ", text).split()
    )
    db.session.refresh(answered)
    assert answered.status == "draft"


def test_after_submitting_a_panel_says_what_happens_next(client, login, post, make_user, answered):
    admin = make_user("admin", email="national@team.test")
    for response in answered.responses:
        response.narrative = response.narrative or "Words."
        response.self_score = 1 if response.self_score is None else response.self_score
    db.session.commit()
    login("coord@a.test")
    sent = post(f"/assessments/{answered.id}/submit", {})
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/assessments/{answered.id}/submitted")
    html = page_text(client.get(sent.headers["Location"]))
    assert 'class="govuk-panel govuk-panel--confirmation"' in html
    assert "Assessment submitted" in html and "What happens next" in html
    assert f'href="/assessments/{answered.id}"' in html
    told = db.session.scalars(select(Notification).where(Notification.user_id == admin.id)).all()
    assert [n.kind for n in told] == ["assessment_submitted"]


def test_the_confirmation_of_a_draft_goes_to_its_task_list(client, login, draft):
    login("coord@a.test")
    page = client.get(f"/assessments/{draft.id}/submitted")
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/assessments/{draft.id}")
