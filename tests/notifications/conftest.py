"""A real SMTP server that can be stopped, started again, or made to refuse; and the review
fixtures, whose challenges are the e-mails of the issue's test."""

import asyncio

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import SmtpSink, free_port
from tests.review.conftest import _request, in_review, people, submitted  # noqa: F401


class Server(SmtpSink):
    """An SMTP server on a port of its own that a test stops and starts again; `refuse`
    answers every recipient with that reply ("451 ..." for now, "550 ..." for good)."""

    def __init__(self, port: int, delay: float = 0):
        super().__init__()
        self.port, self.delay = port, delay
        self.refuse: str | None = None
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)

    def recipients(self) -> list[str]:
        return sorted(to for envelope in self.messages for to in envelope.rcpt_tos)


@pytest.fixture
def smtp(mail_to):
    """A running server the app sends to; stopped at the end if the test left it running."""
    server = Server(free_port())
    server.start()
    mail_to(server.port)
    yield server
    server.stop()
