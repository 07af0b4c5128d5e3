"""Forms of the statement pages. Limits match the operations', so messages sit by the fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from tracker.security import as_id
from tracker.statements.operations import TEXT_MAX

SCOPE_CHOICES = [
    ("national", _l("Wales: every organisation")),
    ("region", _l("A region: its Regional Safeguarding Board and partner organisations")),
    ("organisation", _l("One organisation")),
]
LANGUAGE_CHOICES = [
    ("both", _l("Welsh and English")),
    ("cy", _l("Welsh")),
    ("en", _l("English")),
]


class BuildForm(FlaskForm):
    scope = RadioField(
        _l("What is the statement about?"),
        choices=SCOPE_CHOICES,
        validators=[InputRequired(_l("Choose what the statement is about"))],
    )
    region = SelectField(_l("Region"), coerce=as_id, validators=[Optional()])
    organisation = SelectField(_l("Organisation"), coerce=as_id, validators=[Optional()])
    framework = SelectField(
        _l("Framework"), coerce=as_id, validators=[InputRequired(_l("Choose a framework"))]
    )
    cycle = SelectField(_l("Cycle"), coerce=as_id, validators=[InputRequired(_l("Choose a cycle"))])
    language = RadioField(
        _l("Language"),
        choices=LANGUAGE_CHOICES,
        default="both",
        validators=[InputRequired(_l("Choose the language of the statement"))],
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Which of the two choices is needed depends on the scope, so it is checked here.
        needed = {
            "region": (self.region, _l("Choose the region")),
            "organisation": (self.organisation, _l("Choose the organisation")),
        }
        field, message = needed.get(self.scope.data, (None, None))
        if field is not None and not field.data:
            field.errors = [*field.errors, message]
            valid = False
        return valid


class SectionForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    text = TextAreaField(
        _l("Text"),
        validators=[Length(max=TEXT_MAX, message=_l("The text must be 6,000 characters or fewer"))],
    )


class PublishForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    # Asked only while sections of a bilingual statement may differ; the view checks it then.
    differences = BooleanField(_l("I have checked these sections: publish them as they are"))


class VerifyForm(FlaskForm):
    pdf = FileField(_l("The PDF"))
    sha256 = StringField(
        _l("Or its SHA-256 fingerprint"),
        validators=[
            Optional(),
            Regexp(
                r"^\s*[0-9a-fA-F]{64}\s*$",
                message=_l("A SHA-256 fingerprint is 64 characters, each 0–9 or a–f"),
            ),
        ],
    )
