"""`flask --app app ...` commands (DESIGN §9). They read seeds/ and never drop data."""

from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import select

from tracker import clock, seeding
from tracker.auth import passwords
from tracker.extensions import db
from tracker.frameworks.loader import FrameworkFileError
from tracker.frameworks.operations import import_framework
from tracker.models import AuditEvent, Organisation, User
from tracker.models.users import LOCALES, ROLES


@click.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema by applying migrations; no data is dropped."""
    upgrade()
    click.echo("Database is up to date.")


@click.command("seed-reference")
def seed_reference() -> None:
    """Load the organisations and frameworks from seeds/ (no demo users)."""
    created, imported = seeding.seed_reference()
    click.echo(f"Organisations created: {created}; frameworks imported: {imported}.")


@click.command("seed-demo")
def seed_demo() -> None:
    """Load reference data and the demo accounts, cycles and assessments; safe to repeat."""
    if current_app.config["TRACKER_ENV"] == "production":
        raise click.ClickException(
            "seed-demo refuses to run with TRACKER_ENV=production: its accounts have a published "
            "password. Use seed-reference and create-user instead."
        )
    try:
        seeding.seed_demo()
    except (seeding.SeedError, FrameworkFileError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Demo data is loaded. Every demo account's password is in seeds/demo.yaml.")


@click.command("import-framework")
@click.argument("path", type=click.Path(dir_okay=False))
def import_framework_command(path: str) -> None:
    """Validate a framework YAML file and import it as a new framework version."""
    try:
        framework = import_framework(path)
    except FrameworkFileError as exc:
        raise click.ClickException(f"Nothing was imported.\n{exc}") from None
    click.echo(f"Imported {framework.key} version {framework.version}.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--organisation", "organisation_code", required=True, help="Organisation code")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--locale", type=click.Choice(LOCALES), default="en", show_default=True)
@click.password_option(help="At least 12 characters; asked for if not given")
def create_user(email, name, organisation_code, role, locale, password) -> None:
    """Create a user account (for administrators)."""
    email = User.normalise_email(email)
    if "@" not in email:
        raise click.BadParameter("is not an email address", param_hint="--email")
    problem = passwords.problem(password, email)
    if problem:
        raise click.BadParameter(problem, param_hint="password")
    org = db.session.scalar(select(Organisation).where(Organisation.code == organisation_code))
    if org is None:
        raise click.BadParameter(
            f"no organisation has code {organisation_code!r}", param_hint="--organisation"
        )
    from tracker.admin.people import role_problem

    problem = role_problem(role, org)
    if problem:
        raise click.BadParameter(problem, param_hint="--role")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise click.ClickException(f"A user with email {email} already exists.")
    user = User(email=email, name=name.strip(), organisation=org, role=role, locale=locale)
    user.set_password(password)
    db.session.add(user)
    AuditEvent.record(None, "user.created", user, after={"email": email, "role": role})
    db.session.commit()
    click.echo(f"Created {role} {email} at {org.code}.")


@click.command("sweep-evidence")
@click.option("--older-than", default=3600, show_default=True, help="Seconds a file must be old")
def sweep_evidence(older_than: int) -> None:
    """Remove stored files that no evidence or published statement refers to (left by failed
    uploads and publishes)."""
    from tracker.evidence.operations import store
    from tracker.evidence.queries import referenced_addresses

    try:
        removed = store().sweep(referenced_addresses(), older_than_seconds=older_than)
    except OSError as exc:  # a disk or a bucket's server: say which, and what it said
        raise click.ClickException(f"Nothing more was removed: {exc}") from exc
    click.echo(f"Removed {removed} unreferenced file(s).")


@click.command("sweep-sessions")
def sweep_sessions() -> None:
    """Forget signed-out sessions older than the longest a session can last (their cookies
    have expired anyway) and API idempotency keys older than 24 hours. Safe to run on every
    host, at any time."""
    from datetime import timedelta

    from sqlalchemy import delete

    from tracker.api.idempotency import KEEP_FOR
    from tracker.models import EndedSession, IdempotencyRecord
    from tracker.models.base import utcnow

    cutoff = utcnow() - timedelta(hours=current_app.config["TRACKER_SESSION_HOURS"])
    removed = db.session.execute(
        delete(EndedSession).where(EndedSession.created_at < cutoff)
    ).rowcount
    keys = db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - KEEP_FOR)
    ).rowcount
    db.session.commit()
    click.echo(f"Forgot {removed} signed-out session(s) and {keys} idempotency key(s).")


@click.command("send-reminders")
def send_reminders() -> None:
    """Remind coordinators of assessments due (28, 7 and 1 days before, and once overdue),
    tell people of challenges and reviews past their due date, and warn owners of API tokens
    expiring within a week, once each. Run it daily, on as many hosts as you like."""
    from tracker.auth.tokens import warn_expiring
    from tracker.notifications import mail
    from tracker.notifications.reminders import send_due_reminders
    from tracker.review.reminders import send_overdue_reminders

    today = clock.today()
    # Links in the reminders are built as if for a request to the tracker's own address.
    with current_app.test_request_context(base_url=current_app.config["TRACKER_BASE_URL"]):
        sent = send_due_reminders(today) + send_overdue_reminders(today) + warn_expiring()
    delivered = mail.wait()
    click.echo(
        f"Reminders sent: {sent}."
        + (f" E-mails accepted: {sum(delivered)} of {len(delivered)}." if delivered else "")
    )


@click.command("send-mail")
def send_mail() -> None:
    """Send the e-mails waiting in the outbox that are due: those not taken just after their
    change (the mail server was down or silent), and failures being tried again with backoff.
    Run it every few minutes (cron or a systemd timer), on as many hosts as you like: each
    e-mail is claimed before it is sent, so it goes once."""
    from tracker.notifications import mail, outbox

    server = mail.Server.from_config(current_app.config)
    if server is None:
        click.echo(
            f"No MAIL_SERVER is configured: {outbox.waiting_count()} e-mail(s) wait in the outbox."
        )
        return
    run = outbox.deliver_due(server)
    click.echo(
        f"E-mails sent: {run.sent}; to try again later: {run.retrying}; failed: {run.failed}; "
        f"waiting: {outbox.waiting_count()}."
        + (
            f" Stopped early, the mail server could not be reached: {run.unreachable}"
            if run.unreachable
            else ""
        )
    )


@click.command("generate-dataset")
@click.option("--seed", default=1, show_default=True, help="Same seed, same data")
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=click.IntRange(1, 100),
    help="10 = ten times the history (cycles and all in them)",
)
@click.option(
    "--organisations",
    default=40,
    show_default=True,
    type=click.IntRange(1, 40),
    help="Assessing organisations (fewer for quick tests)",
)
def generate_dataset(seed: int, scale: int, organisations: int) -> None:
    """Fill an empty database with the synthetic national dataset of DESIGN §10 (benchmarks)."""
    from tracker import synthetic

    if current_app.config["TRACKER_ENV"] == "production":
        raise click.ClickException(
            "generate-dataset refuses to run with TRACKER_ENV=production: its accounts have a "
            "published password."
        )
    try:
        result = synthetic.generate(seed, scale, organisations)
    except synthetic.DatasetError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(", ".join(f"{table}: {n}" for table, n in result.counts.items()))
    click.echo(f"Fingerprint: {result.fingerprint}")


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent snapshot of the database and the evidence store, with a manifest of
    SHA-256 sums, to PATH (a new folder). Safe while the app is in use."""
    from tracker import backup

    try:
        manifest = backup.backup(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(manifest["row_counts"].values())
    click.echo(
        f"Snapshot written to {path}: {rows} rows in {len(manifest['row_counts'])} tables, "
        f"{len(manifest['files'])} stored files, schema revision {manifest['schema_revision']}."
    )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Restore the snapshot at PATH into this instance, whose database and evidence store must
    be empty; every SHA-256 is checked first. Stop the app while it runs."""
    from tracker import backup

    try:
        manifest = backup.restore(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Restored {sum(manifest['row_counts'].values())} rows and {len(manifest['files'])} "
        f"stored files from the snapshot of {manifest['created_at']}."
    )


def register_commands(app: Flask) -> None:
    commands = (
        init_db,
        seed_reference,
        seed_demo,
        import_framework_command,
        create_user,
        sweep_evidence,
        sweep_sessions,
        send_reminders,
        send_mail,
        generate_dataset,
        backup_command,
        restore_command,
    )
    for command in commands:
        app.cli.add_command(command)
