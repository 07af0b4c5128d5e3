"""JSON API v1, evidence: list a library or a response's evidence, read one item, upload a file
or record a link (multipart), download, link to and unlink from a response, withdraw.

HTTP only: the rules (type from content, size limit, personal-data scan, libraries, links,
withdrawal) are in tracker/evidence/operations.py and access in tracker/access.py, as for the
evidence pages.
"""

from flask import current_app, request, send_file, url_for
from sqlalchemy import select

from tracker import access
from tracker.access import library_organisation
from tracker.api import bp, shapes_more
from tracker.api.bodies import Link, Reason, parse
from tracker.api.http import (
    ApiError,
    answer_error,
    as_date,
    bool_arg,
    conflict,
    id_arg,
    paginated,
    read,
    refused,
    user,
)
from tracker.api.responses import response_read, response_row
from tracker.evidence import operations as evidence_ops
from tracker.evidence import queries as evidence_queries
from tracker.evidence import rules as evidence_rules
from tracker.extensions import db
from tracker.models import Evidence, EvidenceLink, Organisation
from tracker.models.evidence import EVIDENCE_KINDS
from tracker.security import as_id

SEARCH_MAX = 200
NOT_YOURS = (
    "Only the people who keep an organisation's evidence library may list it; others see "
    "evidence through the responses they may see (?response=)."
)
NOT_LINKED = "This evidence is not linked to this response."


def _evidence_or_404(evidence_id: int, action: str = "evidence.view") -> Evidence:
    return access.get_evidence_or_404(evidence_id, user(), action)


def _filters() -> evidence_queries.Filters:
    kind = request.args.get("kind")
    if kind is not None and kind not in EVIDENCE_KINDS:
        raise ApiError(400, "bad_request", f"kind must be one of {list(EVIDENCE_KINDS)}.")
    search = request.args.get("q")
    if search is not None and len(search) > SEARCH_MAX:
        raise ApiError(400, "bad_request", f"q must be {SEARCH_MAX} characters or fewer.")
    return evidence_queries.Filters(
        kind=kind, withdrawn=bool_arg("include_withdrawn"), search=(search or "").strip() or None
    )


@bp.get("/evidence")
def list_evidence():
    """A library (to those who keep it), or a response's linked evidence (to those who may see
    the response), or both at once; the user's own library when neither is named."""
    organisation_id, response_id = id_arg("organisation"), id_arg("response")
    filters = _filters()
    if response_id is not None:
        assessment, _row = response_row(response_id)
        query = evidence_queries.library(assessment.organisation, filters).where(
            Evidence.id.in_(
                select(EvidenceLink.evidence_id).where(EvidenceLink.response_id == response_id)
            )
        )
        if organisation_id is not None:
            query = query.where(Evidence.organisation_id == organisation_id)
    else:
        if organisation_id is not None:
            org = access.get_organisation_or_404(organisation_id, user())
        else:
            org = library_organisation(user())
        if not access.can(user(), "evidence.add", org):
            raise ApiError(403, "forbidden", NOT_YOURS)
        query = evidence_queries.library(org, filters)
    return paginated(query, shapes_more.Evidence.of)


@bp.get("/evidence/<int:evidence_id>")
def get_evidence(evidence_id: int):
    evidence = _evidence_or_404(evidence_id)
    uses = [
        link
        for link in evidence_queries.where_used(evidence)
        if access.can(user(), "assessment.view", link.response.assessment)
    ]
    return read(shapes_more.EvidenceWithLinks.of(evidence, uses))


# --- uploading -----------------------------------------------------------------------------------


