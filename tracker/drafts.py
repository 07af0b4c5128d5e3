"""Unsent words kept server-side while their writer leaves the page (issue 17.1).

A form whose writer must go elsewhere first (to upload evidence for it) is kept as a draft
under a key naming the form; coming back restores it, and sending the form drops it. A draft
belongs to one person: nobody else sees it. Keeping one is an upsert, so a dozen identical
requests at once leave one draft holding the same words.
"""

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.models import Draft, User
from tracker.models.base import utcnow

TEXT_MAX = 20_000  # per value: far above any form's own limit, so nothing typed is cut


def _clean(data: dict) -> dict:
    """Only plain values (text, numbers, lists of numbers), each of a bounded size."""
    kept = {}
    for name, value in data.items():
        if isinstance(value, str):
            kept[name] = value[:TEXT_MAX]
        elif isinstance(value, list):
            kept[name] = [v for v in value if isinstance(v, int)][:1000]
        elif value is None or isinstance(value, int):
            kept[name] = value
    return kept


def keep(user: User, key: str, data: dict) -> None:
    """Keep `data` as the user's draft of `key`, replacing any earlier one; commits."""
    data, user_id = _clean(data), user.id
    where = (Draft.user_id == user_id, Draft.key == key)
    values = {"data": data, "updated_at": utcnow()}
    if not db.session.execute(update(Draft).where(*where).values(**values)).rowcount:
        try:
            with db.session.begin_nested():
                db.session.add(Draft(user_id=user_id, key=key, data=data))
        except IntegrityError:  # kept by a simultaneous request: the same words win either way
            db.session.execute(update(Draft).where(*where).values(**values))
    db.session.commit()


def recall(user: User, key: str) -> dict | None:
    """The user's draft of `key`, or None."""
    return db.session.scalar(select(Draft.data).where(Draft.user_id == user.id, Draft.key == key))


def discard(user: User, key: str) -> None:
    """Drop the user's draft of `key` (what it held has been sent); the caller commits."""
    db.session.execute(delete(Draft).where(Draft.user_id == user.id, Draft.key == key))


def challenge_answer(challenge_id: int) -> str:
    return f"challenge-answer:{challenge_id}"


def response_answer(response_id: int) -> str:
    return f"response:{response_id}"
