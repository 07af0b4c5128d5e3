"""Time statement publishing on a national-sized dataset (DESIGN §10: 40 organisations, five
pieces of evidence per response, about 400 challenges). Not a test: run it by hand,

    .venv/bin/python bench/statements.py

It builds the data in a temporary SQLite database (or DATABASE_URL), publishes a national
statement with all its charts and one organisation's, and prints the times against the targets
(10 s and 3 s). `make bench` (the hardening issue) will take this over.
"""

import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ORGANISATIONS, EVIDENCE_PER_RESPONSE, CHALLENGES = 40, 5, 400
KINDS = ("document", "data", "audit", "voice", "practitioner", "external")


def build(seed: int = 2026):
    from flask_migrate import upgrade

    from tracker.extensions import db
    from tracker.models import (
        Assessment,
        Challenge,
        Cycle,
        Evidence,
        EvidenceLink,
        Organisation,
        Response,
        User,
    )
    from tracker.models.base import utcnow
    from tracker.seeding import seed_reference

    upgrade()
    seed_reference()
    rng = random.Random(seed)
    from tracker.frameworks.service import latest_frameworks

    framework = next(f for f in latest_frameworks() if f.key == "cprr-2023")
    cycle = Cycle(
        label="Bench",
        opens_on=date(2026, 4, 1),
        due_on=date(2027, 1, 31),
        closes_on=date(2027, 3, 31),
    )
    inspectorate = Organisation(code="BENCH-INSP", name="Bench Inspectorate", kind="inspectorate")
    inspector = User(
        email="bench@inspector.test",
        name="Bench Inspector",
        role="inspector",
        organisation=inspectorate,
    )
    inspector.set_password("bench-password-1")
    db.session.add_all([cycle, inspectorate, inspector])
    rsbs = [
        Organisation(code=f"BENCH-RSB-{n}", name=f"Bench Region {n} Board", kind="rsb")
        for n in range(6)
    ]
    db.session.add_all(rsbs)
    db.session.flush()
    orgs = rsbs + [
        Organisation(
            code=f"BENCH-HB-{n}",
            name=f"Bench Health Board {n}",
            kind="health_board",
            region_id=rsbs[n % 6].id,
        )
        for n in range(ORGANISATIONS - 6)
    ]
    db.session.add_all(orgs[6:])
    db.session.flush()
    responses = []
    for org in orgs:
        assessment = Assessment(
            organisation=org,
            framework=framework,
            cycle=cycle,
            status="submitted",
            submitted_at=utcnow(),
        )
        for item in framework.items:
            response = Response(
                item_id=item.id,
                framework_id=framework.id,
                self_score=rng.randint(0, 4),
                narrative="Bench.",
            )
            assessment.responses.append(response)
            responses.append((org, response))
        db.session.add(assessment)
    db.session.flush()
    for org, response in responses:
        for n in range(EVIDENCE_PER_RESPONSE):
            evidence = Evidence(
                organisation_id=org.id,
                title=f"Evidence {n}",
                kind=rng.choice(KINDS),
                source_organisation_id=rng.choice(orgs).id,
                url="https://example.org/e",
                uploaded_by_id=inspector.id,
            )
            db.session.add(evidence)
            db.session.flush()
            db.session.add(
                EvidenceLink(
                    evidence_id=evidence.id, response_id=response.id, linked_by_id=inspector.id
                )
            )
    for n, (_org, response) in enumerate(rng.sample(responses, CHALLENGES)):
        done = n % 2 == 0  # half resolved (accepted), half still open
        db.session.add(
            Challenge(
                response_id=response.id,
                raised_by_id=inspector.id,
                question="Bench?",
                status="resolved" if done else "open",
                outcome="accepted" if done else None,
                resolved_at=utcnow() if done else None,
                resolved_by_id=inspector.id if done else None,
            )
        )
    db.session.commit()
    return inspector, framework, cycle, orgs[7]


def publish(user, scope, organisation, framework, cycle) -> float:
    from tracker.statements import service

    started = time.perf_counter()
    statement = service.create(user, scope, organisation, framework, cycle, "en")
    from tracker.extensions import db

    db.session.flush()
    for _step in service.publish(user, statement, statement.version, date.today()):
        pass
    return time.perf_counter() - started


def main():
    folder = tempfile.mkdtemp(prefix="tracker-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.db")
    os.environ["TRACKER_EVIDENCE_DIR"] = f"{folder}/evidence"
    from tracker import create_app

    app = create_app()
    with app.app_context(), app.test_request_context():
        started = time.perf_counter()
        user, framework, cycle, org = build()
        print(f"dataset built in {time.perf_counter() - started:.1f} s")
        from tracker.statements import charts

        for label, scope, target, who in (
            ("national statement PDF", "national", 10.0, None),
            ("organisation statement PDF", "organisation", 3.0, org),
        ):
            charts.clear_cache()  # time the charts too, as for data never drawn before
            seconds = publish(user, scope, who, framework, cycle)
            verdict = "met" if seconds < target else "MISSED"
            print(f"{label}: {seconds:.2f} s (target < {target:.0f} s) {verdict}")


if __name__ == "__main__":
    main()
