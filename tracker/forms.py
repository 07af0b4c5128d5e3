"""Forms every area shares."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.utils import unset_value


class PostForm(FlaskForm):
    """A form with nothing but the CSRF token, for button-only POSTs such as sign-out."""


NOT_A_SCORE = -(10**9)  # what an unreadable score becomes: a number no scale has


def score_choice(value):
    """A submitted score as a number (a RadioField's `coerce`); anything unreadable becomes
    NOT_A_SCORE, which the form then refuses as not on the scale."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return NOT_A_SCORE


DATE_PARTS = ("day", "month", "year")
THE_DATE = _l("The date")
# GOV.UK's messages for a date with parts missing, by what is missing: whole sentences, so
# each translates as a whole.
MISSING_PARTS = {
    ("day",): lambda what: _l("%(what)s must include a day", what=what),
    ("month",): lambda what: _l("%(what)s must include a month", what=what),
    ("year",): lambda what: _l("%(what)s must include a year", what=what),
    ("day", "month"): lambda what: _l("%(what)s must include a day and month", what=what),
    ("day", "year"): lambda what: _l("%(what)s must include a day and year", what=what),
    ("month", "year"): lambda what: _l("%(what)s must include a month and year", what=what),
}


class DateInputField(Field):
    """A date typed into GOV.UK's date input: three boxes, `<name>-day`, `<name>-month` and
    `<name>-year`, rendered by the `date_input` macro (templates/macros/ui.html). Errors are
    GOV.UK's ("<what> must include a month", "<what> must be a real date"), and
    `error_parts` names the boxes to highlight. Nothing typed is lost: `parts` holds it as
    typed. Combine with Optional() or InputRequired(message), as any field."""

    def __init__(self, label=None, validators=None, what=THE_DATE, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.what = what
        self.typed = dict.fromkeys(DATE_PARTS, "")
        self.error_parts: tuple[str, ...] = ()

    @property
    def parts(self) -> dict[str, str]:
        """The three boxes as shown: what was typed, or else the date (which a view may set
        after the form is made, as a suggestion)."""
        if any(self.typed.values()) or not isinstance(self.data, date):
            return self.typed
        return {
            "day": str(self.data.day),
            "month": str(self.data.month),
            "year": str(self.data.year),
        }

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(None, data, extra_filters)  # the saved value, if any
        if formdata is None:
            return
        self.typed = {p: (formdata.get(f"{self.name}-{p}") or "").strip() for p in DATE_PARTS}
        # Only what was typed: so Optional() and InputRequired() see an empty date as empty.
        self.raw_data = [value for value in self.typed.values() if value]
        try:
            self.data = self._parse()
        except ValueError as error:
            self.data = None
            self.process_errors.append(error.args[0])

    def process_data(self, value):
        self.data = value if isinstance(value, date) else None

    def pre_validate(self, form):
        if not self.raw_data:  # a required date left empty: every box is wrong
            self.error_parts = DATE_PARTS

    def _parse(self) -> date | None:
        if not self.raw_data:
            return None
        missing = tuple(p for p in DATE_PARTS if not self.typed[p])
        if missing:
            self.error_parts = missing
            raise ValueError(MISSING_PARTS[missing](self.what))
        not_numbers = tuple(p for p in DATE_PARTS if not self.typed[p].isdigit())
        if not_numbers:
            return self._refuse(not_numbers)
        day, month, year = (int(self.typed[p]) for p in DATE_PARTS)
        if len(self.typed["year"]) != 4:
            self.error_parts = ("year",)
            raise ValueError(_l("%(what)s must include a year with 4 numbers", what=self.what))
        if not 1 <= month <= 12:
            return self._refuse(("month",))
        try:
            return date(year, month, day)
        except ValueError:
            return self._refuse(("day",))

    def _refuse(self, parts: tuple[str, ...]):
        self.error_parts = parts
        raise ValueError(_l("%(what)s must be a real date", what=self.what))
