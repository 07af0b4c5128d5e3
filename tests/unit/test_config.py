"""Settings from the environment, and what production refuses to start with."""

import pytest

from tracker.config import ConfigError, database_url, load


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    env = {"TRACKER_INSTANCE_DIR": str(tmp_path)}
    first = load(env)["SECRET_KEY"]
    assert len(first) >= 32
    assert load(env)["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_defaults(tmp_path):
    config = load({"TRACKER_INSTANCE_DIR": str(tmp_path)})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'tracker.sqlite'}"
    assert config["TRACKER_MAX_UPLOAD_MB"] == 25
    assert config["MAX_CONTENT_LENGTH"] == 26 * 1024 * 1024  # the file plus the form around it
    assert config["TRACKER_EVIDENCE_DIR"] == str(tmp_path / "evidence")
    assert config["SESSION_COOKIE_SECURE"] is False


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load({"TRACKER_ENV": "production", "TRACKER_INSTANCE_DIR": str(tmp_path)})
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_to_start_with_debug_on(tmp_path):
    with pytest.raises(ConfigError, match="debug"):
        load(
            {
                "TRACKER_ENV": "production",
                "SECRET_KEY": "k" * 40,
                "FLASK_DEBUG": "1",
                "TRACKER_INSTANCE_DIR": str(tmp_path),
            }
        )


def test_production_sets_secure_cookies(tmp_path):
    config = load(
        {"TRACKER_ENV": "production", "SECRET_KEY": "k" * 40, "TRACKER_INSTANCE_DIR": str(tmp_path)}
    )
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize("env", [{"TRACKER_ENV": "staging"}, {"TRACKER_MAX_UPLOAD_MB": "lots"}])
def test_bad_settings_are_named(tmp_path, env):
    with pytest.raises(ConfigError):
        load({**env, "TRACKER_INSTANCE_DIR": str(tmp_path)})


def test_upload_limit_and_evidence_dir_come_from_the_environment(tmp_path):
    config = load(
        {
            "TRACKER_MAX_UPLOAD_MB": "5",
            "TRACKER_EVIDENCE_DIR": "/srv/evidence",
            "TRACKER_INSTANCE_DIR": str(tmp_path),
        }
    )
    assert config["MAX_CONTENT_LENGTH"] == 6 * 1024 * 1024
    assert config["TRACKER_EVIDENCE_DIR"] == "/srv/evidence"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////srv/t.sqlite", "sqlite:////srv/t.sqlite"),
    ],
)
def test_database_url_gets_the_psycopg_driver(tmp_path, raw, expected):
    assert database_url(raw, tmp_path) == expected


def test_the_sqlite_busy_timeout_comes_from_the_environment():
    assert load({"TRACKER_SQLITE_BUSY_MS": "2500"})["TRACKER_SQLITE_BUSY_MS"] == 2500
    assert load({})["TRACKER_SQLITE_BUSY_MS"] == 15_000
    with pytest.raises(ConfigError):
        load({"TRACKER_SQLITE_BUSY_MS": "soon"})


@pytest.mark.parametrize("value, expected", [(None, 8), ("3", 3), ("", 8)])
def test_the_outbox_tries_each_e_mail_a_set_number_of_times(tmp_path, value, expected):
    env = {"TRACKER_INSTANCE_DIR": str(tmp_path)}
    if value is not None:
        env["TRACKER_MAIL_MAX_ATTEMPTS"] = value
    assert load(env)["TRACKER_MAIL_MAX_ATTEMPTS"] == expected


@pytest.mark.parametrize("value", ["0", "-1", "eight"])
def test_a_bad_number_of_tries_is_named(tmp_path, value):
    with pytest.raises(ConfigError, match="TRACKER_MAIL_MAX_ATTEMPTS"):
        load({"TRACKER_MAIL_MAX_ATTEMPTS": value, "TRACKER_INSTANCE_DIR": str(tmp_path)})


