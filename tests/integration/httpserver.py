"""A scripted HTTP server on 127.0.0.1 for tests that must cross a real socket.

Give it a queue of :class:`Reply` values; each incoming request takes the next
one (or ``default`` once the queue is empty). A reply can answer normally
(status, headers, body), ``hang`` without answering, ``reset`` the connection
(RST), ``close`` it without a word, or ``drip`` the body one byte at a time.
Every request is recorded (method, path, lower-cased headers, body) before its
reply is carried out, so a test can assert what the client sent even when the
server then misbehaves.

    with ScriptedServer([Reply.json({"five_hour": None}), Reply.reset()]) as server:
        ... point the client at server.url ...
        assert server.requests[0].header("authorization") == "Bearer FAKE"

As a fixture, either write the three lines in your test module::

    @pytest.fixture
    def server() -> Iterator[ScriptedServer]:
        with ScriptedServer() as running:
            yield running

or list this module in the root conftest's ``pytest_plugins`` to get the
``scripted_server`` fixture below everywhere (importing the fixture by name
into a test module works too, but ruff reports the parameter as F811).
``closed_port()`` gives a port where nothing listens, for "connection refused".
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import sys
import threading
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal

import pytest

Action = Literal["respond", "hang", "reset", "close", "drip"]


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build with the class methods."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    action: Action = "respond"
    # respond: delay before answering; hang: how long; drip: pause between bytes.
    seconds: float = 0.0

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        """A JSON body (``application/json``)."""
        return cls.raw(json.dumps(data).encode(), status, "application/json", headers)

    @classmethod
    def raw(
        cls,
        body: bytes | str,
        status: int = 200,
        content_type: str | None = "application/json",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> Reply:
        """Any body with the given content type (``None``: no Content-Type header)."""
        data = body.encode() if isinstance(body, str) else body
        all_headers = dict(headers or {})
        if content_type is not None:
            all_headers.setdefault("Content-Type", content_type)
        return cls(status, data, tuple(all_headers.items()), "respond", delay)

    @classmethod
    def compressed(
        cls, body: bytes | Iterable[bytes], encodings: Iterable[str], status: int = 200
    ) -> Reply:
        """``body`` under ``Content-Encoding: <encodings>`` (applied first to last).

        ``body`` may be an iterable of blocks, so a bomb (gigabytes of zeros) is
        compressed as it is generated and never held whole in the test process.
        """
        stack = list(encodings)
        blocks: Iterable[bytes] = [body] if isinstance(body, bytes) else body
        for encoding in stack:
            blocks = [_compress(blocks, encoding)]
        named = ("deflate" if encoding == "raw-deflate" else encoding for encoding in stack)
        headers = {"Content-Encoding": ", ".join(named)}
        return cls.raw(b"".join(blocks), status, "application/json", headers)

    @classmethod
    def html(cls, text: str, status: int = 200) -> Reply:
        """An HTML page, as a captive portal or a bot check would send."""
        return cls.raw(text, status, "text/html; charset=UTF-8")

    @classmethod
    def status_only(cls, status: int, headers: dict[str, str] | None = None) -> Reply:
        """A status with a small JSON error body, like the endpoint's errors."""
        body = {"type": "error", "error": {"type": "scripted", "message": f"HTTP {status}"}}
        return cls.json(body, status, headers)

    @classmethod
    def hang(cls, seconds: float = 120.0) -> Reply:
        """Read the request, then say nothing for ``seconds`` (or until the server stops)."""
        return cls(action="hang", seconds=seconds)

    @classmethod
    def reset(cls) -> Reply:
        """Read the request, then abort the connection (TCP RST)."""
        return cls(action="reset")

    @classmethod
    def close(cls) -> Reply:
        """Read the request, then close the connection without answering."""
        return cls(action="close")

    @classmethod
    def drip(cls, body: bytes, interval: float, status: int = 200) -> Reply:
        """Send headers at once, then the body one byte every ``interval`` seconds."""
        return cls(status, body, (("Content-Type", "application/json"),), "drip", interval)


