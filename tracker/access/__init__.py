"""Who may do what: the one place the tracker decides (DESIGN §2).

`can(user, action, obj)` answers for a single object; `visible_assessments(user)` gives the
same answer for "view" as a query, so lists and pages can never disagree. Views never decide
access themselves: they load objects through the `get_..._or_404` loaders below.
"""

from tracker.access.loaders import (
    get_assessment_or_404,
    get_challenge_or_404,
    get_evidence_or_404,
    get_framework_or_404,
    get_notification_or_404,
    get_organisation_or_404,
    get_person_or_404,
    get_published_statement_or_404,
    get_statement_or_404,
    get_token_or_404,
)
from tracker.access.policy import PUBLIC_ACTIONS, RULES, UNDER_REVIEW, can, library_organisation
from tracker.access.queries import (
    invitable_organisations,
    manageable_people,
    published_statements,
    visible_assessments,
    visible_statements,
)
from tracker.models.assessments import EDITABLE_STATUSES

__all__ = [
    "EDITABLE_STATUSES",
    "PUBLIC_ACTIONS",
    "RULES",
    "UNDER_REVIEW",
    "can",
    "get_assessment_or_404",
    "get_challenge_or_404",
    "get_evidence_or_404",
    "get_framework_or_404",
    "get_notification_or_404",
    "get_organisation_or_404",
    "get_person_or_404",
    "get_published_statement_or_404",
    "get_statement_or_404",
    "get_token_or_404",
    "invitable_organisations",
    "library_organisation",
    "manageable_people",
    "published_statements",
    "visible_assessments",
    "visible_statements",
]
