"""How well a score is supported, computed from its evidence, never typed in (DESIGN §6).

Pure functions: they take plain values and know nothing of the database or the web.
"""

from collections.abc import Iterable
from dataclasses import dataclass

UNEVIDENCED = "unevidenced"
SINGLE_SOURCE = "single_source"
PARTIAL = "partial"
TRIANGULATED = "triangulated"
LEVELS = (UNEVIDENCED, SINGLE_SOURCE, PARTIAL, TRIANGULATED)  # weakest first


@dataclass(frozen=True)
class Rule:
    """A framework's triangulation rule."""

    min_kinds: int
    min_sources: int
    required_from: int


@dataclass(frozen=True)
class Piece:
    """One piece of linked evidence, as triangulation sees it."""

    kind: str
    source_id: int
    withdrawn: bool = False


def level(pieces: Iterable[Piece], rule: Rule) -> str:
    """The triangulation level of a response's linked evidence; withdrawn evidence counts for
    nothing."""
    current = [p for p in pieces if not p.withdrawn]
    return level_of_counts(
        len({p.kind for p in current}), len({p.source_id for p in current}), rule
    )


def summary(pieces: Iterable[Piece], rule: Rule) -> dict:
    """What a response's evidence amounts to: its level, and the kinds and source
    organisations (ids) of its evidence not withdrawn, sorted; plain values, to be stored."""
    current = [p for p in pieces if not p.withdrawn]
    return {
        "level": level(current, rule),
        "kinds": sorted({p.kind for p in current}),
        "sources": sorted({p.source_id for p in current}),
    }


def level_of_counts(kinds: int, sources: int, rule: Rule) -> str:
    """The level of evidence of `kinds` different kinds from `sources` different source
    organisations (not withdrawn), as `level` decides it; for counts made by the database."""
    if not kinds:
        return UNEVIDENCED
    if kinds >= rule.min_kinds and sources >= rule.min_sources:
        return TRIANGULATED
    if kinds >= 2 and sources >= 2:
        return PARTIAL
    return SINGLE_SOURCE


def rank(level_name: str) -> int:
    """Position of a level from weakest (0) to strongest."""
    return LEVELS.index(level_name)


def claim_beyond_evidence(score: int | None, level_name: str, rule: Rule) -> bool:
    """A score at or above the rule's threshold whose evidence is not triangulated."""
    return score is not None and score >= rule.required_from and level_name != TRIANGULATED
