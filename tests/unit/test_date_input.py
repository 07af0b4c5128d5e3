"""The one GOV.UK date input (day, month, year) every form uses (issue #17 point 15): what it
accepts, and the GOV.UK message and highlighted fields for what it does not."""

from datetime import date

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired, Optional

from tracker.forms import DateInputField


class _Form(FlaskForm):
    class Meta:
        csrf = False

    when = DateInputField("When", validators=[Optional()], what="Date")
    due = DateInputField(
        "Due", validators=[InputRequired("Enter the due date")], what="The due date"
    )


def _form(app, **parts) -> _Form:
    data = MultiDict({f"when-{k}": v for k, v in parts.items()})
    data.update({"due-day": "1", "due-month": "2", "due-year": "2027"})
    with app.test_request_context(method="POST"):
        form = _Form(formdata=data)
        form.validate()
        return form


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({"day": "31", "month": "3", "year": "2027"}, date(2027, 3, 31)),
        ({"day": " 01 ", "month": "04", "year": "2027"}, date(2027, 4, 1)),
        ({}, None),
        ({"day": "", "month": "", "year": ""}, None),
    ],
)
def test_real_dates_and_nothing(app, parts, expected):
    form = _form(app, **parts)
    assert form.when.errors == [] and form.when.data == expected
    assert form.due.data == date(2027, 2, 1)


@pytest.mark.parametrize(
    ("parts", "message", "highlighted"),
    [
        ({"day": "31", "year": "2027"}, "Date must include a month", ("month",)),
        ({"month": "3", "year": "2027"}, "Date must include a day", ("day",)),
        ({"day": "3", "month": "3"}, "Date must include a year", ("year",)),
        ({"year": "2027"}, "Date must include a day and month", ("day", "month")),
        ({"day": "3"}, "Date must include a month and year", ("month", "year")),
        ({"month": "3"}, "Date must include a day and year", ("day", "year")),
        ({"day": "31", "month": "2", "year": "2027"}, "Date must be a real date", ("day",)),
        ({"day": "3", "month": "13", "year": "2027"}, "Date must be a real date", ("month",)),
        ({"day": "x", "month": "3", "year": "2027"}, "Date must be a real date", ("day",)),
        (
            {"day": "3", "month": "3", "year": "27"},
            "Date must include a year with 4 numbers",
            ("year",),
        ),
        ({"day": "3", "month": "March", "year": "2027"}, "Date must be a real date", ("month",)),
    ],
)
def test_gov_uk_messages_highlight_the_right_fields(app, parts, message, highlighted):
    form = _form(app, **parts)
    assert form.when.errors == [message]
    assert form.when.error_parts == highlighted
    assert form.when.data is None
    for part, value in parts.items():  # what was typed is shown back
        assert form.when.parts[part] == value.strip()


def test_a_required_date_left_empty_says_so_and_highlights_every_field(app):
    with app.test_request_context(method="POST"):
        form = _Form(formdata=MultiDict({}))
        form.validate()
    assert form.due.errors == ["Enter the due date"]
    assert form.due.error_parts == ("day", "month", "year")


def test_a_saved_date_fills_the_three_fields(app):
    with app.test_request_context():
        form = _Form(data={"when": date(2027, 3, 9)})
    assert form.when.parts == {"day": "9", "month": "3", "year": "2027"}


def test_a_date_set_after_the_form_is_made_is_shown(app):
    """A view may suggest a date (a challenge due in 14 days) after making the form."""
    with app.test_request_context():
        form = _Form()
        form.due.data = date(2027, 1, 5)
    assert form.due.parts == {"day": "5", "month": "1", "year": "2027"}
