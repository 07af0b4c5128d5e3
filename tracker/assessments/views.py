"""Self-assessment pages: HTTP only. The rules are in operations.py, the reads in queries.py,
access in tracker/access. The evidence and action pages are views_actions.py, submitting and
returning views_submit.py, on the same blueprint."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from tracker import clock, cycles, drafts
from tracker.access import can, get_framework_or_404
from tracker.assessments import bp, operations, pages, queries, rules
from tracker.assessments.forms import ConfirmForm, StartForm
from tracker.extensions import db
from tracker.forms import PostForm
from tracker.models.assessments import EDITABLE_STATUSES
from tracker.rules import RuleError
from tracker.web import is_htmx


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
    previous = queries.previous_assessment(org, framework, cycle)
    form = StartForm()
    if form.validate_on_submit():
        try:
            assessment = operations.start_assessment(
                current_user, org, framework, cycle, form.start_from.data == "previous"
            )
        except rules.AlreadyStarted as started:
            flash(_("This assessment was already started. Here it is."))
            return redirect(url_for(".task_list", assessment_id=started.assessment_id))
        except RuleError as error:
            form.start_from.errors.append(error.message)
        else:
            return redirect(url_for(".task_list", assessment_id=assessment.id))
    return render_template(
        "assessments/start.html", form=form, framework=framework, cycle=cycle, previous=previous
    ), (400 if form.errors else 200)


@bp.get("/<int:assessment_id>")
@login_required
def task_list(assessment_id: int):
    assessment = pages.load(assessment_id)
    today = clock.today()
    return render_template(
        "assessments/task_list.html",
        assessment=assessment,
        # The countdown to the due date, while the cycle is open and the work is still to do.
        days_left=cycles.days_left(assessment.cycle, today)
        if assessment.cycle.contains(today) and assessment.status in EDITABLE_STATUSES
        else None,
        tasks=queries.task_list(assessment, links=False),
        previous=queries.previous_scores(assessment, current_user),
    )


@bp.route("/<int:assessment_id>/items/<item_key>", methods=["GET", "POST"])
@login_required
def item(assessment_id: int, item_key: str):
    assessment = pages.load(assessment_id)
    row = pages.row_or_404(assessment, item_key)
    form = pages.response_form(assessment, row)
    if request.method == "POST":
        if not can(current_user, "assessment.draft", assessment):
            pages.refuse(assessment)
        if request.form.get("then") in ("upload", "keep"):  # leaving the page: keep the words
            return _keep_answer(assessment, row, form, then=request.form["then"])
        if form.validate_on_submit() and not form.preview.data:
            return _save(assessment, row, form)
    return pages.item_page(
        assessment, row, form, status=400 if form.errors else 200, fragment=is_htmx()
    )


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
    assessment = pages.load(assessment_id, "assessment.edit")
    row = pages.row_or_404(assessment, item_key)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            operations.confirm_response(current_user, row.response, form.version.data)
        except rules.StaleResponse:
            flash(
                _("This answer changed since you opened it. Read it again before confirming."),
                "error",
            )
        except RuleError as error:
            flash(error.message, "error")
        else:
            flash(_("You confirmed that your answer to %(item)s is still right.", item=item_key))
    return redirect(url_for(".item", assessment_id=assessment_id, item_key=item_key))


def _save(assessment, row, form):
    can_score = can(current_user, "assessment.edit", assessment)
    try:
        operations.save_response(
            current_user,
            row.response,
            form.version.data,
            form.narrative.data,
            form.impact.data,
            score=form.score.data if can_score else rules.UNCHANGED,
        )
    except rules.StaleResponse as stale:
        return pages.conflict(assessment, row, form, stale, can_score)
    except RuleError as error:
        getattr(form, error.field or "narrative").errors.append(error.message)
        return pages.item_page(assessment, row, form, status=400, fragment=is_htmx())
    except SQLAlchemyError:
        # The database failed us, not the user: nothing was saved, so give their words back.
        db.session.rollback()
        current_app.logger.exception(
            "Saving %s of assessment %s failed", row.item.key, assessment.id
        )
        return pages.not_saved(assessment, row, form)
    form.version.data = row.response.version
    if is_htmx():
        return pages.item_page(assessment, row, form, saved=True, fragment=True)
    flash(_("Your answer to %(item)s is saved.", item=row.item.key))
    return redirect(url_for(".item", assessment_id=assessment.id, item_key=row.item.key))


@bp.get("/<int:assessment_id>/items/<item_key>/history")
@login_required
def history(assessment_id: int, item_key: str):
    assessment = pages.load(assessment_id)
    row = pages.row_or_404(assessment, item_key)
    return render_template(
        "assessments/history.html",
        assessment=assessment,
        row=row,
        events=queries.response_history(row.response),
    )


# The evidence, action, submit and return pages, on this blueprint too.
from tracker.assessments import views_actions, views_submit  # noqa: E402, F401
