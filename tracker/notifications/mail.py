"""Optional e-mail for notifications, sent only after the change that caused it is committed.

`queue()` puts a message in the database session's outbox. When the session commits, the
outbox is handed to one background thread that talks to the SMTP server; when it rolls back,
the outbox is dropped, so nobody is told of a change that did not happen. A mail server that
is down or slow never blocks or fails the request: the failure is logged and the in-app
notification is still there.
"""

import logging
import smtplib
import ssl
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_OUTBOX = "tracker_outbox"
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracker-mail")
_pending: list[Future] = []


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    use_ssl: bool
    timeout: float

    @classmethod
    def from_config(cls, config) -> "Server | None":
        if not config.get("MAIL_SERVER"):
            return None
        return cls(
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            config.get("MAIL_USERNAME"),
            config.get("MAIL_PASSWORD"),
            config.get("MAIL_USE_TLS", False),
            config.get("MAIL_USE_SSL", False),
            config.get("MAIL_TIMEOUT", 10),
        )


def compose(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    return message


def queue(session: Session, server: Server, message: EmailMessage) -> None:
    """Send `message` once `session` commits; forget it if the session rolls back."""
    session.info.setdefault(_OUTBOX, []).append((server, message))


def send_after_commit(session: Session, to: str, subject: str, body: str) -> bool:
    """Queue a plain-text e-mail from the tracker to `to`, sent once `session` commits; False
    (and a warning for the operators) when no mail server is configured."""
    server = Server.from_config(current_app.config)
    if server is None:
        log.warning("No MAIL_SERVER is configured: the e-mail to %s was not sent.", to)
        return False
    queue(session, server, compose(current_app.config["MAIL_DEFAULT_SENDER"], to, subject, body))
    return True


def _deliver(server: Server, message: EmailMessage) -> bool:
    try:
        if server.use_ssl:
            smtp = smtplib.SMTP_SSL(
                server.host,
                server.port,
                timeout=server.timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        with smtp:
            if server.use_tls and not server.use_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if server.username:
                smtp.login(server.username, server.password or "")
            smtp.send_message(message)
    except Exception as error:  # noqa: BLE001 - whatever goes wrong, the tracker carries on
        log.warning("E-mail to %s not sent: %s", message["To"], error)
        return False
    return True


def _after_commit(session: Session) -> None:
    outbox = session.info.pop(_OUTBOX, [])
    if outbox:
        _pending[:] = [f for f in _pending if not f.done()]  # keep only what is still going
    for server, message in outbox:
        _pending.append(_executor.submit(_deliver, server, message))


def _after_rollback(session: Session) -> None:
    session.info.pop(_OUTBOX, None)


def wait(timeout: float = 30) -> list[bool]:
    """Wait for every e-mail handed over so far; True for each one the server accepted.
    For tests and commands that exit straight after sending."""
    done = []
    while _pending:
        done.append(_pending.pop(0).result(timeout=timeout))
    return done


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
