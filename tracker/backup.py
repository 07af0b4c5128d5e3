"""Backup and restore (DESIGN §9, §11): a consistent snapshot of the database and the store.

A snapshot is a new folder:

    manifest.json      the SHA-256 and size of every file below, the schema (Alembic) revision,
                       the app version, when it was made and how many rows each table held
    database.sqlite    on SQLite: a copy made with SQLite's online backup API
    database.jsonl     on PostgreSQL: every table's rows, read in one REPEATABLE READ snapshot
    store/ab/cd/abcd…  every file of the evidence store (evidence, and the web page and PDF of
                       every published statement), laid out as the store lays them out

Consistent while the app is in use: the database is copied first, as of one moment, and the
files after it. The store is content-addressed and only ever added to, and an upload or a
publish stores its file before it commits the row naming it, so every file the copied rows
name is already there; the backup checks that and fails if one is missing. Files stored after
that moment are copied too: no row in the snapshot names them, so after a restore they are
unreferenced files like those a failed upload leaves, harmless, and `sweep-evidence` removes
them.

PostgreSQL is dumped by the app itself, not with pg_dump: the dump then names no schema (the
app may live in any schema its search_path chooses, and a snapshot can be restored into a
different schema or database), it needs no client binaries whose version must match the
server's, and the table definitions come from the migrations, which are the schema's source of
truth anyway. The rows are read in one REPEATABLE READ, READ ONLY transaction, the same
guarantee pg_dump gives: every table as of one moment, whatever the app writes meanwhile.

A backup is written to a hidden folder beside PATH and renamed to PATH only when complete, so
a failed one never leaves anything that looks like a snapshot. A restore checks every SHA-256
before it touches anything, refuses an instance that holds any data, and either completes or
leaves the instance empty.
"""

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from datetime import date, datetime, time
from decimal import Decimal
from importlib import metadata as package_metadata
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    LargeBinary,
    MetaData,
    Numeric,
    Text,
    Time,
    cast,
    create_engine,
    func,
    inspect,
    select,
    table,
    text,
)

from tracker.evidence.operations import store
from tracker.evidence.queries import STORED_FILE_COLUMNS, referenced_addresses
from tracker.evidence.storage import LocalStore
from tracker.extensions import db
from tracker.models.base import utcnow

