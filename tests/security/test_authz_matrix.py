"""The authorisation matrix (issue #9, DESIGN §11): every route, every role, an object of the
user's own side and of someone else's, and the answer each must get.

The table below has an entry for every rule of the URL map; a new route without one, or an
entry whose route has gone, fails `test_every_route_has_an_entry`. Each entry names how to
fill its URL (its targets: own and other objects, in the states that matter) and, per method,
what each signed-in role must get for each target, in the targets' order:

    ok     allowed: 200 for a GET; for a change, anything but a refusal (a redirect, a 201,
           a form's 400, a 409, a 422 say the request got past access)
    302    a GET answered by a redirect that is not to the sign-in page
    403    refused: the user may see the object but not do this to it
    404    refused: the user may not even see it (so ids reveal nothing)

Anonymous visitors are sent to /login (pages) or get a 401 (API) unless the entry is public.
A refused change must also leave every table as it was. "Own" is side A of the world in
conftest.py: the coordinator's and contributor's organisation and region, the assessment
the reviewer is assigned to; "other" is side B. Inspectors and administrators belong to
neither side and read submitted work on both by design (DESIGN §2).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for

from tests.conftest import CSRF_PATTERN, TEST_PASSWORD, FreshContextClient, date_parts
from tests.security.conftest import ROLES_SIGNED_IN, fingerprint, restore
from tracker import clock
from tracker.extensions import db
from tracker.models import Response, Statement
from tracker.statements.drafting import SECTION_KEYS

ROLES = (*ROLES_SIGNED_IN, "anonymous")
READS = ("GET", "HEAD")
DUE = (clock.today() + timedelta(days=10)).isoformat()


def _boxes(name: str) -> dict:
    """DUE in a form, as the date input's three boxes (branch assess, #17.15)."""
    return {key: _const(value) for key, value in date_parts(name, DUE).items()}


# --- targets: how to fill a route's URL --------------------------------------------------------
# A target is a function of the world that gives url_for its values (path arguments, query
# string) and, under "_form", fields a change sends in its body instead.

SIDES = ("own", "other")
STATES = (("draft", "draft"), ("review", "in_review"))  # Side attribute, target name


def per_side(values: Callable) -> dict[str, Callable]:
    """A target for each side: values(world, side)."""
    return {side: (lambda w, side=side: values(w, w.sides[side])) for side in SIDES}


def per_assessment(values: Callable) -> dict[str, Callable]:
    """A target for each side's draft and assessment under review, in the order the
    expectations give them: own draft, own in_review, other draft, other in_review.
    values(world, side, state) with state "draft" or "review"."""
    return {
        f"{side} {label}": (lambda w, side=side, state=state: values(w, w.sides[side], state))
        for side in SIDES
        for state, label in STATES
    }


def _a1(side, state: str, key: str = "A1") -> int:
    return getattr(side, f"{state}_responses")[key]


NONE = {"-": lambda w: {}}
ASSESSMENT = per_assessment(lambda w, s, state: {"assessment_id": getattr(s, state)})
ITEM = per_assessment(lambda w, s, state: {"assessment_id": getattr(s, state), "item_key": "A1"})
ITEM_A2 = per_assessment(lambda w, s, state: {"assessment_id": getattr(s, state), "item_key": "A2"})
RESPONSE = per_assessment(lambda w, s, state: {"response_id": _a1(s, state)})
RESPONSE_A2 = per_assessment(lambda w, s, state: {"response_id": _a1(s, state, "A2")})
ACTION_PAGE = per_assessment(
    lambda w, s, state: {
        "assessment_id": getattr(s, state),
        "action_id": getattr(s, f"{state}_action"),
    }
)
LINK_PAGE = per_assessment(
    lambda w, s, state: {"assessment_id": getattr(s, state), "link_id": getattr(s, f"{state}_link")}
)
ACTION_API = per_assessment(lambda w, s, state: {"action_id": getattr(s, f"{state}_action")})
UNLINK_API = per_assessment(
    lambda w, s, state: {"response_id": _a1(s, state), "evidence_id": s.file}
)
# An organisation's dashboard (and its chart) in the cycle of its draft or of its review.
CYCLE_OF = {"draft": "current_cycle", "review": "previous_cycle"}
ORGANISATION_CYCLE = per_assessment(
    lambda w, s, state: {
        "organisation_id": s.rsb,
        "framework": w.framework,
        "cycle": getattr(w, CYCLE_OF[state]),
    }
)
ORGANISATION_CHART = per_assessment(
    lambda w, s, state: {
        "name": "organisation-profile",
        "organisation": s.rsb,
        "framework": w.framework,
        "cycle": getattr(w, CYCLE_OF[state]),
    }
)
EVIDENCE = {  # the file is linked to both of its side's assessments, the web link to the draft
    f"{side} {kind}": (
        lambda w, side=side, kind=kind: {"evidence_id": getattr(w.sides[side], kind)}
    )
    for side in SIDES
    for kind in ("file", "url")
}
CHALLENGE = per_side(lambda w, s: {"challenge_id": s.challenge})
ORGANISATION = per_side(lambda w, s: {"organisation_id": s.rsb})
FRAMEWORK = {"-": lambda w: {"framework_id": w.framework}}


def statements(**extra) -> dict[str, Callable]:
    """Each side's published statement (edited since) and its never-published draft."""
    return {
        f"{side} {label}": (
            lambda w, side=side, attr=attr: {"statement_id": getattr(w.sides[side], attr), **extra}
        )
        for side in SIDES
        for attr, label in (("statement", "published"), ("draft_statement", "draft"))
    }


