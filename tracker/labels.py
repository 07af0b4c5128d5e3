"""The words for the tracker's stored codes (roles, statuses, kinds), in the reader's language.

Every area and template shows a code through these, so each has one translation.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "coordinator": _l("Coordinator"),
    "contributor": _l("Contributor"),
    "reviewer": _l("Peer reviewer"),
    "inspector": _l("Inspector"),
    "admin": _l("Administrator"),
}
STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "in_review": _l("In review"),
    "returned": _l("Returned"),
    "concluded": _l("Concluded"),
}
ACTION_STATUS_LABELS = {
    "open": _l("Not started"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
}
# A task's progress on the task list, in the GOV.UK task list's words: not the scale's words,
# which name how far the work itself has got (issue #17 point 9).
TASK_STATUS_LABELS = {
    "not_started": _l("Not yet started"),
    "in_progress": _l("In progress"),
    "carried_over": _l("Carried over — check it"),
    "complete": _l("Completed"),
}
TRIANGULATION_LABELS = {
    "unevidenced": _l("No evidence"),
    "single_source": _l("Single source"),
    "partial": _l("Partly triangulated"),
    "triangulated": _l("Triangulated"),
}
EVIDENCE_KIND_LABELS = {
    "document": _l("Document"),
    "data": _l("Data"),
    "audit": _l("Audit"),
    "voice": _l("Voice"),
    "practitioner": _l("Practitioners"),
    "external": _l("External"),
}
PII_LABELS = {
    "nhs_number": _l("what looks like an NHS number"),
    "date_of_birth": _l("what looks like a date of birth"),
    "name_and_postcode": _l("a name next to a full postcode"),
}


def pii_summary(warnings: dict | None) -> str:
    """A scan's findings in words: "what looks like an NHS number (2), …", and how much of
    the file was checked when the scan was cut short."""
    warnings = dict(warnings or {})
    checked = warnings.pop("checked_pages", None)
    parts = [f"{PII_LABELS.get(kind, kind)} ({count})" for kind, count in warnings.items()]
    if checked is not None:
        parts.append(
            _("only the first %(count)d pages were checked", count=checked)
            if checked
            else _("the file was too long or complex to check")
        )
    return ", ".join(parts)


CHALLENGE_STATUS_LABELS = {
    "open": _l("Waiting for an answer"),
    "responded": _l("Answered"),
    "resolved": _l("Resolved"),
}
OUTCOME_LABELS = {
    "accepted": _l("Score accepted"),
    "moderated": _l("Score moderated"),
    "withdrawn": _l("Challenge withdrawn"),
}
STATUS_TAG_COLOURS = {
    "draft": "govuk-tag--grey",
    "submitted": "govuk-tag--blue",
    "in_review": "govuk-tag--purple",
    "returned": "govuk-tag--orange",
    "concluded": "govuk-tag--green",
}