FORMAT = "safeguarding-tracker-snapshot"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
DUMP_FILE = "database.jsonl"
STORE_DIR = "store"
NO_LIMIT = 1 << 50
BATCH = 1000
MANIFEST_KEYS = ("schema_revision", "database", "row_counts", "files")


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why."""


# --- backup ------------------------------------------------------------------------------------


def backup(path) -> dict:
    """Write a snapshot of the database and the evidence store to `path`, a new folder, and
    return its manifest."""
    target = Path(path).absolute()
    if target.exists() or target.is_symlink():
        raise BackupError(
            f"{target} already exists. A backup never overwrites anything: choose a new path."
        )
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.incomplete-", dir=target.parent))
    try:
        manifest = _write_snapshot(work)
        if target.exists():
            raise BackupError(f"{target} appeared while the backup was written; it is left alone.")
        os.rename(work, target)
        _fsync(target.parent)
    except OSError as exc:  # a full disk, a folder it may not write to
        shutil.rmtree(work, ignore_errors=True)
        raise BackupError(f"The backup failed: {exc}. Nothing was written to {target}.") from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _write_snapshot(work: Path) -> dict:
    engine = db.engine
    if engine.dialect.name == "sqlite":
        database = _snapshot_sqlite(engine, work / SQLITE_FILE)
    elif engine.dialect.name == "postgresql":
        database = _snapshot_postgresql(engine, work / DUMP_FILE)
    else:
        raise BackupError(f"Backups of {engine.dialect.name} databases are not supported.")
    files = _copy_store(store(), LocalStore(work / STORE_DIR), database["referenced"])
    database_file = work / database["path"]
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": utcnow().isoformat(),
        "app_version": _app_version(),
        "schema_revision": database["revision"],
        "database": {
            "dialect": engine.dialect.name,
            "path": database["path"],
            "sha256": _sha256_of(database_file),
            "size": database_file.stat().st_size,
        },
        "row_counts": database["row_counts"],
        "files": files,
    }
    (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    for written in (work / MANIFEST, database_file, work):
        _fsync(written)
    return manifest


def _snapshot_sqlite(engine, out: Path) -> dict:
    source = engine.url.database
    if not source or source == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(out)) as dst:
        # In one step SQLite copies every page as of one moment; the app's connections go on
        # writing to the WAL meanwhile, unseen by this copy.
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    described = _describe_file(out)
    described["path"] = SQLITE_FILE
    return described


def _snapshot_postgresql(engine, out: Path) -> dict:
    with engine.connect() as conn:
        # The snapshot is taken at the transaction's first query: everything read below, the
        # counts and every table's rows, is the database as of that one moment.
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        described = _describe(conn)
        meta = MetaData()
        meta.reflect(conn)
        with out.open("w", encoding="utf-8") as dump:
            for each in _tables_in_load_order(meta):
                _dump_table(conn, each, dump)
        conn.rollback()  # read only: nothing to keep
    described["path"] = DUMP_FILE
    return described


def _dump_table(conn, each, dump) -> None:
    columns = list(each.columns)
    dump.write(json.dumps({"table": each.name, "columns": [c.name for c in columns]}) + "\n")
    # JSON as its text, so that SQL NULL and JSON null stay apart.
    readable = [cast(c, Text).label(c.name) if isinstance(c.type, JSON) else c for c in columns]
    query = select(*readable).order_by(*(list(each.primary_key.columns) or columns))
    for row in conn.execute(query.execution_options(yield_per=BATCH)):
        dump.write(json.dumps([_encode(v) for v in row], ensure_ascii=False) + "\n")


def _copy_store(source: LocalStore, snapshot: LocalStore, referenced: set[str]) -> list[dict]:
    files = []
    for address in sorted(source.addresses()):
        try:
            stream = source.open(address)
        except FileNotFoundError:  # swept meanwhile: unreferenced, so not needed
            if address in referenced:
                raise
            continue
        with stream:
            stored = snapshot.put(stream, NO_LIMIT, lambda _path: None)
        if stored.sha256 != address:
            raise BackupError(
                f"The stored file {address} does not match its address: it is damaged. "
                "No snapshot was written; restore that file from an earlier snapshot."
            )
        files.append({"sha256": address, "size": stored.size, "referenced": address in referenced})
    missing = referenced - {f["sha256"] for f in files}
    if missing:
        raise BackupError(
            f"{len(missing)} file(s) the database refers to are missing from the evidence store "
            f"{source.root}: {', '.join(sorted(missing)[:5])}. No snapshot was written."
        )
    shutil.rmtree(snapshot.root / "tmp", ignore_errors=True)
    return files


# --- restore -----------------------------------------------------------------------------------


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
        target.sweep(set(target.addresses()) - written, older_than_seconds=-60)
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
    order = _revisions()
    if revision not in order:
        raise BackupError(
            f"The snapshot's schema revision {revision} is not one this version of the tracker "
            f"knows (its newest is {order[-1]}): the snapshot was made by a newer version. "
            "Restore it with that version, or upgrade this one first. Nothing was restored."
        )
    return revision != order[-1]


def _revisions() -> list[str]:
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


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
        or _sha256_of(database_file) != database["sha256"]
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
            digest, size = _digest(stream)
        if size != entry["size"] or digest != address:
            damaged.append(f"the stored file {address} does not match its SHA-256")
    if damaged:
        raise BackupError(
            "The snapshot is damaged, so nothing was restored:\n  " + "\n  ".join(damaged)
        )
    if database["path"] == SQLITE_FILE:
        described = _describe_file(database_file)
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
        counts = _describe_counts(conn)
    full = {name: n for name, n in counts.items() if n}
    if full:
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(full.items()))
        raise BackupError(
            f"The database is not empty: rows in {listed}. A snapshot is restored only into a "
            "new, empty instance. Nothing was changed."
        )
    root = Path(current_app.config["TRACKER_EVIDENCE_DIR"])
    if root.exists() and any(p.is_file() for p in root.rglob("*")):
        raise BackupError(
            f"The evidence store {root} is not empty. A snapshot is restored only into a new, "
            "empty instance. Nothing was changed."
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
        _reset_sequences(conn, meta)
        _check_contents(_describe_counts(conn), _referenced(conn), manifest)


def _migrate_to(engine, revision: str) -> None:
    """Bring the empty target's schema to the snapshot's revision, up or down."""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == revision:
        return
    order = _revisions()
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
            _keep_json_nulls(current)
            decoders = [_decoder(current.c[name].type) for name in names]
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


def _reset_sequences(conn, meta: MetaData) -> None:
    """Set every id sequence past the restored ids, so new rows get fresh ones."""
    quote = conn.dialect.identifier_preparer.quote
    for each in meta.sorted_tables:
        for col in each.columns:
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": quote(each.name), "c": col.name},
            ).scalar()
            if sequence:
                highest = f"(SELECT MAX({quote(col.name)}) FROM {quote(each.name)})"
                conn.execute(
                    text(f"SELECT setval(:s, COALESCE({highest}, 1), {highest} IS NOT NULL)"),
                    {"s": sequence},
                )


# --- shared --------------------------------------------------------------------------------------


def _tables_in_load_order(meta: MetaData) -> list:
    return [t for t in meta.sorted_tables if t.name != "alembic_version"]


def _table_names(conn) -> list[str]:
    return sorted(
        name
        for name in inspect(conn).get_table_names()
        if name != "alembic_version" and not name.startswith("sqlite_")
    )


def _describe_counts(conn) -> dict[str, int]:
    return {
        name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
        for name in _table_names(conn)
    }


def _describe(conn) -> dict:
    """A database's schema revision, rows per table and the store addresses it names."""
    if "alembic_version" not in inspect(conn).get_table_names():
        raise BackupError("The database has no schema yet: run init-db first.")
    revisions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(revisions) != 1:
        raise BackupError(f"The database names {len(revisions)} schema revisions, not one.")
    return {
        "revision": revisions[0],
        "row_counts": _describe_counts(conn),
        "referenced": _referenced(conn),
    }


