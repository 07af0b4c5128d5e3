"""Sending the outbox: claim an e-mail, send it, mark it sent (issue #24).

Each e-mail goes once. A sender first claims the row for a lease (`claimed_until`, and one
more attempt) in a short transaction of its own: on PostgreSQL the candidate is picked with
SELECT … FOR UPDATE SKIP LOCKED, so send-mail on several hosts each take different rows
without waiting; on SQLite (one writer at a time) the conditional UPDATE alone decides. Then it
talks to the mail server with no transaction open, and marks the row sent. Nobody else takes
the row while the lease lasts, so only a sender that dies between the server's "accepted" and
the mark can cause a second copy (it carries the same Message-ID, by which mail clients drop
it). A failure waits 5 minutes, then twice as long after each further one, until
TRACKER_MAIL_MAX_ATTEMPTS, when the e-mail is failed; a permanent refusal fails it at once.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import func, or_, select, update

from tracker.extensions import db
from tracker.models import OutboxMessage
from tracker.models.base import utcnow
from tracker.notifications.mail import Server, compose

log = logging.getLogger(__name__)

FIRST_WAIT = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=6)
ERROR_LENGTH = 200


@dataclass
class Run:
    """What one send-mail run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unreachable: str | None = None  # why the run stopped early, if the server could not be had


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    return min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def lease(server: Server) -> timedelta:
    """Long enough for one message's every step to time out, several times over."""
    return max(timedelta(minutes=5), timedelta(seconds=server.timeout * 12))


def _due(now: datetime) -> tuple:
    return (
        OutboxMessage.status == "waiting",
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def claim(message_id: int, server: Server) -> OutboxMessage | None:
    """Take one e-mail for sending, if it is due and nobody else has it; committed."""
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, *_due(now))
        .values(claimed_until=now + lease(server), attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return None
    db.session.commit()
    return db.session.get(OutboxMessage, message_id, populate_existing=True)


def claim_next(server: Server) -> OutboxMessage | None:
    """Take the e-mail that has been due longest and that nobody else has; None when none is."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    while True:
        candidates = (
            select(OutboxMessage.id)
            .where(*_due(utcnow()))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1 if postgres else 20)
        )
        if postgres:  # rows another host is claiming are passed over, not waited for
            candidates = candidates.with_for_update(skip_locked=True)
        ids = db.session.scalars(candidates).all()
        if not ids:
            db.session.rollback()
            return None
        for message_id in ids:
            if (message := claim(message_id, server)) is not None:
                return message
        # Every candidate went to another sender meanwhile: look again.


def deliver_due(server: Server) -> Run:
    """Send every e-mail that is due, over one connection; stop if the server cannot be had
    (what is left waits for the next run)."""
    run = Run()
    with Connection(server) as connection:
        while (message := claim_next(server)) is not None:
            outcome = _send(connection, message)
            setattr(run, outcome, getattr(run, outcome) + 1)
            if connection.broken:
                run.unreachable = connection.error
                break
    return run


def attempt(server: Server, ids: list[int]) -> tuple[list[bool], bool]:
    """Try to send these e-mails now (just after the commit that wrote them): True for each
    one the server took (one it did not take waits for send-mail), and whether the server
    could be reached."""
    results = []
    with Connection(server) as connection:
        for message_id in ids:
            message = None if connection.broken else claim(message_id, server)
            results.append(message is not None and _send(connection, message) == "sent")
    return results, not connection.broken


def _send(connection: "Connection", message: OutboxMessage) -> str:
    """Send a claimed e-mail and record what happened: "sent", "retrying" or "failed"."""
    try:
        connection.send(as_email(message))
    except Exception as error:  # noqa: BLE001 - whatever goes wrong, the e-mail is kept
        log.warning(
            "E-mail to %s not sent: %s", message.recipient, short_error(error, connection.server)
        )
        return _record_failure(message, error, connection)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == "waiting")
        .values(status="sent", sent_at=utcnow(), claimed_until=None, body="", last_error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return "sent"


def _record_failure(message: OutboxMessage, error: Exception, connection: "Connection") -> str:
    now, attempts = utcnow(), message.attempts
    given_up = permanent(error) or attempts >= current_app.config["TRACKER_MAIL_MAX_ATTEMPTS"]
    values = {"claimed_until": None, "last_error": short_error(error, connection.server)}
    if given_up:
        values |= {"status": "failed", "failed_at": now}
    else:
        values["next_attempt_at"] = now + backoff(attempts)
    db.session.execute(
        update(OutboxMessage)
        # Still ours: the same attempt, not one another sender claimed after the lease ran out.
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.status == "waiting",
            OutboxMessage.attempts == attempts,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if connection.broken:
        connection.error = values["last_error"]
    return "failed" if given_up else "retrying"


def permanent(error: Exception) -> bool:
    """Whether the server refused the message itself for good (5xx), so trying again is no use."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def short_error(error: Exception, server: Server) -> str:
    """What went wrong, on one short line, with no password in it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "; ".join(
            f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
            for code, reply in error.recipients.values()
        )
    elif isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        text = f"{error.smtp_code} {detail}"
    else:
        text = str(error) or type(error).__name__
    text = f"{type(error).__name__}: {text}"
    if server.password:
        text = text.replace(server.password, "•••")
    text = " ".join(text.split())
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"


def as_email(message: OutboxMessage):
    """The row as the e-mail to send. The Message-ID is the row's, the same at every try."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = sender.rpartition("@")[2] or "localhost"
    stamp = int(message.created_at.timestamp())
    return compose(
        sender,
        message.recipient,
        message.subject,
        message.body,
        {
            "Date": format_datetime(message.created_at),
            "Message-ID": f"<outbox.{message.id}.{stamp}@{domain}>",
        },
    )


class Connection:
    """One SMTP session for several e-mails, opened for the first. Broken by trouble with the
    server or the way to it (not a refusal of one message), after which nothing more is tried:
    the next e-mail would only wait for the same timeout."""

    def __init__(self, server: Server):
        self.server = server
        self.smtp: smtplib.SMTP | None = None
        self.broken = False
        self.error: str | None = None

    def send(self, email) -> None:
        try:
            if self.smtp is None:
                self.smtp = self.server.connect()
            self.smtp.send_message(email)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
            raise  # this message refused; the session is still good for the next
        except OSError:  # smtplib's own errors are OSErrors too
            self.broken = True
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is None:
            return
        smtp, self.smtp = self.smtp, None
        try:
            if not self.broken:
                smtp.quit()
        except OSError:
            pass
        finally:
            smtp.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def waiting_count() -> int:
    """How many e-mails wait to be sent, due or not."""
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.status == "waiting")
    )
