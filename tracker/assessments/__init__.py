"""Coordinators' and contributors' self-assessment pages."""

from flask import Blueprint

bp = Blueprint("assessments", __name__, url_prefix="/assessments")
