"""uvicorn's HTTP protocol with a deadline on request headers.

uvicorn bounds the idle time between requests on a kept-alive connection (its keep-alive
timeout), but nothing bounds a client that opens a connection and sends its headers slowly, or
not at all: such connections stay open for ever, and a thousand of them hold a thousand sockets.
This protocol closes a connection whose next request's headers are not complete within the
header timeout of the served configuration (``--header-timeout``), counted from the connection's
opening or from the end of its previous answer. The body has its own deadline, in the app
(``--body-timeout``), and scoring another (``--request-timeout``).

It subclasses the protocol uvicorn would pick itself (httptools when installed, else h11) and
reads two attributes both of them keep: ``cycle``, the request being handled (None before the
first request's headers are complete), and its ``response_complete`` flag.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from .config import config_from_environment

_header_timeout: float | None = None


def header_timeout() -> float:
    """The header timeout of the configuration ``pmmlkit serve`` handed to this process."""
    global _header_timeout
    if _header_timeout is None:
        _header_timeout = config_from_environment().limits.header_timeout_seconds
    return _header_timeout


class HeaderTimeoutProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """Closes a connection that does not complete a request's headers in time."""

    _header_deadline: asyncio.TimerHandle | None = None
    _waiting_since_cycle: Any = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
        # The request answered last (None at first): if it is still the current one when the
        # deadline comes, no new request's headers arrived in time.
        self._waiting_since_cycle = self.cycle
        self._header_deadline = asyncio.get_running_loop().call_later(header_timeout(), self._header_deadline_passed)

    def _header_deadline_passed(self) -> None:
        self._header_deadline = None
        cycle = self.cycle
        waiting = cycle is self._waiting_since_cycle and (cycle is None or cycle.response_complete)
        if waiting and not self.transport.is_closing():
            self.transport.close()
