"""Peer review pages: HTTP only. The rules are in service.py, access in tracker/access.py."""

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import clock, drafts
from tracker.access import can, get_assessment_or_404, get_challenge_or_404
from tracker.assessments import queries as assessment_queries
from tracker.extensions import db
from tracker.forms import PostForm
from tracker.i18n import current_language
from tracker.models import User
from tracker.review import bp, service
from tracker.review.forms import (
    AnswerForm,
    AssignForm,
    ChallengeForm,
    ReopenForm,
    ResolveForm,
    score_choices,
)
from tracker.security import as_id

DEFAULT_DAYS_TO_ANSWER = 14


def _default_due() -> date:
    return clock.today() + timedelta(days=DEFAULT_DAYS_TO_ANSWER)


def _load(assessment_id: int, action: str = "assessment.view"):
    return get_assessment_or_404(
        assessment_id, current_user, action, assessment_queries.load_assessment
    )


def _load_challenge(challenge_id: int, action: str = "challenge.view"):
    return get_challenge_or_404(challenge_id, current_user, action, service.load_thread)


def _status(form) -> int:
    return 400 if form.errors else 200


def _refused(form, error: service.RuleError, default_field: str) -> None:
    getattr(form, error.field or default_field, getattr(form, default_field)).errors.append(
        error.message
    )


# --- the queue -----------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    today = clock.today()
    if can(current_user, "review.queue"):
        return render_template(
            "review/queue.html", rows=service.queue(current_user, today), today=today
        )
    if can(current_user, "review.oversee"):
        return render_template(
            "review/oversight.html", **service.oversight(current_user, today), today=today
        )
    abort(403)


@bp.route("/assessments/<int:assessment_id>/assign", methods=["GET", "POST"])
@login_required
def assign(assessment_id: int):
    assessment = _load(assessment_id, "assessment.assign")
    form = AssignForm()
    people = service.reviewers()
    lang = current_language()
    form.reviewer.choices = [("", _("Choose a peer reviewer"))] + [
        (r.id, f"{r.name} ({r.organisation.display_name(lang)})") for r in people
    ]
    if form.validate_on_submit():
        reviewer = db.session.get(User, form.reviewer.data) if form.reviewer.data else None
        try:
            service.assign(current_user, assessment, reviewer, form.due_on.data, clock.today())
        except service.RuleError as error:
            _refused(form, error, "reviewer")
        else:
            flash(_("%(name)s is assigned to review this assessment.", name=reviewer.name))
            return redirect(url_for(".assessment", assessment_id=assessment_id))
    conflicts = {r.id for r in people if service.conflict_of_interest(r, assessment)}
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
        page=service.review_page(assessment, current_user),
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
        challenge_form.due_on.data = _default_due()
    response = row.response
    threads = service.threads(response)
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
            challenge = service.raise_challenge(
                current_user,
                row.response,
                form.question.data,
                form.proposed_score.data,
                form.due_on.data,
                form.evidence_requested.data,
                clock.today(),
            )
        except service.RuleError as error:
            _refused(form, error, "question")
        else:
            flash(_("Your challenge is sent to %(org)s.", org=_org_name(assessment)))
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
        refused=service.validation_refused(row.response),
    )


@bp.post("/assessments/<int:assessment_id>/items/<item_key>/validate")
@login_required
def validate(assessment_id: int, item_key: str):
    assessment = _load(assessment_id, "assessment.validate")
    row = _row_or_404(assessment, item_key)
    if not PostForm().validate_on_submit():
        abort(400)
    try:
        service.validate(current_user, row.response)
    except service.RuleError as error:
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
        page=service.review_page(assessment, current_user),
        refused=service.conclusion_refused(assessment),
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
        service.conclude(current_user, assessment, clock.today())
    except service.RuleError as error:
        flash(error.message, "error")
    else:
        flash(_("The review is concluded. The validated scores are now final."))
    return redirect(url_for(".assessment", assessment_id=assessment_id))


def _org_name(assessment) -> str:
    return assessment.organisation.display_name(current_language())


# --- one challenge -------------------------------------------------------------------------------


def _answer_form(challenge, formdata=True) -> AnswerForm:
    form = AnswerForm() if formdata else AnswerForm(formdata=None)
    assessment = challenge.response.assessment
    form.revised_score.choices = score_choices(
        assessment.framework, current_language(), _("Keep the score")
    )
    lang = current_language()
    form.evidence.choices = [
        (e.id, f"{e.title} ({e.source_organisation.display_name(lang)})")
        for e in service.answer_options(challenge)
    ]
    return form


def _resolve_form(challenge, formdata=True) -> ResolveForm:
    form = ResolveForm() if formdata else ResolveForm(formdata=None)
    form.resolved_score.choices = score_choices(
        challenge.response.assessment.framework, current_language(), _("Choose a score")
    )
    return form


