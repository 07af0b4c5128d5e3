"""Restoring a snapshot into a new, empty instance: every SHA-256 checked first, then all
or nothing."""

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData

from tracker import database
from tracker.backup.common import (
    BATCH,
    DUMP_FILE,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MANIFEST_KEYS,
    NO_LIMIT,
    SQLITE_FILE,
    STORE_DIR,
    BackupError,
    decoder,
    describe_counts,
    describe_file,
    digest_of,
    keep_json_nulls,
    named_files,
    revisions,
    sha256_of,
)
from tracker.evidence.operations import store
from tracker.evidence.storage import LocalStore
from tracker.extensions import db


def restore(path) -> dict:
    """Load a snapshot into this instance's empty database and evidence store, then bring the
    schema up to date; return the snapshot's manifest."""
    source = Path(path).absolute()
    manifest = _read_manifest(source)
    engine = db.engine
    if manifest["database"]["dialect"] != engine.dialect.name:
        raise BackupError(
            f"The snapshot is of a {manifest['database']['dialect']} database; this instance "
            f"uses {engine.dialect.name}. Nothing was restored."
        )
    revision = manifest["schema_revision"]
    older = _is_older_than_head(revision)
    _verify(source, manifest)
    _refuse_unless_empty(engine)
    db.session.remove()
    target = store()
    written: set[str] = set()
    try:
        snapshot_store = LocalStore(source / STORE_DIR)
        for entry in manifest["files"]:
            with snapshot_store.open(entry["sha256"]) as stream:
                stored = target.put(stream, NO_LIMIT, lambda _path: None)
            written.add(stored.sha256)
            if stored.sha256 != entry["sha256"]:
                raise BackupError(f"The file {entry['sha256']} changed while it was restored.")
        database_file = source / manifest["database"]["path"]
        if engine.dialect.name == "sqlite":
            _load_sqlite(engine, database_file)
        else:
            _load_postgresql(engine, database_file, manifest)
    except BaseException as exc:
        # The database holds nothing, so nothing refers to the files copied in: remove them.
        try:
            target.sweep(set(target.addresses()) - written, older_than_seconds=-60)
        except OSError:  # the store is gone meanwhile: the first error is the one to tell
            pass
        if isinstance(exc, OSError):  # a full disk, a folder it may not write to
            raise BackupError(f"The restore failed: {exc}. The instance is left empty.") from exc
        raise
    if older:
        upgrade()
    return manifest


def _read_manifest(source: Path) -> dict:
    if not (source / MANIFEST).is_file():
        raise BackupError(f"{source} is not a snapshot: it has no {MANIFEST}.")
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except ValueError:
        raise BackupError(f"{source / MANIFEST} is damaged. Nothing was restored.") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{source} is not a snapshot this version of the tracker can read.")
    lacking = [key for key in MANIFEST_KEYS if key not in manifest]
    if lacking:
        raise BackupError(f"{source / MANIFEST} lacks {', '.join(lacking)}. Nothing was restored.")
    return manifest


def _is_older_than_head(revision: str) -> bool:
    """Whether the snapshot's schema is older than the code's; refuse one the code lacks."""
    order = revisions()
    if revision not in order:
        raise BackupError(
            f"The snapshot's schema revision {revision} is not one this version of the tracker "
            f"knows (its newest is {order[-1]}): the snapshot was made by a newer version. "
            "Restore it with that version, or upgrade this one first. Nothing was restored."
        )
    return revision != order[-1]


def _verify(source: Path, manifest: dict) -> None:
    """Check every file's SHA-256 and size against the manifest, and that the database names
    no file the snapshot lacks, before anything is restored."""
    database = manifest["database"]
    if database["path"] not in (SQLITE_FILE, DUMP_FILE):
        raise BackupError(f"The manifest names an unexpected database file {database['path']}.")
    damaged = []
    database_file = source / database["path"]
    if not database_file.is_file():
        damaged.append(f"{database['path']} is missing")
    elif (
        database_file.stat().st_size != database["size"]
        or sha256_of(database_file) != database["sha256"]
    ):
        damaged.append(f"{database['path']} does not match its SHA-256 in the manifest")
    snapshot_store = LocalStore(source / STORE_DIR)
    for entry in manifest["files"]:
        address = entry["sha256"]
        try:
            present = snapshot_store.exists(address)
        except ValueError:
            raise BackupError(f"The manifest names a file {address!r}.") from None
        if not present:
            damaged.append(f"the stored file {address} is missing")
            continue
        with snapshot_store.open(address) as stream:
            digest, size = digest_of(stream)
        if size != entry["size"] or digest != address:
            damaged.append(f"the stored file {address} does not match its SHA-256")
    if damaged:
        raise BackupError(
            "The snapshot is damaged, so nothing was restored:\n  " + "\n  ".join(damaged)
        )
    if database["path"] == SQLITE_FILE:
        described = describe_file(database_file)
        if described["revision"] != manifest["schema_revision"]:
            raise BackupError("The snapshot's database and manifest name different revisions.")
        _check_contents(described["row_counts"], described["referenced"], manifest)


