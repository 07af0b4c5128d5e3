"""The words of a progress statement, drafted from its figures (DESIGN §7).

Modelled on the CPRR follow-up statement: what was assessed and by whom, what the figures say,
"notable progress in …", "challenges remain in …", what review found and what comes next. Every
function is deterministic: the same dataset in the same language gives the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale, format_date, format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.models.base import localised
from tracker.statements.figures import Dataset, Headline, headline, since_last_cycle, themes

# The editable sections, in the order the statement shows them.
SECTIONS = (
    ("assessed", _l("What was assessed")),
    ("headline", _l("Headline figures")),
    ("progress", _l("Notable progress")),
    ("remaining", _l("Challenges that remain")),
    ("review", _l("Peer review and challenge")),
    ("next_steps", _l("Next steps")),
)
SECTION_KEYS = tuple(key for key, _title in SECTIONS)


@dataclass(frozen=True)
class Subject:
    """What a statement is about, in the words the drafting needs."""

    scope: str  # organisation | region | national
    name: dict  # {"en": ..., "cy": ...}: the organisation or region; empty for national
    framework: dict
    cycle: str
    as_of: date


def draft(data: Dataset, subject: Subject, locale: str) -> dict[str, str]:
    """Every section's text in `locale`."""
    figures = headline(data)
    notable, remaining = themes(data)
    with force_locale(locale):
        return {
            "assessed": _assessed(figures, subject, locale),
            "headline": _headline(data, figures),
            "progress": _progress(
                [localised(i.theme, locale) for i in notable], data, figures, locale
            ),
            "remaining": _remaining(
                [localised(i.theme, locale) for i in remaining], figures, locale
            ),
            "review": _review(figures),
            "next_steps": _next_steps(figures),
        }


def _assessed(h: Headline, subject: Subject, locale: str) -> str:
    values = {
        "framework": localised(subject.framework, locale),
        "cycle": subject.cycle,
        "name": localised(subject.name, locale),
    }
    if subject.scope == "national":
        opening = _(
            "This statement reports progress across Wales against %(framework)s in %(cycle)s.",
            **values,
        )
    elif subject.scope == "region":
        opening = _(
            "This statement reports the progress of %(name)s and its partner organisations "
            "against %(framework)s in %(cycle)s.",
            **values,
        )
    else:
        opening = _(
            "This statement reports the progress of %(name)s against %(framework)s in %(cycle)s.",
            **values,
        )
    when = format_date(subject.as_of, "d MMMM y")
    if h.reported == 0:
        submitted = _(
            "No organisation it covers had submitted a self-assessment by %(date)s, so there are "
            "no figures to report yet.",
            date=when,
        )
    else:
        submitted = ngettext(
            "%(reported)s of the %(num)s organisation expected to assess itself had submitted "
            "its self-assessment by %(date)s.",
            "%(reported)s of the %(num)s organisations expected to assess themselves had "
            "submitted their self-assessments by %(date)s.",
            h.expected,
            reported=h.reported,
            date=when,
        )
    parts = [opening, submitted]
    if h.returned:
        parts.append(
            ngettext(
                "%(num)s more was returned to its organisation for further detail.",
                "%(num)s more were returned to their organisations for further detail.",
                h.returned,
            )
        )
    if h.reviewed:
        parts.append(
            ngettext(
                "Peer reviewers from other boards were assigned to %(num)s of them.",
                "Peer reviewers from other boards were assigned to %(num)s of them.",
                h.reviewed,
            )
        )
        parts.append(
            ngettext(
                "%(num)s review is concluded.",
                "%(num)s reviews are concluded.",
                h.concluded,
            )
        )
    return " ".join(parts)


def share(part: int, whole: int) -> str:
    """`part` as a percentage of `whole` in the current locale; "–" when there is no whole."""
    return format_percent(part / whole, "#,##0%") if whole else "–"


def _headline(data: Dataset, h: Headline) -> str:
    if not h.scored:
        return _("No responses have been scored yet.")
    rag = {"red": 0, "amber": 0, "green": 0}
    for level in data.scale:
        rag[level.rag] += h.by_level.get(level.value, 0)
    # Each count agrees with its own verb: "1 of the 14 … is", "3 of the 14 … are".
    parts = [
        ngettext(
            "%(num)s of the %(scored)s scored responses (%(share)s) is at a green level, "
            "%(amber)s amber and %(red)s red.",
            "%(num)s of the %(scored)s scored responses (%(share)s) are at a green level, "
            "%(amber)s amber and %(red)s red.",
            rag["green"],
            scored=h.scored,
            share=share(rag["green"], h.scored),
            amber=rag["amber"],
            red=rag["red"],
        ),
        ngettext(
            "%(num)s of the %(scored)s scored responses (%(share)s) is supported by "
            "triangulated evidence: several kinds of evidence from more than one source.",
            "%(num)s of the %(scored)s scored responses (%(share)s) are supported by "
            "triangulated evidence: several kinds of evidence from more than one source.",
            h.triangulated,
            scored=h.scored,
            share=share(h.triangulated, h.scored),
        ),
    ]
    if h.claims:
        parts.append(
            ngettext(
                "%(num)s score claims more than its evidence shows.",
                "%(num)s scores claim more than their evidence shows.",
                h.claims,
            )
        )
    else:
        parts.append(_("No score claims more than its evidence shows."))
    return " ".join(parts)


