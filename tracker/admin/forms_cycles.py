"""The form of the cycles pages. Dates come from a browser's date picker (2027-01-31) or are
typed by hand (31/01/2027); the order and overlap rules are the service's (tracker.cycles)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class DayField(DateField):
    """A required date whose errors say which date is missing or not a real date."""

    def __init__(self, label, missing, not_a_date, **kwargs):
        super().__init__(label, format=DATE_FORMATS, **kwargs)
        self.missing, self.not_a_date = missing, not_a_date

    def process_formdata(self, valuelist):
        text = " ".join(valuelist).strip()
        self.data = None
        if not text:
            raise ValueError(self.missing)
        try:
            super().process_formdata([text])
        except ValueError:
            self.data = None
            raise ValueError(self.not_a_date) from None


class CycleForm(FlaskForm):
    label = StringField(_l("Label"))
    opens_on = DayField(
        _l("Opens on"),
        _l("Enter the date the cycle opens"),
        _l("The date the cycle opens must be a real date, for example 01/04/2027"),
    )
    due_on = DayField(
        _l("Assessments due by"),
        _l("Enter the date assessments are due by"),
        _l("The due date must be a real date, for example 31/01/2028"),
    )
    closes_on = DayField(
        _l("Closes on"),
        _l("Enter the date the cycle closes"),
        _l("The date the cycle closes must be a real date, for example 31/03/2028"),
    )
