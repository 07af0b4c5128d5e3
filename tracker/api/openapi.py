"""The OpenAPI 3.1 document of API v1, made from the pydantic models that also make the answers
(shapes.py, shapes_more.py) and read the bodies (bodies.py), and from one table of operations.
tests/api/test_openapi.py keeps it true: every route is documented here and everything
documented here is a route."""

from pydantic.json_schema import models_json_schema

from tracker.api import bodies, shapes, shapes_more
from tracker.evidence.filetype import TYPES as FILE_TYPES
from tracker.models.assessments import ASSESSMENT_STATUSES
from tracker.models.evidence import EVIDENCE_KINDS
from tracker.models.statements import SCOPES
from tracker.models.users import ROLES, STATUSES

REF = "#/components/schemas/{model}"
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
    "503": "The database is busy or did not answer: nothing was changed. Retry after the "
    "Retry-After header's seconds.",
}
READ, CHANGE = ("404",), ("403", "404", "422")
VERSIONED = ("403", "404", "409", "422")
STRING, ID = {"type": "string"}, bodies.ID_SCHEMA
BINARY = {"type": "string", "format": "binary"}


def ref(model) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def listing(model, paged: bool = True) -> dict:
    """{items, total} (and page, per_page if `paged`) of `model`."""
    properties = {"items": {"type": "array", "items": ref(model)}, "total": {"type": "integer"}}
    if paged:
        properties |= {"page": {"type": "integer"}, "per_page": {"type": "integer"}}
    return {"type": "object", "required": list(properties), "properties": properties}


def query(name: str, schema: dict, description: str | None = None) -> dict:
    param = {"name": name, "in": "query", "schema": schema}
    return param | ({"description": description} if description else {})


def header(description: str) -> dict:
    return {"description": description, "required": True, "schema": STRING}


