"""Statements through the API: who may list and read them, and the published PDF."""

import hashlib

import pytest

from tracker import clock
from tracker.extensions import db
from tracker.statements import operations


@pytest.fixture
def statements(people, submitted):
    """A published national statement and a draft one for Region A."""
    inspector = people["inspector"]
    published = operations.create(
        inspector, "national", None, people["framework"], people["cycle"], "en"
    )
    db.session.flush()
    for _step in operations.publish(inspector, published, published.version, clock.today()):
        pass
    draft = operations.create(
        inspector, "region", people["rsb"], people["framework"], people["cycle"], "cy"
    )
    db.session.commit()
    return published, draft


def test_an_inspector_lists_drafts_and_a_coordinator_only_what_is_published(
    client, token, statements
):
    published, draft = statements
    inspector = client.get("/api/v1/statements", headers=token("insp@ciw.test")).get_json()
    assert [s["id"] for s in inspector["items"]] == [published.id, draft.id]
    coordinator = client.get("/api/v1/statements", headers=token("coord@a.test")).get_json()
    assert [s["id"] for s in coordinator["items"]] == [published.id]
    version = coordinator["items"][0]["versions"][0]
    assert version["version"] == 1 and version["language"] == "en"

    pdf = client.get(version["pdf_url"], headers=token("coord@a.test"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(pdf.data).hexdigest() == version["pdf_sha256"]


def test_a_draft_is_not_found_by_those_who_may_not_read_it(client, token, statements):
    _published, draft = statements
    headers = token("coord@a.test")
    response = client.get(f"/api/v1/statements/{draft.id}", headers=headers)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert (
        client.get(f"/api/v1/statements/{draft.id}", headers=token("insp@ciw.test")).status_code
        == 200
    )


@pytest.mark.parametrize(
    "path",
    ["/api/v1/statements", "/api/v1/statements/1", "/api/v1/statements/1/versions/1/pdf"],
)
def test_no_token_is_401(client, path):
    response = client.get(path)
    assert response.status_code == 401 and "error" in response.get_json()


@pytest.mark.parametrize(
    ("query", "status"),
    [("?scope=galaxy", 400), ("?framework=abc", 400), ("?cycle=0", 400), ("?page=0", 400)],
)
def test_bad_filters_are_400(client, token, statements, query, status):
    response = client.get(f"/api/v1/statements{query}", headers=token("insp@ciw.test"))
    assert response.status_code == status and response.get_json()["error"]["code"] == "bad_request"


def test_filters_choose_statements(client, token, statements):
    published, draft = statements
    headers = token("insp@ciw.test")
    national = client.get("/api/v1/statements?scope=national", headers=headers).get_json()
    assert [s["id"] for s in national["items"]] == [published.id]
    elsewhere = client.get("/api/v1/statements?cycle=999", headers=headers).get_json()
    assert elsewhere["items"] == [] and elsewhere["total"] == 0


def test_an_unpublished_version_number_is_404(client, token, statements):
    published, draft = statements
    headers = token("insp@ciw.test")
    assert (
        client.get(f"/api/v1/statements/{published.id}/versions/2/pdf", headers=headers).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/statements/{draft.id}/versions/1/pdf", headers=headers).status_code
        == 404
    )
