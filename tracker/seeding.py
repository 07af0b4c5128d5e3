"""Load the reference data (organisations, frameworks) and the demo data from `seeds/`.

Everything here can run any number of times: rows are found by their natural keys
(organisation code, e-mail, cycle label, organisation × framework × cycle) and never duplicated.
"""

import io
from datetime import UTC, date, datetime, time
from pathlib import Path

import yaml
from flask import current_app, url_for
from sqlalchemy import select

from tracker import clock
from tracker.config import PROJECT_ROOT
from tracker.evidence import filetype
from tracker.evidence.storage import LocalStore
from tracker.extensions import db
from tracker.frameworks.service import import_framework, latest_frameworks
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
from tracker.notifications import service as notifications

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


def _at(day: date | None) -> datetime | None:
    return datetime.combine(day, time(12, 0), tzinfo=UTC) if day else None


class _Demo:
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
            _at(cycle.opens_on.replace(month=10, day=15)) if row.get("submitted_by") else None
        )
        assessment = Assessment(
            organisation=org,
            framework=framework,
            cycle=cycle,
            status=row["status"],
            submitted_by=self.user(row.get("submitted_by")),
            submitted_at=submitted,
            concluded_by=self.user(row.get("concluded_by")),
            concluded_at=_at(cycle.closes_on) if row.get("concluded_by") else None,
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
                validated_score=answer.get("validated"),
                validated_by=reviewer if answer.get("validated") is not None else None,
                validated_at=(assessment.concluded_at or assessment.submitted_at)
                if answer.get("validated") is not None
                else None,
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


def _load_evidence(demo: _Demo, row: dict) -> None:
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
        kept = LocalStore(current_app.config["TRACKER_EVIDENCE_DIR"]).put(
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
        evidence.withdrawn_at, evidence.withdrawn_by_id = _at(row["date"]), uploader.id
        evidence.withdrawn_reason = row["withdrawn"]
    db.session.add(evidence)
    spec = row["links"]
    assessment = _find_assessment(
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


def _find_assessment(demo: _Demo, spec: dict, what: str) -> Assessment:
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


def _load_challenge(demo: _Demo, row: dict) -> None:
    """One demo challenge with its thread, as the review workflow would have left it, and the
    notifications it would have sent; skipped if the question is already there."""
    assessment = _find_assessment(demo, row["assessment"], f"challenge on {row['item']}")
    response = next((r for r in assessment.responses if r.item.key == row["item"]), None)
    if response is None:
        raise SeedError(f"demo.yaml: challenge: no item {row['item']!r}")
    question = row["question"].strip()
    if db.session.scalar(
        select(Challenge.id).where(
            Challenge.response_id == response.id, Challenge.question == question
        )
    ):
        return
    raiser = demo.user(row["raised_by"])
    challenge = Challenge(
        response=response,
        raised_by=raiser,
        question=question,
        proposed_score=row.get("proposed_score"),
        evidence_requested=row.get("evidence_requested"),
        status="open",
        due_on=row["due"],
        created_at=_at(row["raised"]),
    )
    db.session.add(challenge)
    _thread(challenge, raiser, "raised", question, row["raised"])
    AuditEvent.record(None, "challenge.seeded", challenge, after={"item": row["item"]})
    coordinators = notifications.coordinators_of(assessment.organisation_id)
    db.session.flush()
    link = url_for("review.challenge", challenge_id=challenge.id)
    about = notifications.about(assessment, item=row["item"])
    _notice(
        coordinators,
        "challenge_raised",
        about | {"due": row["due"].isoformat(), "name": raiser.name},
        link,
        row["raised"],
    )
    if "answer" in row:
        step = row["answer"]
        author = demo.user(step["by"])
        chosen = [_library_item(assessment, title) for title in step.get("evidence", [])]
        message = _thread(challenge, author, "answered", step["body"].strip(), step["date"])
        for item in chosen:
            message.evidence.append(item)
            db.session.add(
                EvidenceLink(
                    evidence=item,
                    response=response,
                    linked_by_id=author.id,
                    note="Added in answer to a challenge",
                )
            )
        challenge.status = "responded"
        _notice([raiser], "challenge_answered", about, link, step["date"])
    if "resolution" in row:
        step = row["resolution"]
        resolver = demo.user(step["by"])
        outcome = step["outcome"]
        score = step.get("score") if outcome == "moderated" else response.self_score
        challenge.status, challenge.outcome = "resolved", outcome
        challenge.rationale = (step.get("rationale") or "").strip() or None
        challenge.resolved_by, challenge.resolved_at = resolver, _at(step["date"])
        if outcome != "withdrawn":
            challenge.resolved_score = score
            response.validated_score, response.validated_by = score, resolver
            response.validated_at = _at(step["date"])
        _thread(challenge, resolver, "resolved", challenge.rationale or "", step["date"])
        _notice(
            coordinators, "challenge_resolved", about | {"outcome": outcome}, link, step["date"]
        )


def _thread(challenge: Challenge, author: User, kind: str, body: str, on: date) -> ChallengeMessage:
    message = ChallengeMessage(
        challenge=challenge, author=author, kind=kind, body=body, created_at=_at(on)
    )
    db.session.add(message)
    return message


def _notice(users, kind: str, params: dict, link: str, on: date) -> None:
    for user in users:
        db.session.add(
            Notification(
                user=user,
                kind=kind,
                params=params,
                text=notifications.text_of(kind, params),
                link=link,
                created_at=_at(on),
            )
        )


def _library_item(assessment: Assessment, title: str) -> Evidence:
    found = db.session.scalar(
        select(Evidence).where(
            Evidence.organisation_id == assessment.organisation_id, Evidence.title == title
        )
    )
    if found is None:
        raise SeedError(f"demo.yaml: no evidence {title!r} in the library")
    return found


def seed_demo(path: Path = SEEDS / "demo.yaml") -> None:
    """Reference data plus demo users, cycles, assessments and evidence; safe to run again."""
    seed_reference()
    demo = _Demo(_read(path))
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
            _load_challenge(demo, row)
        db.session.commit()
        for row in demo.data.get("statements", []):
            _load_statement(demo, row)
    db.session.commit()


def _keep_evidence_as_submitted() -> None:
    """What submitting records, for the demo's submitted assessments (they are seeded in their
    status, not submitted), so a withdrawal afterwards shows beside it as it would."""
    from tracker.assessments import service as assessments

    for assessment in db.session.scalars(
        select(Assessment).where(Assessment.status.not_in(("draft", "returned")))
    ):
        if any(r.submitted_evidence is None for r in assessment.responses):
            assessments.keep_evidence_as_submitted(assessment)


def _load_statement(demo: _Demo, row: dict) -> None:
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
