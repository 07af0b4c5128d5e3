"""The challenge workflow (DESIGN §7): raise, answer, resolve, reopen.

Challenge: open → responded → resolved (accepted | moderated | withdrawn); responded → open
again when reopened. Each step checks who may take it (tracker/access.py) and whether the
challenge is in the state the step starts from, while holding the rows it changes, so two
people acting at once cannot both succeed. The step itself is the model's (Challenge.answer,
…); here it is an audit event too, and tells the people it concerns. Functions commit, or raise
RuleError having written nothing.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tracker import claims, drafts
from tracker.access import can
from tracker.assessments.rules import check_text
from tracker.evidence import operations as evidence_ops
from tracker.evidence import rules as evidence_rules
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    Challenge,
    ChallengeMessage,
    Evidence,
    EvidenceLink,
    Response,
    User,
)
from tracker.models.base import utcnow
from tracker.models.evidence import EVIDENCE_KINDS
from tracker.models.review import CHALLENGE_OUTCOMES
from tracker.notifications import operations as notifications
from tracker.review.common import (
    TEXT_MAX,
    _about,
    _challenge_link,
    _check_due,
    _check_score,
    _hold_assessment,
    _set_validated,
)
from tracker.rules import RuleError


class ChallengeMoved(RuleError):
    """The challenge is no longer as the user saw it: someone else acted first. Still a
    RuleError (callers that do not tell the two apart refuse it like any other); the pages and
    the API show it as a conflict."""


MOVED_ON = _l("The thread has a new message since you opened it. Read it, then try again.")
STATE_MESSAGES = {
    "open": _l("This challenge is waiting for the organisation's answer."),
    "responded": _l("This challenge has been answered already."),
    "resolved": _l("This challenge is already resolved."),
}


def _hold_challenge(challenge: Challenge, statuses: tuple[str, ...]) -> None:
    """Lock the challenge's row if it is in one of `statuses`; otherwise say what it is now."""
    if not claims.claim(challenge, Challenge.status.in_(statuses), updated_at=utcnow()):
        raise ChallengeMoved(STATE_MESSAGES[challenge.status])


def _check_seen(challenge: Challenge, seen: int | None) -> None:
    """Refuse to settle a challenge whose thread moved on since the user read it (another
    answer came in meanwhile): they should read that first."""
    if seen is None:
        return
    latest = db.session.scalar(
        select(func.max(ChallengeMessage.id)).where(ChallengeMessage.challenge_id == challenge.id)
    )
    if latest != seen:
        db.session.rollback()
        db.session.refresh(challenge)
        raise ChallengeMoved(MOVED_ON)


def raise_challenge(
    user: User,
    response: Response,
    question: str,
    proposed_score: int | None,
    due_on: date | None,
    evidence_requested: list[str] | None,
    today: date,
) -> Challenge:
    """Ask the organisation a question about a response, on the record."""
    assessment = response.assessment
    if not can(user, "assessment.challenge", assessment):
        raise RuleError(_l("You cannot challenge this assessment."))
    question = check_text(question, TEXT_MAX, "question", _l("The question"))
    if not question:
        raise RuleError(_l("Enter your question for the organisation."), "question")
    proposed_score = _check_score(assessment, proposed_score, "proposed_score")
    due_on = _check_due(due_on, today)
    kinds = list(evidence_requested or [])
    if any(kind not in EVIDENCE_KINDS for kind in kinds):
        raise RuleError(_l("Choose kinds of evidence from the list."), "evidence_requested")
    user_id = user.id
    _hold_assessment(assessment)
    if db.session.scalar(
        select(Challenge.id).where(
            Challenge.response_id == response.id, Challenge.status != "resolved"
        )
    ):
        db.session.rollback()
        raise RuleError(
            _l("This response already has a challenge that is not resolved. Add to that one.")
        )
    challenge = Challenge.raise_on(
        response.id,
        user_id,
        question,
        proposed_score,
        due_on,
        [k for k in EVIDENCE_KINDS if k in kinds] or None,
    )
    db.session.add(challenge)
    AuditEvent.record(
        user,
        "challenge.raised",
        challenge,
        after={
            "response_id": response.id,
            "question": question,
            "proposed_score": proposed_score,
            "due_on": due_on,
            "evidence_requested": challenge.evidence_requested,
        },
    )
    _tell_coordinators(challenge, "challenge_raised", user, assessment, due_on)
    db.session.commit()
    return challenge


def _tell_coordinators(challenge: Challenge, kind: str, user: User, assessment, due_on) -> None:
    """A challenge raised or reopened: the assessment's coordinators are told (after commit)."""
    notifications.notify(
        notifications.coordinators_of(assessment.organisation_id),
        kind,
        _about(challenge, due=due_on, name=user.name),
        _challenge_link(challenge),
    )


