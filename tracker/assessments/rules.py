"""The self-assessment's limits and the errors its operations raise: shared by the pages, the
API and the forms."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import AuditEvent, Response
from tracker.rules import Conflict, RuleError, Stale

NARRATIVE_MAX = 10_000


IMPACT_MAX = 4_000


ACTION_DESCRIPTION_MAX = 2_000


OWNER_MAX = 200


REASON_MAX = 4_000


UNCHANGED = object()  # a score a contributor's form does not carry


class AlreadyStarted(Conflict):
    """This cycle's assessment of the framework exists already (perhaps from a double click)."""

    def __init__(self, assessment_id: int):
        super().__init__("already started")
        self.assessment_id = assessment_id


class StaleAction(Stale):
    """The action changed since the user loaded it; nothing was saved."""


class StaleResponse(Stale):
    """The response changed since the user loaded it; nothing was saved. `editor` is who
    changed it last, if anyone did."""

    def __init__(self, current: Response):
        super().__init__(current)
        last = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.entity == "response", AuditEvent.entity_id == current.id)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        self.editor = last.user if last else None


def check_text(value: str | None, limit: int, field_name: str, label: str) -> str | None:
    """The text trimmed, None if empty; RuleError on `field_name` if longer than `limit`."""
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise RuleError(
            _l(
                "%(what)s is too long: the most is %(limit)s characters.",
                what=label,
                limit=f"{limit:,}",
            ),
            field_name,
        )
    return value or None
