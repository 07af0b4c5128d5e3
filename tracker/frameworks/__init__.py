"""Frameworks as data: the YAML loader and the pages that show frameworks."""

from flask import Blueprint

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks")
