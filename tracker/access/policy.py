"""Who may do what to a single object: the rules behind `can(user, action, obj)`."""

from collections.abc import Callable

from tracker.models import ApiToken, Assessment, Notification, Organisation, User
from tracker.models.assessments import SUBMITTED_STATUSES

UNDER_REVIEW = ("submitted", "in_review")


def _signed_in(user) -> bool:
    return bool(user) and getattr(user, "is_authenticated", False) and user.is_active


def _own(user: User, organisation_id: int) -> bool:
    return user.organisation_id == organisation_id


def _contributes_to(user: User, organisation_id: int) -> bool:
    """A contributor works on their own organisation's and their region's RSB assessments."""
    return organisation_id in (user.organisation_id, user.organisation.region_id)


def _assigned(user: User, assessment: Assessment) -> bool:
    # Never one's own organisation, even if an assignment slipped through.
    return user.id in assessment.reviewer_ids and not _own(user, assessment.organisation_id)


def _view_assessment(user: User, a: Assessment) -> bool:
    # Drafts are private to the organisation (and its region's contributors) until submitted;
    # a returned assessment is a draft again until it is submitted again.
    match user.role:
        case "admin" | "inspector":
            return a.status in SUBMITTED_STATUSES
        case "coordinator":
            return _own(user, a.organisation_id)
        case "contributor":
            return _contributes_to(user, a.organisation_id)
        case "reviewer":
            return a.status in SUBMITTED_STATUSES and _assigned(user, a)
    return False


def _edit_assessment(user: User, a: Assessment) -> bool:
    return user.role == "coordinator" and _own(user, a.organisation_id) and a.is_editable


def _draft_assessment(user: User, a: Assessment) -> bool:
    """Add narrative and evidence: coordinators and their region's contributors."""
    if not a.is_editable:
        return False
    return _edit_assessment(user, a) or (
        user.role == "contributor" and _contributes_to(user, a.organisation_id)
    )


def _return_assessment(user: User, a: Assessment) -> bool:
    if a.status not in UNDER_REVIEW:
        return False
    return user.role in ("admin", "inspector") or (user.role == "reviewer" and _assigned(user, a))


def _assign_reviewers(user: User, a: Assessment) -> bool:
    return a.status in UNDER_REVIEW and user.role in ("admin", "inspector")


def _challenge(user: User, a: Assessment) -> bool:
    if user.role == "inspector":
        return a.status in UNDER_REVIEW
    return user.role == "reviewer" and a.status == "in_review" and _assigned(user, a)


def _validate(user: User, a: Assessment) -> bool:
    return user.role == "reviewer" and a.status == "in_review" and _assigned(user, a)


def _answer_challenges(user: User, a: Assessment) -> bool:
    return user.role == "coordinator" and _own(user, a.organisation_id) and a.status in UNDER_REVIEW


def _follow_up_actions(user: User, a: Assessment) -> bool:
    """Keep the improvement actions moving: the organisation's coordinator, whatever the
    assessment's status, and whoever may still draft it (a region's contributors)."""
    return (user.role == "coordinator" and _own(user, a.organisation_id)) or _draft_assessment(
        user, a
    )


def _view_challenge(user: User, challenge) -> bool:
    return _view_assessment(user, challenge.response.assessment)


def _answer_challenge(user: User, challenge) -> bool:
    return _answer_challenges(user, challenge.response.assessment)


def _settle_challenge(user: User, challenge) -> bool:
    """Resolve or reopen: the person who raised it, while they may still challenge."""
    return challenge.raised_by_id == user.id and _challenge(user, challenge.response.assessment)


def _works_on(user: User, organisation_id: int) -> bool:
    """The organisations whose evidence library a user keeps: their own, and for a
    contributor their region's RSB."""
    if user.role == "coordinator":
        return _own(user, organisation_id)
    return user.role == "contributor" and _contributes_to(user, organisation_id)


def library_organisation(user: User) -> Organisation:
    """Whose evidence library a user works in: a contributor works on their region's RSB."""
    if user.role == "contributor" and user.organisation.region is not None:
        return user.organisation.region
    return user.organisation


def _view_evidence(user: User, evidence) -> bool:
    # Its own library's people see it; others only through an assessment they may see.
    if _works_on(user, evidence.organisation_id):
        return True
    return any(_view_assessment(user, link.response.assessment) for link in evidence.links)


def _withdraw_evidence(user: User, evidence) -> bool:
    return user.role == "coordinator" and _own(user, evidence.organisation_id)


def _start_assessment(user: User, org: Organisation) -> bool:
    # A deactivated organisation keeps its assessments but starts no new ones.
    return user.role == "coordinator" and _own(user, org.id) and org.active


