"""A database's rows and stored files, set aside once and copied back for each test.

Seeding the demo data goes through the services, draws charts and renders PDFs: seconds a
time. The suite seeds it once per process, sets every table's rows aside where the database
itself can copy them back (on SQLite a database file beside the test database, on PostgreSQL a
schema beside the test schema), notes where each id sequence stood, and keeps the files the
seed stored. Copying back is one INSERT ... SELECT per table, parents first: the same rows,
ids and stored bytes as the seed left, JSON nulls and all, since no value passes through Python.
"""

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import text

from tracker.evidence.storage import LocalStore
from tracker.extensions import db

ASIDE = "aside"  # what the copy's database is called while attached to a SQLite connection


class Template:
    """The tables and stored files of one moment, to be copied back into empty tables."""

    def __init__(self, name: str, files: Path):
        self.name = name
        self.files = files
        self.sequences: dict[str, int] = {}
        self.where = ""

    def take(self) -> "Template":
        """Set aside every table's rows as they are now (and the files already in `files`)."""
        engine = db.engine
        db.session.remove()
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                self.where = f"{_current_schema(conn)}_{self.name}"
                conn.execute(text(f"CREATE SCHEMA {self.where}"))
                for table in db.metadata.sorted_tables:
                    conn.execute(
                        text(f"CREATE TABLE {self.where}.{table.name} AS TABLE {table.name}")
                    )
                # Where each id sequence stood: a new row after the copy gets the id it would
                # have got after the seed. (Never-used sequences are left as emptying set them.)
                self.sequences = dict(
                    conn.execute(
                        text(
                            "SELECT sequencename, last_value FROM pg_sequences "
                            "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
                        )
                    ).all()
                )
        else:
            source = Path(engine.url.database)
            self.where = str(source.with_name(f"{source.stem}-{self.name}.sqlite"))
            with (
                closing(sqlite3.connect(source)) as src,
                closing(sqlite3.connect(self.where)) as dst,
            ):
                src.backup(dst)
        return self

    def copy_back(self, store) -> None:
        """Fill the (empty) tables with the rows set aside, and `store` with the stored files."""
        engine = db.engine
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables]
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                for table in tables:
                    conn.execute(text(f"INSERT INTO {table} SELECT * FROM {self.where}.{table}"))
                for sequence, value in self.sequences.items():
                    conn.execute(text("SELECT setval(:s, :v)"), {"s": sequence, "v": value})
        else:
            with engine.connect() as conn:
                # SQLite attaches and detaches a database only outside a transaction.
                conn.exec_driver_sql(f"ATTACH DATABASE ? AS {ASIDE}", (self.where,))
                conn.commit()
                try:
                    for table in tables:
                        conn.exec_driver_sql(
                            f"INSERT INTO main.{table} SELECT * FROM {ASIDE}.{table}"
                        )
                    conn.commit()
                finally:
                    conn.rollback()
                    conn.exec_driver_sql(f"DETACH DATABASE {ASIDE}")
                    conn.commit()
        # Copied afresh (not with their old times), as a seed now would have written them.
        if isinstance(store, LocalStore):
            shutil.copytree(self.files, store.root, copy_function=shutil.copy, dirs_exist_ok=True)
            return
        seeded = LocalStore(self.files)
        for address in seeded.addresses():
            with seeded.open(address) as stream:
                store.put(stream, seeded.size(address), lambda _path: None)

    def drop(self) -> None:
        """Remove the rows set aside."""
        if not self.where:
            return
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {self.where} CASCADE"))
        else:
            Path(self.where).unlink(missing_ok=True)


def _current_schema(conn) -> str:
    return conn.execute(text("SELECT current_schema()")).scalar_one()
