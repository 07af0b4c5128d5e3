"""The flask commands of DESIGN §9: create-user, import-framework, init-db."""

from sqlalchemy import func, select

from tests.conftest import FRAMEWORK_FIXTURES
from tracker.extensions import db
from tracker.models import Framework, User


def _create(runner, make_org, **overrides):
    org = make_org(code="RSB-X")
    args = {
        "--email": "New.Person@Example.test",
        "--name": "New Person",
        "--organisation": org.code,
        "--role": "coordinator",
        "--password": "a-long-enough-password",
    }
    args.update(overrides)
    return runner.invoke(args=["create-user", *[x for kv in args.items() for x in kv]])


def test_create_user(runner, make_org):
    result = _create(runner, make_org)
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new.person@example.test"))
    assert user.role == "coordinator" and user.check_password("a-long-enough-password")


def test_create_user_refuses_duplicates_and_bad_input(runner, make_org):
    assert _create(runner, make_org).exit_code == 0
    again = runner.invoke(
        args=[
            "create-user",
            "--email",
            "new.person@example.test",
            "--name",
            "X",
            "--organisation",
            "RSB-X",
            "--role",
            "coordinator",
            "--password",
            "another-long-password",
        ]
    )
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(
        args=[
            "create-user",
            "--email",
            "b@example.test",
            "--name",
            "B",
            "--organisation",
            "RSB-X",
            "--role",
            "coordinator",
            "--password",
            "short",
        ]
    )
    assert short.exit_code != 0 and "at least 12" in short.output
    unknown = runner.invoke(
        args=[
            "create-user",
            "--email",
            "c@example.test",
            "--name",
            "C",
            "--organisation",
            "NOPE",
            "--role",
            "admin",
            "--password",
            "a-long-enough-password",
        ]
    )
    assert unknown.exit_code != 0 and "no organisation has code 'NOPE'" in unknown.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_import_framework_command(runner, tmp_path):
    ok = runner.invoke(args=["import-framework", str(FRAMEWORK_FIXTURES / "valid.yaml")])
    assert ok.exit_code == 0 and "Imported test-framework version 1" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: x\n")
    refused = runner.invoke(args=["import-framework", str(bad)])
    assert refused.exit_code != 0
    assert (
        "Nothing was imported" in refused.output and f"{bad}: title: is missing" in refused.output
    )
    assert db.session.scalar(select(func.count(Framework.id))) == 1


def test_init_db_is_safe_to_repeat_and_keeps_data(runner, make_org):
    org = make_org()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert db.session.get(type(org), org.id) is not None


def test_migrations_match_the_models(app):
    """A model change without a migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_seed_demo_refuses_in_production(app, runner):
    app.config["TRACKER_ENV"] = "production"
    try:
        result = runner.invoke(args=["seed-demo"])
    finally:
        app.config["TRACKER_ENV"] = "development"
    assert result.exit_code != 0 and "refuses to run" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_sweep_evidence_removes_only_unreferenced_files(app, runner, make_user, any_store):
    import io

    from tracker.evidence.operations import store
    from tracker.models import Evidence

    user = make_user()
    kept = store().put(io.BytesIO(b"kept"), 100, lambda p: None)
    orphan = store().put(io.BytesIO(b"orphan"), 100, lambda p: None)
    db.session.add(
        Evidence(
            organisation_id=user.organisation_id,
            title="Kept",
            kind="data",
            source_organisation_id=user.organisation_id,
            uploaded_by_id=user.id,
            sha256=kept.sha256,
        )
    )
    db.session.commit()
    result = runner.invoke(args=["sweep-evidence", "--older-than", "0"])
    assert result.exit_code == 0 and "Removed 1" in result.output
    assert store().exists(kept.sha256) and not store().exists(orphan.sha256)


def test_sweep_evidence_says_when_the_store_does_not_answer(app, runner, s3_server):
    from tests.conftest import free_port

    app.config["TRACKER_STORAGE_URL"] = f"s3://{s3_server.bucket}/swept"
    app.config["TRACKER_S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(args=["sweep-evidence"])
    assert result.exit_code == 1 and "could not list its files" in result.output
    assert "Traceback" not in result.output


def test_sweep_evidence_says_when_the_container_does_not_answer(
    app, runner, azurite_server, monkeypatch
):
    from tests.azurite import connection_string
    from tests.conftest import free_port

    app.config["TRACKER_STORAGE_URL"] = f"az://{azurite_server.container}/swept"
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection_string(free_port()))
    result = runner.invoke(args=["sweep-evidence"])
    assert result.exit_code == 1 and "could not list its files" in result.output
    assert "az://" in result.output and "Traceback" not in result.output


def test_create_user_keeps_the_password_and_role_rules_of_the_pages(runner, make_org):
    common = _create(runner, make_org, **{"--password": "password1234"})
    assert common.exit_code != 0 and "most common" in common.output
    args = ["--email", "a@example.test", "--name", "A", "--organisation", "RSB-X"]
    admin_of_a_board = runner.invoke(
        args=["create-user", *args, "--role", "admin", "--password", "a-long-enough-password"]
    )
    assert admin_of_a_board.exit_code != 0
    assert "Administrators must belong to the national team" in admin_of_a_board.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_sweep_sessions_forgets_only_what_has_expired(app, runner, make_user):
    from datetime import timedelta

    from tracker.models import EndedSession
    from tracker.models.base import utcnow

    user = make_user()
    hours = app.config["TRACKER_SESSION_HOURS"]
    old = EndedSession(sid="old", user_id=user.id, created_at=utcnow() - timedelta(hours=hours + 1))
    recent = EndedSession(sid="recent", user_id=user.id)
    db.session.add_all([old, recent])
    db.session.commit()
    result = runner.invoke(args=["sweep-sessions"])
    assert result.exit_code == 0 and "Forgot 1" in result.output
    assert db.session.scalars(select(EndedSession.sid)).all() == ["recent"]
