"""Load the reference data (organisations, frameworks) and the demo data from `seeds/`.

Everything here can run any number of times: rows are found by their natural keys
(organisation code, e-mail, cycle label, organisation × framework × cycle) and never duplicated.
"""

import io
from datetime import UTC, date, datetime, time
from pathlib import Path

import yaml
from flask import current_app
from sqlalchemy import select

from tracker import clock
from tracker.config import PROJECT_ROOT
from tracker.evidence import filetype
from tracker.evidence.storage import open_store
from tracker.extensions import db
from tracker.frameworks.operations import import_framework
from tracker.frameworks.queries import latest_frameworks
from tracker.models import (
    Action,
    Assessment,
    AuditEvent,
    Cycle,
    Evidence,
    EvidenceLink,
    Organisation,
    Response,
    ReviewAssignment,
    User,
)

SEEDS = PROJECT_ROOT / "seeds"


class SeedError(Exception):
    """Seed data that refers to something that does not exist, or breaks a rule."""


def _read(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def load_organisations(path: Path = SEEDS / "organisations.yaml") -> int:
    """Create or update organisations by code; return how many were created."""
    rows = _read(path)["organisations"]
    existing = {o.code: o for o in db.session.scalars(select(Organisation))}
    created = 0
    for row in rows:  # RSBs come first, so a region is always known before its members
        org = existing.get(row["code"])
        if org is None:
            org = Organisation(code=row["code"])
            db.session.add(org)
            existing[org.code] = org
            created += 1
        org.name, org.name_cy, org.kind = row["name"], row.get("name_cy"), row["kind"]
        region = row.get("region")
        if region and region not in existing:
            raise SeedError(f"{path.name}: {row['code']}: unknown region {region!r}")
        org.region = existing[region] if region else None
    db.session.commit()
    return created


def load_frameworks(folder: Path = SEEDS / "frameworks") -> int:
    """Import every framework file not yet imported; return how many were imported."""
    imported = [import_framework(p, skip_existing=True) for p in sorted(folder.glob("*.yaml"))]
    return sum(1 for f in imported if f is not None)


def seed_reference() -> tuple[int, int]:
    """Organisations and frameworks: what every installation needs."""
    return load_organisations(), load_frameworks()


def noon(day: date | None) -> datetime | None:
    """Midday UTC on `day`: when the demo says something happened that day."""
    return datetime.combine(day, time(12, 0), tzinfo=UTC) if day else None


class Demo:
    """The demo data being loaded, with what it has found or made so far by name."""

    def __init__(self, data: dict):
        self.data = data
        self.orgs = {o.code: o for o in db.session.scalars(select(Organisation))}
        self.frameworks = {f.key: f for f in latest_frameworks()}
        self.users: dict[str, User] = {}
        self.cycles: dict[str, Cycle] = {}

    def org(self, code: str) -> Organisation:
        if code not in self.orgs:
            raise SeedError(f"demo.yaml: unknown organisation {code!r}")
        return self.orgs[code]

    def user(self, email: str | None) -> User | None:
        if email is None:
            return None
        if email not in self.users:
            raise SeedError(f"demo.yaml: unknown user {email!r}")
        return self.users[email]

    def load_users(self) -> None:
        for row in self.data["users"]:
            email = User.normalise_email(row["email"])
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(
                    email=email,
                    name=row["name"],
                    organisation=self.org(row["organisation"]),
                    role=row["role"],
                    locale=row.get("locale", "en"),
                )
                user.set_password(self.data["password"])
                db.session.add(user)
            self.users[email] = user

    def load_cycles(self) -> None:
        for row in self.data["cycles"]:
            cycle = db.session.scalar(select(Cycle).where(Cycle.label == row["label"]))
            if cycle is None:
                cycle = Cycle(
                    label=row["label"],
                    opens_on=row["opens"],
                    due_on=row["due"],
                    closes_on=row["closes"],
                )
                db.session.add(cycle)
            self.cycles[row["label"]] = cycle

    def load_assessment(self, row: dict) -> None:
        framework = self.frameworks.get(row["framework"])
        if framework is None:
            raise SeedError(f"demo.yaml: unknown framework {row['framework']!r}")
        org, cycle = self.org(row["organisation"]), self.cycles[row["cycle"]]
        db.session.flush()
        exists = db.session.scalar(
            select(Assessment.id).where(
                Assessment.organisation_id == org.id,
                Assessment.framework_key == framework.key,
                Assessment.cycle_id == cycle.id,
            )
        )
        if exists:
            return
        submitted = (
            noon(cycle.opens_on.replace(month=10, day=15)) if row.get("submitted_by") else None
        )
        assessment = Assessment(
            organisation=org,
            framework=framework,
            cycle=cycle,
            status=row["status"],
            submitted_by=self.user(row.get("submitted_by")),
            submitted_at=submitted,
            concluded_by=self.user(row.get("concluded_by")),
            concluded_at=noon(cycle.closes_on) if row.get("concluded_by") else None,
            returned_by=self.user(row.get("returned_by")),
            returned_at=submitted if row.get("returned_by") else None,
            returned_reason=row.get("returned_reason"),
        )
        db.session.add(assessment)
        for email in row.get("reviewers", []):
            assessment.assignments.append(
                ReviewAssignment(
                    reviewer=self.user(email),
                    assigned_by=self.user("admin@tracker.example"),
                    due_on=cycle.due_on,
                )
            )
        self._responses(assessment, framework, row)
        AuditEvent.record(None, "assessment.seeded", assessment, after={"status": row["status"]})

    def _responses(self, assessment: Assessment, framework, row: dict) -> None:
        answers, actions = row.get("responses") or {}, row.get("actions") or {}
        reviewer = self.user((row.get("reviewers") or [None])[0])
        for item in framework.items:
            answer = answers.get(item.key) or {}
            for key in ("score", "validated"):
                value = answer.get(key)
                if value is not None and framework.level(value) is None:
                    raise SeedError(f"demo.yaml: {item.key}: {value} is not on the scale")
            response = Response(
                item_id=item.id,
                framework_id=framework.id,
                self_score=answer.get("score"),
                narrative=answer.get("narrative"),
                impact_measure=answer.get("impact"),
            )
            if answer.get("validated") is not None:
                response.validate(
                    answer["validated"],
                    reviewer.id if reviewer else None,
                    assessment.concluded_at or assessment.submitted_at,
                )
            for a in actions.get(item.key, []):
                response.actions.append(
                    Action(
                        description=a["description"],
                        owner=a["owner"],
                        due_on=a.get("due"),
                        status=a.get("status", "open"),
                        completed_on=a.get("completed"),
                    )
                )
            assessment.responses.append(response)
        unknown = set(answers) - {i.key for i in framework.items}
        if unknown:
            raise SeedError(f"demo.yaml: items not in {framework.key}: {sorted(unknown)}")


def _load_evidence(demo: Demo, row: dict) -> None:
    """One item of demo evidence, stored and linked; skipped if its title is in the library."""
    library = demo.org(row["library"])
    if db.session.scalar(
        select(Evidence.id).where(
            Evidence.organisation_id == library.id, Evidence.title == row["title"]
        )
    ):
        return
    uploader = db.session.scalar(
        select(User).where(User.organisation_id == library.id).order_by(User.id).limit(1)
    ) or demo.user("admin@tracker.example")
    stored = {}
    if "file" in row:
        name, text = row["file"]["name"], row["file"]["text"]
        found = {}
        kept = open_store(current_app.config).put(
            io.BytesIO(text.encode()),
            len(text.encode()) + 1,
            lambda p: found.setdefault("type", filetype.detect(p, name)),
        )
        stored = {
            "sha256": kept.sha256,
            "size_bytes": kept.size,
            "filename": name,
            "content_type": found["type"].mime,
        }
    else:
        stored = {"url": row["url"]}
    evidence = Evidence(
        organisation_id=library.id,
        title=row["title"],
        kind=row["kind"],
        source_organisation_id=demo.org(row["source"]).id,
        evidence_date=row.get("date"),
        uploaded_by_id=uploader.id,
        **stored,
    )
    if row.get("withdrawn"):
        evidence.withdrawn_at, evidence.withdrawn_by_id = noon(row["date"]), uploader.id
        evidence.withdrawn_reason = row["withdrawn"]
    db.session.add(evidence)
    spec = row["links"]
    assessment = find_assessment(
        demo, {"organisation": row["library"], **spec}, f"evidence {row['title']!r}"
    )
    by_key = {r.item.key: r for r in assessment.responses}
    for key in spec["items"]:
        db.session.add(
            EvidenceLink(
                evidence=evidence,
                response=by_key[key],
                note=spec.get("note"),
                linked_by_id=uploader.id,
            )
        )


def find_assessment(demo: Demo, spec: dict, what: str) -> Assessment:
    """The demo assessment a row names by organisation, framework and cycle."""
    assessment = db.session.scalar(
        select(Assessment)
        .join(Assessment.cycle)
        .where(
            Assessment.organisation_id == demo.org(spec["organisation"]).id,
            Assessment.framework_key == spec["framework"],
            Cycle.label == spec["cycle"],
        )
    )
    if assessment is None:
        raise SeedError(f"demo.yaml: {what}: no such assessment")
    return assessment


def seed_demo(path: Path = SEEDS / "demo.yaml") -> None:
    """Reference data plus demo users, cycles, assessments and evidence; safe to run again."""
    from tracker import seeding_review  # it builds on this module's demo

    seed_reference()
    demo = Demo(_read(path))
    demo.load_users()
    demo.load_cycles()
    for row in demo.data["assessments"]:
        demo.load_assessment(row)
    db.session.flush()
    for row in demo.data.get("evidence", []):
        _load_evidence(demo, row)
    db.session.flush()
    _keep_evidence_as_submitted()
    # Notifications link to pages; links are built as for a request to the tracker itself.
    with current_app.test_request_context(base_url=current_app.config["TRACKER_BASE_URL"]):
        for row in demo.data.get("challenges", []):
            seeding_review.load_challenge(demo, row)
        db.session.commit()
        for row in demo.data.get("statements", []):
            _load_statement(demo, row)
    db.session.commit()


def _keep_evidence_as_submitted() -> None:
    """What submitting records, for the demo's submitted assessments (they are seeded in their
    status, not submitted), so a withdrawal afterwards shows beside it as it would."""
    from tracker.assessments import operations as assessment_ops

    for assessment in db.session.scalars(
        select(Assessment).where(Assessment.status.not_in(("draft", "returned")))
    ):
        if any(r.submitted_evidence is None for r in assessment.responses):
            assessment_ops.keep_evidence_as_submitted(assessment)


def _load_statement(demo: Demo, row: dict) -> None:
    """A statement, with the inspector's edits, published if the row says so; skipped if one
    for the same scope, framework and cycle exists."""
    from tracker.models import Statement
    from tracker.statements import operations as statements

    framework, cycle = demo.frameworks[row["framework"]], demo.cycles[row["cycle"]]
    organisation = demo.org(row["organisation"]) if row.get("organisation") else None
    exists = db.session.scalar(
        select(Statement.id).where(
            Statement.scope == row["scope"],
            Statement.framework_id == framework.id,
            Statement.cycle_id == cycle.id,
            Statement.organisation_id == (organisation.id if organisation else None),
        )
    )
    if exists:
        return
    author = demo.user(row["by"])
    statement = statements.create(
        author, row["scope"], organisation, framework, cycle, row.get("language", "both")
    )
    db.session.flush()
    for locale, texts in (row.get("sections") or {}).items():
        for key, text in texts.items():
            statements.edit_section(author, statement, locale, key, text, statement.version)
            db.session.flush()
    if row.get("publish"):
        for _step in statements.publish(author, statement, statement.version, clock.today()):
            pass  # publishing commits when its last step is done
