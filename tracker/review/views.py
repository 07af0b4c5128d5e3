"""Peer review pages: the queue, assigning, one assessment under review, one response, and
validating and concluding. HTTP only: the rules are in assignments.py, challenges.py and
validation.py, access in tracker/access.py. The challenge pages are in views_challenges.py."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import clock
from tracker.access import can, get_assessment_or_404
from tracker.assessments import queries as assessment_queries
from tracker.extensions import db
from tracker.forms import PostForm
from tracker.i18n import current_language
from tracker.models import User
from tracker.review import assignments, bp, challenges, queries, validation
from tracker.review.forms import (
    AssignForm,
    ChallengeForm,
    default_due,
    score_choices,
    show_refusal,
)
from tracker.rules import RuleError


def _load(assessment_id: int, action: str = "assessment.view"):
    return get_assessment_or_404(
        assessment_id, current_user, action, assessment_queries.load_assessment
    )


def _status(form) -> int:
    return 400 if form.errors else 200


# --- the queue -----------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    today = clock.today()
    if can(current_user, "review.queue"):
        return render_template(
            "review/queue.html", rows=queries.queue(current_user, today), today=today
        )
    if can(current_user, "review.oversee"):
        return render_template(
            "review/oversight.html", **queries.oversight(current_user, today), today=today
        )
    abort(403)


@bp.route("/assessments/<int:assessment_id>/assign", methods=["GET", "POST"])
@login_required
def assign(assessment_id: int):
    assessment = _load(assessment_id, "assessment.assign")
    form = AssignForm()
    people = assignments.reviewers()
    lang = current_language()
    form.reviewer.choices = [("", _("Choose a peer reviewer"))] + [
        (r.id, f"{r.name} ({r.organisation.display_name(lang)})") for r in people
    ]
    if form.validate_on_submit():
        reviewer = db.session.get(User, form.reviewer.data) if form.reviewer.data else None
        try:
            assignments.assign(current_user, assessment, reviewer, form.due_on.data, clock.today())
        except RuleError as error:
            show_refusal(form, error, "reviewer")
        else:
            flash(_("%(name)s is assigned to review this assessment.", name=reviewer.name))
            return redirect(url_for(".assessment", assessment_id=assessment_id))
    conflicts = {r.id for r in people if assignments.conflict_of_interest(r, assessment)}
    return render_template(
        "review/assign.html", assessment=assessment, form=form, conflicts=conflicts, people=people
    ), _status(form)


# --- one assessment under review -----------------------------------------------------------------


@bp.get("/assessments/<int:assessment_id>")
@login_required
def assessment(assessment_id: int):
    assessment = _load(assessment_id)
    return render_template(
        "review/assessment.html",
        assessment=assessment,
        page=queries.review_page(assessment, current_user),
        today=clock.today(),
    )


def _row_or_404(assessment, item_key: str):
    return assessment_queries.find_row(assessment, item_key) or abort(404)


def _challenge_form(assessment, formdata=True) -> ChallengeForm:
    form = ChallengeForm() if formdata else ChallengeForm(formdata=None)
    form.proposed_score.choices = score_choices(
        assessment.framework, current_language(), _("No proposal")
    )
    return form


def _response_page(assessment, row, challenge_form=None, status=200):
    if challenge_form is None:
        challenge_form = _challenge_form(assessment, formdata=False)
        challenge_form.due_on.data = default_due()
    threads = queries.threads(row.response)
    previous = assessment_queries.previous_scores(assessment, current_user, row.item.key)
    return render_template(
        "review/response.html",
        assessment=assessment,
        row=row,
        threads=threads,
        unresolved=next((c for c in threads if c.is_unresolved), None),
        previous=previous.get(row.item.key),
        challenge_form=challenge_form,
        today=clock.today(),
    ), status


@bp.get("/assessments/<int:assessment_id>/items/<item_key>")
@login_required
def response(assessment_id: int, item_key: str):
    assessment = _load(assessment_id)
    return _response_page(assessment, _row_or_404(assessment, item_key))


@bp.post("/assessments/<int:assessment_id>/items/<item_key>/challenge")
@login_required
def raise_challenge(assessment_id: int, item_key: str):
    assessment = _load(assessment_id, "assessment.challenge")
    row = _row_or_404(assessment, item_key)
    form = _challenge_form(assessment)
    if form.validate_on_submit():
        try:
            challenge = challenges.raise_challenge(
                current_user,
                row.response,
                form.question.data,
                form.proposed_score.data,
                form.due_on.data,
                form.evidence_requested.data,
                clock.today(),
            )
        except RuleError as error:
            show_refusal(form, error, "question")
        else:
            org = assessment.organisation.display_name(current_language())
            flash(_("Your challenge is sent to %(org)s.", org=org))
            return redirect(url_for(".challenge", challenge_id=challenge.id))
    return _response_page(assessment, row, challenge_form=form, status=400)


# Validating and concluding cannot be undone: each asks first, on a page that says what will
# happen (GOV.UK's confirmation pattern); its button posts to the route below it.


@bp.get("/assessments/<int:assessment_id>/items/<item_key>/validate")
@login_required
def confirm_validate(assessment_id: int, item_key: str):
    assessment = _load(assessment_id, "assessment.validate")
    row = _row_or_404(assessment, item_key)
    return render_template(
        "review/confirm_validate.html",
        assessment=assessment,
        row=row,
        refused=validation.validation_refused(row.response),
    )


@bp.post("/assessments/<int:assessment_id>/items/<item_key>/validate")
@login_required
def validate(assessment_id: int, item_key: str):
    assessment = _load(assessment_id, "assessment.validate")
    row = _row_or_404(assessment, item_key)
    if not PostForm().validate_on_submit():
        abort(400)
    try:
        validation.validate(current_user, row.response)
    except RuleError as error:
        flash(error.message, "error")
        return redirect(url_for(".response", assessment_id=assessment_id, item_key=item_key))
    flash(_("The score for %(item)s is validated.", item=item_key))
    return redirect(url_for(".assessment", assessment_id=assessment_id))


@bp.get("/assessments/<int:assessment_id>/conclude")
@login_required
def confirm_conclude(assessment_id: int):
    assessment = _load(assessment_id, "assessment.conclude")
    return render_template(
        "review/confirm_conclude.html",
        assessment=assessment,
        page=queries.review_page(assessment, current_user),
        refused=validation.conclusion_refused(assessment),
    )


@bp.post("/assessments/<int:assessment_id>/conclude")
@login_required
def conclude(assessment_id: int):
    assessment = _load(assessment_id)
    if not PostForm().validate_on_submit():
        abort(400)
    if assessment.status == "concluded":  # a second click, or someone else was first
        flash(_("The review is concluded. The validated scores are now final."))
        return redirect(url_for(".assessment", assessment_id=assessment_id))
    if not can(current_user, "assessment.conclude", assessment):
        abort(403)
    try:
        validation.conclude(current_user, assessment)
    except RuleError as error:
        flash(error.message, "error")
    else:
        flash(_("The review is concluded. The validated scores are now final."))
    return redirect(url_for(".assessment", assessment_id=assessment_id))


# The challenge pages share this blueprint; importing them registers their routes.
from tracker.review import views_challenges  # noqa: E402, F401
