"""Forms every area shares."""

from flask_wtf import FlaskForm


class PostForm(FlaskForm):
    """A form with nothing but the CSRF token, for button-only POSTs such as sign-out."""
