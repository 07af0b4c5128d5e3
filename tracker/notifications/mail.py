"""E-mail through the outbox: written with the change that causes it, sent after (issue #24).

`send_after_commit()` adds the e-mail to the database session as an `OutboxMessage` row, so
the commit that saves the change saves the e-mail, and a rollback takes both away. Once the
session commits, one background thread tries to send its new e-mails at once (outbox.attempt),
so a small install needs no worker. A mail server that is down, refusing or silent never
delays or fails the request: what it does not take stays waiting for `flask send-mail`.
"""

import logging
import smtplib
import ssl
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Flask, current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from tracker.models import OutboxMessage

log = logging.getLogger(__name__)

_NEW = "tracker_outbox_new"
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracker-mail")
_pending: list[Future] = []
# When a server could not be reached (time.monotonic()): attempts queued before then are not
# made, so a silent server costs one timeout, not one for every commit queued behind it.
_trouble_found: dict = {}


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

    def connect(self) -> smtplib.SMTP:
        """An SMTP session, signed in when a user name is set."""
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.use_tls and not self.use_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def compose(
    sender: str, to: str, subject: str, body: str, headers: dict | None = None
) -> EmailMessage:
    """A plain-text e-mail; ValueError for one that cannot be written (a line break in the
    subject, say)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def send_after_commit(
    session: Session, to: str, subject: str, body: str, warn: bool = True
) -> bool:
    """Put a plain-text e-mail to `to` in the outbox with the session's change; once the
    session commits it is tried at once, then by send-mail. False (and, if `warn`, a warning
    for the operators) when no mail server is configured: it waits in the outbox until one is.
    ValueError for an e-mail that cannot be written."""
    compose(current_app.config["MAIL_DEFAULT_SENDER"], to, subject, body)  # refused now if bad
    message = OutboxMessage(recipient=to, subject=subject, body=body)
    session.add(message)
    if Server.from_config(current_app.config) is None:
        if warn:
            log.warning("No MAIL_SERVER is configured: the e-mail to %s waits in the outbox.", to)
        return False
    send_soon(session, message)
    return True


def send_soon(session: Session, message: OutboxMessage) -> None:
    """Try to send `message` (in the session) as soon as the session commits."""
    app = current_app._get_current_object()  # noqa: SLF001 - the thread needs the app itself
    session.info.setdefault(_NEW, []).append((app, message))


def _attempt(app: Flask, ids: list[int], queued_at: float) -> list[bool]:
    from tracker.notifications import outbox

    with app.app_context():
        server = Server.from_config(app.config)
        if server is None or queued_at < _trouble_found.get(server, float("-inf")):
            return [False] * len(ids)
        try:
            sent, reachable = outbox.attempt(server, ids)
        except Exception:  # noqa: BLE001 - the database is away: send-mail tries again later
            log.exception("E-mails %s not tried after the commit; send-mail will.", ids)
            return [False] * len(ids)
        if not reachable:
            _trouble_found[server] = time.monotonic()
        return sent


def _after_commit(session: Session) -> None:
    new = session.info.pop(_NEW, [])
    if not new:
        return
    _pending[:] = [f for f in _pending if not f.done()]  # keep only what is still going
    by_app: dict[Flask, list[int]] = {}
    for app, message in new:
        identity = inspect(message).identity  # known without a query: the row was flushed
        if identity is not None:
            by_app.setdefault(app, []).append(identity[0])
    for app, ids in by_app.items():
        _pending.append(_executor.submit(_attempt, app, ids, time.monotonic()))


def _after_rollback(session: Session) -> None:
    session.info.pop(_NEW, None)


def wait(timeout: float = 30) -> list[bool]:
    """Wait for every attempt after a commit so far; True for each e-mail the server took.
    For tests and commands that exit straight after sending."""
    done = []
    while _pending:
        done.extend(_pending.pop(0).result(timeout=timeout))
    return done


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
