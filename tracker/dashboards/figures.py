"""The dashboards' arithmetic: pure functions of plain values, tested without a database.

`queries.py` reads the rows; everything here only counts, averages and compares them, so the
same data always gives the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean

from tracker.evidence import triangulation
from tracker.reporting import counting

# Self scores at least this far from the validated ones, on average, earn a verdict.
CALIBRATION_THRESHOLD = 0.5
OPTIMISTIC, CAUTIOUS, WELL_CALIBRATED = "optimistic", "cautious", "well_calibrated"


@dataclass(frozen=True)
class Cell:
    """One response as the dashboards show it."""

    response_id: int
    assessment_id: int
    item_key: str
    self_score: int | None
    validated_score: int | None
    level: str  # triangulation level of its evidence
    claim: bool  # a claim beyond evidence

    @property
    def score(self) -> int | None:
        """The score shown: the validated one where a reviewer has set it, else the self score."""
        return self.validated_score if self.validated_score is not None else self.self_score

    @property
    def is_validated(self) -> bool:
        return self.validated_score is not None

    @property
    def is_triangulated(self) -> bool:
        return self.level == triangulation.TRIANGULATED


def make_cell(
    response_id: int,
    assessment_id: int,
    item_key: str,
    self_score: int | None,
    validated_score: int | None,
    pieces: Iterable[triangulation.Piece],
    rule: triangulation.Rule,
) -> Cell:
    """A cell with its triangulation and claim worked out from its evidence."""
    level = triangulation.level(pieces, rule)
    shown = validated_score if validated_score is not None else self_score
    claim = triangulation.claim_beyond_evidence(shown, level, rule)
    return Cell(response_id, assessment_id, item_key, self_score, validated_score, level, claim)


def section_counts(
    sections: Sequence[tuple[str, Sequence[str]]],
    scale: Sequence[int],
    rows: Iterable[dict[str, Cell]],
) -> list[list[int]]:
    """Per section, how many responses sit at each level of `scale`, then how many are unscored.

    `sections` is (key, item keys); `rows` one {item key: cell} per assessment. An item with no
    cell in a row counts as unscored.
    """
    scores = (
        (key, row[key].score if row.get(key) else None)
        for row in rows
        for _key, item_keys in sections
        for key in item_keys
    )
    return counting.level_counts(sections, scale, scores)


@dataclass(frozen=True)
class Calibration:
    """How an organisation's self scores compare with the validated ones."""

    validated: int  # responses with both a self score and a validated score
    over: int  # self above validated
    under: int  # self below validated
    equal: int
    mean_difference: float | None  # self − validated, averaged; None when nothing is validated

    @property
    def verdict(self) -> str | None:
        """optimistic, cautious or well_calibrated by the stated rule; None with no evidence."""
        if self.mean_difference is None:
            return None
        if self.mean_difference >= CALIBRATION_THRESHOLD:
            return OPTIMISTIC
        if self.mean_difference <= -CALIBRATION_THRESHOLD:
            return CAUTIOUS
        return WELL_CALIBRATED


def calibrate(pairs: Iterable[tuple[int | None, int | None]]) -> Calibration:
    """Compare (self, validated) score pairs; a pair missing either score is left out."""
    differences = [s - v for s, v in pairs if s is not None and v is not None]
    return Calibration(
        validated=len(differences),
        over=sum(1 for d in differences if d > 0),
        under=sum(1 for d in differences if d < 0),
        equal=sum(1 for d in differences if d == 0),
        mean_difference=fmean(differences) if differences else None,
    )


def mean_or_none(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None, to two places; None if there are none."""
    present = [v for v in values if v is not None]
    return round(fmean(present), 2) if present else None


def series_by_key(
    cycle_ids: Sequence[int],
    keys: Sequence[str],
    scores: Iterable[tuple[int, str, int | None]],
) -> list[tuple[str, list[float | None]]]:
    """For each key, the mean score in each cycle: (key, [mean or None per cycle]).

    `scores` is (cycle id, key, score) — one per response; unscored responses count for nothing.
    """
    found: dict[tuple[int, str], list[int]] = {}
    for cycle_id, key, score in scores:
        if score is not None:
            found.setdefault((cycle_id, key), []).append(score)
    return [(key, [mean_or_none(found.get((c, key), [])) for c in cycle_ids]) for key in keys]
