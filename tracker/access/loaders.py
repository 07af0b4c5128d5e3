"""Loaders that views call instead of deciding access themselves: each answers 404 for what
the user may not see and 403 for what they may only see."""

from flask import abort

from tracker.access.policy import can
from tracker.extensions import db
from tracker.models import (
    ApiToken,
    Assessment,
    Challenge,
    Evidence,
    Framework,
    Notification,
    Organisation,
    Statement,
    User,
)


def _load_or_404(model, object_id: int, user, action: str, view_action: str, loader=None):
    obj = (loader or (lambda i: db.session.get(model, i)))(object_id)
    # What a user may not even see is "not found", so ids reveal nothing.
    if obj is None or not can(user, view_action, obj):
        abort(404)
    if action != view_action and not can(user, action, obj):
        abort(403)
    return obj


def get_assessment_or_404(
    assessment_id: int, user, action: str = "assessment.view", loader=None
) -> Assessment:
    """Load an assessment for `action`: 404 if the user may not see it, 403 if only seeing.

    `loader(id)` may load it with what the page needs; by default a plain session.get.
    """
    return _load_or_404(Assessment, assessment_id, user, action, "assessment.view", loader)


def get_organisation_or_404(
    organisation_id: int, user, action: str = "organisation.view"
) -> Organisation:
    """Load an organisation for `action`, as get_assessment_or_404."""
    return _load_or_404(Organisation, organisation_id, user, action, "organisation.view")


def get_evidence_or_404(evidence_id: int, user, action: str = "evidence.view") -> Evidence:
    """Load evidence for `action`, as get_assessment_or_404."""
    return _load_or_404(Evidence, evidence_id, user, action, "evidence.view")


def get_challenge_or_404(challenge_id: int, user, action: str = "challenge.view", loader=None):
    """Load a challenge for `action`, as get_assessment_or_404."""
    return _load_or_404(Challenge, challenge_id, user, action, "challenge.view", loader)


def get_framework_or_404(framework_id: int, user, action: str = "framework.view") -> Framework:
    """Load a framework for `action`, as get_assessment_or_404."""
    return _load_or_404(Framework, framework_id, user, action, "framework.view")


def get_notification_or_404(
    notification_id: int, user, action: str = "notification.read"
) -> Notification:
    """Load one of the user's own notifications, as get_assessment_or_404."""
    return _load_or_404(Notification, notification_id, user, action, "notification.read")


def get_token_or_404(token_id: int, user, action: str = "token.revoke") -> ApiToken:
    """Load one of the user's own API tokens, as get_assessment_or_404."""
    return _load_or_404(ApiToken, token_id, user, action, "token.revoke")


def get_person_or_404(user_id: int, user, action: str = "person.view") -> User:
    """Load a person to manage, as get_assessment_or_404."""
    return _load_or_404(User, user_id, user, action, "person.view")


def get_statement_or_404(statement_id: int, user, action: str = "statement.view", loader=None):
    """Load a statement for `action`, as get_assessment_or_404."""
    return _load_or_404(Statement, statement_id, user, action, "statement.view", loader)


def get_published_statement_or_404(statement_id: int, user, loader=None):
    """Load a statement for reading its published versions: 404 for anyone, signed in or not,
    when it has none."""
    read = "statement.read_published"
    return _load_or_404(Statement, statement_id, user, read, read, loader)
