"""The export form: sent by GET, as it only reads. Choices are the user's, set by the view."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.validators import AnyOf, ValidationError

from tracker.exports.columns import DATASET_LABELS, FORMATS

DATASET_HINTS = {
    "responses": _l(
        "One row for each item: scores, triangulation, narrative and how impact will be measured"
    ),
    "actions": _l("One row for each improvement action: owner, due date and status"),
    "evidence": _l("One row for each item of evidence, with the items it is linked to"),
    "challenges": _l("One row for each challenge: who raised it, where it stands, its outcome"),
}
FORMAT_LABELS = {"csv": _l("CSV (opens in any spreadsheet)"), "xlsx": _l("Excel workbook (XLSX)")}
SCOPE_PATTERN = re.compile(r"all|(region|organisation)-(\d{1,12})")
ID_PATTERN = re.compile(r"\d{1,12}")


def _optional_id(message):
    """A select whose value is empty (all) or an id; which ids exist is the view's question."""

    def check(form, field):
        if field.data and not ID_PATTERN.fullmatch(field.data):
            raise ValidationError(message)

    return check


class ExportForm(FlaskForm):
    class Meta:
        csrf = False  # sent by GET and changes nothing

    dataset = RadioField(
        _l("What do you want to export?"),
        choices=list(DATASET_LABELS.items()),
        validators=[AnyOf(list(DATASET_LABELS), message=_l("Choose what to export"))],
        validate_choice=False,
    )
    scope = SelectField(_l("Whose work"), default="all", validate_choice=False)
    framework = SelectField(
        _l("Framework"),
        validate_choice=False,
        validators=[_optional_id(_l("Choose a framework from the list"))],
    )
    cycle = SelectField(
        _l("Cycle"),
        validate_choice=False,
        validators=[_optional_id(_l("Choose a cycle from the list"))],
    )
    format = RadioField(
        _l("Format"),
        choices=list(FORMAT_LABELS.items()),
        validators=[AnyOf(list(FORMATS), message=_l("Choose CSV or Excel"))],
        validate_choice=False,
    )

    def validate_scope(self, field):
        if not SCOPE_PATTERN.fullmatch(field.data or ""):
            raise ValidationError(_l("Choose whose work to export"))

    def scope_parts(self) -> tuple[str, int]:
        """The kind of scope and the organisation's id (0 for everything), once validated."""
        match = SCOPE_PATTERN.fullmatch(self.scope.data)
        return (match.group(1) or "all", int(match.group(2) or 0))
