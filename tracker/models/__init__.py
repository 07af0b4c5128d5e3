"""All models, imported here so Alembic and the app see every table."""

from tracker.models.api import IdempotencyRecord
from tracker.models.assessments import Action, Assessment, Cycle, Reminder, Response
from tracker.models.audit import AuditEvent
from tracker.models.drafts import Draft
from tracker.models.evidence import Evidence, EvidenceLink
from tracker.models.frameworks import Framework, Item, ScaleLevel, Section
from tracker.models.organisations import Organisation
from tracker.models.outbox import OutboxMessage
from tracker.models.review import Challenge, ChallengeMessage, ReviewAssignment
from tracker.models.statements import PublishedStatement, Statement
from tracker.models.users import (
    AccountLink,
    ApiToken,
    EndedSession,
    LoginThrottle,
    Notification,
    User,
)

__all__ = [
    "AccountLink",
    "Action",
    "ApiToken",
    "Assessment",
    "AuditEvent",
    "Challenge",
    "ChallengeMessage",
    "Cycle",
    "Draft",
    "EndedSession",
    "Evidence",
    "EvidenceLink",
    "Framework",
    "IdempotencyRecord",
    "Item",
    "LoginThrottle",
    "Notification",
    "Organisation",
    "OutboxMessage",
    "PublishedStatement",
    "Reminder",
    "Response",
    "ReviewAssignment",
    "ScaleLevel",
    "Section",
    "Statement",
    "User",
]
