"""The OpenAPI 3.1 document of API v1, kept true by tests/api/test_openapi.py: every route is
documented here and everything documented here is a route. Object shapes are in schemas.py."""

from tracker.api.schemas import (
    DATE,
    ID,
    SCHEMAS,
    SCORE,
    STRING,
    nullable,
    ref,
)
from tracker.evidence.filetype import TYPES as FILE_TYPES
from tracker.models.assessments import ACTION_STATUSES, ASSESSMENT_STATUSES
from tracker.models.evidence import EVIDENCE_KINDS
from tracker.models.organisations import ORGANISATION_KINDS
from tracker.models.review import CHALLENGE_OUTCOMES
from tracker.models.users import LOCALES, ROLES, STATUSES

ERRORS = {
    "400": "The request is malformed (bad query parameter, JSON or form).",
    "401": "No valid bearer token.",
    "403": "Visible to you, but you may not do this.",
    "404": "No such object, or not visible to you.",
    "405": "The method is not allowed here (an id out of range can also answer this).",
    "409": "The object changed meanwhile (stale version, or the challenge moved on), or what "
    "must be unique is taken (an e-mail address, an organisation's code, a framework version).",
    "413": "The request, or the uploaded file, is larger than the limit.",
    "415": "The body is not of the type asked for, or an uploaded file's type is not accepted.",
    "422": "The request is well formed but breaks a rule; `field` names the field.",
}
READ = ("404",)
CHANGE = ("403", "404", "422")
VERSIONED = ("403", "404", "409", "422")


def _list_of(name: str, paged: bool = True) -> dict:
    properties = {"items": {"type": "array", "items": ref(name)}, "total": {"type": "integer"}}
    if paged:
        properties |= {"page": {"type": "integer"}, "per_page": {"type": "integer"}}
    return {"type": "object", "required": list(properties), "properties": properties}


def _body(properties: dict, required: list[str], media: str = "application/json") -> dict:
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {media: {"schema": schema}}}


def _query(name: str, schema: dict, description: str | None = None) -> dict:
    param = {"name": name, "in": "query", "schema": schema}
    if description:
        param["description"] = description
    return param


PAGE = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000}),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}),
]


def _id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def _op(
    summary,
    ok,
    schema=None,
    errors=(),
    params=(),
    body=None,
    public=False,
    status="200",
    content=None,
    headers=None,
):
    """One operation: its success response (`schema` as JSON, or `content` as given) and every
    error it can answer, each an Error object; 400/401/405/415 are added where they apply."""
    responses = {status: {"description": ok}}
    if schema is not None:
        content = {"application/json": {"schema": schema}}
    if content is not None:
        responses[status]["content"] = content
    if headers:
        responses[status]["headers"] = headers
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
            "content": {"application/json": {"schema": ref("Error")}},
        }
    op = {"summary": summary, "responses": responses, "parameters": list(params)}
    if body:
        op["requestBody"] = body
    if public:
        op["security"] = []
    return op


def _header(description: str) -> dict:
    return {"description": description, "required": True, "schema": STRING}


# --- paths, by area ------------------------------------------------------------------------------


