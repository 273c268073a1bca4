"""A guard in front of NiceGUI's socket.io handlers.

NiceGUI accepts sockets from any origin, takes the client id a message names on trust, and lets a malformed
message raise inside its handlers (an ERROR with a traceback in the log). Here, a socket connects only from the
page's own origin or the configured allow-list; a message is read only from a socket that handshook into the
client it names; what NiceGUI cannot read is dropped with one warning per socket; and each socket gets a token
bucket, so a flood is dropped and its sender told to slow down, while the rest of the server stays responsive.
"""

import inspect
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import socketio
from nicegui import Client, core, ui

from core.limits.buckets import TokenBucket
from core.settings import Settings

SLOW_DOWN = "You are sending actions faster than BotArmy accepts them; some were ignored. Please slow down."
SLOW_DOWN_TEST_ID = "rate-limit-notice"
BURST_SECONDS = 5  # typing faster than the limit for this long still loses nothing
NOTICE_EVERY_S = 5
MESSAGES_FOR_A_CLIENT = ("event", "javascript_response", "ack", "log")
# What NiceGUI's handlers raise on a message that lacks a field or holds the wrong type in it.
UNREADABLE = (KeyError, IndexError, TypeError, ValueError, AttributeError)
_BROWSER_LOG_LEVELS = {"debug", "info", "warning"}

log = logging.getLogger(__name__)


@dataclass
class _Socket:
    bucket: TokenBucket
    told_at: float = -math.inf
    reported: set[str] = field(default_factory=set)


def install_socket_guard(settings: Settings) -> None:
    SocketGuard(core.sio, settings.allowed_origins, settings.socket_messages_per_second).install()


class SocketGuard:
    def __init__(self, sio: socketio.AsyncServer, allowed_origins: list[str], messages_per_second: int) -> None:
        self.sio = sio
        self.allowed_origins = set(allowed_origins)
        self.messages_per_second = messages_per_second
        self.sockets: dict[str, _Socket] = {}

    def install(self) -> None:
        self.sio.eio.cors_allowed_origins = self.accepts_origin
        self.sio.eio.cors_credentials = False  # same-origin pages need no CORS; other sites get no cookies
        handlers = self.sio.handlers["/"]
        self.sio.on("connect", self._connect(handlers["connect"]))
        self.sio.on("disconnect", self._disconnect(handlers["disconnect"]))
        self.sio.on("handshake", self._handshake(handlers["handshake"]))
        for kind in MESSAGES_FOR_A_CLIENT:
            self.sio.on(kind, self._message(kind, handlers[kind]))

    def accepts_origin(self, origin: str, environ: dict) -> bool:
        return origin in self.allowed_origins or origin in _own_origins(environ)

    def _connect(self, handler: Callable) -> Callable:
        async def connect(sid: str, environ: dict, auth=None) -> None:
            if await self._call(sid, handler, sid, environ, auth) is False:
                raise socketio.exceptions.ConnectionRefusedError("The connection request cannot be read.")
        return connect

    def _disconnect(self, handler: Callable) -> Callable:
        async def disconnect(sid: str, _reason=None) -> None:
            self.sockets.pop(sid, None)
            await self._call(sid, handler, sid)
        return disconnect

    def _handshake(self, handler: Callable) -> Callable:
        async def handshake(sid: str, *args) -> bool:
            if not self._admit(sid) or len(args) != 1:
                return False
            return await self._call(sid, handler, sid, args[0]) is True
        return handshake

    def _message(self, kind: str, handler: Callable) -> Callable:
        async def message(sid: str, *args) -> None:
            if not self._admit(sid):
                return
            if len(args) != 1 or not isinstance(args[0], dict) or not isinstance(args[0].get("client_id"), str):
                self._report(sid, f"malformed {kind!r} messages")
                return
            msg = args[0]
            if not self._belongs(sid, msg["client_id"]):
                self._report(sid, f"{kind!r} messages for a client this socket is not connected to")
                return
            if kind == "log" and msg.get("level") not in _BROWSER_LOG_LEVELS:
                msg = {**msg, "level": "warning"}  # what a browser reports is never a server ERROR
            await self._call(sid, handler, sid, msg)
        return message

    def _admit(self, sid: str) -> bool:
        """Take a token from the socket's bucket; without one, drop the message and tell the user now and then."""
        state = self.sockets.get(sid)
        if state is None:
            rate = self.messages_per_second
            state = self.sockets[sid] = _Socket(TokenBucket(rate * 60, capacity=rate * BURST_SECONDS))
        if state.bucket.take() == 0:  # no wait: a token was there
            return True
        self._report(sid, f"messages beyond {self.messages_per_second} a second")
        now = time.monotonic()
        if now - state.told_at >= NOTICE_EVERY_S:
            state.told_at = now
            self._tell(sid)
        return False

    def _tell(self, sid: str) -> None:
        for room in self.sio.rooms(sid):
            if (client := Client.instances.get(room)) is not None:
                with client:
                    ui.notify(SLOW_DOWN, type="warning", attrs={"data-testid": SLOW_DOWN_TEST_ID})

    def _belongs(self, sid: str, client_id: str) -> bool:
        """The handshake put the socket in the room named after its client."""
        return any(member == sid for member, _ in self.sio.manager.get_participants("/", client_id))

    async def _call(self, sid: str, handler: Callable, *args):
        """The handler's result; False when NiceGUI could not read the message."""
        try:
            result = handler(*args)
            return await result if inspect.isawaitable(result) else result
        except UNREADABLE as error:  # its text may quote the sender's input at any length: the type says enough
            self._report(sid, "messages NiceGUI could not read", f" ({type(error).__name__})")
            return False

    def _report(self, sid: str, trouble: str, detail: str = "") -> None:
        """One warning per socket and kind of trouble: a flood must not flood the log too."""
        state = self.sockets.get(sid)
        if state is not None:
            if trouble in state.reported:
                return
            state.reported.add(trouble)
        log.warning("Ignored %s from socket %s%s.", trouble, sid, detail)


def _own_origins(environ: dict) -> set[str]:
    """The origin the page was served from, as the server sees it and as a reverse proxy reports it.

    Trusting the forwarded headers is safe here: a page on another site cannot set them on a WebSocket, and for
    polling they would need a CORS preflight, which carries that site's origin and is refused.
    """
    scope = environ["asgi.scope"]
    scheme = {"ws": "http", "wss": "https"}.get(scope["scheme"], scope["scheme"])
    host = environ.get("HTTP_HOST", "")
    forwarded_scheme = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
    forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
    return {f"{scheme}://{host}", f"{forwarded_scheme}://{forwarded_host}"}
