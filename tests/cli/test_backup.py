"""`flask backup PATH` and `flask restore PATH` (DESIGN §9, §11): a snapshot restored into a new
instance holds every row and every stored file; a damaged snapshot or a used instance is refused
before anything changes."""

import hashlib
import io
import json
import os
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select, text

from tests.conftest import (
    TEST_STORAGE,
    FreshContextClient,
    csrf_token,
    every_row,
    postgres_schema,
)
from tracker import backup, create_app
from tracker.backup import taking
from tracker.backup.common import revisions
from tracker.evidence import operations as evidence_ops
from tracker.evidence import queries as evidence_queries
from tracker.evidence.storage import LocalStore, open_store
from tracker.extensions import db
from tracker.models import Evidence, Organisation, PublishedStatement, User


@pytest.fixture
def fresh_instance(tmp_path, store_settings):
    """Make new, empty instances: a database of their own (an SQLite file, or a PostgreSQL
    schema) and an evidence store of their own (a folder, or a prefix in the test bucket: the
    suite's kind unless `storage` says). `migrated` runs init-db's migrations first."""
    made = []

    def _make(migrated: bool = False, storage: str = TEST_STORAGE):
        n = len(made)
        url, drop = f"sqlite:///{tmp_path / f'instance{n}.sqlite'}", None
        if os.environ.get("TRACKER_TEST_DATABASE_URL"):
            url, drop = postgres_schema(os.environ["TRACKER_TEST_DATABASE_URL"])
        instance = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "test-secret-key",
                "SERVER_NAME": "tracker.test",
                **store_settings(storage),
            }
        )
        instance.test_client_class = FreshContextClient
        made.append((instance, drop))
        if migrated:
            with instance.app_context():
                upgrade()
        return instance

    yield _make
    for instance, drop in made:
        with instance.app_context():
            db.session.remove()
            db.engine.dispose()
        if drop:
            drop()


def rows_of(instance) -> dict[str, list[tuple]]:
    """Every table of the models in an instance, as tests.conftest.every_row reads them."""
    with instance.app_context():
        return every_row()


def files_of(instance) -> dict[str, bytes]:
    """Every stored file of an instance, by its address in the store."""
    store = open_store(instance.config)
    found = {}
    for address in store.addresses():
        with store.open(address) as stream:
            found[address] = stream.read()
    return found


def table_names(instance) -> list[str]:
    with instance.app_context(), db.engine.connect() as conn:
        return inspect(conn).get_table_names()


def run(instance, *args):
    """Run a command on `instance` (its context first: a command runs in the current app)."""
    with instance.app_context():
        return instance.test_cli_runner().invoke(args=list(args))


def sign_in(client, email: str, password: str) -> None:
    token = csrf_token(client, "/login")
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code


def add_file(user: User, content: bytes, title: str = "Minutes") -> Evidence:
    details = evidence_ops.Details(title, "document", user.organisation_id, None, None)
    return evidence_ops.add_file(
        user, user.organisation, details, io.BytesIO(content), "minutes.txt", 1 << 20
    )


def test_round_trip_of_the_demo_data(app, demo, fresh_instance, tmp_path):
    snapshot = tmp_path / "snapshot"
    made = run(app, "backup", str(snapshot))
    assert made.exit_code == 0, made.output
    assert "Snapshot written" in made.output
    target = fresh_instance(migrated=True)  # as after init-db on a new server
    restored = run(target, "restore", str(snapshot))
    assert restored.exit_code == 0, restored.output

    source_rows, target_rows = rows_of(app), rows_of(target)
    assert source_rows["evidence"] and source_rows["published_statement"]
    assert set(target_rows) == set(source_rows) == set(db.metadata.tables)
    for name, rows in source_rows.items():
        assert target_rows[name] == rows, f"{name} differs after the round trip"
    source_files = files_of(app)
    assert len(source_files) >= 3 and files_of(target) == source_files

    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert manifest["row_counts"] == {name: len(rows) for name, rows in source_rows.items()}
    assert {f["sha256"] for f in manifest["files"]} == set(source_files)

    with target.app_context():
        stored = db.session.scalar(
            select(Evidence)
            .join(Evidence.organisation)
            .where(Organisation.code == "RSB-CV", Evidence.sha256.is_not(None))
            .order_by(Evidence.id)
            .limit(1)
        )
        published = db.session.scalar(select(PublishedStatement).limit(1))
        client = target.test_client()
        sign_in(client, "coordinator@cardiff-vale.example", demo)
        download = client.get(f"/evidence/{stored.id}/download")
        assert download.status_code == 200
        assert hashlib.sha256(download.data).hexdigest() == stored.sha256
        pdf = client.get(f"/statements/{published.statement_id}/versions/{published.version}.pdf")
        assert pdf.status_code == 200
        assert hashlib.sha256(pdf.data).hexdigest() == published.pdf_sha256

        added = Organisation(code="NEW-AFTER-RESTORE", name="New", kind="rsb")
        db.session.add(added)
        db.session.commit()  # a fresh id, not one the restored rows hold
        assert added.id > max(row.id for row in source_rows["organisation"])
    # The comparison above would have noticed: the new row makes the tables differ.
    assert rows_of(target)["organisation"] != source_rows["organisation"]


