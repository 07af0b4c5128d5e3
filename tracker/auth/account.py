"""Your own account: set a password through an e-mailed link, forgotten password, change
password, sign out everywhere (issue #15)."""

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from tracker import security
from tracker.admin import people
from tracker.auth import bp, links, passwords
from tracker.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    NewPasswordForm,
)
from tracker.extensions import db
from tracker.forms import PostForm
from tracker.models import AuditEvent, User
from tracker.rules import RuleError


@bp.route("/password/set/<token>", methods=["GET", "POST"])
@security.sign_in_attempts()
def set_password(token: str):
    """The page an invitation or a reset e-mail links to."""
    found = links.find(token)
    if found.state != "ok":
        return render_template(
            "auth/link_refused.html", message=links.refusal(found.state), state=found.state
        ), 410 if found.state in ("used", "expired") else 404
    form = NewPasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            user = links.use(token, form.password.data)
        except RuleError as refused:
            if refused.field == "password":
                form.password.errors = [*form.password.errors, refused.message]
            else:
                return render_template(
                    "auth/link_refused.html", message=refused.message, state="used"
                ), 410
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your password is set. Sign in with your e-mail address and new password."))
            return redirect(url_for(".login", email=user.email))
    status = 400 if form.errors or error else 200
    return render_template(
        "auth/set_password.html", form=form, link=found.link, min_length=passwords.MIN_LENGTH
    ), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@security.sign_in_attempts()
def forgot_password():
    """The same answer whether or not the address has an account: nothing is given away."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = User.normalise_email(form.email.data)
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None and user.active:
            people.send_reset(None, user)
        else:
            current_app.logger.info("Password reset asked for an address with no active account")
        return render_template("auth/forgot_sent.html", email=email)
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors = [*form.current.errors, _("Your current password is not right.")]
        else:
            problem = passwords.problem(form.password.data, current_user.email)
            if problem:
                form.password.errors = [*form.password.errors, problem]
            else:
                user = current_user._get_current_object()
                links.set_password(user, form.password.data, "user.password_changed")
                db.session.commit()
                security.sign_in(user)  # this browser carries on; every other session ends
                flash(_("Your password is changed. You are signed out everywhere else."))
                return redirect(url_for(".account"))
    return render_template(
        "auth/change_password.html", form=form, min_length=passwords.MIN_LENGTH
    ), 400 if form.errors else 200


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    if not PostForm().validate_on_submit():
        return redirect(url_for(".account"))
    current_user.end_sessions()
    AuditEvent.record(current_user, "user.signed_out_everywhere", current_user)
    db.session.commit()
    logout_user()
    flash(_("You are signed out on every device and browser."))
    return redirect(url_for(".login"))


@bp.post("/account/language")
@login_required
def set_language():
    """Save the language of one's pages and e-mails (a GET's ?lang= lasts the session only)."""
    form = LanguageForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if user.locale != form.locale.data:
            AuditEvent.record(
                user,
                "user.language_set",
                user,
                before={"locale": user.locale},
                after={"locale": form.locale.data},
            )
            user.locale = form.locale.data
            db.session.commit()
        session["lang"] = form.locale.data
        with force_locale(form.locale.data):
            flash(
                _("Your pages and e-mails will be in English.")
                if form.locale.data == "en"
                else _("Your pages and e-mails will be in Welsh.")
            )
    return redirect(url_for(".account"))
