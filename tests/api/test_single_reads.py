"""DESIGN §10: a single object read through the API takes at most six SQL statements, whatever
it is. Each GET of one object is asked for twice on the demo data (the first notes the token's
last use) and the statements of the second are counted."""

import pytest
from sqlalchemy import event, select

from tracker.extensions import db
from tracker.models import (
    Action,
    Assessment,
    Challenge,
    Cycle,
    Evidence,
    Framework,
    Organisation,
    Response,
    Statement,
    User,
)

MOST = 6
COORDINATOR = "coordinator@cardiff-vale.example"
INSPECTOR = "inspector@ciw.example"
ADMIN = "admin@tracker.example"


def _first(model, *where):
    return db.session.scalar(select(model.id).where(*where).order_by(model.id).limit(1))


def _own(model, *where):
    """The first of a model belonging to the demo coordinator's organisation."""
    org = db.session.scalar(select(User.organisation_id).where(User.email == COORDINATOR))
    return _first(model, *where, Assessment.organisation_id == org)


READS = {
    "assessment": (COORDINATOR, lambda: f"/api/v1/assessments/{_own(Assessment)}"),
    "response": (
        COORDINATOR,
        lambda: (
            "/api/v1/responses/"
            + str(
                db.session.scalar(
                    select(Response.id)
                    .join(Assessment)
                    .where(Assessment.id == _own(Assessment))
                    .limit(1)
                )
            )
        ),
    ),
    "action": (COORDINATOR, lambda: f"/api/v1/actions/{_first(Action)}"),
    "evidence": (COORDINATOR, lambda: f"/api/v1/evidence/{_evidence_of(COORDINATOR)}"),
    "challenge": (INSPECTOR, lambda: f"/api/v1/challenges/{_first(Challenge)}"),
    "cycle": (INSPECTOR, lambda: f"/api/v1/cycles/{_first(Cycle)}"),
    "framework": (INSPECTOR, lambda: f"/api/v1/frameworks/{_first(Framework)}"),
    "organisation": (ADMIN, lambda: f"/api/v1/organisations/{_first(Organisation)}"),
    "user": (ADMIN, lambda: f"/api/v1/users/{_first(User)}"),
    "statement": (INSPECTOR, lambda: f"/api/v1/statements/{_first(Statement)}"),
}


def _evidence_of(email: str) -> int:
    org = db.session.scalar(select(User.organisation_id).where(User.email == email))
    return _first(Evidence, Evidence.organisation_id == org)


@pytest.mark.parametrize("what", sorted(READS))
def test_one_object_takes_at_most_six_statements(client, demo, what):
    email, path_of = READS[what]
    path = path_of()
    assert "None" not in path, f"the demo data has no {what} for this test"
    answer = client.post("/api/v1/tokens", json={"email": email, "password": demo, "name": "t"})
    headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    assert client.get(path, headers=headers).status_code == 200
    counted = []

    def count(*_args):
        counted.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        read = client.get(path, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert read.status_code == 200, read.get_json()
    assert len(counted) <= MOST, f"GET {path}: {len(counted)} SQL statements"
