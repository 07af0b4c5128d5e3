"""The review rules (DESIGN §7): assignments, each challenge transition and each illegal one,
validated scores and concluding. Service level; the pages are tested in test_pages.py."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.review.conftest import DUE, TODAY, response_for
from tracker.assessments import operations as assessment_ops
from tracker.extensions import db
from tracker.models import AuditEvent, ChallengeMessage, EvidenceLink, Notification
from tracker.review import assignments, challenges, queries, reminders, validation
from tracker.rules import RuleError


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _notified(user, kind):
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    ).all()


# --- assignments ---------------------------------------------------------------------------------


def test_assigning_moves_the_assessment_into_review_and_tells_the_reviewer(people, submitted):
    assignments.assign(people["admin"], submitted, people["reviewer"], DUE, TODAY)
    assert submitted.status == "in_review"
    assert submitted.reviewer_ids == {people["reviewer"].id}
    assert _events("review.assigned")[0].after["reviewer_id"] == people["reviewer"].id
    [note] = _notified(people["reviewer"], "assigned")
    assert note.link == f"/review/assessments/{submitted.id}"
    assert "Region A Safeguarding Board" in note.text


def test_a_reviewer_from_the_assessed_organisation_is_refused_with_the_reason(people, submitted):
    with pytest.raises(RuleError) as refused:
        assignments.assign(people["admin"], submitted, people["insider"], DUE, TODAY)
    assert "works for Region A Safeguarding Board" in str(refused.value.message)
    assert refused.value.field == "reviewer"
    db.session.refresh(submitted)
    assert submitted.status == "submitted" and not submitted.assignments


@pytest.mark.parametrize(
    ("who", "reviewer", "due", "message"),
    [
        ("coordinator", "reviewer", DUE, "cannot assign"),
        ("reviewer", "reviewer", DUE, "cannot assign"),
        ("admin", "coordinator", DUE, "Choose a peer reviewer"),
        ("admin", None, DUE, "Choose a peer reviewer"),
        ("admin", "reviewer", TODAY - timedelta(days=1), "today or later"),
        ("admin", "reviewer", None, "Enter a due date"),
    ],
)
def test_assignment_refusals(people, submitted, who, reviewer, due, message):
    with pytest.raises(RuleError, match=message):
        assignments.assign(people[who], submitted, people.get(reviewer), due, TODAY)
    assert not submitted.assignments


def test_the_same_reviewer_twice_is_refused_and_a_draft_cannot_be_assigned(
    people, in_review, make_assessment
):
    draft = make_assessment(organisation=people["rsb"])
    with pytest.raises(RuleError, match="already reviewing"):
        assignments.assign(people["inspector"], in_review, people["reviewer"], DUE, TODAY)
    with pytest.raises(RuleError, match="cannot assign"):
        assignments.assign(people["admin"], draft, people["reviewer"], DUE, TODAY)


# --- raising -------------------------------------------------------------------------------------


def test_raising_a_challenge_records_it_and_tells_the_coordinators(people, challenge):
    assert challenge.status == "open" and challenge.proposed_score == 2
    assert challenge.evidence_requested == ["voice"]
    [message] = challenge.messages
    assert (message.kind, message.body) == ("raised", "What shows practice changed?")
    assert _events("challenge.raised")[0].entity_id == challenge.id
    [note] = _notified(people["coordinator"], "challenge_raised")
    assert note.link == f"/review/challenges/{challenge.id}"
    assert not _notified(people["reviewer"], "challenge_raised")


@pytest.mark.parametrize(
    ("question", "score", "due", "kinds", "field"),
    [
        ("  ", None, DUE, [], "question"),
        ("x" * 4001, None, DUE, [], "question"),
        ("Why?", 9, DUE, [], "proposed_score"),
        ("Why?", None, TODAY - timedelta(days=1), [], "due_on"),
        ("Why?", None, None, [], "due_on"),
        ("Why?", None, DUE, ["gossip"], "evidence_requested"),
    ],
)
def test_bad_challenges_are_refused_and_nothing_is_written(
    people, in_review, question, score, due, kinds, field
):
    with pytest.raises(RuleError) as refused:
        challenges.raise_challenge(
            people["reviewer"], response_for(in_review, "A1"), question, score, due, kinds, TODAY
        )
    assert refused.value.field == field
    assert not db.session.scalars(select(ChallengeMessage)).all()


def test_only_assigned_reviewers_and_inspectors_may_challenge(people, submitted, make_user):
    response = response_for(submitted, "A1")
    # Before assignment (submitted): an inspector may; the reviewer, unassigned, may not.
    with pytest.raises(RuleError, match="cannot challenge"):
        challenges.raise_challenge(people["reviewer"], response, "Q?", None, DUE, [], TODAY)
    for role in ("coordinator", "outsider", "contributor"):
        with pytest.raises(RuleError, match="cannot challenge"):
            challenges.raise_challenge(people[role], response, "Q?", None, DUE, [], TODAY)
    assert challenges.raise_challenge(people["inspector"], response, "Q?", None, DUE, [], TODAY)


def test_one_unresolved_challenge_per_response(people, challenge):
    with pytest.raises(RuleError, match="already has a challenge"):
        challenges.raise_challenge(
            people["inspector"], challenge.response, "Another?", None, DUE, [], TODAY
        )


# --- answering -----------------------------------------------------------------------------------


def test_answer_with_evidence_and_a_revised_score(people, challenge, library_item):
    response = challenge.response
    version = response.version
    challenges.answer(people["coordinator"], challenge, "Here is the survey.", 2, [library_item.id])
    assert challenge.status == "responded"
    assert response.self_score == 2 and response.version == version + 1
    message = challenge.messages[-1]
    assert (message.kind, message.revised_score) == ("answered", 2)
    assert [e.id for e in message.evidence] == [library_item.id]
    # The evidence now counts for the response.
    link = db.session.scalar(select(EvidenceLink).where(EvidenceLink.response_id == response.id))
    assert link.evidence_id == library_item.id
    [revised] = _events("response.revised")
    assert (revised.before, revised.after["self_score"]) == ({"self_score": 3}, 2)
    assert _notified(people["reviewer"], "challenge_answered")


def test_answer_refusals(people, challenge, library_item, make_user):
    with pytest.raises(RuleError, match="Enter your answer"):
        challenges.answer(people["coordinator"], challenge, " ", None, [])
    with pytest.raises(RuleError, match="from the scale"):
        challenges.answer(people["coordinator"], challenge, "A", 7, [])
    with pytest.raises(RuleError, match="library"):
        challenges.answer(people["coordinator"], challenge, "A", None, [999_999])
    for who in ("reviewer", "contributor", "outsider", "inspector"):
        with pytest.raises(RuleError, match="cannot answer"):
            challenges.answer(people[who], challenge, "A", None, [])
    # Another organisation's evidence cannot be slipped in.
    theirs = library_item
    theirs.organisation_id = people["other"].id
    db.session.commit()
    with pytest.raises(RuleError, match="library"):
        challenges.answer(people["coordinator"], challenge, "A", None, [theirs.id])
    assert challenge.status == "open" and len(challenge.messages) == 1


def test_a_challenge_is_answered_once_until_reopened(people, challenge):
    challenges.answer(people["coordinator"], challenge, "First", None, [])
    with pytest.raises(RuleError, match="answered already"):
        challenges.answer(people["coordinator"], challenge, "Second", None, [])
    challenges.reopen(people["reviewer"], challenge, "And the data?", DUE, TODAY)
    assert challenge.status == "open"
    assert challenge.messages[-1].kind == "reopened"
    assert _notified(people["coordinator"], "challenge_reopened")
    challenges.answer(people["coordinator"], challenge, "Second", None, [])
    assert [m.kind for m in challenge.messages] == ["raised", "answered", "reopened", "answered"]


def test_the_score_changes_after_submission_only_through_a_challenge(people, in_review):
    response = response_for(in_review, "A2")
    with pytest.raises(RuleError):
        assessment_ops.save_response(
            people["coordinator"], response, response.version, "n", None, score=0
        )
    db.session.refresh(response)
    assert response.self_score == 2


# --- resolving -----------------------------------------------------------------------------------


def test_moderating_sets_the_validated_score_with_a_rationale(people, challenge):
    challenges.answer(people["coordinator"], challenge, "Answer", None, [])
    challenges.resolve(people["reviewer"], challenge, "moderated", 2, "Not yet embedded.")
    response = challenge.response
    assert (challenge.status, challenge.outcome, challenge.resolved_score) == (
        "resolved",
        "moderated",
        2,
    )
    assert (response.self_score, response.validated_score) == (3, 2)
    assert response.validated_by_id == people["reviewer"].id
    assert challenge.messages[-1].kind == "resolved"
    assert _events("response.validated")[0].after == {"validated_score": 2, "by": "challenge"}
    assert _notified(people["coordinator"], "challenge_resolved")


def test_accepting_validates_the_score_as_revised(people, challenge):
    challenges.answer(people["coordinator"], challenge, "Answer", 1, [])
    challenges.resolve(people["reviewer"], challenge, "accepted", None, None)
    assert challenge.response.validated_score == 1 == challenge.resolved_score


def test_withdrawing_an_open_challenge_leaves_the_score_unvalidated(people, challenge):
    challenges.resolve(people["reviewer"], challenge, "withdrawn", None, "Asked in error.")
    assert (challenge.status, challenge.outcome) == ("resolved", "withdrawn")
    assert challenge.response.validated_score is None


@pytest.mark.parametrize(
    ("outcome", "score", "rationale", "message"),
    [
        ("moderated", None, "Why", "Choose the validated score"),
        ("moderated", 2, "", "Explain why"),
        ("moderated", 3, "Same", "organisation's own"),
        ("moderated", 8, "Off the scale", "from the scale"),
        ("dismissed", None, None, "Choose an outcome"),
    ],
)
def test_resolution_refusals(people, challenge, outcome, score, rationale, message):
    challenges.answer(people["coordinator"], challenge, "Answer", None, [])
    with pytest.raises(RuleError, match=message):
        challenges.resolve(people["reviewer"], challenge, outcome, score, rationale)
    assert challenge.status == "responded"


def test_an_open_challenge_can_only_be_withdrawn(people, challenge):
    with pytest.raises(RuleError, match="Wait for the organisation"):
        challenges.resolve(people["reviewer"], challenge, "accepted", None, None)
    assert challenge.status == "open"


def test_resolved_is_final(people, challenge):
    challenges.answer(people["coordinator"], challenge, "Answer", None, [])
    challenges.resolve(people["reviewer"], challenge, "accepted", None, None)
    with pytest.raises(RuleError, match="already resolved"):
        challenges.resolve(people["reviewer"], challenge, "moderated", 1, "Changed my mind")
    with pytest.raises(RuleError, match="already resolved"):
        challenges.reopen(people["reviewer"], challenge, "More?", DUE, TODAY)
    with pytest.raises(RuleError, match="already resolved"):
        challenges.answer(people["coordinator"], challenge, "Late", None, [])
    assert challenge.response.validated_score == 3


def test_reopening_needs_an_answer_first(people, challenge):
    with pytest.raises(RuleError, match="waiting for the organisation"):
        challenges.reopen(people["reviewer"], challenge, "More?", DUE, TODAY)


def test_only_the_challenger_resolves(people, challenge, make_user):
    challenges.answer(people["coordinator"], challenge, "Answer", None, [])
    second = make_user("reviewer", people["other"], email="rev2@b.test")
    assignments.assign(people["admin"], challenge.response.assessment, second, DUE, TODAY)
    # Validated scores are the reviewer's to set (DESIGN §2): not a second reviewer's, nor an
    # inspector's, nor an administrator's.
    for user in (people["coordinator"], second, people["admin"], people["inspector"]):
        with pytest.raises(RuleError, match="cannot resolve"):
            challenges.resolve(user, challenge, "accepted", None, None)
        with pytest.raises(RuleError, match="cannot reopen"):
            challenges.reopen(user, challenge, "More?", DUE, TODAY)
    challenges.resolve(people["reviewer"], challenge, "accepted", None, None)
    assert challenge.resolved_by_id == people["reviewer"].id


def test_an_inspector_resolves_their_own_challenge(people, submitted):
    challenge = challenges.raise_challenge(
        people["inspector"], response_for(submitted, "B1"), "Why 1?", None, DUE, [], TODAY
    )
    challenges.answer(people["coordinator"], challenge, "Because.", None, [])
    challenges.resolve(people["inspector"], challenge, "accepted", None, None)
    assert challenge.response.validated_score == 1


def test_a_resolution_must_answer_the_latest_message(people, challenge):
    challenges.answer(people["coordinator"], challenge, "First answer", None, [])
    seen = queries.last_message_id(challenge)
    challenges.reopen(people["reviewer"], challenge, "More?", DUE, TODAY, seen=seen)
    challenges.answer(people["coordinator"], challenge, "Second answer", 1, [])
    # Resolving on the strength of the first answer, unaware of the second, is refused.
    with pytest.raises(RuleError, match="new message"):
        challenges.resolve(people["reviewer"], challenge, "accepted", None, None, seen=seen)
    assert challenge.status == "responded"
    challenges.resolve(
        people["reviewer"],
        challenge,
        "accepted",
        None,
        None,
        seen=queries.last_message_id(challenge),
    )
    assert challenge.response.validated_score == 1


# --- validating and concluding -------------------------------------------------------------------


def test_validate_without_challenge(people, in_review):
    response = response_for(in_review, "A2")
    validation.validate(people["reviewer"], response)
    assert response.validated_score == response.self_score == 2
    with pytest.raises(RuleError, match="cannot validate"):
        validation.validate(people["inspector"], response_for(in_review, "B1"))


def test_a_validated_score_is_not_validated_again(people, challenge):
    challenges.answer(people["coordinator"], challenge, "Answer", None, [])
    challenges.resolve(people["reviewer"], challenge, "moderated", 1, "Not embedded yet.")
    with pytest.raises(RuleError, match="already validated"):
        validation.validate(people["reviewer"], challenge.response)
    assert challenge.response.validated_score == 1  # the moderation stands


def test_a_score_changed_meanwhile_is_validated_as_it_is_now(people, in_review):
    from sqlalchemy import update

    from tracker.models import Response

    response = response_for(in_review, "A2")
    with db.engine.begin() as other:  # another request revises it after this one loaded it
        other.execute(
            update(Response)
            .where(Response.id == response.id)
            .values(self_score=1, version=Response.version + 1)
        )
    validation.validate(people["reviewer"], response)
    assert response.validated_score == 1


def test_a_challenged_response_is_not_validated_until_resolved(people, challenge):
    with pytest.raises(RuleError, match="Resolve the challenge"):
        validation.validate(people["reviewer"], challenge.response)
    assert challenge.response.validated_score is None


def test_conclude_once_every_response_is_validated_or_resolved(people, challenge):
    assessment = challenge.response.assessment
    with pytest.raises(RuleError, match="3 responses still need"):
        validation.conclude(people["reviewer"], assessment)
    validation.validate(people["reviewer"], response_for(assessment, "A2"))
    validation.validate(people["reviewer"], response_for(assessment, "B1"))
    challenges.answer(people["coordinator"], challenge, "Answer", None, [])
    with pytest.raises(RuleError, match="1 response still needs"):  # answered is not resolved
        validation.conclude(people["reviewer"], assessment)
    challenges.resolve(people["reviewer"], challenge, "withdrawn", None, None)
    # Withdrawn leaves A1's score still to be validated.
    with pytest.raises(RuleError, match="1 response still needs"):
        validation.conclude(people["reviewer"], assessment)
    validation.validate(people["reviewer"], challenge.response)
    concluded = validation.conclude(people["reviewer"], assessment)
    assert concluded.status == "concluded" and concluded.concluded_by_id == people["reviewer"].id
    assert _notified(people["coordinator"], "assessment_concluded")
    # Nothing more can happen to it.
    with pytest.raises(RuleError):
        challenges.raise_challenge(
            people["inspector"], response_for(concluded, "A2"), "Q?", None, DUE, [], TODAY
        )
    with pytest.raises(RuleError):
        validation.validate(people["reviewer"], response_for(concluded, "A2"))


def test_only_an_assigned_reviewer_concludes(people, in_review):
    for who in ("inspector", "admin", "coordinator"):
        with pytest.raises(RuleError, match="cannot conclude"):
            validation.conclude(people[who], in_review)


def test_returned_and_resubmitted_goes_back_to_its_reviewer(people, in_review):
    a2 = response_for(in_review, "A2")
    validation.validate(people["reviewer"], a2)
    validation.validate(people["reviewer"], response_for(in_review, "B1"))
    assessment_ops.return_assessment(people["reviewer"], in_review, "Please revisit A2.")
    with pytest.raises(RuleError, match="cannot return"):
        assessment_ops.return_assessment(people["inspector"], in_review, "Twice")
    assessment_ops.save_response(people["coordinator"], a2, a2.version, "Revised.", None, score=1)
    assert a2.validated_score is None  # the new score needs reviewing afresh
    [event] = _events("response.updated")
    assert event.before["validated_score"] == 2 and event.after["validated_score"] is None
    assessment_ops.submit(people["coordinator"], in_review)
    assert in_review.status == "in_review"
    validation.validate(people["reviewer"], a2)
    assert response_for(in_review, "B1").validated_score == 1  # unchanged, still validated


def test_a_concluded_review_cannot_be_returned(people, in_review):
    for r in in_review.responses:
        validation.validate(people["reviewer"], r)
    validation.conclude(people["reviewer"], in_review)
    with pytest.raises(RuleError):
        assessment_ops.return_assessment(people["inspector"], in_review, "Too late")
    assert in_review.status == "concluded"


def test_assigning_twice_at_once_is_refused_not_a_crash(people, submitted):
    from tracker.models import ReviewAssignment

    with db.engine.begin() as other:  # the double click's first request, already committed
        other.execute(
            ReviewAssignment.__table__.insert().values(
                assessment_id=submitted.id,
                reviewer_id=people["reviewer"].id,
                assigned_by_id=people["admin"].id,
                created_at=submitted.created_at,
                updated_at=submitted.created_at,
            )
        )
    with pytest.raises(RuleError, match="already reviewing"):
        assignments.assign(people["admin"], submitted, people["reviewer"], DUE, TODAY)


def test_returning_tells_the_coordinators(people, in_review):
    assessment_ops.return_assessment(people["reviewer"], in_review, "Add impact measures.")
    [note] = _notified(people["coordinator"], "assessment_returned")
    assert "Add impact measures." in note.text
    assert note.link == f"/assessments/{in_review.id}"


# --- overdue -------------------------------------------------------------------------------------


def test_overdue_challenges_and_reviews_are_reminded_once(people, challenge):
    assert not challenge.is_overdue(TODAY)
    later = DUE + timedelta(days=1)
    assert challenge.is_overdue(later)
    sent = reminders.send_overdue_reminders(later)
    # The coordinator and the challenger for the challenge; the reviewer for the late review.
    assert sent == 3
    assert _notified(people["coordinator"], "challenge_overdue")
    assert _notified(people["reviewer"], "challenge_overdue")
    assert _notified(people["reviewer"], "review_overdue")
    assert reminders.send_overdue_reminders(later + timedelta(days=1)) == 0
    # Answered in time or not, an answered challenge is no longer overdue.
    challenges.answer(people["coordinator"], challenge, "Late answer", None, [])
    assert not challenge.is_overdue(later)


def test_hosts_running_reminders_at_once_send_each_once(people, challenge):
    """Two hosts read the same overdue list; the one that claims second sends nothing."""
    later = DUE + timedelta(days=1)
    read_by_second_host = reminders.overdue_challenges(later), reminders.late_reviews(later)
    assert [len(found) for found in read_by_second_host] == [1, 1]
    assert reminders.send_overdue_reminders(later) == 3
    db.session.expire_all()
    assert reminders.remind_of_challenge(read_by_second_host[0][0], later) == 0
    assert reminders.remind_of_review(read_by_second_host[1][0], later) == 0
    overdue_kinds = Notification.kind.in_(("challenge_overdue", "review_overdue"))
    assert db.session.scalar(select(func.count(Notification.id)).where(overdue_kinds)) == 3
    assert len(_events("challenge.overdue")) == len(_events("review.overdue")) == 1


def test_reopening_sets_a_new_due_date_and_a_new_reminder(people, challenge):
    later = DUE + timedelta(days=1)
    reminders.send_overdue_reminders(later)
    challenges.answer(people["coordinator"], challenge, "Answer", None, [])
    challenges.reopen(people["reviewer"], challenge, "More?", later + timedelta(days=7), later)
    assert challenge.overdue_notified_on is None
    assert reminders.send_overdue_reminders(later + timedelta(days=8)) == 2


# --- the review order ----------------------------------------------------------------------------


def test_claims_first_then_high_scores_with_thin_evidence_then_the_rest(people, in_review):
    # A1 = 3 and A2 = 2 are at or above required_from (2) with no evidence: claims beyond
    # evidence, highest first. B1 = 1 is in the bottom half of the 0–3 scale: the rest.
    page = queries.review_page(in_review, people["reviewer"])
    keys = {k: [r.row.item.key for r in rows] for k, rows in page.groups}
    assert keys == {"claims": ["A1", "A2"], "thin": [], "rest": ["B1"]}


def test_priority_of_a_high_score_below_the_claim_threshold(people, in_review, framework):
    from tracker.assessments.queries import ItemRow
    from tracker.evidence import triangulation

    row = ItemRow(framework.items[0], response_for(in_review, "A1"))
    # On the 0–3 scale the midpoint is 1.5; required_from is 2.
    row.response.self_score, row.triangulation, row.claim_beyond_evidence = 3, "partial", False
    assert queries.priority(row, framework) == "thin"
    row.triangulation = triangulation.TRIANGULATED
    assert queries.priority(row, framework) == "rest"
    row.claim_beyond_evidence = True
    assert queries.priority(row, framework) == "claims"
