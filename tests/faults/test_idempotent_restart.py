"""An API client retrying, with its Idempotency-Key, a POST whose server died under it (a
host lost, an instance killed): the work is done exactly once, whether the server died
before committing it or after (issue #24)."""

import threading
import time

import pytest
import requests
from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD
from tests.faults.held_server import HOLD, STALL
from tests.faults.test_restart import Server, _wait_for
from tracker.extensions import db
from tracker.models import Evidence

STALE_SECONDS = 1  # TRACKER_IDEMPOTENCY_STALE_SECONDS, short for the test (120 by default)


@pytest.fixture
def server(app, tmp_path):
    running = Server(app, tmp_path, TRACKER_IDEMPOTENCY_STALE_SECONDS=STALE_SECONDS)
    yield running
    running.stop()


def _upload(server, headers: dict, title: str):
    return requests.post(
        f"{server.base}/api/v1/evidence",
        headers=headers,
        data={"title": title, "kind": "document"},
        files={"file": ("minutes.txt", f"{title}\n".encode(), "text/plain")},
        timeout=30,
    )


def _killed_mid_request(server, headers: dict, title: str) -> None:
    """Send the upload, kill the server where it stops (held_server), start it again."""
    lost = []

    def send():
        try:
            _upload(server, headers, title)
        except requests.ConnectionError:
            lost.append(True)

    sending = threading.Thread(target=send)
    sending.start()
    _wait_for(server.marker.exists, "the upload never stopped", server.process)
    server.kill()
    sending.join(30)
    assert lost, "the client should have lost its connection"
    server.start()


def _stored(title: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Evidence.id)).where(Evidence.title == title))


@pytest.mark.parametrize(
    "title, first_retry",
    [
        # Died before its commit: nothing was done, so the retry does it, once the claim is
        # older than any live request could be.
        (f"{HOLD} minutes", 201),
        # Died after its commit, before answering: the retry hears that it was saved.
        (f"{STALL} minutes", 200),
    ],
)
def test_a_retry_after_the_server_died_mid_request_does_the_work_once(
    app, region, server, title, first_retry
):
    db.session.commit()
    server.start()
    made = requests.post(
        f"{server.base}/api/v1/tokens",
        json={"email": "coord@a.test", "password": TEST_PASSWORD},
        timeout=10,
    )
    headers = {"Authorization": f"Bearer {made.json()['token']}", "Idempotency-Key": "k-1"}
    _killed_mid_request(server, headers, title)
    time.sleep(STALE_SECONDS + 0.2)

    retried = _upload(server, headers, title)
    assert retried.status_code == first_retry, retried.text
    if first_retry == 200:
        assert retried.json()["saved"] is True
        assert retried.headers["Idempotent-Replayed"] == "true"
    assert _stored(title) == 1
    again = _upload(server, headers, title)
    assert again.status_code == first_retry and again.headers["Idempotent-Replayed"] == "true"
    assert _stored(title) == 1