@dataclass(frozen=True)
class RecordedRequest:
    """What the server received."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name."""
        return self.headers.get(name.lower())


class ScriptedServer:
    """A ThreadingHTTPServer on 127.0.0.1, port 0, answering from a script."""

    def __init__(self, replies: Iterable[Reply] = (), *, default: Reply | None = None) -> None:
        self.default = default
        self.requests: list[RecordedRequest] = []
        self.unscripted = 0  # requests that found no reply (answered 500)
        self.errors: list[BaseException] = []  # unexpected handler failures
        self._queue: deque[Reply] = deque(replies)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- script -----------------------------------------------------------------------
    def script(self, *replies: Reply) -> None:
        """Append replies to the queue."""
        with self._lock:
            self._queue.extend(replies)

    def _next(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.popleft()
            if self.default is not None:
                return self.default
            self.unscripted += 1
        return Reply.raw(b"no scripted reply left", 500, "text/plain")

    @property
    def remaining(self) -> int:
        """Replies not used yet."""
        with self._lock:
            return len(self._queue)

    # -- lifecycle --------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound port."""
        if self._httpd is None:
            msg = "server not started"
            raise RuntimeError(msg)
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (use as ``base_url``)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ScriptedServer:
        """Bind and serve in a background thread."""
        httpd = _Server(("127.0.0.1", 0), _handler_for(self))
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="scripted-http"
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """End hangs and drips, drop open connections, stop serving."""
        self._stopping.set()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # wake handlers blocked reading a kept-alive connection
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._httpd = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ScriptedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        # A client that gave up (timeout, our reset) is part of the script, not a failure.
        if error is not None and not isinstance(error, ConnectionError | TimeoutError):
            self.owner.errors.append(error)


def _handler_for(owner: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so a retry may reuse the connection

        def setup(self) -> None:
            super().setup()
            with owner._lock:
                owner._connections.add(self.connection)

        def finish(self) -> None:
            with owner._lock:
                owner._connections.discard(self.connection)
            with contextlib.suppress(OSError):  # the client may already be gone
                super().finish()

        def log_message(self, format: str, *args: Any) -> None:
            del format, args  # quiet: tests read ``owner.requests`` instead

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = RecordedRequest(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
            reply = owner._next(request)
            stopping = owner._stopping
            if reply.action == "hang":
                stopping.wait(reply.seconds)
                self.close_connection = True
            elif reply.action == "reset":
                self.close_connection = True
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.rfile.close()  # drop the makefile reference so close() is real
                self.connection.close()
            elif reply.action == "close":
                self.close_connection = True
            elif reply.action == "drip":
                self._head(reply)
                for index in range(len(reply.body)):
                    if stopping.wait(reply.seconds):
                        break
                    self.wfile.write(reply.body[index : index + 1])
                    self.wfile.flush()
            else:
                if reply.seconds and stopping.wait(reply.seconds):
                    return
                self._head(reply)
                self.wfile.write(reply.body)
                self.wfile.flush()

        def _head(self, reply: Reply) -> None:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()

    return Handler


def zeros(total: int, block: int = 1 << 20) -> Iterator[bytes]:
    """``total`` zero bytes in blocks: the body of a compression bomb."""
    sent = 0
    while sent < total:
        size = min(block, total - sent)
        sent += size
        yield bytes(size)


def _compress(blocks: Iterable[bytes], encoding: str) -> bytes:
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS}.get(
        encoding, zlib.MAX_WBITS
    )
    if encoding == "raw-deflate":  # what some servers send as "deflate"
        wbits = -zlib.MAX_WBITS
    engine = zlib.compressobj(9, zlib.DEFLATED, wbits)
    out = [engine.compress(block) for block in blocks]
    out.append(engine.flush())
    return b"".join(out)


def closed_port() -> int:
    """A 127.0.0.1 port with nothing listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    """A started :class:`ScriptedServer` with an empty script; stopped after the test."""
    with ScriptedServer() as server:
        yield server
