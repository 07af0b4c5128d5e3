"""People: invite, change, unlock, reset, deactivate and reactivate (issue #15).

Who may do each is decided in tracker/access.py ("person.invite", "person.manage"); what the
change must respect is decided here, with a RuleError that names the rule.
"""

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from tracker.auth import links
from tracker.database import take_turns
from tracker.extensions import db
from tracker.models import ApiToken, AuditEvent, Organisation, User
from tracker.models.base import utcnow
from tracker.models.users import LOCALES, ROLES
from tracker.rules import RuleError

NAME_MAX = 200
EMAIL_MAX = 254
REASON_MAX = 1_000

# The kinds of organisation each role belongs to. Inspectors work for an inspectorate and
# administrators for the national team; everyone else for a board or a partner agency.
PARTNER_KINDS = ("rsb", "health_board", "nhs_trust", "local_authority", "police", "education")
ROLE_KINDS = {
    "admin": ("national",),
    "inspector": ("inspectorate",),
    "coordinator": PARTNER_KINDS,
    "contributor": PARTNER_KINDS,
    "reviewer": PARTNER_KINDS,
}


class AddressInUse(RuleError):
    """Another account has this e-mail address (compared without case)."""


def role_problem(role: str, organisation: Organisation | None) -> str | None:
    """Why this role does not fit this organisation, or None."""
    if role not in ROLES:
        return _("Choose a role.")
    if organisation is None:
        return _("Choose an organisation.")
    if not organisation.active:
        return _(
            "%(organisation)s is deactivated: choose another organisation.",
            organisation=organisation.name,
        )
    if organisation.kind not in ROLE_KINDS[role]:
        return {
            "admin": _("Administrators must belong to the national team."),
            "inspector": _("Inspectors must belong to an inspectorate."),
        }.get(
            role,
            _(
                "Coordinators, contributors and peer reviewers must belong to a safeguarding "
                "board or a partner agency, not an inspectorate or the national team."
            ),
        )
    return None


def _check_fields(email: str, name: str, role: str, organisation, locale: str) -> None:
    if not name:
        raise RuleError(_("Enter the person's name."), "name")
    if len(name) > NAME_MAX:
        raise RuleError(
            _("The name must be %(number)d characters or fewer.", number=NAME_MAX), "name"
        )
    if not email or "@" not in email or len(email) > EMAIL_MAX or any(c.isspace() for c in email):
        raise RuleError(
            _("Enter an e-mail address in the right format, like name@example.org."), "email"
        )
    if locale not in LOCALES:
        raise RuleError(_("Choose English or Welsh."), "locale")
    problem = role_problem(role, organisation)
    if problem:
        raise RuleError(problem, "role" if organisation is not None else "organisation")


def address_in_use(email: str, except_id: int | None = None) -> bool:
    query = select(User.id).where(func.lower(User.email) == User.normalise_email(email))
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) is not None


def invite(actor: User, email: str, name: str, organisation, role: str, locale: str) -> User:
    """Add a person with no password and e-mail them a link to choose one (7 days)."""
    email, name = User.normalise_email(email), (name or "").strip()
    _check_fields(email, name, role, organisation, locale)
    if address_in_use(email):
        raise AddressInUse(_("An account with this e-mail address exists already."), "email")
    user = User(
        email=email,
        name=name,
        organisation_id=organisation.id,
        role=role,
        locale=locale,
        password_hash=None,
        invited_at=utcnow(),
    )
    db.session.add(user)
    try:
        db.session.flush()  # a simultaneous invitation of the same address stops here
    except Exception as error:  # noqa: BLE001 - the unique key on the address
        db.session.rollback()
        if address_in_use(email):
            raise AddressInUse(
                _("An account with this e-mail address exists already."), "email"
            ) from error
        raise
    AuditEvent.record(
        actor,
        "user.invited",
        user,
        after={
            "email": email,
            "name": name,
            "organisation": organisation.code,
            "role": role,
            "locale": locale,
        },
    )
    links.send_invitation(user, actor)
    db.session.commit()
    return user


def resend_invitation(actor: User, user: User) -> None:
    """A new invitation link; earlier ones stop working."""
    if user.status != "invited":
        raise RuleError(
            _("%(name)s has already set a password: send a password reset instead.", name=user.name)
        )
    links.spend_all(user)
    user.invited_at = utcnow()
    AuditEvent.record(actor, "user.invitation_resent", user)
    links.send_invitation(user, actor)
    db.session.commit()


