"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping every message it accepts.

It can be stopped (the port then refuses connections, as a server that is down) and started again on
the same port, so settings that point at it stay valid.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.server import free_port


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class _Collector:
    """aiosmtpd handler: accepts every message and hands it to the sink."""

    def __init__(self, received: list[Received], delay: float = 0.0) -> None:
        self.received = received
        self.delay = delay

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)  # a slow server: each message takes this long to be accepted
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, port: int | None = None, *, delay: float = 0.0) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.delay = delay
        self.received: list[Received] = []
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [item.message for item in self.received]

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        # A stopped controller has closed its event loop: each start needs a new one.
        controller = Controller(_Collector(self.received, self.delay), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is None:
            return
        self._controller.stop()
        self._controller = None

    def __enter__(self) -> SmtpSink:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
