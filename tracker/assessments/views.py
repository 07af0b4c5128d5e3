"""Self-assessment pages: HTTP only. The rules are in service.py, access in tracker/access.py."""

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from tracker import clock, cycles, drafts
from tracker.access import can, get_assessment_or_404, get_evidence_or_404, get_framework_or_404
from tracker.assessments import bp, service
from tracker.assessments.forms import (
    ActionForm,
    ConfirmForm,
    ResponseForm,
    ReturnForm,
    StartForm,
)
from tracker.evidence import pii
from tracker.evidence import service as evidence
from tracker.evidence.forms import LinkForm
from tracker.extensions import db
from tracker.forms import PostForm
from tracker.i18n import current_language
from tracker.labels import EVIDENCE_KIND_LABELS
from tracker.models import Action, EvidenceLink
from tracker.models.assessments import EDITABLE_STATUSES
from tracker.paging import paginate
from tracker.review import queries as review
from tracker.web import BUSY_RETRY_SECONDS, is_htmx


def _load(assessment_id: int, action: str = "assessment.view"):
    assessment = get_assessment_or_404(assessment_id, current_user, loader=service.load_assessment)
    if not can(current_user, action, assessment):
        _refuse(assessment)
    return assessment


def _refuse(assessment):
    """403; for work already submitted (Back after submitting, a form sent again) the page
    says so, when and by whom, and links to it, rather than "You do not have permission"."""
    if assessment.is_editable or assessment.submitted_at is None:
        abort(403)
    page = render_template("assessments/already_submitted.html", assessment=assessment)
    abort(make_response(page, 403))


def _row_or_404(assessment, item_key: str) -> service.ItemRow:
    # Without its links: the item page reads them a page at a time (there may be thousands).
    return service.find_row(assessment, item_key, links=False) or abort(404)


@bp.route("/start/<int:framework_id>", methods=["GET", "POST"])
@login_required
def start(framework_id: int):
    framework = get_framework_or_404(framework_id, current_user)
    today = clock.today()
    org, cycle = current_user.organisation, cycles.current_cycle(today)
    # Only in the current cycle while it is open (not between cycles, not once closed).
    if cycle is None or not cycle.contains(today):
        abort(403)
    if not can(current_user, "organisation.start_assessment", org):
        abort(403)
    previous = service.previous_assessment(org, framework, cycle)
    form = StartForm()
    if form.validate_on_submit():
        try:
            assessment = service.start_assessment(
                current_user, org, framework, cycle, form.start_from.data == "previous"
            )
        except service.AlreadyStarted as started:
            flash(_("This assessment was already started. Here it is."))
            return redirect(url_for(".task_list", assessment_id=started.assessment_id))
        except service.RuleError as error:
            form.start_from.errors.append(error.message)
        else:
            return redirect(url_for(".task_list", assessment_id=assessment.id))
    return render_template(
        "assessments/start.html", form=form, framework=framework, cycle=cycle, previous=previous
    ), (400 if form.errors else 200)


@bp.get("/<int:assessment_id>")
@login_required
def task_list(assessment_id: int):
    assessment = _load(assessment_id)
    today = clock.today()
    return render_template(
        "assessments/task_list.html",
        assessment=assessment,
        # The countdown to the due date, while the cycle is open and the work is still to do.
        days_left=cycles.days_left(assessment.cycle, today)
        if assessment.cycle.contains(today) and assessment.status in EDITABLE_STATUSES
        else None,
        tasks=service.task_list(assessment, links=False),
        previous=service.previous_scores(assessment, current_user),
    )


@bp.route("/<int:assessment_id>/items/<item_key>", methods=["GET", "POST"])
@login_required
def item(assessment_id: int, item_key: str):
    assessment = _load(assessment_id)
    row = _row_or_404(assessment, item_key)
    form = _response_form(assessment, row)
    if request.method == "POST":
        if not can(current_user, "assessment.draft", assessment):
            _refuse(assessment)
        if request.form.get("then") in ("upload", "keep"):  # leaving the page: keep the words
            return _keep_answer(assessment, row, form, then=request.form["then"])
        if form.validate_on_submit() and not form.preview.data:
            return _save(assessment, row, form)
    return _item_page(assessment, row, form, status=400 if form.errors else 200, fragment=is_htmx())


