"""JSON API v1 (DESIGN §9): bearer tokens, the same access rules as the pages."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Each module adds its routes to the blueprint (imported last: they import `bp`).
from tracker.api import (  # noqa: E402, F401
    actions,
    admin,
    assessments,
    evidence,
    http,
    idempotency,
    people,
    reference,
    responses,
    review,
    statements,
    tokens,
)