MOVES = [("file", "s3"), ("s3", "file"), ("file", "azure"), ("azure", "file"), ("s3", "azure")]


@pytest.fixture(params=MOVES, ids=[f"{a}-to-{b}" for a, b in MOVES])
def moving(request, app, store_settings):
    """The app's store is the first kind (before `demo` fills it); the second is the target's."""
    source, target = request.param
    settings = store_settings(source)
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    yield target
    app.config.update(saved)


def test_a_snapshot_moves_the_files_between_kinds_of_store(
    app, moving, demo, fresh_instance, tmp_path
):
    """From a directory to a bucket or a container and back, and from a bucket to a container:
    backup, then restore into an instance with the other TRACKER_STORAGE_URL; every file
    arrives whole and downloads as before."""
    snapshot = tmp_path / "snapshot"
    assert run(app, "backup", str(snapshot)).exit_code == 0
    target = fresh_instance(migrated=True, storage=moving)
    restored = run(target, "restore", str(snapshot))
    assert restored.exit_code == 0, restored.output
    scheme = {"file": "/", "s3": "s3://", "azure": "az://"}[moving]
    assert open_store(target.config).location.startswith(scheme)
    source_files = files_of(app)
    assert len(source_files) >= 3 and files_of(target) == source_files
    assert all(hashlib.sha256(data).hexdigest() == sha for sha, data in source_files.items())
    assert rows_of(target) == rows_of(app)
    with target.app_context():
        published = db.session.scalar(select(PublishedStatement).limit(1))
        client = target.test_client()
        pdf = client.get(f"/statements/{published.statement_id}/versions/{published.version}.pdf")
        assert pdf.status_code == 200
        assert hashlib.sha256(pdf.data).hexdigest() == published.pdf_sha256


@pytest.mark.parametrize("kind", ["s3", "azure"])
def test_a_restore_into_a_bucket_that_fails_leaves_it_empty(
    app, region, fresh_instance, tmp_path, monkeypatch, kind
):
    snapshot = _snapshot_with_a_file(app, region, tmp_path / "snapshot")
    add_file(region["coordinator"], b"a second file\n", "Second")
    assert run(app, "backup", str(tmp_path / "two")).exit_code == 0
    target = fresh_instance(migrated=True, storage=kind)
    from tracker.evidence.storage import StoreFailed, azure, s3

    store_class = {"s3": s3.S3Store, "azure": azure.AzureStore}[kind]
    real_upload, calls = store_class.put, []

    def fails_on_the_second(self, *args):
        calls.append(1)
        if len(calls) == 2:
            raise StoreFailed("The evidence store could not store a file: connection reset")
        return real_upload(self, *args)

    monkeypatch.setattr(store_class, "put", fails_on_the_second)
    failed = run(target, "restore", str(tmp_path / "two"))
    assert failed.exit_code == 1 and "connection reset" in failed.output
    assert "left empty" in failed.output
    monkeypatch.undo()
    assert files_of(target) == {} and not open_store(target.config).holds_anything()
    assert all(not rows for rows in rows_of(target).values())
    assert snapshot.exists()


def test_backup_while_the_app_writes(app, region, fresh_instance, tmp_path):
    """Uploads go on during the backup: the snapshot is one moment's rows, every file they
    name is in it, and the restore holds exactly the counts the manifest records."""
    user = region["coordinator"]
    for n in range(60):  # enough files that copying them takes a while
        add_file(user, f"earlier file {n}\n".encode(), f"Earlier {n}")
    before = db.session.scalar(select(func.count(Evidence.id)))
    started, stop, written = threading.Event(), threading.Event(), []
    failures = []

    def write():
        with app.app_context():
            writer = db.session.get(User, user.id)
            try:
                while not stop.is_set():
                    n = len(written)
                    written.append(add_file(writer, f"written meanwhile {n}\n".encode()).id)
                    if n == 2:
                        started.set()
            except Exception as exc:  # reported to the test below
                failures.append(exc)
                started.set()
            finally:
                db.session.remove()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        assert started.wait(30)
        manifest = backup.backup(tmp_path / "snapshot")
        at_backup = len(written)
        # Writes carry on after the snapshot too (wait for one more, without sleeping).
        while len(written) <= at_backup + 1 and thread.is_alive() and not failures:
            started.wait(0.01)
    finally:
        stop.set()
        thread.join(30)
    assert not failures, failures
    db.session.expire_all()
    after = db.session.scalar(select(func.count(Evidence.id)))
    assert before < manifest["row_counts"]["evidence"] < after

    target = fresh_instance()
    restored = run(target, "restore", str(tmp_path / "snapshot"))
    assert restored.exit_code == 0, restored.output
    assert {name: len(rows) for name, rows in rows_of(target).items()} == manifest["row_counts"]
    with target.app_context():
        referenced = evidence_queries.referenced_addresses()
        assert len(referenced) == manifest["row_counts"]["evidence"]
        assert all(evidence_ops.store().exists(address) for address in referenced)


