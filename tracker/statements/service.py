"""Statements: build one, edit its sections, publish frozen versions, verify a PDF (DESIGN §7).

Plain functions taking models and values; no request. The heavy outputs (charts, PDF) are
modules of their own that return bytes.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from tracker import access
from tracker.evidence import operations as evidence_ops
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    Cycle,
    Framework,
    Organisation,
    PublishedStatement,
    Section,
    Statement,
    User,
)
from tracker.models.base import utcnow
from tracker.rules import RuleError, Stale
from tracker.statements import document, drafting, figures, pdf

TEXT_MAX = 6_000
LANGUAGES = {"en": ("en",), "cy": ("cy",), "both": ("cy", "en")}  # Welsh first when both
PDF_MAX = 200 * 1024 * 1024  # a bound for the store's streaming put, far above any statement


class StaleStatement(Stale):
    """The statement changed since the user loaded it; nothing was saved."""


def languages(statement: Statement) -> tuple[str, ...]:
    """The languages a statement is written in, in the order a published copy shows them."""
    return LANGUAGES[statement.language]


def load(statement_id: int) -> Statement | None:
    """A statement with what its pages show, in a fixed number of queries."""
    return db.session.scalar(
        select(Statement)
        .where(Statement.id == statement_id)
        .options(
            selectinload(Statement.organisation),
            selectinload(Statement.cycle),
            selectinload(Statement.framework).selectinload(Framework.scale),
            selectinload(Statement.framework)
            .selectinload(Framework.sections)
            .selectinload(Section.items),
            selectinload(Statement.versions).selectinload(PublishedStatement.published_by),
        )
    )


def listing(user: User) -> list[Statement]:
    """The statements `user` may read, the newest first."""
    return _newest_first(access.visible_statements(user))


def published_listing() -> list[Statement]:
    """Every statement with a published version, for the public list, the newest first."""
    return _newest_first(access.published_statements())


def _newest_first(query) -> list[Statement]:
    return db.session.scalars(
        query.options(
            selectinload(Statement.organisation),
            selectinload(Statement.cycle),
            selectinload(Statement.framework),
            selectinload(Statement.versions),
        ).order_by(Statement.id.desc())
    ).all()


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
    if language not in LANGUAGES:
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
    return statement


def dataset(statement: Statement, today: date) -> figures.Dataset:
    return figures.gather(
        statement.scope, statement.organisation, statement.framework, statement.cycle, today
    )


def edit_section(
    user: User, statement: Statement, locale: str, key: str, text: str | None, version: int
) -> Statement:
    """Save an inspector's text for one section; empty text goes back to the drafted text."""
    if locale not in languages(statement):
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
        statement.note_edit(locale, key, languages(statement))
    statement.status = "draft"  # a published statement with a new edit awaits a new version
    AuditEvent.record(
        user,
        "statement.edited",
        statement,
        before={"section": f"{locale}/{key}", "text": before},
        after={"section": f"{locale}/{key}", "text": text or None},
    )
    return statement


def commit(statement: Statement) -> None:
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
    return statement


@dataclass(frozen=True)
class Differing:
    """A section of a bilingual statement that may no longer say what the other language says."""

    locale: str
    key: str
    title: str


def differing_sections(statement: Statement) -> list[Differing]:
    """The sections marked as needing an update, in the order the statement shows them."""
    titles = dict(drafting.SECTIONS)
    return [
        Differing(locale, key, str(titles[key]))
        for locale in languages(statement)
        for key in drafting.SECTION_KEYS
        if statement.needs_update(locale, key)
    ]


# --- publishing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of publishing, for the progress page."""

    label: str
    done: bool = False
    result: PublishedStatement | None = None


def render(parts: list[document.Part], for_pdf: bool, published: dict | None = None) -> str:
    """The whole statement as one HTML document: what is previewed, frozen and printed."""
    return render_template(
        "statements/document.html", **document.template_context(parts, for_pdf, published)
    )


def publish(user: User, statement: Statement, version: int, today: date) -> Iterator[Step]:
    """Publish a new version, yielding each step as it starts; the last step carries the
    result. Nothing is recorded unless every step succeeds."""
    if version != statement.version:
        raise StaleStatement(statement)
    yield Step(_("Reading the figures"))
    data = dataset(statement, today)
    yield Step(_("Drawing the charts"))
    parts = document.parts(statement, data, languages(statement), today, inline=True)
    number = 1 + max((v.version for v in statement.versions), default=0)
    now = utcnow()
    about = {
        "version": number,
        "at": now,
        "by": user.name,
        "organisation": user.organisation,
    }
    yield Step(_("Writing the web page"))
    html = render(parts, for_pdf=False, published=about)
    yield Step(_("Printing the PDF"))
    pdf_bytes = pdf.render(render(parts, for_pdf=True, published=about))
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


def published_version(statement: Statement, number: int) -> PublishedStatement | None:
    return next((v for v in statement.versions if v.version == number), None)


def open_pdf(published: PublishedStatement):
    return evidence_ops.store().open(published.pdf_sha256)


# --- verifying ---------------------------------------------------------------------------------


def sha256_of(stream, limit: int) -> str | None:
    """The SHA-256 of a stream read in chunks, or None when it is longer than `limit`."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        digest.update(chunk)
    return digest.hexdigest()


def verify(sha256: str) -> PublishedStatement | None:
    """The published version whose PDF has this SHA-256, if there is one."""
    return db.session.scalar(
        select(PublishedStatement)
        .where(PublishedStatement.pdf_sha256 == sha256.strip().lower())
        .options(
            selectinload(PublishedStatement.statement).selectinload(Statement.organisation),
            selectinload(PublishedStatement.statement).selectinload(Statement.framework),
            selectinload(PublishedStatement.statement).selectinload(Statement.cycle),
            selectinload(PublishedStatement.published_by).selectinload(User.organisation),
        )
    )
