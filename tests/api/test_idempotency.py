"""Exactly once (issue #16 point 1, DESIGN §9): every API POST honours Idempotency-Key, and a
change committed but not read back is answered as saved, never as a failure."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import OperationalError

from tests.api.test_actions import GOOD
from tracker.extensions import db
from tracker.models import Action, Evidence, IdempotencyRecord
from tracker.models.base import utcnow


def _actions() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Action.id)))


def _post(client, headers, response_id, key, **body):
    return client.post(
        f"/api/v1/responses/{response_id}/actions",
        headers={**headers, "Idempotency-Key": key},
        json={**GOOD, **body},
    )


def test_a_retry_with_the_same_key_gets_the_first_answer_and_changes_nothing(
    client, draft, coordinator
):
    response_id = draft.responses[0].id
    first = _post(client, coordinator, response_id, "key-1")
    assert first.status_code == 201
    again = _post(client, coordinator, response_id, "key-1")
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _actions() == 1
    # A new key is a new request.
    assert _post(client, coordinator, response_id, "key-2").status_code == 201
    assert _actions() == 2


def test_the_same_key_with_another_body_is_422(client, draft, coordinator):
    response_id = draft.responses[0].id
    assert _post(client, coordinator, response_id, "key-1").status_code == 201
    other = _post(client, coordinator, response_id, "key-1", owner="Someone else")
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert _actions() == 1


def test_keys_belong_to_their_user(client, people, draft, coordinator, token):
    """Another person's request with the same key is theirs, not a replay of someone else's."""
    response_id = draft.responses[0].id
    assert _post(client, coordinator, response_id, "shared-key").status_code == 201
    contributor = token("contrib@a.test")
    assert _post(client, contributor, response_id, "shared-key").status_code == 201
    assert _actions() == 2


@pytest.mark.parametrize("key", ["", "has space", "x" * 201, "naïve"])
def test_a_malformed_key_is_400(client, draft, coordinator, key):
    response = _post(client, coordinator, draft.responses[0].id, key)
    assert response.status_code == 400
    assert _actions() == 0


def test_a_key_is_kept_for_24_hours(client, draft, coordinator):
    response_id = draft.responses[0].id
    assert _post(client, coordinator, response_id, "old-key").status_code == 201
    db.session.execute(
        update(IdempotencyRecord).values(created_at=utcnow() - timedelta(hours=24, seconds=1))
    )
    db.session.commit()
    assert "Idempotent-Replayed" not in _post(client, coordinator, response_id, "old-key").headers
    assert _actions() == 2


def test_a_dozen_simultaneous_retries_do_the_work_once(app, client, draft, coordinator):
    response_id = draft.responses[0].id
    barrier = threading.Barrier(12)
    answers = []

    def send():
        browser = app.test_client()
        barrier.wait()
        answers.append(_post(browser, coordinator, response_id, "same-key"))

    threads = [threading.Thread(target=send) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(a.status_code for a in answers)
    assert _actions() == 1
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses
    done = [a for a in answers if a.status_code == 201]
    assert len({a.get_json()["id"] for a in done}) == 1
    for busy in (a for a in answers if a.status_code == 409):
        assert busy.get_json()["error"]["code"] == "request_in_progress"


def test_an_upload_retried_with_its_key_is_stored_once(client, people, coordinator, upload):
    headers = {**coordinator, "Idempotency-Key": "upload-1"}
    first = upload(headers, (b"col\n1\n", "figures.csv"), organisation_id=people["rsb"].id)
    assert first.status_code == 201, first.get_json()
    # The retry comes with a new multipart boundary, as a client library would send it.
    again = upload(headers, (b"col\n1\n", "figures.csv"), organisation_id=people["rsb"].id)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Evidence.id))) == 1
    changed = upload(headers, (b"col\n2\n", "figures.csv"), organisation_id=people["rsb"].id)
    assert changed.status_code == 422


class _FailAfterCommit:
    """Once the request has committed, the next statement fails as if the database went away
    (as in a PostgreSQL restart between the save and the read that answers it)."""

    def __init__(self):
        self.armed = False

    def commit(self, _session):
        self.armed = True

    def execute(self, conn, cursor, statement, *args):
        if self.armed and statement.lstrip().upper().startswith("SELECT"):
            self.armed = False
            raise OperationalError(statement, {}, Exception("server closed the connection"))


@pytest.fixture
def fail_after_commit(app):
    from sqlalchemy.orm import Session

    fault = _FailAfterCommit()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", fault.execute)
    yield fault
    event.remove(engine, "before_cursor_execute", fault.execute)
    if event.contains(Session, "after_commit", fault.commit):
        event.remove(Session, "after_commit", fault.commit)


def test_a_change_committed_but_not_read_back_is_answered_as_saved(
    client, draft, coordinator, fail_after_commit
):
    from sqlalchemy.orm import Session

    response = draft.responses[0]
    version = response.version
    client.get("/api/v1/frameworks", headers=coordinator)  # the token's first use is recorded
    event.listen(Session, "after_commit", fail_after_commit.commit)
    saved = client.patch(
        f"/api/v1/responses/{response.id}",
        headers={**coordinator, "Idempotency-Key": "save-1"},
        json={"version": version, "narrative": "Saved before the database went away."},
    )
    event.remove(Session, "after_commit", fail_after_commit.commit)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json()["saved"] is True
    db.session.expire_all()
    assert db.session.get(type(response), response.id).narrative.startswith("Saved before")


def test_an_upload_committed_but_not_read_back_is_not_stored_twice_on_retry(
    client, people, coordinator, upload, fail_after_commit
):
    from sqlalchemy.orm import Session

    headers = {**coordinator, "Idempotency-Key": "upload-fault"}
    client.get("/api/v1/frameworks", headers=coordinator)  # the token's first use is recorded
    event.listen(Session, "after_commit", fail_after_commit.commit)
    first = upload(headers, (b"col\n1\n", "figures.csv"), organisation_id=people["rsb"].id)
    event.remove(Session, "after_commit", fail_after_commit.commit)
    assert first.status_code == 200 and first.get_json()["saved"] is True
    retry = upload(headers, (b"col\n1\n", "figures.csv"), organisation_id=people["rsb"].id)
    assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Evidence.id))) == 1


def test_a_database_failure_before_the_commit_is_503_and_gives_the_key_back(
    client, draft, coordinator
):
    response_id = draft.responses[0].id

    def refuse(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO IMPROVEMENT_ACTION"):
            raise OperationalError(statement, {}, Exception("disk full"))

    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        failed = _post(client, coordinator, response_id, "retry-me")
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)
    assert failed.status_code == 503 and failed.headers["Retry-After"]
    assert _actions() == 0
    retried = _post(client, coordinator, response_id, "retry-me")
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    assert _actions() == 1
