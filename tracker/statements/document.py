"""What a statement document shows, per language: sections, figures, charts and their tables.

The same parts feed the builder's preview, the frozen HTML and the PDF, so the three never
disagree. Charts come from `charts` (cached by the data they show, so a preview followed by a
publish draws each chart once).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from tracker.models import Statement
from tracker.models.base import localised
from tracker.reporting import charts
from tracker.statements import drafting, figures
from tracker.statements.figures import Dataset

PDF_DPI = 150
TRIANGULATED = "triangulated"


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[list]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    alt: str
    src: str  # a data: URI when inline, else the chart's URL
    table: Table


def subject(statement: Statement, as_of: date) -> drafting.Subject:
    """Who and what the statement is about, as the drafting names them, as of a date."""
    org = statement.organisation
    return drafting.Subject(
        scope=statement.scope,
        name={"en": org.display_name("en"), "cy": org.display_name("cy")} if org else {},
        framework=statement.framework.title,
        cycle=statement.cycle.label,
        as_of=as_of,
    )


@dataclass(frozen=True)
class SectionText:
    key: str
    title: str
    text: str
    edited: bool


def section_texts(
    statement: Statement, data: figures.Dataset, locale: str, today: date
) -> list[SectionText]:
    """Each section in `locale`: the inspector's edit where there is one, else the draft."""
    drafted = drafting.draft(data, subject(statement, today), locale)
    edits = (statement.sections or {}).get(locale, {})
    with force_locale(locale):
        return [
            SectionText(key, str(title), edits.get(key, drafted[key]), key in edits)
            for key, title in drafting.SECTIONS
        ]


def section_text(
    statement: Statement, data: Dataset, locale: str, key: str, today: date
) -> SectionText:
    """One section in `locale`, as section_texts gives it."""
    return next(s for s in section_texts(statement, data, locale, today) if s.key == key)


@dataclass
class Part:
    """The statement in one language."""

    locale: str
    title: str
    subtitle: str
    sections: list[SectionText]
    figures: Table
    charts: list[Chart]
    overdue: Table
    annexes: list[tuple[str, Table]] = field(default_factory=list)


def chart_keys(statement: Statement) -> tuple[str, ...]:
    """The charts a statement of this scope has."""
    if statement.scope == "organisation":
        return ("status", "profile")
    return ("status", "heat_map")


def parts(
    statement: Statement, data: Dataset, locales, today: date, inline: bool, dpi: int = PDF_DPI
) -> list[Part]:
    """The document in each language, charts drawn (inline) or linked (for the preview)."""
    result = []
    for locale in locales:
        with force_locale(locale):
            result.append(
                Part(
                    locale=locale,
                    title=title(statement, locale),
                    subtitle=_(
                        "%(framework)s, %(cycle)s",
                        framework=statement.framework.title_in(locale),
                        cycle=statement.cycle.label,
                    ),
                    sections=section_texts(statement, data, locale, today),
                    figures=_figures_table(data, locale),
                    charts=[
                        _chart(statement, data, key, locale, inline, dpi)
                        for key in chart_keys(statement)
                    ],
                    overdue=_overdue_table(data, locale),
                    annexes=_annexes(statement, data, locale),
                )
            )
    return result


def title(statement: Statement, locale: str) -> str:
    """A statement's title in a language."""
    with force_locale(locale):
        if statement.scope == "national":
            return _("Progress statement for Wales")
        name = statement.organisation.display_name(locale)
        if statement.scope == "region":
            return _("Progress statement for the %(region)s region", region=name)
        return _("Progress statement for %(organisation)s", organisation=name)


# --- figures and tables --------------------------------------------------------------------------


def _figures_table(data: Dataset, locale: str) -> Table:
    h = figures.headline(data)
    rows = [
        [_("Organisations expected to assess themselves"), h.expected],
        [_("Self-assessments submitted"), h.reported],
        [_("Returned for further detail"), h.returned],
        [_("Peer reviews concluded"), h.concluded],
        [_("Responses scored"), h.scored],
    ]
    rows += [
        [
            _("Scored %(value)s: %(label)s", value=s.value, label=localised(s.label, locale)),
            h.by_level.get(s.value, 0),
        ]
        for s in data.scale
    ]
    rows += [
        [
            _("Supported by triangulated evidence"),
            f"{h.triangulated} ({drafting.share(h.triangulated, h.scored)})",
        ],
        [_("Claims beyond evidence"), h.claims],
        [_("Challenges raised"), h.challenges_raised],
        [_("Challenges resolved"), h.challenges_resolved],
        [_("Scores validated by a reviewer"), h.validated],
        [_("Scores moderated"), h.moderated],
        [_("Improvement actions overdue"), h.overdue_actions],
    ]
    return Table(_("Headline figures"), [_("Measure"), _("Number")], rows)


def _levels(data: Dataset, locale: str) -> list[charts.Level]:
    return [charts.Level(s.value, localised(s.label, locale), s.rag) for s in data.scale]


def _chart(statement, data: Dataset, key: str, locale: str, inline: bool, dpi: int) -> Chart:
    title_text, alt, table, draw = _CHARTS[key](data, locale)
    if inline:
        image = draw(dpi)
        src = "data:image/png;base64," + base64.b64encode(image).decode("ascii")
    else:
        src = url_for("statements.chart", statement_id=statement.id, locale=locale, key=key)
    return Chart(key, title_text, alt, src, table)