STATEMENT = statements()
VERSION = per_side(lambda w, s: {"statement_id": s.statement, "number": 1})
# A user's own notification and token (anonymous: side A's coordinator's), and side B's.
NOTIFICATION = {
    "own": lambda w: {"notification_id": w.notifications.get(w.role, w.own.notification)},
    "other": lambda w: {"notification_id": w.other.notification},
}
TOKEN = {
    "own": lambda w: {"token_id": w.token_ids.get(w.role, w.own.token)},
    "other": lambda w: {"token_id": w.other.token},
}
# People to manage: side A's contributor (in the coordinator's region), side B's, and side A's
# coordinator (whom only an administrator manages; for the coordinator, themselves).
PERSON = {
    "own contributor": lambda w: {"user_id": w.users["contributor"]},
    "other contributor": lambda w: {"user_id": w.other_users["contributor"]},
    "own coordinator": lambda w: {"user_id": w.users["coordinator"]},
}
CYCLE = {"-": lambda w: {"cycle_id": w.current_cycle}}
FAILED_EMAIL = {"-": lambda w: {"message_id": w.failed_email}}
LINK_TOKEN = {"-": lambda w: {"token": "not-a-link-anyone-was-sent"}}
EXPORT = per_side(
    lambda w, s: {"scope": f"organisation-{s.rsb}", "dataset": "responses", "format": "csv"}
)
EVIDENCE_NEW = {  # the upload page, for an item of an assessment or an answer to a challenge
    "-": lambda w: {},
    "own draft item": lambda w: {"assessment": w.own.draft, "item": "A1"},
    "other draft item": lambda w: {"assessment": w.other.draft, "item": "A1"},
    "own challenge": lambda w: {"challenge": w.own.challenge},
    "other challenge": lambda w: {"challenge": w.other.challenge},
}
EVIDENCE_LIST = {  # a library, or the evidence of a response
    "-": lambda w: {},
    **{f"{side} library": v for side, v in per_side(lambda w, s: {"organisation": s.rsb}).items()},
    **per_assessment(lambda w, s, state: {"response": _a1(s, state)}),
}
UPLOAD = {  # into a library, or for a response
    **{
        f"{side} library": v
        for side, v in per_side(lambda w, s: {"_form": {"organisation_id": s.rsb}}).items()
    },
    **per_assessment(lambda w, s, state: {"_form": {"response_id": _a1(s, state)}}),
}


# --- expectations shared by several routes -----------------------------------------------------

ALL_OK = {role: "ok" for role in ROLES_SIGNED_IN}


def _everyone(outcomes: str) -> dict[str, str]:
    return {role: outcomes for role in ROLES_SIGNED_IN}


def _only(roles: tuple[str, ...], otherwise: str = "403") -> dict[str, str]:
    return {role: "ok" if role in roles else otherwise for role in ROLES_SIGNED_IN}


ADMINS = _only(("admin",))
PEOPLE_MANAGERS = _only(("coordinator", "admin"))  # side A's coordinator is an RSB's
# Targets: own contributor, other contributor, own coordinator.
MANAGE_PERSON = {**_everyone("404 404 404"), "coordinator": "ok 404 404", "admin": "ok ok ok"}
ADMINISTER_PERSON = {**MANAGE_PERSON, "coordinator": "403 404 404"}
API_PERSON = {**MANAGE_PERSON, **{r: "403" for r in ("contributor", "reviewer", "inspector")}}
API_ADMINISTER_PERSON = {**API_PERSON, "coordinator": "403 404 404"}

# Targets: own draft, own in_review, other draft, other in_review.
VIEW_ASSESSMENT = {
    "coordinator": "ok  ok  404 404",
    "contributor": "ok  ok  404 404",
    "reviewer": "404 ok  404 404",
    "inspector": "404 ok  404 ok",
    "admin": "404 ok  404 ok",
}
DRAFT_ASSESSMENT = {  # narrative, evidence, actions
    "coordinator": "ok  403 404 404",
    "contributor": "ok  403 404 404",
    "reviewer": "404 403 404 404",
    "inspector": "404 403 404 403",
    "admin": "404 403 404 403",
}
SUBMIT_ASSESSMENT = {**DRAFT_ASSESSMENT, "contributor": "403 403 404 404"}
RETURN_ASSESSMENT = {
    "coordinator": "403 403 404 404",
    "contributor": "403 403 404 404",
    "reviewer": "404 ok  404 404",
    "inspector": "404 ok  404 ok",
    "admin": "404 ok  404 ok",
}
ASSIGN_REVIEWER = {**RETURN_ASSESSMENT, "reviewer": "404 403 404 404"}
RAISE_CHALLENGE = {**RETURN_ASSESSMENT, "admin": "404 403 404 403"}
VALIDATE = {**RAISE_CHALLENGE, "inspector": "404 403 404 403"}  # and conclude

# Targets: own, other (the challenge on each side's assessment under review).
VIEW_CHALLENGE = {
    "coordinator": "ok 404",
    "contributor": "ok 404",
    "reviewer": "ok 404",
    "inspector": "ok ok",
    "admin": "ok ok",
}
ANSWER_CHALLENGE = {
    "coordinator": "ok  404",
    "contributor": "403 404",
    "reviewer": "403 404",
    "inspector": "403 403",
    "admin": "403 403",
}
SETTLE_CHALLENGE = {**ANSWER_CHALLENGE, "coordinator": "403 404", "reviewer": "ok 404"}

