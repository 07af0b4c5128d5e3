"""Forms of the review pages. Limits match the operations', so messages sit by the fields."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tracker import clock
from tracker.forms import DateInputField, score_choice
from tracker.labels import EVIDENCE_KIND_LABELS
from tracker.review.common import TEXT_MAX
from tracker.rules import RuleError
from tracker.security import as_id

DEFAULT_DAYS_TO_ANSWER = 14


def default_due() -> date:
    """The due date a new question offers: two weeks to answer."""
    return clock.today() + timedelta(days=DEFAULT_DAYS_TO_ANSWER)


def show_refusal(form, error: RuleError, default_field: str) -> None:
    """Show a refused change by the field it concerns (or `default_field`)."""
    getattr(form, error.field or default_field, getattr(form, default_field)).errors.append(
        error.message
    )


def _text(label, required_message):
    return TextAreaField(
        label,
        validators=[
            DataRequired(required_message),
            Length(max=TEXT_MAX, message=_l("This must be 4,000 characters or fewer")),
        ],
    )


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def score_choices(framework, lang: str, empty_label) -> list[tuple]:
    """A scale's levels as select choices, with an empty choice first."""
    return [("", empty_label)] + [
        (level.value, f"{level.value} · {level.label_in(lang)}") for level in framework.scale
    ]


class AssignForm(FlaskForm):
    reviewer = SelectField(
        _l("Peer reviewer"),
        coerce=as_id,
        validators=[InputRequired(_l("Choose a peer reviewer"))],
        validate_choice=False,  # the service says why a reviewer cannot be chosen
    )
    due_on = DateInputField(
        _l("Review due by"),
        validators=[InputRequired(_l("Enter the date the review is due"))],
        what=_l("The due date"),
    )


class ChallengeForm(FlaskForm):
    question = _text(_l("Your question"), _l("Enter your question for the organisation"))
    proposed_score = SelectField(
        _l("Score you would propose (optional)"), coerce=score_choice, validate_choice=False
    )
    due_on = DateInputField(
        _l("Answer due by"),
        validators=[InputRequired(_l("Enter the date an answer is due"))],
        what=_l("The due date"),
    )
    evidence_requested = CheckboxesField(
        _l("Evidence you would like to see (optional)"),
        choices=list(EVIDENCE_KIND_LABELS.items()),
        validate_choice=False,
    )


class AnswerForm(FlaskForm):
    body = _text(_l("Your answer"), _l("Enter your answer"))
    evidence = CheckboxesField(
        _l("Evidence from your library to add to this item (optional)"),
        coerce=as_id,
        validate_choice=False,
    )
    revised_score = SelectField(
        _l("Revised score (optional)"), coerce=score_choice, validate_choice=False
    )


class ResolveForm(FlaskForm):
    outcome = RadioField(
        _l("Outcome"),
        choices=[
            ("accepted", _l("Score accepted: the organisation's score stands")),
            ("moderated", _l("Score moderated: set a different validated score")),
            ("withdrawn", _l("Challenge withdrawn")),
        ],
        validators=[InputRequired(_l("Choose an outcome"))],
    )
    resolved_score = SelectField(
        _l("Validated score (if moderated)"), coerce=score_choice, validate_choice=False
    )
    seen = HiddenField(filters=[as_id])  # the last message the resolver had read
    rationale = TextAreaField(
        _l("Rationale (needed if moderated)"),
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=_l("This must be 4,000 characters or fewer")),
        ],
    )


class ReopenForm(FlaskForm):
    body = _text(_l("What still needs an answer"), _l("Say what still needs an answer"))
    seen = HiddenField(filters=[as_id])
    due_on = DateInputField(
        _l("Answer due by"),
        validators=[InputRequired(_l("Enter the date an answer is due"))],
        what=_l("The due date"),
    )
