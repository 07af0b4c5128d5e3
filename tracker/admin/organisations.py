"""Organisations: add, edit, deactivate and reactivate (issue #15). Never deleted: their work,
people and evidence refer to them."""

import re

from flask_babel import gettext as _
from sqlalchemy import select

from tracker import claims
from tracker.extensions import db
from tracker.models import AuditEvent, Organisation, User
from tracker.models.organisations import ORGANISATION_KINDS
from tracker.rules import RuleError

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")
NAME_MAX = 200
# Partner agencies and health bodies belong to the region of one RSB; RSBs are their own
# region; inspectorates and the national team belong to none.
NEEDS_REGION = ("local_authority", "police", "education", "health_board", "nhs_trust")
NO_REGION = ("rsb", "inspectorate", "national")


def _region(code_or_id) -> Organisation | None:
    if code_or_id in (None, ""):
        return None
    query = select(Organisation).where(Organisation.kind == "rsb")
    if isinstance(code_or_id, int):
        return db.session.scalar(query.where(Organisation.id == code_or_id))
    return db.session.scalar(query.where(Organisation.code == str(code_or_id)))


def _check(code: str, name: str, name_cy: str | None, kind: str, region, except_id=None) -> None:
    if not CODE_PATTERN.match(code or ""):
        raise RuleError(
            _("Enter a code of 2 to 40 capital letters, numbers and hyphens, like LA-CARDIFF."),
            "code",
        )
    if not name:
        raise RuleError(_("Enter the organisation's name in English."), "name")
    if len(name) > NAME_MAX or len(name_cy or "") > NAME_MAX:
        raise RuleError(
            _("A name must be %(number)d characters or fewer.", number=NAME_MAX), "name"
        )
    if kind not in ORGANISATION_KINDS:
        raise RuleError(_("Choose the kind of organisation."), "kind")
    if kind in NEEDS_REGION and region is None:
        raise RuleError(
            _("Choose the safeguarding board region this organisation is in."), "region"
        )
    if kind in NO_REGION and region is not None:
        raise RuleError(
            _("Safeguarding boards, inspectorates and the national team are in no region."),
            "region",
        )
    same = select(Organisation.id).where(Organisation.code == code)
    if except_id is not None:
        same = same.where(Organisation.id != except_id)
    if db.session.scalar(same) is not None:
        raise RuleError(
            _("An organisation with the code %(code)s exists already.", code=code), "code"
        )


def add(
    actor: User, code: str, name: str, name_cy: str | None, kind: str, region=None
) -> Organisation:
    """Add an organisation; `region` is an RSB's code or id."""
    code, name = (code or "").strip().upper(), (name or "").strip()
    name_cy = (name_cy or "").strip() or None
    rsb = _region(region)
    if region not in (None, "") and rsb is None:
        raise RuleError(
            _("Choose the safeguarding board region this organisation is in."), "region"
        )
    _check(code, name, name_cy, kind, rsb)
    org = Organisation(
        code=code, name=name, name_cy=name_cy, kind=kind, region_id=getattr(rsb, "id", None)
    )
    db.session.add(org)
    try:
        db.session.flush()
    except Exception as error:  # noqa: BLE001 - the unique code: a simultaneous request won
        db.session.rollback()
        raise RuleError(
            _("An organisation with the code %(code)s exists already.", code=code), "code"
        ) from error
    AuditEvent.record(actor, "organisation.added", org, after=_fields(org))
    db.session.commit()
    return org


def change(actor: User, org: Organisation, name=None, name_cy=None, kind=None, region=...) -> bool:
    """Change names, kind or region (`region=None` takes it out of any region)."""
    before = _fields(org)
    name = (name if name is not None else org.name).strip()
    name_cy = ((name_cy if name_cy is not None else org.name_cy) or "").strip() or None
    kind = kind if kind is not None else org.kind
    if region is ...:
        rsb = org.region
    else:
        rsb = _region(region)
        if region not in (None, "") and rsb is None:
            raise RuleError(
                _("Choose the safeguarding board region this organisation is in."), "region"
            )
    _check(org.code, name, name_cy, kind, rsb, except_id=org.id)
    if kind != org.kind and db.session.scalar(
        select(User.id).where(User.organisation_id == org.id).limit(1)
    ):
        from tracker.admin.people import role_problem

        people = db.session.scalars(
            select(User).where(User.organisation_id == org.id, User.active.is_(True))
        )
        probe = Organisation(kind=kind, active=True, name=name)
        for person in people:
            if role_problem(person.role, probe):
                raise RuleError(
                    _(
                        "%(name)s works here as a %(role)s, which a %(kind)s cannot have: change "
                        "their role first.",
                        name=person.name,
                        role=person.role,
                        kind=kind,
                    ),
                    "kind",
                )
    org.name, org.name_cy, org.kind = name, name_cy, kind
    org.region_id, org.region = getattr(rsb, "id", None), rsb
    after = _fields(org)
    if not AuditEvent.record_changes(actor, "organisation.changed", org, before, after):
        return False
    db.session.commit()
    return True


def set_active(actor: User, org: Organisation, active: bool) -> bool:
    """Deactivate (offered for nothing new; everything it holds is kept) or reactivate."""
    if not active and actor.organisation_id == org.id:
        raise RuleError(_("You cannot deactivate your own organisation."))
    # One conditional UPDATE: of two identical requests at once, one changes it and audits.
    if not claims.claim(org, Organisation.active.is_(not active), active=active):
        return False
    AuditEvent.record(
        actor, "organisation.activated" if active else "organisation.deactivated", org
    )
    db.session.commit()
    return True


def _fields(org: Organisation) -> dict:
    return {
        "code": org.code,
        "name": org.name,
        "name_cy": org.name_cy,
        "kind": org.kind,
        "region": org.region.code if org.region else None,
        "active": org.active,
    }
