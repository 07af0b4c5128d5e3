"""Running the tracker from the browser: people, organisations, cycles, frameworks, the audit
log (issue #15). Services in people.py, organisations.py (cycles in tracker/cycles.py); pages
in the views_*.py modules, all on one blueprint at /admin; the API in tracker/api/admin.py."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
