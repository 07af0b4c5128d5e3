"""Evidence pages: HTTP only. Rules are in operations.py, reads in queries.py, access in
tracker/access."""

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker.access import (
    can,
    get_assessment_or_404,
    get_challenge_or_404,
    get_evidence_or_404,
    library_organisation,
)
from tracker.assessments import queries as assessment_queries
from tracker.evidence import bp, operations, queries, rules
from tracker.evidence.forms import KIND_LABELS, EvidenceForm, LibraryDatesForm, WithdrawForm
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.labels import pii_summary
from tracker.models import Organisation
from tracker.security import as_id

PAGE_SIZE = 50


def _filters(dates: LibraryDatesForm) -> queries.Filters:
    args = request.args
    dates.validate()  # a date that is not one filters nothing out, and says so
    return queries.Filters(
        kind=args.get("kind") or None,
        source_id=args.get("source", type=as_id),
        linked=args.get("linked") or None,
        withdrawn=args.get("withdrawn") == "1",
        search=(args.get("q") or "").strip()[:200] or None,
        date_from=dates.date_from.data,
        date_to=dates.date_to.data,
    )


def _organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


@bp.get("/")
@login_required
def index():
    org = library_organisation(current_user)
    if not can(current_user, "evidence.add", org):
        abort(403)
    dates = LibraryDatesForm(formdata=request.args)
    filters = _filters(dates)
    items = db.session.scalars(queries.library(org, filters).limit(PAGE_SIZE + 1)).all()
    return render_template(
        "evidence/index.html",
        org=org,
        items=items[:PAGE_SIZE],
        more=len(items) > PAGE_SIZE,
        filters=filters,
        dates=dates,
        organisations=_organisations(),
        kinds=KIND_LABELS,
    )


def _link_target():
    """The response an upload is for, when it comes from an item page."""
    assessment_id, item_key = request.args.get("assessment", type=as_id), request.args.get("item")
    if not assessment_id or not item_key:
        return None, None
    assessment = get_assessment_or_404(
        assessment_id, current_user, "assessment.draft", assessment_queries.load_assessment
    )
    row = assessment_queries.find_row(assessment, item_key, links=False) or abort(404)
    return assessment, row


def _challenge_target():
    """The challenge an upload is for, when it comes from a challenge's answer form."""
    challenge_id = request.args.get("challenge", type=as_id)
    if not challenge_id:
        return None
    return get_challenge_or_404(challenge_id, current_user, "challenge.answer")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    assessment, row, challenge, org = _target()
    if not can(current_user, "evidence.add", org):
        abort(403)
    form = EvidenceForm()
    form.source_organisation.choices = [
        (o.id, o.display_name(current_language())) for o in _organisations()
    ]
    status, headers = 200, {}
    if request.method == "GET":
        form.source_organisation.data = current_user.organisation_id
    elif form.validate_on_submit():
        try:
            evidence = _add(form, org, row)
        except rules.StoreUnavailable as error:  # what they typed stays in the form
            form.file.errors.append(error.message)
            status, headers = 503, {"Retry-After": str(rules.STORE_RETRY_SECONDS)}
        else:
            if evidence is not None:
                return _after_add(evidence, assessment, row, challenge)
    if form.errors and status == 200:
        status = 400
    page = render_template(
        "evidence/new.html",
        form=form,
        org=org,
        assessment=assessment,
        row=row,
        challenge=challenge,
        kinds=KIND_LABELS,
    )
    return page, status, headers


def _target():
    """Where new evidence goes: (assessment, row, challenge, organisation whose library)."""
    assessment, row = _link_target()
    challenge = _challenge_target()
    if challenge is not None:
        assessment = challenge.response.assessment
    # Evidence for an item goes into that assessment's organisation's library.
    org = assessment.organisation if assessment else library_organisation(current_user)
    return assessment, row, challenge, org


def _add(form, org, row):
    details = operations.Details(
        form.title.data,
        form.kind.data,
        form.source_organisation.data,
        form.evidence_date.data,
        form.description.data,
    )
    response = row.response if row else None
    try:
        if form.source.data == "url":
            return operations.add_url(
                current_user, org, details, form.url.data, response, form.note.data
            )
        upload = form.file.data
        return operations.add_file(
            current_user,
            org,
            details,
            upload.stream,
            upload.filename,
            current_app.config["TRACKER_MAX_UPLOAD_MB"] * 1024 * 1024,
            response,
            form.note.data,
        )
    except rules.StoreUnavailable:
        raise
    except rules.EvidenceError as error:
        getattr(form, error.field or "title").errors.append(error.message)
        return None


def _after_add(evidence, assessment, row, challenge=None):
    warnings = evidence.pii_warnings or {}
    if set(warnings) == {"checked_pages"}:  # nothing found, but not all of it was read
        flash(
            _(
                "The evidence is added. It was not checked whole for personal details of a "
                "child (%(what)s): check the rest yourself.",
                what=pii_summary(warnings),
            )
        )
    elif warnings:
        flash(
            _(
                "The evidence is added, but it may contain personal details of a child. "
                "Check it, and withdraw it if it should not be here."
            )
        )
    else:
        flash(_("The evidence is added."))
    if challenge is not None:  # back to the answer, with the new evidence ticked
        return redirect(
            url_for(
                "review.challenge", challenge_id=challenge.id, add=evidence.id, _anchor="answer"
            )
        )
    if row is not None:
        return redirect(
            url_for(
                "assessments.item",
                assessment_id=assessment.id,
                item_key=row.item.key,
                _anchor="evidence",
            )
        )
    return redirect(url_for(".show", evidence_id=evidence.id))


@bp.get("/<int:evidence_id>")
@login_required
def show(evidence_id: int):
    evidence = get_evidence_or_404(evidence_id, current_user)
    uses = [
        u
        for u in queries.where_used(evidence)
        if can(current_user, "assessment.view", u.response.assessment)
    ]
    return render_template("evidence/show.html", evidence=evidence, uses=uses, kinds=KIND_LABELS)


@bp.get("/<int:evidence_id>/download")
@login_required
def download(evidence_id: int):
    evidence = get_evidence_or_404(evidence_id, current_user)
    if evidence.sha256 is None or not operations.store().exists(evidence.sha256):
        abort(404)
    return send_file(
        operations.store().open(evidence.sha256),
        mimetype=evidence.content_type,
        as_attachment=True,
        download_name=evidence.filename or "evidence",
        max_age=0,
    )


@bp.route("/<int:evidence_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(evidence_id: int):
    evidence = get_evidence_or_404(evidence_id, current_user, "evidence.withdraw")
    form = WithdrawForm()
    late = False  # withdrawn by someone else first: their reason stands, and this one is told
    if form.validate_on_submit():
        try:
            operations.withdraw(current_user, evidence, form.reason.data)
        except rules.EvidenceError as error:
            form.reason.errors.append(error.message)
            late = isinstance(error, rules.AlreadyWithdrawn)
        else:
            flash(_("The evidence is withdrawn. It no longer counts towards any score."))
            return redirect(url_for(".show", evidence_id=evidence.id))
    return render_template("evidence/withdraw.html", evidence=evidence, form=form), (
        409 if late else 400 if form.errors else 200
    )
