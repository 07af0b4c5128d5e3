"""Evidence through the pages: upload, link, triangulate, withdraw, download, and refusals."""

import io
import re
import time
from datetime import date
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, date_parts, page_text, remove_stored
from tests.evidence import files
from tracker.evidence import operations as evidence_ops
from tracker.evidence import queries as evidence_queries
from tracker.extensions import db
from tracker.models import AuditEvent, Evidence, EvidenceLink


@pytest.fixture
def upload(client):
    def _upload(content: bytes | io.IOBase, filename: str, query: str = "", **fields):
        token = csrf_token(client, "/evidence/new" + query)
        stream = content if hasattr(content, "read") else io.BytesIO(content)
        data = {
            "source": "file",
            "title": "Audit report",
            "kind": "audit",
            "source_organisation": str(fields.pop("source_id")),
            "csrf_token": token,
            "file": (stream, filename),
            **fields,
        }
        return client.post("/evidence/new" + query, data=data, content_type="multipart/form-data")

    return _upload


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_upload_link_triangulate_and_withdraw(client, login, upload, post, draft, region, make_org):
    login("coord@a.test")
    rsb, police = region["rsb"], make_org("police", code="POL-A", name="A Police")
    draft.responses[0].self_score = 3  # at the framework's required_from (2): needs evidence
    db.session.commit()
    base = f"/assessments/{draft.id}"
    assert "Claim beyond evidence" in page_text(client.get(f"{base}/items/A1"))

    response = upload(files.pdf(), "audit.pdf", source_id=rsb.id)
    assert response.status_code == 302
    pdf = db.session.scalar(select(Evidence))
    assert pdf.content_type == "application/pdf" and pdf.filename == "audit.pdf"
    for key in ("A1", "A2", "B1"):
        linked = post(
            f"{base}/items/{key}/evidence",
            {"link-evidence": str(pdf.id), "link-note": "Shows audit coverage"},
        )
        assert linked.status_code == 302, page_text(linked)
    assert _count(EvidenceLink) == 3
    assert "Single source" in page_text(client.get(f"{base}/items/A1"))

    # Two more kinds from a second organisation: triangulated, the claim is gone.
    upload(
        b"quarter,referrals\nQ1,120\n",
        "figures.csv",
        f"?assessment={draft.id}&item=A1",
        source_id=police.id,
        kind="data",
        title="Referral figures",
    )
    upload(
        files.png(),
        "survey.png",
        f"?assessment={draft.id}&item=A1",
        source_id=police.id,
        kind="practitioner",
        title="Staff survey",
    )
    item = page_text(client.get(f"{base}/items/A1"))
    assert "Triangulated" in item and "Claim beyond evidence" not in item
    assert "1 of 3 items are triangulated" in page_text(client.get(base))

    withdrawn = post(f"/evidence/{pdf.id}/withdraw", {"reason": "Superseded by the 2026 audit"})
    assert withdrawn.status_code == 302
    item = page_text(client.get(f"{base}/items/A1"))
    assert "Single source" in item and "Claim beyond evidence" in item  # one source left
    assert "<del>" in item and "audit.pdf" not in item  # struck through, title shown
    db.session.refresh(pdf)
    assert pdf.withdrawn_reason == "Superseded by the 2026 audit" and _count(Evidence) == 3
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.withdrawn"))


def test_another_organisation_cannot_list_open_or_download(client, login, upload, region, draft):
    login("coord@a.test")
    upload(files.pdf(), "audit.pdf", source_id=region["rsb"].id, title="Private audit")
    evidence = db.session.scalar(select(Evidence))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("coord@b.test")
    assert "Private audit" not in page_text(client.get("/evidence/"))
    for path in (
        f"/evidence/{evidence.id}",
        f"/evidence/{evidence.id}/download",
        f"/evidence/{evidence.id}/withdraw",
    ):
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, "/")
    refused = client.post(
        f"/evidence/{evidence.id}/withdraw", data={"reason": "x", "csrf_token": token}
    )
    assert refused.status_code == 404
    assert db.session.get(Evidence, evidence.id).withdrawn_at is None


