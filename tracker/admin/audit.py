"""The audit log's reads (issue #15): every event, newest first, narrowed by who made the change,
their organisation, the kind of change, the object changed and a range of dates."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.models import AuditEvent, Organisation, User

LONDON = ZoneInfo("Europe/London")  # the day an administrator means by a date


@dataclass
class AuditFilters:
    email: str | None = None  # all or part of the address of the person who made the change
    organisation_id: int | None = None  # that person's organisation
    action: str | None = None
    entity: str | None = None
    entity_id: int | None = None
    date_from: date | None = None  # inclusive, in Wales
    date_to: date | None = None  # inclusive, in Wales


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def _filtered(query: Select, filters: AuditFilters) -> Select:
    people = None
    if filters.email:
        people = select(User.id).where(
            func.lower(User.email).contains(filters.email.strip().lower(), autoescape=True)
        )
    if filters.organisation_id:
        people = (people if people is not None else select(User.id)).where(
            User.organisation_id == filters.organisation_id
        )
    if people is not None:
        query = query.where(AuditEvent.user_id.in_(people))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.entity:
        query = query.where(AuditEvent.entity == filters.entity)
    if filters.entity_id:
        query = query.where(AuditEvent.entity_id == filters.entity_id)
    if filters.date_from:
        query = query.where(AuditEvent.at >= _start_of(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.at < _start_of(filters.date_to + timedelta(days=1)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def events(filters: AuditFilters) -> Select:
    """The events that match, newest first, with each person and organisation loaded alongside
    (for one page of them: see tracker.paging)."""
    query = select(AuditEvent).options(
        selectinload(AuditEvent.user).selectinload(User.organisation)
    )
    return _filtered(query, filters)


def kinds_of_change() -> list[str]:
    """Every action that has been recorded, for the filter's choices."""
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by("action")))


def kinds_of_object() -> list[str]:
    """Every table an event has named, for the filter's choices."""
    return list(db.session.scalars(select(AuditEvent.entity).distinct().order_by("entity")))


def organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def shown(value) -> str:
    """A recorded value as text a reader takes in at a glance."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# The log shows the values of changes to what administrators look after. Changes to an
# organisation's own work (responses, evidence, actions, challenges, statements) are named,
# but their values are not shown: they may be draft text, which only the organisation may read
# (DESIGN §2). Each piece of work's own history page shows them to those who may read it.
WITH_VALUES = {
    "user_account",
    "organisation",
    "cycle",
    "framework",
    "api_token",
    "account_link",
    "assessment_reminder",
    "outbox_message",
}
HIDDEN = "•••"


def redacted(entity: str, values: dict | None) -> dict | None:
    """`values` as the log may show them for an event on `entity`."""
    if values is None or entity in WITH_VALUES:
        return values
    return dict.fromkeys(values, HIDDEN)


def changes(
    before: dict | None, after: dict | None, entity: str = ""
) -> list[tuple[str, str | None, str | None]]:
    """Each field an event names: (field, value before or None, value after or None)."""
    before, after = redacted(entity, before) or {}, redacted(entity, after) or {}
    fields = list(before) + [k for k in after if k not in before]
    return [
        (
            field,
            shown(before[field]) if field in before else None,
            shown(after[field]) if field in after else None,
        )
        for field in fields
    ]


def _one_line(before: dict | None, after: dict | None, entity: str) -> str:
    """The changes as `field: old → new; ...`, for a spreadsheet cell."""
    parts = []
    for field, old, new in changes(before, after, entity):
        if old is None:
            parts.append(f"{field}: {new}")
        elif new is None:
            parts.append(f"{field}: {old} → {_('(removed)')}")
        else:
            parts.append(f"{field}: {old} → {new}")
    return "; ".join(parts)


def csv_rows(filters: AuditFilters) -> Iterator[list]:
    """Every matching event as a row of plain values, read from the database a batch at a time."""
    query = _filtered(
        select(
            AuditEvent.at,
            User.name,
            User.email,
            Organisation.code,
            AuditEvent.action,
            AuditEvent.entity,
            AuditEvent.entity_id,
            AuditEvent.before,
            AuditEvent.after,
        )
        .outerjoin(User, User.id == AuditEvent.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id),
        filters,
    )
    for at, name, email, org, action, entity, entity_id, before, after in db.session.execute(
        query.execution_options(yield_per=500)
    ):
        yield [
            at.astimezone(UTC).isoformat(timespec="seconds"),
            name,
            email,
            org,
            action,
            entity,
            entity_id,
            _one_line(before, after, entity),
            shown(redacted(entity, before)) if before else None,
            shown(redacted(entity, after)) if after else None,
        ]