# Targets: own file, own url, other file, other url. The file is linked to both of its side's
# assessments, the web link to the draft only.
VIEW_EVIDENCE = {
    "coordinator": "ok ok  404 404",
    "contributor": "ok ok  404 404",
    "reviewer": "ok 404 404 404",
    "inspector": "ok 404 ok  404",
    "admin": "ok 404 ok  404",
}
DOWNLOAD_EVIDENCE = {  # a web link has no file to download: 404 for everyone
    **VIEW_EVIDENCE,
    "coordinator": "ok 404 404 404",
    "contributor": "ok 404 404 404",
}
WITHDRAW_EVIDENCE = {
    "coordinator": "ok  ok  404 404",
    "contributor": "403 403 404 404",
    "reviewer": "403 404 404 404",
    "inspector": "403 404 403 404",
    "admin": "403 404 403 404",
}

# Targets: own published, own draft, other published, other draft. A published statement is
# public; a draft is the inspectorates' working paper, which the national team may read.
VIEW_STATEMENT = {
    "coordinator": "ok 404 ok 404",
    "contributor": "ok 404 ok 404",
    "reviewer": "ok 404 ok 404",
    "inspector": "ok ok ok ok",
    "admin": "ok ok ok ok",
}
DRAFT_STATEMENT = {  # the working paper: today's figures and charts, unpublished text
    "coordinator": "403 404 403 404",
    "contributor": "403 404 403 404",
    "reviewer": "403 404 403 404",
    "inspector": "ok ok ok ok",
    "admin": "ok ok ok ok",
}
EDIT_STATEMENT = {
    "coordinator": "403 404 403 404",
    "contributor": "403 404 403 404",
    "reviewer": "403 404 403 404",
    "inspector": "ok ok ok ok",
    "admin": "403 403 403 403",
}
LIBRARY_KEEPERS = _only(("coordinator", "contributor"))


# --- payloads: what a change sends (valid, so a missing check would show as a change) -------


def _form(**data: Callable) -> Callable:
    return lambda w, values, role: {"data": {k: f(w, values, role) for k, f in data.items()}}


def _json(**data: Callable) -> Callable:
    return lambda w, values, role: {"json": {k: f(w, values, role) for k, f in data.items()}}


def _const(value) -> Callable:
    return lambda w, values, role: value


def _side_of(w, values: dict):
    """The side whose assessment or response a target names."""
    for side in w.sides.values():
        responses = (*side.draft_responses.values(), *side.review_responses.values())
        if values.get("assessment_id") in (side.draft, side.review):
            return side
        if values.get("response_id") in responses:
            return side
    raise LookupError(values)


def _response_version(w, values, role) -> int:
    response_id = values.get("response_id") or _a1_response(w, values)
    return db.session.get(Response, response_id).version


def _a1_response(w, values) -> int:
    side = _side_of(w, values)
    state = "draft" if values["assessment_id"] == side.draft else "review"
    return getattr(side, f"{state}_responses")["A1"]


def _statement_version(w, values, role) -> int:
    return db.session.get(Statement, values["statement_id"]).version


def _file_of(w, values, role) -> int:
    return _side_of(w, values).file


def _no_body(w, values, role) -> dict:
    return {}


NO_BODY = _no_body
SEEN_NOTHING = _const("")  # no "last message read": the thread check does not apply
CSRF_ONLY = _form()
RESPONSE_FORM = _form(
    score=_const("2"),
    narrative=_const("Changed by the matrix."),
    impact=_const("Measured."),
    version=_response_version,
)
CONFIRM_FORM = _form(version=_response_version)  # branch assess
DUE_BOXES = _boxes("due_on")  # branch assess
ACTION_FORM = _form(
    description=_const("An action from the matrix"),
    owner=_const("Matrix"),
    **DUE_BOXES,
    status=_const("open"),
    version=lambda w, values, role: 1,
)
PAGE_ACTION_FORM = _form(  # the item page's action form has a prefix
    **{
        "action-description": _const("An action from the matrix"),
        "action-owner": _const("Matrix"),
        **_boxes("action-due_on"),
        "action-status": _const("open"),
    }
)
LINK_FORM = _form(**{"link-evidence": _file_of, "link-note": _const("Shows it")})
EVIDENCE_FORM = _form(
    source=_const("url"),
    url=_const("https://example.org/matrix"),
    title=_const("Added by the matrix"),
    kind=_const("data"),
    source_organisation=lambda w, values, role: w.own.rsb,
)
CHALLENGE_FORM = _form(question=_const("Why this score?"), proposed_score=_const("1"), **DUE_BOXES)
REASON_FORM = _form(reason=_const("Returned by the matrix."))
UPLOAD_FORM = _form(
    title=_const("Uploaded by the matrix"),
    kind=_const("data"),
    url=_const("https://example.org/matrix-upload"),
)


# --- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    endpoint: str
    targets: dict[str, Callable]
    methods: dict[str, dict[str, str]]  # method -> role -> outcomes, one per target
    payloads: dict[str, Callable] = field(default_factory=dict)  # method -> request body
    public: bool = False  # anonymous visitors may use it too
    anonymous: str = "ok"  # what a public route answers them

    @property
    def api(self) -> bool:
        return self.endpoint.startswith("api.")


