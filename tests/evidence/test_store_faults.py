"""An evidence store that cannot take a file (disk full, read-only, gone; a bucket's server
down or the bucket missing): the person is told the upload was not stored and nothing was
recorded, with what they typed kept; the API answers 503 in JSON; the operators find it in the
log. A download from a store that does not answer is a 503 too. Never a bare 500."""

import errno
import io
import os

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, free_port, page_text
from tests.evidence import files
from tracker.evidence.storage import local
from tracker.extensions import db
from tracker.models import Evidence


def _full_disk(monkeypatch, app, _request):
    """The move into the store fails as on a full disk: os.replace (as the store calls it)
    raises OSError(ENOSPC)."""

    def no_space(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setitem(app.config, "TRACKER_STORAGE_URL", None)  # the directory's fault
    monkeypatch.setattr(local.os, "replace", no_space)


def _not_a_directory(monkeypatch, app, _request):
    """A real failing filesystem call: the store's directory lies under a file, so creating
    its temporary directory fails with ENOTDIR."""
    monkeypatch.setitem(app.config, "TRACKER_STORAGE_URL", "file:///dev/null/evidence")


def _s3_server_down(monkeypatch, app, request):
    """A bucket whose server does not answer: nothing listens at its endpoint."""
    server = request.getfixturevalue("s3_server")  # its credentials, not its port
    monkeypatch.setitem(app.config, "TRACKER_STORAGE_URL", f"s3://{server.bucket}/down")
    monkeypatch.setitem(app.config, "TRACKER_S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")


def _s3_bucket_missing(monkeypatch, app, request):
    """The server answers, but the bucket is not there (deleted, or a typing error)."""
    server = request.getfixturevalue("s3_server")
    monkeypatch.setitem(app.config, "TRACKER_STORAGE_URL", "s3://no-such-bucket/evidence")
    monkeypatch.setitem(app.config, "TRACKER_S3_ENDPOINT_URL", server.endpoint)


def _azure_server_down(monkeypatch, app, request):
    """A container whose server does not answer: nothing listens at the connection string's
    endpoint."""
    from tests.azurite import connection_string

    server = request.getfixturevalue("azurite_server")
    monkeypatch.setitem(app.config, "TRACKER_STORAGE_URL", f"az://{server.container}/down")
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection_string(free_port()))


def _azure_container_missing(monkeypatch, app, request):
    """The server answers, but the container is not there."""
    request.getfixturevalue("azurite_server")
    monkeypatch.setitem(app.config, "TRACKER_STORAGE_URL", "az://no-such-container/evidence")


FAULTS = pytest.mark.parametrize(
    "fault",
    [
        _full_disk,
        _not_a_directory,
        _s3_server_down,
        _s3_bucket_missing,
        _azure_server_down,
        _azure_container_missing,
    ],
    ids=["ENOSPC", "ENOTDIR", "s3-down", "s3-no-bucket", "azure-down", "azure-no-container"],
)


@FAULTS
def test_the_upload_page_says_nothing_was_stored_and_keeps_the_form(
    app, client, login, region, monkeypatch, caplog, fault, request
):
    login("coord@a.test")
    token = csrf_token(client, "/evidence/new")
    fault(monkeypatch, app, request)
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
def test_the_api_answers_503_in_json(app, client, region, monkeypatch, caplog, fault, request):
    from tracker.auth import tokens

    _token, raw = tokens.issue(region["coordinator"], "tests")
    fault(monkeypatch, app, request)
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


DOWN = pytest.mark.parametrize(
    "fault",
    [_s3_server_down, _s3_bucket_missing, _azure_server_down, _azure_container_missing],
    ids=["s3-down", "s3-gone", "azure-down", "azure-gone"],
)


@DOWN
def test_a_download_from_a_store_that_does_not_answer_is_a_503(
    app, client, login, region, monkeypatch, caplog, fault, request
):
    from tracker.auth import tokens
    from tracker.evidence import operations as evidence_ops

    evidence = evidence_ops.add_file(
        region["coordinator"],
        region["rsb"],
        evidence_ops.Details("Minutes", "document", region["rsb"].id, None, None),
        io.BytesIO(b"Minutes of the board."),
        "minutes.txt",
        1000,
    )
    _token, raw = tokens.issue(region["coordinator"], "tests")
    login("coord@a.test")
    fault(monkeypatch, app, request)
    page = client.get(f"/evidence/{evidence.id}/download")
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    assert "could not be reached" in page_text(page)
    api = client.get(
        f"/api/v1/evidence/{evidence.id}/download", headers={"Authorization": f"Bearer {raw}"}
    )
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "unavailable"
    assert any("evidence store" in r.getMessage() for r in caplog.records)
