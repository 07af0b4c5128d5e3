"""Evidence changes: add (file or link), link to responses, unlink and withdraw.

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
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker import claims, clock
from tracker.access import UNDER_REVIEW, can
from tracker.evidence import filetype, pii
from tracker.evidence.queries import is_linked
from tracker.evidence.rules import (
    ALREADY_LINKED,
    DESCRIPTION_MAX,
    NOTE_MAX,
    TITLE_MAX,
    URL_MAX,
    AlreadyWithdrawn,
    EvidenceError,
    FileTooLarge,
    FileTypeRefused,
    LinkGone,
    StoreUnavailable,
)
from tracker.evidence.storage import EvidenceStore, TooLarge, open_store
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


def store() -> EvidenceStore:
    """The configured evidence store (a local directory or a bucket)."""
    return open_store(current_app.config)


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
