"""The authorisation matrix's world: two sides, A and B, with every kind of object a route
names, built once per module through the services, and a snapshot to put it back after a
request that changed it.

Side A is the signed-in user's: the coordinator's and contributor's organisation (and region),
the assessment the reviewer is assigned to. Side B is someone else's. The inspector and the
administrator belong to neither, and see submitted work on both sides by design (DESIGN §2).
"""

import hashlib
import io
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select

from tests.conftest import FRAMEWORK_FIXTURES, TEST_PASSWORD, empty_every_table
from tracker import clock
from tracker.assessments import operations as assessment_ops
from tracker.assessments import queries as assessment_queries
from tracker.auth import tokens
from tracker.evidence import operations as evidence_ops
from tracker.extensions import db
from tracker.frameworks.operations import import_framework
from tracker.models import (
    Action,
    Cycle,
    Notification,
    Organisation,
    OutboxMessage,
    PublishedStatement,
    User,
)
from tracker.models.base import utcnow
from tracker.review import assignments as review_assignments
from tracker.review import challenges as review_challenges
from tracker.statements import operations as statements
from tracker.statements.drafting import SECTION_KEYS

ROLES_SIGNED_IN = ("coordinator", "contributor", "reviewer", "inspector", "admin")
TODAY = clock.today()
# Columns that change on every use and say nothing about a change of the world.
VOLATILE_COLUMNS = {("api_token", "last_used_at"), ("api_token", "updated_at")}


@dataclass
class Side:
    """One organisation's objects, by id (never ORM objects: the world outlives sessions)."""

    rsb: int = 0
    partner: int = 0  # a local authority in the RSB's region
    draft: int = 0  # this cycle's assessment, in draft
    review: int = 0  # last cycle's, submitted and in review
    draft_responses: dict = field(default_factory=dict)  # item key -> response id
    review_responses: dict = field(default_factory=dict)
    draft_action: int = 0
    review_action: int = 0
    draft_link: int = 0  # an evidence link on the draft's A1
    review_link: int = 0
    file: int = 0  # evidence: a stored file, linked to both assessments' A1
    url: int = 0  # evidence: a web link, linked to the draft only
    challenge: int = 0  # on the review's A1
    statement: int = 0  # about the RSB, with a published version 1
    draft_statement: int = 0  # about the RSB, never published
    notification: int = 0  # one of the side's coordinator's
    token: int = 0  # the side's coordinator's API token


@dataclass
class AuthzWorld:
    framework: int
    current_cycle: int
    previous_cycle: int
    sides: dict  # "own" / "other" -> Side
    users: dict  # role -> user id, the signed-in user of each role (side A)
    emails: dict  # role -> email
    bearer: dict  # role -> raw API token
    other_users: dict  # the other side's people, by role
    notifications: dict  # role -> a notification of that user's own
    token_ids: dict  # role -> the id of that user's API token
    snapshot: dict = field(default_factory=dict)
    fingerprint: str = ""
    failed_email: int = 0  # an e-mail in the outbox that the mail server refused for good

    @property
    def own(self) -> Side:
        return self.sides["own"]

    @property
    def other(self) -> Side:
        return self.sides["other"]


def _org(code: str, kind: str, region: Organisation | None = None) -> Organisation:
    org = Organisation(code=code, name=f"Organisation {code}", kind=kind, region=region)
    db.session.add(org)
    db.session.flush()
    return org


