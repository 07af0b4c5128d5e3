"""Copy-forward, lost-update refusal, validation, submit refusal and return with a reason."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.assessments.conftest import previous_cycle
from tests.conftest import FreshContextClient, csrf_token, date_parts, page_text
from tracker import clock
from tracker.assessments import operations as assessment_ops
from tracker.assessments import queries as assessment_queries
from tracker.assessments import rules as assessment_rules
from tracker.extensions import db
from tracker.models import Action, Assessment, Evidence, EvidenceLink, Response
from tracker.models.base import utcnow
from tracker.rules import RuleError

FUTURE = clock.today() + timedelta(days=120)


def _evidence(org, user, title, withdrawn=False):
    evidence = Evidence(
        organisation_id=org.id,
        source_organisation_id=org.id,
        title=title,
        kind="audit",
        url="https://example.org/" + title,
        uploaded_by_id=user.id,
    )
    if withdrawn:
        evidence.withdrawn_at, evidence.withdrawn_reason = utcnow(), "Superseded"
    db.session.add(evidence)
    return evidence


def test_copy_forward_carries_answers_and_leaves_the_old_assessment_alone(region, make_assessment):
    old = make_assessment(organisation=region["rsb"], cycle=previous_cycle(), status="concluded")
    a1, a2 = old.responses[0], old.responses[1]
    a1.self_score, a1.narrative, a1.impact_measure = 3, "Old narrative", "Old impact"
    a1.actions = [
        Action(description="Still open", owner="BM", status="open"),
        Action(description="Finished", owner="BM", status="done", completed_on=date(2026, 1, 1)),
    ]
    kept = _evidence(region["rsb"], region["coordinator"], "kept")
    gone = _evidence(region["rsb"], region["coordinator"], "gone", withdrawn=True)
    db.session.add_all(
        [
            EvidenceLink(evidence=kept, response=a1, note="Shows audits"),
            EvidenceLink(evidence=gone, response=a1),
        ]
    )
    a2.self_score = 1
    db.session.commit()
    before = {r.id: (r.self_score, r.narrative, r.version) for r in old.responses}

    new = assessment_ops.start_assessment(
        region["coordinator"],
        region["rsb"],
        region["framework"],
        region["cycle"],
        copy_previous=True,
    )
    by_key = {r.item.key: r for r in new.responses}
    assert (by_key["A1"].self_score, by_key["A1"].narrative, by_key["A1"].impact_measure) == (
        3,
        "Old narrative",
        "Old impact",
    )
    assert [a.description for a in by_key["A1"].actions] == ["Still open"]
    links = db.session.scalars(
        select(EvidenceLink).where(EvidenceLink.response_id == by_key["A1"].id)
    ).all()
    assert [(link.evidence.title, link.carried_over, link.note) for link in links] == [
        ("kept", True, "Shows audits")
    ]
    assert by_key["A2"].self_score == 1 and by_key["B1"].self_score is None
    db.session.expire_all()
    assert {r.id: (r.self_score, r.narrative, r.version) for r in old.responses} == before
    assert len(old.responses[0].actions) == 2


def test_start_empty_copies_nothing(region, make_assessment):
    old = make_assessment(organisation=region["rsb"], cycle=previous_cycle())
    old.responses[0].self_score = 3
    db.session.commit()
    new = assessment_ops.start_assessment(
        region["coordinator"],
        region["rsb"],
        region["framework"],
        region["cycle"],
        copy_previous=False,
    )
    assert all(r.self_score is None for r in new.responses)


def test_two_tabs_never_overwrite_each_other(app, client, login, post, draft, region):
    login("coord@a.test")
    other = FreshContextClient(app, app.response_class, use_cookies=True)
    token = csrf_token(other, "/login")
    other.post(
        "/login",
        data={"email": "contrib@a.test", "password": "correct-horse-battery", "csrf_token": token},
    )
    url = f"/assessments/{draft.id}/items/A1"
    # Both open the page at version 1; the contributor saves first.
    other_token = csrf_token(other, url)
    my_token = csrf_token(client, url)
    first = other.post(
        url,
        data={
            "narrative": "Partner's text",
            "version": "1",
            "save": "1",
            "csrf_token": other_token,
        },
    )
    assert first.status_code == 302
    mine = client.post(
        url,
        data={
            "score": "2",
            "narrative": "Coordinator's text",
            "version": "1",
            "save": "1",
            "csrf_token": my_token,
        },
    )
    assert mine.status_code == 409
    page = page_text(mine)
    assert "Partner's text" in page and "Coordinator's text" in page
    assert "Keep my version" in page and "Keep the saved version" in page
    response = draft.responses[0]
    db.session.refresh(response)
    assert (response.narrative, response.version, response.self_score) == (
        "Partner's text",
        2,
        None,
    )
    # Keeping mine is a deliberate save against the version now current.
    kept = client.post(
        url,
        data={
            "score": "2",
            "narrative": "Coordinator's text",
            "version": "2",
            "save": "1",
            "csrf_token": my_token,
        },
    )
    assert kept.status_code == 302
    db.session.refresh(response)
    assert (response.narrative, response.self_score, response.version) == (
        "Coordinator's text",
        2,
        3,
    )


def test_a_concurrent_commit_is_refused_not_overwritten(app, draft, region):
    """The version column catches a save that raced past the form's version check."""
    response = draft.responses[0]
    with app.app_context():  # another request commits in between
        theirs = db.session.get(Response, response.id)
        theirs.narrative = "Theirs"
        db.session.commit()
    with pytest.raises(assessment_rules.StaleResponse) as stale:
        assessment_ops.save_response(region["coordinator"], response, 1, "Mine", None, score=2)
    assert stale.value.current.narrative == "Theirs"
    db.session.refresh(response)
    assert (response.narrative, response.self_score) == ("Theirs", None)


