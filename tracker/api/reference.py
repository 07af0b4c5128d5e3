"""JSON API v1, reference data everyone signed in may read: frameworks, organisations and
reporting cycles. (Administrators change them through admin.py.)"""

from sqlalchemy import select

from tracker import access, cycles
from tracker.api import bp, shapes
from tracker.api.http import ApiError, paginated, read, user
from tracker.extensions import db
from tracker.models import Cycle, Framework, Organisation
from tracker.reporting.loaders import framework_contents


def load_framework(framework_id: int) -> Framework:
    """A framework with its scale, sections and items, in a fixed number of queries."""
    return db.session.scalar(
        select(Framework)
        .where(Framework.id == framework_id)
        .options(*framework_contents())
        .execution_options(populate_existing=True)
    )


def cycle_or_404(cycle_id: int, **options) -> Cycle:
    """A cycle by id (cycles are reference data: everyone signed in may read them)."""
    cycle = db.session.get(Cycle, cycle_id, **options)
    if cycle is None:
        raise ApiError(404, "not_found", "There is no such cycle.")
    return cycle


@bp.get("/frameworks")
def list_frameworks():
    return paginated(select(Framework).order_by(Framework.id), shapes.Framework.of)


@bp.get("/frameworks/<int:framework_id>")
def get_framework(framework_id: int):
    framework = access.get_framework_or_404(framework_id, user())
    return read(shapes.FrameworkWithItems.of(load_framework(framework.id)))


@bp.get("/organisations")
def list_organisations():
    return paginated(select(Organisation).order_by(Organisation.id), shapes.Organisation.of)


@bp.get("/organisations/<int:organisation_id>")
def get_organisation(organisation_id: int):
    return read(shapes.Organisation.of(access.get_organisation_or_404(organisation_id, user())))


@bp.get("/cycles")
def list_cycles():
    current = cycles.current_cycle()
    return paginated(
        select(Cycle).order_by(Cycle.opens_on, Cycle.id), lambda c: shapes.Cycle.of(c, current)
    )


@bp.get("/cycles/<int:cycle_id>")
def get_cycle(cycle_id: int):
    return read(shapes.Cycle.of(cycle_or_404(cycle_id), cycles.current_cycle()))
