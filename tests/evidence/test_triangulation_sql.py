"""The triangulation level counted by the database (evidence_queries.levels_by_response, for
pages that must not read thousands of links) is the level the pure rule gives, on varied data."""

import random

from tracker.evidence import queries as evidence_queries
from tracker.evidence import triangulation
from tracker.extensions import db
from tracker.models import Evidence, EvidenceLink
from tracker.models.base import utcnow
from tracker.models.evidence import EVIDENCE_KINDS

RULES = [triangulation.Rule(k, s, 3) for k in (1, 2, 3, 4) for s in (1, 2, 3)]


def test_the_level_counted_in_sql_is_the_level_of_the_pieces(region, make_assessment, make_org):
    rng = random.Random(16)
    sources = [region["rsb"].id, region["other"].id] + [make_org().id for _ in range(3)]
    responses = [r for _ in range(8) for r in make_assessment(organisation=region["rsb"]).responses]
    pieces: dict[int, list[triangulation.Piece]] = {}
    for response in responses:
        pieces[response.id] = []
        # Some with nothing, some with one piece, some with many; the same piece may be
        # linked to several responses.
        for _ in range(rng.choice([0, 1, 2, 3, 5, 8, 13])):
            withdrawn = rng.random() < 0.25
            piece = Evidence(
                organisation_id=region["rsb"].id,
                title="Piece",
                kind=rng.choice(EVIDENCE_KINDS[: rng.randint(1, len(EVIDENCE_KINDS))]),
                source_organisation_id=rng.choice(sources[: rng.randint(1, len(sources))]),
                url="https://example.org/piece",
                uploaded_by_id=region["coordinator"].id,
                withdrawn_at=utcnow() if withdrawn else None,
                withdrawn_reason="Superseded" if withdrawn else None,
            )
            db.session.add(EvidenceLink(evidence=piece, response=response))
            pieces[response.id].append(
                triangulation.Piece(piece.kind, piece.source_organisation_id, withdrawn)
            )
    db.session.commit()
    levels_seen = set()
    for rule in RULES:
        counted = evidence_queries.levels_by_response([r.id for r in responses], rule)
        expected = {rid: triangulation.level(p, rule) for rid, p in pieces.items()}
        assert counted == expected, rule
        levels_seen |= set(expected.values())
    assert levels_seen == set(triangulation.LEVELS)  # the data reached every level
