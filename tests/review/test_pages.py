"""The review pages: who sees what, the whole loop through the forms, and fixed query counts."""

import io
import re

import pytest
from sqlalchemy import select

from tests.assessments.test_access_and_queries import _count_queries, _framework_with
from tests.conftest import csrf_token, date_parts, page_text
from tests.review.conftest import DUE, TODAY, response_for
from tracker.extensions import db
from tracker.models import Assessment, Challenge, Evidence, Response
from tracker.review import assignments
from tracker.review import challenges as workflow


def _review_urls(app, values):
    """Every URL of the review area that names an assessment or a challenge."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("review.") and rule.arguments & {
            "assessment_id",
            "challenge_id",
        }:
            path = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
            urls.extend((m, path) for m in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return urls


def test_a_reviewer_not_assigned_gets_404_everywhere(
    app, client, login, people, challenge, make_user
):
    make_user("reviewer", people["other"], email="stranger@b.test")
    values = {
        "assessment_id": challenge.response.assessment_id,
        "item_key": "A1",
        "challenge_id": challenge.id,
    }
    login("stranger@b.test")
    token = csrf_token(client, "/")
    urls = _review_urls(app, values)
    assert len(urls) >= 10
    for method, path in urls:
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, path, response.status_code)
        assert "What shows practice changed" not in page_text(response)
    # The organisation's own pages are hidden from them too.
    assert client.get(f"/assessments/{values['assessment_id']}").status_code == 404


def test_the_other_organisations_coordinator_gets_404(app, client, login, people, challenge):
    login("coord@b.test")
    token = csrf_token(client, "/")
    values = {
        "assessment_id": challenge.response.assessment_id,
        "item_key": "A1",
        "challenge_id": challenge.id,
    }
    for method, path in _review_urls(app, values):
        assert client.open(path, method=method, data={"csrf_token": token}).status_code == 404


def test_the_queue_is_only_for_reviewers_and_overseers(client, login, people):
    login("coord@a.test")
    assert client.get("/review/").status_code == 403


def test_assign_page_shows_why_a_reviewer_is_refused(client, login, people, submitted, post):
    login("admin@wales.test")
    page = f"/review/assessments/{submitted.id}/assign"
    shown = page_text(client.get(page))
    assert "Ian Insider" in shown and "not eligible" in shown
    response = post(page, {"reviewer": people["insider"].id, **date_parts("due_on", DUE)})
    assert response.status_code == 400
    assert "Ian Insider works for Region A Safeguarding Board" in page_text(response)
    response = post(page, {"reviewer": "not-a-number", **date_parts("due_on", "31/02/2027")})
    assert response.status_code == 400
    assert "must be a real date" in page_text(response)
    response = post(page, {"reviewer": people["reviewer"].id, **date_parts("due_on", DUE)})
    assert response.status_code == 302
    db.session.refresh(submitted)
    assert submitted.status == "in_review"


def test_coordinator_cannot_change_a_submitted_score_on_the_item_page(
    client, login, in_review, post
):
    login("coord@a.test")
    page = f"/assessments/{in_review.id}/items/A1"
    response = post(page, {"score": "0", "narrative": "Changed", "version": "1"}, page=page)
    assert response.status_code == 403
    db.session.expire_all()
    assert response_for(in_review, "A1").self_score == 3


def test_the_whole_loop_through_the_pages(client, login, people, in_review, post):
    # The reviewer sees claims beyond evidence first, and challenges A1.
    login("rev@b.test")
    queue = page_text(client.get("/review/"))
    assert "Region A Safeguarding Board" in queue and "0 of 3 responses validated" in queue
    review = page_text(client.get(f"/review/assessments/{in_review.id}"))
    assert review.index("Claims beyond evidence") < review.index("A1 ·") < review.index("B1 ·")
    page = f"/review/assessments/{in_review.id}/items/A1"
    response = post(
        f"{page}/challenge",
        {
            "question": "What do families say?",
            "proposed_score": "2",
            **date_parts("due_on", DUE),
            "evidence_requested": ["voice", "audit"],
        },
        page=page,
    )
    assert response.status_code == 302
    challenge_page = response.headers["Location"]
    challenge_id = int(challenge_page.rsplit("/", 1)[1])
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    # The coordinator sees it on the start page, uploads new evidence and answers with it.
    login("coord@a.test")
    home = page_text(client.get("/"))
    assert "Challenges to answer" in home and "A1 · Thresholds" in home
    upload = f"/evidence/new?challenge={challenge_id}"
    response = post(
        upload,
        {
            "source": "file",
            "file": (io.BytesIO(b"What 12 families told us about the front door."), "families.txt"),
            "title": "Family feedback, autumn 2026",
            "kind": "voice",
            "source_organisation": people["other"].id,
        },
        page=upload,
    )
    assert response.status_code == 302, page_text(response)
    assert f"/review/challenges/{challenge_id}?add=" in response.headers["Location"]
    answer_page = page_text(client.get(response.headers["Location"]))
    new_id = db.session.scalar(
        select(Evidence.id).where(Evidence.title == "Family feedback, autumn 2026")
    )
    assert re.search(rf'value="{new_id}" checked', answer_page)
    response = post(
        f"/review/challenges/{challenge_id}/answer",
        {
            "body": "Families say the front door is quicker.",
            "evidence": [str(new_id)],
            "revised_score": "2",
        },
        page=challenge_page,
    )
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    # The reviewer moderates it.
    login("rev@b.test")
    thread = page_text(client.get(challenge_page))
    assert "Families say the front door is quicker." in thread
    assert "Score revised to 2" in thread and "Family feedback, autumn 2026" in thread
    response = post(
        f"/review/challenges/{challenge_id}/resolve",
        {
            "outcome": "moderated",
            "resolved_score": "1",
            "rationale": "One survey is not yet impact.",
        },
        page=challenge_page,
    )
    assert response.status_code == 302
    thread = page_text(client.get(challenge_page))
    assert all(m in thread for m in ("Challenge raised", "Answer", "Resolution: Score moderated"))
    assert "Validated score: 1" in thread
    # Resolving again is refused: the challenge changed state (409), nothing is lost.
    response = post(
        f"/review/challenges/{challenge_id}/resolve", {"outcome": "accepted"}, page=challenge_page
    )
    assert response.status_code == 409
    assert "already resolved" in page_text(response)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    # The validated score appears on the organisation's pages.
    login("coord@a.test")
    assert "Validated: 1" in page_text(client.get(f"/assessments/{in_review.id}"))
    item = page_text(client.get(f"/assessments/{in_review.id}/items/A1"))
    assert "Validated score after peer review" in item and "Score moderated" in item


def test_bad_form_input_gets_messages_not_errors(client, login, people, in_review, challenge, post):
    login("rev@b.test")
    page = f"/review/assessments/{in_review.id}/items/A2"
    response = post(
        f"{page}/challenge",
        {
            "question": "",
            "proposed_score": "x",
            "due_on-day": "soon",
            "due_on-month": "3",
            "due_on-year": "2027",
        },
        page=page,
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "Enter your question" in text and "real date" in text
    challenge_page = f"/review/challenges/{challenge.id}"
    response = post(
        f"{challenge_page}/resolve",
        {"outcome": "moderated", "resolved_score": "zz"},
        page=challenge_page,
    )
    assert response.status_code == 400
    response = post(
        f"{challenge_page}/reopen",
        {"body": "More?", **date_parts("due_on", DUE)},
        page=challenge_page,
    )
    assert response.status_code == 409  # it has not been answered yet
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("coord@a.test")
    response = post(
        f"{challenge_page}/answer", {"body": "", "evidence": ["abc", "999999"]}, page=challenge_page
    )
    assert response.status_code == 400
    assert "Enter your answer" in page_text(response)


def test_overdue_is_marked_on_both_sides(client, login, people, challenge, today_is):
    from datetime import timedelta

    today_is(DUE + timedelta(days=1))
    login("coord@a.test")
    assert "Overdue" in page_text(client.get("/"))
    assert "Overdue" in page_text(client.get(f"/review/challenges/{challenge.id}"))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("rev@b.test")
    queue = page_text(client.get("/review/"))
    assert "1 overdue" in queue  # the challenge, and the review itself is past its due date
    assert queue.count("Overdue") == 1


# --- fixed query counts --------------------------------------------------------------------------


def test_queue_review_and_challenge_pages_make_a_fixed_number_of_queries(
    tmp_path, client, login, people, make_assessment, make_cycle
):
    login("rev@b.test")
    counts = {}
    for n_items, key in ((8, "small"), (40, "large")):
        framework = _framework_with(tmp_path, n_items, key)
        assessment = make_assessment(
            organisation=people["rsb"],
            cycle=make_cycle(f"C-{key}", 2020 + n_items),
            framework=framework,
            status="submitted",
        )
        for response in assessment.responses:
            response.self_score, response.narrative = 2, "Text"
        db.session.commit()
        assignments.assign(people["admin"], assessment, people["reviewer"], DUE, TODAY)
        challenges = [
            workflow.raise_challenge(people["reviewer"], r, "Why?", None, DUE, [], TODAY)
            for r in assessment.responses[: n_items // 2]
        ]
        for c in challenges[::2]:
            workflow.answer(people["coordinator"], c, "Because.", None, [])
        first = framework.items[0].key
        counts[n_items] = (
            _count_queries(client, "/review/"),
            _count_queries(client, f"/review/assessments/{assessment.id}"),
            _count_queries(client, f"/review/assessments/{assessment.id}/items/{first}"),
            _count_queries(client, f"/review/challenges/{challenges[0].id}"),
        )
    assert counts[8] == counts[40], counts


# --- the demo data -------------------------------------------------------------------------------


@pytest.mark.usefixtures("demo")
def test_the_loop_in_the_demo_data(client, login, post):
    password = "demo-password-1"
    assessment = db.session.scalar(
        select(Assessment).where(
            Assessment.framework_key == "jicpa-2024", Assessment.status == "in_review"
        )
    )
    assert assessment.organisation.code == "RSB-CV"
    login("reviewer@north-wales.example", password)
    page = f"/review/assessments/{assessment.id}/items/K5"
    response = post(
        f"{page}/challenge",
        {"question": "Is 15 of 20 enough for a 3?", **date_parts("due_on", DUE)},
        page=page,
    )
    assert response.status_code == 302
    challenge_page = response.headers["Location"]
    challenge = db.session.get(Challenge, int(challenge_page.rsplit("/", 1)[1]))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login("coordinator@cardiff-vale.example", password)
    assert "K5 · Assessment, analysis and reflective practice" in page_text(client.get("/"))
    reaudit = db.session.scalar(
        select(Evidence.id).where(Evidence.title == "Re-audit of neglect cases, July 2026")
    )
    response = post(
        f"{challenge_page}/answer",
        {
            "body": "Fair: we revise to 2 until the next audit.",
            "evidence": [str(reaudit)],
            "revised_score": "2",
        },
        page=challenge_page,
    )
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login("reviewer@north-wales.example", password)
    response = post(
        f"{challenge_page}/resolve",
        {"outcome": "moderated", "resolved_score": "1", "rationale": "Improvement is too recent."},
        page=challenge_page,
    )
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    response_row = db.session.get(Response, challenge.response_id)
    db.session.refresh(response_row)
    assert (response_row.self_score, response_row.validated_score) == (2, 1)
    login("coordinator@cardiff-vale.example", password)
    assert "Validated: 1" in page_text(client.get(f"/assessments/{assessment.id}"))


def test_ids_too_large_for_the_database_are_refused_cleanly(client, login, people, submitted, post):
    login("admin@wales.test")
    page = f"/review/assessments/{submitted.id}/assign"
    response = post(page, {"reviewer": "9" * 30, **date_parts("due_on", DUE)})
    assert response.status_code == 400
    assert "Choose a peer reviewer" in page_text(response)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("coord@a.test")
    assert client.get("/evidence/new?challenge=" + "9" * 30).status_code == 200  # the library
    assert client.get("/evidence/new?assessment=" + "9" * 30 + "&item=A1").status_code == 200


def test_someone_else_acting_first_is_shown_not_hidden(client, login, people, challenge, post):
    workflow.answer(people["coordinator"], challenge, "Answer", None, [])
    login("rev@b.test")
    page = f"/review/challenges/{challenge.id}"
    seen = re.search(r'name="seen" type="hidden" value="(\d+)"', page_text(client.get(page)))
    assert seen, "the resolve form carries the last message read"
    workflow.resolve(people["reviewer"], challenge, "accepted", None, None)  # in another tab
    response = post(f"{page}/resolve", {"outcome": "withdrawn", "seen": seen.group(1)}, page=page)
    assert response.status_code == 409
    text = page_text(response)
    assert "Someone else got there first" in text and "already resolved" in text
    assert 'href="#outcome' not in text  # no link to a form that is no longer there


def test_a_missing_validated_score_says_not_yet_validated(client, login, people, in_review):
    """Issue 17.10, on the review pages and on the organisation's own item page."""
    login("rev@b.test")
    summary = page_text(client.get(f"/review/assessments/{in_review.id}/items/A1"))
    assert re.search(r"Validated score</dt>\s*<dd[^>]*>.*?Not yet validated", summary, re.S)
    review = page_text(client.get(f"/review/assessments/{in_review.id}"))
    assert "Not yet validated" in review
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("coord@a.test")
    item = page_text(client.get(f"/assessments/{in_review.id}/items/A1"))
    words = " ".join(re.sub(r"<[^>]+>", " ", item).split())
    assert "Validated score after peer review: Not yet validated" in words