def _keep_answer(assessment, row, form, then: str):
    """Keep the unsaved answer as a draft; coming back to the item restores it. `upload` then
    goes to the upload; `keep` (sent by the page's script before another of its forms, such as
    Link evidence or Add action, reloads it) only answers that it is kept."""
    if not PostForm().validate_on_submit():
        abort(400)
    fields = {"narrative": form.narrative.data, "impact": form.impact.data}
    if can(current_user, "assessment.edit", assessment):
        fields["score"] = form.score.data
    # The version it was typed against: saving it later is refused if someone saved meanwhile.
    fields["version"] = form.version.data
    drafts.keep(current_user, drafts.response_answer(row.response.id), fields)
    if then == "keep":
        return "", 204
    upload = url_for("evidence.new", assessment=assessment.id, item=row.item.key)
    if is_htmx():
        return "", 204, {"HX-Redirect": upload}
    return redirect(upload)


@bp.post("/<int:assessment_id>/items/<item_key>/confirm")
@login_required
def confirm(assessment_id: int, item_key: str):
    assessment = _load(assessment_id, "assessment.edit")
    row = _row_or_404(assessment, item_key)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            service.confirm_response(current_user, row.response, form.version.data)
        except service.StaleResponse:
            flash(
                _("This answer changed since you opened it. Read it again before confirming."),
                "error",
            )
        except service.RuleError as error:
            flash(error.message, "error")
        else:
            flash(_("You confirmed that your answer to %(item)s is still right.", item=item_key))
    return redirect(url_for(".item", assessment_id=assessment_id, item_key=item_key))


def _save(assessment, row, form):
    can_score = can(current_user, "assessment.edit", assessment)
    try:
        service.save_response(
            current_user,
            row.response,
            form.version.data,
            form.narrative.data,
            form.impact.data,
            score=form.score.data if can_score else service.UNCHANGED,
        )
    except service.StaleResponse as stale:
        page = render_template(
            "assessments/conflict.html",
            assessment=assessment,
            row=row,
            mine=form,
            theirs=stale.current,
            editor=stale.editor,
            can_score=can_score,
        )
        # htmx swaps the whole main area for the conflict page, not just the form.
        swap = {
            "HX-Retarget": "#main-content",
            "HX-Reswap": "outerHTML",
            "HX-Reselect": "#main-content",
        }
        return page, 409, swap if is_htmx() else {}
    except service.RuleError as error:
        getattr(form, error.field or "narrative").errors.append(error.message)
        return _item_page(assessment, row, form, status=400, fragment=is_htmx())
    except SQLAlchemyError:
        # The database failed us, not the user: nothing was saved, so give their words back.
        db.session.rollback()
        current_app.logger.exception(
            "Saving %s of assessment %s failed", row.item.key, assessment.id
        )
        form.narrative.errors.append(
            _(
                "Your answer was not saved because of a problem on our side. What you wrote is "
                "still here: try saving again in a minute."
            )
        )
        page, status = _item_page(assessment, row, form, status=503, fragment=is_htmx())
        return page, status, {"Retry-After": str(BUSY_RETRY_SECONDS)}
    form.version.data = row.response.version
    if is_htmx():
        return _item_page(assessment, row, form, saved=True, fragment=True)
    flash(_("Your answer to %(item)s is saved.", item=row.item.key))
    return redirect(url_for(".item", assessment_id=assessment.id, item_key=row.item.key))


