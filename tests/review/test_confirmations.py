"""Issue 17.13 (review part): validating a score and concluding a review each ask first, on a
page that says what will happen and that it cannot be undone; only its button does it. The
button is a plain form (CSRF, no JavaScript needed) and a dozen identical confirmations make
one change."""

import re

from sqlalchemy import func, select

from tests.conftest import page_text, signed_in_browsers
from tests.review.conftest import response_for
from tests.threads import together
from tracker.extensions import db
from tracker.models import Assessment, AuditEvent, Response
from tracker.review import validation


def _forms_posting_to(page: str, path: str) -> list[str]:
    return re.findall(rf'<form[^>]*method="post"[^>]*action="{re.escape(path)}"', page)


def test_validating_asks_first(client, login, post, people, in_review):
    login("rev@b.test")
    item = f"/review/assessments/{in_review.id}/items/A2"
    page = page_text(client.get(item))
    assert not _forms_posting_to(page, f"{item}/validate"), "one click must not validate"
    assert f'href="{item}/validate"' in page

    confirm = page_text(client.get(f"{item}/validate"))
    assert "Validate the score for A2?" in confirm
    assert "cannot be undone" in confirm
    assert _forms_posting_to(confirm, f"{item}/validate")
    assert response_for(in_review, "A2").validated_score is None  # looking did nothing

    done = post(f"{item}/validate", {}, page=f"{item}/validate")
    assert done.status_code == 302
    db.session.expire_all()
    assert response_for(in_review, "A2").validated_score == 2


def test_the_validation_page_says_why_it_cannot_be_done(client, login, people, challenge):
    login("rev@b.test")
    item = f"/review/assessments/{challenge.response.assessment_id}/items/A1"
    confirm = page_text(client.get(f"{item}/validate"))
    assert "Resolve the challenge on this response before validating it." in confirm
    assert not _forms_posting_to(confirm, f"{item}/validate")


def test_concluding_asks_first(client, login, post, people, in_review):
    for key in ("A1", "A2", "B1"):
        validation.validate(people["reviewer"], response_for(in_review, key))
    login("rev@b.test")
    review = f"/review/assessments/{in_review.id}"
    page = page_text(client.get(review))
    assert not _forms_posting_to(page, f"{review}/conclude"), "one click must not conclude"
    assert f'href="{review}/conclude"' in page

    confirm = page_text(client.get(f"{review}/conclude"))
    assert "Conclude the review?" in confirm and "cannot be undone" in confirm
    assert "3 of 3" in confirm
    assert db.session.get(Assessment, in_review.id).status == "in_review"

    done = post(f"{review}/conclude", {}, page=f"{review}/conclude")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, in_review.id).status == "concluded"


def test_the_conclusion_page_says_why_it_cannot_be_done(client, login, people, in_review):
    login("rev@b.test")
    review = f"/review/assessments/{in_review.id}"
    confirm = page_text(client.get(f"{review}/conclude"))
    assert "3 responses still need a validated score or a resolved challenge." in confirm
    assert not _forms_posting_to(confirm, f"{review}/conclude")


def _events(action: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_a_dozen_confirmations_validate_once_and_conclude_once(app, people, in_review):
    item = f"/review/assessments/{in_review.id}/items/A2/validate"
    browsers = signed_in_browsers(app, "rev@b.test", item, 12)
    answers = together(12, lambda n: browsers[n][0].post(item, data={"csrf_token": browsers[n][1]}))
    assert [a.status_code for a in answers] == [302] * 12, [
        page_text(a)[-3000:] for a in answers if a.status_code != 302
    ]
    assert _events("response.validated") == 1
    assert (
        db.session.scalar(
            select(Response.validated_score).where(Response.id == response_for(in_review, "A2").id)
        )
        == 2
    )

    for key in ("A1", "B1"):
        validation.validate(people["reviewer"], response_for(in_review, key))
    conclude = f"/review/assessments/{in_review.id}/conclude"
    answers = together(
        12, lambda n: browsers[n][0].post(conclude, data={"csrf_token": browsers[n][1]})
    )
    assert [a.status_code for a in answers] == [302] * 12  # each back to the review
    assert _events("assessment.concluded") == 1
