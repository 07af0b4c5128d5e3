"""Evidence through the API: upload (file or link), personal-data warnings, download, lists,
links to responses, withdrawal; and every refusal as a JSON error, never a 500 or a page."""

import pytest
from sqlalchemy import func, select

from tests.evidence import files
from tracker.extensions import db
from tracker.models import AuditEvent, Evidence, EvidenceLink

NHS_NUMBER_TEXT = b"Case note: NHS number 943 476 5919, seen at clinic."


@pytest.fixture
def coordinator(people, token):
    return token("coord@a.test")


@pytest.fixture
def outsider(people, token):
    return token("coord@b.test")


@pytest.fixture
def draft(people, make_assessment, make_cycle):
    """Region A's draft of next cycle (so that it can stand beside `submitted`)."""
    return make_assessment(organisation=people["rsb"], cycle=make_cycle("2027–28", 2027))


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()["error"]


def test_upload_a_file_read_it_and_download_it(client, people, coordinator, upload):
    created = upload(
        coordinator,
        (files.pdf(), "audit.pdf"),
        title="Multi-agency audit",
        kind="audit",
        source_organisation_id=people["other"].id,
        evidence_date="2026-03-31",
        description="Twelve case files.",
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["content_type"] == "application/pdf" and body["filename"] == "audit.pdf"
    assert body["organisation_id"] == people["rsb"].id
    assert body["source_organisation_id"] == people["other"].id
    assert body["evidence_date"] == "2026-03-31" and body["pii_warnings"] == {}
    assert created.headers["Location"] == f"/api/v1/evidence/{body['id']}"

    read = client.get(body["download_url"], headers=coordinator)
    assert read.status_code == 200 and read.data == files.pdf()
    assert read.headers["Content-Disposition"].startswith("attachment")
    assert read.headers["X-Content-Type-Options"] == "nosniff"
    assert read.mimetype == "application/pdf"
    again = client.get(
        body["download_url"], headers={**coordinator, "If-None-Match": read.headers["ETag"]}
    )
    assert again.status_code == 304

    one = client.get(f"/api/v1/evidence/{body['id']}", headers=coordinator).get_json()
    assert one["title"] == "Multi-agency audit" and one["links"] == []


def test_an_upload_with_likely_personal_data_is_kept_with_a_warning(people, coordinator, upload):
    created = upload(coordinator, (NHS_NUMBER_TEXT, "notes.txt"), kind="practitioner")
    assert created.status_code == 201
    assert created.get_json()["pii_warnings"] == {"nhs_number": 1}
    # The matched text is never repeated (as a whole: a timestamp may hold the digits 943).
    assert "943 476 5919" not in created.get_data(as_text=True)
    assert "9434765919" not in created.get_data(as_text=True)


def test_upload_a_link_and_link_it_to_a_response_at_once(
    client, people, draft, coordinator, upload
):
    response = draft.responses[0]
    created = upload(
        coordinator,
        url="https://example.org/annual-report",
        title="Annual report",
        kind="document",
        response_id=response.id,
        note="Shows the board's priorities",
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["url"] == "https://example.org/annual-report" and body["download_url"] is None
    read = client.get(f"/api/v1/responses/{response.id}", headers=coordinator).get_json()
    assert read["evidence_links"] == [
        {"evidence_id": body["id"], "note": "Shows the board's priorities", "carried_over": False}
    ]
    assert read["triangulation"] == "single_source"
    download = client.get(f"/api/v1/evidence/{body['id']}/download", headers=coordinator)
    assert _error(download, 404)["code"] == "not_found"


@pytest.mark.parametrize(
    ("fields", "file", "status", "field"),
    [
        ({}, None, 422, "file"),  # neither file nor url
        ({"url": "https://example.org/x"}, (b"minutes", "m.txt"), 422, "file"),  # both
        ({"file": "not a file part"}, None, 422, "file"),
        ({"url": "ftp://example.org/x"}, None, 422, "url"),
        ({"url": "http://[::1"}, None, 422, "url"),  # once a server error
        ({"url": "https://example.org/x", "note": "For no response"}, None, 422, "note"),
        ({"url": "https://example.org/" + "x" * 2000}, None, 422, "url"),
        ({"url": "https://example.org/x", "title": "  "}, None, 422, "title"),
        ({"url": "https://example.org/x", "title": "x" * 301}, None, 422, "title"),
        ({"url": "https://example.org/x", "kind": "rumour"}, None, 422, "kind"),
        ({"url": "https://example.org/x", "source_organisation_id": "x"}, None, 422, None),
        ({"url": "https://example.org/x", "source_organisation_id": "99999"}, None, 422, None),
        ({"url": "https://example.org/x", "evidence_date": "31/03/2026"}, None, 422, None),
        ({"url": "https://example.org/x", "evidence_date": "2999-01-01"}, None, 422, None),
        ({"url": "https://example.org/x", "description": "x" * 4001}, None, 422, None),
        ({"url": "https://example.org/x", "organisation_id": "0"}, None, 422, None),
        ({"url": "https://example.org/x", "organisation_id": "99999"}, None, 422, None),
        ({"url": "https://example.org/x", "title": "a\x00b"}, None, 400, None),
        ({}, (b"MZ\x90\x00\x03 a Windows program", "report.pdf"), 415, "file"),
        ({}, (files.png(), "photo.txt"), 415, "file"),  # the name claims one type, content another
        ({}, (b"", "empty.txt"), 415, "file"),
        ({}, (files.macro_docx(), "policy.docx"), 415, "file"),  # a .docm dressed as a .docx
    ],
)
def test_upload_refusals(people, coordinator, upload, fields, file, status, field):
    error = _error(upload(coordinator, file, **fields), status)
    if field:
        assert error.get("field") == field, error
    assert _count(Evidence) == 0


def test_uploads_over_the_limit_are_413(app, people, coordinator, upload, monkeypatch):
    monkeypatch.setitem(app.config, "TRACKER_MAX_UPLOAD_MB", 1)
    big = b"minutes of the meeting\n" * 50_000  # about 1.1 MB
    assert _error(upload(coordinator, (big, "minutes.txt")), 413)["field"] == "file"
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10_000)  # the whole request
    error = _error(upload(coordinator, (big, "minutes.txt")), 413)
    assert error["code"] == "too_large" and "limit of 1 MB" in error["message"]
    assert _count(Evidence) == 0


def test_an_upload_that_is_not_multipart_is_415(client, people, coordinator):
    response = client.post(
        "/api/v1/evidence", headers=coordinator, json={"title": "x", "url": "https://x.org"}
    )
    assert _error(response, 415)["code"] == "unsupported_media_type"


def test_upload_into_a_library_or_response_that_is_not_yours(
    people, submitted, make_assessment, coordinator, outsider, upload, token
):
    link = {"url": "https://example.org/x"}
    # Another organisation's library: refused; another organisation's response: not found.
    assert _error(upload(outsider, organisation_id=people["rsb"].id, **link), 403)
    assert _error(upload(outsider, response_id=submitted.responses[0].id, **link), 404)
    # One's own submitted assessment can no longer be changed.
    assert _error(upload(coordinator, response_id=submitted.responses[0].id, **link), 403)
    # A response from one library and a library of another do not mix.
    other_draft = make_assessment(organisation=people["other"], cycle=people["cycle"])
    response = upload(
        outsider, response_id=other_draft.responses[0].id, organisation_id=people["rsb"].id, **link
    )
    assert _error(response, 403)
    # An inspector keeps no library.
    assert _error(upload(token("insp@ciw.test"), **link), 403)
    assert _count(Evidence) == 0


def test_lists_of_a_library_and_of_a_response(
    client, people, draft, coordinator, outsider, upload, token
):
    ids = [
        upload(
            coordinator, url=f"https://example.org/{n}", title=f"Report {n}", kind=kind
        ).get_json()["id"]
        for n, kind in enumerate(("document", "voice", "data"))
    ]
    listed = client.get("/api/v1/evidence?per_page=2", headers=coordinator).get_json()
    assert listed["total"] == 3 and [e["id"] for e in listed["items"]] == ids[::-1][:2]
    by_kind = client.get("/api/v1/evidence?kind=voice", headers=coordinator).get_json()
    assert [e["id"] for e in by_kind["items"]] == [ids[1]]
    found = client.get("/api/v1/evidence?q=report%202", headers=coordinator).get_json()
    assert [e["id"] for e in found["items"]] == [ids[2]]

    response_id = draft.responses[0].id
    client.post(
        f"/api/v1/responses/{response_id}/evidence",
        headers=coordinator,
        json={"evidence_id": ids[0]},
    )
    linked = client.get(f"/api/v1/evidence?response={response_id}", headers=coordinator)
    assert [e["id"] for e in linked.get_json()["items"]] == [ids[0]]
    both = f"/api/v1/evidence?response={response_id}&organisation={people['other'].id}"
    assert client.get(both, headers=coordinator).get_json()["total"] == 0

    client.post(
        f"/api/v1/evidence/{ids[2]}/withdraw", headers=coordinator, json={"reason": "Superseded"}
    )
    assert client.get("/api/v1/evidence", headers=coordinator).get_json()["total"] == 2
    everything = client.get("/api/v1/evidence?include_withdrawn=true", headers=coordinator)
    assert everything.get_json()["total"] == 3

    # Another organisation: not their library, not their response.
    own = f"/api/v1/evidence?organisation={people['rsb'].id}"
    assert _error(client.get(own, headers=outsider), 403)["code"] == "forbidden"
    by_response = f"/api/v1/evidence?response={response_id}"
    assert _error(client.get(by_response, headers=outsider), 404)
    assert client.get("/api/v1/evidence", headers=outsider).get_json()["total"] == 0
    assert _error(client.get("/api/v1/evidence", headers=token("insp@ciw.test")), 403)


@pytest.mark.parametrize(
    "query",
    [
        "kind=rumour",
        "include_withdrawn=yes",
        "organisation=x",
        "organisation=0",
        "response=99999999999",
        "q=" + "x" * 201,
        "per_page=101",
        "page=0",
    ],
)
def test_bad_list_queries_are_400(client, people, coordinator, query):
    assert _error(client.get(f"/api/v1/evidence?{query}", headers=coordinator), 400)


def test_who_sees_an_item_and_its_file(client, people, submitted, coordinator, upload, token):
    created = upload(coordinator, (b"Minutes of the March meeting.", "minutes.txt")).get_json()
    item, download = f"/api/v1/evidence/{created['id']}", created["download_url"]
    inspector, reviewer = token("insp@ciw.test"), token("rev@b.test")
    for headers in (token("coord@b.test"), inspector, reviewer):
        assert _error(client.get(item, headers=headers), 404)["code"] == "not_found"
        assert _error(client.get(download, headers=headers), 404)
    # Linked to a submitted assessment, it is seen by those who may see that assessment.
    db.session.add(EvidenceLink(evidence_id=created["id"], response_id=submitted.responses[0].id))
    db.session.commit()
    seen = client.get(item, headers=inspector).get_json()
    assert seen["links"] == [
        {
            "response_id": submitted.responses[0].id,
            "assessment_id": submitted.id,
            "item_key": submitted.responses[0].item.key,
            "note": None,
            "carried_over": False,
        }
    ]
    assert client.get(download, headers=inspector).status_code == 200
    assert _error(client.get(item, headers=reviewer), 404)  # not assigned to review it


def test_link_and_unlink(client, people, draft, coordinator, upload):
    evidence_id = upload(coordinator, url="https://example.org/x").get_json()["id"]
    response_id = draft.responses[0].id
    path = f"/api/v1/responses/{response_id}/evidence"
    linked = client.post(
        path, headers=coordinator, json={"evidence_id": evidence_id, "note": "Coverage"}
    )
    assert linked.status_code == 200, linked.get_json()
    assert linked.get_json()["evidence_ids"] == [evidence_id]
    assert linked.get_json()["evidence_links"][0]["note"] == "Coverage"
    twice = client.post(path, headers=coordinator, json={"evidence_id": evidence_id})
    assert _error(twice, 422)["field"] == "evidence_id"

    unlinked = client.delete(f"{path}/{evidence_id}", headers=coordinator)
    assert unlinked.status_code == 200 and unlinked.get_json()["evidence_ids"] == []
    assert _error(client.delete(f"{path}/{evidence_id}", headers=coordinator), 404)
    assert db.session.get(Evidence, evidence_id) is not None  # it stays in the library
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["evidence.linked", "evidence.unlinked"]


def test_link_refusals(client, people, draft, submitted, coordinator, outsider, upload, token):
    mine = upload(coordinator, url="https://example.org/mine").get_json()["id"]
    theirs = upload(outsider, url="https://example.org/theirs").get_json()["id"]
    withdrawn = upload(coordinator, url="https://example.org/old").get_json()["id"]
    client.post(
        f"/api/v1/evidence/{withdrawn}/withdraw", headers=coordinator, json={"reason": "Old"}
    )
    path = f"/api/v1/responses/{draft.responses[0].id}/evidence"
    for body in (
        {"evidence_id": theirs},  # another library's, not visible: no such evidence
        {"evidence_id": withdrawn},
        {"evidence_id": 99999},
        {"evidence_id": 2**31},
        {"evidence_id": "1"},
        {"evidence_id": True},
        {},
        {"evidence_id": mine, "note": "x" * 1001},
        {"evidence_id": mine, "note": 5},
    ):
        assert _error(client.post(path, headers=coordinator, json=body), 422), body
    assert _error(client.post(path, headers=coordinator, data="x"), 415)
    assert _error(client.post(path, headers=outsider, json={"evidence_id": theirs}), 404)
    submitted_path = f"/api/v1/responses/{submitted.responses[0].id}/evidence"
    assert _error(client.post(submitted_path, headers=coordinator, json={"evidence_id": mine}), 403)
    assert _error(client.delete(f"{submitted_path}/{mine}", headers=coordinator), 403)
    assert _error(client.delete(f"{path}/{mine}", headers=outsider), 404)
    assert _count(EvidenceLink) == 0


def test_withdraw(client, people, coordinator, outsider, upload, token, make_user):
    evidence_id = upload(coordinator, url="https://example.org/x").get_json()["id"]
    path = f"/api/v1/evidence/{evidence_id}/withdraw"
    assert _error(client.post(path, headers=outsider, json={"reason": "Mine now"}), 404)
    contributor = token("contrib@a.test")  # sees the region's library, may not withdraw
    assert client.get(f"/api/v1/evidence/{evidence_id}", headers=contributor).status_code == 200
    assert _error(client.post(path, headers=contributor, json={"reason": "No"}), 403)
    for body in ({}, {"reason": "  "}, {"reason": 3}, {"reason": "x" * 4001}):
        assert _error(client.post(path, headers=coordinator, json=body), 422), body
    assert _error(client.post(path, headers=coordinator, data="reason=x"), 415)

    done = client.post(path, headers=coordinator, json={"reason": "Wrong year's figures"})
    assert done.status_code == 200
    body = done.get_json()
    assert body["withdrawn_reason"] == "Wrong year's figures" and body["withdrawn_at"]
    again = client.post(path, headers=coordinator, json={"reason": "Twice"})
    assert "already withdrawn" in _error(again, 409)["message"]


def test_another_organisations_evidence_is_404_everywhere(
    client, people, coordinator, outsider, upload
):
    created = upload(coordinator, (b"Minutes.", "minutes.txt")).get_json()
    for method, path in [
        ("GET", f"/api/v1/evidence/{created['id']}"),
        ("GET", f"/api/v1/evidence/{created['id']}/download"),
        ("POST", f"/api/v1/evidence/{created['id']}/withdraw"),
        ("GET", "/api/v1/evidence/99999"),
    ]:
        response = client.open(path, method=method, headers=outsider, json={"reason": "x"})
        assert _error(response, 404)["code"] == "not_found", (method, path)
