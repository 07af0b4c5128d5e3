"""The access table (DESIGN §2): every role × action × status × own/other organisation."""

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from tracker.access import (
    PUBLIC_ACTIONS,
    RULES,
    can,
    get_assessment_or_404,
    visible_assessments,
)
from tracker.extensions import db
from tracker.models import ReviewAssignment
from tracker.models.assessments import ASSESSMENT_STATUSES
from tracker.models.base import utcnow

ASSESSMENT_ACTIONS = sorted(a for a in RULES if a.startswith("assessment."))

# What each role may do, by its relation to the assessment and the assessment's status.
# Anything not listed is refused. "own" means the user's organisation (for a contributor, their
# region's RSB); "assigned" a review assignment; "other" an organisation they have no tie to.
D, S, IR, RT, C = "draft", "submitted", "in_review", "returned", "concluded"
ALLOWED = {
    ("coordinator", "own"): {
        D: {"view", "edit", "draft", "submit", "follow_up"},
        RT: {"view", "edit", "draft", "submit", "follow_up"},
        S: {"view", "answer", "follow_up"},
        IR: {"view", "answer", "follow_up"},
        C: {"view", "follow_up"},
    },
    ("coordinator", "other"): {},
    ("contributor", "own"): {
        D: {"view", "draft", "follow_up"},
        RT: {"view", "draft", "follow_up"},
        S: {"view"},
        IR: {"view"},
        C: {"view"},
    },
    ("contributor", "other"): {},
    ("reviewer", "assigned"): {
        S: {"view", "return"},
        IR: {"view", "return", "challenge", "validate", "conclude"},
        C: {"view"},  # returned: a draft again, private until submitted again (#16 point 14)
    },
    ("reviewer", "own"): {},  # assigned to their own organisation: never
    ("reviewer", "other"): {},
    ("inspector", "other"): {
        S: {"view", "return", "assign", "challenge"},
        IR: {"view", "return", "assign", "challenge"},
        C: {"view"},
    },
    ("admin", "other"): {
        S: {"view", "return", "assign"},
        IR: {"view", "return", "assign"},
        C: {"view"},
    },
}


@pytest.fixture
def world(make_org, make_user):
    """Two regions, an inspectorate and the national team, with one user of each role."""
    rsb_a = make_org("rsb", code="RSB-A")
    la_a = make_org("local_authority", region=rsb_a, code="LA-A")
    rsb_b = make_org("rsb", code="RSB-B")
    rsb_c = make_org("rsb", code="RSB-C")
    users = {
        "coordinator": make_user("coordinator", rsb_a),
        "contributor": make_user("contributor", la_a),
        "reviewer": make_user("reviewer", rsb_b),
        "inspector": make_user("inspector", make_org("inspectorate", code="INSP")),
        "admin": make_user("admin", make_org("national", code="NAT")),
    }
    return {"users": users, "orgs": {"a": rsb_a, "b": rsb_b, "c": rsb_c}}


def _assessment_for(world, make_assessment, role, relation, status):
    orgs, reviewer = world["orgs"], world["users"]["reviewer"]
    org = {
        ("reviewer", "own"): orgs["b"],
        ("reviewer", "other"): orgs["c"],
        ("coordinator", "other"): orgs["b"],
        ("contributor", "other"): orgs["b"],
    }.get((role, relation), orgs["a"])
    submitted = None if status == "draft" else utcnow()
    assessment = make_assessment(organisation=org, status=status, submitted_at=submitted)
    if relation in ("assigned", "own") and role == "reviewer":
        db.session.add(
            ReviewAssignment(
                assessment=assessment, reviewer=reviewer, assigned_by=world["users"]["admin"]
            )
        )
        db.session.commit()
    return assessment


CASES = [(role, relation, status) for (role, relation) in ALLOWED for status in ASSESSMENT_STATUSES]


@pytest.mark.parametrize("role, relation, status", CASES)
def test_assessment_access_table(world, make_assessment, role, relation, status):
    user = world["users"][role]
    assessment = _assessment_for(world, make_assessment, role, relation, status)
    allowed = ALLOWED[(role, relation)].get(status, set())
    actual = {a.removeprefix("assessment.") for a in ASSESSMENT_ACTIONS if can(user, a, assessment)}
    assert actual == allowed
    # The list query agrees with the single-object rule.
    visible = db.session.scalars(visible_assessments(user)).all()
    assert (assessment in visible) == ("view" in allowed)


