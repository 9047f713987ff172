"""The Schema Registry HTTP API over httpx: bounded concurrency, retries with jittered backoff."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import httpx

from drift import __version__
from drift.errors import RegistryError, SchemaNotFound
from drift.registry.base import RegistrySchema, TrackIndex, parse_index, parse_schema
from drift.registry.transport import Http11Transport
from drift.settings import redact_url

BACKOFF_BASE = 0.5  # seconds before the first retry, doubled each time
BACKOFF_CAP = 30.0
RETRY_AFTER_CAP = 120.0  # a Retry-After longer than this is cut short, not obeyed for hours
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})

Sleep = Callable[[float], Awaitable[None]]


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    import email.utils  # noqa: PLC0415  (rarely needed: kept out of start-up)

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, float(when.timestamp()) - current)


def backoff_delay(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff with jitter: between half and all of base * 2**attempt, capped."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2.0**attempt)
    return ceiling / 2 + rng() * ceiling / 2


def _describe(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class HttpRegistry:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        concurrency: int = 16,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": f"schema-drift/{__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        secure = base_url.lower().startswith("https://")
        if transport is None:
            # Plain http:// loads no CA bundle (that is a third of start-up).
            context = httpx.create_ssl_context() if secure else None
            transport = Http11Transport(ssl_context=context)
        # Requests get absolute URLs: httpx resolves a path against base_url at ~45 µs
        # a request, more than parsing the whole URL.
        self._prefix = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            # An http:// registry must never be redirected to an https:// peer it could not
            # verify; proxies are not read from the environment.
            follow_redirects=secure,
            trust_env=False,
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._retries = retries
        self._sleep = sleep
        self._rng = rng
        self.requests = 0
        self.description = f"registry {redact_url(base_url)}"

    async def get_index(self, track: str) -> TrackIndex:
        what = f"{self.description}: GET /index"
        try:
            payload = await self._get_json("/index", what)
        except SchemaNotFound:
            raise RegistryError(
                f"{what}: HTTP 404; is this the Schema Registry's base URL?"
            ) from None
        return parse_index(payload, track, what)

    async def get_schema(self, track: str, name: str) -> RegistrySchema:
        path = f"/schemas/{quote(track, safe='')}/{quote(name, safe='')}"
        what = f"{self.description}: GET {path}"
        return parse_schema(await self._get_json(path, what), what)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _get_json(self, path: str, what: str) -> Any:
        attempt = 0
        while True:
            self.requests += 1
            try:
                async with self._slots:
                    response = await self._client.get(httpx.URL(self._prefix + path))
            except httpx.TransportError as exc:
                failure, retry_after = _describe(exc), None
            else:
                if response.status_code not in RETRYABLE_STATUS:
                    return self._decode(response, what)
                failure = f"HTTP {response.status_code}"
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if attempt >= self._retries:
                tries = "1 attempt" if attempt == 0 else f"{attempt + 1} attempts"
                raise RegistryError(f"{what}: {failure} (gave up after {tries})")
            delay = backoff_delay(attempt, self._rng) if retry_after is None else retry_after
            await self._sleep(min(delay, RETRY_AFTER_CAP))
            attempt += 1

    @staticmethod
    def _decode(response: httpx.Response, what: str) -> Any:
        status = response.status_code
        if status == 404:
            raise SchemaNotFound(f"{what}: HTTP 404 (the registry does not have it)")
        if status in (401, 403):
            raise RegistryError(
                f"{what}: HTTP {status}; the registry refused the credentials "
                "(set the token in the env var named by --token-env)"
            )
        if 300 <= status < 400:
            target = redact_url(response.headers.get("Location", "?"))
            raise RegistryError(
                f"{what}: HTTP {status} redirect to {target}; use that address as --registry-url"
            )
        if status >= 400 or status < 200:
            raise RegistryError(f"{what}: HTTP {status} {response.reason_phrase}")
        try:
            return json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            detail = (
                f"at {exc.lineno}:{exc.colno}: {exc.msg}"
                if isinstance(exc, json.JSONDecodeError)
                else str(exc)
            )
            raise RegistryError(f"{what}: response is not valid JSON ({detail})") from None
