"""The notifications page: HTTP only. The rules are in operations.py."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.access import get_notification_or_404
from tracker.forms import PostForm
from tracker.notifications import bp, operations, queries


@bp.get("/")
@login_required
def index():
    return render_template("notifications/index.html", notifications=queries.recent(current_user))


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    # Someone else's notification is "not found", as any object one may not see.
    notification = get_notification_or_404(notification_id, current_user)
    if PostForm().validate_on_submit():
        operations.mark_read(current_user, notification.id)
    return redirect(url_for(".index"))


@bp.post("/read")
@login_required
def read_all():
    if PostForm().validate_on_submit():
        if operations.mark_read(current_user):
            flash(_("Every notification is marked as read."))
    return redirect(url_for(".index"))
