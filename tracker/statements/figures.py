"""The figures a progress statement reports, for one scope, framework and cycle (DESIGN §7).

`queries.gather` reads the database once per kind of fact and returns these plain values; everything
here (`headline`, `by_section`, `themes`, …) is a pure function of them, so the drafting can be
tested on small hand-made datasets and the same data always gives the same statement.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from statistics import mean

from tracker.evidence import triangulation
from tracker.reporting import counting

# What a statement reports on: work handed in. Drafts are private; a returned assessment is
# being reworked, so it is counted but its scores are not.
REPORTED_STATUSES = ("submitted", "in_review", "concluded")


@dataclass(frozen=True)
class ItemInfo:
    key: str
    section_key: str
    position: int
    theme: dict  # {"en": ..., "cy": ...}


@dataclass(frozen=True)
class SectionInfo:
    key: str
    title: dict


@dataclass(frozen=True)
class OrgInfo:
    id: int
    name: str
    name_cy: str | None
    region_id: int | None  # the RSB of its region; an RSB is its own region
    kind: str

    def name_in(self, locale: str) -> str:
        return (self.name_cy if locale == "cy" else None) or self.name


@dataclass(frozen=True)
class Row:
    """One reported response."""

    organisation_id: int
    item_key: str
    self_score: int | None
    validated_score: int | None
    level: str  # triangulation level
    claim: bool  # claim beyond evidence
    previous_score: int | None = None  # the organisation's score on the item last cycle

    @property
    def supports_progress(self) -> bool:
        """Whether this score may be called notable progress: a reviewer validated it or its
        evidence is triangulated, and it claims no more than its evidence shows."""
        if self.score is None or self.claim:
            return False
        return self.validated_score is not None or self.level == triangulation.TRIANGULATED

    @property
    def score(self) -> int | None:
        """The score the statement counts: the validated one where a reviewer has set it."""
        return self.validated_score if self.validated_score is not None else self.self_score


@dataclass(frozen=True)
class ChallengeFact:
    status: str
    outcome: str | None


@dataclass(frozen=True)
class OverdueAction:
    organisation_id: int
    item_key: str
    description: str
    owner: str
    due_on: date
    status: str


@dataclass(frozen=True)
class ScaleInfo:
    value: int
    label: dict
    rag: str


@dataclass
class Dataset:
    """Everything a statement is drafted from, as plain values."""

    scale: list[ScaleInfo]
    sections: list[SectionInfo]
    items: list[ItemInfo]
    organisations: list[OrgInfo]  # expected to assess themselves against the framework
    statuses: dict[int, str]  # organisation id → assessment status (absent: not started)
    rows: list[Row]
    challenges: list[ChallengeFact] = field(default_factory=list)
    overdue_actions: list[OverdueAction] = field(default_factory=list)
    reviewed: int = 0  # assessments with at least one peer reviewer assigned

    @property
    def reported_ids(self) -> set[int]:
        return {oid for oid, status in self.statuses.items() if status in REPORTED_STATUSES}

    def organisation(self, organisation_id: int) -> OrgInfo | None:
        return next((o for o in self.organisations if o.id == organisation_id), None)


# --- pure figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    expected: int
    reported: int
    returned: int
    not_submitted: int
    concluded: int
    reviewed: int
    responses: int
    scored: int
    by_level: dict[int, int]
    triangulated: int
    claims: int
    validated: int
    moderated: int  # validated score differs from the organisation's own
    moderated_down: int
    moderation_mean: float | None  # mean of (self − validated) over moderated responses
    challenges_raised: int
    challenges_resolved: int
    challenges_open: int
    overdue_actions: int

    @property
    def triangulated_share(self) -> float | None:
        return self.triangulated / self.scored if self.scored else None


def headline(data: Dataset) -> Headline:
    """The headline figures of DESIGN §7 from a dataset."""
    rows = data.rows
    scored = [r for r in rows if r.score is not None]
    moderated = [
        r
        for r in rows
        if r.validated_score is not None
        and r.self_score is not None
        and r.validated_score != r.self_score
    ]
    statuses = Counter(data.statuses.values())
    reported = sum(statuses[s] for s in REPORTED_STATUSES)
    return Headline(
        expected=len(data.organisations),
        reported=reported,
        returned=statuses["returned"],
        not_submitted=len(data.organisations) - reported - statuses["returned"],
        concluded=statuses["concluded"],
        reviewed=data.reviewed,
        responses=len(rows),
        scored=len(scored),
        by_level={s.value: sum(1 for r in scored if r.score == s.value) for s in data.scale},
        triangulated=sum(1 for r in scored if r.level == triangulation.TRIANGULATED),
        claims=sum(1 for r in rows if r.claim),
        validated=sum(1 for r in rows if r.validated_score is not None),
        moderated=len(moderated),
        moderated_down=sum(1 for r in moderated if r.validated_score < r.self_score),
        moderation_mean=(
            round(mean(r.self_score - r.validated_score for r in moderated), 2)
            if moderated
            else None
        ),
        challenges_raised=len(data.challenges),
        challenges_resolved=sum(1 for c in data.challenges if c.status == "resolved"),
        challenges_open=sum(1 for c in data.challenges if c.status != "resolved"),
        overdue_actions=len(data.overdue_actions),
    )


def by_section(data: Dataset, rows: list[Row] | None = None) -> list[list[int]]:
    """For each section, the number of responses at each scale level, then those not scored."""
    rows = data.rows if rows is None else rows
    sections = [
        (s.key, [i.key for i in data.items if i.section_key == s.key]) for s in data.sections
    ]
    return counting.level_counts(
        sections, [s.value for s in data.scale], ((r.item_key, r.score) for r in rows)
    )


def item_means(data: Dataset, rows: list[Row] | None = None) -> dict[str, float]:
    """Mean score of each item over the scored responses; items nobody scored are left out."""
    scores: dict[str, list[int]] = defaultdict(list)
    for row in data.rows if rows is None else rows:
        if row.score is not None:
            scores[row.item_key].append(row.score)
    return {key: mean(values) for key, values in scores.items()}


def since_last_cycle(data: Dataset) -> bool:
    """Whether notable progress is measured against last cycle: some score that supports
    progress has last cycle's score to compare with."""
    return any(r.supports_progress and r.previous_score is not None for r in data.rows)


