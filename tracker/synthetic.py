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
import io
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, insert, select, text

from tracker import clock, seeding
from tracker.evidence import filetype
from tracker.evidence.storage import LocalStore
from tracker.extensions import db
from tracker.frameworks.queries import latest_frameworks
from tracker.models import (
    Action,
    ApiToken,
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


def _store(store: LocalStore, name: str, data: bytes) -> tuple[str, int, str, str]:
    """Put a file in the evidence store as an upload is put: type checked from its content."""
    found = {}
    kept = store.put(
        io.BytesIO(data),
        len(data) + 1,
        lambda p: found.setdefault("type", filetype.detect(p, name)),
    )
    return kept.sha256, kept.size, name, found["type"].mime


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


class _Generator:
    def __init__(self, seed: int, scale: int, organisations: int):
        self.rng = random.Random(seed)
        self.seed, self.scale = seed, scale
        self.ids = _Ids()
        self.rows: dict[type, list[dict]] = {}
        self.frameworks = latest_frameworks()
        self.orgs = {o.code: o for o in db.session.scalars(select(Organisation))}
        self.assessing = self._assessing(organisations)
        self.regions = sorted(
            (o for o in self.orgs.values() if o.kind == "rsb"), key=lambda o: o.code
        )
        self.all_org_ids = sorted(o.id for o in self.orgs.values())
        self.bench_review_id = None

    def add(self, model, **values) -> int:
        values.setdefault("id", self.ids.take(model))
        self.rows.setdefault(model, []).append(values)
        return values["id"]

    def flush(self) -> None:
        """Write what is gathered, parents before children (the models' dependency order)."""
        order = [t.name for t in db.metadata.sorted_tables]
        for model in sorted(self.rows, key=lambda m: order.index(m.__tablename__)):
            rows = self.rows[model]
            keys = set().union(*rows)  # one statement for all: every row names every column
            rows = [dict.fromkeys(keys) | row for row in rows]
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(model.__table__), rows[start : start + 5000])
        self.rows.clear()

    def _assessing(self, wanted: int) -> list[Organisation]:
        real = [o for o in self.orgs.values() if o.kind in ("rsb", "health_board", "nhs_trust")]
        real.sort(
            key=lambda o: (
                o.code not in FIRST,
                FIRST.index(o.code) if o.code in FIRST else 0,
                o.code,
            )
        )
        rsbs = sorted(o.code for o in real if o.kind == "rsb")
        for n in range(1, wanted - len(real) + 1):
            code = f"SYN-HB-{n:02d}"
            org = Organisation(
                code=code,
                name=f"Synthetic Health Board {n:02d}",
                name_cy=f"Bwrdd Iechyd Synthetig {n:02d}",
                kind="health_board",
                region=self.orgs[rsbs[n % len(rsbs)]],
            )
            db.session.add(org)
            self.orgs[code] = org
            real.append(org)
        db.session.flush()
        return real[:wanted]

    # --- people --------------------------------------------------------------------------

    def users(self) -> None:
        probe = User(email="x", name="x", role="admin")
        probe.set_password(PASSWORD)  # one slow hash, shared by every benchmark account
        self.by_email: dict[str, int] = {}
        people = list(BENCH_USERS)
        people += [
            (f"coordinator.{o.code.lower()}@bench.example", "coordinator", o.code)
            for o in self.assessing
        ]
        people += [
            (f"reviewer.{o.code.lower()}@bench.example", "reviewer", o.code) for o in self.regions
        ]
        for email, role, code in people:
            self.by_email[email] = self.add(
                User,
                email=email,
                name=email.split("@")[0].replace(".", " ").title(),
                password_hash=probe.password_hash,
                organisation_id=self.orgs[code].id,
                role=role,
                active=True,
                failed_logins=0,
                locale="en",
            )
        for email, _role, _code in BENCH_USERS:
            self.add(
                ApiToken,
                user_id=self.by_email[email],
                name="benchmark",
                token_hash=hashlib.sha256(api_token(self.seed, email).encode()).hexdigest(),
                expires_at=clock.now() + timedelta(days=365),
            )
        self.coordinator = {
            o.id: self.by_email[f"coordinator.{o.code.lower()}@bench.example"]
            for o in self.assessing
        }
        self.reviewers = {
            o.id: self.by_email[f"reviewer.{o.code.lower()}@bench.example"] for o in self.regions
        }
        self.inspector = self.by_email["inspector@bench.example"]
        self.bench_reviewer = self.by_email["reviewer@bench.example"]

    # --- evidence files --------------------------------------------------------------------

    def files(self) -> None:
        store = LocalStore(current_app.config["TRACKER_EVIDENCE_DIR"])
        self.stored = []
        for n in range(FILES):
            csv = n % 2 == 1
            name = f"synthetic-{n:02d}." + ("csv" if csv else "txt")
            if csv:
                body = "quarter,referrals,within_24h\n" + "".join(
                    f"Q{q},{self.rng.randint(50, 400)},{self.rng.randint(60, 99)}%\n"
                    for q in range(1, 5)
                )
            else:
                body = f"Synthetic evidence document {n}.\n" + "Minutes of the board. " * 20
            self.stored.append(_store(store, name, body.encode()))

    # --- one cycle -------------------------------------------------------------------------

    def cycle(self, year: int, current: bool, challenges: int) -> None:
        # Each cycle draws from its own generator, so a cycle is the same whatever the scale:
        # the current cycle's pages show the same data at scale 1 and 10, and can be compared.
        self.rng = random.Random(f"{self.seed}:{year}")
        opens = date(year, 4, 1)
        cycle_id = self.add(
            Cycle,
            label=f"{year}–{(year + 1) % 100:02d}",
            opens_on=opens,
            due_on=date(year + 1, 1, 31),
            closes_on=date(year + 1, 3, 31),
            created_at=_at(opens),
            updated_at=_at(opens),
        )
        responses = []  # (response row, assessment row, framework)
        for org in self.assessing:
            for framework in self.frameworks:
                if framework.applies_to_kind(org.kind):
                    responses += self._assessment(org, framework, cycle_id, opens, current)
        self._evidence(responses, opens)
        self._challenges(responses, challenges, opens)
        for response, assessment, _framework in responses:
            self._actions(response, assessment, opens, current)

    def _status(self, org: Organisation, framework, current: bool) -> str:
        if not current:
            return "concluded"
        if org.code == "RSB-CV" and framework.key == "cprr-2023":
            return "draft"  # the benchmark coordinator's task list is editable
        if org.code == "HB-CAV" and framework.key == "cprr-2023":
            return "in_review"  # and the benchmark reviewer has one to review
        return self.rng.choice(CURRENT_STATUSES)

    def _reviewer(self, org: Organisation, framework, current: bool) -> int:
        """A peer reviewer from another region; often the benchmark's own reviewer."""
        north_wales = self.orgs["RSB-NW"].id
        if org.code == "HB-CAV" and framework.key == "cprr-2023":
            return self.bench_reviewer  # every year: the pages show last year's scores too
        own_region = org.id if org.kind == "rsb" else org.region_id
        if own_region != north_wales and self.rng.random() < 0.3:
            return self.bench_reviewer
        return self.reviewers[self.rng.choice([r for r in self.regions if r.id != own_region]).id]

    def _assessment(self, org, framework, cycle_id, opens, current) -> list:
        status = self._status(org, framework, current)
        submitted = _at(opens + timedelta(days=180)) if status != "draft" else None
        concluded = status == "concluded"
        reviewer = None
        if status in ("in_review", "concluded"):
            reviewer = self._reviewer(org, framework, current)
        assessment_id = self.add(
            Assessment,
            organisation_id=org.id,
            framework_id=framework.id,
            framework_key=framework.key,
            cycle_id=cycle_id,
            status=status,
            submitted_by_id=self.coordinator[org.id] if submitted else None,
            submitted_at=submitted,
            concluded_by_id=reviewer if concluded else None,
            concluded_at=_at(opens + timedelta(days=300)) if concluded else None,
            returned_by_id=self.inspector if status == "returned" else None,
            returned_at=submitted if status == "returned" else None,
            returned_reason="Please add evidence for the scores of 3 and above."
            if status == "returned"
            else None,
            created_at=_at(opens),
            updated_at=_at(opens),
        )
        assessment = self.rows[Assessment][-1]
        if current and org.code == "HB-CAV" and framework.key == "cprr-2023":
            self.bench_review_id = assessment_id
        if reviewer is not None:
            self.add(
                ReviewAssignment,
                assessment_id=assessment_id,
                reviewer_id=reviewer,
                assigned_by_id=self.by_email["admin@bench.example"],
                due_on=opens + timedelta(days=270),
                created_at=submitted,
                updated_at=submitted,
            )
        self.add(
            AuditEvent,
            at=_at(opens),
            user_id=None,
            action="assessment.generated",
            entity="assessment",
            entity_id=assessment["id"],
            before=None,
            after={"status": status},
            created_at=_at(opens),
            updated_at=_at(opens),
        )
        rows = []
        for item in framework.items:
            scored = status != "draft" or self.rng.random() < 0.6
            score = self.rng.choice(framework.scale_values) if scored else None
            validated = None
            if concluded and score is not None:
                validated = _lower(framework, score, self.rng.choice((0, 0, 0, 1)))
            response = dict(
                id=self.ids.take(Response),
                assessment_id=assessment["id"],
                item_id=item.id,
                framework_id=framework.id,
                self_score=score,
                narrative=f"Progress on {item.key} this cycle, with the evidence linked below."
                if score is not None
                else None,
                impact_measure="Quarterly audit of a sample of cases."
                if score is not None
                else None,
                validated_score=validated,
                validated_by_id=assessment["concluded_by_id"] if validated is not None else None,
                validated_at=assessment["concluded_at"] if validated is not None else None,
                version=1,
                created_at=_at(opens),
                updated_at=_at(opens),
            )
            rows.append((response, assessment, framework))
        self.rows.setdefault(Response, []).extend(r for r, _a, _f in rows)
        self._history(rows, opens)
        return rows

    def _history(self, rows, opens) -> None:
        """The audit trail of each scored response: scored, then revised once in a while."""
        for response, assessment, _framework in rows:
            if response["self_score"] is None:
                continue
            for step in range(1 + (self.rng.random() < 0.3)):
                when = _at(opens + timedelta(days=30 + 60 * step))
                self.add(
                    AuditEvent,
                    at=when,
                    user_id=self.coordinator[assessment["organisation_id"]],
                    action="response.updated",
                    entity="response",
                    entity_id=response["id"],
                    before=None,
                    after={"self_score": response["self_score"]},
                    created_at=when,
                    updated_at=when,
                )

    def _evidence(self, responses, opens) -> None:
        """A library per organisation and cycle, each piece linked to about two responses."""
        by_org: dict[int, list] = {}
        for row in responses:
            by_org.setdefault(row[1]["organisation_id"], []).append(row)
        for org_id, rows in by_org.items():
            size = math.ceil(len(rows) * EVIDENCE_PER_RESPONSE / 2)
            uploader = self.coordinator[org_id]
            library = []
            for n in range(size):
                on = opens + timedelta(days=self.rng.randint(0, 300))
                stored = {"url": f"https://evidence.example/{org_id}/{opens.year}/{n}"}
                if self.rng.random() < 0.6:
                    sha, size_bytes, name, mime = self.rng.choice(self.stored)
                    stored = dict(
                        sha256=sha, size_bytes=size_bytes, filename=name, content_type=mime
                    )
                withdrawn = self.rng.random() < 0.02
                source = org_id if self.rng.random() < 0.5 else self.rng.choice(self.all_org_ids)
                library.append(
                    self.add(
                        Evidence,
                        organisation_id=org_id,
                        title=f"Evidence {opens.year}-{n:03d}",
                        kind=self.rng.choice(EVIDENCE_KINDS),
                        source_organisation_id=source,
                        evidence_date=on,
                        description="Synthetic evidence.",
                        uploaded_by_id=uploader,
                        withdrawn_at=_at(on) if withdrawn else None,
                        withdrawn_by_id=uploader if withdrawn else None,
                        withdrawn_reason="Superseded." if withdrawn else None,
                        created_at=_at(on),
                        updated_at=_at(on),
                        **stored,
                    )
                )
            for response, _assessment, _framework in rows:
                for evidence_id in self.rng.sample(
                    library, min(EVIDENCE_PER_RESPONSE, len(library))
                ):
                    self.add(
                        EvidenceLink,
                        evidence_id=evidence_id,
                        response_id=response["id"],
                        note=None,
                        carried_over=False,
                        linked_by_id=uploader,
                        created_at=_at(opens),
                        updated_at=_at(opens),
                    )

    def _challenges(self, responses, count, opens) -> None:
        open_to = [
            r for r in responses if r[1]["status"] != "draft" and r[0]["self_score"] is not None
        ]
        # The benchmark reviewer's current review always has a finished and an answered thread,
        # so its pages show the same things at every scale.
        forced = [r for r in open_to if r[1]["id"] == self.bench_review_id][:2]
        rest = [r for r in open_to if r not in forced]
        chosen = forced + self.rng.sample(rest, max(0, min(count - len(forced), len(rest))))
        for n, (response, assessment, framework) in enumerate(chosen):
            if n < len(forced):
                status = ("resolved", "responded")[n]
            elif assessment["status"] == "concluded":
                status = "resolved"
            else:
                status = self.rng.choice(("open", "responded", "resolved"))
            outcome = (
                self.rng.choice(("accepted", "accepted", "moderated", "withdrawn"))
                if status == "resolved"
                else None
            )
            raised_by = self.inspector if self.rng.random() < 0.3 else self.bench_reviewer
            resolved_score = None
            lower = _lower(framework, response["self_score"], 1)
            if outcome == "moderated":
                resolved_score = lower
                response.update(
                    validated_score=resolved_score,
                    validated_by_id=raised_by,
                    validated_at=_at(opens + timedelta(days=250)),
                )
            elif outcome == "accepted":
                resolved_score = response["self_score"]
            raised = _at(opens + timedelta(days=200))
            challenge_id = self.add(
                Challenge,
                response_id=response["id"],
                raised_by_id=raised_by,
                question="What shows that this is embedded in practice?",
                proposed_score=lower,
                evidence_requested=["audit"],
                status=status,
                outcome=outcome,
                resolved_score=resolved_score,
                rationale="Moderated after the audit findings." if outcome == "moderated" else None,
                due_on=opens + timedelta(days=230),
                resolved_at=_at(opens + timedelta(days=250)) if outcome else None,
                resolved_by_id=raised_by if outcome else None,
                created_at=raised,
                updated_at=raised,
            )
            coordinator = self.coordinator[assessment["organisation_id"]]
            thread = [("raised", raised_by, "What shows that this is embedded in practice?")]
            if status != "open":
                thread.append(("answered", coordinator, "The audit report is now linked."))
            if status == "resolved":
                thread.append(("resolved", raised_by, "Thank you."))
            for step, (kind, author, body) in enumerate(thread):
                when = raised + timedelta(days=10 * step)
                self.add(
                    ChallengeMessage,
                    challenge_id=challenge_id,
                    author_id=author,
                    kind=kind,
                    body=body,
                    revised_score=None,
                    created_at=when,
                    updated_at=when,
                )
            self.add(
                Notification,
                user_id=coordinator,
                kind="challenge_raised",
                params={"org": "–", "item": "–", "due": (opens + timedelta(days=230)).isoformat()},
                text="A challenge was raised.",
                link=None,
                read_at=None if status == "open" else raised,
                created_at=raised,
                updated_at=raised,
            )

    def _actions(self, response, assessment, opens, current) -> None:
        if self.rng.random() >= 0.3:
            return
        status = self.rng.choice(("open", "in_progress", "done")) if current else "done"
        due = opens + timedelta(days=self.rng.randint(60, 420))
        self.add(
            Action,
            response_id=response["id"],
            description="Roll out the revised guidance to every partner agency.",
            owner="Business manager",
            due_on=due,
            status=status,
            completed_on=due if status == "done" else None,
            version=1,
            created_at=_at(opens),
            updated_at=_at(opens),
        )


def _reset_sequences() -> None:
    """On PostgreSQL, move each id sequence past the ids written explicitly."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )


def generate(seed: int = 1, scale: int = 1, organisations: int = ORGANISATIONS) -> Summary:
    """Write the synthetic dataset into an empty database; return its counts and fingerprint."""
    if db.session.scalar(select(func.count(Cycle.id))):
        raise DatasetError(
            "The database already has cycles: generate a dataset into an empty one "
            "(a fresh DATABASE_URL or instance directory, then init-db)."
        )
    seeding.seed_reference()
    gen = _Generator(seed, scale, organisations)
    gen.users()
    gen.files()
    gen.flush()
    cycles = CYCLES * scale
    total = CHALLENGES_PER_ORGANISATION * len(gen.assessing) * scale
    for n in range(cycles):
        share = total // cycles + (1 if n >= cycles - total % cycles else 0)
        gen.cycle(CURRENT_YEAR - cycles + 1 + n, n == cycles - 1, share)
        gen.flush()
    _reset_sequences()
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
    _reset_sequences()
    db.session.commit()
