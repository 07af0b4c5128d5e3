"""Dashboards: the national tracker, an organisation's own page, trends and calibration."""

from flask import Blueprint

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")
