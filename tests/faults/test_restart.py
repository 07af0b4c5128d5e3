"""The app killed mid-request and restarted (DESIGN §11): everything committed before is intact,
and the interrupted requests, an upload held inside its database transaction and a large
upload still arriving, left no record."""

import hashlib
import multiprocessing
import os
import re
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD
from tests.faults import held_server
from tracker.assessments import queries as assessment_queries
from tracker.evidence.operations import store
from tracker.evidence.queries import referenced_addresses
from tracker.extensions import db
from tracker.models import AuditEvent, Evidence, EvidenceLink

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
BIG = 20 * 1024 * 1024  # more than the sockets' buffers hold, less than the upload limit
SENT = 16 * 1024 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(check, what: str, server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if not server.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"{what} (server exit code {server.exitcode})")
        time.sleep(0.05)


class Server:
    """The tracker in a process of its own, on the suite's database and evidence folder. The
    process is forked from the test run, so it need not import the app again."""

    def __init__(self, app, tmp_path: Path, **settings):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.marker = tmp_path / "held"
        self.log = tmp_path / "server.log"
        self.config = {
            key: app.config[key]
            for key in ("SQLALCHEMY_DATABASE_URI", "TRACKER_EVIDENCE_DIR", "SECRET_KEY")
        } | settings
        self.process = None

    def start(self) -> None:
        self.process = multiprocessing.get_context("fork").Process(
            target=held_server.serve, args=(self.config, self.port, self.marker, self.log)
        )
        self.process.start()
        _wait_for(self._answers, "the server did not start", self.process)

    def _answers(self) -> bool:
        try:
            return requests.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(10)

    def stop(self) -> None:
        if self.process and self.process.is_alive():
            self.kill()


@pytest.fixture
def server(app, tmp_path):
    running = Server(app, tmp_path)
    yield running
    running.stop()


def _token(browser, url: str) -> str:
    return CSRF.search(browser.get(url).text).group(1)


def _sign_in(server) -> requests.Session:
    browser = requests.Session()
    token = _token(browser, f"{server.base}/login")
    answer = browser.post(
        f"{server.base}/login",
        data={"email": "coord@a.test", "password": TEST_PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    return browser


def _upload(browser, url: str, title: str, content: bytes, source_id: int):
    fields = {
        "source": "file",
        "title": title,
        "kind": "document",
        "source_organisation": str(source_id),
        "csrf_token": _token(browser, url),
    }
    files = {"file": ("minutes.txt", content, "text/plain")}
    return browser.post(url, data=fields, files=files, allow_redirects=False, timeout=60)


def _start_big_upload(browser, server, url: str, source_id: int) -> socket.socket:
    """Send most of a large upload and keep the rest back: the server is reading it when
    `sendall` returns, as more was sent than the sockets' buffers hold."""
    boundary = "tracker-restart-test"
    fields = {
        "source": "file",
        "title": "A large upload cut short",
        "kind": "data",
        "source_organisation": str(source_id),
        "csrf_token": _token(browser, url),
    }
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    )
    tail = f"\r\n--{boundary}--\r\n"
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    path = url.removeprefix(server.base)
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nCookie: {cookies}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(head) + BIG + len(tail)}\r\n\r\n{head}"
    )
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(request.encode())
    sock.sendall(b"1,2,3\n" * (SENT // 6))
    return sock


def test_a_server_killed_mid_request_loses_nothing_committed(app, draft, region, server):
    response = assessment_queries.find_row(draft, "A1").response
    version, source_id = response.version, region["rsb"].id
    audited = db.session.scalar(select(func.max(AuditEvent.id)))
    db.session.commit()
    server.start()
    browser = _sign_in(server)
    item = f"{server.base}/assessments/{draft.id}/items/A1"
    upload = f"{server.base}/evidence/new?assessment={draft.id}&item=A1"

    saved = browser.post(
        item,
        data={"narrative": "Committed before the crash.", "version": version, "score": "2"}
        | {"csrf_token": _token(browser, item)},
        allow_redirects=False,
    )
    assert saved.status_code == 302
    kept = b"minutes committed before the crash\n"
    assert _upload(browser, upload, "Committed minutes", kept, source_id).status_code == 302

    # Two requests in flight when the process dies: a large upload still arriving, and an
    # upload whose rows are written but not committed.
    big = _start_big_upload(browser, server, upload, source_id)
    held_content = b"minutes held inside the transaction\n"
    interrupted = []

    def held_upload():
        try:
            _upload(browser, upload, "HOLD this upload", held_content, source_id)
        except requests.ConnectionError:
            interrupted.append(True)

    held = threading.Thread(target=held_upload)
    held.start()
    _wait_for(server.marker.exists, "the upload never reached its transaction", server.process)
    server.kill()
    held.join(30)
    big.close()
    assert interrupted, "the held upload should have lost its connection"

    server.start()  # the same database and evidence folder
    db.session.expire_all()
    titles = db.session.scalars(select(Evidence.title)).all()
    assert titles == ["Committed minutes"]
    assert db.session.scalar(select(func.count(EvidenceLink.id))) == 1
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.id > audited, AuditEvent.entity != "user_account")  # not sign-ins
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["response.updated", "evidence.added", "evidence.linked"]
    db.session.refresh(response)
    assert (response.narrative, response.version) == ("Committed before the crash.", version + 1)

    # The held upload's file reached the store before its rows: unreferenced, so harmless
    # (sweep-evidence removes it); the large upload never reached the store at all.
    held_address = hashlib.sha256(held_content).hexdigest()
    assert store().exists(held_address) and held_address not in referenced_addresses()
    assert list(store().root.joinpath("tmp").glob("upload-*")) == []

    # The restarted server serves what was committed and takes the next save at once.
    browser = _sign_in(server)
    committed = db.session.scalar(select(Evidence))
    download = browser.get(f"{server.base}/evidence/{committed.id}/download")
    assert download.status_code == 200 and download.content == kept
    again = browser.post(
        item,
        data={"narrative": "Saved after the restart.", "version": version + 1, "score": "2"}
        | {"csrf_token": _token(browser, item)},
        allow_redirects=False,
    )
    assert again.status_code == 302
    db.session.refresh(response)
    assert response.narrative == "Saved after the restart."
