"""Sign-in forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(message=_l("Enter your email address")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password")), Length(max=200)],
    )


class TokenForm(FlaskForm):
    expires_in = SelectField(
        _l("How long it lasts"),
        choices=[
            ("7", _l("7 days")),
            ("30", _l("30 days")),
            ("90", _l("90 days")),
            ("365", _l("1 year")),
        ],
        default="90",
    )
    read_only = BooleanField(_l("Read only: it may read, and change nothing"))
    name = StringField(
        _l("Name of the token"),
        validators=[
            DataRequired(message=_l("Give the token a name, such as the system that will use it")),
            Length(max=100, message=_l("The name must be 100 characters or fewer")),
        ],
    )


class NewPasswordForm(FlaskForm):
    """Choose a password (through an e-mailed link). The rules are in auth/passwords.py."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Enter a new password")), Length(max=200)],
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[
            DataRequired(message=_l("Type the new password again")),
            EqualTo("password", message=_l("The two passwords are not the same")),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password")), Length(max=200)],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(message=_l("Enter your email address")), Length(max=254)],
    )


class LanguageForm(FlaskForm):
    locale = RadioField(
        _l("Language for your pages and e-mails"),
        choices=[("en", "English"), ("cy", "Cymraeg")],
        validators=[DataRequired(message=_l("Choose English or Welsh."))],
    )
