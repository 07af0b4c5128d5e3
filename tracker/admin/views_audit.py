"""Administration: the audit log (issue #15), as pages of 50 and as CSV. The reads are in
tracker/admin/audit.py; the CSV is written by the exports' neutralising writer."""

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from tracker.admin import audit, bp
from tracker.admin.views import require
from tracker.exports.spreadsheets import csv_chunks
from tracker.forms import DateInputField
from tracker.i18n import current_language
from tracker.paging import paginate
from tracker.security import as_id


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    person = StringField(_l("Person's e-mail address"), validators=[Optional(), Length(max=254)])
    organisation = SelectField(_l("Their organisation"), validate_choice=False)
    action = SelectField(_l("Kind of change"), validate_choice=False)
    entity = SelectField(_l("Kind of object"), validate_choice=False)
    entity_id = StringField(_l("Object number"), validators=[Optional()])
    date_from = DateInputField(_l("From"), validators=[Optional()], what=_l("The 'from' date"))
    date_to = DateInputField(_l("To"), validators=[Optional()], what=_l("The 'to' date"))

    def validate_entity_id(self, field):
        if as_id(field.data) is None:
            raise ValidationError(_("Enter the object number as a whole number, like 42."))

    def validate_date_to(self, field):
        start = self.date_from.data
        if start and field.data and field.data < start:
            raise ValidationError(_("The 'to' date must be the same as or after the 'from' date."))

    def filters(self) -> audit.AuditFilters:
        return audit.AuditFilters(
            email=(self.person.data or "").strip() or None,
            organisation_id=as_id(self.organisation.data),
            action=self.action.data or None,
            entity=self.entity.data or None,
            entity_id=as_id(self.entity_id.data),
            date_from=self.date_from.data,
            date_to=self.date_to.data,
        )


def _form() -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    lang = current_language()
    form.organisation.choices = [("", _("Any organisation"))] + [
        (str(org.id), org.display_name(lang)) for org in audit.organisations()
    ]
    form.action.choices = [("", _("Any kind of change"))] + [
        (action, action) for action in audit.kinds_of_change()
    ]
    form.entity.choices = [("", _("Any kind of object"))] + [
        (entity, entity) for entity in audit.kinds_of_object()
    ]
    return form


@bp.get("/audit", endpoint="audit")
@login_required
def audit_log():
    require("admin.manage")
    form = _form()
    if not form.validate():
        return render_template("admin/audit/index.html", form=form, page=None), 400
    page = paginate(audit.events(form.filters()))
    return render_template(
        "admin/audit/index.html", form=form, page=page, changes=audit.changes, shown=audit.shown
    )


@bp.get("/audit.csv")
@login_required
def audit_csv():
    require("admin.manage")
    form = _form()
    if not form.validate():
        return render_template("admin/audit/index.html", form=form, page=None), 400
    headers = [
        _("When (UTC)"),
        _("Person"),
        _("E-mail address"),
        _("Organisation"),
        _("Kind of change"),
        _("Object"),
        _("Object number"),
        _("Changes"),
        _("Before (JSON)"),
        _("After (JSON)"),
    ]
    rows = audit.csv_rows(form.filters())
    response = Response(
        stream_with_context(csv_chunks(headers, rows)), mimetype="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = "attachment; filename=audit-log.csv"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