def _tokens() -> dict:
    return {
        "/tokens": {
            "post": _op(
                "Sign in and get a bearer token (shown once)",
                "The new token.",
                ref("Token"),
                errors=("401", "422"),
                body=_body(
                    {
                        "email": STRING,
                        "password": STRING,
                        "name": STRING,
                        "expires_in_days": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 365,
                            "description": "How long the token lasts (90 days if not given).",
                        },
                        "read_only": {
                            "type": "boolean",
                            "description": "A read-only token may read, and change nothing.",
                        },
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
    }


def _reference() -> dict:
    return {
        "/frameworks": {
            "get": _op("Frameworks", "A page of frameworks.", _list_of("Framework"), params=PAGE)
        },
        "/frameworks/{framework_id}": {
            "get": _op(
                "A framework with its scale, sections and items",
                "The framework.",
                ref("Framework"),
                READ,
                [_id("framework_id")],
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
                ref("Organisation"),
                READ,
                [_id("organisation_id")],
            )
        },
        "/cycles": {
            "get": _op("Reporting cycles", "A page of cycles.", _list_of("Cycle"), params=PAGE)
        },
        "/cycles/{cycle_id}": {
            "get": _op("A reporting cycle", "The cycle.", ref("Cycle"), READ, [_id("cycle_id")])
        },
    }


def _admin() -> dict:
    """Running the tracker (administrators; coordinators of a board or health board may manage
    their region's contributors)."""
    u_id, c_id = _id("user_id"), _id("cycle_id")
    person = {
        "name": STRING,
        "organisation": {"type": "string", "description": "The organisation's code."},
        "role": {"enum": list(ROLES)},
        "locale": {"enum": list(LOCALES), "description": "Default en."},
    }
    dates = {"label": {"type": "string", "description": "Two years, like 2027-28."}}
    dates |= {name: DATE for name in ("opens_on", "due_on", "closes_on")}
    location = {"Location": _header("The new object's address.")}
    return {
        "/users": {
            "get": _op(
                "People you may manage (administrators: everyone; a board's or health board's "
                "coordinator: their region's contributors)",
                "A page of people.",
                _list_of("User"),
                ("403",),
                params=[
                    *PAGE,
                    _query("q", {"type": "string", "maxLength": 200}, "Words in name or e-mail."),
                    _query("organisation", STRING, "An organisation's code."),
                    _query("role", {"enum": list(ROLES)}),
                    _query("status", {"enum": list(STATUSES)}),
                ],
            ),
            "post": _op(
                "Invite a person: they are e-mailed a link to choose a password (7 days)",
                "The new person, invited.",
                ref("User"),
                ("403", "409", "422"),
                body=_body({"email": STRING, **person}, ["email", "name", "organisation", "role"]),
                status="201",
                headers=location,
            ),
        },
        "/users/{user_id}": {
            "get": _op(
                "A person you may manage", "The person.", ref("User"), ("403", "404"), [u_id]
            ),
            "patch": _op(
                "Change a person's name, role, organisation or language; or, alone, deactivate "
                "them (active false, with a reason: their sessions and tokens end at once) or "
                "reactivate them (active true)",
                "The person now.",
                ref("User"),
                CHANGE,
                [u_id],
                body=_body({**person, "active": {"type": "boolean"}, "reason": STRING}, []),
            ),
        },
        "/users/{user_id}/unlock": {
            "post": _op(
                "Lift a lock from failed sign-ins (administrators)",
                "The person now.",
                ref("User"),
                ("403", "404"),
                [u_id],
            )
        },
        "/cycles": {
            "post": _op(
                "Open a reporting cycle (its window may not overlap another's)",
                "The new cycle.",
                ref("Cycle"),
                ("403", "422"),
                body=_body(dates, list(dates)),
                status="201",
                headers=location,
            )
        },
        "/cycles/{cycle_id}": {
            "patch": _op(
                "Change a cycle's label or dates, or close it (closed true)",
                "The cycle now.",
                ref("Cycle"),
                CHANGE,
                [c_id],
                body=_body({**dates, "closed": {"type": "boolean"}}, []),
            )
        },
        "/organisations": {
            "post": _op(
                "Add an organisation",
                "The new organisation.",
                ref("Organisation"),
                ("403", "409", "422"),
                body=_body(
                    {
                        "code": {"type": "string", "description": "Like LA-CARDIFF."},
                        "name": STRING,
                        "name_cy": nullable("string"),
                        "kind": {"enum": list(ORGANISATION_KINDS)},
                        "region": nullable(
                            "string", description="Its board's (RSB's) code; null for none."
                        ),
                    },
                    ["code", "name", "kind"],
                ),
                status="201",
                headers=location,
            )
        },
        "/frameworks": {
            "post": _op(
                "Import a framework file (YAML, as `flask import-framework`) as a new version",
                "The imported framework, with its scale, sections and items.",
                ref("Framework"),
                ("403", "409", "413", "422"),
                body={
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {"file": {"type": "string", "format": "binary"}},
                            }
                        },
                        "application/yaml": {"schema": {"type": "string"}},
                    },
                },
                status="201",
                headers=location,
            )
        },
    }


