"""Administration: people (issue #15). Invite, change, unlock, reset, deactivate, reactivate.

Who may do what is tracker/access.py's to say (get_person_or_404 answers 404 for a person one
may not manage, 403 for an action one may not take); what a change must respect is the
service's (tracker/admin/people.py), whose RuleError names the form field it concerns.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.access import can, get_person_or_404
from tracker.admin import bp
from tracker.admin import people as service
from tracker.admin import queries_people as queries
from tracker.admin.forms import DeactivateForm, InviteForm, PersonFilterForm, PersonForm
from tracker.admin.views import require
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.labels import ROLE_LABELS
from tracker.models import Organisation
from tracker.paging import paginate
from tracker.rules import RuleError


def _status(form) -> int:
    return 400 if form.errors else 200


def _refused(form, error: RuleError, default_field: str) -> None:
    """Show a refusal against the field it concerns (the default when it names none)."""
    field = form._fields.get(error.field or default_field) or form._fields[default_field]
    field.errors = [*field.errors, error.message]


def _offer(form, organisations: list[Organisation], roles: list[str]) -> None:
    """Fill the organisation and role lists for the person asking."""
    lang = current_language()
    form.organisation.choices = [("", _("Choose an organisation"))] + [
        (str(o.id), o.display_name(lang)) for o in organisations
    ]
    form.role.choices = [("", _("Choose a role"))] if len(roles) > 1 else []
    form.role.choices += [(role, ROLE_LABELS[role]) for role in roles]


def _chosen_organisation(form) -> Organisation | None:
    organisation_id = queries.id_from(form.organisation.data)
    return db.session.get(Organisation, organisation_id) if organisation_id else None


def _person(user_id: int):
    return url_for(".person", user_id=user_id)


@bp.get("/people", endpoint="people")
@login_required
def list_people():
    require("person.list")
    filters = queries.PeopleFilters.parse(request.args)
    form = PersonFilterForm(formdata=request.args)
    lang = current_language()
    form.organisation.choices = [("", _("Any organisation"))] + [
        (str(o.id), o.display_name(lang)) for o in queries.organisations_of_people(current_user)
    ]
    form.role.choices = [("", _("Any role"))] + list(ROLE_LABELS.items())
    page = paginate(queries.people(current_user, filters))
    return render_template(
        "admin/people/index.html",
        form=form,
        filters=filters,
        page=page,
        filter_roles=current_user.role == "admin",  # a delegate's people are all contributors
    )


@bp.route("/people/invite", methods=["GET", "POST"])
@login_required
def invite_person():
    require("person.list")
    form = InviteForm()
    roles = queries.roles_for(current_user)
    _offer(form, queries.invitable_choices(current_user), roles)
    if form.validate_on_submit():
        organisation, role = _chosen_organisation(form), form.role.data
        if organisation is None:
            form.organisation.errors = [_("Choose an organisation.")]
        elif role not in roles:
            form.role.errors = [_("You can invite contributors only.")]
        elif not can(current_user, "person.invite", (organisation, role)):
            form.organisation.errors = [
                _("You can invite people only into the organisations of your region.")
            ]
        else:
            try:
                person = service.invite(
                    current_user, form.email.data, form.name.data, organisation, role,
                    form.locale.data,
                )  # fmt: skip
            except RuleError as error:
                _refused(form, error, "email")
            else:
                flash(
                    _(
                        "%(name)s is invited: an e-mail with a link to set a password is on its "
                        "way to %(email)s.",
                        name=person.name,
                        email=person.email,
                    )
                )
                return redirect(_person(person.id))
    return render_template("admin/people/invite.html", form=form), _status(form)


@bp.get("/people/<int:user_id>")
@login_required
def person(user_id: int):
    person = get_person_or_404(user_id, current_user)
    return render_template("admin/people/show.html", person=person)


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def edit_person(user_id: int):
    person = get_person_or_404(user_id, current_user, "person.administer")
    form = PersonForm(
        data={
            "name": person.name,
            "organisation": str(person.organisation_id),
            "role": person.role,
            "locale": person.locale,
        }
    )
    _offer(form, queries.organisation_choices(person.organisation), queries.roles_for(current_user))
    if form.validate_on_submit():
        organisation = _chosen_organisation(form)
        if organisation is None:
            form.organisation.errors = [_("Choose an organisation.")]
        else:
            try:
                changed = service.change(
                    current_user, person, name=form.name.data, role=form.role.data,
                    organisation=organisation, locale=form.locale.data,
                )  # fmt: skip
            except RuleError as error:
                db.session.rollback()
                _refused(form, error, "name")
            else:
                flash(
                    _("%(name)s's details are changed.", name=person.name)
                    if changed
                    else _("Nothing was changed.")
                )
                return redirect(_person(person.id))
    return render_template("admin/people/edit.html", form=form, person=person), _status(form)


@bp.route("/people/<int:user_id>/deactivate", methods=["GET", "POST"])
@login_required
def deactivate_person(user_id: int):
    person = get_person_or_404(user_id, current_user, "person.manage")
    form = DeactivateForm()
    refusal = None
    if form.validate_on_submit():
        try:
            done = service.deactivate(current_user, person, form.reason.data)
        except RuleError as error:
            db.session.rollback()
            if error.field in form._fields:
                _refused(form, error, "reason")
            else:
                refusal = error.message  # about the person, not the reason typed
        else:
            if done:
                flash(_("%(name)s's account is deactivated.", name=person.name))
            else:
                flash(_("%(name)s's account was already deactivated.", name=person.name), "error")
            return redirect(_person(person.id))
    return render_template(
        "admin/people/deactivate.html", form=form, person=person, refusal=refusal
    ), 400 if form.errors or refusal else 200


def _act(user_id: int, action: str, change, done: str, nothing: str | None = None):
    """A button's POST: do `change`, say what happened (or why not) on the person's page."""
    person = get_person_or_404(user_id, current_user, action)
    try:
        result = change(current_user, person)
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        if result is False:
            flash(nothing % {"name": person.name}, "error")
        else:
            flash(done % {"name": person.name})
    return redirect(_person(person.id))


@bp.post("/people/<int:user_id>/unlock")
@login_required
def unlock_person(user_id: int):
    return _act(
        user_id,
        "person.administer",
        service.unlock,
        _("%(name)s's account is unlocked: they can sign in again."),
        _("%(name)s's account was not locked, so there was nothing to unlock."),
    )


@bp.post("/people/<int:user_id>/reset")
@login_required
def reset_person(user_id: int):
    return _act(
        user_id,
        "person.administer",
        service.send_reset,
        _("A password reset link is on its way to %(name)s. It works for one hour."),
    )


@bp.post("/people/<int:user_id>/resend")
@login_required
def resend_invitation(user_id: int):
    return _act(
        user_id,
        "person.manage",
        service.resend_invitation,
        _("A new invitation is on its way to %(name)s. Earlier links no longer work."),
    )


@bp.post("/people/<int:user_id>/reactivate")
@login_required
def reactivate_person(user_id: int):
    return _act(
        user_id,
        "person.manage",
        service.reactivate,
        _("%(name)s's account is reactivated: they can sign in with their old password."),
        _("%(name)s's account was already active."),
    )