R = Route
ROUTES = [
    # --- start pages, sign-in, accounts ---
    R("main.home", NONE, {"GET": ALL_OK}),
    R("main.accessibility", NONE, {"GET": ALL_OK}, public=True),
    R("main.healthz", NONE, {"GET": ALL_OK}, public=True),
    R(
        "auth.login",
        NONE,
        {"GET": _everyone("302"), "POST": ALL_OK},  # signed in: off to the start page
        {"POST": _form(email=_const("nobody@example.test"), password=_const("wrong-password"))},
        public=True,
    ),
    R("auth.logout", NONE, {"POST": ALL_OK}, {"POST": CSRF_ONLY}),
    R("auth.session_remaining", NONE, {"GET": ALL_OK}),
    R("auth.keep_session", NONE, {"POST": ALL_OK}, {"POST": CSRF_ONLY}),
    R(
        "auth.account",
        NONE,
        {"GET": ALL_OK, "POST": ALL_OK},
        {"POST": _form(name=_const("matrix"))},
    ),
    R("auth.revoke_token", TOKEN, {"POST": _everyone("ok 404")}, {"POST": CSRF_ONLY}),
    R(
        "auth.change_password",
        NONE,
        {"GET": ALL_OK, "POST": ALL_OK},
        {"POST": _form(current=_const("not-the-password"))},
    ),
    R("auth.sign_out_everywhere", NONE, {"POST": ALL_OK}, {"POST": CSRF_ONLY}),
    R("auth.set_language", NONE, {"POST": ALL_OK}, {"POST": _form(locale=_const("cy"))}),
    R(
        "auth.forgot_password",
        NONE,
        {"GET": ALL_OK, "POST": ALL_OK},
        {"POST": _form(email=_const("nobody@example.test"))},
        public=True,
    ),
    R(  # a link nobody was sent: "not right", whoever asks
        "auth.set_password",
        LINK_TOKEN,
        {"GET": _everyone("404"), "POST": _everyone("404")},
        {"POST": _form(password=_const("a-long-new-password"))},
        public=True,
        anonymous="404",
    ),
    # --- administration ---
    R("admin.index", NONE, {"GET": PEOPLE_MANAGERS}),
    R("admin.people", NONE, {"GET": PEOPLE_MANAGERS}),
    R(
        "admin.invite_person",
        NONE,
        {"GET": PEOPLE_MANAGERS, "POST": PEOPLE_MANAGERS},
        {"POST": CSRF_ONLY},
    ),
    R("admin.person", PERSON, {"GET": MANAGE_PERSON}),
    R(
        "admin.edit_person",
        PERSON,
        {"GET": ADMINISTER_PERSON, "POST": ADMINISTER_PERSON},
        {"POST": CSRF_ONLY},
    ),
    R(
        "admin.deactivate_person",
        PERSON,
        {"GET": MANAGE_PERSON, "POST": MANAGE_PERSON},
        {"POST": CSRF_ONLY},
    ),
    R("admin.unlock_person", PERSON, {"POST": ADMINISTER_PERSON}, {"POST": CSRF_ONLY}),
    R("admin.reset_person", PERSON, {"POST": ADMINISTER_PERSON}, {"POST": CSRF_ONLY}),
    R("admin.resend_invitation", PERSON, {"POST": MANAGE_PERSON}, {"POST": CSRF_ONLY}),
    R("admin.reactivate_person", PERSON, {"POST": MANAGE_PERSON}, {"POST": CSRF_ONLY}),
    R("admin.organisations", NONE, {"GET": ADMINS}),
    R("admin.add_organisation", NONE, {"GET": ADMINS, "POST": ADMINS}, {"POST": CSRF_ONLY}),
    R(
        "admin.edit_organisation",
        ORGANISATION,
        {"GET": ADMINS, "POST": ADMINS},
        {"POST": CSRF_ONLY},
    ),
    R("admin.deactivate_organisation", ORGANISATION, {"POST": ADMINS}, {"POST": CSRF_ONLY}),
    R("admin.reactivate_organisation", ORGANISATION, {"POST": ADMINS}, {"POST": CSRF_ONLY}),
    R("admin.cycles", NONE, {"GET": ADMINS}),
    R("admin.open_cycle", NONE, {"GET": ADMINS, "POST": ADMINS}, {"POST": CSRF_ONLY}),
    R("admin.edit_cycle", CYCLE, {"GET": ADMINS, "POST": ADMINS}, {"POST": CSRF_ONLY}),
    R("admin.close_cycle", CYCLE, {"POST": ADMINS}, {"POST": CSRF_ONLY}),
    R("admin.frameworks", NONE, {"GET": ADMINS}),
    R("admin.upload_framework", NONE, {"POST": ADMINS}, {"POST": CSRF_ONLY}),
    R("admin.confirm_framework", NONE, {"POST": ADMINS}, {"POST": CSRF_ONLY}),
    R("admin.retire_framework", FRAMEWORK, {"POST": ADMINS}, {"POST": CSRF_ONLY}),
    R("admin.unretire_framework", FRAMEWORK, {"POST": ADMINS}, {"POST": CSRF_ONLY}),
    R("admin.audit", NONE, {"GET": ADMINS}),
    R("admin.mail", NONE, {"GET": ADMINS}),
    R("admin.retry_mail", FAILED_EMAIL, {"POST": ADMINS}, {"POST": CSRF_ONLY}),
    R("admin.audit_csv", NONE, {"GET": ADMINS}),
    R("notifications.index", NONE, {"GET": ALL_OK}),
    R("notifications.read", NOTIFICATION, {"POST": _everyone("ok 404")}, {"POST": CSRF_ONLY}),
    R("notifications.read_all", NONE, {"POST": ALL_OK}, {"POST": CSRF_ONLY}),
    # --- frameworks and starting an assessment ---
    R("frameworks.index", NONE, {"GET": ALL_OK}),
    R("frameworks.show", FRAMEWORK, {"GET": ALL_OK}),
    R(
        "assessments.start",
        FRAMEWORK,
        {"GET": _only(("coordinator",)), "POST": _only(("coordinator",))},
        {"POST": _form(start_from=_const("empty"))},
    ),
    # --- an organisation's assessment ---
    R("assessments.task_list", ASSESSMENT, {"GET": VIEW_ASSESSMENT}),
    R(
        "assessments.item",
        ITEM,
        {"GET": VIEW_ASSESSMENT, "POST": DRAFT_ASSESSMENT},
        {"POST": RESPONSE_FORM},
    ),
    R("assessments.history", ITEM, {"GET": VIEW_ASSESSMENT}),
    R("assessments.link_evidence", ITEM_A2, {"POST": DRAFT_ASSESSMENT}, {"POST": LINK_FORM}),
    R("assessments.unlink_evidence", LINK_PAGE, {"POST": DRAFT_ASSESSMENT}, {"POST": CSRF_ONLY}),
    R("assessments.add_action", ITEM, {"POST": DRAFT_ASSESSMENT}, {"POST": PAGE_ACTION_FORM}),
    R(
        "assessments.edit_action",
        ACTION_PAGE,
        {"GET": DRAFT_ASSESSMENT, "POST": DRAFT_ASSESSMENT},
        {"POST": ACTION_FORM},
    ),
    R(
        "assessments.submit",
        ASSESSMENT,
        {"GET": SUBMIT_ASSESSMENT, "POST": SUBMIT_ASSESSMENT},
        {"POST": CSRF_ONLY},
    ),
    R(
        "assessments.return_assessment",
        ASSESSMENT,
        {"GET": RETURN_ASSESSMENT, "POST": RETURN_ASSESSMENT},
        {"POST": REASON_FORM},
    ),
    # --- branch assess (issue #17 points 2, 13): carried-over answers, check your answers ---
    R("assessments.confirm", ITEM, {"POST": SUBMIT_ASSESSMENT}, {"POST": CONFIRM_FORM}),
    # The confirmation after submitting; a draft's goes to its task list.
    R(
        "assessments.submitted",
        ASSESSMENT,
        {
            "GET": {
                **VIEW_ASSESSMENT,
                "coordinator": "302 ok 404 404",
                "contributor": "302 ok 404 404",
            }
        },
    ),
    # --- peer review ---
    R("review.index", NONE, {"GET": _only(("reviewer", "inspector", "admin"))}),
    R(
        "review.assign",
        ASSESSMENT,
        {"GET": ASSIGN_REVIEWER, "POST": ASSIGN_REVIEWER},
        {"POST": _form(reviewer=lambda w, values, role: w.other_users["reviewer"], **DUE_BOXES)},
    ),
    R("review.assessment", ASSESSMENT, {"GET": VIEW_ASSESSMENT}),
    R("review.response", ITEM, {"GET": VIEW_ASSESSMENT}),
    R("review.raise_challenge", ITEM_A2, {"POST": RAISE_CHALLENGE}, {"POST": CHALLENGE_FORM}),
    R("review.validate", ITEM_A2, {"POST": VALIDATE}, {"POST": CSRF_ONLY}),
    R("review.conclude", ASSESSMENT, {"POST": VALIDATE}, {"POST": CSRF_ONLY}),
    R("review.challenge", CHALLENGE, {"GET": VIEW_CHALLENGE}),
    # branch review (#17.13): the pages that ask before validating and concluding.
    R("review.confirm_validate", ITEM_A2, {"GET": VALIDATE}),
    R("review.confirm_conclude", ASSESSMENT, {"GET": VALIDATE}),
    R(
        "review.answer",
        CHALLENGE,
        {"POST": ANSWER_CHALLENGE},
        {"POST": _form(body=_const("Here is what changed."))},
    ),
    R(
        "review.resolve",
        CHALLENGE,
        {"POST": SETTLE_CHALLENGE},
        {"POST": _form(outcome=_const("withdrawn"), seen=SEEN_NOTHING)},
    ),
    R(
        "review.reopen",
        CHALLENGE,
        {"POST": SETTLE_CHALLENGE},
        {"POST": _form(body=_const("Still unanswered."), **DUE_BOXES, seen=SEEN_NOTHING)},
    ),
    # --- evidence ---
    R("evidence.index", NONE, {"GET": LIBRARY_KEEPERS}),
    R(
        "evidence.new",
        EVIDENCE_NEW,
        # Targets: -, own draft item, other draft item, own challenge, other challenge.
        dict.fromkeys(
            ("GET", "POST"),
            {
                "coordinator": "ok  ok  404 ok  404",
                "contributor": "ok  ok  404 403 404",
                "reviewer": "403 404 404 403 404",
                "inspector": "403 404 404 403 403",
                "admin": "403 404 404 403 403",
            },
        ),
        {"POST": EVIDENCE_FORM},
    ),
    R("evidence.show", EVIDENCE, {"GET": VIEW_EVIDENCE}),
    R("evidence.download", EVIDENCE, {"GET": DOWNLOAD_EVIDENCE}),
    R(
        "evidence.withdraw",
        EVIDENCE,
        {"GET": WITHDRAW_EVIDENCE, "POST": WITHDRAW_EVIDENCE},
        {"POST": REASON_FORM},
    ),
    # --- dashboards and exports: every signed-in user, showing only what they may see ---
    R("dashboards.index", NONE, {"GET": ALL_OK}),
    R("dashboards.calibration", NONE, {"GET": ALL_OK}),
    R("dashboards.trends", NONE, {"GET": ALL_OK}),
    R("dashboards.organisation", ORGANISATION_CYCLE, {"GET": ALL_OK}),
    # A chart is drawn only from an assessment the user may see: 404 when there is none.
    R("dashboards.chart", ORGANISATION_CHART, {"GET": VIEW_ASSESSMENT}),
    # --- branch layout (#17 point 19): an organisation's improvement plan for a cycle, from
    # the assessments the user may read there: 404 when there is none ---
    R("dashboards.plan_page", ORGANISATION_CYCLE, {"GET": VIEW_ASSESSMENT}),
    R("dashboards.plan_download", ORGANISATION_CYCLE, {"GET": VIEW_ASSESSMENT}),
    R("exports.index", NONE, {"GET": ALL_OK}),
    R(
        "exports.download",
        EXPORT,
        {"GET": {**_everyone("ok 404"), "inspector": "ok ok", "admin": "ok ok"}},
    ),
    # --- statements ---
    R("statements.index", NONE, {"GET": ALL_OK}),
    R(
        "statements.new",
        NONE,
        {"GET": _only(("inspector",)), "POST": _only(("inspector",))},
        {
            "POST": _form(
                scope=_const("organisation"),
                organisation=lambda w, values, role: w.own.rsb,
                framework=lambda w, values, role: w.framework,
                cycle=lambda w, values, role: w.current_cycle,
                language=_const("en"),
            )
        },
    ),
    R("statements.show", STATEMENT, {"GET": VIEW_STATEMENT}),
    R("statements.preview", STATEMENT, {"GET": DRAFT_STATEMENT}),
    R(
        "statements.chart",
        statements(locale="en", key="status"),
        {"GET": DRAFT_STATEMENT},
    ),
    R(
        "statements.section",
        statements(locale="en", key=SECTION_KEYS[0]),
        {"GET": EDIT_STATEMENT, "POST": EDIT_STATEMENT},
        {"POST": _form(text=_const("Edited by the matrix."), version=_statement_version)},
    ),
    R(
        "statements.publish",
        STATEMENT,
        # branch statements: the GET is the page that says what publishing does, to confirm.
        {"GET": EDIT_STATEMENT, "POST": EDIT_STATEMENT},
        # One behind: an inspector is answered 409 (past access, nothing published) rather
        # than printing a PDF per case; anyone else must be refused before the version counts.
        {"POST": _form(version=lambda w, values, role: _statement_version(w, values, role) - 1)},
    ),
    # branch statements: published versions are public documents, listed for anyone (#17.18);
    # a draft or unpublished text has no version to reach (tests/statements/test_public.py).
    R("statements.published", NONE, {"GET": ALL_OK}, public=True),
    R("statements.version_pdf", VERSION, {"GET": _everyone("ok ok")}, public=True),
    R("statements.version_html", VERSION, {"GET": _everyone("ok ok")}, public=True),
    R(
        "statements.verify",
        NONE,
        {"GET": ALL_OK, "POST": ALL_OK},
        {"POST": _form(sha256=_const("0" * 64))},
        public=True,
    ),
    # --- the API: bearer tokens, the same rules as the pages ---
    R(
        "api.create_token",
        NONE,
        {"POST": ALL_OK},
        {
            "POST": lambda w, values, role: {
                "json": {"email": w.emails[role], "password": TEST_PASSWORD}
                if role != "anonymous"
                else {}
            }
        },
        public=True,
    ),
    R("api.revoke_current_token", NONE, {"DELETE": ALL_OK}, {"DELETE": NO_BODY}),
    R("api.openapi", NONE, {"GET": ALL_OK}, public=True),
    R("api.list_frameworks", NONE, {"GET": ALL_OK}),
    R("api.get_framework", FRAMEWORK, {"GET": ALL_OK}),
    R("api.list_organisations", NONE, {"GET": ALL_OK}),
    R("api.get_organisation", ORGANISATION, {"GET": _everyone("ok ok")}),
    R("api.list_cycles", NONE, {"GET": ALL_OK}),
    R("api.get_cycle", CYCLE, {"GET": ALL_OK}),
    R("api.open_cycle", NONE, {"POST": ADMINS}, {"POST": _json(label=_const("bad"))}),
    R("api.change_cycle", CYCLE, {"PATCH": ADMINS}, {"PATCH": _json(label=_const("bad"))}),
    R("api.add_organisation", NONE, {"POST": ADMINS}, {"POST": _json(code=_const("x"))}),
    R("api.import_framework", NONE, {"POST": ADMINS}, {"POST": _json()}),
    R("api.list_users", NONE, {"GET": PEOPLE_MANAGERS}),
    R("api.invite_user", NONE, {"POST": PEOPLE_MANAGERS}, {"POST": _json(email=_const("x"))}),
    R("api.get_user", PERSON, {"GET": API_PERSON}),
    R("api.change_user", PERSON, {"PATCH": API_PERSON}, {"PATCH": _json(name=_const(""))}),
    R("api.unlock_user", PERSON, {"POST": API_ADMINISTER_PERSON}, {"POST": _json()}),
    R("api.list_reviewers", NONE, {"GET": _only(("inspector", "admin"))}),
    R("api.list_assessments", NONE, {"GET": ALL_OK}),
    R("api.get_assessment", ASSESSMENT, {"GET": VIEW_ASSESSMENT}),
    R("api.list_responses", ASSESSMENT, {"GET": VIEW_ASSESSMENT}),
    R("api.list_challenges", ASSESSMENT, {"GET": VIEW_ASSESSMENT}),
    R("api.submit_assessment", ASSESSMENT, {"POST": SUBMIT_ASSESSMENT}, {"POST": _json()}),
    R(
        "api.return_assessment",
        ASSESSMENT,
        {"POST": RETURN_ASSESSMENT},
        {"POST": _json(reason=_const("Returned by the matrix."))},
    ),
    R("api.conclude_assessment", ASSESSMENT, {"POST": VALIDATE}, {"POST": _json()}),
    R(
        "api.assign_reviewer",
        ASSESSMENT,
        {"POST": ASSIGN_REVIEWER},
        {
            "POST": _json(
                reviewer_id=lambda w, values, role: w.other_users["reviewer"], due_on=_const(DUE)
            )
        },
    ),
    R("api.get_response", RESPONSE, {"GET": VIEW_ASSESSMENT}),
    R(
        "api.update_response",
        RESPONSE,
        {"PATCH": DRAFT_ASSESSMENT},
        {"PATCH": _json(version=_response_version, narrative=_const("Changed through the API."))},
    ),
    R("api.list_actions", RESPONSE, {"GET": VIEW_ASSESSMENT}),
    R(
        "api.add_action",
        RESPONSE,
        {"POST": DRAFT_ASSESSMENT},
        {"POST": _json(description=_const("API action"), owner=_const("Matrix"))},
    ),
    R("api.get_action", ACTION_API, {"GET": VIEW_ASSESSMENT}),
    R(
        "api.update_action",
        ACTION_API,
        {"PATCH": DRAFT_ASSESSMENT},
        {"PATCH": _json(version=_const(1), status=_const("in_progress"))},
    ),
    R(
        "api.raise_challenge",
        RESPONSE_A2,
        {"POST": RAISE_CHALLENGE},
        {"POST": _json(question=_const("Why?"), due_on=_const(DUE))},
    ),
    R("api.validate_response", RESPONSE_A2, {"POST": VALIDATE}, {"POST": _json()}),
    R(
        "api.link_evidence",
        RESPONSE_A2,
        {"POST": DRAFT_ASSESSMENT},
        {"POST": _json(evidence_id=_file_of)},
    ),
    R(
        "api.unlink_evidence",
        UNLINK_API,
        {"DELETE": DRAFT_ASSESSMENT},
        {"DELETE": NO_BODY},
    ),
    R("api.get_challenge", CHALLENGE, {"GET": VIEW_CHALLENGE}),
    R(
        "api.answer_challenge",
        CHALLENGE,
        {"POST": ANSWER_CHALLENGE},
        {"POST": _json(body=_const("Here is what changed."))},
    ),
    R(
        "api.resolve_challenge",
        CHALLENGE,
        {"POST": SETTLE_CHALLENGE},
        {"POST": _json(outcome=_const("withdrawn"))},
    ),
    R(
        "api.reopen_challenge",
        CHALLENGE,
        {"POST": SETTLE_CHALLENGE},
        {"POST": _json(body=_const("Still unanswered."), due_on=_const(DUE))},
    ),
    R(
        "api.list_evidence",
        EVIDENCE_LIST,
        # Targets: -, own library, other library, then responses: own draft, own in_review,
        # other draft, other in_review.
        {
            "GET": {
                "coordinator": "ok  ok  403 ok  ok  404 404",
                "contributor": "ok  ok  403 ok  ok  404 404",
                "reviewer": "403 403 403 404 ok  404 404",
                "inspector": "403 403 403 404 ok  404 ok",
                "admin": "403 403 403 404 ok  404 ok",
            }
        },
    ),
    R(
        "api.upload_evidence",
        UPLOAD,
        # Targets: own library, other library, then responses as above.
        {
            "POST": {
                "coordinator": "ok  403 ok  403 404 404",
                "contributor": "ok  403 ok  403 404 404",
                "reviewer": "403 403 404 403 404 404",
                "inspector": "403 403 404 403 404 403",
                "admin": "403 403 404 403 404 403",
            }
        },
        {"POST": UPLOAD_FORM},
    ),
    R("api.get_evidence", EVIDENCE, {"GET": VIEW_EVIDENCE}),
    R("api.download_evidence", EVIDENCE, {"GET": DOWNLOAD_EVIDENCE}),
    R(
        "api.withdraw_evidence",
        EVIDENCE,
        {"POST": WITHDRAW_EVIDENCE},
        {"POST": _json(reason=_const("Withdrawn by the matrix."))},
    ),
    R("api.list_statements", NONE, {"GET": ALL_OK}),
    R("api.get_statement", STATEMENT, {"GET": VIEW_STATEMENT}),
    R("api.statement_pdf", VERSION, {"GET": _everyone("ok ok")}),
    # --- branch large (issue #16 point 7): a response's evidence links, a page at a time ---
    R("api.list_response_links", RESPONSE, {"GET": VIEW_ASSESSMENT}),
]


