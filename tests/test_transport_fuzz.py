"""Fuzzing drift.registry.wire's response handling with raw bytes from one loopback server.

Each example is a response as bytes: a valid HTTP/1.x response (Content-Length, chunked
or close-delimited, maybe after a 1xx) with a few mutations (truncation, junk header
lines, bad chunk sizes, huge lengths, inserted, flipped or NUL bytes), or plain random
bytes. The server answers every request with it, then closes the connection or holds it
open. The client sends two GETs: each must end in a wire.Response (a final one, never a
1xx) or a wire.HTTPError (the timeout ends a response that never completes), and nothing
else.

`FUZZ_EXAMPLES` sets the number of examples (default 150, to keep the suite fast); the
longer run is `FUZZ_EXAMPLES=5000 python -m pytest tests/test_transport_fuzz.py
--hypothesis-show-statistics`.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from drift.registry import wire

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
TIMEOUT = 0.1  # seconds: the client's deadline for connecting, sending, and reading a response
HANG_GUARD = 30.0  # seconds: far past two deadlines; only a client that hangs meets it


@dataclass(frozen=True)
class Scenario:
    reply: bytes
    hold: bool  # keep the connection open after answering (else close it)


class RawServer:
    """A loopback server that answers each request it reads with `scenario.reply`."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.scenario = Scenario(b"", hold=False)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # the listener was closed
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        pending = b""
        with connection:
            try:
                while True:
                    while b"\r\n\r\n" not in pending:  # the client's GETs carry no body
                        data = connection.recv(65536)
                        if not data:
                            return
                        pending += data
                    pending = pending.split(b"\r\n\r\n", 1)[1]
                    scenario = self.scenario
                    connection.sendall(scenario.reply)
                    if not scenario.hold:
                        return
            except OSError:
                return  # the client gave up on the connection first


@pytest.fixture(scope="module")
def server() -> Iterator[RawServer]:
    raw = RawServer()
    yield raw
    raw.close()


# ---------------------------------------------------------------- responses


EXTRA_HEADERS = (
    b"Content-Type: application/json",
    b"Connection: close",
    b"Connection: keep-alive",
    b"Content-Encoding: gzip",
    b"Transfer-Encoding: chunked",
    b"Content-Length: 3",
    b"X-Empty:",
    b"X-Spaces:   padded   ",
)
STATUSES = (b"200 OK", b"404 Not Found", b"503 Busy", b"204 No Content", b"304 Not Modified",
            b"302 Found", b"200", b"000 Zero", b"101 Switching Protocols")  # fmt: skip
REPEATED_HEADERS = (b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip, chunked",
                    b"Content-Length: 0")  # fmt: skip
BAD_CHUNK_SIZES = (b"-3", b"0x1f", b"+1f", b"1_f", b" 1", b"1 ", b"", b"z", b"f" * 40)
HUGE_LENGTHS = (b"9" * 19, b"9" * 21, b"9" * 5000, b"18446744073709551616", b"-1", b"1e3")


