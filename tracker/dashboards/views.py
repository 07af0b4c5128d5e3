"""Dashboard pages and their chart images: HTTP only. What they show is read in queries.py.

Each page's figures come from one loader below, which the page and its chart images both call
with the request's filters: an image shows exactly what the page may show, and nothing else.
"""

import hashlib

from flask import abort, make_response, render_template, request
from flask_login import current_user, login_required

from tracker import clock
from tracker.access import get_organisation_or_404
from tracker.dashboards import bp, comparisons, images, queries
from tracker.i18n import current_language
from tracker.security import as_id

TREND_VIEWS = ("section", "item")


def _filters(**kwargs) -> queries.Filters:
    try:
        return queries.filters(
            request.args.get("framework"), request.args.get("cycle"), current_user, **kwargs
        )
    except queries.NotFound:
        abort(404)


def _national():
    chosen = _filters()
    grid = None
    if chosen.framework and chosen.cycle:
        grid = queries.grid(current_user, chosen.framework, chosen.cycle, current_language())
    return chosen, grid


def _organisation(organisation_id: int):
    organisation = get_organisation_or_404(organisation_id, current_user)
    chosen = _filters(organisation=organisation)
    view = queries.OrganisationView(None, [], {})
    if chosen.framework and chosen.cycle:
        view = queries.organisation_view(current_user, organisation, chosen.framework, chosen.cycle)
    return organisation, chosen, view


def _trend():
    chosen = _filters()
    by = request.args.get("by") or "section"
    try:
        organisation = queries.organisation_or_none(request.args.get("organisation"))
    except queries.NotFound:
        abort(404)
    if by not in TREND_VIEWS:
        abort(404)
    result = (
        comparisons.trend(current_user, chosen.framework, organisation)
        if chosen.framework
        else None
    )
    return chosen, organisation, by, result


def _calibration():
    chosen = _filters()
    rows, overall = [], None
    if chosen.framework and chosen.cycle:
        rows, overall = comparisons.calibration(
            current_user, chosen.framework, chosen.cycle, current_language()
        )
    return chosen, rows, overall


@bp.get("/")
@login_required
def index():
    chosen, grid = _national()
    counts, alt, lang = [], {}, current_language()
    if grid and grid.rows:
        counts = grid.section_counts()
        alt = {
            "heat_map": images.heat_map_alt(grid, lang),
            "sections": images.sections_alt(grid.framework, counts, lang),
        }
    return render_template(
        "dashboards/index.html",
        filters=chosen,
        grid=grid,
        counts=counts,
        alt=alt,
        response_endpoint=queries.response_endpoint(current_user),
    )


@bp.get("/organisations/<int:organisation_id>")
@login_required
def organisation(organisation_id: int):
    organisation, chosen, view = _organisation(organisation_id)
    counts, alt = [], {}
    if view.assessment:
        counts = view.section_counts()
        alt = {
            "sections": images.sections_alt(view.assessment.framework, counts, current_language()),
            "profile": images.profile_alt(view),
        }
    return render_template(
        "dashboards/organisation.html",
        organisation=organisation,
        filters=chosen,
        view=view,
        counts=counts,
        alt=alt,
        work=queries.open_work(current_user, organisation, clock.today()),
        today=clock.today(),
        response_endpoint=queries.response_endpoint(current_user),
    )


@bp.get("/trends")
@login_required
def trends():
    chosen, organisation, by, result = _trend()
    return render_template(
        "dashboards/trends.html",
        filters=chosen,
        organisation=organisation,
        organisations=queries.organisations_seen(current_user),
        by=by,
        trend=result,
        alt=images.trend_alt(result, by) if result and result.cycles else "",
    )


@bp.get("/calibration")
@login_required
def calibration():
    chosen, rows, overall = _calibration()
    return render_template(
        "dashboards/calibration.html",
        filters=chosen,
        rows=rows,
        overall=overall,
        alt=images.calibration_alt(rows) if rows else "",
    )


# --- chart images --------------------------------------------------------------------------------


def _tracker_chart(kind: str) -> bytes | None:
    _chosen, grid = _national()
    if grid is None or not grid.rows:
        return None
    if kind == "heat-map":
        return images.heat_map(grid, current_language())
    return images.sections(grid.framework, grid.sections, grid.section_counts(), current_language())


def _organisation_chart(kind: str) -> bytes | None:
    organisation_id = as_id(request.args.get("organisation")) or abort(404)
    _org, chosen, view = _organisation(organisation_id)
    if view.assessment is None:
        return None
    if kind == "profile":
        return images.profile(view, current_language())
    return images.sections(
        chosen.framework, view.sections, view.section_counts(), current_language()
    )


def _trend_chart() -> bytes | None:
    _chosen, _org, by, result = _trend()
    return images.trend(result, by, current_language()) if result and result.cycles else None


def _calibration_chart() -> bytes | None:
    _chosen, rows, _overall = _calibration()
    return images.calibration(rows, current_language()) if rows else None


CHARTS = {
    "tracker-heat-map": lambda: _tracker_chart("heat-map"),
    "tracker-sections": lambda: _tracker_chart("sections"),
    "organisation-sections": lambda: _organisation_chart("sections"),
    "organisation-profile": lambda: _organisation_chart("profile"),
    "trend": _trend_chart,
    "calibration": _calibration_chart,
}


@bp.get("/charts/<name>.png")
@login_required
def chart(name: str):
    draw = CHARTS.get(name) or abort(404)
    image = draw()
    if image is None:  # nothing the user may see: the page shows no chart either
        abort(404)
    response = make_response(image)
    response.mimetype = "image/png"
    response.headers["Cache-Control"] = "private, max-age=300"
    response.set_etag(hashlib.sha256(image).hexdigest())
    return response.make_conditional(request)


# The improvement plan's pages, on this blueprint too.
from tracker.dashboards import views_plan  # noqa: E402, F401
