"""drift.registry.wire, the blocking HTTP/1.1 client, against real loopback servers that
answer byte for byte.

The servers (`Scripted`) run on the test's event loop; the client blocks, so each request
runs on a thread (`asyncio.to_thread`) while the loop keeps serving.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Coroutine, Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drift.errors import RegistryError
from drift.registry import wire
from drift.registry.http import HttpRegistry


@dataclass(frozen=True)
class Reply:
    data: bytes = b""
    close: bool = False  # close the connection after writing `data`
    hang: bool = False  # never answer


def response(body: bytes = b"{}", *headers: str, status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.1 {status}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Scripted:
    """A loopback server answering each request it reads with the next scripted reply."""

    def __init__(self, *replies: Reply, tls: ssl.SSLContext | None = None) -> None:
        self.replies = list(replies)
        self.requests: list[bytes] = []
        self.connections = 0
        self.tls = tls
        self.port = 0
        self.handlers: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Scripted:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        for handler in self.handlers:
            handler.cancel()
        await asyncio.gather(*self.handlers, return_exceptions=True)
        await self.server.wait_closed()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            while self.replies:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                self.requests.append(head + await reader.readexactly(length))
                reply = self.replies.pop(0)
                if reply.hang:
                    await asyncio.Event().wait()
                writer.write(reply.data)
                await writer.drain()
                if reply.close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def run(scenario: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(scenario())


def client(*, ssl_context: ssl.SSLContext | None = None) -> closing[wire.Wire]:
    return closing(wire.Wire(ssl_context=ssl_context))


async def get(
    http: wire.Wire,
    url: str,
    *,
    timeout: float = 5.0,
    headers: Iterable[tuple[str, str]] = (),
) -> wire.Response:
    """One GET on a thread, so that the loop's servers keep answering."""
    request = wire.Request(wire.parse_url(url), wire.Headers(headers))
    return await asyncio.to_thread(http, request, timeout)


async def failure(
    http: wire.Wire, url: str, expected: type[wire.HTTPError], *, timeout: float = 5.0
) -> str:
    """The message of the `expected` error a GET of `url` raises."""
    with pytest.raises(expected) as caught:
        await get(http, url, timeout=timeout)
    return str(caught.value)


def test_keep_alive_reuses_one_connection_and_sends_host_and_given_headers() -> None:
    async def scenario() -> tuple[list[wire.Response], Scripted]:
        async with Scripted(Reply(response(b'{"a": 1}')), Reply(response(b"[]"))) as server:
            with client() as http:
                auth = [("Authorization", "Bearer t")]
                first = await get(http, server.url + "/index", headers=auth)
                second = await get(http, server.url + "/schemas/v1/a%2Fb?version=2", headers=auth)
            return [first, second], server

    (first, second), server = run(scenario)
    assert (first.status, first.body, second.body) == (200, b'{"a": 1}', b"[]")
    assert (first.http_version, first.reason) == ("HTTP/1.1", "OK")
    assert first.headers["content-length"] == "8"  # looked up without regard to case
    assert server.connections == 1
    assert server.requests[0].startswith(b"GET /index HTTP/1.1\r\n")
    assert f"\r\nHost: 127.0.0.1:{server.port}\r\n".encode() in server.requests[0]
    assert b"\r\nAuthorization: Bearer t\r\n" in server.requests[0]
    assert server.requests[1].startswith(b"GET /schemas/v1/a%2Fb?version=2 HTTP/1.1\r\n")
    assert all(b"content-length" not in r.lower() for r in server.requests)  # a GET: no body


