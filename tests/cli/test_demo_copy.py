"""The `demo` fixture copies the demo data seeded once per test process (tests/template.py):
a copy must be exactly what seeding afresh gives, rows, ids, sequences and stored files."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import empty_every_table, every_row
from tests.template import Template
from tracker.evidence.operations import store
from tracker.evidence.storage import LocalStore
from tracker.extensions import db
from tracker.models import Organisation, User
from tracker.seeding import seed_demo


def stored_files(root: Path) -> dict[str, bytes]:
    """Every file under `root`, by its path there."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def next_id() -> int:
    """The id the next new row gets (rolled back on SQLite; PostgreSQL's sequence moves on,
    as it would have after the seed)."""
    org = Organisation(code="NEXT", name="Next", kind="rsb")
    db.session.add(org)
    db.session.flush()
    return org.id


@pytest.fixture
def steady(monkeypatch):
    """Seeds that differ in nothing: one instant, one salt, PDFs without their own time stamp."""
    from reportlab import rl_config
    from werkzeug import security

    from tracker import clock

    instant = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: instant)
    monkeypatch.setattr(security, "gen_salt", lambda length: "s" * length)
    monkeypatch.setattr(rl_config, "invariant", 1)


def test_a_copy_of_the_seed_is_a_fresh_seed(app, steady, tmp_path):
    seeded_dir, copied_dir, fresh_dir = (tmp_path / name for name in ("seeded", "copied", "fresh"))
    app.config["TRACKER_EVIDENCE_DIR"] = str(seeded_dir)
    seed_demo()
    template = Template("proof", seeded_dir).take()
    try:
        empty_every_table()
        template.copy_back(LocalStore(copied_dir))
        copied, copied_next = every_row(), next_id()
    finally:
        db.session.rollback()
        template.drop()

    empty_every_table()
    app.config["TRACKER_EVIDENCE_DIR"] = str(fresh_dir)
    seed_demo()
    fresh, fresh_next = every_row(), next_id()
    db.session.rollback()

    assert fresh["user_account"] and fresh["published_statement"]
    for name, rows in fresh.items():
        assert copied[name] == rows, f"{name} differs in the copy"
    assert copied_next == fresh_next
    assert stored_files(copied_dir) == stored_files(fresh_dir) != {}


def test_the_demo_fixture_gives_the_seed_with_its_files(app, demo):
    """What `demo` holds in a test: accounts that sign in with the demo password, and every
    file the rows refer to, in this test's own evidence directory."""
    from tracker.models import Evidence, PublishedStatement

    users = db.session.scalars(select(User)).all()
    assert users and all(user.check_password(demo) for user in users)
    referred = set(db.session.scalars(select(Evidence.sha256).where(Evidence.sha256.is_not(None))))
    for published in db.session.scalars(select(PublishedStatement)):
        referred |= {published.pdf_sha256, published.html_sha256}
    assert referred and referred <= set(store().addresses())
