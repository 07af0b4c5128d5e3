"""Two processes save the same response at once (DESIGN §11): one wins, the other is told, and
nothing is silently overwritten."""

import multiprocessing
import re

from sqlalchemy import select

from tracker.assessments import queries as assessment_queries
from tracker.extensions import db
from tracker.models import AuditEvent

CHILD_TIMEOUT = 60


def save_in_own_process(config, email, path, version, narrative, barrier, results):
    """A whole app in a process of its own, as under gunicorn: sign in, then save `narrative`
    at `version`. Both processes wait for each other after the version check, so that both
    reach the database believing the response is still at `version`."""
    from tests.conftest import TEST_PASSWORD, FreshContextClient, csrf_token
    from tracker import create_app
    from tracker.assessments import operations as assessment_ops

    # Forked from the test run: leave its pooled connections to it, unclosed and unused.
    db.engine.dispose(close=False)
    app = create_app(config)
    app.test_client_class = FreshContextClient
    checked = assessment_ops._hold_editable

    def together(assessment):
        barrier.wait(timeout=CHILD_TIMEOUT)
        checked(assessment)

    assessment_ops._hold_editable = together
    client = app.test_client()
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token})
    token = csrf_token(client, path)
    answer = client.post(
        path, data={"narrative": narrative, "version": version, "csrf_token": token}
    )
    title = re.search(r"<title>\s*(.*?)\s*[–|<]", answer.get_data(as_text=True), re.S)
    results.put((narrative, answer.status_code, title.group(1) if title else ""))


def test_two_processes_save_the_same_response_at_once(app, draft, region):
    response = assessment_queries.find_row(draft, "A1").response
    version = response.version
    db.session.commit()
    path = f"/assessments/{draft.id}/items/A1"
    config = {
        key: app.config[key]
        for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "TRACKER_EVIDENCE_DIR", "SERVER_NAME")
    } | {"TESTING": True}
    # Forked, so the children need not import the app again (seconds on a busy machine); each
    # builds an app and engine of its own.
    fork = multiprocessing.get_context("fork")
    barrier, results = fork.Barrier(2), fork.Queue()
    texts = {"coord@a.test": "The coordinator's account.", "contrib@a.test": "The partner's."}
    processes = [
        fork.Process(
            target=save_in_own_process,
            args=(config, email, path, version, text, barrier, results),
        )
        for email, text in texts.items()
    ]
    for process in processes:
        process.start()
    try:
        outcomes = sorted(
            (results.get(timeout=CHILD_TIMEOUT) for _ in processes), key=lambda o: o[1]
        )
    finally:
        for process in processes:
            process.join(CHILD_TIMEOUT)
            if process.is_alive():
                process.kill()
    (winner, won, _), (loser, refused, title) = outcomes
    assert (won, refused) == (302, 409), outcomes
    assert title == "Someone else saved this answer first"

    db.session.expire_all()
    saved = db.session.get(type(response), response.id)
    assert (saved.narrative, saved.version) == (winner, version + 1)
    updates = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.entity == "response",
            AuditEvent.entity_id == response.id,
            AuditEvent.action == "response.updated",
        )
    ).all()
    assert [event.after["narrative"] for event in updates] == [winner]
    assert loser != winner
