"""The dashboards' arithmetic on small hand-made data, without a database."""

import pytest

from tracker.dashboards import figures
from tracker.dashboards.figures import Cell, calibrate, section_counts, series_by_key
from tracker.evidence import triangulation
from tracker.evidence.triangulation import Piece, Rule

RULE = Rule(min_kinds=3, min_sources=2, required_from=2)
TRIANGULATED = [Piece("document", 1), Piece("audit", 2), Piece("voice", 2)]


def cell(key, own=None, checked=None, level=triangulation.TRIANGULATED, claim=False):
    return Cell(1, 1, key, own, checked, level, claim)


def test_the_validated_score_is_the_one_shown():
    assert cell("A", 3, 2).score == 2
    assert cell("A", 3, None).score == 3
    assert cell("A", None, None).score is None
    assert cell("A", 3, 0).score == 0  # zero is a score, not a gap


@pytest.mark.parametrize(
    ("own", "checked", "pieces", "claim", "level"),
    [
        (3, None, [], True, triangulation.UNEVIDENCED),
        (1, None, [], False, triangulation.UNEVIDENCED),  # below the rule's threshold
        (3, None, TRIANGULATED, False, triangulation.TRIANGULATED),
        (3, 1, [Piece("document", 1)], False, triangulation.SINGLE_SOURCE),  # validated down
        (1, 2, [Piece("document", 1)], True, triangulation.SINGLE_SOURCE),  # validated up
        (3, None, [*TRIANGULATED[:2], Piece("voice", 2, withdrawn=True)], True, "partial"),
    ],
)
def test_a_cell_flags_a_claim_on_the_score_shown(own, checked, pieces, claim, level):
    made = figures.make_cell(1, 1, "A", own, checked, pieces, RULE)
    assert (made.claim, made.level) == (claim, level)


SECTIONS = [("first", ["A1", "A2"]), ("second", ["B1"])]


def test_section_counts_per_level_then_unscored():
    rows = [
        {"A1": cell("A1", 3, 2), "A2": cell("A2", 2), "B1": cell("B1")},
        {"A1": cell("A1", 1), "A2": cell("A2", 3), "B1": cell("B1", 0)},
        {"A1": cell("A1", 2)},  # A2 and B1 have no response at all
    ]
    assert section_counts(SECTIONS, [0, 1, 2, 3], rows) == [
        [0, 1, 3, 1, 1],
        [1, 0, 0, 0, 2],
    ]


def test_section_counts_with_nothing():
    assert section_counts(SECTIONS, [0, 1, 2, 3], []) == [[0] * 5, [0] * 5]
    assert section_counts([], [0, 1], [{"A1": cell("A1", 1)}]) == []


def test_calibration_counts_and_mean():
    result = calibrate([(3, 2), (2, 2), (1, 2), (3, 1), (None, 2), (2, None), (None, None)])
    assert (result.validated, result.over, result.under, result.equal) == (4, 2, 1, 1)
    assert result.mean_difference == 0.5  # (1 + 0 - 1 + 2) / 4
    assert result.verdict == figures.OPTIMISTIC  # exactly half a level counts


@pytest.mark.parametrize(
    ("pairs", "mean", "verdict"),
    [
        ([], None, None),
        ([(None, 1), (2, None)], None, None),  # nothing validated
        ([(2, 2), (3, 3)], 0.0, figures.WELL_CALIBRATED),
        ([(1, 2), (2, 2)], -0.5, figures.CAUTIOUS),  # exactly half a level below
        ([(2, 2), (2, 2), (3, 2)], pytest.approx(1 / 3), figures.WELL_CALIBRATED),
        ([(3, 2), (3, 2), (2, 2), (2, 2), (2, 2)], 0.4, figures.WELL_CALIBRATED),
        ([(0, 3)], -3.0, figures.CAUTIOUS),
        ([(3, 0), (0, 3)], 0.0, figures.WELL_CALIBRATED),  # errors both ways cancel out
    ],
)
def test_calibration_verdicts(pairs, mean, verdict):
    result = calibrate(pairs)
    assert result.mean_difference == mean
    assert result.verdict == verdict


def test_series_average_each_key_in_each_cycle_and_leave_gaps():
    found = series_by_key(
        [10, 20, 30],
        ["A1", "B1"],
        [(10, "A1", 1), (10, "A1", 2), (20, "A1", 3), (20, "A1", None), (30, "B1", 0)],
    )
    assert found == [("A1", [1.5, 3.0, None]), ("B1", [None, None, 0.0])]


def test_series_with_nothing():
    assert series_by_key([], ["A1"], []) == [("A1", [])]
    assert series_by_key([1], [], [(1, "A1", 2)]) == []


def test_mean_rounds_to_two_places():
    assert figures.mean_or_none([1, 1, 2]) == 1.33
    assert figures.mean_or_none([None]) is None
