"""Start pages, the health check and the accessibility statement."""

from flask import jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker import clock
from tracker.extensions import csrf, db
from tracker.main import bp, queries


@bp.get("/")
@login_required
def home():
    today = clock.today()
    page = queries.start_page(current_user, today)
    return render_template("main/home.html", page=page, cycle=page.cycle, today=today)


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@bp.get("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")
