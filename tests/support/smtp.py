"""A real SMTP server on loopback (aiosmtpd) that keeps what it is sent."""

from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from tests.support.service import free_port


class Inbox:
    def __init__(self):
        self.messages = []  # (recipients, message)
        self.url = ""

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"

    @property
    def subjects(self) -> list[str]:
        return [message["Subject"] for _, message in self.messages]


@contextmanager
def serving(box: Inbox, port: int | None = None) -> Iterator[Inbox]:
    """``box`` (an Inbox, or one that answers otherwise) served on loopback at
    ``box.url`` until the block ends."""
    controller = Controller(box, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    box.url = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def inbox():
    """An SMTP server without TLS or login at ``inbox.url``."""
    with serving(Inbox()) as box:
        yield box
