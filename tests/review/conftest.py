"""A region with a submitted assessment, a peer reviewer from elsewhere, and an admin."""

from datetime import timedelta

import pytest

from tracker import clock
from tracker.extensions import db
from tracker.models import Challenge, Evidence
from tracker.models.base import utcnow
from tracker.review import assignments, challenges

TODAY = clock.today()  # the pages use the real date, so the tests do too
DUE = TODAY + timedelta(days=14)


@pytest.fixture(autouse=True)
def _request(app):
    """Services build links to pages, as they do inside a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def people(region, make_user, make_org):
    region["reviewer"] = make_user(
        "reviewer", region["other"], email="rev@b.test", name="Rhian Reviewer"
    )
    region["insider"] = make_user("reviewer", region["rsb"], email="rev@a.test", name="Ian Insider")
    region["admin"] = make_user("admin", make_org("national"), email="admin@wales.test")
    return region


@pytest.fixture
def submitted(people, make_assessment):
    """A complete assessment, submitted: A1 scored 3 (a claim beyond evidence), A2 2, B1 1."""
    assessment = make_assessment(
        organisation=people["rsb"],
        cycle=people["cycle"],
        status="submitted",
        submitted_by_id=people["coordinator"].id,
    )
    for response, score in zip(assessment.responses, (3, 2, 1), strict=True):
        response.self_score, response.narrative = score, f"What we did, scored {score}."
    db.session.commit()
    return assessment


@pytest.fixture
def in_review(people, submitted):
    assignments.assign(people["admin"], submitted, people["reviewer"], DUE, TODAY)
    return submitted


def response_for(assessment, key):
    return next(r for r in assessment.responses if r.item.key == key)


@pytest.fixture
def challenge(people, in_review) -> Challenge:
    """An open challenge from the reviewer on A1."""
    return challenges.raise_challenge(
        people["reviewer"],
        response_for(in_review, "A1"),
        "What shows practice changed?",
        2,
        DUE,
        ["voice"],
        TODAY,
    )


@pytest.fixture
def library_item(people, submitted) -> Evidence:
    item = Evidence(
        organisation_id=people["rsb"].id,
        title="Family feedback survey",
        kind="voice",
        source_organisation_id=people["other"].id,
        url="https://example.org/feedback",
        uploaded_by_id=people["coordinator"].id,
        created_at=utcnow(),
    )
    db.session.add(item)
    db.session.commit()
    return item
