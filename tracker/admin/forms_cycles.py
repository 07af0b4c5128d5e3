"""The form of the cycles pages. Dates are typed into GOV.UK's date input (day, month, year);
the order and overlap rules are the service's (tracker.cycles)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from tracker.forms import DateInputField


class CycleForm(FlaskForm):
    label = StringField(_l("Label"))
    opens_on = DateInputField(
        _l("Opens on"),
        validators=[InputRequired(_l("Enter the date the cycle opens"))],
        what=_l("The date the cycle opens"),
    )
    due_on = DateInputField(
        _l("Assessments due by"),
        validators=[InputRequired(_l("Enter the date assessments are due by"))],
        what=_l("The due date"),
    )
    closes_on = DateInputField(
        _l("Closes on"),
        validators=[InputRequired(_l("Enter the date the cycle closes"))],
        what=_l("The date the cycle closes"),
    )