def _assessments() -> dict:
    a_id, r_id = _id("assessment_id"), _id("response_id")
    filters = [_query(n, ID) for n in ("organisation", "framework", "cycle")]
    return {
        "/assessments": {
            "get": _op(
                "Assessments you may see",
                "A page of assessments.",
                _list_of("Assessment"),
                params=[*PAGE, *filters, _query("status", {"enum": list(ASSESSMENT_STATUSES)})],
            )
        },
        "/assessments/{assessment_id}": {
            "get": _op("An assessment", "The assessment.", ref("Assessment"), READ, [a_id])
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
        "/assessments/{assessment_id}/submit": {
            "post": _op(
                "Submit a complete assessment", "Submitted.", ref("Assessment"), CHANGE, [a_id]
            )
        },
        "/assessments/{assessment_id}/return": {
            "post": _op(
                "Return an assessment to its organisation, with a reason",
                "Returned.",
                ref("Assessment"),
                CHANGE,
                [a_id],
                body=_body({"reason": STRING}, ["reason"]),
            )
        },
        "/assessments/{assessment_id}/conclude": {
            "post": _op("Conclude a review", "Concluded.", ref("Assessment"), CHANGE, [a_id])
        },
        "/responses/{response_id}": {
            "get": _op("A response", "The response.", ref("Response"), READ, [r_id]),
            "patch": _op(
                "Change a response's score, narrative or impact measure, at a version",
                "The response, at its new version.",
                ref("Response"),
                VERSIONED,
                [r_id],
                body=_body(
                    {
                        "version": {"type": "integer"},
                        "self_score": SCORE,
                        "narrative": nullable("string"),
                        "impact_measure": nullable("string"),
                    },
                    ["version"],
                ),
            ),
        },
    }


def _actions() -> dict:
    r_id, action_id = _id("response_id"), _id("action_id")
    fields = {
        "description": STRING,
        "owner": {"type": "string", "description": "Who is responsible (a name or a role)."},
        "due_on": nullable("string", format="date"),
        "status": {"enum": list(ACTION_STATUSES)},
    }
    return {
        "/responses/{response_id}/actions": {
            "get": _op(
                "A response's improvement actions",
                "Every action, oldest first.",
                _list_of("Action", paged=False),
                READ,
                [r_id],
            ),
            "post": _op(
                "Add an improvement action (status defaults to open)",
                "The new action.",
                ref("Action"),
                CHANGE,
                [r_id],
                body=_body(fields, ["description", "owner"]),
                status="201",
            ),
        },
        "/actions/{action_id}": {
            "get": _op("An improvement action", "The action.", ref("Action"), READ, [action_id]),
            "patch": _op(
                "Change an action at a version; fields left out keep their values. Marking it "
                "done records the day.",
                "The action, at its new version.",
                ref("Action"),
                VERSIONED,
                [action_id],
                body=_body({"version": {"type": "integer"}, **fields}, ["version"]),
            ),
        },
    }


def _evidence() -> dict:
    e_id, r_id = _id("evidence_id"), _id("response_id")
    binary = {"schema": {"type": "string", "format": "binary"}}
    upload = {
        "file": {"type": "string", "format": "binary", "description": "A file, or else url."},
        "url": {"type": "string", "description": "A web link (https:// or http://)."},
        "title": STRING,
        "kind": {"enum": list(EVIDENCE_KINDS)},
        "source_organisation_id": {**ID, "description": "Where it comes from (default: yours)."},
        "evidence_date": DATE,
        "description": STRING,
        "organisation_id": {**ID, "description": "Whose library (default: the one you keep)."},
        "response_id": {**ID, "description": "Link it to this response at once."},
        "note": {"type": "string", "description": "What it shows for that response."},
    }
    return {
        "/evidence": {
            "get": _op(
                "A library's evidence, or a response's, newest first (without withdrawn items "
                "unless asked)",
                "A page of evidence.",
                _list_of("Evidence"),
                ("403", "404"),
                params=[
                    *PAGE,
                    _query("organisation", ID, "A library you keep (default: your own)."),
                    _query("response", ID, "Only evidence linked to this response."),
                    _query("kind", {"enum": list(EVIDENCE_KINDS)}),
                    _query("include_withdrawn", {"type": "boolean"}),
                    _query(
                        "q", {"type": "string", "maxLength": 200}, "Words in title or description."
                    ),
                ],
            ),
            "post": _op(
                "Upload a file or record a web link as evidence; the file's type is decided from "
                "its content and its text scanned for children's personal details",
                "The new evidence, with any personal-data warnings.",
                ref("Evidence"),
                ("403", "404", "413", "422"),
                body=_body(upload, ["title", "kind"], "multipart/form-data"),
                status="201",
                headers={"Location": _header("The new evidence's address.")},
            ),
        },
        "/evidence/{evidence_id}": {
            "get": _op(
                "An item of evidence, with the responses you may see that it is linked to",
                "The evidence.",
                ref("Evidence"),
                READ,
                [e_id],
            )
        },
        "/evidence/{evidence_id}/download": {
            "get": _op(
                "Download an evidence file (as an attachment)",
                "The file.",
                content={t.mime: binary for t in FILE_TYPES.values()},
                errors=READ,
                params=[e_id],
                headers={"Content-Disposition": _header("attachment; filename=...")},
            )
        },
        "/evidence/{evidence_id}/withdraw": {
            "post": _op(
                "Withdraw evidence, with a reason: it stops counting at once and is never deleted",
                "The evidence, withdrawn.",
                ref("Evidence"),
                CHANGE,
                [e_id],
                body=_body({"reason": STRING}, ["reason"]),
            )
        },
        "/responses/{response_id}/evidence": {
            "get": _op(
                "A response's evidence links, a page at a time, oldest first",
                "A page of links.",
                _list_of("EvidenceLink"),
                READ,
                [r_id, *PAGE],
            ),
            "post": _op(
                "Link evidence from the assessment's own library to a response",
                "The response, with its evidence and triangulation now.",
                ref("Response"),
                CHANGE,
                [r_id],
                body=_body({"evidence_id": ID, "note": STRING}, ["evidence_id"]),
            ),
        },
        "/responses/{response_id}/evidence/{evidence_id}": {
            "delete": _op(
                "Unlink evidence from a response (it stays in the library)",
                "The response, with its evidence and triangulation now.",
                ref("Response"),
                CHANGE,
                [r_id, e_id],
            )
        },
    }


def _review() -> dict:
    a_id, r_id, c_id = _id("assessment_id"), _id("response_id"), _id("challenge_id")
    return {
        "/reviewers": {
            "get": _op(
                "Active peer reviewers (for administrators and inspectors)",
                "Every active peer reviewer.",
                _list_of("Reviewer", paged=False),
                ("403",),
            )
        },
        "/assessments/{assessment_id}/assign": {
            "post": _op(
                "Assign a peer reviewer to a submitted assessment; it moves into review",
                "The assessment, in review.",
                ref("Assessment"),
                CHANGE,
                [a_id],
                body=_body({"reviewer_id": ID, "due_on": DATE}, ["reviewer_id", "due_on"]),
            )
        },
        "/responses/{response_id}/validate": {
            "post": _op(
                "Validate a response's score without challenge (its assigned reviewer)",
                "The response, with its validated score.",
                ref("Response"),
                CHANGE,
                [r_id],
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
        "/responses/{response_id}/challenges": {
            "post": _op(
                "Raise a challenge on a response",
                "The new challenge.",
                ref("Challenge"),
                VERSIONED,
                [r_id],
                body=_body(
                    {
                        "question": STRING,
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
                "A challenge with its thread", "The challenge.", ref("Challenge"), READ, [c_id]
            )
        },
        "/challenges/{challenge_id}/answer": {
            "post": _op(
                "Answer a challenge (the organisation)",
                "The challenge, answered.",
                ref("Challenge"),
                VERSIONED,
                [c_id],
                body=_body(
                    {
                        "body": STRING,
                        "revised_score": SCORE,
                        "evidence_ids": {"type": "array", "items": ID},
                    },
                    ["body"],
                ),
            )
        },
        "/challenges/{challenge_id}/resolve": {
            "post": _op(
                "Resolve a challenge (its challenger)",
                "The challenge, resolved.",
                ref("Challenge"),
                VERSIONED,
                [c_id],
                body=_body(
                    {
                        "outcome": {"enum": list(CHALLENGE_OUTCOMES)},
                        "resolved_score": SCORE,
                        "rationale": nullable("string"),
                    },
                    ["outcome"],
                ),
            )
        },
        "/challenges/{challenge_id}/reopen": {
            "post": _op(
                "Reopen an answered challenge with a follow-up",
                "The challenge, open again.",
                ref("Challenge"),
                VERSIONED,
                [c_id],
                body=_body({"body": STRING, "due_on": DATE}, ["body", "due_on"]),
            )
        },
    }


def _statements() -> dict:
    s_id = _id("statement_id")
    return {
        "/statements": {
            "get": _op(
                "Progress statements you may read (inspectors and admins: drafts too)",
                "A page of statements, each with its published versions.",
                _list_of("Statement"),
                params=[
                    *PAGE,
                    _query("framework", ID),
                    _query("cycle", ID),
                    _query("scope", {"enum": ["organisation", "region", "national"]}),
                ],
            )
        },
        "/statements/{statement_id}": {
            "get": _op("A progress statement", "The statement.", ref("Statement"), READ, [s_id])
        },
        "/statements/{statement_id}/versions/{number}/pdf": {
            "get": _op(
                "A published version's PDF (as an attachment); its SHA-256 is in the statement",
                "The PDF.",
                content={"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                errors=READ,
                params=[s_id, _id("number")],
                headers={"Content-Disposition": _header("attachment; filename=...")},
            )
        },
    }


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any 1 to 200 printable characters, new for each change. A retry with the "
    "same key and body within 24 hours gets the first answer again (with the header "
    "Idempotent-Replayed: true) and changes nothing; the same key with another body is 422.",
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,200}$"},
}


def _with_idempotency_keys(paths: dict) -> dict:
    """Every POST but the token's (which answers with a secret never kept) takes the header."""
    for path, operations in paths.items():
        if "post" in operations and path != "/tokens":
            operations["post"]["parameters"] = [*operations["post"]["parameters"], IDEMPOTENCY_KEY]
            for code in ("400", "409", "422"):  # a bad key; still running; used for another
                operations["post"]["responses"].setdefault(
                    code,
                    {
                        "description": ERRORS.get(code, code),
                        "content": {"application/json": {"schema": ref("Error")}},
                    },
                )
    return paths


def document() -> dict:
    """The whole OpenAPI document."""
    paths = {}
    for area in (
        _tokens,
        _reference,
        _admin,
        _assessments,
        _actions,
        _evidence,
        _review,
        _statements,
    ):
        for path, operations in area().items():
            paths.setdefault(path, {}).update(operations)
    paths = _with_idempotency_keys(paths)
    for operations in paths.values():  # any call can find the database busy or away
        for operation in operations.values():
            operation["responses"].setdefault(
                "503",
                {
                    "description": "The database is busy or did not answer: nothing was "
                    "changed. Retry after the Retry-After header's seconds.",
                    "content": {"application/json": {"schema": ref("Error")}},
                },
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Safeguarding Progress Tracker API",
            "version": "1",
            "description": "Bearer-token JSON API; the same access rules as the pages. "
            'Errors are {"error": {"code", "message"}}. Reads carry an ETag: send it back '
            "as If-None-Match to get 304 Not Modified when nothing changed. "
            "A guide with examples: docs/api.md.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": paths,
    }
