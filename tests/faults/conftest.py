"""Faults on demand: the database refusing a statement or a commit part-way through a request."""

import re

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from tracker.extensions import db


class Refusal:
    """Which statement the database refuses, and whether it has done so yet."""

    def __init__(self, pattern: str | None, commit: bool):
        self.pattern = re.compile(pattern, re.I) if pattern else None
        self.commit = commit
        self.refused = 0

    def before_execute(self, _conn, _cursor, statement, params, _context, _executemany):
        if self.pattern and not self.refused and self.pattern.search(statement):
            self._refuse(statement, params)

    def before_commit(self, _conn):
        if self.commit and not self.refused:
            self._refuse("COMMIT", None)

    def _refuse(self, statement, params):
        self.refused += 1
        # What the driver raises when the disk is full or the server goes away mid-transaction.
        raise OperationalError(statement, params, RuntimeError("the database refused (a test)"))


@pytest.fixture
def database_refuses(app):
    """`database_refuses(pattern)` makes the first statement matching `pattern` fail, and
    `database_refuses(commit=True)` the commit itself, once; the earlier statements of the same
    transaction have run by then, as in a real failure half-way through."""
    installed = []

    def _refuse(pattern: str | None = None, commit: bool = False) -> Refusal:
        refusal = Refusal(pattern, commit)
        event.listen(db.engine, "before_cursor_execute", refusal.before_execute)
        event.listen(db.engine, "commit", refusal.before_commit)
        installed.append(refusal)
        return refusal

    yield _refuse
    for refusal in installed:
        event.remove(db.engine, "before_cursor_execute", refusal.before_execute)
        event.remove(db.engine, "commit", refusal.before_commit)
