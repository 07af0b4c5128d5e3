"""Start pages, health check and the accessibility statement."""

from flask import Blueprint

bp = Blueprint("main", __name__)
