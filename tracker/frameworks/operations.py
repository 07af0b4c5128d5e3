"""Import a validated framework file as a new framework version; retire and unretire versions."""

from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.frameworks.changes import Comparison, as_document, compare
from tracker.frameworks.loader import FrameworkFileError, parse, read
from tracker.frameworks.queries import latest_version
from tracker.models import AuditEvent, Framework, Item, ScaleLevel, Section
from tracker.models.base import utcnow


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


def _version_problem(data: dict) -> tuple[str, bool] | None:
    """Why this key and version cannot be imported (and whether it exists already), or None."""
    latest = latest_version(data["key"])
    if latest is None or data["version"] > latest.version:
        return None
    exists = data["version"] == latest.version or db.session.scalar(
        select(Framework.id).where(
            Framework.key == data["key"], Framework.version == data["version"]
        )
    )
    if exists:
        message = (
            f"version {data['version']} of {data['key']!r} is already imported; "
            f"give the file version {latest.version + 1} to import it as a new version"
        )
    else:
        message = (
            f"version {data['version']} is not above the latest version of {data['key']!r}, "
            f"{latest.version}; give the file version {latest.version + 1}"
        )
    return message, bool(exists)


def check_version(data: dict, filename: str) -> None:
    """Refuse a version that is not above the latest imported version of its key."""
    problem = _version_problem(data)
    if problem:
        raise FrameworkFileError(filename, [("version", problem[0])])


def preview(text: str, filename: str) -> Comparison:
    """Validate an uploaded framework document, its version included, and say what importing
    it would change against the latest version of its key. Writes nothing."""
    data = parse(text, filename)
    check_version(data, filename)
    current = latest_version(data["key"])
    return compare(data, as_document(current) if current else None)


def import_framework(
    path: str | Path, user=None, skip_existing: bool = False, *, text: str | None = None
) -> Framework | None:
    """Validate `path` and import it as a new version; nothing is written if anything is wrong.

    With `text`, that is the file's content and `path` only its name (an upload). With
    `skip_existing`, a key and version already imported is left alone and None returned
    (seeding runs twice without duplicates); otherwise it is refused, as is any version not
    above the latest of its key.
    """
    filename = str(path)
    data = read(path) if text is None else parse(text, filename)
    problem = _version_problem(data)
    if problem:
        if skip_existing and problem[1]:
            return None
        raise FrameworkFileError(filename, [("version", problem[0])])
    framework = _build(data, Path(path).name)
    db.session.add(framework)
    try:
        db.session.flush()
    except IntegrityError:
        # The same key and version committed by a simultaneous import since the check above:
        # the unique (key, version) constraint decides, and this one is refused as a repeat.
        db.session.rollback()
        if skip_existing:
            return None
        problem = _version_problem(data) or ("is already imported", True)
        raise FrameworkFileError(filename, [("version", problem[0])]) from None
    AuditEvent.record(
        user,
        "framework.imported",
        framework,
        after={"key": framework.key, "version": framework.version, "file": framework.source_file},
    )
    db.session.commit()
    return framework


def set_retired(user, framework: Framework, retired: bool) -> bool:
    """Retire a version (offered for no new assessment; answers given against it are kept as
    they are) or offer it again. False when it was so already (a repeated or raced request)."""
    when = utcnow() if retired else None
    changed = db.session.execute(
        update(Framework)
        .where(
            Framework.id == framework.id,
            Framework.retired_at.is_(None) if retired else Framework.retired_at.is_not(None),
        )
        .values(retired_at=when)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    AuditEvent.record(
        user,
        "framework.retired" if retired else "framework.unretired",
        framework,
        before={"retired_at": framework.retired_at},
        after={"retired_at": when},
    )
    db.session.commit()
    db.session.refresh(framework)
    return True
