"""Push a run's metrics to a Prometheus Pushgateway, failing open.

The group is {job="schema-drift", repo, track}. Its previous values are read first
(`GET /api/v1/metrics`) so counters continue across runs, then the group is replaced
with a PUT, which leaves every other group alone. Credentials come from the
environment: `PUSHGATEWAY_USERNAME`/`PUSHGATEWAY_PASSWORD` (basic) or
`PUSHGATEWAY_TOKEN` (bearer); `user:password@` in the URL works as basic too.
"""

from __future__ import annotations

import base64
import time
import urllib.error
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx
from prometheus_client.exposition import default_handler, push_to_gateway

from drift.report import DriftReport
from drift.sinks.metrics import (
    JOB,
    Previous,
    build_metrics,
    previous_from_pushgateway,
)
from drift.telemetry import TelemetryResult

SINK = "pushgateway"
_BODY_LIMIT = 300

Handler = Callable[[str, str, float | None, list[tuple[str, str]], bytes], Callable[[], None]]


class PushError(Exception):
    """A push that did not happen; the message is safe to show."""


@dataclass(frozen=True)
class _Target:
    url: str  # without userinfo
    authorization: str | None = field(default=None, repr=False)

    def headers(self) -> list[tuple[str, str]]:
        return [] if self.authorization is None else [("Authorization", self.authorization)]

    def handler(self) -> Handler:
        """prometheus_client's HTTP handler, sending the Authorization header."""
        extra = self.headers()

        def handle(
            url: str,
            method: str,
            timeout: float | None,
            headers: list[tuple[str, str]],
            data: bytes,
        ) -> Callable[[], None]:
            return default_handler(url, method, timeout, [*headers, *extra], data)

        return handle


def _bare_url(url: str) -> tuple[str, str | None, str | None]:
    """The URL without userinfo (http:// when no scheme), and the userinfo's user, password."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    bare = urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))
    return bare, parts.username, parts.password


def _secrets(url: str, env: Mapping[str, str]) -> tuple[str, ...]:
    """What must never appear in a message: passwords, tokens, the URL's userinfo."""
    # Split by hand: this must work on a URL that urlsplit rejects, too.
    netloc = url.partition("://")[2] if "://" in url else url
    userinfo = netloc.partition("/")[0].rpartition("@")[0]
    found = (
        userinfo,
        userinfo.partition(":")[2],
        env.get("PUSHGATEWAY_PASSWORD"),
        env.get("PUSHGATEWAY_TOKEN"),
    )
    # Longest first, so a password inside the userinfo does not half-mask it.
    return tuple(sorted((secret for secret in found if secret), key=len, reverse=True))


def _scrub(message: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        message = message.replace(secret, "***")
    return message


def _target(url: str, env: Mapping[str, str]) -> _Target:
    bare, url_user, url_password = _bare_url(url)
    token = env.get("PUSHGATEWAY_TOKEN")
    username = env.get("PUSHGATEWAY_USERNAME")
    if token and username:
        raise PushError("set PUSHGATEWAY_TOKEN or PUSHGATEWAY_USERNAME/PASSWORD, not both")
    if env.get("PUSHGATEWAY_PASSWORD") and not username:
        raise PushError("PUSHGATEWAY_PASSWORD is set without PUSHGATEWAY_USERNAME")
    if token:
        return _Target(bare, f"Bearer {token}")
    if not username:  # the URL's userinfo, if any
        username, password = url_user, url_password or ""
    else:
        password = env.get("PUSHGATEWAY_PASSWORD", "")
    if username:
        basic = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        return _Target(bare, f"Basic {basic}")
    return _Target(bare)


def _previous(target: _Target, *, repo: str, track: str, timeout: float) -> Previous:
    try:
        response = httpx.get(
            f"{target.url}/api/v1/metrics", headers=target.headers(), timeout=timeout
        )
    except httpx.HTTPError as exc:
        raise PushError(f"cannot read the previous values: {exc}") from exc
    if response.status_code != 200:
        raise PushError(
            f"GET /api/v1/metrics answered {response.status_code} {response.reason_phrase}"
        )
    try:
        return previous_from_pushgateway(response.json(), repo=repo, track=track)
    except ValueError as exc:  # includes a body that is not JSON
        raise PushError(f"GET /api/v1/metrics: {exc}") from exc


def _put(
    target: _Target,
    report: DriftReport,
    *,
    repo: str,
    now: float,
    previous: Previous,
    timeout: float,
) -> None:
    registry = build_metrics(report, repo=repo, now=now, previous=previous)
    try:
        push_to_gateway(
            target.url,
            job=JOB,
            registry=registry,
            grouping_key={"repo": repo, "track": report.track},
            timeout=timeout,
            handler=target.handler(),
        )
    except urllib.error.HTTPError as exc:
        # The Pushgateway says why it refused a push in the body.
        try:
            body = exc.read().decode("utf-8", "replace").strip()[:_BODY_LIMIT]
        except (OSError, AttributeError):  # no body to read
            body = ""
        reason = f"PUT answered {exc.code} {exc.reason}"
        raise PushError(f"{reason}: {body}" if body else reason) from exc
    except urllib.error.URLError as exc:
        raise PushError(f"cannot push: {exc.reason}") from exc
    except OSError as exc:
        raise PushError(f"cannot push: {exc}") from exc


def push_report(
    report: DriftReport,
    *,
    url: str,
    repo: str,
    env: Mapping[str, str],
    now: float | None = None,
    timeout: float = 5.0,
) -> TelemetryResult:
    """Replace this repo and track's group with the run's metrics. Never raises."""
    secrets = _secrets(url, env)
    try:
        where = _bare_url(url)[0]
    except ValueError:
        where = "(unparsable URL)"
    try:
        target = _target(url, env)
        previous = _previous(target, repo=repo, track=report.track, timeout=timeout)
        stamp = time.time() if now is None else now
        _put(target, report, repo=repo, now=stamp, previous=previous, timeout=timeout)
    except Exception as exc:  # telemetry fails open, whatever went wrong
        reason = str(exc) if isinstance(exc, PushError) else f"{type(exc).__name__}: {exc}"
        return TelemetryResult(
            SINK, ok=False, error=_scrub(f"Pushgateway {where}: {reason}", secrets)
        )
    return TelemetryResult(SINK, ok=True)
