"""Coordinators' and contributors' self-assessment pages."""

from flask import Blueprint

bp = Blueprint("assessments", __name__, url_prefix="/assessments")

from tracker.assessments import views  # noqa: E402,F401  (registers the routes)
