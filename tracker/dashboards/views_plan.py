"""An organisation's improvement plan, to print and as a PDF: HTTP only (tracker/dashboards/plan.py
gathers it; who may read it is tracker/access.py's "assessment.view")."""

import io

from flask import abort, render_template, request, send_file
from flask_login import current_user, login_required

from tracker import clock
from tracker.access import get_organisation_or_404
from tracker.dashboards import bp, plan
from tracker.i18n import current_language
from tracker.security import as_id


def _plan(organisation_id: int) -> tuple[plan.Plan, list]:
    """The plan asked for: of the cycle in the query string, else the newest the user may
    read. 404 when the user may read none of the organisation's assessments in it."""
    organisation = get_organisation_or_404(organisation_id, current_user)
    choices = plan.plan_cycles(current_user, organisation)
    wanted = request.args.get("cycle")
    if wanted in (None, ""):
        cycle = choices[0] if choices else None
    else:
        cycle = next((c for c in choices if c.id == as_id(wanted)), None)
    found = cycle and plan.improvement_plan(current_user, organisation, cycle, clock.today())
    return found or abort(404), choices


@bp.get("/organisations/<int:organisation_id>/plan")
@login_required
def plan_page(organisation_id: int):
    found, choices = _plan(organisation_id)
    return render_template("dashboards/plan.html", plan=found, cycles=choices)


@bp.get("/organisations/<int:organisation_id>/plan.pdf")
@login_required
def plan_download(organisation_id: int):
    found, _choices = _plan(organisation_id)
    name = f"improvement-plan-{found.organisation.code}-{found.cycle.label}.pdf"
    response = send_file(
        io.BytesIO(plan.plan_pdf(found, current_language())),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=name,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
