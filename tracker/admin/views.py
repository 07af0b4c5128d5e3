"""The administration area's start page; each part's pages are in views_<part>.py."""

from flask import abort, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tracker.access import can
from tracker.admin import bp
from tracker.notifications import queries as notifications


def require(action: str, obj=None) -> None:
    """Refuse (403) anyone `access` does not allow; the area's pages call it first."""
    if not can(current_user, action, obj):
        abort(403)


PARTS = (  # endpoint, name, what it is for, the access rule that shows it
    (
        "admin.people",
        _l("People"),
        _l(
            "Invite people, change their role or organisation, unlock accounts, send password "
            "resets and deactivate leavers."
        ),
        "person.list",
    ),
    (
        "admin.organisations",
        _l("Organisations"),
        _l("Add and edit boards, health bodies, partner agencies and inspectorates."),
        "admin.manage",
    ),
    (
        "admin.cycles",
        _l("Cycles"),
        _l("Open the next reporting cycle, change its dates, or close it."),
        "admin.manage",
    ),
    (
        "admin.frameworks",
        _l("Frameworks"),
        _l("Import a new framework version from a file, or retire an old one."),
        "admin.manage",
    ),
    (
        "admin.mail",
        _l("E-mails"),
        _l("E-mails waiting to be sent, and those the mail server did not take: try them again."),
        "mail.manage",
    ),
    (
        "admin.audit",
        _l("Audit log"),
        _l("Every change anyone has made, with what it was before and after."),
        "admin.manage",
    ),
)


@bp.get("/")
@login_required
def index():
    require("person.list")
    parts = [
        part
        for part in PARTS
        if part[0] in current_app.view_functions and can(current_user, part[3])
    ]
    # How the outbox stands, beside its link: a failed e-mail is news to the national team.
    outbox = notifications.outbox_counts() if can(current_user, "mail.manage") else None
    return render_template("admin/index.html", parts=parts, outbox=outbox)


# Each part adds its routes to the blueprint (imported last: they import `bp`).
from tracker.admin import (  # noqa: E402, F401
    views_audit,
    views_cycles,
    views_frameworks,
    views_mail,
    views_organisations,
    views_people,
)
