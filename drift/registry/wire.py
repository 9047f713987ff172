"""The registry client's HTTP/1.1: GET requests framed by h11 over blocking sockets.

Each request runs whole on one thread of the client's `drift.tasks.Pool`, so neither
asyncio nor an HTTP client library is imported: a check's cold start is the engine's,
not the network stack's (httpx brings urllib.request, http.client and email with it).
h11 does every byte of HTTP/1.1 framing (the request it sends; the status line, headers,
Content-Length, chunked and close-delimited bodies and 1xx responses it reads); this
module owns only the connection code around it and the URL bookkeeping, with
urllib.parse: one TCP or TLS connection at a time per request, kept alive per host while
h11 says both sides are done, no proxies, no HTTP/2, no upgrades.

What comes off the wire is bounded here:
- one deadline (the timeout) for reading a whole response, so a server that drips a byte
  at a time cannot hold a request longer than that; connecting and sending have the
  same timeout;
- a request on a kept-alive connection that the server closed meanwhile (before sending
  any byte of a response) is sent again once on a fresh connection;
- MAX_HEADER_BYTES for an incomplete response head (h11's max_incomplete_event_size)
  and MAX_BODY_BYTES for a body as it comes off the wire.

Failures raise this module's exceptions, named as httpx names the same failures
(ConnectError, ReadTimeout, RemoteProtocolError, ...), so messages read as they did.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import h11

from drift.documents import MAX_DOCUMENT_BYTES
from drift.records import Row

if TYPE_CHECKING:
    import ssl

MAX_HEADER_BYTES = 64 * 1024
"""A response head (status line and header fields), or one chunk-size line, still incomplete.
h11 checks it between reads of READ_SIZE, so a head that completes is under the two summed."""

MAX_BODY_BYTES = MAX_DOCUMENT_BYTES
"""One response body as it comes off the wire, before content decoding: no larger than any
document the client would accept."""

READ_SIZE = 64 * 1024
MESSAGE_CHARS = 200  # of a peer's bytes quoted in an error message
DEFAULT_PORTS = {"http": 80, "https": 443}
# What a path or query may hold unquoted (RFC 3986 pchar, '/', '?' and '%' of escapes):
# anything else a Location header carries is percent-encoded, never sent raw.
_TARGET_SAFE = "/?%!$&'()*+,;=:@-._~"


# ---------------------------------------------------------------- errors, as httpx names them


class HTTPError(Exception):
    """Any failure of a request."""


class TransportError(HTTPError):
    """The exchange failed below HTTP's semantics: asking again may work."""


class TimeoutException(TransportError):
    pass


class ConnectTimeout(TimeoutException):
    pass


class ReadTimeout(TimeoutException):
    pass


class WriteTimeout(TimeoutException):
    pass


class NetworkError(TransportError):
    pass


class ConnectError(NetworkError):
    pass


class ReadError(NetworkError):
    pass


class WriteError(NetworkError):
    pass


class RemoteProtocolError(TransportError):
    pass


class LocalProtocolError(TransportError):
    """A request h11 refuses to send: asking again would fail the same way."""


class UnsupportedProtocol(TransportError):
    pass


class BodyTooLarge(RemoteProtocolError):
    """A body past MAX_BODY_BYTES: asking again would only fetch it again."""


class InvalidURL(HTTPError):
    pass


class DecodingError(HTTPError):
    pass


class _Stale(Exception):
    """A reused connection was closed by the server before it sent any response byte."""


def _clip(text: str) -> str:
    """Error messages quote what a peer sent: keep them one readable line."""
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."


def _os_error(exc: OSError) -> str:
    return str(exc) or type(exc).__name__


# ---------------------------------------------------------------- requests and responses


class URL(Row):
    """An absolute http(s) URL, split as a request needs it; str() gives it back whole."""

    scheme: str
    host: str  # ASCII (IDNA), without brackets
    port: int
    target: str  # path and query, percent-encoded (a user:password@ is dropped: see http.py)

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority}{self.target}"


