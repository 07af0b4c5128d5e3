"""The JSON bodies API v1 accepts, described once: each model validates a request's body
(`parse(Model)`) and gives the OpenAPI document its request schema.

Validation is strict (a JSON type is never coerced: true is no integer, "3" no number) and
says the first problem in the words the API has always used, naming the field. What the rules
decide (a score on the scale, a known role) is left to the services, as for the pages.
"""

from datetime import date
from typing import Annotated, Any, ClassVar, TypeVar

from flask import g
from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from tracker.api.http import ApiError, english, json_body
from tracker.auth import tokens
from tracker.extensions import db
from tracker.models import Organisation
from tracker.models.assessments import ACTION_STATUSES
from tracker.models.evidence import EVIDENCE_KINDS
from tracker.models.organisations import ORGANISATION_KINDS
from tracker.models.review import CHALLENGE_OUTCOMES
from tracker.models.users import LOCALES, ROLES
from tracker.security import MAX_ID, as_id

ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def _refuse(message: str, name: str | None) -> PydanticCustomError:
    """A problem said in these words, about this field (or none)."""
    return PydanticCustomError("api", "{message}", {"message": message, "field": name})


def _text(value: str, info: ValidationInfo) -> str:
    if "\x00" in value:
        raise _refuse(f"{info.field_name} contains a NUL character.", info.field_name)
    return value


def _date(value: Any, info: ValidationInfo) -> date:
    name = info.field_name
    if not isinstance(value, str):
        raise _refuse(f"{name} has the wrong type.", name)
    _text(value, info)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _refuse(f"{name} must be a date like 2027-01-31.", name) from None


def _id(value: int, info: ValidationInfo) -> int:
    if as_id(value) is None:
        raise _refuse(f"{info.field_name} must be an id.", info.field_name)
    return value


def _kinds(value: Any) -> list:
    value = value or []
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise _refuse("evidence_requested must be a list of kinds.", None)
    return value


def _ids(value: Any) -> list:
    value = value or []
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        raise _refuse("evidence_ids must be a list of ids.", "evidence_ids")
    return value


def one_of(values, **schema) -> Any:
    """Text the service checks against `values`; the document offers only those."""
    return Annotated[str, AfterValidator(_text), WithJsonSchema({"enum": list(values), **schema})]


Text = Annotated[str, AfterValidator(_text)]
Day = Annotated[date, BeforeValidator(_date), WithJsonSchema({"type": "string", "format": "date"})]
Id = Annotated[int, AfterValidator(_id), WithJsonSchema(ID_SCHEMA)]
Score = int | None
Kinds = Annotated[
    list,
    BeforeValidator(_kinds),
    WithJsonSchema({"type": "array", "items": {"enum": list(EVIDENCE_KINDS)}}),
]
Ids = Annotated[list, BeforeValidator(_ids), WithJsonSchema({"type": "array", "items": ID_SCHEMA})]


class Body(BaseModel):
    """A request body: strict types; a required field sent as null is missing; the fields in
    `no_nulls` may be left out but not sent as null."""

    model_config = ConfigDict(strict=True)
    no_nulls: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _nulls(cls, data: Any) -> Any:
        for name in cls.no_nulls:
            if name in data and data[name] is None:
                raise _refuse(f"{name} cannot be null: leave it out instead.", name)
        required = {name for name, f in cls.model_fields.items() if f.is_required()}
        return {k: v for k, v in data.items() if not (v is None and k in required)}


B = TypeVar("B", bound=Body)


def parse(model: type[B]) -> B:
    """The request's JSON body as `model`, or the 415 / 400 / 422 for its first problem."""
    try:
        body = model.model_validate(json_body())
    except ValidationError as error:
        problem = error.errors()[0]
        name = str(problem["loc"][0]) if problem["loc"] else None
        if problem["type"] == "api":
            message, name = problem["ctx"]["message"], problem["ctx"]["field"]
        elif problem["type"] == "missing":
            message = f"{name} is required."
        else:
            message = f"{name} has the wrong type."
        raise ApiError(422, "invalid", message, name) from None
    g.api_body = body  # what a 409 for a stale version quotes back
    return body


def sent(body: Body, name: str, default=None):
    """The field if the body sent it (even as null), else `default`: a change leaves alone
    what it does not name."""
    return getattr(body, name) if name in body.model_fields_set else default


