"""What the self-assessment's pages share: loading an assessment for an action, refusing
work already submitted, and the item page with its forms (views.py and views_actions.py)."""

from flask import abort, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock, drafts
from tracker.access import can, get_assessment_or_404
from tracker.assessments import queries
from tracker.assessments.forms import ActionForm, ResponseForm
from tracker.evidence import pii
from tracker.evidence import queries as evidence_queries
from tracker.evidence.forms import LinkForm
from tracker.labels import EVIDENCE_KIND_LABELS
from tracker.paging import paginate
from tracker.review import queries as review_queries
from tracker.web import BUSY_RETRY_SECONDS, is_htmx


def load(assessment_id: int, action: str = "assessment.view"):
    """The assessment with what its pages need, for `action`: 404 unseen, 403 refused."""
    assessment = get_assessment_or_404(assessment_id, current_user, loader=queries.load_assessment)
    if not can(current_user, action, assessment):
        refuse(assessment)
    return assessment


def refuse(assessment):
    """403; for work already submitted (Back after submitting, a form sent again) the page
    says so, when and by whom, and links to it, rather than "You do not have permission"."""
    if assessment.is_editable or assessment.submitted_at is None:
        abort(403)
    page = render_template("assessments/already_submitted.html", assessment=assessment)
    abort(make_response(page, 403))


def row_or_404(assessment, item_key: str) -> queries.ItemRow:
    """The item's row of the task list, or 404 for a key the framework lacks."""
    # Without its links: the item page reads them a page at a time (there may be thousands).
    return queries.find_row(assessment, item_key, links=False) or abort(404)


def item_page(
    assessment,
    row,
    form,
    action_form=None,
    link_form=None,
    status=200,
    saved=False,
    fragment=False,
):
    """The item page (or, as a `fragment`, its answer form alone for htmx) with its forms."""
    template = "assessments/_response_form.html" if fragment else "assessments/item.html"
    if link_form is None:
        link_form = LinkForm(prefix="link")
    find = (request.args.get("find") or request.form.get("link-find") or "").strip()[:200]
    links = None
    if not fragment:
        link_form.offer(link_choices(assessment, row, find))
        links = paginate(
            evidence_queries.links_of(row.response.id),
            endpoint="assessments.item",
            anchor="evidence",
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
        linkable_limit=evidence_queries.LINKABLE_LIMIT,
        can_edit=can(current_user, "assessment.draft", assessment),
        can_score=can(current_user, "assessment.edit", assessment),
        previous=queries.previous_scores(assessment, current_user, row.item.key).get(row.item.key),
        challenges=review_queries.challenges_by_response([row.response.id]).get(
            row.response.id, []
        ),
        today=clock.today(),
    ), status


def response_form(assessment, row) -> ResponseForm:
    """The answer form, filled from the saved response, or from the draft its writer left to
    upload evidence (a POST's own data takes precedence)."""
    draft = drafts.recall(current_user, drafts.response_answer(row.response.id))
    form = ResponseForm(
        scale=assessment.framework.scale, data=_response_data(row.response) | (draft or {})
    )
    form.restored = draft is not None
    return form


def link_choices(assessment, row, find: str | None = None) -> list[tuple[int, str]]:
    """The library's current evidence not yet linked to this item (whose title contains `find`,
    if given), for the link form."""
    kinds = {kind: str(label) for kind, label in EVIDENCE_KIND_LABELS.items()}  # translated once
    return [
        (e.id, f"{e.title} ({kinds[e.kind]})")
        for e in evidence_queries.linkable(assessment.organisation_id, row.response.id, find)
    ]


def _response_data(response) -> dict:
    return {
        "score": response.self_score,
        "narrative": response.narrative,
        "impact": response.impact_measure,
        "version": response.version,
    }


def conflict(assessment, row, form, stale, can_score: bool):
    """The 409 page for an answer someone else saved meanwhile: theirs beside the user's."""
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


def not_saved(assessment, row, form):
    """The item page again, 503, with the words the database failed to save still in it."""
    form.narrative.errors.append(
        _(
            "Your answer was not saved because of a problem on our side. What you wrote is "
            "still here: try saving again in a minute."
        )
    )
    page, status = item_page(assessment, row, form, status=503, fragment=is_htmx())
    return page, status, {"Retry-After": str(BUSY_RETRY_SECONDS)}