def parse_url(text: str) -> URL:
    """An absolute URL, split; InvalidURL or UnsupportedProtocol."""
    try:
        parts = urlsplit(text)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise InvalidURL(f"invalid URL {_clip(text)!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsupportedProtocol(f"unsupported URL scheme {scheme!r}")
    if not host:
        raise InvalidURL(f"invalid URL {_clip(text)!r}: no host")
    if not host.isascii():  # the idna codec is imported only for a name that needs it
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidURL(f"invalid URL {_clip(text)!r}: host: {exc}") from None
    target = quote(parts.path or "/", safe=_TARGET_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_TARGET_SAFE)
    return URL(scheme, host, port or DEFAULT_PORTS[scheme], target)


class Headers:
    """Header fields in order, looked up without regard to case."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self.items = list(items)

    def get(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for key, value in self.items:
            if key.lower() == name:
                return value
        return default

    def get_list(self, name: str) -> list[str]:
        """Every value of `name`, comma-separated lists split."""
        name = name.lower()
        return [
            piece for key, value in self.items if key.lower() == name for piece in value.split(",")
        ]

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items)

    def __repr__(self) -> str:
        return f"Headers({[name for name, _ in self.items]!r})"  # never the values: a token


class Request(Row):
    url: URL
    headers: Headers


class Response(Row):
    status: int
    reason: str
    headers: Headers
    body: bytes  # as sent: not yet content-decoded
    http_version: str = "HTTP/1.1"


Transport = Callable[[Request, float], Response]
"""Sends one GET and returns its whole response, in `timeout` seconds per phase."""


# ---------------------------------------------------------------- the connections


class _Connection:
    __slots__ = ("parser", "reused", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.parser = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEADER_BYTES)
        self.reused = False

    def close(self) -> None:
        self.sock.close()

    def reusable(self) -> bool:
        """Both sides finished this exchange cleanly and nothing unasked-for followed it."""
        state = self.parser
        if state.our_state is not h11.DONE or state.their_state is not h11.DONE:
            return False  # e.g. `Connection: close`, HTTP/1.0, a close-delimited body
        data, closed = state.trailing_data
        if data or closed:  # bytes past the response's end, or the peer's close read
            return False
        state.start_next_cycle()
        return True


def trusted_authorities() -> ssl.SSLContext:
    """The CA bundle httpx would use: SSL_CERT_FILE, else SSL_CERT_DIR, else certifi's."""
    import ssl  # noqa: PLC0415  (plain http:// loads no TLS at all)

    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi  # noqa: PLC0415

    return ssl.create_default_context(cafile=certifi.where())


class Wire:
    """GET requests over kept-alive connections, safe to call from several threads."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        import threading  # noqa: PLC0415

        self._ssl_context = ssl_context
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._busy: set[_Connection] = set()
        self._lock = threading.Lock()
        self._closed = False

    def __call__(self, request: Request, timeout: float) -> Response:
        url = request.url
        head = _head(request)
        connection = self._take(url.origin) or self._connect(url, timeout)
        try:
            return self._exchange(url, connection, head, timeout)
        except _Stale:
            connection = self._connect(url, timeout)
            try:
                return self._exchange(url, connection, head, timeout)
            except _Stale:
                message = "server disconnected without sending a response"
                raise RemoteProtocolError(message) from None

    def close(self) -> None:
        """Close every connection; a request in flight on one fails with a ReadError."""
        with self._lock:
            self._closed = True
            connections = [c for idle in self._idle.values() for c in idle] + list(self._busy)
            self._idle.clear()
        for connection in connections:
            with suppress(OSError):  # not connected any more
                connection.sock.shutdown(socket.SHUT_RDWR)
            connection.close()

    # ---------------------------------------------------------------- connections

    def _authorities(self) -> ssl.SSLContext:
        """One TLS context per client: loading a CA bundle costs milliseconds."""
        with self._lock:
            if self._ssl_context is None:
                self._ssl_context = trusted_authorities()
            return self._ssl_context

    def _take(self, origin: tuple[str, str, int]) -> _Connection | None:
        with self._lock:
            idle = self._idle.get(origin)
            if not idle:
                return None
            connection = idle.pop()
            connection.reused = True
            self._busy.add(connection)
            return connection

    def _connect(self, url: URL, timeout: float) -> _Connection:
        if self._closed:
            raise ConnectError("the client is closed")
        sock = _open(url.host, url.port, time.monotonic() + timeout)
        where = f"{url.host}:{url.port}"
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if url.scheme == "https":
                context = self._authorities()
                sock = context.wrap_socket(sock, server_hostname=url.host)  # the handshake
        except TimeoutError:
            sock.close()
            raise ConnectTimeout(f"TLS handshake with {where} timed out") from None
        except OSError as exc:  # ssl.SSLError (a certificate refused) is an OSError
            sock.close()
            raise ConnectError(_os_error(exc)) from exc
        connection = _Connection(sock)
        with self._lock:
            self._busy.add(connection)
        return connection

    def _release(self, origin: tuple[str, str, int], connection: _Connection, keep: bool) -> None:
        with self._lock:
            self._busy.discard(connection)
            if keep and not self._closed:
                connection.reused = False
                self._idle.setdefault(origin, []).append(connection)
                return
        connection.close()

    # ---------------------------------------------------------------- one exchange

    def _exchange(
        self, url: URL, connection: _Connection, head: h11.Request, timeout: float
    ) -> Response:
        retry_if_stale = connection.reused  # a GET is idempotent
        keep = False
        try:
            _send(connection, head, timeout, retry_if_stale)
            response = _receive(connection, time.monotonic() + timeout, retry_if_stale)
            keep = connection.reusable()
        finally:
            self._release(url.origin, connection, keep)
        return response


def _open(host: str, port: int, deadline: float) -> socket.socket:
    """A TCP connection to `host` before the deadline: the name lookup included, tried
    address by address (socket.create_connection gives each address the whole timeout,
    and the lookup none)."""
    where = f"{host}:{port}"
    last: OSError | None = None
    for family, kind, proto, _, address in _addresses(host, port, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(left)
            sock.connect(address)
        except TimeoutError:
            sock.close()
            break
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return sock
    if last is not None and time.monotonic() < deadline:
        raise ConnectError(_os_error(last)) from last
    raise ConnectTimeout(f"connect to {where} timed out")


AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[Any, ...]]


def _addresses(host: str, port: int, deadline: float) -> list[AddressInfo]:
    """getaddrinfo, bounded by the deadline: the system's resolver has timeouts of its own
    (seconds per server and attempt), so the lookup runs on a thread of its own, which a
    check stops waiting for at the deadline."""
    import threading  # noqa: PLC0415

    # bytes: a str host would be run through the idna codec, imported for it
    name = host.encode("ascii")
    found: list[AddressInfo] = []
    failed: list[OSError] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            found.extend(socket.getaddrinfo(name, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            failed.append(exc)
        finally:
            done.set()

    if _is_ip_literal(host):
        lookup()  # no name to resolve: answered at once
    else:
        threading.Thread(target=lookup, name="drift-resolve", daemon=True).start()
        if not done.wait(max(0.0, deadline - time.monotonic())):
            raise ConnectTimeout(f"looking up {host} timed out")
    if failed:
        raise ConnectError(_os_error(failed[0])) from failed[0]
    return found


def _is_ip_literal(host: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return True
    return False


def _head(request: Request) -> h11.Request:
    """The request as h11 frames it, refused (naming the bad field, not its value) if invalid."""
    headers = [("Host", request.url.authority), *request.headers]
    encoded = []
    for name, value in headers:
        try:
            encoded.append((name.encode("latin-1"), value.encode("latin-1")))
        except UnicodeEncodeError:  # the error quotes the whole value: a token, say
            raise LocalProtocolError(
                f"invalid header {name.encode('latin-1', 'replace')!r}: not Latin-1"
            ) from None
    try:
        return h11.Request(method=b"GET", target=request.url.target.encode(), headers=encoded)
    except h11.LocalProtocolError as exc:
        raise LocalProtocolError(_refusal(encoded, exc)) from None


def _refusal(headers: list[tuple[bytes, bytes]], exc: h11.LocalProtocolError) -> str:
    """h11's message may quote a header's value (a token, say): name the bad field instead."""
    for name, value in headers:
        try:  # HTTP/1.0 so that one field alone, without Host, is a valid request
            h11.Request(method=b"GET", target=b"/", headers=[(name, value)], http_version=b"1.0")
        except h11.LocalProtocolError:
            return f"invalid header {name!r}"
    return _clip(str(exc))  # the target or how the fields combine


def _send(connection: _Connection, head: h11.Request, timeout: float, retry_if_stale: bool) -> None:
    parser = connection.parser
    try:
        data = parser.send(head) + parser.send(h11.EndOfMessage())
    except h11.LocalProtocolError as exc:  # not in a state to send: never sent
        raise LocalProtocolError(_clip(str(exc))) from None
    try:
        connection.sock.settimeout(timeout)  # a socket close() shut raises OSError here
        connection.sock.sendall(data)
    except TimeoutError:
        raise WriteTimeout("timed out sending the request") from None
    except OSError as exc:
        if retry_if_stale:
            raise _Stale from exc
        raise WriteError(_os_error(exc)) from exc


def _receive(connection: _Connection, deadline: float, retry_if_stale: bool) -> Response:
    """Feed h11 until it has read one final response; 1xx responses are skipped."""
    parser = connection.parser
    head: h11.Response | None = None
    chunks: list[bytes] = []
    size = 0
    try:
        # Nothing of the response can be buffered yet: read before asking h11 for an event.
        parser.receive_data(_read(connection.sock, deadline, True, retry_if_stale))
        while True:
            event = parser.next_event()
            if event is h11.NEED_DATA:
                parser.receive_data(_read(connection.sock, deadline, False, retry_if_stale))
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if size > MAX_BODY_BYTES:
                    raise BodyTooLarge(
                        f"response body larger than {MAX_BODY_BYTES} bytes as sent "
                        "(limit MAX_BODY_BYTES)"
                    )
                chunks.append(event.data)
            elif isinstance(event, h11.Response):
                head = event
            elif isinstance(event, h11.EndOfMessage) and head is not None:
                break
            elif not isinstance(event, h11.InformationalResponse):
                raise RemoteProtocolError(f"unexpected {_clip(repr(event))} from h11")
    except h11.RemoteProtocolError as exc:
        if exc.error_status_hint == 431:  # h11's buffer outgrew max_incomplete_event_size
            message = f"response head larger than {MAX_HEADER_BYTES} bytes (limit MAX_HEADER_BYTES)"
        else:
            message = _clip(str(exc))
        raise RemoteProtocolError(message) from None
    assert head is not None  # the loop ends only after a final response
    headers = Headers(
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in head.headers
    )
    return Response(
        head.status_code,
        head.reason.decode("ascii", "ignore"),
        headers,
        b"".join(chunks),
        "HTTP/" + head.http_version.decode("ascii"),
    )


def _read(sock: socket.socket, deadline: float, first: bool, retry_if_stale: bool) -> bytes:
    """The next bytes before the deadline. A close before the first byte is a stale kept-alive
    connection (raised as _Stale when the request may be sent again) or a server that never
    answered."""
    stale = first and retry_if_stale
    left = deadline - time.monotonic()
    if left <= 0:
        raise ReadTimeout("timed out reading the response")
    sock.settimeout(left)
    try:
        data = sock.recv(READ_SIZE)
    except TimeoutError:
        raise ReadTimeout("timed out reading the response") from None
    except ConnectionResetError as exc:
        if stale:
            raise _Stale from None
        raise ReadError(_os_error(exc)) from exc
    except OSError as exc:
        raise ReadError(_os_error(exc)) from exc
    if first and not data:
        if stale:
            raise _Stale
        raise RemoteProtocolError("server disconnected without sending a response")
    return data
