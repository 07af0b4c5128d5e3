"""Evidence rules: add (file or link), link to responses, withdraw, list, and triangulate.

Uploads are streamed into the store, checked by content and scanned for personal data before
any database row is written; the row is committed last, so a failure at any step leaves no
half-recorded upload (at most an unreferenced stored file, which `sweep-evidence` removes).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, column, distinct, exists, func, or_, select, table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker import claims, clock
from tracker.access import UNDER_REVIEW, can
from tracker.evidence import filetype, pii, triangulation
from tracker.evidence.storage import LocalStore, TooLarge
from tracker.extensions import db
from tracker.models import (
    Assessment,
    AuditEvent,
    Evidence,
    EvidenceLink,
    Item,
    Organisation,
    Response,
    ReviewAssignment,
    User,
)
from tracker.models.base import utcnow
from tracker.models.evidence import EVIDENCE_KINDS
from tracker.notifications import operations as notifications

TITLE_MAX = 300
DESCRIPTION_MAX = 4_000
NOTE_MAX = 1_000
URL_MAX = 2_000


class EvidenceError(Exception):
    """A request the evidence rules refuse; `field` names the form field concerned."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class FileTooLarge(EvidenceError):
    """An upload over the size limit (an API answers 413)."""


class FileTypeRefused(EvidenceError):
    """An upload whose content is not a type the tracker accepts (an API answers 415)."""


class StoreUnavailable(EvidenceError):
    """The evidence store could not take the file (disk full, read-only, unreachable): nothing
    was recorded, and trying again later may work (pages and API answer 503)."""


STORE_RETRY_SECONDS = 60


class LinkGone(EvidenceError):
    """The link was removed already, by another request (pages and API answer 404)."""


class AlreadyWithdrawn(EvidenceError):
    """The evidence was withdrawn already; the message says by whom and why (a 409)."""

    def __init__(self, evidence: Evidence):
        super().__init__(
            _l(
                "This evidence was already withdrawn by %(name)s: %(reason)s",
                name=evidence.withdrawn_by.name if evidence.withdrawn_by else "",
                reason=evidence.withdrawn_reason or "",
            )
        )


ALREADY_LINKED = _l("This evidence is already linked to this item")


def store() -> LocalStore:
    """The configured evidence store (a local directory for now)."""
    return LocalStore(current_app.config["TRACKER_EVIDENCE_DIR"])


# Every column that names a file in the store: evidence, and each published statement's frozen
# web page and PDF. Sweeping and backups must both know all of them.
STORED_FILE_COLUMNS = (
    ("evidence", "sha256"),
    ("published_statement", "pdf_sha256"),
    ("published_statement", "html_sha256"),
)


def referenced_addresses(connection=None, columns=STORED_FILE_COLUMNS) -> set[str]:
    """The store addresses the database refers to (through `connection`, e.g. a backup's
    snapshot, or the app's session), in `columns` (those an older schema has)."""
    run = connection if connection is not None else db.session
    found: set[str] = set()
    for table_name, column_name in columns:
        col = column(column_name)
        found.update(
            run.execute(select(col).select_from(table(table_name)).where(col.is_not(None)))
            .scalars()
            .all()
        )
    return found


def library_organisation(user: User) -> Organisation:
    """Whose evidence library a user works in: a contributor works on their region's RSB."""
    if user.role == "contributor" and user.organisation.region is not None:
        return user.organisation.region
    return user.organisation


@dataclass
class Details:
    title: str
    kind: str
    source_organisation_id: int
    evidence_date: date | None
    description: str | None


def _check_details(details: Details) -> None:
    title = (details.title or "").strip()
    if not title:
        raise EvidenceError(_l("Enter a title"), "title")
    if len(title) > TITLE_MAX:
        raise EvidenceError(_l("The title must be 300 characters or fewer"), "title")
    if details.kind not in EVIDENCE_KINDS:
        raise EvidenceError(_l("Choose what kind of evidence this is"), "kind")
    if db.session.get(Organisation, details.source_organisation_id) is None:
        raise EvidenceError(_l("Choose the organisation the evidence comes from"), "source")
    if details.evidence_date and details.evidence_date > clock.today():
        raise EvidenceError(_l("The date of the evidence cannot be in the future"), "evidence_date")
    if len(details.description or "") > DESCRIPTION_MAX:
        raise EvidenceError(_l("The description must be 4,000 characters or fewer"), "description")