PAGE = (
    query("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000}),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}),
)
LOCATION = {"Location": header("The new object's address.")}
ATTACHMENT = {"Content-Disposition": header("attachment; filename=...")}
SEARCH = {"type": "string", "maxLength": 200}
UPLOAD = {
    "type": "object",
    "required": ["title", "kind"],
    "properties": {
        "file": {**BINARY, "description": "A file, or else url."},
        "url": {"type": "string", "description": "A web link (https:// or http://)."},
        "title": STRING,
        "kind": {"enum": list(EVIDENCE_KINDS)},
        "source_organisation_id": {**ID, "description": "Where it comes from (default: yours)."},
        "evidence_date": {"type": "string", "format": "date"},
        "description": STRING,
        "organisation_id": {**ID, "description": "Whose library (default: the one you keep)."},
        "response_id": {**ID, "description": "Link it to this response at once."},
        "note": {"type": "string", "description": "What it shows for that response."},
    },
}
FRAMEWORK_FILE = {
    "multipart/form-data": {
        "schema": {"type": "object", "required": ["file"], "properties": {"file": BINARY}}
    },
    "application/yaml": {"schema": STRING},
}

S, M, B = shapes, shapes_more, bodies
# method, path, summary, what success answers, its shape (a model, or a schema), the errors it
# may answer beyond those every call may, and the rest: query parameters, body (a model, or
# content), status, public, content (for a file), headers.
OPERATIONS = [
    ("post", "/tokens", "Sign in and get a bearer token (shown once)", "The new token.",
     S.Token, ("401", "422"), {"body": B.NewToken, "public": True, "status": "201"}),
    ("delete", "/tokens/current", "Revoke the token used for this request", "Revoked.",
     None, (), {"status": "204"}),
    ("get", "/openapi.json", "This document", "The document.", {"type": "object"}, (),
     {"public": True}),
    # reference data
    ("get", "/frameworks", "Frameworks", "A page of frameworks.", listing(S.Framework), (),
     {"query": PAGE}),
    ("get", "/frameworks/{framework_id}", "A framework with its scale, sections and items",
     "The framework.", S.FrameworkWithItems, READ, {}),
    ("get", "/organisations", "Organisations", "A page of organisations.",
     listing(S.Organisation), (), {"query": PAGE}),
    ("get", "/organisations/{organisation_id}", "An organisation", "The organisation.",
     S.Organisation, READ, {}),
    ("get", "/cycles", "Reporting cycles", "A page of cycles.", listing(S.Cycle), (),
     {"query": PAGE}),
    ("get", "/cycles/{cycle_id}", "A reporting cycle", "The cycle.", S.Cycle, READ, {}),
    # administration (administrators; a board's or health board's coordinators: people)
    ("get", "/users", "People you may manage (administrators: everyone; a board's or health "
     "board's coordinator: their region's contributors)", "A page of people.",
     listing(S.User), ("403",), {"query": (
         *PAGE,
         query("q", SEARCH, "Words in name or e-mail."),
         query("organisation", STRING, "An organisation's code."),
         query("role", {"enum": list(ROLES)}),
         query("status", {"enum": list(STATUSES)}),
     )}),
    ("post", "/users", "Invite a person: they are e-mailed a link to choose a password (7 days)",
     "The new person, invited.", S.User, ("403", "409", "422"),
     {"body": B.Invitation, "status": "201", "headers": LOCATION}),
    ("get", "/users/{user_id}", "A person you may manage", "The person.", S.User,
     ("403", "404"), {}),
    ("patch", "/users/{user_id}", "Change a person's name, role, organisation or language; or, "
     "alone, deactivate them (active false, with a reason: their sessions and tokens end at "
     "once) or reactivate them (active true)", "The person now.", S.User, CHANGE,
     {"body": B.PersonChange}),
    ("post", "/users/{user_id}/unlock", "Lift a lock from failed sign-ins (administrators)",
     "The person now.", S.User, ("403", "404"), {}),
    ("post", "/cycles", "Open a reporting cycle (its window may not overlap another's)",
     "The new cycle.", S.Cycle, ("403", "422"),
     {"body": B.NewCycle, "status": "201", "headers": LOCATION}),
    ("patch", "/cycles/{cycle_id}", "Change a cycle's label or dates, or close it (closed true)",
     "The cycle now.", S.Cycle, CHANGE, {"body": B.CycleChange}),
    ("post", "/organisations", "Add an organisation", "The new organisation.", S.Organisation,
     ("403", "409", "422"), {"body": B.NewOrganisation, "status": "201", "headers": LOCATION}),
    ("post", "/frameworks", "Import a framework file (YAML, as `flask import-framework`) as a "
     "new version", "The imported framework, with its scale, sections and items.",
     S.FrameworkWithItems, ("403", "409", "413", "422"),
     {"body": FRAMEWORK_FILE, "status": "201", "headers": LOCATION}),
    # assessments and responses
    ("get", "/assessments", "Assessments you may see", "A page of assessments.",
     listing(S.Assessment), (), {"query": (
         *PAGE,
         *(query(name, ID) for name in ("organisation", "framework", "cycle")),
         query("status", {"enum": list(ASSESSMENT_STATUSES)}),
     )}),
    ("get", "/assessments/{assessment_id}", "An assessment", "The assessment.", S.Assessment,
     READ, {}),
    ("get", "/assessments/{assessment_id}/responses", "An assessment's responses",
     "Every response.", listing(S.Response, paged=False), READ, {}),
    ("post", "/assessments/{assessment_id}/submit", "Submit a complete assessment", "Submitted.",
     S.Assessment, CHANGE, {}),
    ("post", "/assessments/{assessment_id}/return", "Return an assessment to its organisation, "
     "with a reason", "Returned.", S.Assessment, CHANGE, {"body": B.Reason}),
    ("post", "/assessments/{assessment_id}/conclude", "Conclude a review", "Concluded.",
     S.Assessment, CHANGE, {}),
    ("get", "/responses/{response_id}", "A response", "The response.", S.Response, READ, {}),
    ("patch", "/responses/{response_id}", "Change a response's score, narrative or impact "
     "measure, at a version", "The response, at its new version.", S.Response, VERSIONED,
     {"body": B.ResponseChange}),
    # improvement actions
    ("get", "/responses/{response_id}/actions", "A response's improvement actions",
     "Every action, oldest first.", listing(S.Action, paged=False), READ, {}),
    ("post", "/responses/{response_id}/actions", "Add an improvement action (status defaults to "
     "open)", "The new action.", S.Action, CHANGE, {"body": B.NewAction, "status": "201"}),
    ("get", "/actions/{action_id}", "An improvement action", "The action.", S.Action, READ, {}),
    ("patch", "/actions/{action_id}", "Change an action at a version; fields left out keep their "
     "values. Marking it done records the day.", "The action, at its new version.", S.Action,
     VERSIONED, {"body": B.ActionChange}),
    # evidence
    ("get", "/evidence", "A library's evidence, or a response's, newest first (without "
     "withdrawn items unless asked)", "A page of evidence.", listing(M.Evidence),
     ("403", "404"), {"query": (
         *PAGE,
         query("organisation", ID, "A library you keep (default: your own)."),
         query("response", ID, "Only evidence linked to this response."),
         query("kind", {"enum": list(EVIDENCE_KINDS)}),
         query("include_withdrawn", {"type": "boolean"}),
         query("q", SEARCH, "Words in title or description."),
     )}),
    ("post", "/evidence", "Upload a file or record a web link as evidence; the file's type is "
     "decided from its content and its text scanned for children's personal details",
     "The new evidence, with any personal-data warnings.", M.Evidence,
     ("403", "404", "413", "422"), {
         "body": {"multipart/form-data": {"schema": UPLOAD}},
         "status": "201",
         "headers": {"Location": header("The new evidence's address.")},
     }),
    ("get", "/evidence/{evidence_id}", "An item of evidence, with the responses you may see that "
     "it is linked to", "The evidence.", M.EvidenceWithLinks, READ, {}),
    ("get", "/evidence/{evidence_id}/download", "Download an evidence file (as an attachment)",
     "The file.", None, READ, {
         "content": {t.mime: {"schema": BINARY} for t in FILE_TYPES.values()},
         "headers": ATTACHMENT,
     }),
    ("post", "/evidence/{evidence_id}/withdraw", "Withdraw evidence, with a reason: it stops "
     "counting at once and is never deleted", "The evidence, withdrawn.", M.Evidence, CHANGE,
     {"body": B.Reason}),
    ("get", "/responses/{response_id}/evidence", "A response's evidence links, a page at a time, "
     "oldest first", "A page of links.", listing(S.EvidenceLink), READ, {"query": PAGE}),
    ("post", "/responses/{response_id}/evidence", "Link evidence from the assessment's own "
     "library to a response", "The response, with its evidence and triangulation now.",
     S.Response, CHANGE, {"body": B.Link}),
    ("delete", "/responses/{response_id}/evidence/{evidence_id}", "Unlink evidence from a "
     "response (it stays in the library)", "The response, with its evidence and triangulation "
     "now.", S.Response, CHANGE, {}),
    # peer review
    ("get", "/reviewers", "Active peer reviewers (for administrators and inspectors)",
     "Every active peer reviewer.", listing(M.Reviewer, paged=False), ("403",), {}),
    ("post", "/assessments/{assessment_id}/assign", "Assign a peer reviewer to a submitted "
     "assessment; it moves into review", "The assessment, in review.", S.Assessment, CHANGE,
     {"body": B.Assignment}),
    ("post", "/responses/{response_id}/validate", "Validate a response's score without "
     "challenge (its assigned reviewer)", "The response, with its validated score.",
     S.Response, CHANGE, {}),
    ("get", "/assessments/{assessment_id}/challenges", "Challenges on an assessment",
     "Every challenge.", listing(M.Challenge, paged=False), READ, {}),
    ("post", "/responses/{response_id}/challenges", "Raise a challenge on a response",
     "The new challenge.", M.Challenge, VERSIONED, {"body": B.NewChallenge, "status": "201"}),
    ("get", "/challenges/{challenge_id}", "A challenge with its thread", "The challenge.",
     M.Challenge, READ, {}),
    ("post", "/challenges/{challenge_id}/answer", "Answer a challenge (the organisation)",
     "The challenge, answered.", M.Challenge, VERSIONED, {"body": B.Answer}),
    ("post", "/challenges/{challenge_id}/resolve", "Resolve a challenge (its challenger)",
     "The challenge, resolved.", M.Challenge, VERSIONED, {"body": B.Resolution}),
    ("post", "/challenges/{challenge_id}/reopen", "Reopen an answered challenge with a "
     "follow-up", "The challenge, open again.", M.Challenge, VERSIONED, {"body": B.FollowUp}),
    # statements
    ("get", "/statements", "Progress statements you may read (inspectors and admins: drafts "
     "too)", "A page of statements, each with its published versions.", listing(M.Statement),
     (), {"query": (
         *PAGE,
         query("framework", ID),
         query("cycle", ID),
         query("scope", {"enum": list(SCOPES)}),
     )}),
    ("get", "/statements/{statement_id}", "A progress statement", "The statement.", M.Statement,
     READ, {}),
    ("get", "/statements/{statement_id}/versions/{number}/pdf", "A published version's PDF (as an "
     "attachment); its SHA-256 is in the statement", "The PDF.", None, READ, {
         "content": {"application/pdf": {"schema": BINARY}},
         "headers": ATTACHMENT,
     }),
]  # fmt: skip

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any 1 to 200 printable characters, new for each change. A retry with the "
    "same key and body within 24 hours gets the first answer again (with the header "
    "Idempotent-Replayed: true) and changes nothing; the same key with another body is 422.",
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,200}$"},
}


