"""What every export shares: the datasets and formats offered, the loader options and order of
the rows, the columns each row starts with, how values are written, and the file's name."""

import re
import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from tracker.exports.scope import ORGANISATION, REGION, Filters
from tracker.exports.spreadsheets import Table
from tracker.models import Assessment, Cycle, Framework, Item, Organisation, Response, Section

DATASET_LABELS = {
    "responses": _l("Responses"),
    "actions": _l("Improvement actions"),
    "evidence": _l("Evidence"),
    "challenges": _l("Challenges"),
}
FORMATS = ("csv", "xlsx")


def loaded_names(via=None) -> tuple:
    """Loader options for each row's organisation, framework (with its scale), cycle and item,
    so every row names them without a query of its own. `via` is the path that reaches the
    response (for actions and challenges); none for responses themselves."""

    def step(attribute):
        return via.selectinload(attribute) if via is not None else selectinload(attribute)

    assessment = step(Response.assessment)
    return (
        assessment.selectinload(Assessment.organisation),
        assessment.selectinload(Assessment.cycle),
        assessment.selectinload(Assessment.framework).selectinload(Framework.scale),
        step(Response.item).selectinload(Item.section),
    )


def in_framework_order(query):
    """Newest cycle first, then organisation, framework, and the framework's own order."""
    return (
        query.join(Assessment, Assessment.id == Response.assessment_id)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .join(Item, Item.id == Response.item_id)
        .join(Section, Section.id == Item.section_id)
        .order_by(
            Cycle.opens_on.desc(),
            Organisation.name,
            Assessment.framework_key,
            Section.position,
            Item.position,
        )
    )


def yes_no(value: bool) -> str:
    """Yes or No in the reader's language."""
    return _("Yes") if value else _("No")


def label(labels: dict, key: str | None) -> str | None:
    """A stored value's label in the reader's language; the value itself if it has none."""
    return str(labels.get(key, key)) if key else None


def score_label(framework: Framework, value: int | None, locale: str) -> str | None:
    """The name of a score's level on the framework's scale, in `locale`."""
    level = framework.level(value)
    return level.label_in(locale) if level else None


def where_columns(response: Response, locale: str) -> list:
    """Organisation, framework, cycle: the columns every export starts with."""
    assessment = response.assessment
    return [
        assessment.organisation.display_name(locale),
        assessment.framework.title_in(locale),
        assessment.cycle.label,
    ]


WHERE_HEADERS = [(_l("Organisation"), 30), (_l("Framework"), 30), (_l("Cycle"), 10)]


def table(dataset: str, columns: list[tuple], rows: list[list]) -> Table:
    """A dataset's rows under its (header, width) columns, titled by what it holds."""
    return Table(
        title=str(DATASET_LABELS[dataset]),
        headers=[str(header) for header, _width in columns],
        rows=rows,
        widths=[width for _header, width in columns],
    )


def _slug(text: str) -> str:
    dashed = "".join("-" if unicodedata.category(c) == "Pd" else c for c in text)  # 2026–27
    plain = unicodedata.normalize("NFKD", dashed).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def filename(dataset: str, filters: Filters, file_format: str) -> str:
    """A name that says what the file holds, e.g. responses-cprr-2023-2026-27.csv."""
    parts = [dataset]
    if filters.scope.kind == REGION:
        parts.append(_slug(f"region-{filters.scope.organisation.code}"))
    elif filters.scope.kind == ORGANISATION:
        parts.append(_slug(filters.scope.organisation.code))
    if filters.framework is not None:
        parts.append(_slug(filters.framework.key))
    if filters.cycle is not None:
        parts.append(_slug(filters.cycle.label))
    return "-".join(part for part in parts if part) + "." + file_format
