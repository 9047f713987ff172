"""Fault injection for the HTTP registry client: a scripted transport in place of the wire.

The wire itself (h11 on real sockets) is tested in test_transport.py; these are faults,
not proof of work.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest

from drift.errors import RegistryError, SchemaNotFound
from drift.registry import wire
from drift.registry.http import MAX_REDIRECTS, HttpRegistry, backoff_delay, parse_retry_after

DOC = {
    "name": "md.Bar.schema",
    "track": "v1",
    "core_version": "1.0.0",
    "sha256": "0" * 64,
    "$schema_id": "md.Bar",
    "content": {"type": "object"},
    "deprecated": False,
    "deprecation_note": None,
}

Responder = Callable[[wire.Request], wire.Response]


def reply(
    status: int,
    payload: Any = None,
    *,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> wire.Response:
    body = json.dumps(payload).encode() if content is None else content
    return wire.Response(status, "", wire.Headers((headers or {}).items()), body)


class Script:
    """Answers requests from a list of steps; records what was asked and how long it slept."""

    def __init__(self, *steps: Responder | Exception) -> None:
        self.steps = list(steps)
        self.requests: list[wire.Request] = []
        self.sleeps: list[float] = []
        self.now = 1000.0  # a fake monotonic clock that only sleeping moves

    def handle(self, request: wire.Request, timeout: float) -> wire.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        return step(request)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def registry(self, **kwargs: Any) -> HttpRegistry:
        return HttpRegistry(
            "https://registry.example/api",
            transport=self.handle,
            sleep=self.sleep,
            clock=self.clock,
            rng=lambda: 0.5,
            **kwargs,
        )


def answer_for(request: wire.Request) -> dict[str, Any]:
    """DOC, answered for the track and name the request asked for."""
    *_, track, name = request.url.target.split("?")[0].split("/")
    return {**DOC, "track": unquote(track), "name": unquote(name)}


def echo(request: wire.Request) -> wire.Response:
    return reply(200, answer_for(request))


def ok(body: Any = DOC) -> Responder:
    return lambda request: reply(200, body)


def status(code: int, headers: dict[str, str] | None = None) -> Responder:
    return lambda request: reply(code, {"detail": "x"}, headers=headers)


def fetch(script: Script, **kwargs: Any) -> Any:
    async def go() -> Any:
        registry = script.registry(**kwargs)
        try:
            return await registry.get_schema("v1", "md.Bar.schema")
        finally:
            await registry.aclose()

    return asyncio.run(go())


def test_url_bearer_token_and_quoting() -> None:
    script = Script(ok())
    document = fetch(script, token="tok-123")
    assert document.schema_id == "md.Bar"
    [request] = script.requests
    assert str(request.url) == "https://registry.example/api/schemas/v1/md.Bar.schema"
    assert request.headers["Authorization"] == "Bearer tok-123"


@pytest.mark.parametrize(
    "base", ["https://registry.example/api/", "https://registry.example/api//"]
)
def test_a_base_url_with_trailing_slashes_gives_the_same_urls(base: str) -> None:
    script = Script(echo)

    async def go() -> None:
        registry = HttpRegistry(base, transport=script.handle)
        try:
            await registry.get_schema("v1", "md/Bar")
        finally:
            await registry.aclose()

    asyncio.run(go())
    assert [str(r.url) for r in script.requests] == [
        "https://registry.example/api/schemas/v1/md%2FBar"
    ]


def test_timeout_then_success_is_retried() -> None:
    script = Script(wire.ReadTimeout("slow"), ok())
    assert fetch(script).name == "md.Bar.schema"
    assert len(script.requests) == 2
    assert script.sleeps == [backoff_delay(0, lambda: 0.5)]


def test_500_then_200() -> None:
    script = Script(status(500), status(503), ok())
    assert fetch(script).core_version == "1.0.0"
    assert len(script.requests) == 3
    assert script.sleeps[1] > script.sleeps[0]  # exponential


def test_429_honours_retry_after() -> None:
    script = Script(status(429, {"Retry-After": "7"}), ok())
    fetch(script)
    assert script.sleeps == [7.0]


def test_connect_errors_give_up_after_the_retry_budget() -> None:
    script = Script(wire.ConnectError("refused"))
    with pytest.raises(RegistryError, match=r"ConnectError: refused \(gave up after 3 attempts\)"):
        fetch(script, retries=2)
    assert len(script.requests) == 3
    assert len(script.sleeps) == 2


def test_404_is_schema_not_found_and_not_retried() -> None:
    script = Script(status(404))
    with pytest.raises(SchemaNotFound, match="does not have it"):
        fetch(script)
    assert len(script.requests) == 1


def test_401_explains_credentials_without_leaking_the_token() -> None:
    script = Script(status(401))
    with pytest.raises(RegistryError) as caught:
        fetch(script, token="tok-SECRET")
    assert "refused the credentials" in str(caught.value)
    assert "tok-SECRET" not in str(caught.value)


def test_truncated_json_is_an_error_with_position() -> None:
    body = json.dumps(DOC)[:40].encode()
    script = Script(lambda request: reply(200, content=body))
    with pytest.raises(RegistryError, match=r"not valid JSON \(at 1:41"):
        fetch(script)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([1, 2], "expected a JSON object"),
        ({**DOC, "content": "not a schema"}, '"content" is not a JSON object'),
    ],
)
def test_wrong_shape(body: Any, problem: str) -> None:
    with pytest.raises(RegistryError, match="unexpected response shape: " + problem):
        fetch(Script(ok(body)))


def test_index_shape_and_missing_track() -> None:
    async def index(body: Any) -> Any:
        registry = Script(ok(body)).registry()
        try:
            return await registry.get_index("v2")
        finally:
            await registry.aclose()

    with pytest.raises(RegistryError, match=r"has no track 'v2' \(it has: v1\)"):
        asyncio.run(index({"tracks": {"v1": {"count": 0, "schemas": []}}}))
    bad_sha = {"tracks": {"v2": {"schemas": [{"name": "a", "sha256": "xyz"}]}}}
    with pytest.raises(RegistryError, match='schemas\\[0\\] \\(a\\) has no 64-hex "sha256"'):
        asyncio.run(index(bad_sha))


def test_concurrency_is_bounded() -> None:
    in_flight = peak = 0
    lock = threading.Lock()
    together = threading.Barrier(3, timeout=30)  # three requests must be in flight at once

    def handler(request: wire.Request, timeout: float) -> wire.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        together.wait()
        with lock:
            in_flight -= 1
        return reply(200, answer_for(request))

    async def go() -> int:
        registry = HttpRegistry("https://registry.example", transport=handler, concurrency=3)
        await asyncio.gather(*(registry.get_schema("v1", f"s{i}") for i in range(21)))
        await registry.aclose()
        return registry.requests

    assert asyncio.run(go()) == 21
    assert peak == 3


def test_retry_after_forms() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    assert backoff_delay(0, lambda: 0.0) == 0.25
    assert backoff_delay(0, lambda: 1.0) == 0.5
    assert backoff_delay(3, lambda: 1.0) == 4.0
    assert backoff_delay(30, lambda: 1.0) == 30.0


def test_a_redirect_from_plain_http_is_not_followed_but_explained() -> None:
    def handler(request: wire.Request, timeout: float) -> wire.Response:
        return reply(301, headers={"Location": "https://u:p@elsewhere.example/x"})

    async def go() -> None:
        registry = HttpRegistry("http://registry.example", transport=handler)
        try:
            await registry.get_schema("v1", "a")
        finally:
            await registry.aclose()

    with pytest.raises(
        RegistryError, match=r"redirect to https://elsewhere.example/x; use that"
    ) as caught:
        asyncio.run(go())
    assert "u:p" not in str(caught.value)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("12", 12.0),
        (" 0 ", 0.0),
        ("99999999999999999999", math.inf),  # 20 digits: longer than anything meant
        ("9" * 5000, math.inf),  # int() would refuse it (more than 4300 digits)
        ("٣", None),  # str.isdigit() is True for these; they are not delta-seconds
        ("²", None),
        ("-5", None),
        ("+5", None),
        ("1.5", None),
        ("0x10", None),
        ("Mon, 99 Foo 99999 99:99:99 GMT", None),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 253402300799.0 - 1445412480.0),
        ("Sat, 01 Jan 0001 00:00:00 GMT", 0.0),  # long past: no wait
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_retry_after_is_parsed_strictly_and_never_crashes(
    value: str, seconds: float | None
) -> None:
    assert parse_retry_after(value, now=1445412480.0) == seconds


@pytest.mark.parametrize("value", ["٣", "²", "-5", "soon", "Mon, 99 Foo 99999 99:99:99 GMT"])
def test_an_unusable_retry_after_falls_back_to_backoff(value: str) -> None:
    # UTF-8 on the wire, as a hostile server would send it
    script = Script(status(429, {"Retry-After": value.encode().decode("latin-1")}), ok())
    fetch(script)
    assert script.sleeps == [backoff_delay(0, lambda: 0.5)]


@pytest.mark.parametrize("value", ["999999", "99999999999999999999", "31"])
def test_a_retry_after_beyond_the_budget_fails_at_once(value: str) -> None:
    script = Script(status(503, {"Retry-After": value}), ok())
    with pytest.raises(RegistryError) as caught:
        fetch(script)  # the default budget: 30 s
    message = str(caught.value)
    assert message.startswith(
        "registry https://registry.example/api: GET /schemas/v1/md.Bar.schema: HTTP 503 "
        "(gave up after 1 attempt: the retry budget ran out"
    )
    assert "Retry-After asks for " in message
    assert "30 s of the run's 30 s are left; raise --retry-budget" in message
    assert script.sleeps == []
    assert len(script.requests) == 1


def test_backoff_stops_when_the_budget_runs_out() -> None:
    script = Script(status(503))
    with pytest.raises(RegistryError) as caught:
        fetch(script, retries=10, retry_budget=10)
    assert (
        "HTTP 503 (gave up after 5 attempts: the retry budget ran out; the next backoff is 6 s, "
        "4.38 s of the run's 10 s are left"
    ) in str(caught.value)
    # 0.375 + 0.75 + 1.5 + 3 = 5.625 s; the next wait (6 s) would end past 10 s.
    assert script.sleeps == [0.375, 0.75, 1.5, 3.0]
    assert len(script.requests) == 5


def test_the_budget_is_shared_by_every_request_of_a_run() -> None:
    script = Script(
        status(429, {"Retry-After": "6"}), echo, status(429, {"Retry-After": "6"}), echo
    )

    async def go() -> None:
        registry = script.registry(retry_budget=10)
        try:
            await registry.get_schema("v1", "first")
            await registry.get_schema("v1", "second")
        finally:
            await registry.aclose()

    with pytest.raises(RegistryError, match=r"GET /schemas/v1/second: HTTP 429 .*budget ran out"):
        asyncio.run(go())
    assert script.sleeps == [6.0]  # the first request's wait; the second's would pass 10 s


def test_a_zero_budget_turns_retries_off() -> None:
    script = Script(wire.ConnectError("refused"), ok())
    with pytest.raises(RegistryError, match=r"ConnectError: refused .*budget ran out"):
        fetch(script, retry_budget=0)
    assert script.sleeps == []


def redirect(location: str, code: int = 302) -> Responder:
    return lambda request: reply(code, headers={"Location": location})


def test_a_redirect_from_https_to_http_is_refused_naming_both_urls() -> None:
    script = Script(redirect("http://registry.example/api/schemas/v1/md.Bar.schema"))
    with pytest.raises(RegistryError) as caught:
        fetch(script)
    assert (
        "HTTP 302 redirect from https://registry.example/api/schemas/v1/md.Bar.schema to "
        "http://registry.example/api/schemas/v1/md.Bar.schema refused"
    ) in str(caught.value)
    assert len(script.requests) == 1


def test_https_redirects_are_followed_without_credentials_across_origins() -> None:
    script = Script(redirect("https://mirror.example/v1/md.Bar.schema", 301), ok())
    document = fetch(script, token="tok-123")
    assert document.name == "md.Bar.schema"
    first, second = script.requests
    assert str(second.url) == "https://mirror.example/v1/md.Bar.schema"
    assert first.headers["Authorization"] == "Bearer tok-123"
    assert "Authorization" not in second.headers


def test_redirects_are_bounded() -> None:
    script = Script(redirect("https://registry.example/again"))
    with pytest.raises(RegistryError, match=r"more than 5 redirects \(limit MAX_REDIRECTS"):
        fetch(script)
    assert len(script.requests) == MAX_REDIRECTS + 1


@pytest.mark.parametrize(
    "error",
    [
        wire.DecodingError("bad gzip"),
        wire.InvalidURL("bad url"),
        wire.UnsupportedProtocol("ftp"),
        wire.LocalProtocolError("bad header"),
        wire.BodyTooLarge("past the limit"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_every_unretryable_wire_error_is_a_registry_error_naming_the_url_and_not_retried(
    error: Exception,
) -> None:
    script = Script(error, ok())
    with pytest.raises(RegistryError) as caught:
        fetch(script)
    assert str(caught.value).startswith(
        f"registry https://registry.example/api: GET /schemas/v1/md.Bar.schema: "
        f"{type(error).__name__}"
    )
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (
            {**DOC, "name": "md.Bar"},
            "answered with schema 'v1'/'md.Bar', not the 'v1'/'md.Bar.schema'",
        ),
        ({**DOC, "track": "v2"}, "answered with schema 'v2'/'md.Bar.schema', not the"),
        (
            {k: v for k, v in DOC.items() if k != "name"},
            "answered with schema 'v1'/(none), not the",
        ),
    ],
)
def test_an_answer_about_another_schema_is_an_error(payload: Any, problem: str) -> None:
    with pytest.raises(RegistryError) as caught:
        fetch(Script(ok(payload)))
    assert "GET /schemas/v1/md.Bar.schema: " in str(caught.value)
    assert problem in str(caught.value)


def test_a_token_that_is_not_latin_1_is_refused_naming_the_header_not_its_value() -> None:
    async def go() -> None:
        # Nothing is listening on port 9: the request is refused before any connection.
        registry = HttpRegistry("http://127.0.0.1:9", token="s3cret\u2713", sleep=lambda s: None)
        try:
            await registry.get_index("v1")
        finally:
            await registry.aclose()

    with pytest.raises(RegistryError) as caught:
        asyncio.run(go())
    message = str(caught.value)
    assert message == (
        "registry http://127.0.0.1:9: GET /index: LocalProtocolError: "
        "invalid header b'Authorization': not Latin-1"
    )
    printed = "".join(traceback.format_exception(caught.value))  # what --debug would show
    assert "s3cret" not in printed


def test_credentials_in_the_url_are_sent_as_basic_auth_never_in_the_url() -> None:
    script = Script(ok())

    async def go() -> None:
        registry = HttpRegistry(
            "https://robot:p%40ss@registry.example/api", transport=script.handle, token="tok"
        )
        try:
            await registry.get_schema("v1", "md.Bar.schema")
        finally:
            await registry.aclose()

    asyncio.run(go())
    [request] = script.requests
    assert str(request.url) == "https://registry.example/api/schemas/v1/md.Bar.schema"
    # robot:p@ss, as httpx sends a URL's credentials (they win over the token, as there)
    assert request.headers["Authorization"] == "Basic cm9ib3Q6cEBzcw=="
    assert [name for name, _ in request.headers].count("Authorization") == 1
