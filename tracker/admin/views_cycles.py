"""Administration: reporting cycles (issue #15). Opened, their dates changed, closed early;
never deleted (assessments belong to them)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import clock
from tracker import cycles as service
from tracker.admin import bp
from tracker.admin.forms_cycles import CycleForm
from tracker.admin.views import require
from tracker.extensions import db
from tracker.models import Cycle
from tracker.rules import RuleError


def _cycle_or_404(cycle_id: int) -> Cycle:
    require("admin.manage")
    return db.get_or_404(Cycle, cycle_id)


def _show_refusal(form: CycleForm, error: RuleError) -> None:
    field = getattr(form, error.field or "", None) or form.label
    field.errors = [*field.errors, error.message]


@bp.get("/cycles")
@login_required
def cycles():
    require("admin.manage")
    every = db.session.scalars(select(Cycle).order_by(Cycle.opens_on.desc())).all()
    today = clock.today()
    return render_template(
        "admin/cycles/index.html", cycles=every, current=service.current_cycle(today), today=today
    )


@bp.route("/cycles/new", methods=["GET", "POST"])
@login_required
def open_cycle():
    require("admin.manage")
    form = CycleForm(data=service.suggested_next())
    if form.validate_on_submit():
        try:
            cycle = service.open_cycle(
                current_user,
                form.label.data,
                form.opens_on.data,
                form.due_on.data,
                form.closes_on.data,
            )
        except RuleError as error:
            _show_refusal(form, error)
        else:
            flash(_("Cycle %(label)s opened.", label=cycle.label))
            return redirect(url_for("admin.cycles"))
    return render_template("admin/cycles/form.html", form=form, cycle=None), (
        400 if form.errors else 200
    )


@bp.route("/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@login_required
def edit_cycle(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    form = CycleForm(obj=cycle)
    if form.validate_on_submit():
        try:
            changed = service.change_cycle(
                current_user,
                cycle,
                form.label.data or "",
                form.opens_on.data,
                form.due_on.data,
                form.closes_on.data,
            )
        except RuleError as error:
            db.session.rollback()
            _show_refusal(form, error)
        else:
            flash(
                _("Cycle %(label)s saved.", label=cycle.label) if changed else _("Nothing changed.")
            )
            return redirect(url_for("admin.cycles"))
    return render_template("admin/cycles/form.html", form=form, cycle=cycle), (
        400 if form.errors else 200
    )


@bp.post("/cycles/<int:cycle_id>/close")
@login_required
def close_cycle(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    # The token is checked for every POST before any view runs (CSRFProtect).
    if service.close_cycle(current_user, cycle):
        flash(_("Cycle %(label)s closed.", label=cycle.label))
    else:
        flash(_("Cycle %(label)s was already closed.", label=cycle.label), "error")
    return redirect(url_for("admin.cycles"))
