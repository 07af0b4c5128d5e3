"""Who wins when the same change is asked for twice at once (STYLE 13).

A rule checked by reading a row and then writing it lets two simultaneous requests both pass the
check and both write: two audit events for one change, the last writer's words over the first's.
Instead the write itself carries the check — UPDATE/DELETE … WHERE id = :id AND <as expected> —
and its row count says whether this request made the change. The database lets one such
statement match (PostgreSQL makes the others wait on the row, then re-check the condition;
SQLite lets one writer in at a time), so exactly one request wins; the others are refused as a
single late request would be. A won row stays locked until the caller commits, so what the
caller writes next (the audit event) goes with it.
"""

from sqlalchemy import delete, update

from tracker.extensions import db


def claim(row, *still, **values) -> bool:
    """Set `values` on `row` only if the conditions `still` hold for it now, in one conditional
    UPDATE. True: this transaction changed it (and `row` shows the new values). False: someone
    changed it first; the transaction is rolled back and `row` read afresh, so the caller can
    say what it is now."""
    model = type(row)
    changed = db.session.execute(
        update(model)
        .where(model.id == row.id, *still)
        .values(**values)
        .execution_options(synchronize_session="fetch")  # RETURNING: no second statement
    ).rowcount
    if changed != 1:
        db.session.rollback()
        db.session.refresh(row)
        return False
    return True


def remove(row, *still) -> bool:
    """Delete `row` only if it is still there (and `still` holds), in one conditional DELETE.
    True: this transaction deleted it. False: it had gone already; the transaction is rolled
    back."""
    model = type(row)
    removed = db.session.execute(
        delete(model)
        .where(model.id == row.id, *still)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if removed != 1:
        db.session.rollback()
        return False
    return True
