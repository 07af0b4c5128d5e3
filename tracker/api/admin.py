"""JSON API v1, administration (issue #15): reporting cycles, organisations and framework
imports (people are in people.py).

HTTP only: the rules are in tracker/admin/organisations.py,
tracker/cycles.py and tracker/frameworks/, and who may do what in tracker/access.py, as for the
/admin pages. Every write is safe when identical requests arrive at once: the services flush
under unique keys, and on PostgreSQL the rows a change depends on are locked first, so the
losers get the 409 or 422 a single late request would.
"""

import tempfile
from contextlib import contextmanager
from pathlib import Path

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import secure_filename

from tracker import access, cycles
from tracker.admin import organisations
from tracker.api import bp, shapes
from tracker.api.bodies import CycleChange, NewCycle, NewOrganisation, parse
from tracker.api.http import ApiError, conflict, english, read, user
from tracker.api.people import created, forbidden, invalid
from tracker.api.reference import cycle_or_404, load_framework
from tracker.extensions import db
from tracker.frameworks import loader
from tracker.frameworks import operations as frameworks
from tracker.models import Framework, Organisation
from tracker.rules import RuleError

SEARCH_MAX = 200
FRAMEWORK_MAX_BYTES = 1024 * 1024  # the national frameworks are under 100 KB
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
CYCLE_DATES = ("opens_on", "due_on", "closes_on")

ADMINS_ONLY = _l("Only administrators may do this.")


def _admin() -> None:
    if not access.can(user(), "admin.manage"):
        raise forbidden(ADMINS_ONLY)


@contextmanager
def raced(error: ApiError):
    """A unique key that a simultaneous request took first answers as a late request would."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        raise error from None


# --- reporting cycles --------------------------------------------------------------------------


@bp.post("/cycles")
def open_cycle():
    _admin()
    body = parse(NewCycle)
    dates = body.model_dump(include=set(CYCLE_DATES))
    cycle = cycles.open_cycle(user(), body.label, **dates)
    return created(
        shapes.Cycle.of(cycle, cycles.current_cycle()),
        url_for("api.get_cycle", cycle_id=cycle.id),
    )


@bp.patch("/cycles/<int:cycle_id>")
def change_cycle(cycle_id: int):
    _admin()
    cycle = cycle_or_404(cycle_id)
    body = parse(CycleChange)
    if body.closed is False and cycle.closed_at is not None:
        raise invalid(_l("A closed cycle cannot be opened again."), "closed")
    taken = invalid(_l("A cycle called %(label)s exists already.", label=body.label), "label")
    with raced(taken):
        dates = body.model_dump(include=set(CYCLE_DATES))
        cycles.change_cycle(user(), cycle, label=body.label, **dates)
    if body.closed:
        cycles.close_cycle(user(), cycle)
    return read(shapes.Cycle.of(cycle, cycles.current_cycle()))


# --- organisations -----------------------------------------------------------------------------


@bp.post("/organisations")
def add_organisation():
    _admin()
    body = parse(NewOrganisation)
    code = body.code
    try:
        org = organisations.add(user(), code, body.name, body.name_cy, body.kind, body.region)
    except RuleError as error:
        # A code already taken is a conflict; the service says it as a rule about the field.
        taken = select(Organisation.id).where(Organisation.code == code.strip().upper())
        if error.field == "code" and db.session.scalar(taken) is not None:
            raise conflict(error.message, "code") from None
        raise
    return created(
        shapes.Organisation.of(org), url_for("api.get_organisation", organisation_id=org.id)
    )


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


def _problems(error: loader.FrameworkFileError) -> ApiError:
    """A 422 listing every problem of a framework file, each with where and what."""
    message = _ln(
        "The framework file has %(num)d problem; nothing was imported.",
        "The framework file has %(num)d problems; nothing was imported.",
        len(error.problems),
    )
    problems = [shapes.Problem(path=p, reason=r).model_dump() for p, r in error.problems]
    return ApiError(422, "invalid_framework", english(message), details={"problems": problems})


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
            raise _problems(error) from None
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
        shapes.FrameworkWithItems.of(load_framework(framework.id)),
        url_for("api.get_framework", framework_id=framework.id),
    )
