"""The rows of the synthetic dataset, cycle by cycle: organisations' people, assessments and
their responses with an audit trail, and improvement actions. Evidence is in evidence.py and
peer review in review.py; what the dataset is, and how to make one, is in __init__.py."""

import hashlib
import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from tracker import clock
from tracker.extensions import db
from tracker.frameworks.queries import latest_frameworks
from tracker.models import (
    Action,
    ApiToken,
    Assessment,
    AuditEvent,
    Cycle,
    Organisation,
    Response,
    ReviewAssignment,
    User,
)
from tracker.synthetic import (
    BENCH_USERS,
    CURRENT_STATUSES,
    FIRST,
    PASSWORD,
    _at,
    _Ids,
    _lower,
    api_token,
)
from tracker.synthetic.evidence import EvidenceRows
from tracker.synthetic.review import ReviewRows


class Generator(EvidenceRows, ReviewRows):
    """Gathers rows with explicit ids and writes them in bulk, a cycle at a time."""

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
            validation = Response.validation(None, None, None)
            if concluded and score is not None:
                validation = Response.validation(
                    _lower(framework, score, self.rng.choice((0, 0, 0, 1))),
                    assessment["concluded_by_id"],
                    assessment["concluded_at"],
                )
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
                **validation,
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
