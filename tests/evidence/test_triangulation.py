"""Triangulation rules (DESIGN §6), with properties checked over generated evidence."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.evidence.triangulation import (
    PARTIAL,
    SINGLE_SOURCE,
    TRIANGULATED,
    UNEVIDENCED,
    Piece,
    Rule,
    claim_beyond_evidence,
    level,
    rank,
)
from tracker.models.evidence import EVIDENCE_KINDS

RULE = Rule(min_kinds=3, min_sources=2, required_from=3)

pieces = st.builds(
    Piece,
    kind=st.sampled_from(EVIDENCE_KINDS),
    source_id=st.integers(1, 6),
    withdrawn=st.booleans(),
)
rules = st.builds(
    Rule,
    min_kinds=st.integers(1, 6),
    min_sources=st.integers(1, 6),
    required_from=st.integers(0, 5),
)


@pytest.mark.parametrize(
    "evidence, expected",
    [
        ([], UNEVIDENCED),
        ([Piece("audit", 1, withdrawn=True)], UNEVIDENCED),
        ([Piece("audit", 1)], SINGLE_SOURCE),
        ([Piece("audit", 1), Piece("data", 1), Piece("voice", 1)], SINGLE_SOURCE),  # one source
        ([Piece("audit", 1), Piece("audit", 2)], SINGLE_SOURCE),  # one kind
        ([Piece("audit", 1), Piece("data", 2)], PARTIAL),
        ([Piece("audit", 1), Piece("data", 2), Piece("voice", 2)], TRIANGULATED),
        ([Piece("audit", 1), Piece("data", 2), Piece("voice", 2, withdrawn=True)], PARTIAL),
    ],
)
def test_levels(evidence, expected):
    assert level(evidence, RULE) == expected


@pytest.mark.parametrize(
    "score, level_name, expected",
    [
        (None, UNEVIDENCED, False),
        (2, UNEVIDENCED, False),
        (3, PARTIAL, True),
        (4, SINGLE_SOURCE, True),
        (3, TRIANGULATED, False),
        (4, TRIANGULATED, False),
    ],
)
def test_claim_beyond_evidence(score, level_name, expected):
    assert claim_beyond_evidence(score, level_name, RULE) is expected


@given(st.lists(pieces), pieces, rules)
def test_adding_evidence_never_lowers_the_level(evidence, extra, rule):
    assert rank(level([*evidence, extra], rule)) >= rank(level(evidence, rule))


@given(st.lists(pieces, min_size=1), rules)
def test_withdrawing_evidence_never_raises_the_level(evidence, rule):
    for i, piece in enumerate(evidence):
        withdrawn = [*evidence[:i], Piece(piece.kind, piece.source_id, True), *evidence[i + 1 :]]
        assert rank(level(withdrawn, rule)) <= rank(level(evidence, rule))


@given(st.lists(pieces), rules)
def test_withdrawing_the_only_evidence_of_a_kind_never_raises_it(evidence, rule):
    kinds = {p.kind for p in evidence if not p.withdrawn}
    for kind in kinds:
        without = [p if p.kind != kind else Piece(p.kind, p.source_id, True) for p in evidence]
        assert rank(level(without, rule)) <= rank(level(evidence, rule))


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), rules)
def test_levels_are_monotone_in_kinds_and_sources(k1, k2, s1, s2, rule):
    kinds = list(EVIDENCE_KINDS)

    def spread(n_kinds, n_sources):
        count = max(n_kinds, n_sources)
        return [Piece(kinds[i % n_kinds], 1 + i % n_sources) for i in range(count)]

    if k1 <= k2 and s1 <= s2:
        assert rank(level(spread(k1, s1), rule)) <= rank(level(spread(k2, s2), rule))