def test_download_is_an_attachment_of_the_stored_type(client, login, upload, region, any_store):
    login("coord@a.test")
    upload(files.pdf(), "audit.pdf", source_id=region["rsb"].id)
    evidence = db.session.scalar(select(Evidence))
    response = client.get(f"/evidence/{evidence.id}/download")
    assert response.status_code == 200 and response.data == files.pdf()
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_contributor_adds_to_the_regions_library_but_cannot_withdraw(client, login, upload, region):
    login("contrib@a.test")
    assert upload(files.pdf(), "a.pdf", source_id=region["rsb"].id).status_code == 302
    evidence = db.session.scalar(select(Evidence))
    assert evidence.organisation_id == region["rsb"].id
    assert client.get(f"/evidence/{evidence.id}").status_code == 200
    assert client.get(f"/evidence/{evidence.id}/withdraw").status_code == 403


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (b"<!DOCTYPE html><html><body>x</body></html>", "report.pdf", "Web pages"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "a.svg",
            "SVG",
        ),
        (files.plain_zip(), "bundle.zip", "Archives"),
        (b"", "empty.pdf", "The file is empty"),
        (b"root:x:0:0\n", "../../etc/passwd", "does not match its name"),
        (files.macro_docx(), "policy.docx", "macros, scripts"),
    ],
    ids=["html as pdf", "svg with script", "zip", "empty", "path as name", "macros in docx"],
)
def test_refused_uploads_say_why_and_keep_nothing(
    login, upload, region, content, filename, message
):
    login("coord@a.test")
    response = upload(content, filename, source_id=region["rsb"].id)
    assert response.status_code == 400
    assert message in page_text(response)
    assert _count(Evidence) == 0
    assert list(evidence_ops.store().addresses()) == []


def test_oversized_upload_gets_the_413_page(app, login, upload, region):
    login("coord@a.test")
    original = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    try:
        response = upload(b"a,b\n" * 20_000, "big.csv", source_id=region["rsb"].id)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = original
    assert response.status_code == 413
    assert "The file is too large" in page_text(response)
    assert _count(Evidence) == 0


def test_same_file_twice_is_two_records_and_one_stored_file(login, upload, region, any_store):
    login("coord@a.test")
    for title in ("First copy", "Second copy"):
        assert (
            upload(files.pdf(), "audit.pdf", source_id=region["rsb"].id, title=title).status_code
            == 302
        )
    shas = db.session.scalars(select(Evidence.sha256)).all()
    assert len(shas) == 2 and len(set(shas)) == 1
    assert list(evidence_ops.store().addresses()) == [shas[0]]


def test_a_failed_commit_leaves_no_record_and_nothing_that_breaks_later(
    login, upload, region, monkeypatch, any_store
):
    login("coord@a.test")
    real_commit = db.session.commit

    def crash():
        raise RuntimeError("database went away")

    monkeypatch.setattr(type(db.session()), "commit", lambda self: crash())
    response = upload(files.pdf(), "audit.pdf", source_id=region["rsb"].id)
    assert response.status_code == 500
    monkeypatch.undo()
    db.session.rollback()
    assert _count(Evidence) == 0
    orphans = list(evidence_ops.store().addresses())
    assert len(orphans) == 1  # harmless: swept later, and reused by the next upload
    assert upload(files.pdf(), "audit.pdf", source_id=region["rsb"].id).status_code == 302
    assert db.session.scalar(select(Evidence.sha256)) == orphans[0]
    assert real_commit


def test_personal_data_is_warned_about_but_not_blocked_or_kept(
    client, login, upload, region, draft
):
    login("coord@a.test")
    csv = b"name,nhs\nchild,943 476 5919\n"
    response = upload(
        csv, "list.csv", f"?assessment={draft.id}&item=A1", source_id=region["rsb"].id
    )
    assert response.status_code == 302
    evidence = db.session.scalar(select(Evidence))
    assert evidence.pii_warnings == {"nhs_number": 1}
    assert "943" not in repr(db.session.scalars(select(AuditEvent.after)).all())
    page = page_text(client.get(response.headers["Location"]))
    assert "may contain personal details of a child" in page
    submit = page_text(client.get(f"/assessments/{draft.id}/submit"))
    assert "what looks like an NHS number (1)" in submit


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.example/a", "https://", "/local"])
def test_only_web_links_are_accepted(client, login, region, url):
    login("coord@a.test")
    token = csrf_token(client, "/evidence/new")
    response = client.post(
        "/evidence/new",
        data={
            "source": "url",
            "url": url,
            "title": "Link",
            "kind": "external",
            "source_organisation": str(region["rsb"].id),
            "csrf_token": token,
        },
    )
    assert response.status_code == 400 and "starting with https://" in page_text(response)
    assert _count(Evidence) == 0


