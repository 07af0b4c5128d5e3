"""A synthetic national dataset for the benchmark (DESIGN §10), made from a seed.

At scale 1: 40 assessing organisations (the 16 real RSBs, health boards and NHS trusts, and 24
invented health boards spread over the six regions), 6 cycles, every framework that applies to
each organisation, five pieces of evidence linked to every response, about 400 challenges.

What grows with `scale`: there are only so many organisations in Wales, so a larger installation
is one with more history. Scale N keeps the 40 organisations and makes 6 × N cycles, and with them
N times the assessments, responses, evidence, links, challenges, actions, review assignments,
notifications and audit events. The current cycle always looks the same, whatever the scale.

Rows are written with explicit ids in bulk (Core inserts), so a run takes seconds, and the same
seed on an empty database gives the same rows with the same ids. Evidence files go into the
evidence store through the same storage as uploads; many evidence records share a content
address, as re-used documents do. Users and API tokens for the benchmark are made with a
published password and tokens derived from the seed: never for production (see cli.py).
"""

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import func, insert, select, text

from tracker import database, seeding
from tracker.extensions import db
from tracker.models import (
    Action,
    Assessment,
    AuditEvent,
    Challenge,
    ChallengeMessage,
    Cycle,
    Evidence,
    EvidenceLink,
    Notification,
    Organisation,
    Response,
    ReviewAssignment,
    User,
)
from tracker.models.evidence import EVIDENCE_KINDS

ORGANISATIONS, CYCLES, EVIDENCE_PER_RESPONSE, CHALLENGES_PER_ORGANISATION = 40, 6, 5, 10
PASSWORD = "bench-password-1"
CURRENT_YEAR = 2026  # the newest cycle is 2026–27, as in the demo data
# Who the benchmark signs in as: (e-mail, role, organisation code).
BENCH_USERS = (
    ("coordinator@bench.example", "coordinator", "RSB-CV"),
    ("lead@bench.example", "coordinator", "HB-CAV"),
    ("contributor@bench.example", "contributor", "LA-CARDIFF"),
    ("reviewer@bench.example", "reviewer", "RSB-NW"),
    ("inspector@bench.example", "inspector", "INSP-CIW"),
    ("admin@bench.example", "admin", "NAT-TEAM"),
)
# The first assessing organisations, so a small dataset still has every framework and the
# organisations of the benchmark's users.
FIRST = ("RSB-CV", "HB-CAV", "NHS-PHW", "RSB-NW")
CURRENT_STATUSES = ("draft", "submitted", "in_review", "in_review", "returned", "concluded")
FILES = 40  # distinct stored documents that the evidence records share


class DatasetError(Exception):
    """The database is not empty enough for a synthetic dataset."""


def api_token(seed: int, email: str) -> str:
    """The API token the dataset gives a benchmark user (derived from the seed)."""
    return "spt_bench_" + hashlib.sha256(f"{seed}:{email}".encode()).hexdigest()[:32]


def _lower(framework, score: int, steps: int) -> int:
    """The level `steps` below `score` on the framework's scale, or its lowest."""
    values = framework.scale_values
    return values[max(0, values.index(score) - steps)]


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    fingerprint: str = ""


class _Ids:
    """Explicit ids for bulk inserts: the next free id of each table."""

    def __init__(self):
        self.next: dict[str, int] = {}

    def take(self, model) -> int:
        table = model.__tablename__
        if table not in self.next:
            top = db.session.scalar(select(func.max(model.id)))
            self.next[table] = (top or 0) + 1
        self.next[table] += 1
        return self.next[table] - 1


def generate(seed: int = 1, scale: int = 1, organisations: int = ORGANISATIONS) -> Summary:
    """Write the synthetic dataset into an empty database; return its counts and fingerprint."""
    if db.session.scalar(select(func.count(Cycle.id))):
        raise DatasetError(
            "The database already has cycles: generate a dataset into an empty one "
            "(a fresh DATABASE_URL or instance directory, then init-db)."
        )
    from tracker.synthetic.generator import Generator  # it builds on this module's constants

    seeding.seed_reference()
    gen = Generator(seed, scale, organisations)
    gen.users()
    gen.files()
    gen.flush()
    cycles = CYCLES * scale
    total = CHALLENGES_PER_ORGANISATION * len(gen.assessing) * scale
    for n in range(cycles):
        share = total // cycles + (1 if n >= cycles - total % cycles else 0)
        gen.cycle(CURRENT_YEAR - cycles + 1 + n, n == cycles - 1, share)
        gen.flush()
    database.reset_sequences(db.session.connection(), db.metadata.sorted_tables)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # As after any bulk load: the planner's statistics, which autovacuum would gather in
        # its own time, are gathered now, so that the first queries are planned on them.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return summary()


