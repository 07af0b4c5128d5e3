"""JSON API v1, administration (issue #15): people, reporting cycles, organisations and
framework imports.

HTTP only: the rules are in tracker/admin/people.py, tracker/admin/organisations.py,
tracker/cycles.py and tracker/frameworks/, and who may do what in tracker/access.py, as for the
/admin pages. Every write is safe when identical requests arrive at once: the services flush
under unique keys, and on PostgreSQL the rows a change depends on are locked first, so the
losers get the 409 or 422 a single late request would.
"""

import tempfile
from contextlib import contextmanager
from pathlib import Path

from flask import request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.utils import secure_filename

from tracker import access, cycles
from tracker.admin import organisations, people
from tracker.api import bp
from tracker.api.http import (
    ApiError,
    conflict,
    date_field,
    field,
    json_body,
    paginated,
    read,
    refused,
    user,
)
from tracker.api.views import (
    cycle_json,
    cycle_or_404,
    framework_json,
    load_framework,
    organisation_json,
)
from tracker.extensions import db
from tracker.frameworks import loader
from tracker.frameworks import operations as frameworks
from tracker.models import Framework, Organisation, User
from tracker.models.base import utcnow
from tracker.models.users import ROLES, STATUSES
from tracker.rules import RuleError

SEARCH_MAX = 200
FRAMEWORK_MAX_BYTES = 1024 * 1024  # the national frameworks are under 100 KB
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
CYCLE_DATES = ("opens_on", "due_on", "closes_on")

ADMINS_ONLY = _l("Only administrators may do this.")
PEOPLE_MANAGERS_ONLY = _l(
    "Only administrators, and the coordinators of a safeguarding board or health board (for "
    "their region's contributors), may manage people."
)
CONTRIBUTORS_IN_REGION = _l("You may invite only contributors, to organisations in your region.")


def english(message) -> str:
    """A (lazily translated) message in English, as every API message is."""
    with force_locale("en"):
        return str(message)


def forbidden(message) -> ApiError:
    return ApiError(403, "forbidden", english(message))


def invalid(message, name: str) -> ApiError:
    return ApiError(422, "invalid", english(message), name)


def no_nulls(body: dict, *names: str) -> dict:
    """The body, refused if it sends null for a field that has no null (leave it out)."""
    for name in names:
        if name in body and body[name] is None:
            raise ApiError(422, "invalid", f"{name} cannot be null: leave it out instead.", name)
    return body


def user_json(person: User) -> dict:
    """A person as an administrator sees them: never a password hash or a link's secret."""
    return {
        "id": person.id,
        "email": person.email,
        "name": person.name,
        "role": person.role,
        "organisation_id": person.organisation_id,
        "organisation": person.organisation.code,
        "locale": person.locale,
        "status": person.status,
        "active": person.active,
        "created_at": person.created_at,
        "invited_at": person.invited_at,
        "last_signed_in_at": person.last_signed_in_at,
        "locked_until": person.locked_until if person.is_locked() else None,
        "deactivated_at": person.deactivated_at,
        "deactivated_reason": person.deactivated_reason,
    }


def created(payload: dict, location: str):
    response = read(payload, 201)
    response.headers["Location"] = location
    return response


def _admin() -> None:
    if not access.can(user(), "admin.manage"):
        raise forbidden(ADMINS_ONLY)


def _people_manager() -> None:
    if not access.can(user(), "person.list"):
        raise forbidden(PEOPLE_MANAGERS_ONLY)


def _organisation(code: str) -> Organisation:
    found = db.session.scalar(select(Organisation).where(Organisation.code == code.strip().upper()))
    if found is None:
        raise invalid(
            _l("There is no organisation with the code %(code)s.", code=code), "organisation"
        )
    return found


