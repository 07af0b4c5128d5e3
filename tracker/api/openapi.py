"""The OpenAPI 3.1 document of API v1, kept true by tests/api/test_openapi.py: every route is
documented here and everything documented here is a route."""

from tracker.models.assessments import ASSESSMENT_STATUSES
from tracker.models.evidence import EVIDENCE_KINDS
from tracker.models.review import CHALLENGE_OUTCOMES, CHALLENGE_STATUSES

ERRORS = {
    "400": "The request is malformed (bad query parameter or JSON).",
    "401": "No valid bearer token.",
    "403": "Visible to you, but you may not do this.",
    "404": "No such object, or not visible to you.",
    "409": "The object changed meanwhile (stale version, or the challenge moved on).",
    "413": "The request is too large.",
    "405": "The method is not allowed here (an id out of range can also answer this).",
    "415": "The body is not application/json.",
    "422": "The request is well formed but breaks a rule; `field` names the field.",
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra) -> dict:
    return {"type": [kind, "null"], **extra}


TEXTS = {"type": "object", "additionalProperties": {"type": "string"}}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string"},
                },
            }
        },
    },
    "Token": {
        "type": "object",
        "required": ["id", "name", "token", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "token": {"type": "string", "description": "Shown once; send as a bearer token."},
            "created_at": DATETIME,
        },
    },
    "Organisation": {
        "type": "object",
        "required": ["id", "code", "name", "kind"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "name_cy": _nullable("string"),
            "kind": {"type": "string"},
            "region_id": _nullable("integer"),
        },
    },
    "Framework": {
        "type": "object",
        "required": ["id", "key", "version", "title", "triangulation"],
        "properties": {
            "id": {"type": "integer"},
            "key": {"type": "string"},
            "version": {"type": "integer"},
            "title": TEXTS,
            "kind": {"type": "string"},
            "applies_to": {"type": "array", "items": {"type": "string"}},
            "triangulation": {
                "type": "object",
                "properties": {
                    "min_kinds": {"type": "integer"},
                    "min_sources": {"type": "integer"},
                    "required_from": {"type": "integer"},
                },
            },
            "scale": {"type": "array", "items": {"type": "object"}},
            "sections": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Cycle": {
        "type": "object",
        "required": ["id", "label", "opens_on", "due_on", "closes_on"],
        "properties": {
            "id": {"type": "integer"},
            "label": {"type": "string"},
            "opens_on": DATE,
            "due_on": DATE,
            "closes_on": DATE,
        },
    },
    "Assessment": {
        "type": "object",
        "required": ["id", "organisation_id", "framework_id", "cycle_id", "status"],
        "properties": {
            "id": {"type": "integer"},
            "organisation_id": {"type": "integer"},
            "framework_id": {"type": "integer"},
            "framework_key": {"type": "string"},
            "cycle_id": {"type": "integer"},
            "status": {"enum": list(ASSESSMENT_STATUSES)},
            "submitted_at": _nullable("string", format="date-time"),
            "concluded_at": _nullable("string", format="date-time"),
            "returned_at": _nullable("string", format="date-time"),
            "returned_reason": _nullable("string"),
            "reviewer_ids": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "Response": {
        "type": "object",
        "required": ["id", "assessment_id", "item_key", "version"],
        "properties": {
            "id": {"type": "integer"},
            "assessment_id": {"type": "integer"},
            "item_key": {"type": "string"},
            "self_score": _nullable("integer"),
            "narrative": _nullable("string"),
            "impact_measure": _nullable("string"),
            "validated_score": _nullable("integer"),
            "version": {"type": "integer"},
            "triangulation": {"enum": ["unevidenced", "single_source", "partial", "triangulated"]},
            "claim_beyond_evidence": {"type": "boolean"},
            "evidence_ids": {"type": "array", "items": {"type": "integer"}},
            "actions": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Challenge": {
        "type": "object",
        "required": ["id", "response_id", "question", "status", "messages"],
        "properties": {
            "id": {"type": "integer"},
            "response_id": {"type": "integer"},
            "raised_by_id": {"type": "integer"},
            "question": {"type": "string"},
            "proposed_score": _nullable("integer"),
            "evidence_requested": {"type": "array", "items": {"enum": list(EVIDENCE_KINDS)}},
            "status": {"enum": list(CHALLENGE_STATUSES)},
            "outcome": {"enum": [*CHALLENGE_OUTCOMES, None]},
            "resolved_score": _nullable("integer"),
            "rationale": _nullable("string"),
            "due_on": _nullable("string", format="date"),
            "resolved_at": _nullable("string", format="date-time"),
            "messages": {"type": "array", "items": {"type": "object"}},
        },
    },
}


def _list_of(name: str, paged: bool = True) -> dict:
    properties = {"items": {"type": "array", "items": _ref(name)}, "total": {"type": "integer"}}
    if paged:
        properties |= {"page": {"type": "integer"}, "per_page": {"type": "integer"}}
    return {"type": "object", "required": list(properties), "properties": properties}


def _body(properties: dict, required: list[str]) -> dict:
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "required": required, "properties": properties}
            }
        },
    }


