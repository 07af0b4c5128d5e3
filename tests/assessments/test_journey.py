"""A coordinator's journey: start, answer every item, watch the missing list shrink, submit."""

from sqlalchemy import select

from tests.conftest import date_parts, page_text
from tracker.extensions import db
from tracker.models import Assessment, AuditEvent


def test_start_answer_submit(client, login, post, region):
    login("coord@a.test")
    framework = region["framework"]
    home = page_text(client.get("/"))
    assert f"Start: {framework.title['en']}" in home
    started = post(f"/assessments/start/{framework.id}", {"start_from": "empty"})
    assert started.status_code == 302
    assessment = db.session.scalar(select(Assessment))
    assert (assessment.status, assessment.organisation_id) == ("draft", region["rsb"].id)
    base = f"/assessments/{assessment.id}"
    assert "Not yet started" in page_text(client.get(base))

    items = [i.key for i in framework.items]
    for n, key in enumerate(items):
        check = page_text(client.get(f"{base}/submit"))
        assert f"{len(items) - n} item" in check  # the list shrinks as items are answered
        for later in items[n:]:
            assert f"{base}/items/{later}" in check
        response = post(
            f"{base}/items/{key}",
            {
                "score": "2",
                "narrative": f"Work on {key}.",
                "impact": "Audit in March.",
                "version": "1",
                "save": "1",
            },
        )
        assert response.status_code == 302, page_text(response)

    check = page_text(client.get(f"{base}/submit"))
    assert "Every item has a score and a narrative." in check
    submitted = post(f"{base}/submit", {})
    assert submitted.status_code == 302
    db.session.refresh(assessment)
    assert (
        assessment.status == "submitted" and assessment.submitted_by_id == region["coordinator"].id
    )
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.submitted"))
    # Locked: the item page is read-only and a save is refused.
    locked = post(
        f"{base}/items/{items[0]}",
        {"score": "3", "narrative": "x", "version": "2", "save": "1"},
        page=base,
    )
    assert locked.status_code == 403
    assert "Check and submit" not in page_text(client.get(base))


def test_start_from_last_cycle_is_offered_only_when_there_is_one(client, login, region):
    login("coord@a.test")
    page = page_text(client.get(f"/assessments/start/{region['framework'].id}"))
    assert "starts empty" in page and "Start from last cycle" not in page


def test_starting_twice_makes_one_assessment(client, login, post, region, draft):
    login("coord@a.test")
    response = post(f"/assessments/start/{region['framework'].id}", {"start_from": "empty"})
    assert response.status_code == 302
    assert "already started" in page_text(client.get(response.headers["Location"]))
    assert len(db.session.scalars(select(Assessment)).all()) == 1


def test_contributor_drafts_narrative_but_cannot_score_or_submit(client, login, post, draft):
    login("contrib@a.test")
    base = f"/assessments/{draft.id}"
    page = page_text(client.get(f"{base}/items/A1"))
    assert "Only your organisation's coordinator can change the score." in page
    assert 'name="score"' not in page
    saved = post(
        f"{base}/items/A1",
        {"score": "3", "narrative": "Drafted by a partner.", "version": "1", "save": "1"},
    )
    assert saved.status_code == 302
    response = draft.responses[0]
    db.session.refresh(response)
    assert response.narrative == "Drafted by a partner." and response.self_score is None
    assert client.get(f"{base}/submit").status_code == 403
    assert post(f"{base}/submit", {}, page=base).status_code == 403


def test_htmx_save_answers_in_place(client, login, post, draft):
    login("coord@a.test")
    response = post(
        f"/assessments/{draft.id}/items/A1",
        {"score": "1", "narrative": "In place", "version": "1", "save": "1"},
        headers={"HX-Request": "true"},
    )
    page = page_text(response)
    assert response.status_code == 200
    assert page.lstrip().startswith("<form") and "Saved at" in page
    assert 'name="version" value="2"' in page  # the next save carries the new version


def test_preview_renders_without_saving(client, login, post, draft):
    login("coord@a.test")
    response = post(
        f"/assessments/{draft.id}/items/A1",
        {"narrative": "**Bold** move", "version": "1", "preview": "1"},
    )
    assert "<strong>Bold</strong> move" in page_text(response)
    db.session.refresh(draft.responses[0])
    assert draft.responses[0].narrative is None


def test_actions_can_be_added_changed_and_completed(client, login, post, draft):
    login("coord@a.test")
    base = f"/assessments/{draft.id}"
    added = post(
        f"{base}/items/A1/actions",
        {
            "action-description": "Run a threshold audit",
            "action-owner": "Business Manager",
            **date_parts("action-due_on", "2030-03-31"),
            "action-status": "open",
        },
        page=f"{base}/items/A1",
    )
    assert added.status_code == 302
    db.session.refresh(draft.responses[0])
    action = draft.responses[0].actions[0]
    assert action.description == "Run a threshold audit"
    done = post(
        f"{base}/actions/{action.id}",
        {
            "description": "Run a threshold audit",
            "owner": "Business Manager",
            **date_parts("due_on", "2030-03-31"),
            "status": "done",
            "version": "1",
        },
    )
    assert done.status_code == 302
    db.session.refresh(action)
    assert action.status == "done" and action.completed_on is not None
    assert "Run a threshold audit" in page_text(client.get(f"{base}/items/A1"))


def test_history_shows_each_version(client, login, post, draft):
    login("coord@a.test")
    url = f"/assessments/{draft.id}/items/A1"
    post(url, {"narrative": "First text", "version": "1", "save": "1"})
    post(url, {"narrative": "Second text", "version": "2", "save": "1"})
    history = page_text(client.get(f"{url}/history"))
    assert "First text" in history and "Second text" in history
    assert history.index("Second text") < history.rindex("First text")  # newest first
    assert "User" in history or "coord" in history