def _challenge_page(
    challenge, answer_form=None, resolve_form=None, reopen_form=None, status=200, conflict=None
):
    assessment = assessment_queries.load_assessment(challenge.response.assessment_id)
    row = assessment_queries.find_row(assessment, challenge.response.item.key)
    if answer_form is None:
        answer_form = _answer_form(challenge, formdata=False)
        # What they had typed before leaving to upload, and what they have just uploaded.
        draft = drafts.recall(current_user, drafts.challenge_answer(challenge.id)) or {}
        answer_form.body.data = draft.get("body")
        answer_form.revised_score.data = draft.get("revised_score")
        added = draft.get("evidence", []) + request.args.getlist("add", type=as_id)
        offered = dict(answer_form.evidence.choices)
        answer_form.evidence.data = [i for i in dict.fromkeys(added) if i in offered]
    if reopen_form is None:
        reopen_form = ReopenForm(formdata=None)
        reopen_form.due_on.data = _default_due()
    if resolve_form is None:
        resolve_form = _resolve_form(challenge, formdata=False)
    # What the user reads now is what their resolution or follow-up answers.
    resolve_form.seen.data = reopen_form.seen.data = service.last_message_id(challenge)
    previous = assessment_queries.previous_scores(assessment, current_user, row.item.key)
    return render_template(
        "review/challenge.html",
        challenge=challenge,
        assessment=assessment,
        row=row,
        previous=previous.get(row.item.key),
        answer_form=answer_form,
        resolve_form=resolve_form,
        reopen_form=reopen_form,
        conflict=conflict,
        today=clock.today(),
    ), status


@bp.get("/challenges/<int:challenge_id>")
@login_required
def challenge(challenge_id: int):
    return _challenge_page(_load_challenge(challenge_id))


@bp.post("/challenges/<int:challenge_id>/answer")
@login_required
def answer(challenge_id: int):
    challenge = _load_challenge(challenge_id, "challenge.answer")
    form = _answer_form(challenge)
    if request.form.get("then") == "upload":  # leaving to upload evidence: keep what is typed
        return _keep_answer_for_upload(challenge, form)
    if form.validate_on_submit():
        try:
            service.answer(
                current_user,
                challenge,
                form.body.data,
                form.revised_score.data,
                [i for i in form.evidence.data or [] if i is not None],
            )
        except service.RuleError as error:
            if _is_conflict(error):
                return _challenge_page(challenge, status=409, conflict=error.message)
            _refused(form, error, "body")
        else:
            flash(_("Your answer is sent."))
            return redirect(url_for(".challenge", challenge_id=challenge_id))
    return _challenge_page(challenge, answer_form=form, status=400)


def _keep_answer_for_upload(challenge, form):
    if not PostForm().validate_on_submit():
        abort(400)
    evidence = [i for i in form.evidence.data or [] if i is not None]
    drafts.keep(
        current_user,
        drafts.challenge_answer(challenge.id),
        {"body": form.body.data, "revised_score": form.revised_score.data, "evidence": evidence},
    )
    return redirect(url_for("evidence.new", challenge=challenge.id))


@bp.post("/challenges/<int:challenge_id>/resolve")
@login_required
def resolve(challenge_id: int):
    challenge = _load_challenge(challenge_id, "challenge.resolve")
    form = _resolve_form(challenge)
    if form.validate_on_submit():
        try:
            service.resolve(
                current_user,
                challenge,
                form.outcome.data,
                form.resolved_score.data,
                form.rationale.data,
                seen=form.seen.data,
            )
        except service.RuleError as error:
            if _is_conflict(error):
                return _challenge_page(challenge, status=409, conflict=error.message)
            _refused(form, error, "outcome")
        else:
            flash(_("The challenge is resolved."))
            return redirect(url_for(".challenge", challenge_id=challenge_id))
    return _challenge_page(challenge, resolve_form=form, status=400)


@bp.post("/challenges/<int:challenge_id>/reopen")
@login_required
def reopen(challenge_id: int):
    challenge = _load_challenge(challenge_id, "challenge.reopen")
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            service.reopen(
                current_user,
                challenge,
                form.body.data,
                form.due_on.data,
                clock.today(),
                seen=form.seen.data,
            )
        except service.RuleError as error:
            if _is_conflict(error):
                return _challenge_page(challenge, status=409, conflict=error.message)
            _refused(form, error, "body")
        else:
            flash(_("The challenge is reopened and sent back to the organisation."))
            return redirect(url_for(".challenge", challenge_id=challenge_id))
    return _challenge_page(challenge, reopen_form=form, status=400)


def _is_conflict(error: service.RuleError) -> bool:
    """The challenge moved on (someone else acted first): show it as it is now, with why."""
    return isinstance(error, service.ChallengeMoved)
