"""Sign-in and sign-out pages."""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import security
from tracker.access import get_token_or_404
from tracker.auth import bp, operations, tokens
from tracker.auth.forms import LoginForm, TokenForm
from tracker.extensions import db, login_manager
from tracker.forms import PostForm
from tracker.models import EndedSession, User


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The signed-in person, if the session still stands: its id is "user.version.session".
    Ending all of a person's sessions (sign out everywhere, a new password, deactivation)
    raises the version in the database; signing out records that one session as ended. Either
    way every copy of an old cookie stops working on its next request, on every process. One
    query."""
    parsed = security.parse_session_id(session_id)
    if parsed is None:
        return None
    user_id, version, sid = parsed
    ended = select(EndedSession.id).where(EndedSession.sid == sid).exists()
    user = db.session.scalar(
        select(User).where(User.id == user_id, User.session_version == version, ~ended)
    )
    if user is not None:
        user.session_sid = sid
    return user


@bp.route("/login", methods=["GET", "POST"])
@security.sign_in_attempts()
def login():
    next_url = operations.safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.home"))
    form = LoginForm()
    if request.method == "GET" and request.args.get("email"):  # from "your password is set"
        form.email.data = request.args["email"][:254]
    error = None
    if form.validate_on_submit():
        result = operations.authenticate(
            form.email.data,
            form.password.data,
            current_app.config["LOGIN_MAX_FAILURES"],
            current_app.config["LOGIN_LOCK_MINUTES"],
        )
        if result.refusal is None:
            security.sign_in(result.user)
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
        security.sign_out()
        flash(_("You have signed out."))
    return redirect(url_for("auth.login"))


@bp.get("/session")
@login_required
def session_remaining():
    """How long this sign-in has left (the page's warning asks; asking does not extend it)."""
    return jsonify(seconds=security.session_seconds_left())


@bp.post("/session")
@login_required
def keep_session():
    """The warning's "Stay signed in": any request counts as use; this one does nothing else."""
    if not PostForm().validate_on_submit():
        abort(400)
    if request.accept_mimetypes.best == "application/json":  # the page's script asks
        return jsonify(seconds=security.session_seconds_left())
    return redirect(operations.safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's API tokens: make one (shown once), see when each was last used, revoke."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _token, new_token = tokens.issue(
            current_user,
            form.name.data.strip(),
            int(form.expires_in.data),
            bool(form.read_only.data),
        )
        form.name.data = None  # ready for another
    return render_template(
        "auth/account.html", form=form, tokens=tokens.of(current_user), new_token=new_token
    ), (400 if form.errors else 200)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = get_token_or_404(token_id, current_user)
    if PostForm().validate_on_submit():
        tokens.revoke(current_user, token)
        flash(
            _(
                "The token %(name)s is revoked. Systems using it can no longer connect.",
                name=token.name,
            )
        )
    return redirect(url_for(".account"))


from tracker.auth import account as _account_routes  # noqa: E402, F401 - routes join bp
