"""JSON API v1, people (issue #15): list, invite, read, change, deactivate and unlock.

HTTP only: the rules are in tracker/admin/people.py and who may do what in tracker/access.py,
as for the /admin pages. Administrators manage everyone; the coordinators of a safeguarding
board or health board, their region's contributors.
"""

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from tracker import access
from tracker.admin import people
from tracker.api import bp, shapes
from tracker.api.bodies import Invitation, PersonChange, organisation_by_code, parse
from tracker.api.http import ApiError, answer_error, conflict, english, paginated, read, user
from tracker.models import Organisation, User
from tracker.models.base import utcnow
from tracker.models.users import ROLES, STATUSES

SEARCH_MAX = 200
PEOPLE_MANAGERS_ONLY = _l(
    "Only administrators, and the coordinators of a safeguarding board or health board (for "
    "their region's contributors), may manage people."
)
CONTRIBUTORS_IN_REGION = _l("You may invite only contributors, to organisations in your region.")


def forbidden(message) -> ApiError:
    """A 403 in the message's words."""
    return ApiError(403, "forbidden", english(message))


def invalid(message, name: str) -> ApiError:
    """A 422 about the field `name`."""
    return ApiError(422, "invalid", english(message), name)


def created(payload, location: str):
    """A 201 with the new object and its address."""
    response = read(payload, 201)
    response.headers["Location"] = location
    return response


@bp.errorhandler(people.AddressInUse)
def _address_in_use(error: people.AddressInUse):
    return answer_error(conflict(error.message, "email"))


def _people_manager() -> None:
    if not access.can(user(), "person.list"):
        raise forbidden(PEOPLE_MANAGERS_ONLY)


def _status_is(status: str):
    now = utcnow()
    locked = User.locked_until.is_not(None) & (User.locked_until > now)
    unlocked = or_(User.locked_until.is_(None), User.locked_until <= now)
    active = User.active.is_(True)
    return {
        "deactivated": User.active.is_(False),
        "locked": active & locked,
        "invited": active & unlocked & User.password_hash.is_(None),
        "active": active & unlocked & User.password_hash.is_not(None),
    }[status]


def _filtered(query):
    """The people query narrowed by the query string (q, organisation, role, status)."""
    search = request.args.get("q")
    if search is not None:
        if len(search) > SEARCH_MAX:
            raise ApiError(400, "bad_request", f"q must be {SEARCH_MAX} characters or fewer.")
        if search.strip():
            words = search.strip()
            query = query.where(
                or_(
                    User.name.icontains(words, autoescape=True),
                    User.email.icontains(words, autoescape=True),
                )
            )
    code = request.args.get("organisation")
    if code is not None:
        query = query.where(
            User.organisation_id.in_(
                select(Organisation.id).where(Organisation.code == code.strip().upper())
            )
        )
    for name, allowed in (("role", ROLES), ("status", STATUSES)):
        value = request.args.get(name)
        if value is not None and value not in allowed:
            raise ApiError(400, "bad_request", f"{name} must be one of {list(allowed)}.")
    if request.args.get("role") is not None:
        query = query.where(User.role == request.args["role"])
    if request.args.get("status") is not None:
        query = query.where(_status_is(request.args["status"]))
    return query


@bp.get("/users")
def list_users():
    _people_manager()
    query = access.manageable_people(user()).options(selectinload(User.organisation))
    return paginated(_filtered(query).order_by(User.id), shapes.User.of)


@bp.post("/users")
def invite_user():
    _people_manager()
    body = parse(Invitation)
    organisation = body.organisation
    if not access.can(user(), "person.invite", (organisation, body.role)):
        raise forbidden(CONTRIBUTORS_IN_REGION)
    person = people.invite(
        user(), body.email, body.name, organisation, body.role, body.locale or "en"
    )
    return created(shapes.User.of(person), url_for("api.get_user", user_id=person.id))


@bp.get("/users/<int:user_id>")
def get_user(user_id: int):
    _people_manager()
    return read(shapes.User.of(access.get_person_or_404(user_id, user())))


def _may_change(person: User, body: PersonChange) -> Organisation | None:
    """The new organisation, if any, once the user may make this change (else a 403 / 422)."""
    if body.active is not None and any(
        v is not None for v in (body.name, body.role, body.locale, body.organisation)
    ):
        raise invalid(_l("Change active in a request of its own."), "active")
    organisation = (
        organisation_by_code(body.organisation) if body.organisation is not None else None
    )
    role = body.role
    if role is not None and role != person.role:
        if not access.can(user(), "person.administer", person):
            raise forbidden(_l("Only administrators may change a person's role."))
    if organisation is not None and not access.can(
        user(), "person.invite", (organisation, role or person.role)
    ):
        raise forbidden(CONTRIBUTORS_IN_REGION)
    return organisation


@bp.patch("/users/<int:user_id>")
def change_user(user_id: int):
    """Change a person's details, or (alone, so nothing is half done) deactivate or
    reactivate them."""
    _people_manager()
    person = access.get_person_or_404(user_id, user(), "person.manage")
    body = parse(PersonChange)
    organisation = _may_change(person, body)
    if body.active is False:
        people.deactivate(user(), person, body.reason)
    elif body.active is True:
        people.reactivate(user(), person)
    else:
        people.change(
            user(),
            person,
            name=body.name,
            role=body.role,
            organisation=organisation,
            locale=body.locale,
        )
    return read(shapes.User.of(person))


@bp.post("/users/<int:user_id>/unlock")
def unlock_user(user_id: int):
    _people_manager()
    person = access.get_person_or_404(user_id, user(), "person.administer")
    people.unlock(user(), person)
    return read(shapes.User.of(person))
