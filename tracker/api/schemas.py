"""The shapes of API v1's objects, as OpenAPI 3.1 component schemas (used by openapi.py)."""

from tracker.evidence.pii import KINDS as PII_KINDS
from tracker.models.assessments import ACTION_STATUSES, ASSESSMENT_STATUSES
from tracker.models.evidence import EVIDENCE_KINDS
from tracker.models.review import CHALLENGE_OUTCOMES, CHALLENGE_STATUSES
from tracker.models.users import LOCALES, ROLES, STATUSES

MAX_ID = 2**31 - 1


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(kind: str, **extra) -> dict:
    return {"type": [kind, "null"], **extra}


def obj(required: list[str], **properties) -> dict:
    return {"type": "object", "required": required, "properties": properties}


INTEGER = {"type": "integer"}
STRING = {"type": "string"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
IDS = {"type": "array", "items": INTEGER}
TEXTS = {"type": "object", "additionalProperties": STRING}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
SCORE = nullable("integer")
TRIANGULATION = {"enum": ["unevidenced", "single_source", "partial", "triangulated"]}

SCHEMAS = {
    "Error": obj(
        ["error"],
        error=obj(
            ["code", "message"],
            code=STRING,
            message=STRING,
            field=STRING,
            problems={
                "type": "array",
                "description": "A framework file's problems (code invalid_framework), each "
                "with where in the file (sections[0].items[2].key) and what is wrong.",
                "items": obj(["path", "reason"], path=STRING, reason=STRING),
            },
        ),
    ),
    "Token": obj(
        ["id", "name", "token", "created_at", "expires_at", "read_only"],
        id=INTEGER,
        name=STRING,
        token={"type": "string", "description": "Shown once; send as a bearer token."},
        created_at=DATETIME,
        expires_at=DATETIME,
        read_only={"type": "boolean"},
    ),
    "Organisation": obj(
        ["id", "code", "name", "kind"],
        id=INTEGER,
        code=STRING,
        name=STRING,
        name_cy=nullable("string"),
        kind=STRING,
        region_id=nullable("integer"),
        active={"type": "boolean", "description": "A deactivated one is offered for nothing new."},
    ),
    "Framework": obj(
        ["id", "key", "version", "title", "triangulation"],
        id=INTEGER,
        key=STRING,
        version=INTEGER,
        title=TEXTS,
        kind=STRING,
        applies_to={"type": "array", "items": STRING},
        triangulation=obj([], min_kinds=INTEGER, min_sources=INTEGER, required_from=INTEGER),
        scale={"type": "array", "items": {"type": "object"}},
        sections={"type": "array", "items": {"type": "object"}},
    ),
    "Cycle": obj(
        ["id", "label", "opens_on", "due_on", "closes_on"],
        id=INTEGER,
        label=STRING,
        opens_on=DATE,
        due_on=DATE,
        closes_on=DATE,
        closed={"type": "boolean", "description": "Closed early by an administrator."},
        closed_at=nullable("string", format="date-time"),
        current={
            "type": "boolean",
            "description": "The current cycle: its window contains today and it is not closed "
            "(between cycles, the latest that has opened).",
        },
    ),
    "User": obj(
        ["id", "email", "name", "role", "organisation_id", "organisation", "locale", "status"],
        id=INTEGER,
        email=STRING,
        name=STRING,
        role={"enum": list(ROLES)},
        organisation_id=INTEGER,
        organisation={"type": "string", "description": "The organisation's code."},
        locale={"enum": list(LOCALES), "description": "The language of their pages and e-mails."},
        status={"enum": list(STATUSES)},
        active={"type": "boolean"},
        created_at=DATETIME,
        invited_at=nullable("string", format="date-time"),
        last_signed_in_at=nullable("string", format="date-time"),
        locked_until=nullable("string", format="date-time"),
        deactivated_at=nullable("string", format="date-time"),
        deactivated_reason=nullable("string"),
    ),
    "Assessment": obj(
        ["id", "organisation_id", "framework_id", "cycle_id", "status"],
        id=INTEGER,
        organisation_id=INTEGER,
        framework_id=INTEGER,
        framework_key=STRING,
        cycle_id=INTEGER,
        status={"enum": list(ASSESSMENT_STATUSES)},
        submitted_at=nullable("string", format="date-time"),
        concluded_at=nullable("string", format="date-time"),
        returned_at=nullable("string", format="date-time"),
        returned_reason=nullable("string"),
        reviewer_ids=IDS,
    ),
    "Response": obj(
        ["id", "assessment_id", "item_key", "version"],
        id=INTEGER,
        assessment_id=INTEGER,
        item_key=STRING,
        self_score=SCORE,
        narrative=nullable("string"),
        impact_measure=nullable("string"),
        validated_score=SCORE,
        carried_over={
            "type": "boolean",
            "description": "Copied from last cycle and not yet confirmed: it counts as not "
            "done. A coordinator's PATCH at the current version, with or without changes, "
            "confirms it.",
        },
        version=INTEGER,
        triangulation=TRIANGULATION,
        claim_beyond_evidence={"type": "boolean"},
        evidence_ids={
            **IDS,
            "description": "The evidence of evidence_links (the first 100 links, oldest first).",
        },
        evidence_links={
            "type": "array",
            "description": "The first 100 links, oldest first; evidence_links_next reads on.",
            "items": ref("EvidenceLink"),
        },
        evidence_links_total={"type": "integer", "description": "How many links it has."},
        evidence_links_next=nullable(
            "string",
            description="The next page of links (GET /responses/{id}/evidence), or null when "
            "evidence_links holds them all.",
        ),
        actions={"type": "array", "items": ref("Action")},
    ),
    "EvidenceLink": obj(
        ["evidence_id"],
        evidence_id=INTEGER,
        note=nullable("string"),
        carried_over={"type": "boolean"},
    ),
    "Action": obj(
        ["id", "response_id", "description", "owner", "status", "version"],
        id=INTEGER,
        response_id=INTEGER,
        description=STRING,
        owner=STRING,
        due_on=nullable(
            "string",
            format="date",
            description="Today or later for a new action or a new date; an action already "
            "overdue keeps its date.",
        ),
        status={"enum": list(ACTION_STATUSES)},
        completed_on=nullable("string", format="date"),
        version={"type": "integer", "description": "Send it back to change the action."},
    ),
    "Evidence": obj(
        ["id", "organisation_id", "title", "kind", "source_organisation_id", "pii_warnings"],
        id=INTEGER,
        organisation_id={"type": "integer", "description": "Whose library it is in."},
        title=STRING,
        kind={"enum": list(EVIDENCE_KINDS)},
        source_organisation_id={"type": "integer", "description": "Where it comes from."},
        evidence_date=nullable("string", format="date"),
        description=nullable("string"),
        url=nullable("string", description="A web link (null for a file)."),
        filename=nullable("string", description="The uploaded file's name, for showing only."),
        content_type=nullable("string", description="Decided from the content, not the name."),
        size_bytes=nullable("integer"),
        sha256=nullable("string"),
        download_url=nullable("string", description="Where to download a file from."),
        uploaded_by_id=INTEGER,
        created_at=DATETIME,
        withdrawn_at=nullable("string", format="date-time"),
        withdrawn_by_id=nullable("integer"),
        withdrawn_reason=nullable("string"),
        pii_warnings={
            "type": "object",
            "description": "How many likely personal identifiers of children of each kind the "
            "readable text holds (never the text itself). Check the file, and withdraw it if "
            "it should not be here. checked_pages: the scan of a long or complex PDF was "
            "cut short after this many pages; the rest was not checked.",
            "propertyNames": {"enum": [*PII_KINDS, "checked_pages"]},
            "additionalProperties": INTEGER,
        },
        links={
            "type": "array",
            "description": "Responses it is linked to that you may see (one item only).",
            "items": obj(
                ["response_id", "assessment_id", "item_key"],
                response_id=INTEGER,
                assessment_id=INTEGER,
                item_key=STRING,
                note=nullable("string"),
                carried_over={"type": "boolean"},
            ),
        },
    ),
    "Reviewer": obj(
        ["id", "name", "organisation_id"], id=INTEGER, name=STRING, organisation_id=INTEGER
    ),
    "Challenge": obj(
        ["id", "response_id", "question", "status", "messages"],
        id=INTEGER,
        response_id=INTEGER,
        raised_by_id=INTEGER,
        question=STRING,
        proposed_score=SCORE,
        evidence_requested={"type": "array", "items": {"enum": list(EVIDENCE_KINDS)}},
        status={"enum": list(CHALLENGE_STATUSES)},
        outcome={"enum": [*CHALLENGE_OUTCOMES, None]},
        resolved_score=SCORE,
        rationale=nullable("string"),
        due_on=nullable("string", format="date"),
        resolved_at=nullable("string", format="date-time"),
        messages={"type": "array", "items": {"type": "object"}},
    ),
    "Statement": obj(
        ["id", "scope", "framework_id", "cycle_id", "language", "status", "versions"],
        id=INTEGER,
        scope={"enum": ["organisation", "region", "national"]},
        organisation_id=nullable("integer"),
        framework_id=INTEGER,
        cycle_id=INTEGER,
        language={"enum": ["en", "cy", "both"]},
        status={"enum": ["draft", "published"]},
        versions={
            "type": "array",
            "items": obj(
                ["version", "language", "published_at", "pdf_sha256", "pdf_size", "pdf_url"],
                version=INTEGER,
                language={"enum": ["en", "cy", "both"]},
                published_at=DATETIME,
                published_by_id=INTEGER,
                pdf_sha256=STRING,
                pdf_size=INTEGER,
                pdf_url=STRING,
            ),
        },
    ),
}