# --- tokens --------------------------------------------------------------------------------


class NewToken(Body):
    email: Text
    password: Text
    name: Text | None = None
    # The range is checked by the view, which answers it with its own error code.
    expires_in_days: int | None = Field(
        None,
        description="How long the token lasts (90 days if not given).",
        json_schema_extra={"minimum": 1, "maximum": tokens.MAX_DAYS},
    )
    read_only: bool | None = Field(
        None, description="A read-only token may read, and change nothing."
    )


# --- assessments, responses and actions -------------------------------------------------------


class ResponseChange(Body):
    version: int
    self_score: Score = None
    narrative: Text | None = None
    impact_measure: Text | None = None


class Reason(Body):
    reason: Text


OWNER = "Who is responsible (a name or a role)."


class NewAction(Body):
    # The service refuses an action without them (in the words of the item page), so the body
    # is read without requiring them; the document says they are needed.
    model_config = ConfigDict(strict=True, json_schema_extra={"required": ["description", "owner"]})
    description: Text | None = None
    owner: Text | None = Field(None, description=OWNER)
    due_on: Day | None = None
    status: one_of(ACTION_STATUSES) | None = None


class ActionChange(Body):
    version: int  # read first: a stale change says so whatever else is wrong
    description: Text | None = None
    owner: Text | None = Field(None, description=OWNER)
    due_on: Day | None = None
    status: one_of(ACTION_STATUSES) | None = None


# --- evidence and review ---------------------------------------------------------------------


class Link(Body):
    evidence_id: Id
    note: Text | None = None


class Assignment(Body):
    reviewer_id: Id
    due_on: Day


class NewChallenge(Body):
    evidence_requested: Kinds = []
    question: Text
    proposed_score: Score = None
    due_on: Day


class Answer(Body):
    evidence_ids: Ids = []
    body: Text
    revised_score: Score = None


class Resolution(Body):
    outcome: one_of(CHALLENGE_OUTCOMES)
    resolved_score: Score = None
    rationale: Text | None = None


class FollowUp(Body):
    body: Text
    due_on: Day


# --- administration --------------------------------------------------------------------------

ORGANISATION_CODE = "The organisation's code."


def organisation_by_code(code: str) -> Organisation:
    """The organisation with this code, or a 422 about the field `organisation`."""
    found = db.session.scalar(select(Organisation).where(Organisation.code == code.strip().upper()))
    if found is None:
        message = _l("There is no organisation with the code %(code)s.", code=code)
        raise ApiError(422, "invalid", english(message), "organisation")
    return found


# An organisation named by its code, looked up as the body is read (so that an unknown code is
# the first problem when it comes first, as it always was); the field holds the Organisation.
KnownOrganisation = Annotated[
    str,
    AfterValidator(_text),
    AfterValidator(organisation_by_code),
    WithJsonSchema({"type": "string", "description": ORGANISATION_CODE}),
]


class Invitation(Body):
    no_nulls = ("locale",)
    email: Text
    name: Text
    organisation: KnownOrganisation
    role: one_of(ROLES)
    locale: one_of(LOCALES, description="Default en.") | None = None


class PersonChange(Body):
    no_nulls = ("name", "role", "organisation", "locale", "active", "reason")
    name: Text | None = None
    role: one_of(ROLES) | None = None
    locale: one_of(LOCALES, description="Default en.") | None = None
    organisation: Text | None = Field(None, description=ORGANISATION_CODE)
    active: bool | None = None
    reason: Text | None = None


LABEL = "Two years, like 2027-28."


class NewCycle(Body):
    label: Text = Field(description=LABEL)
    opens_on: Day
    due_on: Day
    closes_on: Day


class CycleChange(Body):
    no_nulls = ("label", "opens_on", "due_on", "closes_on", "closed")
    label: Text | None = Field(None, description=LABEL)
    opens_on: Day | None = None
    due_on: Day | None = None
    closes_on: Day | None = None
    closed: bool | None = None


class NewOrganisation(Body):
    code: Text = Field(description="Like LA-CARDIFF.")
    name: Text
    kind: one_of(ORGANISATION_KINDS)
    name_cy: Text | None = None
    region: Text | None = Field(None, description="Its board's (RSB's) code; null for none.")