def _user(role: str, org: Organisation, email: str) -> User:
    user = User(email=email, name=f"{role.title()} {email}", role=role, organisation=org)
    user.set_password(TEST_PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


def _cycles() -> tuple[Cycle, Cycle]:
    previous = Cycle(
        label="Previous",
        opens_on=TODAY - timedelta(days=400),
        due_on=TODAY - timedelta(days=100),
        closes_on=TODAY - timedelta(days=40),
    )
    current = Cycle(
        label="Current",
        opens_on=TODAY - timedelta(days=30),
        due_on=TODAY + timedelta(days=200),
        closes_on=TODAY + timedelta(days=300),
    )
    db.session.add_all([previous, current])
    db.session.flush()
    return current, previous


def _fill(coordinator: User, assessment, label: str) -> None:
    for response in assessment.responses:
        assessment_ops.save_response(
            coordinator,
            response,
            response.version,
            f"{label}: what we did on {response.item.key}.",
            "We will measure it.",
            score=1,
        )


def _action(response, description: str) -> int:
    action = Action(response=response, description=description, owner="Someone", status="open")
    db.session.add(action)
    db.session.commit()
    return action.id


def _published_statement(inspector: User, org: Organisation, framework, cycle) -> int:
    """A statement with a version 1 stored as if published; its PDF is a stand-in, since
    what the matrix checks is who may fetch it, not what it says."""
    statement = statements.create(inspector, "organisation", org, framework, cycle, "en")
    db.session.flush()
    pdf = b"%PDF-1.4\n% stand-in for the matrix " + org.code.encode() + b"\n%%EOF\n"
    stored = evidence_ops.store().put(io.BytesIO(pdf), 1024 * 1024, lambda _path: None)
    html = f"<html><body>Statement about {org.code}</body></html>"
    statement.status = "published"
    db.session.add(
        PublishedStatement(
            statement=statement,
            version=1,
            language="en",
            html=html,
            html_sha256=hashlib.sha256(html.encode()).hexdigest(),
            pdf_sha256=stored.sha256,
            pdf_size=stored.size,
            published_at=utcnow(),
            published_by_id=inspector.id,
        )
    )
    db.session.commit()
    # Then edited again: the inspectors' working paper, not yet published.
    statements.edit_section(
        inspector,
        statement,
        "en",
        SECTION_KEYS[0],
        f"Unpublished edit about side {org.code}.",
        statement.version,
    )
    db.session.commit()
    return statement.id


def _side(letter, people, framework, current, previous, reviewer, admin, inspector) -> Side:
    side = Side()
    rsb = _org(f"RSB-{letter}", "rsb")
    partner = _org(f"LA-{letter}", "local_authority", region=rsb)
    coordinator = _user("coordinator", rsb, f"coordinator@{letter.lower()}.test")
    contributor = _user("contributor", partner, f"contributor@{letter.lower()}.test")
    people.update(coordinator=coordinator, contributor=contributor)
    db.session.commit()
    side.rsb, side.partner = rsb.id, partner.id

    # Last cycle's assessment: evidenced and filled in while a draft, then submitted, assigned
    # a reviewer and challenged.
    review_a = assessment_ops.start_assessment(coordinator, rsb, framework, previous, False)
    db.session.commit()
    _fill(coordinator, review_a, f"Side {letter} reviewed")
    a1 = assessment_queries.find_row(review_a, "A1").response
    details = evidence_ops.Details(f"Audit report {letter}", "audit", partner.id, None, None)
    stored = evidence_ops.add_file(
        coordinator,
        rsb,
        details,
        io.BytesIO(f"Audit findings of side {letter}.\n".encode()),
        "audit.txt",
        1024 * 1024,
        a1,
    )
    side.file = stored.id
    side.review_action = _action(a1, f"Action of side {letter}, under review")
    assessment_ops.submit(coordinator, review_a)
    review_assignments.assign(admin, review_a, reviewer, TODAY + timedelta(days=30), TODAY)
    challenge = review_challenges.raise_challenge(
        reviewer, a1, "What shows practice changed?", 0, TODAY + timedelta(days=14), [], TODAY
    )
    side.review, side.challenge = review_a.id, challenge.id
    side.review_responses = {r.item.key: r.id for r in review_a.responses}

    # This cycle's draft: the same file linked again, and a web link.
    draft = assessment_ops.start_assessment(coordinator, rsb, framework, current, False)
    db.session.commit()
    _fill(coordinator, draft, f"Side {letter} draft")
    d1 = assessment_queries.find_row(draft, "A1").response
    evidence_ops.link(coordinator, stored, d1, "Shows the audit")
    link = evidence_ops.add_url(
        contributor,
        rsb,
        evidence_ops.Details(f"Survey {letter}", "voice", rsb.id, None, None),
        "https://example.org/survey",
        d1,
    )
    side.url = link.id
    side.draft = draft.id
    side.draft_responses = {r.item.key: r.id for r in draft.responses}
    side.draft_action = _action(d1, f"Action of side {letter}, in draft")
    side.draft_link = next(lk.id for lk in stored.links if lk.response_id == d1.id)
    side.review_link = next(lk.id for lk in stored.links if lk.response_id == a1.id)

    side.statement = _published_statement(inspector, rsb, framework, previous)
    draft_statement = statements.create(inspector, "region", rsb, framework, current, "en")
    db.session.commit()
    side.draft_statement = draft_statement.id

    note = Notification(user_id=coordinator.id, text=f"For side {letter}'s coordinator")
    db.session.add(note)
    db.session.commit()
    side.notification = note.id
    side.token = tokens.issue(coordinator, f"Token of side {letter}")[0].id
    return side


def build_world() -> AuthzWorld:
    """Two sides' organisations, people and objects, through the services."""
    framework = import_framework(FRAMEWORK_FIXTURES / "valid.yaml")
    current, previous = _cycles()
    rsb_c = _org("RSB-C", "rsb")  # the peer reviewers' board: neither side
    inspector = _user("inspector", _org("CIW", "inspectorate"), "inspector@ciw.test")
    admin = _user("admin", _org("NAT", "national"), "admin@wales.test")
    reviewer = _user("reviewer", rsb_c, "reviewer@c.test")
    other_reviewer = _user("reviewer", rsb_c, "reviewer-b@c.test")
    db.session.commit()
    own_people, other_people = {}, {}
    own = _side("A", own_people, framework, current, previous, reviewer, admin, inspector)
    other = _side("B", other_people, framework, current, previous, other_reviewer, admin, inspector)
    signed_in = {**own_people, "reviewer": reviewer, "inspector": inspector, "admin": admin}
    notifications = {
        role: Notification(user_id=user.id, text=f"For {user.email}")
        for role, user in signed_in.items()
    }
    db.session.add_all(notifications.values())
    db.session.commit()
    issued = {role: tokens.issue(user, "matrix") for role, user in signed_in.items()}
    failed = OutboxMessage(
        recipient="gone@a.test", subject="Gone", body="Body", status="failed", attempts=1
    )
    failed.failed_at = utcnow()
    db.session.add(failed)
    db.session.commit()
    return AuthzWorld(
        failed_email=failed.id,
        framework=framework.id,
        current_cycle=current.id,
        previous_cycle=previous.id,
        sides={"own": own, "other": other},
        users={role: user.id for role, user in signed_in.items()},
        emails={role: user.email for role, user in signed_in.items()},
        bearer={role: raw for role, (_token, raw) in issued.items()},
        notifications={role: note.id for role, note in notifications.items()},
        token_ids={role: token.id for role, (token, _raw) in issued.items()},
        other_users={role: user.id for role, user in other_people.items()}
        | {"reviewer": other_reviewer.id},
    )


# --- snapshot and restore ------------------------------------------------------------------------


def _rows(conn, table) -> list[dict]:
    order = [c for c in table.primary_key.columns]
    return [dict(r._mapping) for r in conn.execute(select(table).order_by(*order))]


def take_snapshot() -> dict:
    """Every row of every table, as plain values."""
    with db.engine.connect() as conn:
        return {t.name: _rows(conn, t) for t in db.metadata.sorted_tables}


def _kept_columns(table) -> str:
    return ", ".join(c.name for c in table.columns if (table.name, c.name) not in VOLATILE_COLUMNS)


def fingerprint() -> str:
    """A digest of every row of every table, leaving out columns that change on every use.
    It runs after every change the matrix tries, so it reads through the driver, without the
    ORM's type processing, and on PostgreSQL in one round trip."""
    tables = db.metadata.sorted_tables
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            digests = ", ".join(
                f"(SELECT md5(coalesce(string_agg(CAST(ROW({_kept_columns(t)}) AS text), '|' "
                f"ORDER BY {', '.join(c.name for c in t.primary_key.columns)}), '')) "
                f"FROM {t.name})"
                for t in tables
            )
            return conn.exec_driver_sql(f"SELECT concat_ws(',', {digests})").scalar_one()
        digest = hashlib.sha256()
        for table in tables:
            order = ", ".join(c.name for c in table.primary_key.columns)
            rows = conn.exec_driver_sql(
                f"SELECT {_kept_columns(table)} FROM {table.name} ORDER BY {order}"
            )
            digest.update(repr((table.name, rows.fetchall())).encode())
        return digest.hexdigest()


def restore(snapshot: dict) -> None:
    """Put every table back as the snapshot has it (ids and all)."""
    db.session.remove()
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        for table in reversed(tables):
            conn.execute(delete(table))
        for table in tables:
            if snapshot[table.name]:
                conn.execute(insert(table), snapshot[table.name])


@pytest.fixture(scope="module")
def authz_world(app, tmp_path_factory):
    """The matrix's world, built once for a module and emptied at its end."""
    evidence_dir = tmp_path_factory.mktemp("authz-evidence")
    app.config["TRACKER_EVIDENCE_DIR"] = str(evidence_dir)
    with app.test_request_context():  # services build links to pages
        world = build_world()
        world.snapshot = take_snapshot()
        restore(world.snapshot)  # as every restored world will be stored, to the byte
        world.fingerprint = fingerprint()
        world.evidence_dir = str(evidence_dir)
        db.session.remove()
        yield world
        empty_every_table()