def send_reset(actor: User | None, user: User) -> None:
    """E-mail a password-reset link (one hour); earlier links stop working."""
    if not user.active:
        raise RuleError(
            _("%(name)s's account is deactivated: reactivate it first.", name=user.name)
        )
    links.spend_all(user)
    AuditEvent.record(actor, "user.reset_sent", user)
    links.send_reset(user)
    db.session.commit()


def _hold(user: User) -> None:
    """Wait for, and hold until this transaction ends, the rows of `user` and of every
    administrator, then read `user` afresh. Of simultaneous changes to one person
    each then decides on what the one before it left (one audit event per change), and two
    administrators demoting each other at once cannot both succeed (the last-administrator
    rule reads every administrator)."""
    if take_turns("user_account"):  # in one order (by id): two requests never deadlock
        db.session.execute(
            select(User.id)
            .where(or_(User.id == user.id, User.role == "admin"))
            .order_by(User.id)
            .with_for_update()
        )
    db.session.refresh(user)


def _unchanged() -> bool:
    db.session.rollback()  # lets go of what _hold holds
    return False


def _last_admin(user: User) -> str:
    return _(
        "%(name)s is the last active administrator: make someone else an administrator first.",
        name=user.name,
    )


def last_active_admin(user: User) -> bool:
    """True when `user` is the only active administrator left."""
    if user.role != "admin" or not user.active:
        return False
    others = db.session.scalar(
        select(func.count(User.id)).where(
            User.role == "admin", User.active.is_(True), User.id != user.id
        )
    )
    return others == 0


def change(
    actor: User, user: User, *, name=None, role=None, organisation=None, locale=None
) -> bool:
    """Change name, role, organisation or language; True if anything changed."""
    _hold(user)
    new = {
        "name": (name.strip() if name is not None else user.name),
        "role": role if role is not None else user.role,
        "organisation": organisation if organisation is not None else user.organisation,
        "locale": locale if locale is not None else user.locale,
    }
    _check_fields(user.email, new["name"], new["role"], new["organisation"], new["locale"])
    if new["role"] != user.role and user.role == "admin":
        if user.id == actor.id:
            raise RuleError(
                _("You cannot take away your own administrator role. Ask another administrator."),
                "role",
            )
        if last_active_admin(user):
            raise RuleError(
                _last_admin(user),
                "role",
            )
    before = {
        "name": user.name,
        "role": user.role,
        "organisation": user.organisation.code,
        "locale": user.locale,
    }
    after = {
        "name": new["name"],
        "role": new["role"],
        "organisation": new["organisation"].code,
        "locale": new["locale"],
    }
    if before == after:
        return _unchanged()
    user.name, user.role, user.locale = new["name"], new["role"], new["locale"]
    user.organisation_id = new["organisation"].id
    user.organisation = new["organisation"]
    if before["role"] != after["role"] or before["organisation"] != after["organisation"]:
        user.end_sessions()  # what they may see has changed: sign in again to see it
    AuditEvent.record_changes(actor, "user.changed", user, before, after)
    db.session.commit()
    return True


def unlock(actor: User, user: User) -> bool:
    """Lift a lock from failed sign-ins; False if there was none."""
    _hold(user)
    if not user.is_locked():
        return _unchanged()
    user.failed_logins, user.locked_until = 0, None
    AuditEvent.record(actor, "user.unlocked", user)
    db.session.commit()
    return True


def deactivate(actor: User, user: User, reason: str) -> bool:
    """Shut a leaver out at once: sessions, tokens and password. False if already so."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleError(_("Say why the account is being deactivated."), "reason")
    if len(reason) > REASON_MAX:
        raise RuleError(
            _("The reason must be %(number)d characters or fewer.", number=REASON_MAX), "reason"
        )
    if user.id == actor.id:
        raise RuleError(_("You cannot deactivate your own account."))
    _hold(user)
    if last_active_admin(user):
        raise RuleError(_last_admin(user))
    if not user.active:
        return _unchanged()
    now = utcnow()
    user.active, user.deactivated_at, user.deactivated_reason = False, now, reason
    user.end_sessions()
    links.spend_all(user)
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    AuditEvent.record(actor, "user.deactivated", user, after={"reason": reason})
    db.session.commit()
    return True


def reactivate(actor: User, user: User) -> bool:
    """Let a person back in; they keep their password (tokens stay revoked)."""
    _hold(user)
    if user.active:
        return _unchanged()
    problem = role_problem(user.role, user.organisation)
    if problem:
        raise RuleError(problem, "organisation")
    user.active, user.deactivated_at, user.deactivated_reason = True, None, None
    AuditEvent.record(actor, "user.reactivated", user)
    db.session.commit()
    return True