FINGERPRINTED = {
    Assessment: ("id", "organisation_id", "framework_id", "cycle_id", "status"),
    Response: ("id", "assessment_id", "item_id", "self_score", "validated_score"),
    Evidence: ("id", "organisation_id", "kind", "source_organisation_id", "sha256", "withdrawn_at"),
    EvidenceLink: ("id", "evidence_id", "response_id"),
    Challenge: ("id", "response_id", "status", "outcome", "resolved_score"),
    Action: ("id", "response_id", "status", "due_on"),
    ReviewAssignment: ("id", "assessment_id", "reviewer_id"),
}


def summary() -> Summary:
    """Row counts of the main tables and a SHA-256 over their key columns, in id order."""
    digest = hashlib.sha256()
    counts = {}
    for model in (
        Organisation,
        User,
        Cycle,
        *FINGERPRINTED,
        ChallengeMessage,
        Notification,
        AuditEvent,
    ):
        counts[model.__tablename__] = db.session.scalar(select(func.count(model.id)))
    for model, columns in FINGERPRINTED.items():
        query = select(*(getattr(model, c) for c in columns)).order_by(model.id)
        for row in db.session.execute(query):
            digest.update(repr(tuple(row)).encode())
    return Summary(counts, digest.hexdigest())


# --- very large records (issue #16 point 7) ----------------------------------------------------

LARGE_LINKS, LARGE_LIBRARY = 10_000, 20_000


def large_records(
    response_id: int, links: int = LARGE_LINKS, library: int = LARGE_LIBRARY, seed: int = 1
) -> None:
    """Grow one response to `links` evidence links and its organisation's library to at least
    `library` pieces, of varied kinds and sources (a few withdrawn), by bulk inserts: the very
    large records DESIGN §10 keeps within the same limits."""
    rng = random.Random(seed)
    response = db.session.get(Response, response_id)
    org_id = response.assessment.organisation_id
    uploader = db.session.scalar(select(User.id).where(User.organisation_id == org_id).limit(1))
    sources = db.session.scalars(select(Organisation.id).order_by(Organisation.id)).all()
    have = db.session.scalar(
        select(func.count(Evidence.id)).where(Evidence.organisation_id == org_id)
    )
    ids = _Ids()
    day = datetime(CURRENT_YEAR, 5, 1, 12, tzinfo=UTC)
    pieces = []
    for n in range(max(library - have, links)):
        withdrawn = rng.random() < 0.02
        pieces.append(
            {
                "id": ids.take(Evidence),
                "organisation_id": org_id,
                "title": f"Large library piece {n:05d}",
                "kind": rng.choice(EVIDENCE_KINDS),
                "source_organisation_id": org_id if rng.random() < 0.5 else rng.choice(sources),
                "url": f"https://evidence.example/large/{org_id}/{n}",
                "uploaded_by_id": uploader,
                "withdrawn_at": day if withdrawn else None,
                "withdrawn_by_id": uploader if withdrawn else None,
                "withdrawn_reason": "Superseded." if withdrawn else None,
                "created_at": day,
                "updated_at": day,
            }
        )
    linked = [
        {
            "id": ids.take(EvidenceLink),
            "evidence_id": piece["id"],
            "response_id": response_id,
            "note": f"Shows part {n} of the answer." if n % 3 == 0 else None,
            "carried_over": n % 7 == 0,
            "linked_by_id": uploader,
            "created_at": day,
            "updated_at": day,
        }
        for n, piece in enumerate(rng.sample(pieces, links))
    ]
    for model, rows in ((Evidence, pieces), (EvidenceLink, linked)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model.__table__), rows[start : start + 5000])
    database.reset_sequences(db.session.connection(), db.metadata.sorted_tables)
    db.session.commit()
