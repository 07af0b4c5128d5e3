"""The systemd examples in deploy/ name commands and settings that exist (the nginx and
gunicorn files are run by test_two_instances.py itself)."""

import re

from tests.multi.conftest import DEPLOY


def units() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted((DEPLOY / "systemd").iterdir())}


def test_every_scheduled_command_exists_and_has_a_timer(app):
    commands = set(app.cli.list_commands(None))
    scheduled = {}
    for name, text in units().items():
        found = re.search(r"^ExecStart=\S+/flask --app app ([\w-]+)", text, re.MULTILINE)
        if found:
            scheduled[name] = found.group(1)
    assert set(scheduled.values()) >= {"send-reminders", "send-mail", "sweep-evidence"}
    for unit, command in scheduled.items():
        assert command in commands, f"{unit} runs {command}, which does not exist"
        assert unit.replace(".service", ".timer") in units(), f"{unit} has no timer"


def test_the_web_unit_runs_gunicorn_with_the_deploy_settings():
    text = units()["tracker-web.service"]
    assert "gunicorn -c deploy/gunicorn.conf.py app:app" in text
    assert (DEPLOY / "gunicorn.conf.py").exists()
