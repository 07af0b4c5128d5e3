"""Factories for the suite's own small worlds (`make_org`, `make_user`, `make_assessment`, ...)
and a region with people in it, made through the models; registered by tests/conftest.py."""

import uuid
from datetime import date

import pytest

from tests.conftest import FRAMEWORK_FIXTURES, TEST_PASSWORD
from tracker.extensions import db
from tracker.models import Assessment, Cycle, Organisation, Response, User
from tracker.models.base import utcnow


@pytest.fixture
def make_org():
    counter = iter(range(1, 10_000))

    def _make(kind: str = "rsb", region: Organisation | None = None, **overrides) -> Organisation:
        n = next(counter)
        org = Organisation(
            code=overrides.pop("code", f"ORG-{n}"),
            name=overrides.pop("name", f"Organisation {n}"),
            kind=kind,
            region=region,
            **overrides,
        )
        db.session.add(org)
        db.session.commit()
        return org

    return _make


@pytest.fixture
def make_user(make_org):
    counter = iter(range(1, 10_000))

    def _make(role: str = "coordinator", organisation: Organisation | None = None, **overrides):
        n = next(counter)
        user = User(
            email=overrides.pop("email", f"user{n}@example.test"),
            name=overrides.pop("name", f"User {n}"),
            role=role,
            organisation=organisation or make_org(),
            **overrides,
        )
        user.set_password(overrides.pop("password", TEST_PASSWORD))
        db.session.add(user)
        db.session.commit()
        return user

    return _make


@pytest.fixture
def framework():
    """A small framework imported through the real loader."""
    from tracker.frameworks.operations import import_framework

    return import_framework(FRAMEWORK_FIXTURES / "valid.yaml")


@pytest.fixture
def make_cycle():
    def _make(label: str = "2026–27", year: int = 2026) -> Cycle:
        cycle = Cycle(
            label=label,
            opens_on=date(year, 4, 1),
            due_on=date(year + 1, 1, 31),
            closes_on=date(year + 1, 3, 31),
        )
        db.session.add(cycle)
        db.session.commit()
        return cycle

    return _make


@pytest.fixture
def make_assessment(make_org, make_cycle, framework):
    def _make(organisation=None, status: str = "draft", cycle=None, **overrides) -> Assessment:
        chosen = overrides.pop("framework", framework)
        if status != "draft":  # the database insists a non-draft was submitted at some time
            overrides.setdefault("submitted_at", utcnow())
        assessment = Assessment(
            organisation=organisation or make_org(),
            framework=chosen,
            cycle=cycle or make_cycle(label=f"C{uuid.uuid4().hex[:6]}"),
            status=status,
            **overrides,
        )
        for item in chosen.items:
            assessment.responses.append(Response(item_id=item.id, framework_id=chosen.id))
        db.session.add(assessment)
        db.session.commit()
        return assessment

    return _make


# --- a region with people in it (self-assessment and evidence tests) ----------------------


@pytest.fixture
def region(make_org, make_user, make_cycle, framework):
    rsb = make_org("rsb", code="RSB-A", name="Region A Safeguarding Board")
    la = make_org("local_authority", region=rsb, code="LA-A")
    other = make_org("rsb", code="RSB-B", name="Region B Safeguarding Board")
    cycle = make_cycle("2026–27", 2026)
    return {
        "rsb": rsb,
        "other": other,
        "cycle": cycle,
        "framework": framework,
        "coordinator": make_user("coordinator", rsb, email="coord@a.test"),
        "contributor": make_user("contributor", la, email="contrib@a.test"),
        "outsider": make_user("coordinator", other, email="coord@b.test"),
        "inspector": make_user("inspector", make_org("inspectorate"), email="insp@ciw.test"),
    }


@pytest.fixture
def draft(region, make_assessment):
    return make_assessment(organisation=region["rsb"], cycle=region["cycle"])
