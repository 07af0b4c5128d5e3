"""Language choice: `?lang=cy|en` on any page switches for the session (DESIGN §9, §11); the
stored preference changes only by a POST from the account page."""

from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user


def _wanted_from_query() -> str | None:
    lang = request.args.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    """The query string first, then the session, the user's account, and the browser."""
    if not has_request_context():  # commands and tests outside a request speak English
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    wanted = _wanted_from_query() or session.get("lang")
    if wanted in languages:
        return wanted
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or "en"


def remember_language() -> None:
    """Keep a language picked with ?lang= for the rest of this session. A GET changes nothing
    stored: a person's preference (which also sets their e-mails' language) is saved only by
    the POST on their account page."""
    lang = _wanted_from_query()
    if lang:
        session["lang"] = lang


def language_switch_url(lang: str) -> str:
    """This page's URL with ?lang= set, so switching keeps the user where they are."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def current_language() -> str:
    return str(get_locale() or "en")


def init_app(app: Flask) -> None:
    app.before_request(remember_language)
    app.jinja_env.globals.update(
        language_switch_url=language_switch_url, current_language=current_language
    )
