"""The review tests' people and assessments serve the API tests too, with a bearer token for
any of them and a multipart upload of evidence."""

import io

import pytest

from tests.conftest import TEST_PASSWORD
from tests.review.conftest import (  # noqa: F401 (fixtures)
    _request,
    challenge,
    in_review,
    library_item,
    people,
    submitted,
)


@pytest.fixture
def token(client):
    """A bearer token's headers for a user, got through POST /api/v1/tokens."""

    def _token(email: str, password: str = TEST_PASSWORD) -> dict:
        response = client.post(
            "/api/v1/tokens", json={"email": email, "password": password, "name": "tests"}
        )
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return _token


@pytest.fixture
def upload(client):
    """POST /api/v1/evidence as multipart: a file (bytes, name) or a url, and form fields."""

    def _upload(headers: dict, content: tuple[bytes, str] | None = None, **fields):
        data = {"title": "Audit report", "kind": "audit", **fields}
        if content is not None:
            data["file"] = (io.BytesIO(content[0]), content[1])
        data = {k: v if isinstance(v, tuple) else str(v) for k, v in data.items()}
        return client.post(
            "/api/v1/evidence", headers=headers, data=data, content_type="multipart/form-data"
        )

    return _upload


@pytest.fixture
def draft(people, make_assessment, make_cycle):  # noqa: F811 (the fixture above)
    """Region A's draft of next cycle (so that it can stand beside `submitted`)."""
    return make_assessment(organisation=people["rsb"], cycle=make_cycle("2027–28", 2027))


@pytest.fixture
def coordinator(people, token):  # noqa: F811
    return token("coord@a.test")