def _item_page(
    assessment,
    row,
    form,
    action_form=None,
    link_form=None,
    status=200,
    saved=False,
    fragment=False,
):
    template = "assessments/_response_form.html" if fragment else "assessments/item.html"
    if link_form is None:
        link_form = LinkForm(prefix="link")
    find = (request.args.get("find") or request.form.get("link-find") or "").strip()[:200]
    links = None
    if not fragment:
        link_form.offer(_link_choices(assessment, row, find))
        links = paginate(
            evidence.links_of(row.response.id), endpoint="assessments.item", anchor="evidence"
        )
    return render_template(
        template,
        assessment=assessment,
        row=row,
        links=links,
        form=form,
        action_form=action_form or ActionForm(prefix="action"),
        link_form=link_form,
        narrative_warnings=pii.scan_text(
            " ".join(filter(None, [row.response.narrative, row.response.impact_measure]))
        ),
        saved=saved,
        fragment=fragment,
        find=find,
        linkable_limit=evidence.LINKABLE_LIMIT,
        can_edit=can(current_user, "assessment.draft", assessment),
        can_score=can(current_user, "assessment.edit", assessment),
        previous=service.previous_scores(assessment, current_user, row.item.key).get(row.item.key),
        challenges=review.challenges_by_response([row.response.id]).get(row.response.id, []),
        today=clock.today(),
    ), status


@bp.post("/<int:assessment_id>/items/<item_key>/evidence")
@login_required
def link_evidence(assessment_id: int, item_key: str):
    assessment = _load(assessment_id, "assessment.draft")
    row = _row_or_404(assessment, item_key)
    link_form = LinkForm(prefix="link")
    link_form.offer(_link_choices(assessment, row, request.form.get("link-find")))
    if link_form.validate_on_submit():
        chosen = get_evidence_or_404(link_form.evidence.data, current_user)
        try:
            evidence.link(current_user, chosen, row.response, link_form.note.data)
        except evidence.EvidenceError as error:
            getattr(link_form, error.field or "evidence").errors.append(error.message)
        else:
            flash(_("The evidence is linked to %(item)s.", item=item_key))
            return redirect(
                url_for(".item", assessment_id=assessment_id, item_key=item_key, _anchor="evidence")
            )
    elif evidence.is_linked(link_form.evidence.data, row.response.id):
        # No longer offered because it was linked meanwhile (a second click, or another
        # person): say so, as the service would, rather than "not a valid choice".
        link_form.evidence.errors = [evidence.ALREADY_LINKED]
    form = _response_form(assessment, row)
    return _item_page(assessment, row, form, link_form=link_form, status=400)


@bp.post("/<int:assessment_id>/evidence-links/<int:link_id>/unlink")
@login_required
def unlink_evidence(assessment_id: int, link_id: int):
    assessment = _load(assessment_id, "assessment.draft")
    link_row = db.session.get(EvidenceLink, link_id)
    if link_row is None or link_row.response.assessment_id != assessment.id:
        abort(404)
    key = link_row.response.item.key
    if PostForm().validate_on_submit():
        try:
            evidence.unlink(current_user, link_row)
        except evidence.LinkGone:  # unlinked by a simultaneous request
            abort(404)
        flash(_("The evidence is unlinked. It stays in your library."))
    return redirect(url_for(".item", assessment_id=assessment_id, item_key=key, _anchor="evidence"))


@bp.post("/<int:assessment_id>/items/<item_key>/actions")
@login_required
def add_action(assessment_id: int, item_key: str):
    assessment = _load(assessment_id, "assessment.draft")
    row = _row_or_404(assessment, item_key)
    action_form = ActionForm(prefix="action")
    if action_form.validate_on_submit():
        if _save_action(row.response, None, action_form):
            flash(_("The action is added."))
            return redirect(url_for(".item", assessment_id=assessment_id, item_key=item_key))
    form = _response_form(assessment, row)
    return _item_page(assessment, row, form, action_form=action_form, status=400)


def _save_action(response, action, form) -> bool:
    try:
        service.save_action(
            current_user,
            response,
            action,
            form.description.data,
            form.owner.data,
            form.due_on.data,
            form.status.data,
            version=form.version.data,
        )
    except service.RuleError as error:
        getattr(form, error.field or "description").errors.append(error.message)
        return False
    return True