# --- what must not show: text planted in the world, and who may read it --------------------

MARKERS = {
    "Side A draft": ("coordinator", "contributor"),  # narratives of the drafts
    "Side B draft": (),
    "Side B reviewed": ("inspector", "admin"),  # narratives of the assessments under review
    "Survey A": ("coordinator", "contributor"),  # the web links, linked to the drafts only
    "Survey B": (),
    "Audit report B": ("inspector", "admin"),  # the file, linked to B's submitted assessment
    "Audit findings of side B": ("inspector", "admin"),  # and its content
    "Action of side A, in draft": ("coordinator", "contributor"),
    "Action of side B, in draft": (),
    "Action of side B, under review": ("inspector", "admin"),
    "Unpublished edit about side": ("inspector", "admin"),  # a statement's working paper
}


def _leaks(response, role: str) -> list[str]:
    body = response.get_data().decode("utf-8", "replace")
    return [text for text, readers in MARKERS.items() if role not in readers and text in body]


# --- the cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    route: Route
    method: str
    role: str
    target: str
    expected: str

    def __str__(self) -> str:
        return f"{self.route.endpoint} {self.method} {self.role} {self.target}"


def _anonymous(route: Route) -> str:
    if route.public:
        return route.anonymous
    return "401" if route.api else "login"


