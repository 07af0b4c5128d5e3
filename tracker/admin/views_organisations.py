"""Administration: organisations (issue #15). Added, edited, deactivated and reactivated;
never deleted (their assessments, people and evidence refer to them)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.admin import bp
from tracker.admin import organisations as service
from tracker.admin.forms_organisations import (
    KIND_LABELS,
    EditOrganisationForm,
    FilterForm,
    OrganisationForm,
)
from tracker.admin.views import require
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.models import Organisation
from tracker.paging import paginate
from tracker.rules import RuleError


def _organisation_or_404(organisation_id: int) -> Organisation:
    require("admin.manage")
    return db.get_or_404(Organisation, organisation_id)


def _listing(filters: FilterForm):
    """The organisations the filters allow, by name."""
    query = select(Organisation).options(joinedload(Organisation.region))
    if filters.kind.data:
        query = query.where(Organisation.kind == filters.kind.data)
    if filters.region.data:
        rsb = select(Organisation.id).where(
            Organisation.kind == "rsb", Organisation.code == filters.region.data
        )
        rsb_id = rsb.scalar_subquery()
        query = query.where((Organisation.id == rsb_id) | (Organisation.region_id == rsb_id))
    if filters.active.data in ("yes", "no"):
        query = query.where(Organisation.active.is_(filters.active.data == "yes"))
    return query.order_by(Organisation.name, Organisation.id)


def _show_refusal(form, error: RuleError) -> None:
    field = getattr(form, error.field or "", None) or form.name
    field.errors = [*field.errors, error.message]


@bp.get("/organisations")
@login_required
def organisations():
    require("admin.manage")
    filters = FilterForm(request.args, locale=current_language())
    page = paginate(_listing(filters))
    return render_template(
        "admin/organisations/index.html", page=page, filters=filters, kinds=KIND_LABELS
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def add_organisation():
    require("admin.manage")
    form = OrganisationForm(locale=current_language())
    if form.validate_on_submit():
        try:
            org = service.add(
                current_user,
                form.code.data,
                form.name.data,
                form.name_cy.data,
                form.kind.data,
                form.region.data or None,
            )
        except RuleError as error:
            _show_refusal(form, error)
        else:
            flash(_("%(name)s added.", name=org.name))
            return redirect(url_for("admin.organisations"))
    return render_template("admin/organisations/form.html", form=form, org=None), (
        400 if form.errors else 200
    )


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organisation(organisation_id: int):
    org = _organisation_or_404(organisation_id)
    form = EditOrganisationForm(
        locale=current_language(),
        keep_region=org.region,
        data={"name": org.name, "name_cy": org.name_cy, "kind": org.kind, "region": _code(org)},
    )
    if form.validate_on_submit():
        try:
            changed = service.change(
                current_user,
                org,
                name=form.name.data or "",
                name_cy=form.name_cy.data or "",
                kind=form.kind.data,
                region=form.region.data or None,
            )
        except RuleError as error:
            db.session.rollback()
            _show_refusal(form, error)
        else:
            flash(_("%(name)s saved.", name=org.name) if changed else _("Nothing changed."))
            return redirect(url_for("admin.organisations"))
    return render_template("admin/organisations/form.html", form=form, org=org), (
        400 if form.errors else 200
    )


def _code(org: Organisation) -> str:
    return org.region.code if org.region else ""


@bp.post("/organisations/<int:organisation_id>/deactivate")
@login_required
def deactivate_organisation(organisation_id: int):
    return _set_active(organisation_id, False)


@bp.post("/organisations/<int:organisation_id>/reactivate")
@login_required
def reactivate_organisation(organisation_id: int):
    return _set_active(organisation_id, True)


def _set_active(organisation_id: int, active: bool):
    org = _organisation_or_404(organisation_id)
    # The token is checked for every POST before any view runs (CSRFProtect).
    try:
        changed = service.set_active(current_user, org, active)
    except RuleError as error:
        flash(error.message, "error")
    else:
        if changed:
            flash(
                _("%(name)s reactivated.", name=org.name)
                if active
                else _("%(name)s deactivated.", name=org.name)
            )
    return redirect(url_for("admin.edit_organisation", organisation_id=org.id))
