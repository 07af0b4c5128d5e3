"""The reads behind the People pages (issue #15): who may be listed, filtered, and the
choices each form offers the person asking."""

from dataclasses import dataclass

from sqlalchemy import Select, and_, func, not_, or_, select
from sqlalchemy.orm import selectinload

from tracker.access import invitable_organisations, manageable_people
from tracker.extensions import db
from tracker.models import Organisation, User
from tracker.models.base import utcnow
from tracker.models.users import ROLES, STATUSES


def id_from(text: str | None) -> int | None:
    """A row id typed or chosen in a form, or None for anything else ("²", "-1", 10**30)."""
    text = text or ""
    return int(text) if text.isdecimal() and len(text) <= 9 else None


@dataclass
class PeopleFilters:
    search: str = ""
    organisation_id: int | None = None
    role: str | None = None
    status: str | None = None

    @classmethod
    def parse(cls, args) -> "PeopleFilters":
        """The filters from a query string; a value that makes no sense is no filter."""
        organisation = args.get("organisation", "")
        role, status = args.get("role"), args.get("status")
        return cls(
            search=args.get("q", "").strip()[:200],
            organisation_id=id_from(organisation),
            role=role if role in ROLES else None,
            status=status if status in STATUSES else None,
        )


def _status_is(status: str):
    """User.status as SQL."""
    locked = and_(User.locked_until.is_not(None), User.locked_until > utcnow())
    match status:
        case "deactivated":
            return User.active.is_(False)
        case "locked":
            return and_(User.active.is_(True), locked)
        case "invited":
            return and_(User.active.is_(True), not_(locked), User.password_hash.is_(None))
        case _:
            return and_(User.active.is_(True), not_(locked), User.password_hash.is_not(None))


def people(user: User, filters: PeopleFilters) -> Select:
    """The people `user` may manage that match `filters`, by name, organisations loaded."""
    query = manageable_people(user).options(selectinload(User.organisation))
    if filters.search:
        # Taken literally ("%" and "_" are not wildcards), without regard to case.
        needle = filters.search.lower()
        query = query.where(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                func.lower(User.email).contains(needle, autoescape=True),
            )
        )
    if filters.organisation_id is not None:
        query = query.where(User.organisation_id == filters.organisation_id)
    if filters.role:
        query = query.where(User.role == filters.role)
    if filters.status:
        query = query.where(_status_is(filters.status))
    return query.order_by(func.lower(User.name), User.id)


def organisations_of_people(user: User) -> list[Organisation]:
    """The organisations of the people `user` may manage: the list's organisation filter."""
    ids = manageable_people(user).with_only_columns(User.organisation_id).distinct()
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)
        )
    )


def invitable_choices(user: User) -> list[Organisation]:
    """The organisations `user` may invite someone into, by name."""
    return list(db.session.scalars(invitable_organisations(user).order_by(Organisation.name)))


def roles_for(user: User) -> list[str]:
    """The roles `user` may give a new person (a delegating coordinator: contributor only)."""
    return list(ROLES) if user.role == "admin" else ["contributor"]


def organisation_choices(current: Organisation | None = None) -> list[Organisation]:
    """Every active organisation (and a person's present one, even if deactivated), by name."""
    condition = Organisation.active.is_(True)
    if current is not None:
        condition = or_(condition, Organisation.id == current.id)
    return list(
        db.session.scalars(select(Organisation).where(condition).order_by(Organisation.name))
    )
