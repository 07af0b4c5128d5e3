"""Which framework versions exist, and which are offered for new assessments."""

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Assessment, Framework, Item


def latest_version(key: str) -> Framework | None:
    """The highest version imported of a framework key, retired or not."""
    return db.session.scalar(
        select(Framework).where(Framework.key == key).order_by(Framework.version.desc()).limit(1)
    )


def latest_frameworks() -> list[Framework]:
    """The version of each framework offered for new assessments, by key: the newest that is
    not retired (none, when every version of a key is retired)."""
    newest = (
        select(Framework.key, func.max(Framework.version).label("version"))
        .where(Framework.retired_at.is_(None))
        .group_by(Framework.key)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(Framework)
            .join(newest, (Framework.key == newest.c.key) & (Framework.version == newest.c.version))
            .order_by(Framework.key)
        )
    )


def all_versions() -> list[tuple[Framework, int, int, bool]]:
    """Every version imported, each key's newest first: the framework, its number of items, the
    number of assessments made against it, and whether it is offered for new assessments."""
    items = (
        select(Item.framework_id, func.count(Item.id).label("n"))
        .group_by(Item.framework_id)
        .subquery()
    )
    assessments = (
        select(Assessment.framework_id, func.count(Assessment.id).label("n"))
        .group_by(Assessment.framework_id)
        .subquery()
    )
    offered = {framework.id for framework in latest_frameworks()}
    rows = db.session.execute(
        select(Framework, func.coalesce(items.c.n, 0), func.coalesce(assessments.c.n, 0))
        .outerjoin(items, items.c.framework_id == Framework.id)
        .outerjoin(assessments, assessments.c.framework_id == Framework.id)
        .order_by(Framework.key, Framework.version.desc())
    )
    return [(f, n_items, n_assessments, f.id in offered) for f, n_items, n_assessments in rows]
