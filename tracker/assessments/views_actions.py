"""Self-assessment pages for an item's evidence links and improvement actions: HTTP only, on
the assessments blueprint. The rules are in operations.py, access in tracker/access."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import clock
from tracker.access import get_evidence_or_404
from tracker.assessments import bp, operations, pages, rules
from tracker.assessments.forms import ActionForm
from tracker.evidence import operations as evidence_ops
from tracker.evidence import queries as evidence_queries
from tracker.evidence import rules as evidence_rules
from tracker.evidence.forms import LinkForm
from tracker.extensions import db
from tracker.forms import PostForm
from tracker.models import Action, EvidenceLink
from tracker.rules import RuleError


@bp.post("/<int:assessment_id>/items/<item_key>/evidence")
@login_required
def link_evidence(assessment_id: int, item_key: str):
    assessment = pages.load(assessment_id, "assessment.draft")
    row = pages.row_or_404(assessment, item_key)
    link_form = LinkForm(prefix="link")
    link_form.offer(pages.link_choices(assessment, row, request.form.get("link-find")))
    if link_form.validate_on_submit():
        chosen = get_evidence_or_404(link_form.evidence.data, current_user)
        try:
            evidence_ops.link(current_user, chosen, row.response, link_form.note.data)
        except evidence_rules.EvidenceError as error:
            getattr(link_form, error.field or "evidence").errors.append(error.message)
        else:
            flash(_("The evidence is linked to %(item)s.", item=item_key))
            return redirect(
                url_for(".item", assessment_id=assessment_id, item_key=item_key, _anchor="evidence")
            )
    elif evidence_queries.is_linked(link_form.evidence.data, row.response.id):
        # No longer offered because it was linked meanwhile (a second click, or another
        # person): say so, as the service would, rather than "not a valid choice".
        link_form.evidence.errors = [evidence_rules.ALREADY_LINKED]
    form = pages.response_form(assessment, row)
    return pages.item_page(assessment, row, form, link_form=link_form, status=400)


@bp.post("/<int:assessment_id>/evidence-links/<int:link_id>/unlink")
@login_required
def unlink_evidence(assessment_id: int, link_id: int):
    assessment = pages.load(assessment_id, "assessment.draft")
    link_row = db.session.get(EvidenceLink, link_id)
    if link_row is None or link_row.response.assessment_id != assessment.id:
        abort(404)
    key = link_row.response.item.key
    if PostForm().validate_on_submit():
        try:
            evidence_ops.unlink(current_user, link_row)
        except evidence_rules.LinkGone:  # unlinked by a simultaneous request
            abort(404)
        flash(_("The evidence is unlinked. It stays in your library."))
    return redirect(url_for(".item", assessment_id=assessment_id, item_key=key, _anchor="evidence"))


@bp.post("/<int:assessment_id>/items/<item_key>/actions")
@login_required
def add_action(assessment_id: int, item_key: str):
    assessment = pages.load(assessment_id, "assessment.draft")
    row = pages.row_or_404(assessment, item_key)
    action_form = ActionForm(prefix="action")
    if action_form.validate_on_submit():
        if _save_action(row.response, None, action_form):
            flash(_("The action is added."))
            return redirect(url_for(".item", assessment_id=assessment_id, item_key=item_key))
    form = pages.response_form(assessment, row)
    return pages.item_page(assessment, row, form, action_form=action_form, status=400)


def _save_action(response, action, form) -> bool:
    try:
        operations.save_action(
            current_user,
            response,
            action,
            form.description.data,
            form.owner.data,
            form.due_on.data,
            form.status.data,
            version=form.version.data,
        )
    except RuleError as error:
        getattr(form, error.field or "description").errors.append(error.message)
        return False
    return True


@bp.route("/<int:assessment_id>/actions/<int:action_id>", methods=["GET", "POST"])
@login_required
def edit_action(assessment_id: int, action_id: int):
    assessment = pages.load(assessment_id, "assessment.draft")
    action = db.session.get(Action, action_id)
    if action is None or action.response.assessment_id != assessment.id:
        abort(404)
    form = ActionForm(obj=action)
    if form.validate_on_submit():
        try:
            saved = _save_action(action.response, action, form)
        except rules.StaleAction as stale:
            # Saving again, now at the current version, keeps these changes.
            form.version.data, form.version.raw_data = stale.current.version, None
            return _action_page(assessment, stale.current, form, stale=True), 409
        if saved:
            flash(_("The action is saved."))
            key = action.response.item.key
            return redirect(url_for(".item", assessment_id=assessment_id, item_key=key))
    return _action_page(assessment, action, form), (400 if form.errors else 200)


def _action_page(assessment, action, form, stale: bool = False) -> str:
    return render_template(
        "assessments/action.html",
        assessment=assessment,
        action=action,
        form=form,
        today=clock.today(),
        **({"stale": True} if stale else {}),
    )
