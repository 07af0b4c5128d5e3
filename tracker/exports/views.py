"""Export pages: HTTP only. What a file holds is decided in queries.py, access in access.py."""

import io

from flask import abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import clock
from tracker.access import get_framework_or_404
from tracker.exports import bp, columns, queries, spreadsheets
from tracker.exports import scope as scopes
from tracker.exports.forms import DATASET_HINTS, ExportForm
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.models import Cycle, Framework
from tracker.security import as_id

MIMETYPES = {
    "csv": "text/csv",  # Werkzeug adds "; charset=utf-8" to every text/* type
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
WRITERS = {"csv": spreadsheets.to_csv, "xlsx": spreadsheets.to_xlsx}


def _page(form: ExportForm, status: int = 200):
    lang = current_language()
    regions, organisations = scopes.scope_choices(current_user, lang)
    frameworks = db.session.scalars(select(Framework).order_by(Framework.key, Framework.version))
    versions = {}
    for framework in frameworks:
        versions.setdefault(framework.key, []).append(framework)
    form.framework.choices = [("", _("All frameworks"))] + [
        (
            str(f.id),
            _("%(title)s (version %(version)d)", title=f.title_in(lang), version=f.version)
            if len(same) > 1
            else f.title_in(lang),
        )
        for same in versions.values()
        for f in same
    ]
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.opens_on.desc()))
    form.cycle.choices = [("", _("All cycles"))] + [(str(c.id), c.label) for c in cycles]
    return render_template(
        "exports/index.html",
        form=form,
        regions=regions,
        organisations=organisations,
        hints=DATASET_HINTS,
    ), status


@bp.get("/")
@login_required
def index():
    """The export form."""
    return _page(ExportForm(formdata=None, dataset="responses", format="csv"))


def _filters(form: ExportForm) -> scopes.Filters:
    """The scope, framework and cycle asked for; 404 for any the user may not see."""
    kind, organisation_id = form.scope_parts()
    scope = scopes.find_scope(current_user, kind, as_id(organisation_id)) or abort(404)
    framework = cycle = None
    if form.framework.data:
        framework = get_framework_or_404(as_id(form.framework.data) or 0, current_user)
    if form.cycle.data:
        cycle = db.session.get(Cycle, as_id(form.cycle.data) or 0) or abort(404)
    return scopes.Filters(scope, framework, cycle)


@bp.get("/download")
@login_required
def download():
    """The chosen export as a CSV or Excel file."""
    form = ExportForm(formdata=request.args)
    if not form.validate():
        return _page(form, 400)
    filters = _filters(form)
    dataset, file_format = form.dataset.data, form.format.data
    table = queries.build(current_user, dataset, filters, current_language(), clock.today())
    response = send_file(
        io.BytesIO(WRITERS[file_format](table)),
        mimetype=MIMETYPES[file_format],
        as_attachment=True,
        download_name=columns.filename(dataset, filters, file_format),
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
