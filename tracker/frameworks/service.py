"""Import a validated framework file as a new framework version."""

from pathlib import Path

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.frameworks.loader import FrameworkFileError, read
from tracker.models import AuditEvent, Framework, Item, ScaleLevel, Section


def _build(data: dict, source: str) -> Framework:
    rules = data["triangulation"]
    framework = Framework(
        key=data["key"],
        version=data["version"],
        title=data["title"],
        description=data.get("description"),
        kind=data["kind"],
        applies_to=list(data["applies_to"]),
        min_kinds=rules["min_kinds"],
        min_sources=rules["min_sources"],
        required_from=rules["required_from"],
        source_file=source,
    )
    framework.scale = [
        ScaleLevel(
            value=lvl["value"], label=lvl["label"], rag=lvl["rag"], descriptor=lvl.get("descriptor")
        )
        for lvl in data["scale"]
    ]
    position = 0
    for s, section_data in enumerate(data["sections"]):
        section = Section(key=section_data["key"], position=s, title=section_data["title"])
        for item_data in section_data["items"]:
            position += 1
            levels = item_data.get("levels")
            section.items.append(
                Item(
                    framework=framework,
                    key=item_data["key"],
                    position=position,
                    theme=item_data["theme"],
                    text=item_data["text"],
                    guidance=item_data.get("guidance"),
                    # JSON object keys are strings; keep them so on every database.
                    levels={str(k): v for k, v in levels.items()} if levels else None,
                )
            )
        framework.sections.append(section)
    return framework


def import_framework(path: str | Path, user=None, skip_existing: bool = False) -> Framework | None:
    """Validate `path` and import it as a new version; nothing is written if anything is wrong.

    With `skip_existing`, a key and version already imported is left alone and None returned
    (seeding runs twice without duplicates); otherwise it is refused.
    """
    data = read(path)
    existing = db.session.scalar(
        select(Framework).where(Framework.key == data["key"], Framework.version == data["version"])
    )
    if existing is not None:
        if skip_existing:
            return None
        latest = db.session.scalar(
            select(func.max(Framework.version)).where(Framework.key == data["key"])
        )
        raise FrameworkFileError(
            str(path),
            [
                (
                    "version",
                    f"version {data['version']} of {data['key']!r} is already imported; "
                    f"give the file version {latest + 1} to import it as a new version",
                )
            ],
        )
    framework = _build(data, Path(path).name)
    db.session.add(framework)
    AuditEvent.record(
        user,
        "framework.imported",
        framework,
        after={"key": framework.key, "version": framework.version},
    )
    db.session.commit()
    return framework


def latest_frameworks() -> list[Framework]:
    """The newest version of each framework, by key."""
    newest = (
        select(Framework.key, func.max(Framework.version).label("version"))
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