def _new_evidence(user: User, org: Organisation, details: Details, **stored) -> Evidence:
    evidence = Evidence(
        organisation_id=org.id,
        title=details.title.strip(),
        kind=details.kind,
        source_organisation_id=details.source_organisation_id,
        evidence_date=details.evidence_date,
        description=(details.description or "").strip() or None,
        uploaded_by_id=user.id,
        **stored,
    )
    db.session.add(evidence)
    return evidence


def add_file(
    user: User,
    org: Organisation,
    details: Details,
    stream: BinaryIO,
    filename: str,
    max_bytes: int,
    link_to: Response | None = None,
    note: str | None = None,
) -> Evidence:
    """Store an uploaded file as evidence in `org`'s library, optionally linking it."""
    _check_add(user, org, details, link_to)
    checked: dict = {}

    def check(path: Path) -> None:
        found = filetype.detect(path, filename)
        checked["type"] = found
        checked["warnings"] = pii.scan_file(path, found.readable)

    try:
        stored = store().put(stream, max_bytes, check)
    except TooLarge:
        raise FileTooLarge(
            _l("The file must be smaller than %(mb)d MB", mb=max_bytes // (1024 * 1024)), "file"
        ) from None
    except filetype.FileRefused as refused:
        raise FileTypeRefused(refused.message, "file") from None
    except OSError:
        # The operators need to know (a full or read-only disk stops every upload); the person
        # needs to know that nothing was kept, and that it is not their file's fault.
        current_app.logger.exception("The evidence store could not store an upload")
        raise StoreUnavailable(
            _l(
                "The file could not be stored because of a problem on our side. Nothing was "
                "recorded. Choose the file again and try in a few minutes."
            ),
            "file",
        ) from None
    found = checked["type"]
    evidence = _new_evidence(
        user,
        org,
        details,
        sha256=stored.sha256,
        size_bytes=stored.size,
        content_type=found.mime,
        filename=filetype.display_name(filename),
        pii_warnings=checked["warnings"] or None,
    )
    return _finish_add(user, evidence, link_to, note)


def add_url(
    user: User,
    org: Organisation,
    details: Details,
    url: str,
    link_to: Response | None = None,
    note: str | None = None,
) -> Evidence:
    """Record a web link as evidence in `org`'s library, optionally linking it."""
    _check_add(user, org, details, link_to)
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed [ of an IPv6 address
        parts = None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc or len(url) > URL_MAX:
        raise EvidenceError(_l("Enter a web address starting with https:// or http://"), "url")
    evidence = _new_evidence(user, org, details, url=url)
    return _finish_add(user, evidence, link_to, note)


def _check_add(user: User, org: Organisation, details: Details, link_to: Response | None):
    if not can(user, "evidence.add", org):
        raise EvidenceError(_l("You cannot add evidence to this library."))
    _check_details(details)
    if link_to is not None:
        if not can(user, "assessment.draft", link_to.assessment):
            raise EvidenceError(_l("This assessment cannot be changed now."))
        if link_to.assessment.organisation_id != org.id:  # evidence lives in its own library
            raise EvidenceError(_l("Choose evidence from this organisation's library"))


def _finish_add(user, evidence: Evidence, link_to: Response | None, note: str | None):
    db.session.flush()
    AuditEvent.record(
        user,
        "evidence.added",
        evidence,
        after={
            "title": evidence.title,
            "kind": evidence.kind,
            "sha256": evidence.sha256,
            "url": evidence.url,
        },
    )
    if link_to is not None:
        _add_link(user, evidence, link_to, note)
    db.session.commit()
    return evidence


def _add_link(user: User, evidence: Evidence, response: Response, note: str | None):
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise EvidenceError(_l("The note must be 1,000 characters or fewer"), "note")
    link = EvidenceLink(evidence=evidence, response=response, note=note, linked_by_id=user.id)
    db.session.add(link)
    try:
        db.session.flush()
    except IntegrityError:  # linked by a simultaneous request since `attach` looked
        db.session.rollback()
        raise EvidenceError(ALREADY_LINKED, "evidence") from None
    AuditEvent.record(
        user,
        "evidence.linked",
        link,
        after={"evidence_id": evidence.id, "response_id": response.id},
    )
    return link


def link(user: User, evidence: Evidence, response: Response, note: str | None) -> EvidenceLink:
    """Link evidence from the assessment's own library to a response, with what it shows."""
    if not can(user, "assessment.draft", response.assessment):
        raise EvidenceError(_l("This assessment cannot be changed now."))
    created = attach(user, evidence, response, note)
    db.session.commit()
    return created


def attach(user: User, evidence: Evidence, response: Response, note: str | None) -> EvidenceLink:
    """Add a link to the session without committing, for a caller that has already decided the
    user may change this response (an edit in draft, or an answer to a challenge)."""
    if evidence.organisation_id != response.assessment.organisation_id:
        raise EvidenceError(_l("Choose evidence from this organisation's library"), "evidence")
    if evidence.is_withdrawn:
        raise EvidenceError(_l("Withdrawn evidence cannot be linked"), "evidence")
    if is_linked(evidence.id, response.id):
        raise EvidenceError(ALREADY_LINKED, "evidence")
    return _add_link(user, evidence, response, str(note) if note else None)


def is_linked(evidence_id, response_id: int) -> bool:
    """Whether this evidence is linked to this response now."""
    return bool(
        db.session.scalar(
            select(EvidenceLink.id).where(
                EvidenceLink.evidence_id == evidence_id, EvidenceLink.response_id == response_id
            )
        )
    )


def unlink(user: User, link_row: EvidenceLink) -> None:
    """Remove a link (the evidence itself stays in the library and the audit trail)."""
    if not can(user, "assessment.draft", link_row.response.assessment):
        raise EvidenceError(_l("This assessment cannot be changed now."))
    before = {
        "evidence_id": link_row.evidence_id,
        "response_id": link_row.response_id,
        "note": link_row.note,
    }
    if not claims.remove(link_row):  # removed by a simultaneous request
        raise LinkGone(_l("This evidence is not linked to this item any more."))
    AuditEvent.record(user, "evidence.unlinked", link_row, before=before)
    db.session.commit()


def withdraw(user: User, evidence: Evidence, reason: str) -> Evidence:
    """Withdraw evidence with a reason. It is never deleted and stops counting at once."""
    if not can(user, "evidence.withdraw", evidence):
        raise EvidenceError(_l("You cannot withdraw this evidence."))
    if evidence.is_withdrawn:
        raise AlreadyWithdrawn(evidence)
    reason = (reason or "").strip()
    if not reason:
        raise EvidenceError(_l("Say why you are withdrawing the evidence"), "reason")
    if len(reason) > DESCRIPTION_MAX:
        raise EvidenceError(_l("The reason must be 4,000 characters or fewer"), "reason")
    won = claims.claim(
        evidence,
        Evidence.withdrawn_at.is_(None),
        withdrawn_at=utcnow(),
        withdrawn_by_id=user.id,
        withdrawn_reason=reason,
    )
    if not won:  # withdrawn by a simultaneous request: its reason stands
        raise AlreadyWithdrawn(evidence)
    AuditEvent.record(user, "evidence.withdrawn", evidence, after={"reason": reason})
    _tell_reviewers_of_withdrawal(evidence, reason)
    db.session.commit()
    return evidence


def _tell_reviewers_of_withdrawal(evidence: Evidence, reason: str) -> None:
    """Tell the assigned reviewers of each submitted assessment whose answers this evidence
    was behind: their review page shows its evidence at submission beside what it is now."""
    linked = db.session.execute(
        select(Response.assessment_id, Item.key)
        .join(EvidenceLink, EvidenceLink.response_id == Response.id)
        .join(Item, Item.id == Response.item_id)
        .join(Assessment, Assessment.id == Response.assessment_id)
        .where(EvidenceLink.evidence_id == evidence.id, Assessment.status.in_(UNDER_REVIEW))
        .order_by(Response.assessment_id, Item.key)
    ).all()
    items: dict[int, list[str]] = defaultdict(list)
    for assessment_id, key in linked:
        items[assessment_id].append(key)
    for assessment in db.session.scalars(
        select(Assessment)
        .where(Assessment.id.in_(items))
        .options(selectinload(Assessment.assignments).selectinload(ReviewAssignment.reviewer))
    ):
        keys = items[assessment.id]
        notifications.notify(
            [a.reviewer for a in assessment.assignments],
            "evidence_withdrawn",
            notifications.about(
                assessment, item=", ".join(keys), title=evidence.title, reason=reason
            ),
            url_for("review.response", assessment_id=assessment.id, item_key=keys[0]),
        )


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Filters:
    kind: str | None = None
    source_id: int | None = None
    linked: str | None = None  # "linked" | "unlinked"
    withdrawn: bool = False
    search: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character \\) for lower-cased text containing `text`, taken
    literally: a %, _ or \\ typed by the user matches only itself."""
    literal = text.strip().lower()
    for special in ("\\", "%", "_"):
        literal = literal.replace(special, "\\" + special)
    return f"%{literal}%"


def library(org: Organisation, filters: Filters) -> Select:
    """A query of an organisation's evidence, newest first, with the filters applied."""
    query = (
        select(Evidence)
        .where(Evidence.organisation_id == org.id)
        .options(selectinload(Evidence.source_organisation), selectinload(Evidence.links))
        .order_by(Evidence.created_at.desc(), Evidence.id.desc())
    )
    if not filters.withdrawn:
        query = query.where(Evidence.withdrawn_at.is_(None))
    if filters.kind in EVIDENCE_KINDS:
        query = query.where(Evidence.kind == filters.kind)
    if filters.source_id:
        query = query.where(Evidence.source_organisation_id == filters.source_id)
    used = exists().where(EvidenceLink.evidence_id == Evidence.id)
    if filters.linked == "linked":
        query = query.where(used)
    elif filters.linked == "unlinked":
        query = query.where(~used)
    if filters.search:
        pattern = contains_pattern(filters.search)
        query = query.where(
            or_(
                func.lower(Evidence.title).like(pattern, escape="\\"),
                func.lower(func.coalesce(Evidence.description, "")).like(pattern, escape="\\"),
            )
        )
    if filters.date_from:
        query = query.where(Evidence.evidence_date >= filters.date_from)
    if filters.date_to:
        query = query.where(Evidence.evidence_date <= filters.date_to)
    return query


# A library gathers evidence cycle after cycle; a choice list offers the newest this many, so an
# item page costs the same in the tenth year as in the first (DESIGN §10).
LINKABLE_LIMIT = 200


def linkable(organisation_id: int, response_id: int, title: str | None = None) -> list[Evidence]:
    """The library's current evidence not yet linked to this response, whose title contains
    `title` if given: the newest LINKABLE_LIMIT pieces, by title, with their source
    organisations loaded. Searching by title reaches pieces older than the newest."""
    # The database leaves out what is linked: a response may have thousands of links, which
    # are never read here.
    linked = exists().where(
        EvidenceLink.evidence_id == Evidence.id, EvidenceLink.response_id == response_id
    )
    newest = (
        select(Evidence)
        .where(
            Evidence.organisation_id == organisation_id, Evidence.withdrawn_at.is_(None), ~linked
        )
        # In the library's own order, which its index gives without sorting the library.
        .order_by(Evidence.created_at.desc(), Evidence.id.desc())
        .limit(LINKABLE_LIMIT)
        .options(selectinload(Evidence.source_organisation))
    )
    if title and title.strip():
        newest = newest.where(func.lower(Evidence.title).like(contains_pattern(title), escape="\\"))
    return sorted(db.session.scalars(newest), key=lambda e: (e.title, e.id))


def where_used(evidence: Evidence) -> list[EvidenceLink]:
    """The responses an item of evidence is linked to, with their assessments loaded."""
    return list(
        db.session.scalars(
            select(EvidenceLink)
            .where(EvidenceLink.evidence_id == evidence.id)
            .options(
                selectinload(EvidenceLink.response).selectinload(Response.item),
                selectinload(EvidenceLink.response)
                .selectinload(Response.assessment)
                .selectinload(Assessment.cycle),
            )
        )
    )


def links_of(response_id: int) -> Select:
    """A query of a response's links, oldest first, with their evidence and its source: for
    reading a page at a time (a response may have thousands)."""
    return (
        select(EvidenceLink)
        .where(EvidenceLink.response_id == response_id)
        .options(selectinload(EvidenceLink.evidence).selectinload(Evidence.source_organisation))
        .order_by(EvidenceLink.id)
    )


def kinds_and_sources(*columns) -> Select:
    """A query of `columns` of responses with, for each response, how many different kinds and
    different source organisations its current (not withdrawn) linked evidence has: counted by
    the database, one row per response however many links it has. Add a where clause."""
    current = (Evidence.id == EvidenceLink.evidence_id) & Evidence.withdrawn_at.is_(None)
    return (
        select(
            *columns,
            func.count(distinct(Evidence.kind)),
            func.count(distinct(Evidence.source_organisation_id)),
        )
        .select_from(Response)
        .outerjoin(EvidenceLink, EvidenceLink.response_id == Response.id)
        .outerjoin(Evidence, current)
        .group_by(Response.id, *(c for c in columns if c is not Response.id))
    )


def levels_by_response(response_ids, rule: triangulation.Rule) -> dict[int, str]:
    """The triangulation level of each of these responses, counted by the database."""
    rows = db.session.execute(kinds_and_sources(Response.id).where(Response.id.in_(response_ids)))
    return {
        response_id: triangulation.level_of_counts(kinds, sources, rule)
        for response_id, kinds, sources in rows
    }


def links_by_response(response_ids: list[int]) -> dict[int, list[EvidenceLink]]:
    """Every link of these responses, with its evidence, in one query."""
    links = db.session.scalars(
        select(EvidenceLink)
        .where(EvidenceLink.response_id.in_(response_ids))
        .options(selectinload(EvidenceLink.evidence).selectinload(Evidence.source_organisation))
        .order_by(EvidenceLink.id)
    ).all()
    grouped: dict[int, list[EvidenceLink]] = {rid: [] for rid in response_ids}
    for link_row in links:
        grouped[link_row.response_id].append(link_row)
    return grouped


def pieces_by_response(response_ids) -> dict[int, list[triangulation.Piece]]:
    """The linked evidence of these responses (ids, or a query of ids) as triangulation sees
    it, in two queries; a response with none maps to an empty list."""
    links = db.session.execute(
        select(EvidenceLink.response_id, EvidenceLink.evidence_id).where(
            EvidenceLink.response_id.in_(response_ids)
        )
    ).all()
    # The evidence is then read by its ids, not joined: given a join, PostgreSQL's default
    # costs read the whole evidence table to hash it, so a page slowed as the library grew
    # (DESIGN §10); by ids it reads only the rows wanted, whatever the library's size.
    evidence = {
        evidence_id: triangulation.Piece(kind, source_id, withdrawn_at is not None)
        for evidence_id, kind, source_id, withdrawn_at in db.session.execute(
            select(
                Evidence.id, Evidence.kind, Evidence.source_organisation_id, Evidence.withdrawn_at
            ).where(Evidence.id.in_({evidence_id for _r, evidence_id in links}))
        )
    }
    pieces: dict[int, list[triangulation.Piece]] = defaultdict(list)
    for response_id, evidence_id in links:
        pieces[response_id].append(evidence[evidence_id])
    return pieces


def rule_of(framework) -> triangulation.Rule:
    return triangulation.Rule(framework.min_kinds, framework.min_sources, framework.required_from)


def pii_warnings(rows) -> list[tuple]:
    """Likely personal data in the narratives and linked evidence of task-list rows, as
    (item, evidence or None, kinds) for the submit page; the matched text is never kept."""
    found = []
    for row in rows:
        response = row.response
        text = " ".join(filter(None, [response.narrative, response.impact_measure]))
        kinds = pii.scan_text(text)
        if kinds:
            found.append((row.item, None, kinds))
        for link_row in row.links:
            if link_row.evidence.pii_warnings and not link_row.evidence.is_withdrawn:
                found.append((row.item, link_row.evidence, link_row.evidence.pii_warnings))
    return found
