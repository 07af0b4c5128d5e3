"""In-app notifications and their e-mail copies (through the outbox, mail.py).

A notification stores which message it is (`kind`) and what fills it (`params`), so each
reader sees it in their own language, whenever they read it. `notify()` adds to the session:
the caller's commit saves the notification and its change together, and only then is any
e-mail sent (see mail.py).
"""

from datetime import date

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from tracker.extensions import db
from tracker.i18n import current_language
from tracker.models import Assessment, AuditEvent, Notification, Organisation, OutboxMessage, User
from tracker.models.base import localised, utcnow
from tracker.notifications import mail

MESSAGES = {
    "assigned": _l(
        "You are asked to peer review %(org)s's %(framework)s assessment for %(cycle)s by %(due)s."
    ),
    "challenge_raised": _l(
        "%(name)s has challenged %(item)s in %(org)s's %(framework)s assessment. "
        "Please answer by %(due)s."
    ),
    "challenge_answered": _l(
        "%(org)s has answered the challenge on %(item)s in its %(framework)s assessment."
    ),
    "challenge_reopened": _l(
        "%(name)s has reopened the challenge on %(item)s in %(org)s's %(framework)s "
        "assessment. Please answer by %(due)s."
    ),
    "challenge_resolved": _l(
        "The challenge on %(item)s in %(org)s's %(framework)s assessment is resolved: %(outcome)s."
    ),
    "challenge_overdue": _l(
        "The challenge on %(item)s in %(org)s's %(framework)s assessment is overdue: "
        "an answer was due by %(due)s."
    ),
    "review_overdue": _l(
        "Your peer review of %(org)s's %(framework)s assessment for %(cycle)s is overdue: "
        "it was due by %(due)s."
    ),
    "assessment_submitted": _l(
        "%(name)s has submitted %(org)s's %(framework)s assessment for %(cycle)s for peer review."
    ),
    "assessment_returned": _l(
        "%(org)s's %(framework)s assessment for %(cycle)s has been returned for changes: %(reason)s"
    ),
    "assessment_concluded": _l(
        "The peer review of %(org)s's %(framework)s assessment for %(cycle)s is concluded."
    ),
    "evidence_withdrawn": _l(
        "%(org)s has withdrawn “%(title)s”, evidence behind %(item)s in its %(framework)s "
        "assessment for %(cycle)s, since submitting it: %(reason)s"
    ),
    "assessment_due": _l(
        "Reminder: %(org)s's %(framework)s assessment for %(cycle)s is due by %(due)s and has "
        "not been submitted yet."
    ),
    "assessment_overdue": _l(
        "%(org)s's %(framework)s assessment for %(cycle)s is overdue: it was due by %(due)s "
        "and has not been submitted yet."
    ),
}
OUTCOMES = {
    "accepted": _l("the score is accepted"),
    "moderated": _l("the score is moderated"),
    "withdrawn": _l("the challenge is withdrawn"),
}


def about(assessment: Assessment, **extra) -> dict:
    """The parameters every message about an assessment needs, in both languages."""
    org, framework = assessment.organisation, assessment.framework
    return {
        "org": {"en": org.name, "cy": org.name_cy or org.name},
        "framework": framework.title,
        "cycle": assessment.cycle.label,
        **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in extra.items()},
    }


def text_of(kind: str | None, params: dict | None, fallback: str = "") -> str:
    """The message in the current language."""
    message = MESSAGES.get(kind or "")
    if message is None:
        return fallback
    lang = current_language()
    values = {}
    for key, value in (params or {}).items():
        if isinstance(value, dict):
            value = localised(value, lang)
        elif key == "due" and value:
            value = format_date(date.fromisoformat(value), "d MMMM y")
        elif key == "outcome":
            value = OUTCOMES.get(value, value)
        values[key] = value
    return str(message) % _with_defaults(values)


def _with_defaults(values: dict) -> dict:
    defaults = dict.fromkeys(
        ("org", "framework", "cycle", "item", "due", "name", "reason", "outcome", "title"), "–"
    )
    return defaults | {k: v for k, v in values.items() if v is not None}


def coordinators_of(organisation: Organisation | int) -> list[User]:
    """The active coordinators of an organisation: who answers for its assessments."""
    org_id = organisation if isinstance(organisation, int) else organisation.id
    return list(
        db.session.scalars(
            select(User).where(
                User.organisation_id == org_id, User.role == "coordinator", User.active.is_(True)
            )
        )
    )


def administrators() -> list[User]:
    """The active administrators: the national team, who assign peer reviewers."""
    return list(db.session.scalars(select(User).where(User.role == "admin", User.active.is_(True))))


def notify(users, kind: str, params: dict, link: str | None) -> list[Notification]:
    """Tell each user (once each), in the tracker and, if configured, by e-mail."""
    created, seen = [], set()
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        with force_locale("en"):
            english = text_of(kind, params)
        note = Notification(user_id=user.id, kind=kind, params=params, text=english, link=link)
        db.session.add(note)
        created.append(note)
        try:
            # Kept in the outbox even with no mail server yet (it goes once there is one).
            subject, body = _email(user, kind, params, link)
            mail.send_after_commit(db.session(), user.email, subject, body, warn=False)
        except (ValueError, TypeError) as error:  # a message that cannot be written
            current_app.logger.warning("E-mail to %s not composed: %s", user.email, error)
    return created


def _email(user: User, kind: str, params: dict, link: str | None) -> tuple[str, str]:
    with force_locale(user.locale or "en"):
        body = text_of(kind, params)
        if link:
            body += "\n\n" + _("Open it in the tracker: %(url)s", url=absolute(link))
        body += "\n\n" + _(
            "You get this e-mail because you have an account on the Safeguarding Progress Tracker."
        )
        subject = _("Safeguarding Progress Tracker: %(text)s", text=text_of(kind, params))
    subject = " ".join(subject.split())  # one line: a header cannot hold a line break
    if len(subject) > 150:
        subject = subject[:147] + "..."
    return subject, body


def absolute(path: str) -> str:
    """A link for an e-mail: the configured address, never the Host header of whoever acted."""
    return current_app.config["TRACKER_BASE_URL"] + path


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one notification (or, with no id, all of them) read; only the user's own."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    changed = db.session.execute(
        query.values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed


def retry_email(actor: User, message: OutboxMessage) -> bool:
    """Put a failed e-mail back in the outbox, tried at once and then as a new one; False
    (nothing done) when it is not failed, e.g. retried already by a double click."""
    retried = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == "failed")
        .values(
            status="waiting",
            attempts=0,
            next_attempt_at=utcnow(),
            failed_at=None,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not retried:
        db.session.rollback()
        return False
    AuditEvent.record(
        actor,
        "email.retried",
        message,
        before={"status": "failed"},
        after={"status": "waiting", "recipient": message.recipient},
    )
    if mail.Server.from_config(current_app.config) is not None:
        mail.send_soon(db.session(), message)
    db.session.commit()
    return True
