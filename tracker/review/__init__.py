"""Peer review: assignments, challenges, validated scores and concluding a review."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")
