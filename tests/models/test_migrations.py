"""Migrations carry existing data forward, on whichever database the suite runs."""

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.conftest import postgres_schema
from tracker import create_app
from tracker.extensions import db

FIRST = "4a14a0d71c57"
ROWS = [
    "INSERT INTO framework (id, key, version, title, kind, applies_to, min_kinds, min_sources,"
    " required_from, created_at, updated_at) VALUES (1, 'cprr-2023', 1, '{\"en\": \"T\"}',"
    " 'progress', '[\"rsb\"]', 3, 2, 3, :now, :now)",
    "INSERT INTO section (id, framework_id, key, position, title, created_at, updated_at)"
    " VALUES (1, 1, 's', 0, '{}', :now, :now)",
    "INSERT INTO organisation (id, code, name, kind, created_at, updated_at)"
    " VALUES (1, 'RSB-X', 'X', 'rsb', :now, :now)",
    "INSERT INTO cycle (id, label, opens_on, due_on, closes_on, created_at, updated_at)"
    " VALUES (1, '2026–27', '2026-04-01', '2027-01-31', '2027-03-31', :now, :now)",
    "INSERT INTO assessment (id, organisation_id, framework_id, cycle_id, status, submitted_at,"
    " created_at, updated_at) VALUES (1, 1, 1, 1, 'draft', NULL, :now, :now)",
    "INSERT INTO cycle (id, label, opens_on, due_on, closes_on, created_at, updated_at)"
    " VALUES (2, '2025–26', '2025-04-01', '2026-01-31', '2026-03-31', :now, :now)",
    # Inconsistent under the new rule: returned, yet no submission time. The upgrade mends it.
    "INSERT INTO assessment (id, organisation_id, framework_id, cycle_id, status, submitted_at,"
    " created_at, updated_at) VALUES (2, 1, 1, 2, 'returned', NULL, :now, :now)",
    "INSERT INTO item (id, framework_id, section_id, key, position, theme, text, created_at,"
    " updated_at) SELECT 1, 1, s.id, 'A1', 1, '{}', '{}', :now, :now FROM section s",
    "INSERT INTO response (id, assessment_id, item_id, framework_id, version, created_at,"
    " updated_at) SELECT 1, 1, 1, 1, 1, :now, :now FROM item",
    "INSERT INTO improvement_action (id, response_id, description, owner, status, created_at,"
    " updated_at) SELECT 1, 1, 'Audit', 'BM', 'open', :now, :now FROM response",
    "INSERT INTO user_account (id, email, name, password_hash, organisation_id, role, active,"
    " failed_logins, locale, created_at, updated_at)"
    " VALUES (1, 'r@x', 'R', 'h', 1, 'reviewer', true, 0, 'en', :now, :now)",
    "INSERT INTO evidence (id, organisation_id, title, kind, source_organisation_id, url,"
    " uploaded_by_id, created_at, updated_at)"
    " VALUES (1, 1, 'Minutes', 'document', 1, 'https://example.org/m', 1, :now, :now)",
    "INSERT INTO challenge (id, response_id, raised_by_id, question, status, created_at,"
    " updated_at) VALUES (1, 1, 1, 'Why?', 'responded', :now, :now)",
    "INSERT INTO challenge_message (id, challenge_id, author_id, body, created_at, updated_at)"
    " VALUES (1, 1, 1, 'Why?', :now, :now)",
    "INSERT INTO challenge_message (id, challenge_id, author_id, body, evidence_id, created_at,"
    " updated_at) VALUES (2, 1, 1, 'Because', 1, :now, :now)",
]


@pytest.fixture
def scratch_app(tmp_path):
    """An app on an empty database of its own, apart from the suite's."""
    url, drop = f"sqlite:///{tmp_path / 'migrate.sqlite'}", None
    if os.environ.get("TRACKER_TEST_DATABASE_URL"):
        url, drop = postgres_schema(os.environ["TRACKER_TEST_DATABASE_URL"])
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    yield app
    with app.app_context():
        db.engine.dispose()
    if drop:
        drop()


def test_upgrade_keeps_and_completes_existing_rows(scratch_app):
    with scratch_app.app_context():
        upgrade(revision=FIRST)
        with db.engine.begin() as conn:
            for statement in ROWS:
                conn.execute(text(statement), {"now": "2026-05-01 10:00:00+00:00"})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, framework_key, status, submitted_at IS NULL FROM assessment"
                    " ORDER BY id"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            (1, "cprr-2023", "draft", True),
            (2, "cprr-2023", "returned", False),
        ]
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version FROM improvement_action")).scalar() == 1
            # A thread's first message is its question; a message's evidence moves across.
            kinds = conn.execute(text("SELECT id, kind FROM challenge_message ORDER BY id")).all()
            assert [tuple(k) for k in kinds] == [(1, "raised"), (2, "answered")]
            moved = conn.execute(
                text("SELECT message_id, evidence_id FROM challenge_message_evidence")
            )
            assert [tuple(m) for m in moved] == [(2, 1)]
        downgrade(revision=FIRST)  # and back, keeping the rows
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM assessment")).scalar() == 2
            kept = conn.execute(text("SELECT id, evidence_id FROM challenge_message ORDER BY id"))
            assert [tuple(k) for k in kept] == [(1, None), (2, 1)]