def test_chunked_body_with_extensions_and_trailers() -> None:
    chunked = b'4;ext=1\r\n{"a"\r\n5\r\n: 12}\r\n0\r\nX-Trailer: yes\r\n\r\n'
    reply = response(chunked, "Transfer-Encoding: chunked")

    async def scenario() -> tuple[wire.Response, wire.Response, int]:
        async with Scripted(Reply(reply), Reply(response(b"2"))) as server:
            with client() as http:
                first, second = await get(http, server.url + "/a"), await get(http, server.url)
            return first, second, server.connections

    first, second, connections = run(scenario)
    assert (first.body, second.body) == (b'{"a": 12}', b"2")
    assert connections == 1  # a chunked body ends where it says: the connection is reused


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (
            Reply(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close", close=True),
            "eof",
        ),
        (Reply(response(b"until close", "Connection: close")), "connection-close"),
        (Reply(b"HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\nuntil close"), "http-1.0"),
        # h11 reuses no HTTP/1.0 connection, whatever its Connection field says
        (
            Reply(
                b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 11\r\n\r\n"
                b"until close"
            ),
            "http-1.0-keep-alive",
        ),
        # bytes past the end of the response: the connection can't be trusted for the next
        (Reply(response(b"until close") + b"HTTP/1.1 200 OK\r\n"), "trailing-bytes"),
    ],
)
def test_connections_not_reusable_are_not_reused(reply: Reply, why: str) -> None:
    async def scenario() -> tuple[bytes, bytes, int]:
        async with Scripted(reply, Reply(response(b"next"))) as server:
            with client() as http:
                first, second = await get(http, server.url + "/a"), await get(http, server.url)
            return first.body, second.body, server.connections

    assert run(scenario) == (b"until close", b"next", 2), why