@contextmanager
def raced(error: ApiError):
    """A unique key that a simultaneous request took first answers as a late request would."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        raise error from None


# --- people ------------------------------------------------------------------------------------


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


@bp.get("/users")
def list_users():
    _people_manager()
    query = access.manageable_people(user()).options(selectinload(User.organisation))
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
    return paginated(query.order_by(User.id), user_json)


@bp.post("/users")
def invite_user():
    _people_manager()
    body = no_nulls(json_body(), "locale")
    email = field(body, "email", str, required=True)
    name = field(body, "name", str, required=True)
    organisation = _organisation(field(body, "organisation", str, required=True))
    role = field(body, "role", str, required=True)
    locale = field(body, "locale", str) or "en"
    if not access.can(user(), "person.invite", (organisation, role)):
        raise forbidden(CONTRIBUTORS_IN_REGION)
    try:
        person = people.invite(user(), email, name, organisation, role, locale)
    except people.AddressInUse as error:
        raise conflict(error.message, "email") from None
    except RuleError as error:
        raise refused(error) from None
    return created(user_json(person), url_for("api.get_user", user_id=person.id))


@bp.get("/users/<int:user_id>")
def get_user(user_id: int):
    _people_manager()
    return read(user_json(access.get_person_or_404(user_id, user())))


@bp.patch("/users/<int:user_id>")
def change_user(user_id: int):
    """Change a person's details, or (alone, so nothing is half done) deactivate or
    reactivate them."""
    _people_manager()
    person = access.get_person_or_404(user_id, user(), "person.manage")
    body = no_nulls(json_body(), "name", "role", "organisation", "locale", "active", "reason")
    name, role, locale = (field(body, n, str) for n in ("name", "role", "locale"))
    code = field(body, "organisation", str)
    active, reason = field(body, "active", bool), field(body, "reason", str)
    if active is not None and any(v is not None for v in (name, role, locale, code)):
        raise invalid(_l("Change active in a request of its own."), "active")
    organisation = _organisation(code) if code is not None else None
    if (
        role is not None
        and role != person.role
        and not access.can(user(), "person.administer", person)
    ):
        raise forbidden(_l("Only administrators may change a person's role."))
    if organisation is not None and not access.can(
        user(), "person.invite", (organisation, role or person.role)
    ):
        raise forbidden(CONTRIBUTORS_IN_REGION)
    try:
        if active is False:
            people.deactivate(user(), person, reason)
        elif active is True:
            people.reactivate(user(), person)
        else:
            people.change(
                user(), person, name=name, role=role, organisation=organisation, locale=locale
            )
    except RuleError as error:
        raise refused(error) from None
    return read(user_json(person))


@bp.post("/users/<int:user_id>/unlock")
def unlock_user(user_id: int):
    _people_manager()
    person = access.get_person_or_404(user_id, user(), "person.administer")
    people.unlock(user(), person)
    return read(user_json(person))


# --- reporting cycles --------------------------------------------------------------------------


@bp.post("/cycles")
def open_cycle():
    _admin()
    body = json_body()
    label = field(body, "label", str, required=True)
    dates = {name: date_field(body, name, required=True) for name in CYCLE_DATES}
    try:
        cycle = cycles.open_cycle(user(), label, **dates)
    except RuleError as error:
        raise refused(error) from None
    return created(
        cycle_json(cycle, cycles.current_cycle()), url_for("api.get_cycle", cycle_id=cycle.id)
    )


@bp.patch("/cycles/<int:cycle_id>")
def change_cycle(cycle_id: int):
    _admin()
    cycle = cycle_or_404(cycle_id)
    body = no_nulls(json_body(), "label", *CYCLE_DATES, "closed")
    label = field(body, "label", str)
    dates = {name: date_field(body, name) for name in CYCLE_DATES}
    closed = field(body, "closed", bool)
    if closed is False and cycle.closed_at is not None:
        raise invalid(_l("A closed cycle cannot be opened again."), "closed")
    taken = invalid(_l("A cycle called %(label)s exists already.", label=label), "label")
    try:
        with raced(taken):
            cycles.change_cycle(user(), cycle, label=label, **dates)
    except RuleError as error:
        raise refused(error) from None
    if closed:
        cycles.close_cycle(user(), cycle)
    return read(cycle_json(cycle, cycles.current_cycle()))


# --- organisations -----------------------------------------------------------------------------


@bp.post("/organisations")
def add_organisation():
    _admin()
    body = json_body()
    code = field(body, "code", str, required=True)
    name = field(body, "name", str, required=True)
    kind = field(body, "kind", str, required=True)
    name_cy, region = field(body, "name_cy", str), field(body, "region", str)
    try:
        org = organisations.add(user(), code, name, name_cy, kind, region)
    except RuleError as error:
        taken = select(Organisation.id).where(Organisation.code == code.strip().upper())
        if error.field == "code" and db.session.scalar(taken) is not None:
            raise conflict(error.message, "code") from None
        raise refused(error) from None
    return created(organisation_json(org), url_for("api.get_organisation", organisation_id=org.id))


# --- frameworks --------------------------------------------------------------------------------


def _framework_file() -> tuple[str, bytes]:
    """The uploaded framework file's name and content (multipart `file`, or a YAML body)."""
    if (request.content_length or 0) > FRAMEWORK_MAX_BYTES + 64 * 1024:
        raise _too_large()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise invalid(_l("Attach the framework's YAML file as file."), "file")
        name, content = upload.filename, upload.read(FRAMEWORK_MAX_BYTES + 1)
    elif request.mimetype in YAML_TYPES:
        name, content = None, request.get_data()
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            english(
                _l(
                    "Send the framework as multipart/form-data (a file field) or as "
                    "application/yaml."
                )
            ),
        )
    if len(content) > FRAMEWORK_MAX_BYTES:
        raise _too_large()
    return (secure_filename(name or "") or "framework.yaml")[-100:], content


def _too_large() -> ApiError:
    return ApiError(
        413,
        "too_large",
        english(
            _l(
                "A framework file must be %(number)d KB or smaller.",
                number=FRAMEWORK_MAX_BYTES // 1024,
            )
        ),
    )


def _already_imported(data: dict) -> ApiError:
    return conflict(
        english(
            _l(
                "Version %(version)s of the framework %(key)s is imported already: give the "
                "file a higher version to import it as a new version.",
                version=data["version"],
                key=data["key"],
            )
        ),
        "version",
    )


@bp.post("/frameworks")
def import_framework():
    _admin()
    name, content = _framework_file()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            data = loader.read(path)
        except loader.FrameworkFileError as error:
            raise ApiError(
                422,
                "invalid_framework",
                english(
                    _ln(
                        "The framework file has %(num)d problem; nothing was imported.",
                        "The framework file has %(num)d problems; nothing was imported.",
                        len(error.problems),
                    )
                ),
                details={"problems": [{"path": p, "reason": r} for p, r in error.problems]},
            ) from None
        exists = select(Framework.id).where(
            Framework.key == data["key"], Framework.version == data["version"]
        )
        if db.session.scalar(exists) is not None:
            raise _already_imported(data)
        try:
            with raced(_already_imported(data)):
                framework = frameworks.import_framework(path, user())
        except loader.FrameworkFileError:  # imported by a simultaneous request meanwhile
            raise _already_imported(data) from None
    return created(
        framework_json(load_framework(framework.id), full=True),
        url_for("api.get_framework", framework_id=framework.id),
    )