LONG = "x" * 10_001
ITEM_CASES = {
    "score not on the scale": ({"score": "99"}, "Choose a score from the scale"),
    "score not a number": ({"score": "three"}, "Choose a score from the scale"),
    "narrative too long": ({"narrative": LONG}, "The narrative must be 10,000 characters or fewer"),
    "impact too long": ({"impact": "y" * 4_001}, "How you will measure impact must be 4,000"),
}


@pytest.mark.parametrize("case", ITEM_CASES)
def test_item_validation_messages_and_nothing_saved(client, login, post, draft, case):
    login("coord@a.test")
    fields, message = ITEM_CASES[case]
    data = {
        "score": "1",
        "narrative": "Fine",
        "impact": "Fine",
        "version": "1",
        "save": "1",
        **fields,
    }
    response = post(f"/assessments/{draft.id}/items/A1", data)
    page = page_text(response)
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    stored = db.session.get(Response, draft.responses[0].id)
    db.session.refresh(stored)
    assert (stored.version, stored.narrative, stored.self_score) == (1, None, None)


ACTION_CASES = {
    "no description": ({"action-description": ""}, "Describe the action"),
    "no owner": ({"action-owner": "  "}, "Say who owns the action"),
    "impossible date": (date_parts("action-due_on", "2027-02-30"), "The due date must be a real"),
    "not a date": ({"action-due_on-day": "next week"}, "The due date must be a real date"),
    "no month": ({"action-due_on-month": ""}, "The due date must include a month"),
    "no day or year": (
        {"action-due_on-day": "", "action-due_on-year": ""},
        "The due date must include a day and year",
    ),
    "two-figure year": ({"action-due_on-year": "27"}, "The due date must include a year with 4"),
    "in the past": (date_parts("action-due_on", "2020-06-30"), "The due date must be today or"),
    "description too long": ({"action-description": "z" * 2_001}, "The action must be 2,000"),
    "unknown status": ({"action-status": "abandoned"}, "Not a valid choice"),
}


@pytest.mark.parametrize("case", ACTION_CASES)
def test_action_validation_messages_and_nothing_saved(client, login, post, draft, case):
    login("coord@a.test")
    fields, message = ACTION_CASES[case]
    data = {
        "action-description": "Audit",
        "action-owner": "BM",
        **date_parts("action-due_on", FUTURE),
        "action-status": "open",
        **fields,
    }
    url = f"/assessments/{draft.id}/items/A1"
    response = post(f"{url}/actions", data, page=url)
    assert response.status_code == 400
    assert message in page_text(response)
    assert db.session.scalar(select(func.count(Action.id))) == 0


