"""A small national picture: two regions, an all-Wales body, submitted work and a private draft.

Framework (tests/frameworks/files/valid.yaml): items A1, A2 (section "first") and B1 ("second"),
scale 0–3 (0–1 red, 2 amber, 3 green), triangulated = 3 kinds from 2 sources, claims from 2.

| organisation            | region | status    | A1 self/validated | A2   | B1   |
| Region A board (RSB-A)  | A      | in_review | 3 / 2 (triang.)   | 2    | –    |
| LA-A                    | A      | submitted | 1                 | 3    | 0    |
| Police (no region)      | –      | submitted | 2                 | –    | 3    |
| Region B board (RSB-B)  | B      | draft     | 3                 | 3    | 3    |  private to B
"""

from datetime import timedelta

import pytest

from tracker import clock
from tracker.extensions import db
from tracker.models import Action, Challenge, Evidence, EvidenceLink, ReviewAssignment

TODAY = clock.today()


def scores(assessment, values: dict, validated: dict | None = None) -> None:
    for response in assessment.responses:
        response.self_score = values.get(response.item.key)
        response.narrative = "What we did." if response.self_score is not None else None
        response.validated_score = (validated or {}).get(response.item.key)


def response_for(assessment, key):
    return next(r for r in assessment.responses if r.item.key == key)


def triangulate(response, uploader, sources) -> None:
    """Link evidence of three kinds from two sources: triangulated under the test framework."""
    for kind, source in zip(("document", "audit", "voice"), sources, strict=True):
        evidence = Evidence(
            organisation_id=response.assessment.organisation_id,
            title=f"{kind} evidence",
            kind=kind,
            source_organisation_id=source.id,
            url=f"https://example.org/{kind}",
            uploaded_by_id=uploader.id,
        )
        db.session.add(EvidenceLink(evidence=evidence, response=response))


@pytest.fixture
def nation(region, make_org, make_user, make_assessment):
    rsb, other, cycle = region["rsb"], region["other"], region["cycle"]
    la = region["contributor"].organisation
    police = make_org("police", code="POL", name="Heddlu Police", name_cy="Heddlu")
    reviewer = make_user("reviewer", other, email="rev@b.test")
    a = make_assessment(organisation=rsb, cycle=cycle, status="in_review")
    scores(a, {"A1": 3, "A2": 2}, {"A1": 2})
    triangulate(response_for(a, "A1"), region["coordinator"], [rsb, other, other])
    db.session.add(
        ReviewAssignment(assessment=a, reviewer_id=reviewer.id, assigned_by_id=reviewer.id)
    )
    la_assessment = make_assessment(organisation=la, cycle=cycle, status="submitted")
    scores(la_assessment, {"A1": 1, "A2": 3, "B1": 0})
    police_assessment = make_assessment(organisation=police, cycle=cycle, status="submitted")
    scores(police_assessment, {"A1": 2, "B1": 3})
    draft = make_assessment(organisation=other, cycle=cycle)
    scores(draft, {"A1": 3, "A2": 3, "B1": 3})
    # Open work for region A's board: a challenge to answer and actions overdue and due soon.
    challenge = Challenge(
        response=response_for(a, "A2"),
        raised_by_id=reviewer.id,
        question="Where is the audit?",
        due_on=TODAY - timedelta(days=1),
    )
    response_for(a, "A2").actions = [
        Action(description="Late action", owner="BM", due_on=TODAY - timedelta(days=3)),
        Action(description="Soon action", owner="BM", due_on=TODAY + timedelta(days=10)),
        Action(description="Far action", owner="BM", due_on=TODAY + timedelta(days=90)),
        Action(
            description="Done action",
            owner="BM",
            due_on=TODAY - timedelta(days=9),
            status="done",
            completed_on=TODAY,
        ),
    ]
    db.session.add(challenge)
    db.session.commit()
    return {
        **region,
        "la": la,
        "police": police,
        "reviewer": reviewer,
        "assessment": a,
        "la_assessment": la_assessment,
        "police_assessment": police_assessment,
        "draft": draft,
        "challenge": challenge,
    }


@pytest.fixture
def rsb_only_framework(tmp_path):
    """A framework for boards only, whose key sorts before every other: the first framework."""
    from tests.conftest import FRAMEWORK_FIXTURES
    from tracker.frameworks.operations import import_framework

    text = (FRAMEWORK_FIXTURES / "valid.yaml").read_text()
    text = text.replace("key: test-framework", "key: a-boards-only")
    text = text.replace("applies_to: [rsb, health_board]", "applies_to: [rsb]")
    (tmp_path / "boards.yaml").write_text(text)
    return import_framework(tmp_path / "boards.yaml")