def _cases() -> list[Case]:
    cases = []
    for route in ROUTES:
        names = list(route.targets)
        for method, by_role in route.methods.items():
            missing = set(ROLES_SIGNED_IN) - set(by_role)
            assert not missing, f"{route.endpoint} {method}: no expectation for {missing}"
            for role in ROLES:
                if role == "anonymous":
                    outcomes = [_anonymous(route)] * len(names)
                else:
                    outcomes = by_role[role].split()
                    if len(outcomes) == 1:
                        outcomes *= len(names)
                assert len(outcomes) == len(names), (
                    f"{route.endpoint} {method} {role}: {len(outcomes)} outcomes for "
                    f"{len(names)} targets {names}"
                )
                for name, expected in zip(names, outcomes, strict=True):
                    cases.append(Case(route, method, role, name, expected))
                    # Flask answers HEAD with the GET view; it matters where that view also
                    # takes a form and so asks which method it was sent.
                    if method == "GET" and len(route.methods) > 1:
                        cases.append(Case(route, "HEAD", role, name, expected))
    return cases


CASES = _cases()

# Faults the matrix found that are not about access, left to their owners: each case fails
# until fixed, and then fails again (strict) so the entry here is removed.
KNOWN_FAULTS: dict[tuple[str, str, str], str] = {}