@pytest.mark.parametrize(
    "env, storage",
    [
        ({}, "memory://"),
        ({"REDIS_URL": "redis://cache:6379/2"}, "redis://cache:6379/2"),
        # Flask-Limiter's own setting, if given, is what counts.
        (
            {"REDIS_URL": "redis://cache:6379/2", "RATELIMIT_STORAGE_URI": "memory://"},
            "memory://",
        ),
        ({"RATELIMIT_STORAGE_URI": "redis://other:6379"}, "redis://other:6379"),
    ],
)
def test_redis_url_shares_the_rate_limits_unless_told_otherwise(tmp_path, env, storage):
    config = load({"TRACKER_INSTANCE_DIR": str(tmp_path), **env})
    assert config["RATELIMIT_STORAGE_URI"] == storage
    shared = storage.startswith("redis")
    # A Redis that is down or silent: each process counts in memory, after half a second.
    assert config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is shared
    assert bool(config["RATELIMIT_STORAGE_OPTIONS"]) is shared
    assert config["RATELIMIT_KEY_PREFIX"] == "tracker"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://host/evidence",
        "/srv/evidence",
        "file://host/srv",
        "file://",
        "s3://",
        "s3://ab",
        "az://",
        "az://ab",
        "az://Evidence/tracker",
        "az://evidence_files",
        "az://ev--idence",
        "az://-evidence",
        "az://" + "e" * 64,
        "azure://evidence",
    ],
)
def test_a_storage_url_the_tracker_cannot_open_stops_it_with_a_message(tmp_path, url):
    with pytest.raises(ConfigError, match="TRACKER_STORAGE_URL"):
        load({"TRACKER_STORAGE_URL": url, "TRACKER_INSTANCE_DIR": str(tmp_path)})


@pytest.mark.parametrize(
    "url, location",
    [
        ("file:///srv/evidence", "/srv/evidence"),
        ("s3://evidence", "s3://evidence/"),
        ("s3://evidence/tracker/prod/", "s3://evidence/tracker/prod"),
        ("az://evidence", "az://evidence/"),
        ("az://nhs-wales-evidence/tracker/prod/", "az://nhs-wales-evidence/tracker/prod"),
    ],
)
def test_the_storage_url_chooses_the_store(tmp_path, monkeypatch, url, location):
    from tracker.evidence.storage import open_store

    # Opening a container's client reaches no server: the account need not exist.
    account = "AccountName=tracker;AccountKey=a2V5;EndpointSuffix=core.windows.net"
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", account)
    config = load(
        {
            "TRACKER_STORAGE_URL": url,
            "TRACKER_S3_ENDPOINT_URL": "http://127.0.0.1:8333",
            "TRACKER_INSTANCE_DIR": str(tmp_path),
            "AZURE_STORAGE_CONNECTION_STRING": account,
        }
    )
    assert config["TRACKER_S3_ENDPOINT_URL"] == "http://127.0.0.1:8333"
    assert open_store(config).location == location


def test_without_a_storage_url_the_evidence_dir_is_the_store(tmp_path):
    from tracker.evidence.storage import open_store

    config = load({"TRACKER_EVIDENCE_DIR": "/srv/evidence", "TRACKER_INSTANCE_DIR": str(tmp_path)})
    assert config["TRACKER_STORAGE_URL"] is None
    assert open_store(config).location == "/srv/evidence"


def test_a_container_without_a_connection_string_stops_the_tracker(tmp_path):
    with pytest.raises(ConfigError, match="AZURE_STORAGE_CONNECTION_STRING"):
        load({"TRACKER_STORAGE_URL": "az://evidence", "TRACKER_INSTANCE_DIR": str(tmp_path)})


@pytest.mark.parametrize("connection_string", [None, "", "not a connection string"])
def test_a_missing_or_malformed_connection_string_is_a_store_failure(
    monkeypatch, connection_string
):
    """The variable gone or mangled after start: the store fails as a server that is down
    does (a 503 saying so, logged), not with the SDK's own error."""
    from tracker.evidence.storage import StoreFailed, open_store

    if connection_string is None:
        monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    else:
        monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection_string)
    with pytest.raises(StoreFailed, match="AZURE_STORAGE_CONNECTION_STRING"):
        open_store({"TRACKER_STORAGE_URL": "az://evidence/tracker"})
