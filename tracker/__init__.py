"""The Safeguarding Progress Tracker: application factory."""

from flask import Flask

from tracker import config as settings
from tracker.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, with `config` overriding (tests pass their own)."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.from_mapping(settings.load())
    if config:
        app.config.from_mapping(config)

    from tracker import database, i18n, security, web
    from tracker.admin.views import bp as admin_bp
    from tracker.api import bp as api_bp
    from tracker.api import idempotency
    from tracker.assessments.views import bp as assessments_bp
    from tracker.auth.views import bp as auth_bp
    from tracker.cli import register_commands
    from tracker.dashboards.views import bp as dashboards_bp
    from tracker.evidence.views import bp as evidence_bp
    from tracker.exports.views import bp as exports_bp
    from tracker.frameworks.views import bp as frameworks_bp
    from tracker.main.views import bp as main_bp
    from tracker.notifications import mail
    from tracker.notifications.views import bp as notifications_bp
    from tracker.review.views import bp as review_bp
    from tracker.statements.views import bp as statements_bp

    db.init_app(app)
    database.configure(app)
    migrate.init_app(app, db, directory=str(settings.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    security.init_app(app)
    web.init_app(app)
    mail.init_app(app)
    idempotency.init_app(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(frameworks_bp)
    app.register_blueprint(assessments_bp)
    app.register_blueprint(evidence_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(dashboards_bp)
    app.register_blueprint(statements_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(admin_bp)
    csrf.exempt(api_bp)  # bearer tokens only: no cookie, so no cross-site forgery
    app.register_blueprint(api_bp)
    register_commands(app)
    return app
