"""An evidence store that cannot take a file (disk full, read-only, gone): the person is told
the upload was not stored and nothing was recorded, with what they typed kept; the API answers
503 in JSON; the operators find it in the log. Never a bare 500."""

import errno
import io
import os

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, page_text
from tests.evidence import files
from tracker.evidence import storage
from tracker.extensions import db
from tracker.models import Evidence


def _full_disk(monkeypatch, _app):
    """The move into the store fails as on a full disk: os.replace (as the store calls it)
    raises OSError(ENOSPC)."""

    def no_space(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage.os, "replace", no_space)


def _not_a_directory(monkeypatch, app):
    """A real failing filesystem call: the store's directory lies under a file, so creating
    its temporary directory fails with ENOTDIR."""
    monkeypatch.setitem(app.config, "TRACKER_EVIDENCE_DIR", "/dev/null/evidence")


FAULTS = pytest.mark.parametrize("fault", [_full_disk, _not_a_directory], ids=["ENOSPC", "ENOTDIR"])


@FAULTS
def test_the_upload_page_says_nothing_was_stored_and_keeps_the_form(
    app, client, login, region, monkeypatch, caplog, fault
):
    login("coord@a.test")
    token = csrf_token(client, "/evidence/new")
    fault(monkeypatch, app)
    response = client.post(
        "/evidence/new",
        data={
            "source": "file",
            "title": "Board minutes, March",
            "kind": "document",
            "source_organisation": str(region["rsb"].id),
            "description": "What the board decided about thresholds",
            "csrf_token": token,
            "file": (io.BytesIO(files.pdf()), "minutes.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    page = page_text(response)
    assert "could not be stored" in page and "Nothing was recorded" in page
    assert "Board minutes, March" in page
    assert "What the board decided about thresholds" in page
    assert db.session.scalar(select(func.count(Evidence.id))) == 0
    assert any(
        r.levelname == "ERROR" and "evidence store" in r.getMessage() for r in caplog.records
    )


@FAULTS
def test_the_api_answers_503_in_json(app, client, region, monkeypatch, caplog, fault):
    from tracker.auth import tokens

    _token, raw = tokens.issue(region["coordinator"], "tests")
    fault(monkeypatch, app)
    response = client.post(
        "/api/v1/evidence",
        headers={"Authorization": f"Bearer {raw}"},
        data={"title": "Minutes", "kind": "document", "file": (io.BytesIO(b"Minutes."), "m.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    error = response.get_json()["error"]
    assert error["code"] == "unavailable" and "could not be stored" in error["message"]
    assert db.session.scalar(select(func.count(Evidence.id))) == 0
    assert any("evidence store" in r.getMessage() for r in caplog.records)
