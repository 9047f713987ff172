"""The HTTP/1.1 transport against real loopback servers that answer byte for byte."""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
import ssl
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from drift.errors import RegistryError
from drift.registry import transport as transport_module
from drift.registry.http import HttpRegistry
from drift.registry.transport import Http11Transport


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


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(scenario())


def client(
    base_url: str, *, ssl_context: ssl.SSLContext | None = None, **kwargs: Any
) -> httpx.AsyncClient:
    transport = Http11Transport(ssl_context=ssl_context)
    return httpx.AsyncClient(base_url=base_url, transport=transport, **kwargs)


def test_keep_alive_reuses_one_connection_and_sends_httpx_headers() -> None:
    async def scenario() -> tuple[list[httpx.Response], Scripted]:
        async with Scripted(Reply(response(b'{"a": 1}')), Reply(response(b"[]"))) as server:
            async with client(server.url, headers={"Authorization": "Bearer t"}) as http:
                first = await http.get("/index")
                second = await http.get("/schemas/v1/a%2Fb?version=2")
            return [first, second], server

    (first, second), server = run(scenario)
    assert (first.status_code, first.json(), second.json()) == (200, {"a": 1}, [])
    assert (first.http_version, first.reason_phrase) == ("HTTP/1.1", "OK")
    assert server.connections == 1
    assert server.requests[0].startswith(b"GET /index HTTP/1.1\r\n")
    assert b"\r\nHost: 127.0.0.1:" in server.requests[0]
    assert b"\r\nAuthorization: Bearer t\r\n" in server.requests[0]
    assert server.requests[1].startswith(b"GET /schemas/v1/a%2Fb?version=2 HTTP/1.1\r\n")


def test_request_body_is_sent_with_its_length() -> None:
    async def scenario() -> Scripted:
        async with Scripted(Reply(response(b"{}"))) as server:
            async with client(server.url) as http:
                await http.post("/compat", content=b'{"x": 1}')
            return server

    request = run(scenario).requests[0]
    assert request.startswith(b"POST /compat HTTP/1.1\r\n")
    assert b"\r\nContent-Length: 8\r\n" in request
    assert request.endswith(b'\r\n\r\n{"x": 1}')


def test_chunked_body_with_extensions_and_trailers() -> None:
    chunked = b'4;ext=1\r\n{"a"\r\n5\r\n: 12}\r\n0\r\nX-Trailer: yes\r\n\r\n'
    reply = response(chunked, "Transfer-Encoding: chunked")

    async def scenario() -> tuple[httpx.Response, httpx.Response, int]:
        async with Scripted(Reply(reply), Reply(response(b"2"))) as server:
            async with client(server.url) as http:
                first, second = await http.get("/a"), await http.get("/b")
            return first, second, server.connections

    first, second, connections = run(scenario)
    assert (first.json(), second.json()) == ({"a": 12}, 2)
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
            async with client(server.url) as http:
                first, second = await http.get("/a"), await http.get("/b")
            return first.content, second.content, server.connections

    assert run(scenario) == (b"until close", b"next", 2), why