def _response_form(assessment, row) -> ResponseForm:
    """The answer form, filled from the saved response, or from the draft its writer left to
    upload evidence (a POST's own data takes precedence)."""
    draft = drafts.recall(current_user, drafts.response_answer(row.response.id))
    form = ResponseForm(
        scale=assessment.framework.scale, data=_response_data(row.response) | (draft or {})
    )
    form.restored = draft is not None
    return form


def _link_choices(assessment, row, find: str | None = None) -> list[tuple[int, str]]:
    """The library's current evidence not yet linked to this item (whose title contains `find`,
    if given), for the link form."""
    return [
        (e.id, f"{e.title} ({EVIDENCE_KIND_LABELS[e.kind]})")
        for e in evidence.linkable(assessment.organisation_id, row.response.id, find)
    ]


def _response_data(response) -> dict:
    return {
        "score": response.self_score,
        "narrative": response.narrative,
        "impact": response.impact_measure,
        "version": response.version,
    }


@bp.route("/<int:assessment_id>/actions/<int:action_id>", methods=["GET", "POST"])
@login_required
def edit_action(assessment_id: int, action_id: int):
    assessment = _load(assessment_id, "assessment.draft")
    action = db.session.get(Action, action_id)
    if action is None or action.response.assessment_id != assessment.id:
        abort(404)
    form = ActionForm(obj=action)
    if form.validate_on_submit():
        try:
            saved = _save_action(action.response, action, form)
        except service.StaleAction as stale:
            # Saving again, now at the current version, keeps these changes.
            form.version.data, form.version.raw_data = stale.current.version, None
            return render_template(
                "assessments/action.html",
                assessment=assessment,
                action=stale.current,
                form=form,
                stale=True,
                today=clock.today(),
            ), 409
        if saved:
            flash(_("The action is saved."))
            key = action.response.item.key
            return redirect(url_for(".item", assessment_id=assessment_id, item_key=key))
    return render_template(
        "assessments/action.html",
        assessment=assessment,
        action=action,
        form=form,
        today=clock.today(),
    ), (400 if form.errors else 200)


@bp.get("/<int:assessment_id>/items/<item_key>/history")
@login_required
def history(assessment_id: int, item_key: str):
    assessment = _load(assessment_id)
    row = _row_or_404(assessment, item_key)
    return render_template(
        "assessments/history.html",
        assessment=assessment,
        row=row,
        events=service.response_history(row.response),
    )


@bp.route("/<int:assessment_id>/submit", methods=["GET", "POST"])
@login_required
def submit(assessment_id: int):
    assessment = _load(assessment_id, "assessment.submit")
    form = PostForm()
    error = None
    if form.validate_on_submit():
        try:
            service.submit(current_user, assessment)
        except service.RuleError as refused:
            error = refused.message
        else:
            return redirect(url_for(".submitted", assessment_id=assessment_id))
    tasks = service.task_list(assessment)
    return render_template(
        "assessments/submit.html",
        assessment=assessment,
        missing=service.missing_items(assessment),
        warnings=evidence.pii_warnings(tasks.rows),
        tasks=tasks,
        form=form,
        error=error,
    ), (400 if error else 200)


@bp.get("/<int:assessment_id>/submitted")
@login_required
def submitted(assessment_id: int):
    """The confirmation after submitting: what happens next, and who has been told."""
    assessment = _load(assessment_id)
    if assessment.submitted_at is None or assessment.is_editable:
        return redirect(url_for(".task_list", assessment_id=assessment_id))
    return render_template(
        "assessments/confirmation.html",
        assessment=assessment,
        told=service.submitted_to(assessment),
    )


@bp.route("/<int:assessment_id>/return", methods=["GET", "POST"])
@login_required
def return_assessment(assessment_id: int):
    assessment = _load(assessment_id, "assessment.return")
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            service.return_assessment(current_user, assessment, form.reason.data)
        except service.RuleError as error:
            form.reason.errors.append(error.message)
        else:
            flash(
                _(
                    "The assessment is returned to %(org)s.",
                    org=assessment.organisation.display_name(current_language()),
                )
            )
            return redirect(url_for("main.home"))
    return render_template("assessments/return.html", assessment=assessment, form=form), (
        400 if form.errors else 200
    )
