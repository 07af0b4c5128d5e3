"""SQLite locked by another writer for longer than the busy timeout: the person is told the
tracker is busy, with a time to try again and their words kept — never a bare 500."""

import sqlite3
import time

import pytest

from tests.conftest import csrf_token, page_text
from tracker.auth import tokens
from tracker.evidence import operations as evidence_ops
from tracker.extensions import db
from tracker.models import Evidence

WORDS = "The figures for March were double-counted; the April return replaces them."


@pytest.fixture
def locked(app, monkeypatch):
    """`locked()` holds SQLite's write lock from a second connection (BEGIN IMMEDIATE) until
    the test ends; the app waits only a moment for it."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's file lock; PostgreSQL locks rows")
    monkeypatch.setitem(app.config, "TRACKER_SQLITE_BUSY_MS", 200)
    db.session.commit()
    db.engine.dispose()  # new connections take the short wait
    holders = []

    def _lock():
        holder = sqlite3.connect(db.engine.url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holders.append(holder)

    yield _lock
    for holder in holders:
        holder.rollback()
        holder.close()
    monkeypatch.undo()
    db.session.rollback()
    db.engine.dispose()


def test_the_default_busy_timeout_is_generous(app):
    assert app.config["TRACKER_SQLITE_BUSY_MS"] >= 15_000


@pytest.fixture
def piece(region):
    details = evidence_ops.Details("Referral figures", "data", region["rsb"].id, None, None)
    return evidence_ops.add_url(
        region["coordinator"], region["rsb"], details, "https://example.org/f"
    )


def test_a_page_post_says_busy_and_gives_the_words_back(client, login, piece, locked):
    login("coord@a.test")
    path = f"/evidence/{piece.id}/withdraw"
    token = csrf_token(client, path)
    locked()
    started = time.monotonic()
    answer = client.post(path, data={"reason": WORDS, "csrf_token": token})
    assert time.monotonic() - started < 5
    assert answer.status_code == 503
    assert answer.headers["Retry-After"].isdigit()
    page = page_text(answer)
    assert "busy" in page and WORDS in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_a_save_says_busy_and_keeps_the_answer(client, login, draft, locked):
    login("coord@a.test")
    path = f"/assessments/{draft.id}/items/A1"
    token = csrf_token(client, path)
    version = draft.responses[0].version
    locked()
    answer = client.post(
        path, data={"score": "2", "narrative": WORDS, "version": version, "csrf_token": token}
    )
    assert answer.status_code == 503
    assert answer.headers["Retry-After"].isdigit()
    assert WORDS in page_text(answer)


def test_the_api_says_busy_in_json(client, region, piece, locked):
    _token, raw = tokens.issue(region["coordinator"], "tests")
    locked()
    answer = client.post(
        f"/api/v1/evidence/{piece.id}/withdraw",
        headers={"Authorization": f"Bearer {raw}"},
        json={"reason": WORDS},
    )
    assert answer.status_code == 503
    assert answer.headers["Retry-After"].isdigit()
    assert answer.get_json()["error"]["code"] == "unavailable"


def test_nothing_was_changed(client, login, piece, locked):
    login("coord@a.test")
    path = f"/evidence/{piece.id}/withdraw"
    token = csrf_token(client, path)
    locked()
    client.post(path, data={"reason": WORDS, "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Evidence, piece.id).withdrawn_at is None
