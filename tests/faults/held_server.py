"""The tracker served for the restart test: the real app under Werkzeug's threaded server, except
that a request saving evidence titled, or a narrative containing, HOLD stops inside its database
transaction (its rows written, not committed), and one saving evidence titled STALL stops just
after its commit (before it answers), and says so in a marker file, so that the test can kill
the process exactly there. Each stops once: not again after a restart (the marker is there)."""

import os
import threading
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.serving import run_simple

from tracker.models import Evidence, Response

HOLD = "HOLD"
STALL = "STALL"


def _held(obj) -> bool:
    if isinstance(obj, Evidence):
        return HOLD in obj.title
    return isinstance(obj, Response) and HOLD in (obj.narrative or "")


def serve(config: dict, port: int, marker: Path, log: Path) -> None:
    """Run in a process forked from the test run: build an app of its own and serve it."""
    from tracker import create_app
    from tracker.extensions import db

    db.engine.dispose(close=False)  # the test run's pooled connections stay its own
    with log.open("ab") as out:
        os.dup2(out.fileno(), 2)  # the request log, out of the test's output

    def hold_mid_transaction(session, _context) -> None:
        if marker.exists():
            return
        if any(_held(obj) for obj in session.new | session.dirty):
            marker.write_text("held")
            threading.Event().wait()  # until the process is killed
        if any(isinstance(obj, Evidence) and STALL in obj.title for obj in session.new):
            session.info["stall"] = True

    def stall_after_commit(session) -> None:
        if session.info.pop("stall", False) and not marker.exists():
            marker.write_text("stalled")
            threading.Event().wait()

    event.listen(Session, "after_flush", hold_mid_transaction)
    event.listen(Session, "after_commit", stall_after_commit)
    run_simple("127.0.0.1", port, create_app(config), threaded=True)
