"""The Schema Registry HTTP API over httpx: bounded concurrency, retries with jittered backoff.

Everything a registry answers is bounded here, above the transport: the decoded body
(MAX_DOCUMENT_BYTES, however small it was on the wire), the JSON in it (drift.documents),
the redirects followed (MAX_REDIRECTS, never from https:// to http://), and the time one
run spends waiting to retry (the retry budget). Every failure is a RegistryError naming
the URL.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from drift import __version__
from drift.documents import MAX_DOCUMENT_BYTES, DocumentError, loads_json
from drift.errors import RegistryError, SchemaNotFound
from drift.registry.base import RegistrySchema, TrackIndex, parse_index, parse_schema
from drift.registry.transport import BodyTooLarge, Http11Transport
from drift.settings import redact_url

BACKOFF_BASE = 0.5  # seconds before the first retry, doubled each time
BACKOFF_CAP = 30.0
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
"""Redirects followed for one request (https:// registries only)."""
DECODE_PIECE = 16 * 1024
"""Wire bytes handed to httpx's content decoder at a time: deflate expands at most ~1032:1,
so one decoding step makes at most ~16.5 MiB before the body limit is counted again."""
ACCEPTED_CODINGS = ("gzip", "deflate")
_DELTA_SECONDS = re.compile(r"[0-9]+")  # str.isdigit() would take '٣' and '²'
_MAX_DELTA_DIGITS = 12  # ~31,700 years: anything longer is "forever" (and int() of 5000 fails)
# httpx errors that are not worth a retry: they would fail the same way again.
# Asking again would fail the same way: a bad URL scheme, a request we refuse to send,
# a body past the transport's size limit.
_NOT_RETRYABLE = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, BodyTooLarge)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None.

    Strict: delta-seconds are ASCII digits only; anything else must parse as a date.
    A value too long to be meant is infinite (the retry budget then refuses it).
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return math.inf if len(value) > _MAX_DELTA_DIGITS else float(value)
    import email.utils  # noqa: PLC0415  (rarely needed: kept out of start-up)

    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, OverflowError, IndexError, OSError):
        return None
    current = time.time() if now is None else now
    return max(0.0, float(when) - current)