def _snapshot_with_a_file(app, region, path: Path) -> Path:
    add_file(region["coordinator"], b"board minutes, March\n")
    made = run(app, "backup", str(path))
    assert made.exit_code == 0, made.output
    return path


@pytest.mark.parametrize("part", ["stored file", "database"])
def test_a_damaged_snapshot_is_refused_before_anything_is_restored(
    app, region, fresh_instance, tmp_path, part
):
    snapshot = _snapshot_with_a_file(app, region, tmp_path / "snapshot")
    if part == "stored file":
        damaged = next(p for p in (snapshot / "store").rglob("*") if p.is_file())
    else:
        damaged = next(snapshot.glob("database.*"))
    content = bytearray(damaged.read_bytes())
    content[len(content) // 2] ^= 0x01  # one byte, same size
    damaged.write_bytes(bytes(content))

    target = fresh_instance()
    refused = run(target, "restore", str(snapshot))
    assert refused.exit_code == 1
    assert "damaged, so nothing was restored" in refused.output
    assert "does not match its SHA-256" in refused.output
    assert table_names(target) == [] and files_of(target) == {}


def test_restore_refuses_an_instance_with_data_and_changes_nothing(
    app, region, fresh_instance, tmp_path
):
    snapshot = _snapshot_with_a_file(app, region, tmp_path / "snapshot")
    add_file(region["coordinator"], b"added after the backup\n", "Later")
    rows, files = rows_of(app), files_of(app)
    refused = run(app, "restore", str(snapshot))
    assert refused.exit_code == 1
    assert "The database is not empty" in refused.output and "Nothing was changed" in refused.output
    assert rows_of(app) == rows and files_of(app) == files

    # An empty database beside an evidence store with files in it is not an empty instance.
    target = fresh_instance(migrated=True)
    store = open_store(target.config)
    if isinstance(store, LocalStore):
        store.root.mkdir(parents=True)
        (store.root / "note.txt").write_text("left here by someone")
    elif store.location.startswith("az://"):
        store.container.upload_blob(store.root + "note.txt", b"left")
    else:
        store.client.put_object(Bucket=store.bucket, Key=store.root + "note.txt", Body=b"left")
    refused = run(target, "restore", str(snapshot))
    assert refused.exit_code == 1 and "evidence store" in refused.output
    assert all(not rows for rows in rows_of(target).values())


def test_restore_refuses_a_snapshot_newer_than_the_code(app, region, fresh_instance, tmp_path):
    snapshot = _snapshot_with_a_file(app, region, tmp_path / "snapshot")
    manifest_file = snapshot / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["schema_revision"] = "ffffffffffff"
    manifest_file.write_text(json.dumps(manifest))
    target = fresh_instance()
    refused = run(target, "restore", str(snapshot))
    assert refused.exit_code == 1 and "made by a newer version" in refused.output
    assert table_names(target) == []


def test_restore_upgrades_an_older_snapshot(fresh_instance, tmp_path):
    older = fresh_instance()
    with older.app_context():
        previous = revisions()[-2]
        upgrade(revision=previous)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organisation (id, code, name, kind, created_at, updated_at)"
                    " VALUES (7, 'RSB-OLD', 'Old', 'rsb', :now, :now)"
                ),
                {"now": "2026-01-01 00:00:00"},
            )
    made = run(older, "backup", str(tmp_path / "snapshot"))
    assert made.exit_code == 0, made.output
    assert json.loads((tmp_path / "snapshot" / "manifest.json").read_text())["schema_revision"] == (
        previous
    )

    target = fresh_instance(migrated=True)  # at the newest revision: taken down, then up again
    restored = run(target, "restore", str(tmp_path / "snapshot"))
    assert restored.exit_code == 0, restored.output
    with target.app_context():
        assert (
            db.session.scalar(text("SELECT version_num FROM alembic_version")) == (revisions()[-1])
        )
        assert db.session.get(Organisation, 7).code == "RSB-OLD"


def test_backup_never_overwrites(app, region, tmp_path):
    add_file(region["coordinator"], b"minutes\n")
    existing = tmp_path / "existing"
    existing.mkdir()
    (tmp_path / "a-file").write_text("keep me")
    for path in (existing, tmp_path / "a-file"):
        refused = run(app, "backup", str(path))
        assert refused.exit_code == 1 and "already exists" in refused.output
    assert list(existing.iterdir()) == [] and (tmp_path / "a-file").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "evidence") == [
        "a-file",
        "existing",
    ]


def test_a_failed_backup_leaves_nothing_that_looks_complete(app, region, tmp_path, monkeypatch):
    add_file(region["coordinator"], b"minutes\n")

    def full_disk(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(taking, "_copy_store", full_disk)
    failed = run(app, "backup", str(tmp_path / "snapshot"))
    assert failed.exit_code == 1
    assert "No space left on device" in failed.output and "Nothing was written to" in failed.output
    assert [p.name for p in tmp_path.iterdir() if p.name != "evidence"] == []