def item_gains(data: Dataset) -> dict[str, float]:
    """Mean rise of each item's supported scores since last cycle, where there was a score."""
    gains: dict[str, list[int]] = defaultdict(list)
    for row in data.rows:
        if row.supports_progress and row.previous_score is not None:
            gains[row.item_key].append(row.score - row.previous_score)
    return {key: mean(values) for key, values in gains.items()}


def themes(data: Dataset) -> tuple[list[ItemInfo], list[ItemInfo]]:
    """The items of notable progress and those where challenges remain, each ranked.

    Challenges remain in the items whose mean score is below the mean of all items, lowest
    first. Notable progress counts only scores a reviewer validated or triangulated evidence
    supports, never a claim beyond evidence (DESIGN §6): where last cycle's scores are known,
    it is the items that rose, most first, as a follow-up statement reports progress since
    the last; otherwise the items whose supported scores stand above the mean of all items.
    No item is both. Ties keep the framework's order.
    """
    means = item_means(data)
    if not means:
        return [], []
    overall = mean(means.values())
    low = sorted(
        (i for i in data.items if means.get(i.key, overall) < overall), key=lambda i: means[i.key]
    )
    if since_last_cycle(data):
        rank = {k: g for k, g in item_gains(data).items() if g > 0}
    else:
        supported = item_means(data, [r for r in data.rows if r.supports_progress])
        rank = {k: m for k, m in supported.items() if m > overall}
    lagging = {i.key for i in low}
    high = sorted(
        (i for i in data.items if i.key in rank and i.key not in lagging),
        key=lambda i: -rank[i.key],
    )
    return high, low


def grid(data: Dataset) -> tuple[list[OrgInfo], list[list[Row | None]]]:
    """The reported organisations (in dataset order) and, for each, its row for every item."""
    by_org: dict[int, dict[str, Row]] = defaultdict(dict)
    for row in data.rows:
        by_org[row.organisation_id][row.item_key] = row
    orgs = [o for o in data.organisations if o.id in data.reported_ids]
    return orgs, [[by_org[o.id].get(i.key) for i in data.items] for o in orgs]


def region_groups(data: Dataset) -> list[tuple[OrgInfo | None, list[OrgInfo]]]:
    """The expected organisations grouped by region: each RSB first in its own group."""
    groups: dict[int | None, list[OrgInfo]] = defaultdict(list)
    for org in data.organisations:
        groups[org.region_id].append(org)
    rsbs = {o.id: o for o in data.organisations if o.kind == "rsb"}
    ordered = [(rsbs.get(rid), orgs) for rid, orgs in groups.items() if rid is not None]
    ordered.sort(key=lambda group: (group[0] is None, group[0].name if group[0] else ""))
    if groups.get(None):
        ordered.append((None, groups[None]))
    return ordered
