"""Issue 17.5: withdrawing evidence does not silently change a submitted assessment. Each
response keeps its evidence as it stood at submission (level, kinds, sources) beside the
current one; reviewers see both; the assigned reviewers are told when evidence behind a
submitted answer is withdrawn, in the tracker and by e-mail."""

import email
import email.policy

from sqlalchemy import select

from tests.conftest import page_text
from tests.review.conftest import DUE, TODAY, response_for
from tracker.assessments import operations as assessment_ops
from tracker.evidence import operations as evidence_ops
from tracker.evidence import triangulation
from tracker.extensions import db
from tracker.models import Notification
from tracker.notifications import mail
from tracker.review import assignments


def test_the_summary_counts_only_what_is_not_withdrawn():
    rule = triangulation.Rule(3, 2, 3)
    pieces = [
        triangulation.Piece("audit", 2),
        triangulation.Piece("voice", 1),
        triangulation.Piece("data", 1),
        triangulation.Piece("external", 5, withdrawn=True),
    ]
    assert triangulation.summary(pieces, rule) == {
        "level": "triangulated",
        "kinds": ["audit", "data", "voice"],
        "sources": [1, 2],
    }
    assert triangulation.summary([], rule) == {"level": "unevidenced", "kinds": [], "sources": []}


def _piece(people, title, kind, source, response):
    details = evidence_ops.Details(title, kind, source.id, None, None)
    return evidence_ops.add_url(
        people["coordinator"], people["rsb"], details, "https://example.org/" + kind, response
    )


def _submit_with_evidence(people, make_assessment):
    """A draft whose A1 (scored 3) has audit evidence from two sources and voice from one,
    submitted, then put in review with the peer reviewer."""
    assessment = make_assessment(organisation=people["rsb"], cycle=people["cycle"])
    for response, score in zip(assessment.responses, (3, 2, 1), strict=True):
        response.self_score, response.narrative = score, f"Scored {score}."
    db.session.commit()
    a1 = response_for(assessment, "A1")
    audit = _piece(people, "Case audit", "audit", people["rsb"], a1)
    voice = _piece(people, "Family survey", "voice", people["other"], a1)
    versions = {r.id: r.version for r in assessment.responses}
    assessment_ops.submit(people["coordinator"], assessment)
    assessment.versions_before = versions
    assignments.assign(people["admin"], assessment, people["reviewer"], DUE, TODAY)
    return assessment, audit, voice


def test_submitting_keeps_the_evidence_as_it_stood(people, make_assessment):
    assessment, _audit, _voice = _submit_with_evidence(people, make_assessment)
    a1, a2 = response_for(assessment, "A1"), response_for(assessment, "A2")
    db.session.refresh(a1)
    assert a1.submitted_evidence == {
        "level": "partial",
        "kinds": ["audit", "voice"],
        "sources": sorted([people["rsb"].id, people["other"].id]),
    }
    assert response_for(assessment, "A2").submitted_evidence == {
        "level": "unevidenced",
        "kinds": [],
        "sources": [],
    }
    db.session.refresh(a2)
    assert {a1.id: a1.version, a2.id: a2.version} == {
        r: v for r, v in assessment.versions_before.items() if r in (a1.id, a2.id)
    }, "the snapshot is no edit of the answer"


def test_reviewers_see_both_after_a_withdrawal_and_are_told(
    client, login, people, make_assessment, smtp_sink
):
    assessment, _audit, voice = _submit_with_evidence(people, make_assessment)
    mail.wait()
    smtp_sink.messages.clear()
    evidence_ops.withdraw(people["coordinator"], voice, "Sent to us in error")
    assert mail.wait() == [True]

    [note] = db.session.scalars(
        select(Notification).where(Notification.kind == "evidence_withdrawn")
    ).all()
    assert note.user_id == people["reviewer"].id
    assert "Family survey" in note.text and "A1" in note.text and "Sent to us in error" in note.text
    assert note.link == f"/review/assessments/{assessment.id}/items/A1"
    [envelope] = smtp_sink.messages
    assert envelope.rcpt_tos == ["rev@b.test"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert "Family survey" in message["Subject"]

    login("rev@b.test")
    item = page_text(client.get(f"/review/assessments/{assessment.id}/items/A1"))
    assert "At submission: Partly triangulated" in item and "Now: Single source" in item
    assert "2 kinds of evidence, 2 source organisations: Audit, Voice" in item
    review = page_text(client.get(f"/review/assessments/{assessment.id}"))
    assert "At submission: Partly triangulated" in review
    untouched = page_text(client.get(f"/review/assessments/{assessment.id}/items/A2"))
    assert "At submission" not in untouched


def test_withdrawing_evidence_of_a_draft_tells_nobody(people, make_assessment):
    assessment = make_assessment(organisation=people["rsb"], cycle=people["cycle"])
    piece = _piece(people, "Case audit", "audit", people["rsb"], response_for(assessment, "A1"))
    evidence_ops.withdraw(people["coordinator"], piece, "Replaced")
    assert not db.session.scalars(
        select(Notification).where(Notification.kind == "evidence_withdrawn")
    ).all()