def test_a_web_link_is_recorded(client, login, region):
    login("coord@a.test")
    token = csrf_token(client, "/evidence/new")
    response = client.post(
        "/evidence/new",
        data={
            "source": "url",
            "url": "https://www.example.gov.wales/report",
            "title": "Report",
            "kind": "external",
            "source_organisation": str(region["rsb"].id),
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert 'href="https://www.example.gov.wales/report" rel="noopener noreferrer nofollow"' in page


def test_library_filters(client, login, upload, region, make_org):
    login("coord@a.test")
    other = make_org("police", code="POL-Z", name="Z Police")
    upload(files.pdf(), "a.pdf", source_id=region["rsb"].id, title="Threshold audit")
    upload(b"a,b\n1,2\n", "b.csv", source_id=other.id, title="Referral data", kind="data")
    assert "Threshold audit" in page_text(client.get("/evidence/?kind=audit"))
    assert "Referral data" not in page_text(client.get("/evidence/?kind=audit"))
    assert "Threshold audit" not in page_text(client.get(f"/evidence/?source={other.id}"))
    assert "Referral data" in page_text(client.get("/evidence/?q=referral"))
    assert "Referral data" in page_text(client.get("/evidence/?linked=unlinked"))
    assert "Referral data" not in page_text(client.get("/evidence/?linked=linked"))
    assert client.get("/evidence/?from=not-a-date&source=x").status_code == 200


def test_a_25_mb_upload_keeps_memory_flat(login, upload, region, any_store):
    import tracemalloc

    class Lazy(io.RawIOBase):
        def __init__(self, size):
            self.left, self.head = size, files.png()

        def readable(self):
            return True

        def readinto(self, buffer):
            n = min(len(buffer), self.left)
            if not n:
                return 0
            chunk = (self.head + b"\x00" * n)[:n] if self.head else b"\x00" * n
            self.head = b""
            buffer[:n] = chunk
            self.left -= n
            return n

    login("coord@a.test")
    tracemalloc.start()
    try:
        response = upload(
            io.BufferedReader(Lazy(25 * 1024 * 1024)),
            "big.png",
            source_id=region["rsb"].id,
            kind="data",
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 302
    assert peak < 10 * 1024 * 1024, f"peak {peak / 1048576:.1f} MB"


def test_a_narrative_with_personal_data_is_warned_about(client, login, post, draft):
    login("coord@a.test")
    url = f"/assessments/{draft.id}/items/A1"
    post(url, {"narrative": "Child's date of birth: 03/04/2015", "version": "1", "save": "1"})
    page = page_text(client.get(url))
    assert "may contain personal details of a child" in page and "date of birth (1)" in page
    assert "03/04/2015" in page  # their own text is shown back to them, not stored elsewhere


def test_a_file_over_the_upload_limit_is_refused_by_name(app, login, upload, region):
    login("coord@a.test")
    app.config["TRACKER_MAX_UPLOAD_MB"] = 1
    try:
        response = upload(b"a,b\n" * 300_000, "big.csv", source_id=region["rsb"].id)
    finally:
        app.config["TRACKER_MAX_UPLOAD_MB"] = 25
    assert response.status_code == 400
    assert "The file must be smaller than 1 MB" in page_text(response)
    assert _count(Evidence) == 0 and list(evidence_ops.store().addresses()) == []


@pytest.mark.parametrize("file_field", [None, "", "as text"], ids=["missing", "empty", "text"])
def test_no_file_chosen_gets_a_message_not_an_error(client, login, region, file_field):
    login("coord@a.test")
    token = csrf_token(client, "/evidence/new")
    data = {
        "source": "file",
        "title": "T",
        "kind": "audit",
        "source_organisation": str(region["rsb"].id),
        "csrf_token": token,
    }
    if file_field == "":
        data["file"] = (io.BytesIO(b""), "")
    elif file_field == "as text":
        data["file"] = "not a file"
    response = client.post("/evidence/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a file to upload" in page_text(response)


def test_upload_for_an_item_goes_into_that_assessments_library(
    client, login, upload, region, make_assessment, make_org, make_user
):
    """A contributor's own agency's assessment gets the evidence in the agency's library, not
    in the RSB's (where the agency's coordinator could not withdraw it)."""
    agency = region["contributor"].organisation
    own = make_assessment(organisation=agency, cycle=region["cycle"])
    login("contrib@a.test")
    response = upload(files.pdf(), "a.pdf", f"?assessment={own.id}&item=A1", source_id=agency.id)
    assert response.status_code == 302
    evidence = db.session.scalar(select(Evidence))
    assert evidence.organisation_id == agency.id


def test_a_missing_stored_file_is_not_found_not_an_error(client, login, upload, region, any_store):
    login("coord@a.test")
    upload(files.pdf(), "a.pdf", source_id=region["rsb"].id)
    evidence = db.session.scalar(select(Evidence))
    remove_stored(evidence_ops.store(), evidence.sha256)
    assert client.get(f"/evidence/{evidence.id}/download").status_code == 404


def test_a_large_library_lists_the_newest_and_finds_older_pieces_by_title(
    client, login, post, draft, region, monkeypatch
):
    """The item page's choice list holds the newest pieces only (DESIGN §10: it costs the same
    in the tenth year); a search by title reaches every older piece, and it can be linked."""
    monkeypatch.setattr(evidence_queries, "LINKABLE_LIMIT", 3)
    login("coord@a.test")
    titles = ["Oldest 50%_audit", "Older minutes", "Board minutes", "Audit plan", "Newest audit"]
    for title in titles:
        db.session.add(
            Evidence(
                organisation_id=region["rsb"].id,
                source_organisation_id=region["rsb"].id,
                title=title,
                kind="document",
                url="https://www.example.gov.wales/" + str(len(title)),
                uploaded_by_id=region["coordinator"].id,
            )
        )
    db.session.commit()
    item = f"/assessments/{draft.id}/items/A1"

    page = page_text(client.get(item))
    assert all(title in page for title in titles[2:])
    assert "Oldest" not in page and "Older minutes" not in page
    assert "The list below holds the newest 3 pieces" in page

    found = page_text(client.get(item + "?find=MINUTES"))
    assert "Older minutes" in found and "Board minutes" in found and "Audit plan" not in found
    assert 'name="link-find" value="MINUTES"' in found
    # What the user types is taken literally: % and _ are not wildcards.
    literal = page_text(client.get(item + "?find=50%25_"))
    assert "Oldest 50%_audit" in literal and "Newest audit" not in literal
    nothing = page_text(client.get(item + "?find=inspection"))
    assert "No evidence in your library that is not linked here has a title containing" in nothing

    oldest = db.session.scalar(select(Evidence).where(Evidence.title.startswith("Oldest")))
    refused = post(item + "/evidence", {"link-evidence": str(oldest.id)}, page=item)
    assert refused.status_code == 400  # not among the newest: the list it came from had it not
    linked = post(
        item + "/evidence",
        {"link-evidence": str(oldest.id), "link-find": "50%_"},
        page=item + "?find=50%25_",
    )
    assert linked.status_code == 302, page_text(linked)
    assert db.session.scalars(select(EvidenceLink.evidence_id)).all() == [oldest.id]


def test_a_crafted_slow_pdf_is_answered_within_seconds_and_says_what_was_checked(
    client, login, upload, region
):
    login("coord@a.test")
    started = time.monotonic()
    # 300 pages of 60 KB of drawing each: minutes to read whole before the bound.
    crafted = files.slow_pdf(lines=2_000)
    response = upload(crafted, "crafted.pdf", source_id=region["rsb"].id)
    assert time.monotonic() - started < 6
    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert re.search(r"only the first \d+ pages were checked", page, re.I), page


def test_the_date_of_the_evidence_is_typed_in_three_boxes(client, login, upload, region):
    """Issue #17 point 15: GOV.UK's date input, not the browser's mm/dd/yyyy box."""
    login("coord@a.test")
    page = page_text(client.get("/evidence/new"))
    assert 'name="evidence_date-month" type="text" inputmode="numeric"' in page
    source = {"source_id": region["rsb"].id}
    refused = upload(b"Minutes", "m.txt", **source, **{"evidence_date-day": "31"})
    assert refused.status_code == 400
    assert "The date of the evidence must include a month and year" in page_text(refused)
    assert _count(Evidence) == 0
    added = upload(b"Minutes", "m.txt", **source, **date_parts("evidence_date", "2026-03-31"))
    assert added.status_code == 302
    assert db.session.scalar(select(Evidence.evidence_date)) == date(2026, 3, 31)


def test_the_library_filters_by_dates_typed_in_three_boxes(client, login, upload, region):
    """Issue #17 point 15, the evidence library's filter: GOV.UK's date input there too."""
    login("coord@a.test")
    source = {"source_id": region["rsb"].id}
    upload(
        b"Minutes", "m.txt", **source, title="Spring", **date_parts("evidence_date", "2026-03-31")
    )
    upload(
        b"Minutes", "n.txt", **source, title="Autumn", **date_parts("evidence_date", "2026-10-01")
    )
    page = page_text(client.get("/evidence/"))
    assert 'name="date_from-day" type="text" inputmode="numeric"' in page
    assert 'type="date"' not in page
    query = urlencode(date_parts("date_from", "2026-06-01"))
    found = page_text(client.get(f"/evidence/?{query}"))
    assert "Autumn" in found and "Spring" not in found
    wrong = page_text(client.get("/evidence/?date_to-day=31&date_to-month=2&date_to-year=2026"))
    assert "date must be a real date" in wrong and 'href="#date_to-day"' in wrong
    assert "Autumn" in wrong and "Spring" in wrong  # a wrong date filters nothing out
