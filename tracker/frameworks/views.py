"""Pages that show frameworks: every signed-in user may read them."""

from flask import render_template
from flask_login import current_user, login_required

from tracker.access import get_framework_or_404
from tracker.frameworks import bp, queries


@bp.get("/")
@login_required
def index():
    return render_template("frameworks/index.html", frameworks=queries.latest_frameworks())


@bp.get("/<int:framework_id>")
@login_required
def show(framework_id: int):
    framework = get_framework_or_404(framework_id, current_user)
    return render_template("frameworks/show.html", framework=framework)