def test_interim_responses_are_skipped_and_bodiless_statuses_have_no_body() -> None:
    replies = (
        Reply(b"HTTP/1.1 100 Continue\r\n\r\n" + response(b'"after 100"')),
        Reply(
            b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"
            + response(b'"after two"')
        ),
        Reply(b"HTTP/1.1 204 No Content\r\n\r\n"),
        Reply(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"),
        Reply(response(b'"last"')),
    )

    async def scenario() -> tuple[list[wire.Response], int]:
        async with Scripted(*replies) as server:
            with client() as http:
                got = [await get(http, f"{server.url}/{n}") for n in range(len(replies))]
            return got, server.connections

    got, connections = run(scenario)
    assert [r.status for r in got] == [200, 200, 204, 304, 200]
    assert [r.body for r in got] == [b'"after 100"', b'"after two"', b"", b"", b'"last"']
    assert connections == 1


def test_content_encoding_is_left_to_the_caller() -> None:
    body = gzip.compress(b'{"zipped": true}')

    async def scenario() -> wire.Response:
        reply = Reply(response(body, "Content-Encoding: gzip"))
        async with Scripted(reply) as server:
            with client() as http:
                return await get(http, server.url)

    got = run(scenario)
    assert got.body == body  # as sent: HttpRegistry decodes it, within its own bounds
    assert got.headers.get_list("Content-Encoding") == ["gzip"]


def test_a_kept_alive_connection_closed_by_the_server_is_retried_once() -> None:
    # The server closes the kept-alive connection when the second request arrives,
    # before answering it (an idle-timeout race); a fresh connection gets the answer.
    replies = (Reply(response(b"1")), Reply(close=True), Reply(response(b"2")))

    async def scenario() -> tuple[bytes, int, list[bytes]]:
        async with Scripted(*replies) as server:
            with client() as http:
                await get(http, server.url + "/a")
                second = await get(http, server.url + "/b")
            return second.body, server.connections, server.requests

    second, connections, requests = run(scenario)
    assert (second, connections) == (b"2", 2)
    assert [r.split(b" ", 2)[1] for r in requests] == [b"/a", b"/b", b"/b"]


def test_a_fresh_connection_closed_without_an_answer_is_not_retried() -> None:
    async def scenario() -> tuple[str, int]:
        async with Scripted(Reply(close=True), Reply(response(b"never"))) as server:
            with client() as http:
                message = await failure(http, server.url, wire.RemoteProtocolError)
            return message, len(server.requests)

    assert run(scenario) == ("server disconnected without sending a response", 1)


def test_close_closes_idle_connections_and_refuses_new_requests() -> None:
    async def scenario() -> str:
        # A second reply is left: the server keeps reading until the client hangs up.
        async with Scripted(Reply(response()), Reply(response())) as server:
            with client() as http:
                await get(http, server.url)
                http.close()
                # The handler ends only when the kept-alive connection is closed.
                await asyncio.wait_for(asyncio.gather(*server.handlers), 5.0)
                return await failure(http, server.url, wire.ConnectError)

    assert run(scenario) == "the client is closed"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", close=True),
         "peer closed connection without sending complete message body "
         "(received 10 bytes, expected 100)"),
        (Reply(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"),
         "illegal status line: bytearray(b'SSH-2.0-OpenSSH_9.6')"),
        (Reply(b"HTTP/1.1 2000 OK\r\n\r\n"), "illegal status line"),
        (Reply(b"HTTP/1.1 200 OK\r\n folded\r\n\r\n"), "continuation line at start of headers"),
        (Reply(b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"), "illegal header line"),
        (Reply(b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n"), "illegal header line"),
        (Reply(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n12"),
         "conflicting Content-Length headers"),
        (Reply(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), "bad Content-Length"),
        (Reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
         "illegal chunk header: bytearray(b'zz\\r\\n')"),
        (Reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab", close=True),
         "peer closed connection without sending complete message body (incomplete chunked read)"),
        (Reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n"),
         "malformed chunk footer"),
        (Reply(b"HTTP/1.1 200 OK\r\nContent-Len", close=True),
         "peer unexpectedly closed connection"),
        (Reply(b"", close=True), "server disconnected without sending a response"),
        (Reply(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"),
         "without a pending proposal"),  # no upgrade was asked for
        (Reply(b"HTTP/1.1 200 OK\r\nX: " + b"x" * 200_000 + b"\r\n\r\n"),
         "response head larger than 65536 bytes (limit MAX_HEADER_BYTES)"),
        (Reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + b"x" * 200_000),
         "response head larger than 65536 bytes"),  # h11's cap covers a chunk-size line too
    ],
)  # fmt: skip
def test_malformed_or_truncated_responses_raise_remote_protocol_errors(
    reply: Reply, message: str
) -> None:
    async def scenario() -> str:
        async with Scripted(reply) as server:
            with client() as http:
                return await failure(http, server.url, wire.RemoteProtocolError)

    assert message in run(scenario)


# Framing the hand-written parser got wrong: the first two crashed it (ValueError from
# readexactly(-1), and from int() past 4300 digits), the rest it accepted. h11 refuses each.
@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n",
                     id="negative-chunk-size"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n{}",
                     id="5000-digit-content-length"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x1f\r\n" + b"a" * 31
                     + b"\r\n0\r\n\r\n", id="chunk-size-0x"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+1f\r\n" + b"a" * 31
                     + b"\r\n0\r\n\r\n", id="chunk-size-plus"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1_f\r\n" + b"a" * 31
                     + b"\r\n0\r\n\r\n", id="chunk-size-underscore"),
        pytest.param(b"HTTP/1.1 000 Zero\r\nContent-Length: 2\r\n\r\n{}", id="status-000"),
        pytest.param(b"HTTP/1.1 200 OK\r\nX-Note: a\0b\r\nContent-Length: 2\r\n\r\n{}",
                     id="nul-in-header-value"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked"
                     b"\r\n\r\n2\r\n{}\r\n0\r\n\r\n", id="repeated-transfer-encoding"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                     id="transfer-coding-list"),
    ],
)  # fmt: skip
def test_framing_the_old_parser_mishandled_is_a_remote_protocol_error(raw: bytes) -> None:
    async def scenario() -> str:
        async with Scripted(Reply(raw)) as server:
            with client() as http:
                return await failure(http, server.url, wire.RemoteProtocolError)

    message = run(scenario)
    assert message
    assert len(message) <= wire.MESSAGE_CHARS


def test_error_messages_quote_a_peer_s_bytes_only_up_to_a_bound() -> None:
    async def scenario() -> str:
        reply = Reply(b"HTTP/1.1 2000 " + b"?" * 5000 + b"\r\n\r\n", close=True)
        async with Scripted(reply) as server:
            with client() as http:
                return await failure(http, server.url, wire.RemoteProtocolError)

    message = run(scenario)
    assert message.startswith("illegal status line: bytearray(b'HTTP/1.1 2000 ???")
    assert message.endswith("...")
    assert len(message) == wire.MESSAGE_CHARS


def test_the_head_cap_counts_what_is_still_incomplete(monkeypatch: pytest.MonkeyPatch) -> None:
    # h11 checks its buffer between reads: READ_SIZE bounds how far past the cap it gets.
    monkeypatch.setattr(wire, "MAX_HEADER_BYTES", 1024)
    monkeypatch.setattr(wire, "READ_SIZE", 256)
    under = response(b"{}", "X-Pad: " + "p" * 700)  # a head of about 750 bytes
    over = response(b"{}", "X-Pad: " + "p" * 3000)

    async def scenario() -> tuple[bytes, str]:
        async with Scripted(Reply(under), Reply(over)) as server:
            with client() as http:
                fits = await get(http, server.url)
                refused = await failure(http, server.url, wire.RemoteProtocolError)
            return fits.body, refused

    assert run(scenario) == (
        b"{}",
        "response head larger than 1024 bytes (limit MAX_HEADER_BYTES)",
    )


def test_bodies_over_the_cap_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wire, "MAX_BODY_BYTES", 8)
    replies = [
        Reply(response(b"123456789")),
        Reply(response(b"5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n", "Transfer-Encoding: chunked")),
        Reply(b"HTTP/1.1 200 OK\r\n\r\n123456789", close=True),
    ]

    async def scenario() -> tuple[list[str], bytes]:
        messages = []
        for reply in replies:
            async with Scripted(reply) as server:
                with client() as http, pytest.raises(wire.BodyTooLarge) as caught:
                    await get(http, server.url)
                messages.append(str(caught.value))
        async with Scripted(Reply(response(b"12345678"))) as server:  # exactly at the cap
            with client() as http:
                fits = await get(http, server.url)
        return messages, fits.body

    messages, fits = run(scenario)
    assert messages == ["response body larger than 8 bytes as sent (limit MAX_BODY_BYTES)"] * 3
    assert fits == b"12345678"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Schema", "md.Bar\r\nInjected: 1"),
        ("X-Nul", "a\0b"),
        ("Authorization", "Bearer s3cret\n"),  # the message names the field, never its value
    ],
)
def test_header_injection_is_refused_before_anything_is_sent(name: str, value: str) -> None:
    async def scenario() -> tuple[str, int]:
        async with Scripted(Reply(response())) as server:
            with client() as http, pytest.raises(wire.LocalProtocolError) as caught:
                await get(http, server.url, headers=[(name, value)])
            return str(caught.value), server.connections

    message, connections = run(scenario)
    assert message == f"invalid header {name.encode()!r}"
    assert value.strip() not in message
    assert connections == 0


