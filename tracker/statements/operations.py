"""Statements, changed: start one, edit and confirm its sections, publish a frozen version
(DESIGN §7). Each change checks its rules, records its audit event and commits; none sees the
request. The heavy outputs (charts, PDF) are modules of their own that return bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.evidence import operations as evidence_ops
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    Cycle,
    Framework,
    Organisation,
    PublishedStatement,
    Statement,
    User,
)
from tracker.models.base import utcnow
from tracker.rules import RuleError, Stale
from tracker.statements import document, drafting, pdf, queries, rendering

TEXT_MAX = 6_000
PDF_MAX = 200 * 1024 * 1024  # a bound for the store's streaming put, far above any statement


class StaleStatement(Stale):
    """The statement changed since the user loaded it; nothing was saved."""


# --- building ----------------------------------------------------------------------------------


def create(
    user: User,
    scope: str,
    organisation: Organisation | None,
    framework: Framework,
    cycle: Cycle,
    language: str,
) -> Statement:
    """Start a statement; its sections are drafted from the data until someone edits them."""
    if language not in queries.LANGUAGES:
        raise RuleError(_("Choose the language of the statement"), "language")
    if scope == "national":
        organisation = None
    elif organisation is None:
        raise RuleError(
            _("Choose the organisation or region the statement is about"), "organisation"
        )
    elif scope == "region" and organisation.kind != "rsb":
        raise RuleError(_("A region is named by its Regional Safeguarding Board"), "organisation")
    elif scope == "organisation" and not framework.applies_to_kind(organisation.kind):
        raise RuleError(
            _(
                "%(organisation)s does not assess itself against this framework",
                organisation=organisation.name,
            ),
            "organisation",
        )
    statement = Statement(
        scope=scope,
        organisation=organisation,
        framework=framework,
        cycle=cycle,
        language=language,
        sections={},
        created_by_id=user.id,
    )
    db.session.add(statement)
    AuditEvent.record(
        user,
        "statement.created",
        statement,
        after={
            "scope": scope,
            "organisation_id": organisation.id if organisation else None,
            "framework_id": framework.id,
            "cycle_id": cycle.id,
            "language": language,
        },
    )
    db.session.commit()
    return statement


def edit_section(
    user: User, statement: Statement, locale: str, key: str, text: str | None, version: int
) -> Statement:
    """Save an inspector's text for one section; empty text goes back to the drafted text."""
    if locale not in queries.languages(statement):
        raise RuleError(_("This statement is not written in that language"), "text")
    if key not in drafting.SECTION_KEYS:
        raise RuleError(_("There is no such section"), "text")
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > TEXT_MAX:
        raise RuleError(_("The text must be 6,000 characters or fewer"), "text")
    if version != statement.version:
        raise StaleStatement(statement)
    sections = {lang: dict(texts) for lang, texts in (statement.sections or {}).items()}
    before = sections.get(locale, {}).get(key)
    if text:
        sections.setdefault(locale, {})[key] = text
    else:
        sections.get(locale, {}).pop(key, None)
    statement.sections = sections
    if text != (before or ""):
        statement.note_edit(locale, key, queries.languages(statement))
    statement.status = "draft"  # a published statement with a new edit awaits a new version
    AuditEvent.record(
        user,
        "statement.edited",
        statement,
        before={"section": f"{locale}/{key}", "text": before},
        after={"section": f"{locale}/{key}", "text": text or None},
    )
    _commit(statement)
    return statement


def _commit(statement: Statement) -> None:
    """Commit a change to `statement`. Its version column makes a change committed first by
    someone else fail this one rather than be overwritten: that is a stale statement."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleStatement(statement) from None


def confirm_section(
    user: User, statement: Statement, locale: str, key: str, version: int
) -> Statement:
    """Record that a section marked as needing an update still says what the other language
    says; its text is unchanged."""
    if version != statement.version:
        raise StaleStatement(statement)
    if not statement.confirm_matches(locale, key):
        raise RuleError(_("This section is not marked as needing an update"), "text")
    AuditEvent.record(
        user, "statement.section_confirmed", statement, after={"section": f"{locale}/{key}"}
    )
    _commit(statement)
    return statement


# --- publishing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of publishing, for the progress page."""

    label: str
    done: bool = False
    result: PublishedStatement | None = None


def publish(user: User, statement: Statement, version: int, today: date) -> Iterator[Step]:
    """Publish a new version, yielding each step as it starts; the last step carries the
    result. Nothing is recorded unless every step succeeds."""
    if version != statement.version:
        raise StaleStatement(statement)
    yield Step(_("Reading the figures"))
    data = queries.dataset(statement, today)
    yield Step(_("Drawing the charts"))
    parts = document.parts(statement, data, queries.languages(statement), today, inline=True)
    number = 1 + max((v.version for v in statement.versions), default=0)
    now = utcnow()
    about = {
        "version": number,
        "at": now,
        "by": user.name,
        "organisation": user.organisation,
    }
    yield Step(_("Writing the web page"))
    html = rendering.render(parts, for_pdf=False, published=about)
    yield Step(_("Printing the PDF"))
    pdf_bytes = pdf.render(rendering.render(parts, for_pdf=True, published=about))
    yield Step(_("Storing the published copy"))
    store = evidence_ops.store()
    html_stored = store.put(io.BytesIO(html.encode("utf-8")), PDF_MAX, lambda _path: None)
    pdf_stored = store.put(io.BytesIO(pdf_bytes), PDF_MAX, lambda _path: None)
    # Claim the statement at the version the inspector saw: a second publish of the same
    # version, or an edit meanwhile, changes nothing and is told so.
    claimed = db.session.execute(
        update(Statement)
        .where(Statement.id == statement.id, Statement.version == version)
        .values(version=version + 1, status="published", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise StaleStatement(db.session.get(Statement, statement.id))
    db.session.refresh(statement)
    published = PublishedStatement(
        statement=statement,
        version=number,
        language=statement.language,
        html=html,
        html_sha256=html_stored.sha256,
        pdf_sha256=pdf_stored.sha256,
        pdf_size=pdf_stored.size,
        published_at=now,
        published_by_id=user.id,
    )
    db.session.add(published)
    AuditEvent.record(
        user,
        "statement.published",
        statement,
        after={
            "version": number,
            "pdf_sha256": pdf_stored.sha256,
            "html_sha256": html_stored.sha256,
        },
    )
    try:
        db.session.commit()
    except IntegrityError:  # another publish took this version number first
        db.session.rollback()
        raise StaleStatement(db.session.get(Statement, statement.id)) from None
    yield Step(_("Published"), done=True, result=published)