def _chunked(body: bytes, pieces: int, bad_size: bytes | None, which: int) -> bytes:
    """`body` in `pieces` chunks; with `bad_size`, chunk `which` (or the last) declares it."""
    step = max(1, len(body) // pieces)
    parts = [body[i : i + step] for i in range(0, len(body), step)] + [b""]
    sizes = [b"%x" % len(part) for part in parts]
    if bad_size is not None:
        sizes[which % len(sizes)] = bad_size
    chunks = [size + b"\r\n" + part + b"\r\n" for size, part in zip(sizes, parts, strict=True)]
    return b"".join(chunks[:-1]) + sizes[-1] + b"\r\n\r\n"


PART_MUTATIONS = ("junk-header", "huge-length", "repeat-header", "nul-in-value", "bad-chunk-size")
BYTE_MUTATIONS = ("truncate", "insert", "flip")


def _some(draw: st.DrawFn, kinds: tuple[str, ...]) -> list[str]:
    """Each kind with a chance of about one in six (sampled_from would favour the first)."""
    chosen = [kind for kind in kinds if draw(st.integers(0, 5)) == 3]
    for kind in chosen:
        event(f"mutation: {kind}")
    return chosen


@st.composite
def responses(draw: st.DrawFn) -> bytes:
    """A valid HTTP/1.x response after some mutations of its parts, then of its bytes."""
    version = draw(st.sampled_from([b"HTTP/1.1", b"HTTP/1.0"]))
    status = draw(st.sampled_from(STATUSES))
    body = draw(st.binary(max_size=40))
    framing = draw(st.sampled_from(["length", "chunked", "close"]))
    headers = list(draw(st.lists(st.sampled_from(EXTRA_HEADERS), max_size=2)))
    bad_size: bytes | None = None
    for kind in _some(draw, PART_MUTATIONS):
        at = draw(st.integers(0, len(headers)))
        if kind == "junk-header":
            headers.insert(at, draw(st.binary(max_size=30)))
        elif kind == "huge-length":
            headers.insert(at, b"Content-Length: " + draw(st.sampled_from(HUGE_LENGTHS)))
        elif kind == "repeat-header":
            headers.insert(at, draw(st.sampled_from(REPEATED_HEADERS)))
        elif kind == "nul-in-value":
            headers.insert(at, b"X-Nul: a\0b")
        else:
            bad_size = draw(st.sampled_from(BAD_CHUNK_SIZES))
            framing = "chunked"
    if framing == "length":
        headers.append(b"Content-Length: %d" % len(body))
    elif framing == "chunked":
        headers.append(b"Transfer-Encoding: chunked")
        body = _chunked(body, draw(st.integers(1, 4)), bad_size, draw(st.integers(0, 4)))
    interim = b"HTTP/1.1 100 Continue\r\n\r\n" if draw(st.booleans()) else b""
    raw = interim + b"\r\n".join([version + b" " + status, *headers]) + b"\r\n\r\n" + body
    for kind in _some(draw, BYTE_MUTATIONS):
        at = draw(st.integers(0, len(raw)))
        if kind == "truncate":
            raw = raw[:at]
        elif kind == "insert":
            raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
        elif at < len(raw):
            raw = raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1 :]
    return raw


@st.composite
def replies(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 7)) == 3:
        event("random bytes")
        return draw(st.binary(max_size=200))
    return draw(responses())


# ---------------------------------------------------------------- the property


Outcome = wire.Response | wire.HTTPError


def _two_gets(port: int) -> list[Outcome]:
    outcomes: list[Outcome] = []
    http = wire.Wire()
    try:
        for path in ("/a", "/b"):
            request = wire.Request(wire.parse_url(f"http://127.0.0.1:{port}{path}"), wire.Headers())
            try:
                outcomes.append(http(request, TIMEOUT))
            except wire.HTTPError as exc:  # anything else fails the test
                outcomes.append(exc)
    finally:
        http.close()
    return outcomes


def _guarded(port: int) -> list[Outcome]:
    """_two_gets on a daemon thread, so that a client that never returns fails the example."""
    result: list[list[Outcome]] = []
    escaped: list[BaseException] = []

    def target() -> None:
        try:
            result.append(_two_gets(port))
        except BaseException as exc:  # re-raised below, in the test's thread
            escaped.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    if thread.is_alive():  # the client's deadline never fired
        pytest.fail(f"two GETs still running after {HANG_GUARD} s: the client hung")
    if escaped:
        raise escaped[0]
    return result[0]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(reply=replies(), hold=st.sampled_from([False, False, False, True]))
def test_any_response_bytes_end_in_a_final_response_or_an_http_error(
    server: RawServer, reply: bytes, hold: bool
) -> None:
    note(f"reply={reply!r} hold={hold}")
    server.scenario = Scenario(reply, hold)
    # Any exception other than a wire.HTTPError escapes _two_gets and fails the example.
    outcomes = _guarded(server.port)
    assert len(outcomes) == 2
    for outcome in outcomes:
        event(f"outcome: {type(outcome).__name__}")
        assert isinstance(outcome, wire.Response | wire.HTTPError)
        if isinstance(outcome, wire.Response):  # a final response, never a 1xx
            assert 200 <= outcome.status <= 999
