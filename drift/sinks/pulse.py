"""Pulse sink: schema-drift events on the market-data Redis Streams bus (CONTRACTS.md §5).

One `XADD <ns>:<ns>.telemetry.schema_drift MAXLEN ~ N * data <json>` per event, in the
envelope market-data-core's `JsonCodec.decode` reads. The payload carries every key its
producers and consumers use (the Store's drift reporter, core's `SchemaDriftEvent`, the
Orchestrator's schema audit), so each finds its own names.

`redis` is imported only inside `emit_report`: a run without Pulse never pays for it, and
an install without the `pulse` extra still works. Telemetry fails open: `emit_report`
reports a problem in its result and never raises.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from drift import __version__
from drift.hashing import compute_sha256
from drift.report import DriftReport, SchemaResult, Status
from drift.settings import redact_url
from drift.telemetry import TelemetryResult

SINK = "pulse"
STREAM = "telemetry.schema_drift"
EVENT_TYPE = "telemetry.schema_drift"  # meta.schema_id, as the Store's own drift events
DEFAULT_REDIS_URL = "redis://localhost:6379/0"
DEFAULT_NAMESPACE = "mdp"
_TRUE = frozenset({"true", "1", "yes", "on"})


def stream_key(namespace: str) -> str:
    """The key RedisStreamsBus(namespace=ns) uses for the stream f"{ns}.telemetry.schema_drift"."""
    return f"{namespace}:{namespace}.{STREAM}"


def pulse_settings_from_env(env: Mapping[str, str]) -> tuple[str | None, str]:
    """(Redis URL or None when Pulse is off, namespace): PULSE_ENABLED, REDIS_URL, MD_NAMESPACE."""
    namespace = env.get("MD_NAMESPACE") or DEFAULT_NAMESPACE
    if env.get("PULSE_ENABLED", "").strip().lower() not in _TRUE:
        return None, namespace
    return env.get("REDIS_URL") or DEFAULT_REDIS_URL, namespace


def _drift_type(item: SchemaResult) -> str | None:
    if item.status is Status.MISSING_IN_REGISTRY:
        return "missing_in_registry"
    if item.status is Status.DRIFT:
        versions = (item.local_version, item.registry_version)
        known_and_different = None not in versions and versions[0] != versions[1]
        return "version_mismatch" if known_and_different else "content_mismatch"
    return None  # a resolution: core has no drift_type for "back in sync"


def _is_event(item: SchemaResult) -> bool:
    if item.status in (Status.DRIFT, Status.MISSING_IN_REGISTRY):
        return True
    # Synced means equal hashes; the Orchestrator closes the drift on local_sha == registry_sha.
    return item.status is Status.SYNCED and item.local_sha is not None


def _payload(item: SchemaResult, *, repo: str, track: str, now: float) -> dict[str, Any]:
    # core's SchemaDriftEvent wants strings: a hash the registry does not have is "".
    local_sha = item.local_sha or ""
    registry_sha = item.registry_sha or ""
    return {
        # the Store's drift reporter
        "repo": repo,
        "schema": item.schema,
        "track": track,
        "local_sha256": local_sha,
        "local_version": item.local_version,
        "registry_sha256": registry_sha,
        "registry_version": item.registry_version,
        # unix seconds: the Store's events and core's SchemaDriftEvent (a float field) agree
        "detected_at": now,
        # core's SchemaDriftEvent (+ the Orchestrator: repo, track, schema_name, *_sha)
        "service": repo,
        "schema_name": item.schema,
        "local_sha": local_sha,
        "registry_sha": registry_sha,
        "drift_type": _drift_type(item),
        # this tool's own: the report's status and a readable timestamp
        "status": item.status.value,
        "detected_at_iso": datetime.fromtimestamp(now, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
    }


def _envelope(
    payload: dict[str, Any], *, key: str, track: str, repo: str, now: float
) -> dict[str, Any]:
    return {
        "ts": now,
        "key": key,
        "meta": {
            "schema_id": EVENT_TYPE,
            "track": track,
            "headers": {
                "event_type": EVENT_TYPE,
                "source": repo,
                "producer": f"schema-drift-action/{__version__}",
            },
            # What JsonCodec.decode verifies: sha256(json.dumps(payload, sort_keys=True)),
            # i.e. compute_sha256. (JsonCodec.encode hashes pydantic's compact JSON instead,
            # which its own decode does not match; the verifier is the contract here.)
            "hash": compute_sha256(payload),
        },
        "payload": payload,
    }


def build_events(
    report: DriftReport, *, repo: str, now: float, only: set[str] | None = None
) -> list[dict[str, Any]]:
    """One envelope per drifted or missing schema and one resolution per synced schema."""
    events = []
    for item in report.schemas:
        if only is not None and item.schema not in only:
            continue
        if not _is_event(item):
            continue
        payload = _payload(item, repo=repo, track=report.track, now=now)
        events.append(_envelope(payload, key=item.schema, track=report.track, repo=repo, now=now))
    return events


def encode_event(event: Mapping[str, Any]) -> bytes:
    """The `data` field's bytes: json.dumps' defaults, as JsonCodec.encode writes them."""
    return json.dumps(event).encode("utf-8")


def _scrub(message: str, url: str) -> str:
    """The message with the URL's password (raw or percent-encoded) replaced."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        for secret in (password, unquote(password)):
            message = message.replace(secret, "***")
    return message


def _safe_url(url: str) -> str:
    try:
        return redact_url(url)
    except ValueError:
        return "<unparsable redis URL>"


def _publish(url: str, key: str, messages: Iterable[bytes], *, maxlen: int, timeout: float) -> None:
    import redis  # noqa: PLC0415 - optional dependency, only when Pulse is on

    client = redis.Redis.from_url(
        url, socket_connect_timeout=timeout, socket_timeout=timeout, retry_on_timeout=False
    )
    try:
        pipe = client.pipeline(transaction=False)
        for data in messages:
            pipe.xadd(key, {"data": data}, maxlen=maxlen, approximate=True)
        pipe.execute()
    finally:
        client.close()


def emit_report(
    report: DriftReport,
    *,
    url: str,
    namespace: str = DEFAULT_NAMESPACE,
    repo: str,
    now: float | None = None,
    maxlen: int = 10000,
    only: set[str] | None = None,
    timeout: float = 5.0,
) -> TelemetryResult:
    """Publish the report's events to Pulse; any failure is returned, never raised."""
    key = stream_key(namespace)
    try:
        events = build_events(report, repo=repo, now=time.time() if now is None else now, only=only)
        if events:
            _publish(url, key, map(encode_event, events), maxlen=maxlen, timeout=timeout)
    except ImportError as exc:
        return TelemetryResult(
            SINK,
            False,
            f"the redis package is missing ({exc}); install the pulse extra: "
            "pip install 'schema-drift-action[pulse]'",
        )
    except Exception as exc:  # fail open: telemetry never fails the check
        message = f"publishing to {key} at {_safe_url(url)} failed: {type(exc).__name__}: {exc}"
        return TelemetryResult(SINK, False, _scrub(message, url))
    return TelemetryResult(SINK, True)
