"""What taking and restoring a snapshot share: its layout, the reading of a database's
revision, rows and named files, and the encoding of values as JSON."""

import base64
import hashlib
import json
import os
import sqlite3
from datetime import date, datetime, time
from decimal import Decimal
from importlib import metadata as package_metadata
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    LargeBinary,
    MetaData,
    Numeric,
    Time,
    create_engine,
    func,
    inspect,
    select,
    table,
    text,
)

from tracker.evidence.queries import STORED_FILE_COLUMNS, referenced_addresses

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


def tables_in_load_order(meta: MetaData) -> list:
    return [t for t in meta.sorted_tables if t.name != "alembic_version"]


def table_names(conn) -> list[str]:
    return sorted(
        name
        for name in inspect(conn).get_table_names()
        if name != "alembic_version" and not name.startswith("sqlite_")
    )


def describe_counts(conn) -> dict[str, int]:
    return {
        name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
        for name in table_names(conn)
    }


def describe(conn) -> dict:
    """A database's schema revision, rows per table and the store addresses it names."""
    if "alembic_version" not in inspect(conn).get_table_names():
        raise BackupError("The database has no schema yet: run init-db first.")
    revisions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(revisions) != 1:
        raise BackupError(f"The database names {len(revisions)} schema revisions, not one.")
    return {
        "revision": revisions[0],
        "row_counts": describe_counts(conn),
        "referenced": named_files(conn),
    }


def named_files(conn) -> set[str]:
    """The store addresses a database names, in the columns its schema revision has."""
    schema = inspect(conn)
    present = {name: {c["name"] for c in schema.get_columns(name)} for name in table_names(conn)}
    columns = [(t, c) for t, c in STORED_FILE_COLUMNS if c in present.get(t, ())]
    return referenced_addresses(conn, columns)


def describe_file(sqlite_file: Path) -> dict:
    uri = sqlite_file.as_uri() + "?mode=ro"  # read only: the snapshot's checksum stays true
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        with engine.connect() as conn:
            return describe(conn)
    finally:
        engine.dispose()


def encode(value):
    """A column's value as JSON; `decoder` reads it back by the column's type."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def keep_json_nulls(each) -> None:
    """Let a table's JSON columns write None as SQL NULL and JSON.NULL as a JSON null."""
    for col in each.columns:
        if isinstance(col.type, JSON):
            col.type = type(col.type)(none_as_null=True)


def decoder(kind):
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


def digest_of(stream) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def sha256_of(path: Path) -> str:
    with path.open("rb") as stream:
        return digest_of(stream)[0]


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def app_version() -> str:
    try:
        return package_metadata.version("safeguarding-tracker")
    except package_metadata.PackageNotFoundError:
        return "unknown"


def revisions() -> list[str]:
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]