def test_submit_with_missing_items_is_refused(client, login, post, draft):
    login("coord@a.test")
    response = draft.responses[0]
    response.self_score = 2  # scored, no narrative; the rest unscored
    db.session.commit()
    check = page_text(client.get(f"/assessments/{draft.id}/submit"))
    assert "A1 · Thresholds</a>: scored, but with no narrative" in check
    assert "A2 · Auditing</a>: not scored" in check
    refused = post(f"/assessments/{draft.id}/submit", {})
    assert refused.status_code == 400
    assert "Every item needs a score and a narrative" in page_text(refused)
    db.session.refresh(draft)
    assert draft.status == "draft" and draft.submitted_at is None


def _submitted(draft, region):
    for r in draft.responses:
        r.self_score, r.narrative = 2, "Done"
    db.session.commit()
    return assessment_ops.submit(region["coordinator"], draft)


def test_return_with_reason_reopens_it_and_the_coordinator_sees_why(
    client, login, post, draft, region
):
    _submitted(draft, region)
    login("insp@ciw.test")
    url = f"/assessments/{draft.id}/return"
    empty = post(url, {"reason": "   "})
    assert empty.status_code == 400 and "Say why you are returning the assessment" in page_text(
        empty
    )
    assert post(url, {"reason": "Add impact measures for A2."}).status_code == 302
    db.session.refresh(draft)
    assert (draft.status, draft.returned_by_id) == ("returned", region["inspector"].id)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("coord@a.test")
    assert "Add impact measures for A2." in page_text(client.get(f"/assessments/{draft.id}"))
    assert "Add impact measures for A2." in page_text(client.get("/"))
    saved = post(
        f"/assessments/{draft.id}/items/A2",
        {"score": "3", "narrative": "Now measured", "version": "2", "save": "1"},
    )
    assert saved.status_code == 302  # editable again


def test_coordinator_cannot_return_their_own_assessment(client, login, post, draft, region):
    _submitted(draft, region)
    login("coord@a.test")
    assert client.get(f"/assessments/{draft.id}/return").status_code == 403
    assert db.session.get(Assessment, draft.id).status == "submitted"


def test_last_cycles_unsubmitted_draft_stays_private(region, make_assessment):
    old = make_assessment(organisation=region["rsb"], cycle=previous_cycle())  # never submitted
    old.responses[0].self_score = 0
    current = make_assessment(organisation=region["rsb"], cycle=region["cycle"], status="submitted")
    db.session.commit()
    assert assessment_queries.previous_scores(current, region["coordinator"]) == {
        "A1": 0,
        "A2": None,
        "B1": None,
    }
    assert assessment_queries.previous_scores(current, region["inspector"]) == {}


@pytest.mark.parametrize("version", ["", "abc", "1e9", "-5"])
def test_a_missing_or_unreadable_version_is_treated_as_out_of_date(
    client, login, post, draft, version
):
    login("coord@a.test")
    response = post(
        f"/assessments/{draft.id}/items/A1", {"narrative": "Mine", "version": version, "save": "1"}
    )
    assert response.status_code == 409
    assert "Your changes are not saved yet" in page_text(response)
    assert db.session.get(Response, draft.responses[0].id).narrative is None


def test_a_save_cannot_land_after_submission(app, draft, region):
    """The draft check and the save happen under one lock: a submit in between wins cleanly."""
    response = draft.responses[0]
    for r in draft.responses:
        r.self_score, r.narrative = 1, "Done"
    db.session.commit()
    version = response.version
    with app.app_context():  # another request submits while this one is mid-save
        other = db.session.get(Assessment, draft.id)
        assessment_ops.submit(region["coordinator"], other)
    with pytest.raises(RuleError, match="cannot be changed now"):
        assessment_ops.save_response(region["coordinator"], response, version, "Late change", None)
    db.session.expire_all()
    assert db.session.get(Response, response.id).narrative == "Done"


