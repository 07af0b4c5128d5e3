"""Evidence: the library, uploads and links, downloads, withdrawal."""

from flask import Blueprint

bp = Blueprint("evidence", __name__, url_prefix="/evidence")