def _referenced(conn) -> set[str]:
    """The store addresses a database names, in the columns its schema revision has."""
    schema = inspect(conn)
    present = {name: {c["name"] for c in schema.get_columns(name)} for name in _table_names(conn)}
    columns = [(t, c) for t, c in STORED_FILE_COLUMNS if c in present.get(t, ())]
    return referenced_addresses(conn, columns)


def _describe_file(sqlite_file: Path) -> dict:
    uri = sqlite_file.as_uri() + "?mode=ro"  # read only: the snapshot's checksum stays true
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        with engine.connect() as conn:
            return _describe(conn)
    finally:
        engine.dispose()


def _encode(value):
    """A column's value as JSON; `_decoder` reads it back by the column's type."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _keep_json_nulls(each) -> None:
    """Let a table's JSON columns write None as SQL NULL and JSON.NULL as a JSON null."""
    for col in each.columns:
        if isinstance(col.type, JSON):
            col.type = type(col.type)(none_as_null=True)


def _decoder(kind):
    if isinstance(kind, JSON):  # dumped as its text, "null" for a stored JSON null
        return lambda value: JSON.NULL if value == "null" else json.loads(value)
    if isinstance(kind, DateTime):
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Time):
        return time.fromisoformat
    if isinstance(kind, LargeBinary):
        return base64.b64decode
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        return Decimal
    return None


def _digest(stream) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _sha256_of(path: Path) -> str:
    with path.open("rb") as stream:
        return _digest(stream)[0]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _app_version() -> str:
    try:
        return package_metadata.version("safeguarding-tracker")
    except package_metadata.PackageNotFoundError:
        return "unknown"
