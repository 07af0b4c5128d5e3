"""The counting that dashboards and statements share: pure functions of plain values, tested
without a database, so the same data always gives the same figures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def level_counts(
    sections: Sequence[tuple[str, Sequence[str]]],
    scale: Sequence[int],
    scores: Iterable[tuple[str, int | None]],
) -> list[list[int]]:
    """Per section, how many scores sit at each level of `scale`, then how many are unscored.

    `sections` is (key, item keys) in order; `scores` is (item key, score or None), one per
    response counted. A score off the scale counts as unscored; an item in no section is left out.
    """
    section_of = {key: s for s, (_key, item_keys) in enumerate(sections) for key in item_keys}
    position = {value: i for i, value in enumerate(scale)}
    counts = [[0] * (len(scale) + 1) for _ in sections]
    for item_key, score in scores:
        s = section_of.get(item_key)
        if s is not None:
            counts[s][position.get(score, len(scale))] += 1
    return counts
