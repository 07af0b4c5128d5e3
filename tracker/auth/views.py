"""Sign-in and sign-out pages."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker.auth import bp, service
from tracker.auth.forms import LoginForm, PostForm
from tracker.extensions import db, login_manager
from tracker.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = service.safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        result = service.authenticate(
            form.email.data,
            form.password.data,
            current_app.config["LOGIN_MAX_FAILURES"],
            current_app.config["LOGIN_LOCK_MINUTES"],
        )
        if result.refusal is None:
            login_user(result.user)
            return redirect(next_url or url_for("main.home"))
        if result.refusal == "locked":
            error = _(
                "This account is locked for %(minutes)d minutes after too many failed "
                "sign-in attempts. Try again later, or ask your administrator.",
                minutes=current_app.config["LOGIN_LOCK_MINUTES"],
            )
        else:
            error = _("The email address or password is not right.")
    status = 400 if error or form.errors else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    if PostForm().validate_on_submit():
        logout_user()
        flash(_("You have signed out."))
    return redirect(url_for("auth.login"))
