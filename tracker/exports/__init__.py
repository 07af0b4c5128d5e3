"""Exports: responses, actions, evidence lists and challenges as CSV or XLSX."""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")