def backoff_delay(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff with jitter: between half and all of base * 2**attempt, capped."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2.0**attempt)
    return ceiling / 2 + rng() * ceiling / 2


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _seconds(value: float) -> str:
    return "an endless wait" if math.isinf(value) else f"{round(value, 2):g} s"


class _Pieces(httpx.AsyncByteStream):
    """A response body re-cut into pieces of at most DECODE_PIECE bytes."""

    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            for start in range(0, len(chunk), DECODE_PIECE):
                yield chunk[start : start + DECODE_PIECE]

    async def aclose(self) -> None:
        await self._stream.aclose()


class _BoundedDecoding(httpx.AsyncBaseTransport):
    """Feeds httpx's content decoder small pieces of an encoded body.

    httpx inflates each piece a transport yields in one call; a 300 KB gzip body yielded
    whole would become 300 MB before anything could count it. Cut into DECODE_PIECE
    pieces, it is refused once MAX_DOCUMENT_BYTES of it have been decoded.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if "content-encoding" in response.headers and isinstance(
            response.stream, httpx.AsyncByteStream
        ):
            response.stream = _Pieces(response.stream)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass(frozen=True)
class _Retry:
    """A response worth another try: 429 or a 5xx the registry may recover from."""

    failure: str
    retry_after: float | None


class HttpRegistry:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        retry_budget: float = 30.0,
        concurrency: int = 16,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        headers = {
            "Accept": "application/json",
            "Accept-Encoding": ", ".join(ACCEPTED_CODINGS),
            "User-Agent": f"schema-drift/{__version__}",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._secure = base_url.lower().startswith("https://")
        if transport is None:
            # Plain http:// loads no CA bundle (that is a third of start-up).
            context = httpx.create_ssl_context() if self._secure else None
            transport = Http11Transport(ssl_context=context)
        # Requests get absolute URLs: httpx resolves a path against base_url at ~45 µs
        # a request, more than parsing the whole URL.
        self._prefix = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(timeout),
            transport=_BoundedDecoding(transport),
            # Redirects are followed here, one hop at a time (see _exchange), so each
            # target is checked and no redirect body is ever read; proxies are not read
            # from the environment.
            follow_redirects=False,
            trust_env=False,
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._retries = retries
        self._retry_budget = retry_budget
        self._deadline: float | None = None  # set by the run's first retry
        self._sleep = sleep
        self._clock = clock
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
        return parse_schema(await self._get_json(path, what), what, track=track, name=name)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _get_json(self, path: str, what: str) -> Any:
        attempt = 0
        while True:
            try:
                outcome = await self._exchange(httpx.URL(self._prefix + path), what)
            except httpx.TransportError as exc:
                if isinstance(exc, _NOT_RETRYABLE):
                    raise RegistryError(f"{what}: {_describe(exc)}") from None
                outcome = _Retry(_describe(exc), None)
            except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
                # DecodingError (a corrupt gzip body), TooManyRedirects, ...: the same
                # request would fail the same way, so they are not retried.
                raise RegistryError(f"{what}: {_describe(exc)}") from None
            if isinstance(outcome, bytes):
                return _parse(outcome, what)
            tries = "1 attempt" if attempt == 0 else f"{attempt + 1} attempts"
            if attempt >= self._retries:
                raise RegistryError(f"{what}: {outcome.failure} (gave up after {tries})")
            retry_after = outcome.retry_after
            delay = backoff_delay(attempt, self._rng) if retry_after is None else retry_after
            left = self._budget_left()
            if delay > left:
                wait = "the next backoff is" if retry_after is None else "Retry-After asks for"
                raise RegistryError(
                    f"{what}: {outcome.failure} (gave up after {tries}: the retry budget ran "
                    f"out; {wait} {_seconds(delay)}, {_seconds(left)} of the run's "
                    f"{_seconds(self._retry_budget)} are left; raise --retry-budget to wait longer)"
                )
            await self._sleep(delay)
            attempt += 1

    def _budget_left(self) -> float:
        """Seconds until the run's retry deadline; no wait may end past it.

        The budget is one deadline for the whole run, set by its first retry: requests
        retrying at once share it, and the time retried requests take counts too.
        """
        now = self._clock()
        if self._deadline is None:
            self._deadline = now + self._retry_budget
        return max(0.0, self._deadline - now)

    async def _exchange(self, url: httpx.URL, what: str) -> bytes | _Retry:
        """One request, following redirects from https:// registries: the body, or a _Retry."""
        request = self._client.build_request("GET", url)
        async with self._slots:
            for _ in range(MAX_REDIRECTS + 1):
                self.requests += 1
                response = await self._client.send(request, stream=True)
                try:
                    status = response.status_code
                    if status in RETRYABLE_STATUS:
                        retry_after = parse_retry_after(response.headers.get("Retry-After"))
                        return _Retry(f"HTTP {status}", retry_after)
                    if response.next_request is None:
                        _check_status(response, what)
                        return await _read_body(response, what)
                    request = self._redirected(response.next_request, request.url, status, what)
                finally:
                    await response.aclose()
        raise RegistryError(
            f"{what}: more than {MAX_REDIRECTS} redirects (limit MAX_REDIRECTS; the last to "
            f"{redact_url(str(request.url))})"
        )

    def _redirected(
        self, target: httpx.Request, source: httpx.URL, status: int, what: str
    ) -> httpx.Request:
        """The next hop, if it may be taken (httpx has dropped credentials across origins)."""
        to = redact_url(str(target.url))
        if not self._secure:
            # An http:// registry is never redirected, above all not to an https:// peer
            # it could not verify.
            raise RegistryError(
                f"{what}: HTTP {status} redirect to {to}; use that address as --registry-url"
            )
        if target.url.scheme != "https":
            raise RegistryError(
                f"{what}: HTTP {status} redirect from {redact_url(str(source))} to {to} refused: "
                "an https:// registry is never followed to an unencrypted address"
            )
        return target


def _check_status(response: httpx.Response, what: str) -> None:
    status = response.status_code
    if status == 404:
        raise SchemaNotFound(f"{what}: HTTP 404 (the registry does not have it)")
    if status in (401, 403):
        raise RegistryError(
            f"{what}: HTTP {status}; the registry refused the credentials "
            "(set the token in the env var named by --token-env)"
        )
    if 300 <= status < 400:
        raise RegistryError(
            f"{what}: HTTP {status} {response.reason_phrase} (a redirect with no usable Location)"
        )
    if status >= 400 or status < 200:
        raise RegistryError(f"{what}: HTTP {status} {response.reason_phrase}")


async def _read_body(response: httpx.Response, what: str) -> bytes:
    """The decoded body, refused as soon as it passes MAX_DOCUMENT_BYTES."""
    codings = [
        coding.strip().lower()
        for coding in response.headers.get_list("content-encoding", split_commas=True)
        if coding.strip().lower() not in ("", "identity")
    ]
    # Stacked codings multiply the expansion (gzip inside gzip): one is plenty.
    if len(codings) > 1 or (codings and codings[0] not in ACCEPTED_CODINGS):
        raise RegistryError(
            f"{what}: Content-Encoding {', '.join(codings)!r} is not accepted "
            f"(one of {', '.join(ACCEPTED_CODINGS)}, or none)"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_DOCUMENT_BYTES:
            raise RegistryError(
                f"{what}: response body larger than {MAX_DOCUMENT_BYTES} bytes once decoded "
                "(limit MAX_DOCUMENT_BYTES, 8 MiB); stopped reading"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes, what: str) -> Any:
    try:
        return loads_json(body, envelope=1)  # {"content": schema, …}
    except DocumentError as exc:
        raise RegistryError(f"{what}: response refused: {exc}") from None
    except json.JSONDecodeError as exc:
        raise RegistryError(
            f"{what}: response is not valid JSON (at {exc.lineno}:{exc.colno}: {exc.msg})"
        ) from None
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{what}: response is not valid JSON ({exc})") from None
