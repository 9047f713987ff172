"""The Schema Registry HTTP API: bounded concurrency, retries with jittered backoff.

Each request runs whole (retries and redirects included) on one thread of the client's
`drift.tasks.Pool`, at most `concurrency` at once, over `drift.registry.wire` (h11 on
blocking sockets); the coroutines await it through `drift.tasks.blocking`, so a check
runs the same on asyncio or on the eager runner, which imports no asyncio.

Everything a registry answers is bounded here, above the wire: the decoded body
(MAX_DOCUMENT_BYTES, however small it was on the wire), the JSON in it (drift.documents),
the redirects followed (MAX_REDIRECTS, never from https:// to http://), and the time one
run spends waiting to retry (the retry budget). Every failure is a RegistryError naming
the URL.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from drift import __version__, tasks
from drift.documents import MAX_DOCUMENT_BYTES, DocumentError, loads_json
from drift.errors import RegistryError, SchemaNotFound
from drift.records import Row
from drift.registry import wire
from drift.registry.base import RegistrySchema, TrackIndex, parse_index, parse_schema
from drift.settings import redact_url

BACKOFF_BASE = 0.5  # seconds before the first retry, doubled each time
BACKOFF_CAP = 30.0
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
"""Redirects followed for one request (https:// registries only)."""
ACCEPTED_CODINGS = ("gzip", "deflate")
_MAX_DELTA_DIGITS = 12  # ~31,700 years: anything longer is "forever" (and int() of 5000 fails)
# Asking again would fail the same way: a bad URL scheme, a request we refuse to send,
# a body past the wire's size limit.
_NOT_RETRYABLE = (wire.UnsupportedProtocol, wire.LocalProtocolError, wire.BodyTooLarge)

Sleep = Callable[[float], object]
Clock = Callable[[], float]


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None.

    Strict: delta-seconds are ASCII digits only; anything else must parse as a date.
    A value too long to be meant is infinite (the retry budget then refuses it).
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # [0-9]+: isdigit() alone takes '٣' and '²'
        return math.inf if len(value) > _MAX_DELTA_DIGITS else float(value)
    import email.utils  # noqa: PLC0415  (rarely needed: kept out of start-up)

    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, OverflowError, IndexError, OSError):
        return None
    current = time.time() if now is None else now
    return max(0.0, float(when) - current)


def backoff_delay(attempt: int, rng: Callable[[], float] | None = None) -> float:
    """Exponential backoff with jitter: between half and all of base * 2**attempt, capped."""
    if rng is None:
        import random  # noqa: PLC0415  (only a retry needs it: kept out of start-up)

        rng = random.random
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2.0**attempt)
    return ceiling / 2 + rng() * ceiling / 2


def _describe(exc: Exception) -> str:
    if isinstance(exc, wire.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _seconds(value: float) -> str:
    return "an endless wait" if math.isinf(value) else f"{round(value, 2):g} s"


class _Retry(Row):
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
        transport: wire.Transport | None = None,
        sleep: Sleep | None = None,
        clock: Clock = time.monotonic,
        rng: Callable[[], float] | None = None,
    ) -> None:
        import threading  # noqa: PLC0415

        headers = [
            ("Accept", "application/json"),
            ("Accept-Encoding", ", ".join(ACCEPTED_CODINGS)),
            ("User-Agent", f"schema-drift/{__version__}"),
        ]
        credentials = _basic_credentials(base_url)
        if credentials:  # user:password@ in the URL, sent as httpx sends them
            headers.append(("Authorization", credentials))
        elif token:
            headers.append(("Authorization", f"Bearer {token}"))
        self._headers = wire.Headers(headers)
        self._secure = base_url.lower().startswith("https://")
        self._wire: wire.Wire | None = None
        if transport is None:  # else a test's fault injection stands in for the wire
            self._wire = transport = wire.Wire()
        self._send = transport
        # Requests get absolute URLs: the base's path, then the API's.
        self._prefix = base_url.rstrip("/")
        self._timeout = timeout
        self._pool = tasks.Pool(concurrency)
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._retries = retries
        self._retry_budget = retry_budget
        self._deadline: float | None = None  # set by the run's first retry
        self._sleep: Sleep = sleep or self._closed.wait  # a closed client waits no more
        self._clock = clock
        self._rng = rng
        self.requests = 0
        self.description = f"registry {redact_url(base_url)}"

    async def get_index(self, track: str) -> TrackIndex:
        what = f"{self.description}: GET /index"
        try:
            payload = await self._get("/index", what)
        except SchemaNotFound:
            raise RegistryError(
                f"{what}: HTTP 404; is this the Schema Registry's base URL?"
            ) from None
        return parse_index(payload, track, what)

    async def get_schema(self, track: str, name: str) -> RegistrySchema:
        path = f"/schemas/{quote(track, safe='')}/{quote(name, safe='')}"
        what = f"{self.description}: GET {path}"
        return parse_schema(await self._get(path, what), what, track=track, name=name)

    async def aclose(self) -> None:
        """Stop: queued requests are dropped, retry waits end, open connections close."""
        self._closed.set()
        self._pool.shutdown()
        if self._wire is not None:
            self._wire.close()

    def _get(self, path: str, what: str) -> Awaitable[Any]:
        """The JSON at `path`, fetched (retries and redirects included) on a pool thread."""
        return tasks.blocking(self._pool, lambda: self._get_json(path, what))

    # ---------------------------------------------------------------- on a pool thread

    def _get_json(self, path: str, what: str) -> Any:
        attempt = 0
        while True:
            if self._closed.is_set():  # the run is over: nobody waits for this any more
                raise RegistryError(f"{what}: not sent: the registry client was closed")
            try:
                outcome = self._exchange(wire.parse_url(self._prefix + path), what)
            except wire.TransportError as exc:
                if isinstance(exc, _NOT_RETRYABLE):
                    raise RegistryError(f"{what}: {_describe(exc)}") from None
                outcome = _Retry(_describe(exc), None)
            except wire.HTTPError as exc:
                # InvalidURL, DecodingError, ...: the same request would fail the same
                # way, so they are not retried.
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
            self._sleep(delay)
            attempt += 1

    def _budget_left(self) -> float:
        """Seconds until the run's retry deadline; no wait may end past it.

        The budget is one deadline for the whole run, set by its first retry: requests
        retrying at once share it, and the time retried requests take counts too.
        """
        with self._lock:
            now = self._clock()
            if self._deadline is None:
                self._deadline = now + self._retry_budget
            return max(0.0, self._deadline - now)

    def _exchange(self, url: wire.URL, what: str) -> bytes | _Retry:
        """One request, following redirects from https:// registries: the body, or a _Retry."""
        headers = self._headers
        for _ in range(MAX_REDIRECTS + 1):
            with self._lock:
                self.requests += 1
            response = self._send(wire.Request(url, headers), self._timeout)
            status = response.status
            if status in RETRYABLE_STATUS:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                return _Retry(f"HTTP {status}", retry_after)
            location = response.headers.get("Location") if status in REDIRECT_STATUS else None
            if location is None:
                _check_status(response, what)
                return _read_body(response, what)
            target = self._redirected(location, url, status, what)
            if target.origin != url.origin:  # credentials never follow to another origin
                headers = wire.Headers(
                    (name, value) for name, value in headers if name.lower() != "authorization"
                )
            url = target
        raise RegistryError(
            f"{what}: more than {MAX_REDIRECTS} redirects (limit MAX_REDIRECTS; the last to "
            f"{redact_url(str(url))})"
        )

    def _redirected(self, location: str, source: wire.URL, status: int, what: str) -> wire.URL:
        """The next hop, if it may be taken."""
        joined = urljoin(str(source), location)
        to = redact_url(joined)
        if not self._secure:
            # An http:// registry is never redirected, above all not to an https:// peer
            # it could not verify.
            raise RegistryError(
                f"{what}: HTTP {status} redirect to {to}; use that address as --registry-url"
            )
        if urlsplit(joined).scheme.lower() != "https":
            raise RegistryError(
                f"{what}: HTTP {status} redirect from {redact_url(str(source))} to {to} refused: "
                "an https:// registry is never followed to an unencrypted address"
            )
        return wire.parse_url(joined)