WELSH_VOWELS = "aeiouwyâêîôûŵŷ"


def join_themes(names: list[str], locale: str) -> str:
    """A list as people in Wales write one: "a, b and c"; in Welsh "a, b a c", with "ac"
    before a vowel and "a'r" for the article ("a'r drws ffrynt", not "a y drws ffrynt")."""
    if len(names) < 2:
        return "".join(names)
    *first, last = names
    if locale != "cy":
        return f"{', '.join(first)} and {last}"
    word, _space, rest = last.partition(" ")
    if word.lower() in ("y", "yr") and rest:
        joined = f"a'r {rest}"
    elif last[:1].lower() in WELSH_VOWELS:
        joined = f"ac {last}"
    else:
        joined = f"a {last}"
    return f"{', '.join(first)} {joined}"


SHOWN = 3  # themes named in a sentence; the rest are counted


def capped(names: list[str], locale: str) -> str:
    """The first SHOWN names as a list, the rest counted: "a, b, c and 2 more"."""
    if len(names) <= SHOWN:
        return join_themes(names, locale)
    rest = len(names) - SHOWN
    return join_themes([*names[:SHOWN], ngettext("%(num)s more", "%(num)s more", rest)], locale)


def _progress(theme_names: list[str], data: Dataset, h: Headline, locale: str) -> str:
    if theme_names and since_last_cycle(data):
        return _(
            "Since the last cycle there has been notable progress in %(themes)s.",
            themes=capped(theme_names, locale),
        )
    if theme_names:
        return _(
            "There has been notable progress in %(themes)s.",
            themes=capped(theme_names, locale),
        )
    if h.scored and not any(r.supports_progress for r in data.rows):
        return _(
            "No progress is called notable yet: that needs scores validated by a reviewer or "
            "supported by triangulated evidence, within what the evidence shows, and there are "
            "none."
        )
    if h.scored and since_last_cycle(data):
        return _("No theme's supported scores have risen since the last cycle.")
    if h.scored:
        return _("No theme stands out above the others yet: progress is even across the framework.")
    return _("There is not yet enough submitted data to say where progress is notable.")


def _remaining(theme_names: list[str], h: Headline, locale: str) -> str:
    if theme_names:
        return _(
            "However, challenges remain in %(themes)s.",
            themes=capped(theme_names, locale),
        )
    if h.scored:
        return _("No theme lags behind the others: progress is even across the framework.")
    return _("There is not yet enough submitted data to say where challenges remain.")


def _review(h: Headline) -> str:
    if not h.challenges_raised:
        parts = [_("No challenges to the evidence had been raised.")]
    else:
        parts = [
            ngettext(
                "Peer reviewers and inspectors raised %(num)s challenge to the evidence.",
                "Peer reviewers and inspectors raised %(num)s challenges to the evidence.",
                h.challenges_raised,
            ),
            ngettext("%(num)s is resolved.", "%(num)s are resolved.", h.challenges_resolved),
            ngettext("%(num)s remains open.", "%(num)s remain open.", h.challenges_open),
        ]
    if h.moderated:
        parts.append(
            ngettext(
                "Reviewers moderated %(num)s score (%(down)s downwards).",
                "Reviewers moderated %(num)s scores (%(down)s downwards).",
                h.moderated,
                down=h.moderated_down,
            )
        )
        parts.append(
            _(
                "On average the organisation's own score was %(mean)s above the validated one "
                "on the scale (a negative figure means below).",
                mean=format_decimal(h.moderation_mean, "#,##0.##"),
            )
        )
    elif h.validated:
        parts.append(_("Every validated score agreed with the organisation's own."))
    return " ".join(parts)


def _next_steps(h: Headline) -> str:
    if h.overdue_actions:
        first = ngettext(
            "%(num)s improvement action is past its due date; it is listed below.",
            "%(num)s improvement actions are past their due dates; they are listed below.",
            h.overdue_actions,
        )
    else:
        first = _("No improvement action is past its due date.")
    return " ".join(
        [
            first,
            _(
                "The inspectorates will keep monitoring progress with the boards and will "
                "report again in the next cycle."
            ),
        ]
    )
