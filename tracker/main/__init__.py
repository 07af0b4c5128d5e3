"""Start pages, health check and the accessibility statement."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from tracker.main import views  # noqa: E402,F401  (registers the routes)
