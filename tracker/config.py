"""Settings, read from the environment (DESIGN §9)."""

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """The environment asks for something the tracker refuses to run with."""


def database_url(raw: str | None, instance: Path) -> str:
    """Return an SQLAlchemy URL; plain postgres:// URLs are given the psycopg 3 driver."""
    if not raw:
        return f"sqlite:///{instance / 'tracker.sqlite'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _secret_key(env: dict, instance: Path, production: bool) -> str:
    if env.get("SECRET_KEY"):
        return env["SECRET_KEY"]
    if production:
        raise ConfigError("TRACKER_ENV=production needs SECRET_KEY to be set.")
    # In development a key is made once and kept in instance/, which is never committed.
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _limit_storage(env: dict) -> dict:
    """Where rate limits are counted: RATELIMIT_STORAGE_URI if set, else REDIS_URL (shared by
    every process and host), else each process's memory. If the shared store stops answering,
    each process counts in its own memory until it answers again (logged), so that signing in
    never depends on Redis; a short timeout keeps a silent Redis from holding requests up."""
    uri = env.get("RATELIMIT_STORAGE_URI") or env.get("REDIS_URL") or "memory://"
    shared = uri.startswith("redis")
    return {
        "RATELIMIT_STORAGE_URI": uri,
        "RATELIMIT_STORAGE_OPTIONS": (
            {"socket_connect_timeout": 0.5, "socket_timeout": 0.5} if shared else {}
        ),
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": shared,
        # Several trackers (or other apps) may share one Redis: each keeps to its own keys.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX") or "tracker",
    }


