"""The workflow steps on the models (Challenge.raise_on, answer, resolve, reopen and
Response.validate, revise): they change the rows only, so the operations, the demo seeder and
the dataset generator can share them. No database: the rows are in no session."""

from datetime import UTC, date, datetime

import pytest

from tracker.models import Challenge, Response

AT = datetime(2026, 11, 2, 12, tzinfo=UTC)
DUE = date(2026, 12, 17)


def _raised() -> Challenge:
    return Challenge.raise_on(7, 1, "Why 3?", 2, DUE, ["audit"], at=AT)


def test_raising_opens_the_challenge_with_its_question_first_in_the_thread():
    challenge = _raised()
    assert (challenge.response_id, challenge.raised_by_id, challenge.status) == (7, 1, "open")
    assert (challenge.proposed_score, challenge.due_on, challenge.created_at) == (2, DUE, AT)
    [message] = challenge.messages
    assert (message.kind, message.author_id, message.body, message.created_at) == (
        "raised",
        1,
        "Why 3?",
        AT,
    )


def test_answering_then_reopening_sends_it_back_with_a_new_due_date():
    challenge = _raised()
    challenge.overdue_notified_on = DUE
    challenge.answer(2, "Because.", revised_score=2)
    assert challenge.status == "responded"
    challenge.reopen(1, "And the data?", date(2027, 1, 8))
    assert (challenge.status, challenge.due_on, challenge.overdue_notified_on) == (
        "open",
        date(2027, 1, 8),
        None,
    )
    assert [(m.kind, m.author_id, m.revised_score) for m in challenge.messages] == [
        ("raised", 1, None),
        ("answered", 2, 2),
        ("reopened", 1, None),
    ]


@pytest.mark.parametrize(
    ("outcome", "kept", "settles"),
    [("accepted", 3, True), ("moderated", 2, True), ("withdrawn", None, False)],
)
def test_resolving_keeps_the_score_unless_withdrawn(outcome, kept, settles):
    challenge = _raised()
    challenge.answer(2, "Because.")
    message = challenge.resolve(outcome, 1, kept or 3, AT, "Seen the audit.")
    assert (challenge.status, challenge.outcome, challenge.resolved_score) == (
        "resolved",
        outcome,
        kept,
    )
    assert (challenge.resolved_by_id, challenge.resolved_at, challenge.settles_score) == (
        1,
        AT,
        settles,
    )
    assert (message.kind, message.body) == ("resolved", "Seen the audit.")


def test_validating_and_revising_a_response():
    response = Response(self_score=3)
    response.validate(3, 1, AT)
    assert (response.validated_score, response.validated_by_id, response.validated_at) == (3, 1, AT)
    response.revise(2)
    assert response.self_score == 2
    assert (response.validated_score, response.validated_by_id, response.validated_at) == (
        None,
        None,
        None,
    )