def test_interim_responses_are_skipped_and_bodiless_statuses_have_no_body() -> None:
    replies = (
        Reply(b"HTTP/1.1 100 Continue\r\n\r\n" + response(b'"after 100"')),
        Reply(b"HTTP/1.1 204 No Content\r\n\r\n"),
        Reply(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"),
        Reply(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"),  # to HEAD
        Reply(response(b'"last"')),
    )

    async def scenario() -> tuple[list[httpx.Response], int]:
        async with Scripted(*replies) as server:
            async with client(server.url) as http:
                got = [await http.get("/a"), await http.get("/b"), await http.get("/c")]
                got += [await http.head("/d"), await http.get("/e")]
            return got, server.connections

    got, connections = run(scenario)
    assert [r.status_code for r in got] == [200, 204, 304, 200, 200]
    assert [r.content for r in got] == [b'"after 100"', b"", b"", b"", b'"last"']
    assert connections == 1


def test_content_encoding_is_decoded_by_httpx() -> None:
    body = gzip.compress(b'{"zipped": true}')

    async def scenario() -> Any:
        reply = Reply(response(body, "Content-Encoding: gzip"))
        async with Scripted(reply) as server, client(server.url) as http:
            return (await http.get("/a")).json()

    assert run(scenario) == {"zipped": True}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_kept_alive_connection_closed_by_the_server_is_retried_only_when_idempotent(
    method: str,
) -> None:
    # The server closes the kept-alive connection when the second request arrives,
    # before answering it (an idle-timeout race); a fresh connection gets the answer.
    replies = (Reply(response(b"1")), Reply(close=True), Reply(response(b"2")))

    async def scenario() -> tuple[int | str, int, int]:
        async with Scripted(*replies) as server:
            async with client(server.url) as http:
                await http.request(method, "/a")
                try:
                    second: int | str = (await http.request(method, "/b")).json()
                except httpx.RemoteProtocolError as exc:
                    second = str(exc)
            return second, server.connections, len(server.requests)

    second, connections, requests = run(scenario)
    if method == "GET":
        assert (second, connections, requests) == (2, 2, 3)
    else:
        assert second == "server disconnected without sending a response"
        assert (connections, requests) == (1, 2)


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
        async with Scripted(reply) as server, client(server.url) as http:
            with pytest.raises(httpx.RemoteProtocolError) as caught:
                await http.get("/a")
            return str(caught.value)

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
        async with Scripted(Reply(raw)) as server, client(server.url) as http:
            with pytest.raises(httpx.RemoteProtocolError) as caught:
                await http.get("/a")
            return str(caught.value)

    message = run(scenario)
    assert message
    assert len(message) <= transport_module.MESSAGE_CHARS


def test_error_messages_quote_a_peer_s_bytes_only_up_to_a_bound() -> None:
    async def scenario() -> str:
        reply = Reply(b"HTTP/1.1 2000 " + b"?" * 5000 + b"\r\n\r\n", close=True)
        async with Scripted(reply) as server, client(server.url) as http:
            with pytest.raises(httpx.RemoteProtocolError) as caught:
                await http.get("/a")
            return str(caught.value)

    message = run(scenario)
    assert message.startswith("illegal status line: bytearray(b'HTTP/1.1 2000 ???")
    assert message.endswith("...")
    assert len(message) == transport_module.MESSAGE_CHARS


def test_bodies_over_the_cap_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport_module, "MAX_BODY_BYTES", 8)
    replies = [
        Reply(response(b"123456789")),
        Reply(response(b"5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n", "Transfer-Encoding: chunked")),
        Reply(b"HTTP/1.1 200 OK\r\n\r\n123456789", close=True),
    ]

    async def scenario() -> list[str]:
        messages = []
        for reply in replies:
            async with Scripted(reply) as server, client(server.url) as http:
                with pytest.raises(httpx.RemoteProtocolError) as caught:
                    await http.get("/a")
                messages.append(str(caught.value))
        return messages

    assert run(scenario) == ["response body larger than 8 bytes as sent (limit MAX_BODY_BYTES)"] * 3


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
            async with client(server.url) as http:
                with pytest.raises(httpx.LocalProtocolError) as caught:
                    await http.get("/a", headers={name: value})
            return str(caught.value), server.connections

    message, connections = run(scenario)
    assert message == f"invalid header {name.encode()!r}"
    assert connections == 0


def test_read_timeout_and_refused_connection() -> None:
    async def scenario() -> tuple[type[Exception], type[Exception]]:
        async with Scripted(Reply(hang=True)) as server:
            async with client(server.url, timeout=0.2) as http:
                with pytest.raises(httpx.ReadTimeout) as hung:
                    await http.get("/a")
            closed = server.url
        async with client(closed) as http:  # the server is gone: nothing listens there
            with pytest.raises(httpx.ConnectError) as refused:
                await http.get("/a")
        return type(hung.value), type(refused.value)

    assert run(scenario) == (httpx.ReadTimeout, httpx.ConnectError)


def test_unsupported_scheme() -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient(transport=Http11Transport()) as http:
            await http.get("ftp://127.0.0.1/a")

    with pytest.raises(httpx.UnsupportedProtocol, match="'ftp'"):
        run(scenario)


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
    certificate: tuple[Path, Path],
) -> None:
    trusting = ssl.create_default_context(cafile=str(certificate[0]))

    async def scenario() -> tuple[Any, int, str]:
        tls = server_context(certificate)
        async with Scripted(Reply(response(b'{"tls": 1}')), Reply(response(b"2")), tls=tls) as s:
            async with client(s.url, ssl_context=trusting) as http:
                first, second = await http.get("/a"), await http.get("/b")
            async with client(s.url) as untrusting:  # the system's authorities
                with pytest.raises(httpx.ConnectError) as refused:
                    await untrusting.get("/c")
            return (first.json(), second.json()), s.connections, str(refused.value)

    bodies, connections, refused = run(scenario)
    assert bodies == ({"tls": 1}, 2)
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

            async def no_wait(seconds: float) -> None:
                return None

            registry = HttpRegistry(server.url, retries=1, sleep=no_wait)
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
