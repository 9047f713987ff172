"""Fault injection for the HTTP registry client (httpx.MockTransport: faults, not proof of work)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from drift.errors import RegistryError, SchemaNotFound
from drift.registry.http import HttpRegistry, backoff_delay, parse_retry_after

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

Responder = Callable[[httpx.Request], httpx.Response]


class Script:
    """Answers requests from a list of steps; records what was asked and how long it slept."""

    def __init__(self, *steps: Responder | Exception) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        return step(request)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def registry(self, **kwargs: Any) -> HttpRegistry:
        return HttpRegistry(
            "https://registry.example/api",
            transport=httpx.MockTransport(self.handle),
            sleep=self.sleep,
            rng=lambda: 0.5,
            **kwargs,
        )


def ok(body: Any = DOC) -> Responder:
    return lambda request: httpx.Response(200, json=body)


def status(code: int, headers: dict[str, str] | None = None) -> Responder:
    return lambda request: httpx.Response(code, headers=headers, json={"detail": "x"})


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
    script = Script(ok())

    async def go() -> None:
        registry = HttpRegistry(base, transport=httpx.MockTransport(script.handle))
        try:
            await registry.get_schema("v1", "md/Bar")
        finally:
            await registry.aclose()

    asyncio.run(go())
    assert [str(r.url) for r in script.requests] == [
        "https://registry.example/api/schemas/v1/md%2FBar"
    ]


def test_timeout_then_success_is_retried() -> None:
    script = Script(httpx.ReadTimeout("slow"), ok())
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
    script = Script(httpx.ConnectError("refused"))
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
    script = Script(lambda request: httpx.Response(200, content=body))
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
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)  # yield so other requests can start if allowed
        await asyncio.sleep(0)
        in_flight -= 1
        return httpx.Response(200, json=DOC)

    async def go() -> int:
        registry = HttpRegistry(
            "https://registry.example", transport=httpx.MockTransport(handler), concurrency=3
        )
        await asyncio.gather(*(registry.get_schema("v1", f"s{i}") for i in range(20)))
        await registry.aclose()
        return registry.requests

    assert asyncio.run(go()) == 20
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
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "https://u:p@elsewhere.example/x"})

    async def go() -> None:
        registry = HttpRegistry("http://registry.example", transport=httpx.MockTransport(handler))
        try:
            await registry.get_schema("v1", "a")
        finally:
            await registry.aclose()

    with pytest.raises(
        RegistryError, match=r"redirect to https://elsewhere.example/x; use that"
    ) as caught:
        asyncio.run(go())
    assert "u:p" not in str(caught.value)
