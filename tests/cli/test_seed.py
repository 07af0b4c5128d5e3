"""Seeding: organisations, frameworks and demo data load once, however often the command runs."""

from sqlalchemy import func, select

from tests.conftest import csrf_token, page_text
from tracker.extensions import db
from tracker.models import (
    Action,
    Assessment,
    Cycle,
    Evidence,
    EvidenceLink,
    Framework,
    Item,
    Organisation,
    Response,
    ReviewAssignment,
    User,
)
from tracker.models.assessments import ASSESSMENT_STATUSES

COUNTED = (
    Evidence,
    EvidenceLink,
    Organisation,
    User,
    Framework,
    Item,
    Cycle,
    Assessment,
    Response,
    Action,
    ReviewAssignment,
)
DEMO_ACCOUNTS = {
    "coordinator@cardiff-vale.example": ("coordinator", "RSB-CV"),
    "coordinator@gwent.example": ("coordinator", "RSB-GW"),
    "lead@cvuhb.example": ("coordinator", "HB-CAV"),
    "reviewer@north-wales.example": ("reviewer", "RSB-NW"),
    "inspector@ciw.example": ("inspector", "INSP-CIW"),
    "admin@tracker.example": ("admin", "NAT-TEAM"),
}


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count(m.id))) for m in COUNTED}


def test_seed_demo_twice_duplicates_nothing(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    before = _counts()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == before
    assert before["Assessment"] >= 5 and before["Response"] > 50


def test_demo_data_has_the_design_accounts_and_statuses(demo):
    for email, (role, code) in DEMO_ACCOUNTS.items():
        user = db.session.scalar(select(User).where(User.email == email))
        assert (user.role, user.organisation.code) == (role, code)
        assert user.check_password(demo)
    statuses = set(db.session.scalars(select(Assessment.status)))
    assert statuses == set(ASSESSMENT_STATUSES)
    assert db.session.scalar(select(func.count(Cycle.id))) == 2


def test_organisations_cover_design_section_3(demo):
    orgs = {o.code: o for o in db.session.scalars(select(Organisation))}
    kinds = {}
    for org in orgs.values():
        kinds[org.kind] = kinds.get(org.kind, 0) + 1
        assert org.name and org.name_cy, f"{org.code} needs English and Welsh names"
    assert kinds["rsb"] == 6 and kinds["health_board"] == 7 and kinds["nhs_trust"] == 3
    assert kinds["local_authority"] == 22 and kinds["inspectorate"] == 4
    assert orgs["POL-SW"].region is None  # serves three regions
    assert orgs["HB-PTHB"].region.code == "RSB-MWW"
    assert orgs["LA-CARDIFF"].name_cy == "Cyngor Caerdydd"


def test_every_demo_account_signs_in_to_its_start_page(client, login, demo):
    headings = {
        "coordinator": "Your organisation's assessments",
        "reviewer": "Assessments assigned to you for peer review",
        "inspector": "Submitted assessments across Wales",
        "admin": "Submitted assessments",
    }
    for email, (role, _code) in DEMO_ACCOUNTS.items():
        assert login(email, demo).status_code == 302, email
        page = page_text(client.get("/"))
        assert headings[role] in page, email
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_reviewer_sees_only_assigned_submitted_work(client, login, demo):
    from tracker.access import visible_assessments

    reviewer = db.session.scalar(select(User).where(User.email == "reviewer@north-wales.example"))
    seen = {
        (a.organisation.code, a.cycle.label, a.status)
        for a in db.session.scalars(visible_assessments(reviewer))
    }
    assert seen == {
        ("HB-CAV", "2026–27", "in_review"),
        ("RSB-CV", "2025–26", "concluded"),
        ("RSB-CV", "2026–27", "in_review"),
    }
    login(reviewer.email, demo)
    page = page_text(client.get("/"))
    assert "Cardiff and Vale University Health Board" in page
    assert "Gwent" not in page  # submitted, but not assigned to this reviewer


def test_coordinator_does_not_see_another_boards_draft(client, login, demo):
    login("coordinator@gwent.example", demo)
    page = page_text(client.get("/"))
    assert "Cardiff and Vale Regional Safeguarding Board" not in page


def test_demo_evidence_covers_every_kind_and_shows_triangulation(demo):
    from tracker.assessments.queries import load_assessment, task_list
    from tracker.models.evidence import EVIDENCE_KINDS

    kinds = set(db.session.scalars(select(Evidence.kind)))
    assert kinds == set(EVIDENCE_KINDS)
    assert db.session.scalar(
        select(func.count(Evidence.id)).where(Evidence.withdrawn_at.is_not(None))
    )
    # Gwent's rapid-review assessment of the latest cycle (it has others: the order of rows
    # is not fixed, and on PostgreSQL an updated row moves).
    gwent = db.session.scalar(
        select(Assessment)
        .join(Organisation)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Organisation.code == "RSB-GW", Assessment.framework_key == "cprr-2023")
        .order_by(Cycle.opens_on.desc())
        .limit(1)
    )
    tasks = task_list(load_assessment(gwent.id))
    levels = {row.item.key: row.triangulation for row in tasks.rows}
    assert levels["R1"] == "triangulated" and levels["R14"] == "unevidenced"
    assert tasks.claims_beyond_evidence > 0