def _basic_credentials(url: str) -> str | None:
    """`Basic …` for a URL's user:password@, or None; they are never sent in the URL itself."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return None
    from base64 import b64encode  # noqa: PLC0415  (rare: kept out of start-up)
    from urllib.parse import unquote  # noqa: PLC0415

    pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
    return "Basic " + b64encode(pair.encode()).decode("ascii")


def _check_status(response: wire.Response, what: str) -> None:
    status = response.status
    if status == 404:
        raise SchemaNotFound(f"{what}: HTTP 404 (the registry does not have it)")
    if status in (401, 403):
        raise RegistryError(
            f"{what}: HTTP {status}; the registry refused the credentials "
            "(set the token in the env var named by --token-env)"
        )
    if 300 <= status < 400:
        raise RegistryError(
            f"{what}: HTTP {status} {response.reason} (a redirect with no usable Location)"
        )
    if status >= 400 or status < 200:
        raise RegistryError(f"{what}: HTTP {status} {response.reason}")


def _read_body(response: wire.Response, what: str) -> bytes:
    """The decoded body, refused as soon as it passes MAX_DOCUMENT_BYTES."""
    codings = [
        coding.strip().lower()
        for coding in response.headers.get_list("content-encoding")
        if coding.strip().lower() not in ("", "identity")
    ]
    # Stacked codings multiply the expansion (gzip inside gzip): one is plenty.
    if len(codings) > 1 or (codings and codings[0] not in ACCEPTED_CODINGS):
        raise RegistryError(
            f"{what}: Content-Encoding {', '.join(codings)!r} is not accepted "
            f"(one of {', '.join(ACCEPTED_CODINGS)}, or none)"
        )
    body = _decode(response.body, codings[0], what) if codings else response.body
    if len(body) > MAX_DOCUMENT_BYTES:
        raise RegistryError(
            f"{what}: response body larger than {MAX_DOCUMENT_BYTES} bytes once decoded "
            "(limit MAX_DOCUMENT_BYTES, 8 MiB); stopped reading"
        )
    return body


def _decode(data: bytes, coding: str, what: str) -> bytes:
    """gzip or deflate, inflated to at most one byte past MAX_DOCUMENT_BYTES, whatever the ratio."""
    import zlib  # noqa: PLC0415

    # deflate is zlib-wrapped by the standard; some servers send it raw, as httpx accepts.
    formats = [zlib.MAX_WBITS | 16] if coding == "gzip" else [zlib.MAX_WBITS, -zlib.MAX_WBITS]
    for number, wbits in enumerate(formats, 1):
        decoder = zlib.decompressobj(wbits)
        try:
            body = decoder.decompress(data, MAX_DOCUMENT_BYTES + 1)
        except zlib.error as exc:
            if number < len(formats):
                continue
            raise RegistryError(f"{what}: DecodingError: {coding} body: {exc}") from None
        if len(body) <= MAX_DOCUMENT_BYTES and not decoder.eof:
            raise RegistryError(f"{what}: DecodingError: {coding} body ends early")
        return body
    raise AssertionError("unreachable")


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