def _view_organisation(user: User, org: Organisation) -> bool:
    return True  # names and kinds of public bodies are not confidential


def _view_statement(user: User, statement) -> bool:
    """Drafts are the inspectorates' working papers (the national team may read them); a
    statement with a published version is public, so anyone signed in may read it."""
    return _read_statement_draft(user, statement) or bool(statement.versions)


def _read_published_statement(user, statement) -> bool:
    """A published version is a public document: anyone may read it, signed in or not. A
    statement never published, and text edited since the last version, are not."""
    return bool(statement.versions)


def _read_statement_draft(user: User, statement) -> bool:
    """The working paper: today's figures and charts, and text edited since the last version
    was published. Readers of a published statement get its frozen versions only."""
    return user.role in ("inspector", "admin")


def _read_notification(user: User, notification: Notification) -> bool:
    return notification.user_id == user.id  # one's own, whatever one's role


def _own_token(user: User, token: ApiToken) -> bool:
    return token.user_id == user.id  # only one's own tokens exist, even for an admin


# --- running the tracker (issue #15) ----------------------------------------------------------
# Administrators manage everyone. A board's or health board's coordinator may invite and
# deactivate the contributors of their own region's partner agencies, and no other role, so
# the national team is not a bottleneck.
DELEGATING_KINDS = ("rsb", "health_board")


def _delegates_for(user: User, organisation: Organisation) -> bool:
    """A coordinator of an RSB or health board, and an organisation in their region."""
    if user.role != "coordinator" or user.organisation.kind not in DELEGATING_KINDS:
        return False
    region = user.organisation.region_rsb_id
    return region is not None and organisation.region_rsb_id == region


def _invite_person(user: User, target) -> bool:
    """`target` is (organisation, role) of the person to be invited."""
    organisation, role = target
    if user.role == "admin":
        return True
    return role == "contributor" and _delegates_for(user, organisation)


def _manage_person(user: User, person: User) -> bool:
    if user.role == "admin":
        return True
    return person.role == "contributor" and _delegates_for(user, person.organisation)


def _list_people(user: User, _obj=None) -> bool:
    return user.role == "admin" or (
        user.role == "coordinator" and user.organisation.kind in DELEGATING_KINDS
    )


def _role(*roles: str) -> Callable[[User, object], bool]:
    return lambda user, _obj=None: user.role in roles


RULES: dict[str, Callable] = {
    "assessment.view": _view_assessment,
    "assessment.edit": _edit_assessment,
    "assessment.draft": _draft_assessment,
    "assessment.submit": _edit_assessment,
    "assessment.return": _return_assessment,
    "assessment.assign": _assign_reviewers,
    "assessment.challenge": _challenge,
    "assessment.validate": _validate,
    "assessment.conclude": _validate,
    "assessment.answer": _answer_challenges,
    "assessment.follow_up": _follow_up_actions,
    "challenge.view": _view_challenge,
    "challenge.answer": _answer_challenge,
    "challenge.resolve": _settle_challenge,
    "challenge.reopen": _settle_challenge,
    "organisation.view": _view_organisation,
    "framework.view": lambda user, framework: True,  # frameworks are published criteria
    "evidence.view": _view_evidence,
    "evidence.add": lambda user, org: _works_on(user, org.id),
    # Keeping a library at all (the menu offers it): the roles _works_on lets into one.
    "evidence.library": _role("coordinator", "contributor"),
    "evidence.withdraw": _withdraw_evidence,
    "organisation.start_assessment": _start_assessment,
    "notification.read": _read_notification,
    "token.revoke": _own_token,
    "admin.manage": _role("admin"),
    "mail.manage": _role("admin"),  # the e-mail outbox: see what waits, retry what failed
    "person.list": _list_people,
    "person.invite": _invite_person,
    "person.view": _manage_person,
    "person.manage": _manage_person,
    "person.administer": lambda user, person: user.role == "admin",  # role, unlock, reset
    "review.queue": _role("reviewer"),
    "review.oversee": _role("admin", "inspector"),
    "statement.build": _role("inspector"),
    "statement.view": _view_statement,
    "statement.draft": _read_statement_draft,
    "statement.edit": _role("inspector"),
    "statement.publish": _role("inspector"),
    "statement.read_published": _read_published_statement,
}
# What anyone may do, signed in or not: the rule sees the visitor as they are.
PUBLIC_ACTIONS = frozenset({"statement.read_published"})


def can(user, action: str, obj=None) -> bool:
    """True when `user` may do `action` to `obj`. Unknown actions are a programming error."""
    rule = RULES.get(action)
    if rule is None:
        raise ValueError(f"unknown action {action!r}")
    if not _signed_in(user) and action not in PUBLIC_ACTIONS:
        return False
    return bool(rule(user, obj))