def _check_contents(counts: dict, referenced: set[str], manifest: dict) -> None:
    if counts != manifest["row_counts"]:
        raise BackupError("The snapshot's rows do not match the manifest's counts.")
    missing = referenced - {entry["sha256"] for entry in manifest["files"]}
    if missing:
        raise BackupError(
            f"The snapshot's database refers to {len(missing)} file(s) the snapshot lacks."
        )


def _refuse_unless_empty(engine) -> None:
    with engine.connect() as conn:
        counts = describe_counts(conn)
    full = {name: n for name, n in counts.items() if n}
    if full:
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(full.items()))
        raise BackupError(
            f"The database is not empty: rows in {listed}. A snapshot is restored only into a "
            "new, empty instance. Nothing was changed."
        )
    target = store()
    if target.holds_anything():
        raise BackupError(
            f"The evidence store {target.location} is not empty. A snapshot is restored only "
            "into a new, empty instance. Nothing was changed."
        )


def _load_sqlite(engine, snapshot_file: Path) -> None:
    engine.dispose()  # no pooled connection keeps the empty database open meanwhile
    snapshot = sqlite3.connect(snapshot_file.as_uri() + "?mode=ro", uri=True)
    with closing(snapshot), closing(sqlite3.connect(engine.url.database, timeout=30)) as target:
        snapshot.backup(target)  # replaces the whole (empty) database in one transaction
    engine.dispose()


def _load_postgresql(engine, dump_file: Path, manifest: dict) -> None:
    _migrate_to(engine, manifest["schema_revision"])
    with engine.begin() as conn:  # all the rows, or none
        meta = MetaData()
        meta.reflect(conn)
        with dump_file.open(encoding="utf-8") as dump:
            _insert_rows(conn, meta, dump)
        database.reset_sequences(conn, meta.sorted_tables)
        _check_contents(describe_counts(conn), named_files(conn), manifest)


def _migrate_to(engine, revision: str) -> None:
    """Bring the empty target's schema to the snapshot's revision, up or down."""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == revision:
        return
    order = revisions()
    if current is None or order.index(current) < order.index(revision):
        upgrade(revision=revision)
    else:
        downgrade(revision=revision)  # the instance holds no rows, so nothing is lost


def _insert_rows(conn, meta: MetaData, dump) -> None:
    current, names, decoders, rows, held = None, [], [], [], False

    def flush():
        if rows:
            conn.execute(current.insert(), _parents_first(current, rows) if held else rows)
            rows.clear()

    for line in dump:
        item = json.loads(line)
        if isinstance(item, dict):
            flush()
            current = meta.tables.get(item["table"])
            if current is None or set(item["columns"]) != set(current.columns.keys()):
                raise BackupError(
                    f"The snapshot's table {item['table']} does not match the schema at its "
                    "revision. Nothing was restored."
                )
            names = item["columns"]
            keep_json_nulls(current)
            decoders = [decoder(current.c[name].type) for name in names]
            held = any(fk.column.table is current for fk in current.foreign_keys)
            continue
        rows.append(
            {
                name: (decode(value) if decode and value is not None else value)
                for name, decode, value in zip(names, decoders, item, strict=True)
            }
        )
        if len(rows) >= BATCH and not held:  # a table referring to itself is loaded whole
            flush()
    flush()


def _parents_first(each, rows: list[dict]) -> list[dict]:
    """Order a self-referring table's rows (an organisation's region) so that every row comes
    after the row it refers to: the foreign keys are checked row by row."""
    refs = [(fk.parent.name, fk.column.name) for fk in each.foreign_keys if fk.column.table is each]
    placed = {target: set() for _column, target in refs}
    ordered, pending = [], rows
    while pending:
        ready, waiting = [], []
        for row in pending:
            free = all(row[col] is None or row[col] in placed[target] for col, target in refs)
            (ready if free else waiting).append(row)
        if not ready:
            raise BackupError(f"The rows of {each.name} refer to each other in a circle.")
        for row in ready:
            for _column, target in refs:
                placed[target].add(row[target])
        ordered += ready
        pending = waiting
    return ordered