def _params(cases: list[Case]) -> list:
    params = []
    for case in cases:
        fault = KNOWN_FAULTS.get((case.route.endpoint, case.method, case.role))
        marks = [pytest.mark.xfail(reason=fault, strict=True)] if fault else []
        params.append(pytest.param(case, marks=marks, id=str(case)))
    return params


def test_every_route_has_an_entry(app):
    """A route without an entry fails here, by name; so does an entry for a route that went."""
    in_map = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    in_table = {(route.endpoint, method) for route in ROUTES for method in route.methods}
    missing = sorted(in_map - in_table)
    assert not missing, f"routes with no entry in the authorisation matrix: {missing}"
    gone = sorted(in_table - in_map)
    assert not gone, f"matrix entries for routes that no longer exist: {gone}"
    assert len({route.endpoint for route in ROUTES}) == len(ROUTES), "an endpoint twice"


# --- running a case ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clean_database(app):
    """The suite's clean-up empties every table after each test; here the world lives for
    the module (authz_world empties the tables at its end) and each case restores it."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture(autouse=True)
def _fresh_evidence_store(app, authz_world):
    """The world's files stay where it stored them."""
    app.config["TRACKER_EVIDENCE_DIR"] = authz_world.evidence_dir


@pytest.fixture(scope="module")
def browsers(app, authz_world):
    """Per role, a session cookie signed in through the sign-in form, and its CSRF token."""
    app.test_client_class = FreshContextClient
    sessions = {}
    for role in ROLES:
        client = app.test_client()
        page = client.get("/login")
        if role != "anonymous":
            token = CSRF_PATTERN.search(page.get_data(as_text=True)).group(1)
            form = {"email": authz_world.emails[role], "password": TEST_PASSWORD}
            signed_in = client.post("/login", data={**form, "csrf_token": token})
            assert signed_in.status_code == 302, role
            page = client.get("/account")
        assert page.status_code == 200, role
        token = CSRF_PATTERN.search(page.get_data(as_text=True)).group(1)
        sessions[role] = (client.get_cookie("session", domain="tracker.test").value, token)
    restore(authz_world.snapshot)  # the visits above may have touched the world
    return sessions


