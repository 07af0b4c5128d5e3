"""Language choice: `?lang=cy|en` on any page switches and is remembered (DESIGN §9, §11)."""

from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from tracker.extensions import db


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
    """Keep a language picked with ?lang= in the session and on the signed-in user's account."""
    lang = _wanted_from_query()
    if not lang:
        return
    session["lang"] = lang
    if current_user.is_authenticated and current_user.locale != lang:
        current_user.locale = lang
        db.session.commit()


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