def draw(statement: Statement, data: Dataset, key: str, locale: str, dpi: int = 100) -> bytes:
    """One chart's PNG, for the builder's preview."""
    with force_locale(locale):
        return _CHARTS[key](data, locale)[3](dpi)


def _status_chart(data: Dataset, locale: str):
    sections = [localised(s.title, locale) for s in data.sections]
    counts = figures.by_section(data)
    levels = _levels(data, locale)
    headers = [_("Section")] + [f"{lv.value} {lv.label}" for lv in levels] + [_("Not scored")]
    rows = [[name] + list(c) for name, c in zip(sections, counts, strict=True)]
    scored = sum(sum(c[:-1]) for c in counts)
    alt = _(
        "Stacked bar chart of %(count)s scored responses in %(sections)s sections by level; "
        "the table that follows gives the same figures.",
        count=scored,
        sections=len(sections),
    )
    title_text = _("Responses by level in each section")

    def draw(dpi):
        return charts.status_by_section(
            sections,
            levels,
            counts,
            title=title_text,
            unscored_label=_("Not scored"),
            empty_label=_("No data to show"),
            dpi=dpi,
        )

    return title_text, alt, Table(title_text, headers, rows), draw


def _heat_map_chart(data: Dataset, locale: str):
    orgs, cells = figures.grid(data)
    names = [o.name_in(locale) for o in orgs]
    columns = [i.key for i in data.items]
    scores = [[r.score if r else None for r in row] for row in cells]
    flags = [
        [bool(r and r.score is not None and r.level != TRIANGULATED) for r in row] for row in cells
    ]
    title_text = _("Scores of each organisation by item")
    alt = _(
        "Heat map of the scores of %(orgs)s organisations on %(items)s items; cells marked are "
        "not supported by triangulated evidence. The table that follows gives the same figures.",
        orgs=len(orgs),
        items=len(columns),
    )
    rows = [[name] + [_cell_text(r) for r in row] for name, row in zip(names, cells, strict=True)]

    def draw(dpi):
        return charts.heat_map(
            names,
            columns,
            scores,
            _levels(data, locale),
            flags,
            title=title_text,
            no_score_label=_("No score"),
            flag_label=_("Not triangulated"),
            empty_label=_("No data to show"),
            dpi=dpi,
        )

    return title_text, alt, Table(title_text, [_("Organisation")] + columns, rows), draw


def _cell_text(row) -> str:
    if row is None or row.score is None:
        return "–"
    return f"{row.score}*" if row.level != TRIANGULATED else str(row.score)


def _profile_chart(data: Dataset, locale: str):
    by_item = {r.item_key: r for r in data.rows}
    items = [i.key for i in data.items]
    own = [by_item[k].self_score if k in by_item else None for k in items]
    validated = [by_item[k].validated_score if k in by_item else None for k in items]
    title_text = _("Self-assessed and validated scores")
    alt = _(
        "Chart of the self-assessed and validated score of each of %(items)s items; the table "
        "that follows gives the same figures.",
        items=len(items),
    )
    rows = [
        [key, "–" if s is None else s, "–" if v is None else v]
        for key, s, v in zip(items, own, validated, strict=True)
    ]

    def draw(dpi):
        return charts.profile(
            items,
            own,
            validated,
            _levels(data, locale),
            title=title_text,
            self_label=_("Self-assessed"),
            validated_label=_("Validated"),
            empty_label=_("No data to show"),
            dpi=dpi,
        )

    headers = [_("Item"), _("Self-assessed"), _("Validated")]
    return title_text, alt, Table(title_text, headers, rows), draw


_CHARTS = {"status": _status_chart, "heat_map": _heat_map_chart, "profile": _profile_chart}


def _overdue_table(data: Dataset, locale: str) -> Table:
    rows = []
    for action in data.overdue_actions:
        org = data.organisation(action.organisation_id)
        rows.append(
            [
                org.name_in(locale) if org else "",
                action.item_key,
                action.description,
                action.owner,
                format_date(action.due_on, "d MMMM y"),
            ]
        )
    headers = [_("Organisation"), _("Item"), _("Action"), _("Owner"), _("Due")]
    return Table(_("Improvement actions past their due date"), headers, rows)


def _annexes(statement: Statement, data: Dataset, locale: str) -> list[tuple[str, Table]]:
    """One annex per region: each organisation's status and figures."""
    if statement.scope == "organisation":
        return []
    by_org: dict[int, list] = {}
    for row in data.rows:
        by_org.setdefault(row.organisation_id, []).append(row)
    annexes = []
    for rsb, members in figures.region_groups(data):
        heading = rsb.name_in(locale) if rsb else _("Organisations in no single region")
        rows = []
        for org in members:
            rows_of = [r for r in by_org.get(org.id, []) if r.score is not None]
            status = data.statuses.get(org.id)
            rows.append(
                [
                    org.name_in(locale),
                    status_label(status),
                    len(rows_of),
                    sum(1 for r in rows_of if r.level == TRIANGULATED),
                    sum(1 for r in rows_of if r.claim),
                ]
            )
        headers = [
            _("Organisation"),
            _("Status"),
            _("Responses scored"),
            _("Triangulated"),
            _("Claims beyond evidence"),
        ]
        annexes.append((heading, Table(heading, headers, rows)))
    return annexes


def status_label(status: str | None) -> str:
    """An assessment's status in the words a statement uses."""
    labels = {
        None: _("Not started"),
        "draft": _("Not submitted"),
        "submitted": _("Submitted"),
        "in_review": _("In peer review"),
        "returned": _("Returned"),
        "concluded": _("Concluded"),
    }
    return labels[status]