def load(env: dict | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = dict(os.environ if env is None else env)
    instance = Path(env.get("TRACKER_INSTANCE_DIR") or DEFAULT_INSTANCE)
    tracker_env = env.get("TRACKER_ENV", "development")
    if tracker_env not in ("development", "production"):
        raise ConfigError(f"TRACKER_ENV must be development or production, not {tracker_env!r}.")
    production = tracker_env == "production"
    if production and env.get("FLASK_DEBUG", "").lower() in ("1", "true", "yes"):
        raise ConfigError("TRACKER_ENV=production refuses to start with debug on (FLASK_DEBUG).")
    try:
        mail_port = int(env.get("MAIL_PORT") or 25)
    except ValueError as exc:
        raise ConfigError("MAIL_PORT must be a port number.") from exc
    try:
        idle_minutes = int(env.get("TRACKER_IDLE_MINUTES") or 30)
        session_hours = int(env.get("TRACKER_SESSION_HOURS") or 20)
        proxy_count = int(env.get("TRACKER_PROXY_COUNT") or 0)
    except ValueError as exc:
        raise ConfigError(
            "TRACKER_IDLE_MINUTES, TRACKER_SESSION_HOURS and TRACKER_PROXY_COUNT must be whole "
            "numbers."
        ) from exc
    if idle_minutes < 5 or session_hours < 1 or proxy_count < 0:
        raise ConfigError(
            "TRACKER_IDLE_MINUTES must be at least 5 and TRACKER_SESSION_HOURS at least 1."
        )
    try:
        busy_ms = int(env.get("TRACKER_SQLITE_BUSY_MS") or 15_000)
        stale_seconds = int(env.get("TRACKER_IDEMPOTENCY_STALE_SECONDS") or 120)
    except ValueError as exc:
        raise ConfigError(
            "TRACKER_SQLITE_BUSY_MS and TRACKER_IDEMPOTENCY_STALE_SECONDS must be whole numbers."
        ) from exc
    try:
        mail_attempts = int(env.get("TRACKER_MAIL_MAX_ATTEMPTS") or 8)
    except ValueError as exc:
        raise ConfigError("TRACKER_MAIL_MAX_ATTEMPTS must be a whole number.") from exc
    if mail_attempts < 1:
        raise ConfigError("TRACKER_MAIL_MAX_ATTEMPTS must be at least 1.")
    try:
        max_upload_mb = int(env.get("TRACKER_MAX_UPLOAD_MB", "25"))
    except ValueError as exc:
        raise ConfigError("TRACKER_MAX_UPLOAD_MB must be a whole number of megabytes.") from exc
    storage_url = env.get("TRACKER_STORAGE_URL") or None
    if storage_url:
        from tracker.evidence.storage import check_url

        try:
            check_url(storage_url)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        if storage_url.startswith("az:") and not env.get("AZURE_STORAGE_CONNECTION_STRING"):
            raise ConfigError(
                "TRACKER_STORAGE_URL az:// needs AZURE_STORAGE_CONNECTION_STRING, the storage "
                "account's connection string."
            )
    return {
        "TRACKER_ENV": tracker_env,
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": _secret_key(env, instance, production),
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "TRACKER_EVIDENCE_DIR": env.get("TRACKER_EVIDENCE_DIR") or str(instance / "evidence"),
        # Where stored files live: file:///path, s3://bucket/prefix (with the endpoint of an
        # S3-compatible server, if not AWS's, and the standard AWS_* credential variables), or
        # az://container/prefix (with AZURE_STORAGE_CONNECTION_STRING). Unset: the directory above.
        "TRACKER_STORAGE_URL": storage_url,
        "TRACKER_S3_ENDPOINT_URL": env.get("TRACKER_S3_ENDPOINT_URL") or None,
        "TRACKER_MAX_UPLOAD_MB": max_upload_mb,
        # A whole request may carry the form's other fields besides a file of the full size.
        "MAX_CONTENT_LENGTH": (max_upload_mb + 1) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        # Signed out after this long without using the tracker (warned first: WCAG 2.2.1)...
        "TRACKER_IDLE_MINUTES": idle_minutes,
        # ...and this long after signing in, however active (20 hours: WCAG 2.2.1's limit).
        "TRACKER_SESSION_HOURS": session_hours,
        "PERMANENT_SESSION_LIFETIME": session_hours * 3600,
        # Behind N reverse proxies the client's address is in X-Forwarded-For.
        "TRACKER_PROXY_COUNT": proxy_count,
        # Sign-in and token requests per client address (Flask-Limiter's notation), counted
        # where _limit_storage says.
        "TRACKER_LOGIN_LIMIT": env.get("TRACKER_LOGIN_LIMIT") or "30 per minute; 300 per hour",
        "REDIS_URL": env.get("REDIS_URL") or None,
        **_limit_storage(env),
        "RATELIMIT_ENABLED": not _flag(env.get("TRACKER_RATELIMIT_OFF")),
        "RATELIMIT_HEADERS_ENABLED": True,
        # How long a SQLite write waits for another writer before giving up (the person is
        # then told the tracker is busy). Saves take milliseconds; a backup or a big import
        # may hold the lock for seconds.
        "TRACKER_SQLITE_BUSY_MS": busy_ms,
        # An API request that claimed an Idempotency-Key and neither answered nor committed in
        # this long died with its process; a retry may then take the key over. Longer than
        # gunicorn's timeout (deploy/gunicorn.conf.py), which ends any request sooner.
        "TRACKER_IDEMPOTENCY_STALE_SECONDS": stale_seconds,
        # A form's CSRF token lasts no longer than the longest session (it is rotated at sign-in).
        "WTF_CSRF_TIME_LIMIT": session_hours * 3600,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "Europe/London",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "LANGUAGES": ("en", "cy"),
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        # E-mail is optional: with no MAIL_SERVER, notifications stay in the tracker.
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": mail_port,
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL")),
        "MAIL_TIMEOUT": 10,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER") or "tracker@localhost",
        # Tries of each e-mail in the outbox (backing off from 5 minutes) before it is failed.
        "TRACKER_MAIL_MAX_ATTEMPTS": mail_attempts,
        # Links in e-mails sent outside a request (reminders from cron) start with this.
        "TRACKER_BASE_URL": (env.get("TRACKER_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
    }
