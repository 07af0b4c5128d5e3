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

from tracker.backup.common import BackupError
from tracker.backup.restoring import restore
from tracker.backup.taking import backup

__all__ = ["BackupError", "backup", "restore"]
