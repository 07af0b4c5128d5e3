"""Forms of the self-assessment pages. Limits match the service's, so messages sit by fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from tracker.assessments.rules import (
    ACTION_DESCRIPTION_MAX,
    IMPACT_MAX,
    NARRATIVE_MAX,
    OWNER_MAX,
    REASON_MAX,
)
from tracker.forms import DateInputField, score_choice


def _too_long(limit: int, message):
    return Length(max=limit, message=message)


class VersionField(IntegerField):
    """The version a form was loaded at. Unreadable means unknown: treated as out of date, so
    the save shows the conflict page rather than an error nobody can fix."""

    widget = HiddenInput()

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = 0


class ConfirmForm(FlaskForm):
    """The "This is still right" button of an answer carried over, at the version read."""

    version = VersionField(default=0)


class ResponseForm(FlaskForm):
    score = RadioField(
        _l("Score"), coerce=score_choice, validators=[Optional()], validate_choice=False
    )
    narrative = TextAreaField(
        _l("What you have done and what it shows (Markdown)"),
        validators=[
            Optional(),
            _too_long(NARRATIVE_MAX, _l("The narrative must be 10,000 characters or fewer")),
        ],
    )
    impact = TextAreaField(
        _l("How you will measure impact"),
        validators=[
            Optional(),
            _too_long(
                IMPACT_MAX, _l("How you will measure impact must be 4,000 characters or fewer")
            ),
        ],
    )
    version = VersionField(default=0)
    save = SubmitField(_l("Save"))
    preview = SubmitField(_l("Preview narrative"))

    def __init__(self, *args, scale=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.score.choices = [(level.value, level.value) for level in scale]

    def validate_score(self, field):
        if field.data is not None and field.data not in {value for value, _ in field.choices}:
            raise ValidationError(_l("Choose a score from the scale"))


class ActionForm(FlaskForm):
    description = TextAreaField(
        _l("Action"),
        validators=[
            DataRequired(_l("Describe the action")),
            _too_long(ACTION_DESCRIPTION_MAX, _l("The action must be 2,000 characters or fewer")),
        ],
    )
    owner = StringField(
        _l("Owner"),
        validators=[
            DataRequired(_l("Say who owns the action")),
            _too_long(OWNER_MAX, _l("The owner must be 200 characters or fewer")),
        ],
    )
    due_on = DateInputField(_l("Due date"), validators=[Optional()], what=_l("The due date"))
    status = SelectField(
        _l("Status"),
        choices=[
            ("open", _l("Not started")),
            ("in_progress", _l("In progress")),
            ("done", _l("Done")),
        ],
    )
    version = VersionField(default=0)
    save_action = SubmitField(_l("Save action"))


class StartForm(FlaskForm):
    start_from = RadioField(
        _l("How do you want to start?"),
        choices=[("previous", _l("Start from last cycle's answers")), ("empty", _l("Start empty"))],
        default="previous",
        validators=[InputRequired(_l("Choose how to start"))],
    )


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        _l("Why are you returning it?"),
        validators=[
            DataRequired(_l("Say why you are returning the assessment")),
            _too_long(REASON_MAX, _l("The reason must be 4,000 characters or fewer")),
        ],
    )
