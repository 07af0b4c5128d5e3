"""Property-based tests of the API against its own OpenAPI document (schemathesis): no
server error and no response that breaks the document, for a bounded, seeded set of inputs."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.conftest import TEST_PASSWORD
from tracker.api.openapi import document
from tracker.extensions import db
from tracker.models import Action

schema = schemathesis.openapi.from_dict(document())


@pytest.fixture
def bearer(client, people, challenge, library_item, upload):
    """A coordinator's token, with an assessment in review, a challenge, an action, and
    evidence (a link and a file) to find."""
    response = client.post(
        "/api/v1/tokens", json={"email": "coord@a.test", "password": TEST_PASSWORD}
    )
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    assert upload(headers, (b"Minutes of the March meeting.", "minutes.txt")).status_code == 201
    db.session.add(
        Action(response=challenge.response, description="Audit", owner="Chair", status="open")
    )
    db.session.commit()
    return headers


@schema.parametrize()
@settings(max_examples=6, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_response_matches_the_document(case, app, bearer):
    case.operation.schema.app = app  # in process, on the suite's database
    # The rules of a score's scale or a challenge's state are not in the document, so a
    # schema-valid request may rightly be refused (422, 409); everything else is checked.
    case.call_and_validate(
        headers=bearer, app=app, excluded_checks=[checks.positive_data_acceptance]
    )


# The administration paths again, as an administrator (the coordinator above is refused most).
ADMINISTRATION = r"^/(users|cycles|organisations|frameworks)"


@pytest.fixture
def admin_bearer(client, people):
    response = client.post(
        "/api/v1/tokens", json={"email": "admin@wales.test", "password": TEST_PASSWORD}
    )
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


@schema.include(path_regex=ADMINISTRATION).parametrize()
@settings(max_examples=6, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_administration_as_an_administrator(case, app, admin_bearer):
    case.operation.schema.app = app
    case.call_and_validate(
        headers=admin_bearer, app=app, excluded_checks=[checks.positive_data_acceptance]
    )