PAGE = [
    {
        "name": "page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
    },
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
    },
]


def _id(name: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    }


def _op(summary, ok, schema=None, errors=(), params=(), body=None, public=False, status="200"):
    responses = {status: {"description": ok}}
    if schema is not None:
        responses[status]["content"] = {"application/json": {"schema": schema}}
    codes = (
        set(errors) | ({"400"} if body or params else set()) | ({"401"} if not public else set())
    )
    if body:
        codes |= {"415"}
    if any(p["in"] == "path" for p in params):
        codes.add("405")
    for code in sorted(codes):
        responses[code] = {
            "description": ERRORS[code],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    op = {"summary": summary, "responses": responses, "parameters": list(params)}
    if body:
        op["requestBody"] = body
    if public:
        op["security"] = []
    return op


SCORE = {"type": ["integer", "null"]}
READ = ("404",)
CHANGE = ("403", "404", "409", "422")


def document() -> dict:
    """The whole OpenAPI document."""
    a_id, r_id, c_id = _id("assessment_id"), _id("response_id"), _id("challenge_id")
    paths = {
        "/tokens": {
            "post": _op(
                "Sign in and get a bearer token (shown once)",
                "The new token.",
                _ref("Token"),
                errors=("401", "422"),
                body=_body(
                    {
                        "email": {"type": "string"},
                        "password": {"type": "string"},
                        "name": {"type": "string"},
                    },
                    ["email", "password"],
                ),
                public=True,
                status="201",
            )
        },
        "/tokens/current": {
            "delete": _op("Revoke the token used for this request", "Revoked.", status="204")
        },
        "/openapi.json": {
            "get": _op("This document", "The document.", {"type": "object"}, public=True)
        },
        "/frameworks": {
            "get": _op("Frameworks", "A page of frameworks.", _list_of("Framework"), params=PAGE)
        },
        "/frameworks/{framework_id}": {
            "get": _op(
                "A framework with its scale, sections and items",
                "The framework.",
                _ref("Framework"),
                errors=READ,
                params=[_id("framework_id")],
            )
        },
        "/organisations": {
            "get": _op(
                "Organisations", "A page of organisations.", _list_of("Organisation"), params=PAGE
            )
        },
        "/organisations/{organisation_id}": {
            "get": _op(
                "An organisation",
                "The organisation.",
                _ref("Organisation"),
                errors=READ,
                params=[_id("organisation_id")],
            )
        },
        "/cycles": {
            "get": _op("Reporting cycles", "A page of cycles.", _list_of("Cycle"), params=PAGE)
        },
        "/assessments": {
            "get": _op(
                "Assessments you may see",
                "A page of assessments.",
                _list_of("Assessment"),
                params=[
                    *PAGE,
                    *(
                        {"name": n, "in": "query", "schema": {"type": "integer", "minimum": 1}}
                        for n in ("organisation", "framework", "cycle")
                    ),
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"enum": list(ASSESSMENT_STATUSES)},
                    },
                ],
            )
        },
        "/assessments/{assessment_id}": {
            "get": _op("An assessment", "The assessment.", _ref("Assessment"), READ, [a_id])
        },
        "/assessments/{assessment_id}/responses": {
            "get": _op(
                "An assessment's responses",
                "Every response.",
                _list_of("Response", paged=False),
                READ,
                [a_id],
            )
        },
        "/assessments/{assessment_id}/challenges": {
            "get": _op(
                "Challenges on an assessment",
                "Every challenge.",
                _list_of("Challenge", paged=False),
                READ,
                [a_id],
            )
        },
        "/assessments/{assessment_id}/submit": {
            "post": _op(
                "Submit a complete assessment", "Submitted.", _ref("Assessment"), CHANGE, [a_id]
            )
        },
        "/assessments/{assessment_id}/return": {
            "post": _op(
                "Return an assessment to its organisation, with a reason",
                "Returned.",
                _ref("Assessment"),
                CHANGE,
                [a_id],
                body=_body({"reason": {"type": "string"}}, ["reason"]),
            )
        },
        "/assessments/{assessment_id}/conclude": {
            "post": _op("Conclude a review", "Concluded.", _ref("Assessment"), CHANGE, [a_id])
        },
        "/responses/{response_id}": {
            "get": _op("A response", "The response.", _ref("Response"), READ, [r_id]),
            "patch": _op(
                "Change a response's score, narrative or impact measure, at a version",
                "The response, at its new version.",
                _ref("Response"),
                CHANGE,
                [r_id],
                body=_body(
                    {
                        "version": {"type": "integer"},
                        "self_score": SCORE,
                        "narrative": {"type": ["string", "null"]},
                        "impact_measure": {"type": ["string", "null"]},
                    },
                    ["version"],
                ),
            ),
        },
        "/responses/{response_id}/challenges": {
            "post": _op(
                "Raise a challenge on a response",
                "The new challenge.",
                _ref("Challenge"),
                CHANGE,
                [r_id],
                body=_body(
                    {
                        "question": {"type": "string"},
                        "proposed_score": SCORE,
                        "due_on": DATE,
                        "evidence_requested": {
                            "type": "array",
                            "items": {"enum": list(EVIDENCE_KINDS)},
                        },
                    },
                    ["question", "due_on"],
                ),
                status="201",
            )
        },
        "/challenges/{challenge_id}": {
            "get": _op(
                "A challenge with its thread", "The challenge.", _ref("Challenge"), READ, [c_id]
            )
        },
        "/challenges/{challenge_id}/answer": {
            "post": _op(
                "Answer a challenge (the organisation)",
                "The challenge, answered.",
                _ref("Challenge"),
                CHANGE,
                [c_id],
                body=_body(
                    {
                        "body": {"type": "string"},
                        "revised_score": SCORE,
                        "evidence_ids": {
                            "type": "array",
                            "items": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                        },
                    },
                    ["body"],
                ),
            )
        },
        "/challenges/{challenge_id}/resolve": {
            "post": _op(
                "Resolve a challenge (its challenger)",
                "The challenge, resolved.",
                _ref("Challenge"),
                CHANGE,
                [c_id],
                body=_body(
                    {
                        "outcome": {"enum": list(CHALLENGE_OUTCOMES)},
                        "resolved_score": SCORE,
                        "rationale": {"type": ["string", "null"]},
                    },
                    ["outcome"],
                ),
            )
        },
        "/challenges/{challenge_id}/reopen": {
            "post": _op(
                "Reopen an answered challenge with a follow-up",
                "The challenge, open again.",
                _ref("Challenge"),
                CHANGE,
                [c_id],
                body=_body({"body": {"type": "string"}, "due_on": DATE}, ["body", "due_on"]),
            )
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Safeguarding Progress Tracker API",
            "version": "1",
            "description": "Bearer-token JSON API; the same access rules as the pages. "
            'Errors are {"error": {"code", "message"}}.',
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": paths,
    }
