"""Database settings that SQLAlchemy URLs cannot express."""

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError


def _sqlite_pragmas(config):
    def on_connect(dbapi_connection, _record) -> None:
        # WAL lets readers carry on while one writer saves; foreign keys are off by default in
        # SQLite and the scale-checking keys depend on them. The busy timeout is read at each
        # new connection, so a changed setting applies from the next one.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(config['TRACKER_SQLITE_BUSY_MS'])}")
        cursor.close()

    return on_connect


def is_locked(error: Exception) -> bool:
    """Whether a database error is SQLite's "database is locked": another writer held the
    lock for longer than the busy timeout. Nothing was written; trying again later may work."""
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def configure(app: Flask) -> None:
    """Attach per-connection settings to the app's engine."""
    from tracker.extensions import db

    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            if engine.url.database and engine.url.database != ":memory:":
                from pathlib import Path

                Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
            event.listen(engine, "connect", _sqlite_pragmas(app.config))


def take_turns(table: str) -> bool:
    """Make simultaneous changes that check before they write take turns, each seeing what
    the one before it left. SQLite has one writer at a time: take its write lock now, before
    the checks rather than after them, and return False. On PostgreSQL return True: the
    caller locks the rows (SELECT ... FOR UPDATE) or the table the change depends on."""
    from tracker.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        return True
    db.session.execute(text(f"UPDATE {table} SET id = id WHERE 1 = 0"))  # noqa: S608 (ours)
    return False


def reset_sequences(conn, tables) -> None:
    """On PostgreSQL, set each serial column's sequence of `tables` past the highest value
    written into it explicitly (a restore, the synthetic dataset), so that new rows get fresh
    ids. SQLite needs nothing: it takes the next id from the table itself."""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote
    for each in tables:
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
