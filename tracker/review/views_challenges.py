"""Peer review pages for one challenge: its thread, and answering, resolving and reopening it.
HTTP only: the rules are in challenges.py. A step someone else took first (ChallengeMoved)
shows the challenge as it is now, with why, as a 409."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import clock, drafts
from tracker.access import can, get_challenge_or_404
from tracker.assessments import queries as assessment_queries
from tracker.forms import PostForm
from tracker.i18n import current_language
from tracker.review import bp, challenges, queries
from tracker.review.challenges import ChallengeMoved
from tracker.review.forms import (
    AnswerForm,
    ReopenForm,
    ResolveForm,
    default_due,
    score_choices,
    show_refusal,
)
from tracker.rules import RuleError
from tracker.security import as_id


def _load_challenge(challenge_id: int, action: str = "challenge.view"):
    return get_challenge_or_404(challenge_id, current_user, action, queries.load_thread)


def _answer_form(challenge, formdata=True) -> AnswerForm:
    form = AnswerForm() if formdata else AnswerForm(formdata=None)
    lang = current_language()
    framework = challenge.response.assessment.framework
    form.revised_score.choices = score_choices(framework, lang, _("Keep the score"))
    # Only someone who may answer is offered the library (up to 200 pieces to read and show).
    offered = (
        queries.answer_options(challenge)
        if can(current_user, "challenge.answer", challenge)
        else []
    )
    form.evidence.choices = [
        (e.id, f"{e.title} ({e.source_organisation.display_name(lang)})") for e in offered
    ]
    return form


def _resolve_form(challenge, formdata=True) -> ResolveForm:
    form = ResolveForm() if formdata else ResolveForm(formdata=None)
    form.resolved_score.choices = score_choices(
        challenge.response.assessment.framework, current_language(), _("Choose a score")
    )
    return form


def _draft_answer(challenge) -> AnswerForm:
    """A blank answer form holding what they had typed before leaving to upload, and what they
    have just uploaded."""
    form = _answer_form(challenge, formdata=False)
    draft = drafts.recall(current_user, drafts.challenge_answer(challenge.id)) or {}
    form.body.data = draft.get("body")
    form.revised_score.data = draft.get("revised_score")
    added = draft.get("evidence", []) + request.args.getlist("add", type=as_id)
    offered = dict(form.evidence.choices)
    form.evidence.data = [i for i in dict.fromkeys(added) if i in offered]
    return form


def _challenge_page(
    challenge, answer_form=None, resolve_form=None, reopen_form=None, status=200, conflict=None
):
    assessment = assessment_queries.load_assessment(challenge.response.assessment_id)
    row = assessment_queries.find_row(assessment, challenge.response.item.key)
    if answer_form is None:
        answer_form = _draft_answer(challenge)
    if reopen_form is None:
        reopen_form = ReopenForm(formdata=None)
        reopen_form.due_on.data = default_due()
    if resolve_form is None:
        resolve_form = _resolve_form(challenge, formdata=False)
    # What the user reads now is what their resolution or follow-up answers.
    resolve_form.seen.data = reopen_form.seen.data = queries.last_message_id(challenge)
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
        evidence = [i for i in form.evidence.data or [] if i is not None]
        try:
            challenges.answer(
                current_user, challenge, form.body.data, form.revised_score.data, evidence
            )
        except ChallengeMoved as error:
            return _challenge_page(challenge, status=409, conflict=error.message)
        except RuleError as error:
            show_refusal(form, error, "body")
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
            challenges.resolve(
                current_user,
                challenge,
                form.outcome.data,
                form.resolved_score.data,
                form.rationale.data,
                seen=form.seen.data,
            )
        except ChallengeMoved as error:
            return _challenge_page(challenge, status=409, conflict=error.message)
        except RuleError as error:
            show_refusal(form, error, "outcome")
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
            challenges.reopen(
                current_user,
                challenge,
                form.body.data,
                form.due_on.data,
                clock.today(),
                seen=form.seen.data,
            )
        except ChallengeMoved as error:
            return _challenge_page(challenge, status=409, conflict=error.message)
        except RuleError as error:
            show_refusal(form, error, "body")
        else:
            flash(_("The challenge is reopened and sent back to the organisation."))
            return redirect(url_for(".challenge", challenge_id=challenge_id))
    return _challenge_page(challenge, reopen_form=form, status=400)
