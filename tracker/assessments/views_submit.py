"""Self-assessment pages for submitting and returning an assessment: HTTP only, on the
assessments blueprint. The rules are in operations.py, access in tracker/access."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.assessments import bp, operations, pages, queries
from tracker.assessments.forms import ReturnForm
from tracker.evidence import queries as evidence_queries
from tracker.forms import PostForm
from tracker.i18n import current_language
from tracker.rules import RuleError


@bp.route("/<int:assessment_id>/submit", methods=["GET", "POST"])
@login_required
def submit(assessment_id: int):
    assessment = pages.load(assessment_id, "assessment.submit")
    form = PostForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.submit(current_user, assessment)
        except RuleError as refused:
            error = refused.message
        else:
            return redirect(url_for(".submitted", assessment_id=assessment_id))
    tasks = queries.task_list(assessment)
    return render_template(
        "assessments/submit.html",
        assessment=assessment,
        missing=queries.missing_items(assessment),
        warnings=evidence_queries.pii_warnings(tasks.rows),
        tasks=tasks,
        form=form,
        error=error,
    ), (400 if error else 200)


@bp.get("/<int:assessment_id>/submitted")
@login_required
def submitted(assessment_id: int):
    """The confirmation after submitting: what happens next, and who has been told."""
    assessment = pages.load(assessment_id)
    if assessment.submitted_at is None or assessment.is_editable:
        return redirect(url_for(".task_list", assessment_id=assessment_id))
    return render_template(
        "assessments/confirmation.html",
        assessment=assessment,
        told=queries.submitted_to(assessment),
    )


@bp.route("/<int:assessment_id>/return", methods=["GET", "POST"])
@login_required
def return_assessment(assessment_id: int):
    assessment = pages.load(assessment_id, "assessment.return")
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            operations.return_assessment(current_user, assessment, form.reason.data)
        except RuleError as error:
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
