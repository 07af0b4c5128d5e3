"""Forms of the administration area (issue #15).

The forms check only what a person can put right by typing; the rules of who may be what
where are the services' (tracker/admin/people.py), which name the field they concern.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SearchField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from tracker.admin.people import NAME_MAX, REASON_MAX
from tracker.models.users import LOCALES, STATUSES

# A language's own name, as on the language switch: a reader looks for their own language.
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}
PERSON_STATUS_LABELS = {
    "invited": _l("Invited"),
    "active": _l("Active"),
    "locked": _l("Locked"),
    "deactivated": _l("Deactivated"),
}


class PersonFilterForm(FlaskForm):
    """The people list's filters: a GET form, so an address can be bookmarked and shared."""

    class Meta:
        csrf = False  # it changes nothing

    q = SearchField(_l("Name or e-mail address contains"), validators=[Length(max=200)])
    organisation = SelectField(_l("Organisation"), validate_choice=False)
    role = SelectField(_l("Role"), validate_choice=False)
    status = SelectField(
        _l("Status"),
        choices=[("", _l("Any status"))] + [(s, PERSON_STATUS_LABELS[s]) for s in STATUSES],
        validate_choice=False,
    )


def _locale_field():
    return RadioField(
        _l("Language for e-mails"),
        choices=[(code, LANGUAGE_NAMES[code]) for code in LOCALES],
        default="en",
        validate_choice=False,  # the service says "Choose English or Welsh."
        validators=[DataRequired(message=_l("Choose English or Welsh."))],
    )


def _name_field():
    return StringField(
        _l("Full name"),
        validators=[
            DataRequired(message=_l("Enter the person's name.")),
            Length(
                max=NAME_MAX,
                message=_l("The name must be %(number)d characters or fewer.", number=NAME_MAX),
            ),
        ],
    )


def _organisation_field() -> SelectField:
    return SelectField(
        _l("Organisation"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose an organisation."))],
    )


def _role_field() -> SelectField:
    return SelectField(
        _l("Role"), validate_choice=False, validators=[DataRequired(message=_l("Choose a role."))]
    )


# The organisation and role lists depend on who is asking: the views fill in their choices,
# and the services and access rules, not the lists, decide what is allowed.
class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        # Its format and length are the service's to judge (one message for every fault).
        validators=[DataRequired(message=_l("Enter the person's e-mail address."))],
    )
    name = _name_field()
    organisation = _organisation_field()
    role = _role_field()
    locale = _locale_field()


class PersonForm(FlaskForm):
    """An administrator's change to a person's name, role, organisation or language."""

    name = _name_field()
    organisation = _organisation_field()
    role = _role_field()
    locale = _locale_field()


class DeactivateForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is this account being deactivated?"),
        validators=[
            DataRequired(message=_l("Say why the account is being deactivated.")),
            Length(
                max=REASON_MAX,
                message=_l("The reason must be %(number)d characters or fewer.", number=REASON_MAX),
            ),
        ],
    )
