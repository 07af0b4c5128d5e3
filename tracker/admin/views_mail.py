"""Administration: the e-mail outbox (issue #24). What waits to be sent and what failed, and
a failed e-mail tried again."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.admin import bp
from tracker.admin.views import require
from tracker.extensions import db
from tracker.models import OutboxMessage
from tracker.notifications import operations, queries


@bp.get("/mail")
@login_required
def mail():
    require("mail.manage")
    return render_template(
        "admin/mail/index.html",
        counts=queries.outbox_counts(),
        messages=queries.unsent_emails(),
        configured=bool(current_app.config.get("MAIL_SERVER")),
    )


@bp.post("/mail/<int:message_id>/retry")
@login_required
def retry_mail(message_id: int):
    require("mail.manage")
    message = db.get_or_404(OutboxMessage, message_id)
    # The token is checked for every POST before any view runs (CSRFProtect).
    if operations.retry_email(current_user, message):
        flash(_("The e-mail to %(recipient)s will be sent again.", recipient=message.recipient))
    else:
        flash(_("That e-mail had not failed: it is sent or waiting already."), "error")
    return redirect(url_for("admin.mail"))