def _schema(shape) -> dict:
    return ref(shape) if isinstance(shape, type) else shape


def _operation(method, path, summary, ok, shape, errors, extra) -> dict:
    """One operation: its success answer and every error it may answer, each an Error."""
    body, params = extra.get("body"), [*extra.get("query", ())]
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    params = [{"name": n, "in": "path", "required": True, "schema": ID} for n in names] + params
    success = {"description": ok}
    content = extra.get("content") or (
        {"application/json": {"schema": _schema(shape)}} if shape is not None else None
    )
    if content:
        success["content"] = content
    if "headers" in extra:
        success["headers"] = extra["headers"]
    codes = {*errors, "503"} | ({"401"} if not extra.get("public") else set())
    codes |= {"400"} if body or params else set()
    codes |= {"415"} if body else set()
    codes |= {"405"} if names else set()
    if method == "post" and path != "/tokens":  # the token's answer holds a secret never kept
        params.append(IDEMPOTENCY_KEY)
        codes |= {"400", "409", "422"}  # a bad key; still running; used for another request
    error = {"application/json": {"schema": ref(shapes.Error)}}
    responses = {extra.get("status", "200"): success}
    responses |= {code: {"description": ERRORS[code], "content": error} for code in sorted(codes)}
    op = {"summary": summary, "responses": responses, "parameters": params}
    if body is not None:
        media = {"application/json": {"schema": ref(body)}} if isinstance(body, type) else body
        op["requestBody"] = {"required": True, "content": media}
    if extra.get("public"):
        op["security"] = []
    return op


def _components() -> dict:
    """Every model's schema, and the models they hold."""
    models = {shapes.Error}
    for _method, _path, _summary, _ok, shape, _errors, extra in OPERATIONS:
        for found in (shape, extra.get("body")):
            if isinstance(found, type):
                models.add(found)
        if isinstance(shape, dict) and "$ref" in str(shape):
            models.add(_listed(shape))
    ordered = sorted(models, key=lambda m: m.__name__)
    _keys, schemas = models_json_schema(
        [(m, "validation" if issubclass(m, bodies.Body) else "serialization") for m in ordered],
        ref_template=REF,
    )
    return schemas["$defs"]


def _listed(schema: dict):
    """The model a listing's items are."""
    name = schema["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[1]
    return getattr(shapes, name, None) or getattr(shapes_more, name)


def document() -> dict:
    """The whole OpenAPI document."""
    paths: dict[str, dict] = {}
    for method, path, *rest in OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(method, path, *rest)
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
            "schemas": _components(),
        },
        "paths": paths,
    }
