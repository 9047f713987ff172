"""Serve a registry directory over the Schema Registry HTTP API (mirrors, demos, tests).

HTTP/1.1 keep-alive with Nagle disabled: with keep-alive but Nagle on, every
response waits ~40 ms for a delayed ACK, which is worse than HTTP/1.0.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from drift import __version__
from drift.registry.base import safe_name


class Unreadable(Exception):
    """A registry file that exists but cannot be served: answered with HTTP 500."""


@dataclass(frozen=True)
class Served:
    """A registry file, parsed (to check and route on) and as the bytes to send."""

    data: Any
    body: bytes


class RegistryDirectory:
    """Read access to a registry directory, answering in the API's shapes.

    Files are parsed once and cached until their size or mtime changes, so serving
    a schema costs a stat, not a parse and a re-encode.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[Path, tuple[tuple[int, int], Served]] = {}
        self._lock = threading.Lock()

    def _load(self, path: Path) -> Served | None:
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            with self._lock:
                cached = self._cache.get(path)
            if cached and cached[0] == stamp:
                return cached[1]
            body = path.read_bytes()
            served = Served(json.loads(body.decode("utf-8")), body)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise Unreadable(f"{path.name}: {exc}") from None
        with self._lock:
            self._cache[path] = (stamp, served)
        return served

    def _json(self, path: Path) -> Any:
        served = self._load(path)
        return None if served is None else served.data

    def served_index(self) -> Served | None:
        return self._load(self.root / "index.json")

    def served_schema(self, track: str, name: str) -> Served | None:
        path = self._schema_path(track, name)
        return None if path is None else self._load(path)

    def _schema_path(self, track: str, name: str) -> Path | None:
        if not (safe_name(track) and safe_name(name)):
            return None
        folder = (self.root / "schemas" / track).resolve()
        path = (folder / f"{name}.json").resolve()
        if path.parent != folder or not folder.is_relative_to(self.root.resolve()):
            return None
        return path

    def index(self) -> Any:
        return self._json(self.root / "index.json")

    def schema(self, track: str, name: str) -> Any:
        path = self._schema_path(track, name)
        return None if path is None else self._json(path)

    def by_id(self, schema_id: str) -> Any:
        index = self.index()
        tracks = index.get("tracks", {}) if isinstance(index, dict) else {}
        for track, info in tracks.items():
            for item in info.get("schemas", []) if isinstance(info, dict) else []:
                if isinstance(item, dict) and item.get("$schema_id") == schema_id:
                    return self.schema(track, str(item.get("name")))
        return None

    def generated_at(self) -> str:
        index = self.index()
        if isinstance(index, dict) and isinstance(index.get("generated_at"), str):
            return str(index["generated_at"])
        return datetime.now(UTC).isoformat()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RegistryHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self.server.count_request()
        if self.server.delay:
            time.sleep(self.server.delay)  # injected latency, for benchmarks
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        segments = [unquote(part) for part in url.path.strip("/").split("/")]
        try:
            status, body = self.route(segments, query)
        except Unreadable as exc:
            status, body = HTTPStatus.INTERNAL_SERVER_ERROR, {"detail": str(exc)}
        self.reply(status, body)

    def route(self, segments: list[str], query: dict[str, list[str]]) -> tuple[int, Any]:
        registry = self.server.directory
        if segments == ["health"]:
            now = datetime.now(UTC).isoformat()
            return 200, {
                "status": "healthy",
                "timestamp": now,
                "checks": {},
                "version": __version__,
            }
        if segments == ["index"]:
            return _found(registry.served_index())
        if len(segments) == 3 and segments[:2] == ["schemas", "by-id"]:
            return _found(registry.by_id(segments[2]))
        if len(segments) in (3, 4) and segments[0] == "schemas":
            served = registry.served_schema(segments[1], segments[2])
            document = None if served is None else served.data
            if len(segments) == 4:
                return self.versions(document) if segments[3] == "versions" else _found(None)
            wanted = query.get("version", [None])[0]
            if isinstance(document, dict) and wanted and document.get("core_version") != wanted:
                served = None
            return _found(served)
        return _found(None)

    def versions(self, document: Any) -> tuple[int, Any]:
        if not isinstance(document, dict):
            return _found(None)
        return 200, [
            {
                "core_version": document.get("core_version"),
                "sha256": document.get("sha256"),
                "created_at": self.server.directory.generated_at(),
                "deprecated": bool(document.get("deprecated", False)),
            }
        ]

    def reply(self, status: int, body: Any) -> None:
        data = body.body if isinstance(body, Served) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _found(document: Any) -> tuple[int, Any]:
    if document is None:
        return HTTPStatus.NOT_FOUND, {"detail": "Not Found"}
    return HTTPStatus.OK, document


class RegistryHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        root: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        delay: float = 0.0,
        verbose: bool = False,
    ) -> None:
        self.directory = RegistryDirectory(root)
        self.delay = delay
        self.verbose = verbose
        self.requests = 0
        self._lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-reply is routine (timeouts, Ctrl-C), not a server fault.
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError) and not self.verbose:
            return
        super().handle_error(request, client_address)

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
