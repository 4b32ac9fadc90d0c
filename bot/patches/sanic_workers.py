"""Spread connections over Sanic workers with one SO_REUSEPORT listening socket per worker.

Sanic 21.12 (Rasa 3.6's) runs SANIC_WORKERS > 1 by binding one listening socket in the parent
and forking the workers onto it. Whichever worker's event loop wakes first accepts every waiting
connection, and keep-alive clients (a reverse proxy, Twilio, the benchmark) stay on it: measured
with two workers, one used a whole core and the other none, so a second worker added nothing.

With a listening socket of its own in each worker, all bound with SO_REUSEPORT to the same
address, the Linux kernel hashes each new connection to one of them. The parent still binds the
address first (without listening) so a port that is in use fails at start-up as before; a
socket that does not listen receives no connections.
"""
from __future__ import annotations

import socket
from typing import Any, Callable, Dict

from bot.patches.versions import require

_PATCHED = False


def _bind(host: str, port: int, listen_backlog: int = 0) -> socket.socket:
    family = socket.AF_INET6 if ":" in (host or "") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen_backlog:
        sock.listen(listen_backlog)
    return sock


class _Reserved(socket.socket):
    """The parent's bound, non-listening socket: marks settings whose workers bind their own."""


def _reserve(host: str, port: int) -> _Reserved:
    plain = _bind(host, port)
    reserved = _Reserved(plain.family, plain.type, fileno=plain.detach())
    reserved.set_inheritable(True)
    return reserved


def install() -> None:
    """Patch Sanic's multi-worker start-up (idempotent; no effect with one worker or where
    SO_REUSEPORT does not exist)."""
    global _PATCHED
    if _PATCHED or not hasattr(socket, "SO_REUSEPORT"):
        return
    require("sanic", "sanic_workers")
    import sanic.app
    import sanic.server.runners as runners

    original_multiple: Callable[..., Any] = sanic.app.serve_multiple
    original_serve: Callable[..., Any] = runners.serve

    def serve_multiple(server_settings: Dict[str, Any], workers: int) -> Any:
        if server_settings.get("sock") is None and not server_settings.get("unix"):
            server_settings["sock"] = _reserve(server_settings["host"], server_settings["port"])
        return original_multiple(server_settings, workers)

    def serve(*args: Any, **kwargs: Any) -> Any:  # runs in each forked worker
        reserved = kwargs.get("sock")
        if isinstance(reserved, _Reserved):
            host, port = reserved.getsockname()[:2]
            kwargs["sock"] = _bind(host, port, listen_backlog=kwargs.get("backlog") or 100)
            reserved.close()  # this worker's copy; the parent keeps the address reserved
        return original_serve(*args, **kwargs)

    sanic.app.serve_multiple = serve_multiple
    runners.serve = serve
    _PATCHED = True


def installed() -> bool:
    return _PATCHED