@pytest.mark.parametrize(
    "role, expected",
    [
        ("coordinator", {"organisation.start_assessment"}),
        ("contributor", set()),
        ("reviewer", set()),
        ("inspector", {"statement.build", "statement.publish"}),
        ("admin", {"admin.manage"}),
    ],
)
def test_organisation_and_global_actions(world, role, expected):
    user = world["users"][role]
    own_org = user.organisation
    other_org = world["orgs"]["c"]
    scoped = {
        "organisation.start_assessment",
        "admin.manage",
        "statement.build",
        "statement.publish",
    }
    assert {a for a in scoped if can(user, a, own_org)} == expected
    assert not can(user, "organisation.start_assessment", other_org)
    assert can(user, "organisation.view", other_org)
    assert can(user, "framework.view", None)


def test_anonymous_and_inactive_users_may_do_nothing(world, make_assessment):
    from flask_login import AnonymousUserMixin

    assessment = make_assessment(organisation=world["orgs"]["a"])
    coordinator = world["users"]["coordinator"]
    coordinator.active = False
    private = set(RULES) - PUBLIC_ACTIONS  # a published statement is anyone's to read
    for user in (AnonymousUserMixin(), None, coordinator):
        assert not any(can(user, action, assessment) for action in private)
        assert db.session.scalars(visible_assessments(user)).all() == []


def test_unknown_action_is_a_programming_error(world):
    with pytest.raises(ValueError, match="unknown action"):
        can(world["users"]["admin"], "assessment.delete", None)


def test_loader_hides_what_cannot_be_seen_and_forbids_what_cannot_be_done(world, make_assessment):
    coordinator = world["users"]["coordinator"]
    own = make_assessment(
        organisation=world["orgs"]["a"], status="submitted", submitted_at=utcnow()
    )
    other = make_assessment(organisation=world["orgs"]["b"])
    assert get_assessment_or_404(own.id, coordinator) is own
    with pytest.raises(Forbidden):
        get_assessment_or_404(own.id, coordinator, "assessment.edit")  # submitted: locked
    with pytest.raises(NotFound):
        get_assessment_or_404(other.id, coordinator, "assessment.edit")
    with pytest.raises(NotFound):
        get_assessment_or_404(987654, coordinator)


def test_every_rule_is_in_the_table():
    covered = {f"assessment.{a}" for table in ALLOWED.values() for s in table.values() for a in s}
    assert covered == set(ASSESSMENT_ACTIONS), "an assessment action with no allowed case"


def _evidence(org, user):
    from tracker.models import Evidence

    evidence = Evidence(
        organisation_id=org.id,
        source_organisation_id=org.id,
        title="E",
        kind="audit",
        url="https://example.org/e",
        uploaded_by_id=user.id,
    )
    db.session.add(evidence)
    db.session.commit()
    return evidence


@pytest.mark.parametrize(
    "role, linked_status, expected",
    [
        # (role, status of the assessment region A's evidence is linked to, allowed actions)
        ("coordinator", None, {"view", "withdraw"}),
        ("contributor", None, {"view"}),
        ("reviewer", None, set()),
        ("reviewer", "in_review", {"view"}),  # assigned: sees what supports the scores
        ("reviewer", "draft", set()),
        ("inspector", None, set()),
        ("inspector", "submitted", {"view"}),
        ("inspector", "draft", set()),
        ("admin", None, set()),
    ],
)
def test_evidence_access_table(world, make_assessment, role, linked_status, expected):
    from tracker.models import EvidenceLink

    coordinator = world["users"]["coordinator"]
    evidence = _evidence(world["orgs"]["a"], coordinator)
    if linked_status:
        assessment = _assessment_for(world, make_assessment, "reviewer", "assigned", linked_status)
        db.session.add(EvidenceLink(evidence=evidence, response=assessment.responses[0]))
        db.session.commit()
    user = world["users"][role]
    actual = {a for a in ("view", "withdraw") if can(user, f"evidence.{a}", evidence)}
    assert actual == expected


def test_evidence_of_another_library_is_invisible_to_its_neighbours(world, make_user):
    outsider = make_user("coordinator", world["orgs"]["b"])
    evidence = _evidence(world["orgs"]["a"], world["users"]["coordinator"])
    assert not can(outsider, "evidence.view", evidence)
    assert not can(outsider, "evidence.add", world["orgs"]["a"])
    assert can(world["users"]["contributor"], "evidence.add", world["orgs"]["a"])  # region's RSB
    assert not can(world["users"]["reviewer"], "evidence.add", world["orgs"]["b"])


def test_anyone_may_read_a_published_statement_and_nothing_else_of_it():
    from types import SimpleNamespace

    from flask_login import AnonymousUserMixin

    assert PUBLIC_ACTIONS == {"statement.read_published"}
    published, draft = SimpleNamespace(versions=[object()]), SimpleNamespace(versions=[])
    for user in (AnonymousUserMixin(), None):
        assert can(user, "statement.read_published", published)
        assert not can(user, "statement.read_published", draft)
        assert not can(user, "statement.view", published)
        assert not can(user, "statement.draft", published)
