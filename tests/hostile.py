"""A hostile registry on loopback: it writes whatever raw bytes a test gives it, per path."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from drift.hashing import compute_sha256


def raw_response(
    body: bytes, *headers: str, status: str = "200 OK", length: int | None = None
) -> bytes:
    """One HTTP/1.1 response, byte for byte; the connection closes after it."""
    size = len(body) if length is None else length
    lines = [f"HTTP/1.1 {status}", *headers, f"Content-Length: {size}", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def json_response(value: Any) -> bytes:
    return raw_response(json.dumps(value).encode(), "Content-Type: application/json")


def index_of(track: str, *names: str) -> bytes:
    """GET /index listing `names`, each with a hash no local file has (so each is fetched)."""
    entries = [
        {
            "name": name,
            "$schema_id": name.removesuffix(".schema"),
            "sha256": compute_sha256(f"not {name}"),
            "latest_core_version": "1.0.0",
            "deprecated": False,
        }
        for name in names
    ]
    return json_response({"tracks": {track: {"count": len(entries), "schemas": entries}}})


def gzip_bomb(decoded_bytes: int) -> bytes:
    """A gzip body of `decoded_bytes` zeros: about 1/1000 of that on the wire."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(decoded_bytes >> 20)]
    parts.append(compressor.compress(bytes(decoded_bytes % (1 << 20))))
    parts.append(compressor.flush())
    return b"".join(parts)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            data = self.request.recv(65536)
            if not data:
                return
            head += data
        target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode()
        self.server.paths.append(target)
        self.server.heads.append(head)
        reply = self.server.routes.get(target, raw_response(b"{}", status="404 Not Found"))
        try:
            self.request.sendall(reply)
            self.request.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the client stopped reading (as it should, past a limit)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    routes: dict[str, bytes]
    paths: list[str]
    heads: list[bytes]


@contextmanager
def hostile_registry(routes: dict[str, bytes]) -> Iterator[_Server]:
    """Serve `routes` (request target → raw response bytes) on 127.0.0.1; 404 elsewhere."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.routes, server.paths, server.heads = routes, [], []
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def url_of(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"