def test_read_timeout_and_refused_connection() -> None:
    async def scenario() -> tuple[str, str]:
        async with Scripted(Reply(hang=True)) as server:
            with client() as http:
                hung = await failure(http, server.url, wire.ReadTimeout, timeout=0.2)
            closed = server.url
        with client() as http:  # the server is gone: nothing listens there
            refused = await failure(http, closed, wire.ConnectError)
        return hung, refused

    hung, refused = run(scenario)
    assert hung == "timed out reading the response"
    assert "refused" in refused.lower()  # the OS's words: "[Errno 111] Connection refused"


def test_the_timeout_is_one_deadline_for_a_whole_response_however_it_drips() -> None:
    timeout = 0.3
    whole = response(b"0123456789")  # byte by byte, far longer than the timeout
    sent = 0

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        try:
            await reader.readuntil(b"\r\n\r\n")
            for byte in whole:  # each byte well within the timeout of the one before
                writer.write(bytes([byte]))
                await writer.drain()
                sent += 1
                await asyncio.sleep(timeout / 6)
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def scenario() -> tuple[type[Exception], int]:
        server = await asyncio.start_server(drip, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            with client() as http, pytest.raises(wire.TimeoutException) as caught:
                await get(http, f"http://127.0.0.1:{port}/a", timeout=timeout)
            return type(caught.value), sent
        finally:
            server.close()

    kind, dripped = run(scenario)
    assert kind is wire.ReadTimeout
    assert 1 < dripped < len(whole)  # bytes kept coming, and the client gave up before the end


def test_a_name_lookup_that_hangs_ends_at_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    looked_up: list[object] = []

    def hanging(host: object, *args: Any, **kwargs: Any) -> list[Any]:
        looked_up.append(host)
        release.wait(timeout=60)  # a resolver that does not answer
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    outcome: list[BaseException] = []

    def call() -> None:
        request = wire.Request(wire.parse_url("http://registry.example/index"), wire.Headers())
        try:
            wire.Wire()(request, 0.2)
        except BaseException as exc:  # what the call ended in is the result
            outcome.append(exc)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(timeout=30)  # without a bound, it would wait for the resolver (60 s here)
    release.set()
    assert not caller.is_alive()
    [error] = outcome
    assert isinstance(error, wire.ConnectTimeout)
    assert str(error) == "looking up registry.example timed out"
    assert looked_up == [b"registry.example"]


def test_a_name_that_does_not_resolve_is_a_connect_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(host: object, *args: Any, **kwargs: Any) -> list[Any]:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    request = wire.Request(wire.parse_url("http://registry.invalid/index"), wire.Headers())
    with pytest.raises(wire.ConnectError, match=r"Name or service not known"):
        wire.Wire()(request, 5.0)


def test_unsupported_scheme_is_refused_by_parse_url() -> None:
    with pytest.raises(wire.UnsupportedProtocol, match="'ftp'"):
        wire.parse_url("ftp://127.0.0.1/a")


# ---------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("openssl is not installed (scripts/test installs it with apt-get)")
        pytest.skip("openssl is not installed: cannot make a certificate for the TLS tests")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def test_tls_verifies_the_server_against_the_given_authorities(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    trusting = ssl.create_default_context(cafile=str(certificate[0]))

    async def scenario() -> tuple[tuple[bytes, bytes], int, str]:
        tls = server_context(certificate)
        async with Scripted(Reply(response(b'{"tls": 1}')), Reply(response(b"2")), tls=tls) as s:
            with client(ssl_context=trusting) as http:
                first, second = await get(http, s.url + "/a"), await get(http, s.url + "/b")
            with client() as untrusting:  # certifi's authorities
                refused = await failure(untrusting, s.url + "/c", wire.ConnectError)
            return (first.body, second.body), s.connections, refused

    bodies, connections, refused = run(scenario)
    assert bodies == (b'{"tls": 1}', b"2")
    assert connections == 1  # both requests on one; the refused handshake never got this far
    assert "CERTIFICATE_VERIFY_FAILED" in refused


INDEX = b'{"tracks": {"v1": {"count": 0, "schemas": []}}, "generated_at": "2026-11-28T00:00:00Z"}'


def test_registry_trusts_a_private_authority_from_ssl_cert_file(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))

    async def scenario() -> int:
        async with Scripted(Reply(response(INDEX)), tls=server_context(certificate)) as server:
            registry = HttpRegistry(server.url)
            try:
                return len((await registry.get_index("v1")).entries)
            finally:
                await registry.aclose()

    assert run(scenario) == 0


def test_registry_reports_an_untrusted_certificate(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)

    async def scenario() -> str:
        async with Scripted(Reply(response(INDEX)), tls=server_context(certificate)) as server:
            registry = HttpRegistry(server.url, retries=1, sleep=lambda seconds: None)
            try:
                with pytest.raises(RegistryError) as caught:
                    await registry.get_index("v1")
            finally:
                await registry.aclose()
            return str(caught.value)

    message = run(scenario)
    assert message.startswith("registry https://127.0.0.1:")
    assert "GET /index: ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED]" in message
    assert message.endswith("(gave up after 2 attempts)")