def answer(
    user: User,
    challenge: Challenge,
    body: str,
    revised_score: int | None,
    evidence_ids: list[int],
) -> Challenge:
    """The organisation's answer: text, evidence from its library (linked to the response, so
    it counts from now on), and optionally a revised score, the only way a submitted score
    changes."""
    response = challenge.response
    assessment = response.assessment
    if not can(user, "challenge.answer", challenge):
        raise RuleError(_l("You cannot answer this challenge."))
    body = check_text(body, TEXT_MAX, "body", _l("The answer"))
    if not body:
        raise RuleError(_l("Enter your answer."), "body")
    revised_score = _check_score(assessment, revised_score, "revised_score")
    if revised_score == response.self_score:
        revised_score = None  # the same score is no revision
    chosen = _answer_evidence(challenge, evidence_ids)
    _hold_assessment(assessment)
    _hold_challenge(challenge, ("open",))
    db.session.refresh(response)  # as it is now, under the lock
    try:
        for item in chosen:
            evidence_ops.attach(user, item, response, _l("Added in answer to a challenge"))
    except evidence_rules.EvidenceError as error:  # linked by someone else meanwhile
        db.session.rollback()
        raise RuleError(error.message, "evidence") from None
    challenge.answer(user.id, body, revised_score, chosen)
    if revised_score is not None:
        before = {"self_score": response.self_score}
        response.revise(revised_score)
        AuditEvent.record(
            user,
            "response.revised",
            response,
            before,
            {"self_score": revised_score, "challenge_id": challenge.id},
        )
    AuditEvent.record(
        user,
        "challenge.answered",
        challenge,
        {"status": "open"},
        {
            "status": "responded",
            "revised_score": revised_score,
            "evidence_ids": [e.id for e in chosen],
        },
    )
    notifications.notify(
        [challenge.raised_by],
        "challenge_answered",
        _about(challenge),
        _challenge_link(challenge),
    )
    drafts.discard(user, drafts.challenge_answer(challenge.id))  # sent: nothing left to keep
    db.session.commit()
    return challenge


def _answer_evidence(challenge: Challenge, evidence_ids: list[int]) -> list[Evidence]:
    if not evidence_ids:
        return []
    # The ids asked for, checked as answer_options would offer them, however old.
    response = challenge.response
    linked = select(EvidenceLink.evidence_id).where(EvidenceLink.response_id == response.id)
    allowed = {
        e.id: e
        for e in db.session.scalars(
            select(Evidence).where(
                Evidence.id.in_(evidence_ids),
                Evidence.organisation_id == response.assessment.organisation_id,
                Evidence.withdrawn_at.is_(None),
                Evidence.id.not_in(linked),
            )
        )
    }
    if any(i not in allowed for i in evidence_ids):
        raise RuleError(
            _l("Choose evidence from your organisation's library that is not withdrawn."),
            "evidence",
        )
    return [allowed[i] for i in dict.fromkeys(evidence_ids)]


def resolve(
    user: User,
    challenge: Challenge,
    outcome: str,
    resolved_score: int | None,
    rationale: str | None,
    now=None,
    seen: int | None = None,
) -> Challenge:
    """Close a challenge. `accepted`: the organisation's score stands and is validated;
    `moderated`: the validated score is set, with a rationale; `withdrawn`: the question is
    dropped. An open (unanswered) challenge can only be withdrawn."""
    response = challenge.response
    assessment = response.assessment
    if not can(user, "challenge.resolve", challenge):
        raise RuleError(_l("You cannot resolve this challenge."))
    if outcome not in CHALLENGE_OUTCOMES:
        raise RuleError(_l("Choose an outcome."), "outcome")
    rationale = check_text(rationale, TEXT_MAX, "rationale", _l("The rationale"))
    if outcome == "moderated":
        if resolved_score is None:
            raise RuleError(_l("Choose the validated score."), "resolved_score")
        _check_score(assessment, resolved_score, "resolved_score")
        if resolved_score == response.self_score:
            raise RuleError(
                _l("The score is the organisation's own: choose 'Score accepted' instead."),
                "resolved_score",
            )
        if not rationale:
            raise RuleError(_l("Explain why you moderated the score."), "rationale")
    else:
        resolved_score = response.self_score if outcome == "accepted" else None
    if challenge.status == "open" and outcome != "withdrawn":
        raise RuleError(
            _l("Wait for the organisation's answer, or withdraw the challenge."), "outcome"
        )
    user_id, when = user.id, now or utcnow()
    _hold_assessment(assessment)
    _hold_challenge(challenge, ("open", "responded") if outcome == "withdrawn" else ("responded",))
    _check_seen(challenge, seen)
    db.session.refresh(response)  # the score as it is now, under the lock
    if outcome == "accepted":
        resolved_score = response.self_score
    before = {"status": challenge.status}
    challenge.resolve(outcome, user_id, resolved_score, when, rationale)
    if challenge.settles_score:
        _set_validated(user, response, resolved_score, when, "challenge")
    AuditEvent.record(
        user,
        "challenge.resolved",
        challenge,
        before,
        {"status": "resolved", "outcome": outcome, "resolved_score": resolved_score},
    )
    notifications.notify(
        notifications.coordinators_of(assessment.organisation_id),
        "challenge_resolved",
        _about(challenge, outcome=outcome),
        _challenge_link(challenge),
    )
    db.session.commit()
    return challenge


def reopen(
    user: User,
    challenge: Challenge,
    body: str,
    due_on: date | None,
    today: date,
    seen: int | None = None,
) -> Challenge:
    """Ask again: a responded challenge goes back to the organisation with a follow-up."""
    assessment = challenge.response.assessment
    if not can(user, "challenge.reopen", challenge):
        raise RuleError(_l("You cannot reopen this challenge."))
    body = check_text(body, TEXT_MAX, "body", _l("The follow-up question"))
    if not body:
        raise RuleError(_l("Say what the organisation still needs to answer."), "body")
    due_on = _check_due(due_on, today)
    _hold_assessment(assessment)
    _hold_challenge(challenge, ("responded",))
    _check_seen(challenge, seen)
    challenge.reopen(user.id, body, due_on)
    AuditEvent.record(
        user,
        "challenge.reopened",
        challenge,
        {"status": "responded"},
        {"status": "open", "due_on": due_on, "question": body},
    )
    _tell_coordinators(challenge, "challenge_reopened", user, assessment, due_on)
    db.session.commit()
    return challenge