def _form_id(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    value = as_id(raw)
    if value is None:
        raise ApiError(422, "invalid", f"{name} must be an id.", name)
    return value


def _upload_target():
    """The library the upload goes into, and the response to link it to, if any: evidence for
    a response goes into its assessment's organisation's library, as on the pages."""
    response_id, organisation_id = _form_id("response_id"), _form_id("organisation_id")
    response = None
    if response_id is not None:
        assessment, row = response_row(response_id, "assessment.draft")
        response, org = row.response, assessment.organisation
    if organisation_id is not None:
        org = db.session.get(Organisation, organisation_id)
        if org is None:
            raise ApiError(422, "invalid", "There is no such organisation.", "organisation_id")
    elif response is None:
        org = library_organisation(user())
    if not access.can(user(), "evidence.add", org):
        raise ApiError(403, "forbidden", "You cannot add evidence to this library.")
    return org, response


def _details() -> evidence_ops.Details:
    form = request.form
    source = _form_id("source_organisation_id") or user().organisation_id
    return evidence_ops.Details(
        title=form.get("title", ""),
        kind=form.get("kind", ""),
        source_organisation_id=source,
        evidence_date=as_date(form.get("evidence_date") or None, "evidence_date"),
        description=form.get("description") or None,
    )


@bp.post("/evidence")
def upload_evidence():
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", "Send the evidence as multipart/form-data.")
    org, response = _upload_target()
    details = _details()
    upload, url, note = request.files.get("file"), request.form.get("url"), request.form.get("note")
    if "file" in request.form:
        raise ApiError(422, "invalid", "Send file as a file part, with a file name.", "file")
    if (upload is None) == (not url):
        raise ApiError(422, "invalid", "Send either a file or a url (not both).", "file")
    if note and response is None:
        raise ApiError(422, "invalid", "A note is for a link: send response_id too.", "note")
    if upload is None:
        evidence = evidence_ops.add_url(user(), org, details, url, response, note)
    else:
        limit = current_app.config["TRACKER_MAX_UPLOAD_MB"] * 1024 * 1024
        stream, name = upload.stream, upload.filename or ""
        evidence = evidence_ops.add_file(user(), org, details, stream, name, limit, response, note)
    created = read(shapes_more.Evidence.of(evidence), 201)
    created.headers["Location"] = url_for("api.get_evidence", evidence_id=evidence.id)
    return created


@bp.get("/evidence/<int:evidence_id>/download")
def download_evidence(evidence_id: int):
    evidence = _evidence_or_404(evidence_id)
    if evidence.sha256 is None:
        raise ApiError(404, "not_found", "This evidence is a web link, not a file: see its url.")
    if not evidence_ops.store().exists(evidence.sha256):
        raise ApiError(404, "not_found", "The file is missing from the evidence store.")
    response = send_file(
        evidence_ops.store().open(evidence.sha256),
        mimetype=evidence.content_type,
        as_attachment=True,
        download_name=evidence.filename or "evidence",
        etag=evidence.sha256,
        conditional=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/evidence/<int:evidence_id>/withdraw")
def withdraw_evidence(evidence_id: int):
    evidence = _evidence_or_404(evidence_id, "evidence.withdraw")
    evidence_ops.withdraw(user(), evidence, parse(Reason).reason)
    return read(shapes_more.Evidence.of(_evidence_or_404(evidence_id)))


# --- linking to responses ------------------------------------------------------------------------


@bp.post("/responses/<int:response_id>/evidence")
def link_evidence(response_id: int):
    _assessment, row = response_row(response_id, "assessment.draft")
    body = parse(Link)
    evidence = db.session.get(Evidence, body.evidence_id)
    if evidence is None or not access.can(user(), "evidence.view", evidence):
        raise ApiError(422, "invalid", "There is no such evidence in your library.", "evidence_id")
    evidence_ops.link(user(), evidence, row.response, body.note)
    return response_read(response_id)


@bp.delete("/responses/<int:response_id>/evidence/<int:evidence_id>")
def unlink_evidence(response_id: int, evidence_id: int):
    _assessment, _row = response_row(response_id, "assessment.draft")
    link = db.session.scalar(
        select(EvidenceLink).where(
            EvidenceLink.response_id == response_id, EvidenceLink.evidence_id == evidence_id
        )
    )
    if link is None:
        raise ApiError(404, "not_found", NOT_LINKED)
    evidence_ops.unlink(user(), link)
    return response_read(response_id)


# --- the evidence rules' refusals, as HTTP -------------------------------------------------------
# (Most specific first is Flask's choice: a FileTooLarge is an EvidenceError, answered as 413.)


@bp.errorhandler(evidence_rules.EvidenceError)
def _refused(error: evidence_rules.EvidenceError):
    return answer_error(refused(error))


@bp.errorhandler(evidence_rules.AlreadyWithdrawn)
def _already_withdrawn(error: evidence_rules.AlreadyWithdrawn):
    return answer_error(conflict(error.message))


@bp.errorhandler(evidence_rules.LinkGone)
def _link_gone(error: evidence_rules.LinkGone):
    return answer_error(ApiError(404, "not_found", NOT_LINKED))


@bp.errorhandler(evidence_rules.FileTooLarge)
def _too_large(error: evidence_rules.FileTooLarge):
    return answer_error(ApiError(413, "too_large", refused(error).message, "file"))


@bp.errorhandler(evidence_rules.FileTypeRefused)
def _type_refused(error: evidence_rules.FileTypeRefused):
    return answer_error(ApiError(415, "unsupported_media_type", refused(error).message, "file"))


@bp.errorhandler(evidence_rules.StoreUnavailable)
def _store_unavailable(error: evidence_rules.StoreUnavailable):
    message, retry = refused(error).message, evidence_rules.STORE_RETRY_SECONDS
    return answer_error(ApiError(503, "unavailable", message, "file", retry_after=retry))
