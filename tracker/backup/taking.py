"""Taking a snapshot: the database as of one moment, then every file of the store."""

import json
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from sqlalchemy import JSON, MetaData, Text, cast, select, text

from tracker.backup.common import (
    BATCH,
    DUMP_FILE,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    NO_LIMIT,
    SQLITE_FILE,
    STORE_DIR,
    BackupError,
    app_version,
    describe,
    describe_file,
    encode,
    fsync,
    sha256_of,
    tables_in_load_order,
)
from tracker.evidence.operations import store
from tracker.evidence.storage import EvidenceStore, LocalStore
from tracker.extensions import db
from tracker.models.base import utcnow


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
        fsync(target.parent)
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
        "app_version": app_version(),
        "schema_revision": database["revision"],
        "database": {
            "dialect": engine.dialect.name,
            "path": database["path"],
            "sha256": sha256_of(database_file),
            "size": database_file.stat().st_size,
        },
        "row_counts": database["row_counts"],
        "files": files,
    }
    (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    for written in (work / MANIFEST, database_file, work):
        fsync(written)
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
    described = describe_file(out)
    described["path"] = SQLITE_FILE
    return described


def _snapshot_postgresql(engine, out: Path) -> dict:
    with engine.connect() as conn:
        # The snapshot is taken at the transaction's first query: everything read below, the
        # counts and every table's rows, is the database as of that one moment.
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        described = describe(conn)
        meta = MetaData()
        meta.reflect(conn)
        with out.open("w", encoding="utf-8") as dump:
            for each in tables_in_load_order(meta):
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
        dump.write(json.dumps([encode(v) for v in row], ensure_ascii=False) + "\n")


def _copy_store(source: EvidenceStore, snapshot: LocalStore, referenced: set[str]) -> list[dict]:
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
            f"{source.location}: {', '.join(sorted(missing)[:5])}. No snapshot was written."
        )
    shutil.rmtree(snapshot.root / "tmp", ignore_errors=True)
    return files
