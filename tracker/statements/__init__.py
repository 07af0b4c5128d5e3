"""Progress statements: drafted from the data, edited by an inspector, published as HTML and PDF."""

from flask import Blueprint

bp = Blueprint("statements", __name__, url_prefix="/statements")
