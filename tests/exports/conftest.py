"""A small world to export: Region A's assessment in review, Region B's private draft, Region C's
submitted assessment no reviewer is assigned to; evidence, actions and a challenge on each."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from tracker import clock
from tracker.extensions import db
from tracker.models import (
    Action,
    Challenge,
    ChallengeMessage,
    Evidence,
    EvidenceLink,
    ReviewAssignment,
)
from tracker.models.base import utcnow

TODAY = clock.today()  # the exports use the real date, so the tests do too
PAST = TODAY - timedelta(days=10)
LATER = TODAY + timedelta(days=30)


def response_for(assessment, key):
    return next(r for r in assessment.responses if r.item.key == key)


def add_evidence(library, uploader, title, kind, source, link_to=(), **extra):
    """Evidence in `library`, linked to the given responses."""
    evidence = Evidence(
        organisation_id=library.id,
        title=title,
        kind=kind,
        source_organisation_id=source.id,
        uploaded_by_id=uploader.id,
        **({"url": "https://example.org/e"} | extra),
    )
    db.session.add(evidence)
    for response in link_to:
        db.session.add(EvidenceLink(evidence=evidence, response=response))
    db.session.commit()
    return evidence


def add_challenge(response, raised_by, question, **extra):
    challenge = Challenge(response=response, raised_by_id=raised_by.id, question=question, **extra)
    message = ChallengeMessage(author_id=raised_by.id, kind="raised", body=question)
    challenge.messages.append(message)
    db.session.add(challenge)
    db.session.commit()
    return challenge


@pytest.fixture
def world(region, make_org, make_user, make_assessment):
    """Region A (RSB-A, with LA-A in its region) in review by a reviewer from Region B;
    Region B's draft; Region C's submitted assessment, not assigned to that reviewer."""
    w = dict(region)
    rsb, other = w["rsb"], w["other"]
    rsb.name_cy = "Bwrdd Diogelu Rhanbarth A"
    w["third"] = make_org("rsb", code="RSB-C", name="Region C Safeguarding Board")
    w["reviewer"] = make_user("reviewer", other, email="rev@b.test", name="Rhian Reviewer")
    w["admin"] = make_user("admin", make_org("national"), email="admin@wales.test")
    w["coordinator_c"] = make_user("coordinator", w["third"], email="coord@c.test")

    a = make_assessment(organisation=rsb, cycle=w["cycle"], status="in_review")
    for response, score in zip(a.responses, (3, 2, 1), strict=True):
        response.self_score, response.narrative = score, f"Region A did things, scored {score}."
    a1 = response_for(a, "A1")
    a1.validated_score, a1.impact_measure = 2, "Dip sample of 40 contacts"
    a1.actions = [
        Action(description="Refresh the guidance", owner="Business Manager", due_on=PAST),
        Action(
            description="Run workshops",
            owner="Training lead",
            due_on=PAST,
            status="done",
            completed_on=PAST,
        ),
    ]
    db.session.add(
        ReviewAssignment(
            assessment=a, reviewer_id=w["reviewer"].id, assigned_by_id=w["admin"].id, due_on=LATER
        )
    )
    db.session.commit()
    coordinator = w["coordinator"]
    add_evidence(rsb, coordinator, "Family survey", "voice", other, [a1])
    add_evidence(rsb, coordinator, "Thresholds policy", "document", rsb, [a1])
    add_evidence(
        rsb,
        coordinator,
        "Old audit",
        "audit",
        rsb,
        [a1],
        withdrawn_at=utcnow(),
        withdrawn_by_id=coordinator.id,
        withdrawn_reason="Superseded",
    )
    add_evidence(rsb, coordinator, "Not used yet", "data", rsb)
    add_challenge(
        a1,
        w["reviewer"],
        "What shows practice changed?",
        proposed_score=2,
        due_on=PAST,
    )

    b = make_assessment(organisation=other, cycle=w["cycle"])
    b1 = response_for(b, "A1")
    b1.self_score, b1.narrative = 3, "SECRET draft narrative of Region B"
    b1.actions = [Action(description="SECRET action of Region B", owner="Someone")]
    db.session.commit()
    add_evidence(other, w["outsider"], "SECRET evidence of Region B", "voice", other, [b1])

    c = make_assessment(organisation=w["third"], cycle=w["cycle"], status="submitted")
    c1 = response_for(c, "A1")
    c1.self_score, c1.narrative = 1, "Region C submitted narrative"
    db.session.commit()
    add_evidence(w["third"], w["coordinator_c"], "Region C minutes", "document", w["third"], [c1])
    w.update(a=a, b=b, c=c)
    return w


def download(client, **params):
    """GET the download with these query parameters (defaults: all responses as CSV)."""
    query = {"dataset": "responses", "scope": "all", "format": "csv", **params}
    return client.get("/exports/download", query_string=query)


def read_csv(response) -> list[dict]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 byte-order mark"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(response) -> tuple[list[str], list[list]]:
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:]


def xlsx_dicts(response) -> list[dict]:
    headers, rows = read_xlsx(response)
    return [dict(zip(headers, row, strict=True)) for row in rows]
