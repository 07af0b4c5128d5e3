"""The dashboards' figures drawn as charts, with their titles and alt text in the reader's language.

The page and the chart image call the same functions, so the alt text always describes the
image served. Drawing (and its cache) is the job of the tracker.reporting.charts package.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from tracker.dashboards import figures
from tracker.dashboards.comparisons import Trend
from tracker.dashboards.queries import Grid, OrganisationView
from tracker.reporting import charts


def levels(framework, locale: str) -> list[charts.Level]:
    return [charts.Level(lv.value, lv.label_in(locale), lv.rag) for lv in framework.scale]


def _empty() -> str:
    return _("No figures to show yet")


# --- national tracker ----------------------------------------------------------------------------


def heat_map_title(grid: Grid, locale: str) -> str:
    return _(
        "Scores by organisation and item: %(framework)s, %(cycle)s",
        framework=grid.framework.title_in(locale),
        cycle=grid.cycle.label,
    )


def heat_map(grid: Grid, locale: str) -> bytes:
    keys = [item.key for item in grid.items]
    return charts.heat_map(
        [row.organisation.display_name(locale) for row in grid.rows],
        keys,
        [[_score(row.cells.get(k)) for k in keys] for row in grid.rows],
        levels(grid.framework, locale),
        [[_not_triangulated(row.cells.get(k)) for k in keys] for row in grid.rows],
        title=heat_map_title(grid, locale),
        no_score_label=_("Not scored"),
        flag_label=_("Evidence not triangulated"),
        empty_label=_empty(),
    )


def heat_map_alt(grid: Grid, locale: str) -> str:
    cells = [c for row in grid.rows for c in row.cells.values()]
    return " ".join(
        [
            heat_map_title(grid, locale) + ".",
            ngettext(
                "%(num)d organisation by %(items)d items.",
                "%(num)d organisations by %(items)d items.",
                len(grid.rows),
                items=len(grid.items),
            ),
            _(
                "%(scored)d scores shown; %(flagged)d not triangulated.",
                scored=sum(1 for c in cells if c.score is not None),
                flagged=sum(1 for c in cells if c.score is not None and not c.is_triangulated),
            ),
            _("The table on this page gives every score."),
        ]
    )


def _score(cell) -> int | None:
    return cell.score if cell else None


def _not_triangulated(cell) -> bool:
    return bool(cell and cell.score is not None and not cell.is_triangulated)


# --- status by section ---------------------------------------------------------------------------


def sections_title() -> str:
    return _("Responses at each level, by section")


def sections(framework, section_list, counts: list[list[int]], locale: str) -> bytes:
    return charts.status_by_section(
        [s.title_in(locale) for s in section_list],
        levels(framework, locale),
        counts,
        title=sections_title(),
        unscored_label=_("Not scored"),
        empty_label=_empty(),
        xlabel=_("Number of responses"),
    )


def sections_alt(framework, counts: list[list[int]], locale: str) -> str:
    totals = [sum(column) for column in zip(*counts, strict=True)] if counts else []
    parts = [
        _("%(label)s: %(num)d", label=lv.label_in(locale), num=n)
        for lv, n in zip(framework.scale, totals, strict=False)
    ]
    if totals:
        parts.append(_("not scored: %(num)d", num=totals[-1]))
    summary = "; ".join(parts) if parts else _empty()
    return _(
        "Stacked bar chart of responses at each level, by section. In all, %(summary)s. "
        "The table after the chart gives the figures for each section.",
        summary=summary,
    )


# --- an organisation's profile -------------------------------------------------------------------


def profile_title() -> str:
    return _("Self-assessed against validated score, by item")


def profile(view: OrganisationView, locale: str) -> bytes:
    items = view.items
    return charts.profile(
        [item.key for item in items],
        [_cell_value(view, item.key, "self_score") for item in items],
        [_cell_value(view, item.key, "validated_score") for item in items],
        levels(view.assessment.framework, locale),
        title=profile_title(),
        self_label=_("Self-assessed score"),
        validated_label=_("Validated score"),
        empty_label=_empty(),
    )


def _cell_value(view: OrganisationView, key: str, name: str) -> int | None:
    cell = view.cells.get(key)
    return getattr(cell, name) if cell else None


def profile_alt(view: OrganisationView) -> str:
    result = figures.calibrate((c.self_score, c.validated_score) for c in view.cells.values())
    return " ".join(
        [
            _("Dot plot of each item's self-assessed score against its validated score."),
            _(
                "%(num)d items validated: %(over)d scored higher by the organisation, "
                "%(under)d lower, %(equal)d the same.",
                num=result.validated,
                over=result.over,
                under=result.under,
                equal=result.equal,
            ),
            _("The table after the chart gives every score."),
        ]
    )


# --- trends --------------------------------------------------------------------------------------


def trend_title(by: str) -> str:
    if by == "item":
        return _("Mean score by item across cycles")
    return _("Mean score by section across cycles")


def trend(result: Trend, by: str, locale: str) -> bytes:
    if by == "item":
        series = [(item.key, values) for item, values in result.by_item]
    else:
        series = [(section.title_in(locale), values) for section, values in result.by_section]
    return charts.trend(
        [c.label for c in result.cycles],
        series,
        levels(result.framework, locale),
        title=trend_title(by),
        empty_label=_empty(),
    )


def trend_alt(result: Trend, by: str) -> str:
    lines = len(result.by_item if by == "item" else result.by_section)
    return " ".join(
        [
            trend_title(by) + ".",
            ngettext(
                "%(num)d line over %(cycles)d cycles.",
                "%(num)d lines over %(cycles)d cycles.",
                lines,
                cycles=len(result.cycles),
            ),
            _("The table after the chart gives every mean score."),
        ]
    )


# --- calibration ---------------------------------------------------------------------------------


def calibration_title() -> str:
    return _("Mean difference between self-assessed and validated scores")


def calibration(rows, locale: str) -> bytes:
    return charts.calibration(
        [row.organisation.display_name(locale) for row in rows],
        [row.calibration.mean_difference for row in rows],
        title=calibration_title(),
        optimistic_label=_("Optimistic"),
        cautious_label=_("Cautious"),
        calibrated_label=_("Well calibrated"),
        no_data_label=_("No validated scores yet"),
        xlabel=_("Self-assessed minus validated score"),
        threshold=figures.CALIBRATION_THRESHOLD,
        empty_label=_empty(),
    )


def calibration_alt(rows) -> str:
    verdicts = [row.calibration.verdict for row in rows]
    return " ".join(
        [
            _("Bar chart of the mean difference between self-assessed and validated scores."),
            _(
                "Optimistic: %(optimistic)d; cautious: %(cautious)d; well calibrated: "
                "%(calibrated)d; not yet validated: %(none)d.",
                optimistic=verdicts.count(figures.OPTIMISTIC),
                cautious=verdicts.count(figures.CAUTIOUS),
                calibrated=verdicts.count(figures.WELL_CALIBRATED),
                none=verdicts.count(None),
            ),
            _("The table after the chart gives the figures for each organisation."),
        ]
    )