def test_submit_checks_again_under_the_lock(app, draft, region):
    for r in draft.responses:
        r.self_score, r.narrative = 1, "Done"
    db.session.commit()
    assert assessment_queries.missing_items(draft) == []
    with app.app_context():  # another request clears a narrative after the check page loaded
        other = db.session.get(Response, draft.responses[0].id)
        other.narrative = None
        db.session.commit()
    with pytest.raises(RuleError, match="Every item needs"):
        assessment_ops.submit(region["coordinator"], draft)
    assert db.session.get(Assessment, draft.id).status == "draft"


def test_action_edits_never_overwrite_each_other(client, login, post, draft):
    action = Action(response=draft.responses[0], description="Audit", owner="BM", status="open")
    db.session.add(action)
    db.session.commit()
    login("coord@a.test")
    url = f"/assessments/{draft.id}/actions/{action.id}"
    stale_token = csrf_token(client, url)
    first = client.post(
        url,
        data={
            "description": "Audit",
            "owner": "BM",
            "status": "done",
            "version": "1",
            "csrf_token": stale_token,
        },
    )
    assert first.status_code == 302
    second = client.post(
        url,
        data={
            "description": "Audit again",
            "owner": "BM",
            "status": "open",
            "version": "1",
            "csrf_token": stale_token,
        },
    )
    assert second.status_code == 409
    page = page_text(second)
    assert (
        "Someone changed this action" in page
        and 'id="version" name="version" type="hidden" value="2"' in page
    )
    db.session.refresh(action)
    assert (action.status, action.description) == ("done", "Audit")


def test_due_date_typed_in_three_boxes_is_accepted(client, login, post, draft):
    login("coord@a.test")
    url = f"/assessments/{draft.id}/items/A1"
    page = page_text(client.get(url))
    for part in ("day", "month", "year"):
        assert f'name="action-due_on-{part}" type="text" inputmode="numeric"' in page
    assert 'type="date"' not in page
    response = post(
        f"{url}/actions",
        {
            "action-description": "Audit",
            "action-owner": "BM",
            "action-due_on-day": f" {FUTURE.day:02d}",
            "action-due_on-month": str(FUTURE.month),
            "action-due_on-year": str(FUTURE.year),
            "action-status": "open",
        },
        page=url,
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Action.due_on)) == FUTURE


def test_a_date_error_highlights_its_box_and_keeps_what_was_typed(client, login, post, draft):
    login("coord@a.test")
    url = f"/assessments/{draft.id}/items/A1"
    sent = {
        "action-description": "Audit",
        "action-owner": "BM",
        "action-due_on-day": "31",
        "action-due_on-month": "",
        "action-due_on-year": "2030",
        "action-status": "open",
    }
    page = page_text(post(f"{url}/actions", sent, page=url))
    assert '<a href="#action-due_on-month">The due date must include a month</a>' in page
    assert 'govuk-input--width-2 govuk-input--error" id="action-due_on-month"' in page
    assert 'govuk-input--width-2" id="action-due_on-day"' in page  # not highlighted
    assert (
        'id="action-due_on-day" name="action-due_on-day" type="text" inputmode="numeric" value="31"'
        in page
    )


def test_combining_by_hand_starts_from_the_saved_score(client, login, post, draft):
    login("coord@a.test")
    url = f"/assessments/{draft.id}/items/A1"
    post(url, {"score": "3", "narrative": "Theirs", "version": "1", "save": "1"})
    conflict = post(url, {"score": "1", "narrative": "Mine", "version": "1", "save": "1"})
    page = conflict.get_data(as_text=True)
    merge = page[page.index("Or combine them by hand") :]
    assert 'id="merge-score-3" name="score" type="radio" value="3" checked' in merge
    assert 'value="1" checked' not in merge


def test_an_old_framework_version_cannot_be_started(region, tmp_path):
    from tests.frameworks.test_loader import _mutated, _set, _write
    from tracker.frameworks.operations import import_framework

    import_framework(_write(tmp_path, _mutated(_set(["version"], 2)), "v2.yaml"))
    with pytest.raises(RuleError, match="newer version"):
        assessment_ops.start_assessment(
            region["coordinator"],
            region["rsb"],
            region["framework"],
            region["cycle"],
            copy_previous=False,
        )


def test_starting_again_goes_to_the_existing_assessment(client, login, post, draft, region):
    login("coord@a.test")
    response = post(f"/assessments/start/{region['framework'].id}", {"start_from": "empty"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/assessments/{draft.id}"