def _outcome(response, method: str) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        target = urlsplit(response.headers["Location"])
        if target.path == "/login" and "next" in parse_qs(target.query):
            return "login"
        return "302" if method in READS else "ok"
    if status in (401, 403, 404) or status >= 500:
        return str(status)
    if method in READS:
        return "ok" if status in (200, 304) else str(status)
    return "ok"


class CaseWorld:
    """The world as one case sees it: with the role, for targets that are the user's own."""

    def __init__(self, world, role: str):
        self._world, self.role = world, role

    def __getattr__(self, name):
        return getattr(self._world, name)


def _request(app, world, browsers, case: Case):
    route, role = case.route, case.role
    world = CaseWorld(world, role)
    values = route.targets[case.target](world)
    in_form = values.pop("_form", {})
    with app.test_request_context():
        url = url_for(route.endpoint, **values)
    client = app.test_client()
    kwargs = {}
    if case.method not in READS:
        kwargs = route.payloads[case.method](world, values, role)
        if in_form:
            kwargs["data"] = {**kwargs.get("data", {}), **in_form}
    if route.api:
        if role != "anonymous":
            kwargs["headers"] = {"Authorization": f"Bearer {world.bearer[role]}"}
        if "data" in kwargs:
            kwargs["content_type"] = "multipart/form-data"
    else:
        cookie, token = browsers[role]
        client.set_cookie("session", cookie, domain="tracker.test")
        if case.method not in READS:
            kwargs.setdefault("data", {})["csrf_token"] = token
    return client.open(url, method=case.method, **kwargs)


@pytest.mark.parametrize("case", _params(CASES))
def test_matrix(app, authz_world, browsers, case):
    response = _request(app, authz_world, browsers, case)
    got = _outcome(response, case.method)
    # Reads are checked once, after them all (below): a digest per read would double the time.
    changed = case.method not in READS and fingerprint() != authz_world.fingerprint
    if changed:
        restore(authz_world.snapshot)
    assert got == case.expected, (
        f"{case}: expected {case.expected}, got {got} "
        f"({response.status_code} {response.headers.get('Location', '')})"
    )
    if case.expected != "ok":
        assert not changed, f"{case}: refused ({got}) but the database changed"
    leaked = _leaks(response, case.role)
    assert not leaked, f"{case}: the answer shows what {case.role} may not read: {leaked}"


def test_reading_changed_nothing(authz_world):
    """Runs after the matrix: no GET or HEAD in it changed the world."""
    assert fingerprint() == authz_world.fingerprint
