"""The database refusing a save, an upload or a publish half-way through (DESIGN §11): nothing
of it is recorded, what was saved before is unchanged, and the user is told in plain words.

Each fault comes twice: at a statement inside the transaction (the earlier statements of the
request have run), and at the commit itself."""

import hashlib
import io

import pytest

from tests.conftest import csrf_token, every_row, page_text
from tracker.assessments import queries as assessment_queries
from tracker.evidence.operations import store
from tracker.evidence.queries import referenced_addresses
from tracker.extensions import db
from tracker.statements import drafting
from tracker.statements import operations as statements

FAULT_PAGE = ("Sorry, there is a problem with the service", "What you had saved before is safe")


def assert_fault_page(answer) -> None:
    text = page_text(answer)
    assert answer.status_code == 500
    assert all(words in text for words in FAULT_PAGE)
    assert "Traceback" not in text and "OperationalError" not in text


def save(client, assessment_id: int, narrative: str, version: int, score: int = 2):
    path = f"/assessments/{assessment_id}/items/A1"
    token = csrf_token(client, path)
    return client.post(
        path,
        data={"score": str(score), "narrative": narrative, "version": version, "csrf_token": token},
    )


@pytest.mark.parametrize("fault", ["INSERT INTO audit_event", "COMMIT"])
def test_a_refused_save_keeps_the_saved_answer(client, login, draft, database_refuses, fault):
    login("coord@a.test")
    response = assessment_queries.find_row(draft, "A1").response
    assert save(client, draft.id, "Saved before the fault.", response.version).status_code == 302
    db.session.refresh(response)
    version, before = response.version, every_row()

    refusal = database_refuses(commit=True) if fault == "COMMIT" else database_refuses(fault)
    refused = save(client, draft.id, "Not lost to the fault.", version, score=3)
    assert refusal.refused == 1
    # The user is told, and given back what they wrote to save again.
    assert refused.status_code == 503
    text = page_text(refused)
    assert "Your answer was not saved because of a problem on our side" in text
    assert ">Not lost to the fault.</textarea>" in text
    assert "Traceback" not in text and "OperationalError" not in text
    assert every_row() == before  # no response change, no audit event, no held assessment

    # Nothing was left half-done: the same save, at the same version, now goes through.
    assert save(client, draft.id, "Saved after the fault.", version, score=3).status_code == 302
    db.session.refresh(response)
    assert (response.narrative, response.version) == ("Saved after the fault.", version + 1)


def upload(client, assessment_id: int, content: bytes, source_id: int):
    path = f"/evidence/new?assessment={assessment_id}&item=A1"
    token = csrf_token(client, path)
    data = {
        "source": "file",
        "title": "Board minutes",
        "kind": "document",
        "source_organisation": str(source_id),
        "note": "Shows the decision",
        "csrf_token": token,
        "file": (io.BytesIO(content), "minutes.txt"),
    }
    return client.post(path, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("fault", ["INSERT INTO evidence_link", "COMMIT"])
def test_a_refused_upload_records_nothing(
    client, login, draft, region, runner, database_refuses, fault
):
    login("coord@a.test")
    earlier = b"minutes of the March board\n"
    assert upload(client, draft.id, earlier, region["rsb"].id).status_code == 302
    before = every_row()

    lost = b"minutes of the April board\n"
    refusal = database_refuses(commit=True) if fault == "COMMIT" else database_refuses(fault)
    assert_fault_page(upload(client, draft.id, lost, region["rsb"].id))
    assert refusal.refused == 1
    assert every_row() == before  # no evidence row, no link, no audit event

    # The file reached the store before the database refused. No row names it, so it is a
    # harmless orphan, which sweep-evidence removes; a file is never deleted by a failed
    # request itself, as another upload of the same content may have claimed it meanwhile.
    orphan = hashlib.sha256(lost).hexdigest()
    kept = hashlib.sha256(earlier).hexdigest()
    assert store().exists(orphan) and orphan not in referenced_addresses()
    swept = runner.invoke(args=["sweep-evidence", "--older-than", "0"])
    assert swept.exit_code == 0 and "Removed 1 " in swept.output
    assert store().exists(kept) and not store().exists(orphan)
    # Trying again works.
    assert upload(client, draft.id, lost, region["rsb"].id).status_code == 302
    assert store().exists(orphan) and orphan in referenced_addresses()


def publish(client, statement_id: int, version: int):
    token = csrf_token(client, f"/statements/{statement_id}")
    return client.post(
        f"/statements/{statement_id}/publish", data={"version": version, "csrf_token": token}
    )


@pytest.mark.parametrize("fault", ["INSERT INTO published_statement", "COMMIT"])
def test_a_refused_publish_keeps_the_published_version(
    client, login, draft, region, runner, database_refuses, fault
):
    inspector = region["inspector"]
    statement = statements.create(
        inspector, "organisation", region["rsb"], region["framework"], region["cycle"], "en"
    )
    db.session.commit()
    login("insp@ciw.test")
    first = publish(client, statement.id, statement.version)
    assert "Version 1 is published" in page_text(first)
    db.session.refresh(statement)
    key = drafting.SECTION_KEYS[0]
    statements.edit_section(inspector, statement, "en", key, "A new edit.", statement.version)
    db.session.commit()
    published = statement.versions[0]
    before, stored_before = every_row(), set(store().addresses())

    refusal = database_refuses(commit=True) if fault == "COMMIT" else database_refuses(fault)
    answer = publish(client, statement.id, statement.version)
    assert refusal.refused == 1
    text = page_text(answer)
    assert "could not be published because of a fault. Nothing was recorded" in text
    assert "Version 2 is published" not in text and "Traceback" not in text
    assert every_row() == before  # no version 2, no claimed version, no audit event

    # The new page and PDF were stored before the database refused: orphans, swept later;
    # version 1's files are named by its row and stay.
    orphans = set(store().addresses()) - stored_before
    assert len(orphans) == 2 and not orphans & referenced_addresses()
    swept = runner.invoke(args=["sweep-evidence", "--older-than", "0"])
    assert swept.exit_code == 0 and "Removed 2 " in swept.output
    download = client.get(f"/statements/{statement.id}/versions/1.pdf")
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == published.pdf_sha256
    assert set(store().addresses()) == stored_before
