"""A small HTTP/1.1 transport for httpx on asyncio streams.

httpx's default transport (httpcore on anyio, parsing with h11) spends about 0.8 ms of
CPU per request; for a check that fetches a thousand drifted schemas that is most of
its run time. The registry client only sends small GETs and reads small JSON bodies,
so this transport does just HTTP/1.1 over one TCP or TLS connection at a time per
host, kept alive between requests: requests written in one piece, responses framed by
Content-Length, chunked transfer coding or the end of the connection, 1xx responses
skipped. No proxies (the client never read them from the environment), no HTTP/2, no
upgrades. httpx above it still does the URL, headers, redirects and content decoding.

Failures raise httpx's own exceptions (ConnectError, ReadTimeout, RemoteProtocolError,
...), so callers handle them exactly as with the default transport. A request on a
kept-alive connection that the server closed meanwhile is sent again once on a fresh
connection when its method is idempotent.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from dataclasses import dataclass

import httpx

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
_FORBIDDEN_IN_HEADERS = (b"\r", b"\n", b"\0")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


class _Stale(Exception):
    """A reused connection was closed by the server before it sent any response."""


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    reused: bool = False

    def close(self) -> None:
        self.writer.close()

    @property
    def usable(self) -> bool:
        return not (self.reader.at_eof() or self.writer.is_closing())


@dataclass
class _Head:
    version: bytes
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]

    def values(self, name: bytes) -> list[bytes]:
        return [value for key, value in self.headers if key.lower() == name]

    def tokens_in_order(self, name: bytes) -> list[bytes]:
        """The comma-separated tokens of every `name` field, lower-cased, in order."""
        return [t.strip().lower() for value in self.values(name) for t in value.split(b",")]


def _timeouts(request: httpx.Request) -> dict[str, float | None]:
    timeout = request.extensions.get("timeout", {})
    return {phase: timeout.get(phase) for phase in ("connect", "read", "write")}


class Http11Transport(httpx.AsyncBaseTransport):
    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}")
        key = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        message = await self._message(request)
        timeouts = _timeouts(request)
        connection = self._take(key) or await self._connect(request, key, timeouts["connect"])
        try:
            return await self._exchange(request, key, connection, message, timeouts)
        except _Stale:
            connection = await self._connect(request, key, timeouts["connect"])
            try:
                return await self._exchange(request, key, connection, message, timeouts)
            except _Stale:
                raise httpx.RemoteProtocolError(
                    "server disconnected without sending a response", request=request
                ) from None

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    # ---------------------------------------------------------------- connections

    def _take(self, key: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if connection.usable:
                connection.reused = True
                return connection
            connection.close()
        return None

    async def _connect(
        self, request: httpx.Request, key: tuple[str, str, int], timeout: float | None
    ) -> _Connection:
        scheme, host, port = key
        context: ssl.SSLContext | None = None
        if scheme == "https":
            context = self._ssl_context or ssl.create_default_context()
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host,
                    port,
                    ssl=context,
                    server_hostname=host if context else None,
                    limit=MAX_HEADER_BYTES,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(
                f"connect to {host}:{port} timed out", request=request
            ) from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return _Connection(reader, writer)

    # ---------------------------------------------------------------- one exchange

    @staticmethod
    async def _message(request: httpx.Request) -> bytes:
        body = b"".join([part async for part in request.stream])  # type: ignore[union-attr]
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"transfer-encoding"]
        if body and not any(k.lower() == b"content-length" for k, _ in headers):
            headers.append((b"Content-Length", str(len(body)).encode()))
        lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), request.url.raw_path)]
        for name, value in headers:
            if not _TOKEN.fullmatch(name) or any(bad in value for bad in _FORBIDDEN_IN_HEADERS):
                raise httpx.LocalProtocolError(f"invalid header {name!r}", request=request)
            lines.append(b"%s: %s" % (name, value))
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    async def _exchange(
        self,
        request: httpx.Request,
        key: tuple[str, str, int],
        connection: _Connection,
        message: bytes,
        timeouts: dict[str, float | None],
    ) -> httpx.Response:
        retry_if_stale = connection.reused and request.method in IDEMPOTENT
        keep = False
        try:
            try:
                async with asyncio.timeout(timeouts["write"]):
                    connection.writer.write(message)
                    await connection.writer.drain()
            except TimeoutError:
                raise httpx.WriteTimeout("timed out sending the request", request=request) from None
            except OSError as exc:
                if retry_if_stale:
                    raise _Stale from exc
                raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from exc
            try:
                async with asyncio.timeout(timeouts["read"]):
                    head = await self._read_head(connection.reader, request, retry_if_stale)
                    body, delimited = await self._read_body(connection.reader, request, head)
            except TimeoutError:
                raise httpx.ReadTimeout("timed out reading the response", request=request) from None
            except OSError as exc:
                if retry_if_stale and isinstance(exc, ConnectionResetError):
                    raise _Stale from exc
                raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
            keep = delimited and self._keep_alive(head)
        finally:
            if keep:
                connection.reused = False
                self._idle.setdefault(key, []).append(connection)
            else:
                connection.close()
        return httpx.Response(
            head.status,
            headers=head.headers,
            stream=httpx.ByteStream(body),
            extensions={"http_version": head.version, "reason_phrase": head.reason},
        )

    @staticmethod
    def _keep_alive(head: _Head) -> bool:
        connection = head.tokens_in_order(b"connection")
        if head.version == b"HTTP/1.1":
            return b"close" not in connection
        return b"keep-alive" in connection

    async def _read_head(
        self, reader: asyncio.StreamReader, request: httpx.Request, retry_if_stale: bool
    ) -> _Head:
        first = True
        while True:
            try:
                raw = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as exc:
                if first and not exc.partial and retry_if_stale:
                    raise _Stale from None
                raise httpx.RemoteProtocolError(
                    "server disconnected without sending a complete response", request=request
                ) from None
            except asyncio.LimitOverrunError:
                raise httpx.RemoteProtocolError(
                    f"response headers larger than {MAX_HEADER_BYTES} bytes", request=request
                ) from None
            first = False
            head = _parse_head(raw, request)
            if head.status >= 200 or head.status == 101:
                return head

    async def _read_body(
        self, reader: asyncio.StreamReader, request: httpx.Request, head: _Head
    ) -> tuple[bytes, bool]:
        """(body, whether its end was delimited so the connection can be reused)."""
        if request.method == "HEAD" or head.status in (101, 204, 304):
            return b"", head.status != 101
        codings = head.tokens_in_order(b"transfer-encoding")
        if codings:
            if codings[-1] == b"chunked":
                return await _read_chunked(reader, request), True
            return await _read_to_end(reader, request), False
        lengths = {value.strip() for value in head.values(b"content-length")}
        if not lengths:
            return await _read_to_end(reader, request), False
        if len(lengths) != 1 or not next(iter(lengths)).isdigit():
            raise httpx.RemoteProtocolError(
                f"invalid Content-Length {sorted(lengths)!r}", request=request
            )
        length = int(next(iter(lengths)))
        if length > MAX_BODY_BYTES:
            raise _too_large(request)
        try:
            return await reader.readexactly(length), True
        except asyncio.IncompleteReadError as exc:
            raise httpx.RemoteProtocolError(
                f"server disconnected after {len(exc.partial)} of {length} body bytes",
                request=request,
            ) from None


def _too_large(request: httpx.Request) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(
        f"response body larger than {MAX_BODY_BYTES} bytes", request=request
    )


def _parse_head(raw: bytes, request: httpx.Request) -> _Head:
    lines = raw[:-4].split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if (
        len(parts) < 2
        or parts[0] not in (b"HTTP/1.1", b"HTTP/1.0")
        or len(parts[1]) != 3
        or not parts[1].isdigit()
    ):
        raise httpx.RemoteProtocolError(
            f"not an HTTP/1.x status line: {lines[0][:80]!r}", request=request
        )
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise httpx.RemoteProtocolError(f"malformed header line {line[:80]!r}", request=request)
        headers.append((name, value.strip()))
    reason = parts[2] if len(parts) > 2 else b""
    return _Head(parts[0], int(parts[1]), reason, headers)


async def _read_chunked(reader: asyncio.StreamReader, request: httpx.Request) -> bytes:
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size_text = size_line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise httpx.RemoteProtocolError(
                    f"invalid chunk size {size_text[:20]!r}", request=request
                ) from None
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass  # trailer fields, ignored
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise _too_large(request)
            chunk = await reader.readexactly(size + 2)
            if chunk[-2:] != b"\r\n":
                raise httpx.RemoteProtocolError("chunk not followed by CRLF", request=request)
            chunks.append(chunk[:-2])
    except asyncio.IncompleteReadError:
        raise httpx.RemoteProtocolError(
            "server disconnected in the middle of a chunked body", request=request
        ) from None
    except asyncio.LimitOverrunError:
        raise httpx.RemoteProtocolError("chunk size line too long", request=request) from None


async def _read_to_end(reader: asyncio.StreamReader, request: httpx.Request) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while data := await reader.read(65536):
        total += len(data)
        if total > MAX_BODY_BYTES:
            raise _too_large(request)
        chunks.append(data)
    return b"".join(chunks)
