"""Fixtures for the self-assessment tests: a region with a coordinator and a contributor."""

import pytest

from tests.conftest import csrf_token
from tracker.extensions import db
from tracker.models import Cycle


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


@pytest.fixture
def post(client):
    """POST a form as the browser would, with the CSRF token from the page it came from."""

    def _post(path: str, data: dict, page: str | None = None, headers=None):
        token = csrf_token(client, page or path)
        return client.post(path, data={**data, "csrf_token": token}, headers=headers or {})

    return _post


def previous_cycle() -> Cycle:
    from datetime import date

    cycle = Cycle(
        label="2025–26",
        opens_on=date(2025, 4, 1),
        due_on=date(2026, 1, 31),
        closes_on=date(2026, 3, 31),
    )
    db.session.add(cycle)
    db.session.commit()
    return cycle
