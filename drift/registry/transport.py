"""The registry client's HTTP/1.1 transport for httpx: h11 on asyncio streams.

httpx's default transport (httpcore on anyio, also framing with h11) spends about
0.8 ms of CPU per request; for a check that fetches a thousand drifted schemas that
is most of its run time. This transport replaces httpcore's pool and anyio's I/O with
plain asyncio streams and keeps h11 for every byte of HTTP/1.1 framing (the request it sends; the
status line, headers, Content-Length, chunked and close-delimited bodies and 1xx
responses it reads) and owns only the connection code around it: one TCP or TLS
connection at a time per request, kept alive per host while h11 says both sides are
done, no proxies (the client never reads them from the environment), no HTTP/2, no
upgrades. httpx above it still does the URL, headers, redirects and content decoding.

What it adds over the default transport:
- one deadline (the request's read timeout) for reading the whole response, so a
  server that drips a byte at a time cannot hold a check for longer than that;
- a request on a kept-alive connection that the server closed meanwhile (before
  sending any byte of a response) is sent again once on a fresh connection, when its
  method is idempotent;
- caps on what is buffered: MAX_HEADER_BYTES for an incomplete response head (h11's
  max_incomplete_event_size) and MAX_BODY_BYTES for a body as it comes off the wire.

Failures raise httpx's own exceptions (ConnectError, ReadTimeout, RemoteProtocolError,
LocalProtocolError, ...), so callers handle them exactly as with the default transport.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

import h11
import httpx

from drift.documents import MAX_DOCUMENT_BYTES

MAX_HEADER_BYTES = 64 * 1024
"""A response head (status line and header fields), or one chunk-size line, still incomplete.
h11 checks it between reads of READ_SIZE, so a head that completes is under the two summed."""

MAX_BODY_BYTES = MAX_DOCUMENT_BYTES
"""One response body as it comes off the wire, before content decoding: no larger than any
document the client would accept."""

READ_SIZE = 64 * 1024
MESSAGE_CHARS = 200  # of a peer's bytes quoted in an error message
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


_END = h11.EndOfMessage()  # h11's events are immutable: one ends every request


class _Stale(Exception):
    """A reused connection was closed by the server before it sent any response byte."""


def _parser() -> h11.Connection:
    return h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEADER_BYTES)


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    parser: h11.Connection = field(default_factory=_parser)
    reused: bool = False

    def close(self) -> None:
        self.writer.close()

    @property
    def usable(self) -> bool:
        return not (self.reader.at_eof() or self.writer.is_closing())

    def reusable(self) -> bool:
        """Both sides finished this exchange cleanly and nothing unasked-for followed it."""
        state = self.parser
        if state.our_state is not h11.DONE or state.their_state is not h11.DONE:
            return False  # e.g. `Connection: close`, HTTP/1.0, a close-delimited body
        if state.trailing_data[0]:
            return False  # bytes past the response's end: the stream can't be trusted
        state.start_next_cycle()
        return True


@dataclass(frozen=True)
class _Message:
    """What httpx asked to send, checked by h11 and read once, so a retry can send it again."""

    head: h11.Request
    body: bytes

    def serialize(self, parser: h11.Connection) -> bytes:
        data = parser.send(self.head)
        if self.body:
            data += parser.send(h11.Data(data=self.body))
        return data + parser.send(_END)


async def _read_message(request: httpx.Request) -> _Message:
    body = await request.aread()  # no copy: httpx has already read a body given as bytes
    method, target, headers = (
        request.method.encode("ascii"),
        request.url.raw_path,
        request.headers.raw,
    )
    try:
        head = h11.Request(method=method, target=target, headers=headers)
    except h11.LocalProtocolError as exc:
        raise httpx.LocalProtocolError(_refusal(headers, exc), request=request) from None
    return _Message(head, body)


def _refusal(headers: list[tuple[bytes, bytes]], exc: h11.LocalProtocolError) -> str:
    """h11's message may quote a header's value (a token, say): name the bad field instead."""
    for name, value in headers:
        try:  # HTTP/1.0 so that one field alone, without Host, is a valid request
            h11.Request(method=b"GET", target=b"/", headers=[(name, value)], http_version=b"1.0")
        except h11.LocalProtocolError:
            return f"invalid header {name!r}"
    return _clip(str(exc))  # the method, the target or how the fields combine


def _clip(text: str) -> str:
    """Error messages quote what a peer sent: keep them one readable line."""
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."


def _timeouts(request: httpx.Request) -> dict[str, float | None]:
    timeout = request.extensions.get("timeout", {})
    return {phase: timeout.get(phase) for phase in ("connect", "read", "write")}


class BodyTooLarge(httpx.RemoteProtocolError):
    """A body past MAX_BODY_BYTES: asking again would only fetch it again."""


def _remote_error(message: str, request: httpx.Request) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(message, request=request)


class Http11Transport(httpx.AsyncBaseTransport):
    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}")
        key = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        message = await _read_message(request)
        timeouts = _timeouts(request)
        connection = self._take(key) or await self._connect(request, key, timeouts["connect"])
        try:
            return await self._exchange(request, key, connection, message, timeouts)
        except _Stale:
            connection = await self._connect(request, key, timeouts["connect"])
            try:
                return await self._exchange(request, key, connection, message, timeouts)
            except _Stale:
                raise _remote_error(
                    "server disconnected without sending a response", request
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
                    host, port, ssl=context, server_hostname=host if context else None
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(
                f"connect to {host}:{port} timed out", request=request
            ) from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return _Connection(reader, writer)

    # ---------------------------------------------------------------- one exchange

    async def _exchange(
        self,
        request: httpx.Request,
        key: tuple[str, str, int],
        connection: _Connection,
        message: _Message,
        timeouts: dict[str, float | None],
    ) -> httpx.Response:
        retry_if_stale = connection.reused and request.method in IDEMPOTENT
        keep = False
        try:
            await _send(connection, message, request, timeouts["write"], retry_if_stale)
            try:
                async with asyncio.timeout(timeouts["read"]):
                    head, body = await _receive(connection, request, retry_if_stale)
            except TimeoutError:
                raise httpx.ReadTimeout("timed out reading the response", request=request) from None
            except OSError as exc:
                raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
            keep = connection.reusable()
        finally:
            if keep:
                connection.reused = False
                self._idle.setdefault(key, []).append(connection)
            else:
                connection.close()
        return httpx.Response(
            head.status_code,
            headers=head.headers.raw_items(),
            stream=httpx.ByteStream(body),
            extensions={"http_version": b"HTTP/" + head.http_version, "reason_phrase": head.reason},
        )


async def _send(
    connection: _Connection,
    message: _Message,
    request: httpx.Request,
    timeout: float | None,
    retry_if_stale: bool,
) -> None:
    writer = connection.writer
    try:
        writer.write(message.serialize(connection.parser))
        if writer.transport.get_write_buffer_size():  # else the socket took it all: no wait
            async with asyncio.timeout(timeout):
                await writer.drain()
    except TimeoutError:
        raise httpx.WriteTimeout("timed out sending the request", request=request) from None
    except OSError as exc:
        if retry_if_stale:
            raise _Stale from exc
        raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from exc


async def _receive(
    connection: _Connection, request: httpx.Request, retry_if_stale: bool
) -> tuple[h11.Response, bytes]:
    """Feed h11 until it has read one final response; 1xx responses are skipped."""
    parser, reader = connection.parser, connection.reader
    head: h11.Response | None = None
    chunks: list[bytes] = []
    size = 0
    try:
        # Nothing of the response can be buffered yet: read before asking h11 for an event.
        parser.receive_data(await _read(reader, request, True, retry_if_stale))
        while True:
            event = parser.next_event()
            if event is h11.NEED_DATA:
                parser.receive_data(await _read(reader, request, False, retry_if_stale))
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if size > MAX_BODY_BYTES:
                    raise BodyTooLarge(
                        f"response body larger than {MAX_BODY_BYTES} bytes as sent "
                        "(limit MAX_BODY_BYTES)",
                        request=request,
                    )
                chunks.append(event.data)
            elif isinstance(event, h11.Response):
                head = event
            elif isinstance(event, h11.EndOfMessage) and head is not None:
                return head, b"".join(chunks)
            elif not isinstance(event, h11.InformationalResponse):
                raise _remote_error(f"unexpected {_clip(repr(event))} from h11", request)
    except h11.RemoteProtocolError as exc:
        if exc.error_status_hint == 431:  # h11's buffer outgrew max_incomplete_event_size
            message = f"response head larger than {MAX_HEADER_BYTES} bytes (limit MAX_HEADER_BYTES)"
        else:
            message = _clip(str(exc))
        raise _remote_error(message, request) from None


async def _read(
    reader: asyncio.StreamReader, request: httpx.Request, first: bool, retry_if_stale: bool
) -> bytes:
    """The next bytes. A close before the first byte is a stale kept-alive connection
    (raised as _Stale when the request may be retried) or a server that never answered."""
    stale = first and retry_if_stale
    try:
        data = await reader.read(READ_SIZE)
    except ConnectionResetError:
        if stale:
            raise _Stale from None
        raise
    if first and not data:
        if stale:
            raise _Stale
        raise _remote_error("server disconnected without sending a response", request)
    return data
