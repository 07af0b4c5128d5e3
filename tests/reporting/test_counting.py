"""The shared per-section level count, on hand-made values: no database, no web."""

from tracker.reporting.counting import level_counts

SECTIONS = [("first", ["A1", "A2"]), ("second", ["B1"])]


def test_scores_are_counted_per_section_and_level_then_unscored():
    scores = [("A1", 0), ("A2", 2), ("A1", 2), ("B1", None), ("B1", 1)]
    assert level_counts(SECTIONS, [0, 1, 2], scores) == [[1, 0, 2, 0], [0, 1, 0, 1]]


def test_a_score_off_the_scale_is_unscored_and_an_unknown_item_left_out():
    assert level_counts(SECTIONS, [0, 1], [("A1", 7), ("Z9", 1)]) == [[0, 0, 1], [0, 0, 0]]


def test_nothing_to_count():
    assert level_counts(SECTIONS, [0, 1], []) == [[0, 0, 0], [0, 0, 0]]
    assert level_counts([], [0, 1], [("A1", 1)]) == []
