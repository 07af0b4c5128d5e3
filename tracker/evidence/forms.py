"""Evidence forms. The service checks the same rules; the forms put messages beside fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from tracker.forms import DateInputField
from tracker.security import as_id

KIND_LABELS = {
    "document": (_l("Document"), _l("A policy, procedure, plan or minutes")),
    "data": (_l("Data"), _l("Performance or compliance figures, a dashboard")),
    "audit": (_l("Audit"), _l("Findings of a case-file or multi-agency audit")),
    "voice": (_l("Voice"), _l("What children and families said")),
    "practitioner": (_l("Practitioners"), _l("Staff surveys, focus groups, supervision records")),
    "external": (_l("External"), _l("Inspection or peer-review findings")),
}


class LibraryDatesForm(FlaskForm):
    """The evidence library's date filters: a GET form that changes nothing."""

    class Meta:
        csrf = False

    date_from = DateInputField(
        _l("Dated from"), validators=[Optional()], what=_l("The 'dated from' date")
    )
    date_to = DateInputField(
        _l("Dated to"), validators=[Optional()], what=_l("The 'dated to' date")
    )


class EvidenceForm(FlaskForm):
    source = RadioField(
        _l("What are you adding?"),
        choices=[("file", _l("A file")), ("url", _l("A link to a web page"))],
        default="file",
    )
    file = FileField(_l("File"))
    url = StringField(_l("Web address"), validators=[Optional(), Length(max=2000)])
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Enter a title")),
            Length(max=300, message=_l("The title must be 300 characters or fewer")),
        ],
    )
    kind = RadioField(
        _l("What kind of evidence is it?"),
        choices=[(k, v[0]) for k, v in KIND_LABELS.items()],
        validators=[DataRequired(_l("Choose what kind of evidence this is"))],
    )
    source_organisation = SelectField(_l("Which organisation does it come from?"), coerce=int)
    evidence_date = DateInputField(
        _l("Date of the evidence (optional)"),
        validators=[Optional()],
        what=_l("The date of the evidence"),
    )
    description = TextAreaField(
        _l("Description (optional)"),
        validators=[
            Optional(),
            Length(max=4000, message=_l("The description must be 4,000 characters or fewer")),
        ],
    )
    note = TextAreaField(
        _l("What does it show for this item? (optional)"),
        validators=[
            Optional(),
            Length(max=1000, message=_l("The note must be 1,000 characters or fewer")),
        ],
    )

    def validate_url(self, field):
        if self.source.data == "url" and not (field.data or "").strip():
            raise ValidationError(_l("Enter a web address starting with https:// or http://"))

    def validate_file(self, field):
        if self.source.data == "file" and not getattr(field.data, "filename", None):
            raise ValidationError(_l("Choose a file to upload"))


class LinkForm(FlaskForm):
    # It starts at "Choose evidence", so that linking without choosing is refused, not the
    # first piece linked (issue #17 point 11); anything but an id is no choice.
    evidence = SelectField(
        _l("Evidence from your library"),
        coerce=as_id,
        validators=[DataRequired(_l("Choose the evidence to link"))],
    )
    note = TextAreaField(
        _l("What does it show for this item? (optional)"),
        validators=[
            Optional(),
            Length(max=1000, message=_l("The note must be 1,000 characters or fewer")),
        ],
    )

    def offer(self, pieces: list[tuple[int, str]]) -> None:
        """Offer these pieces of evidence, after an empty "Choose evidence"."""
        self.evidence.choices = [("", _l("Choose evidence")), *pieces]

    @property
    def offered(self) -> int:
        """How many pieces of evidence are offered."""
        return len(self.evidence.choices or []) - 1


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Why are you withdrawing it?"),
        validators=[
            DataRequired(_l("Say why you are withdrawing the evidence")),
            Length(max=4000, message=_l("The reason must be 4,000 characters or fewer")),
        ],
    )
