"""The seed's library API — SchemaSnapshot and DriftReporter — on this project's internals.

Code that used market-data-store's drift reporter keeps working: the same names,
the same async start/stop, the same `track/name` keys. Metrics live in a
CollectorRegistry of the caller's (or the reporter's own), never the global one;
Pulse events use the wire format of `drift.sinks.pulse`; every telemetry error
is logged and swallowed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drift.hashing import compute_sha256
from drift.report import DriftReport, SchemaResult, Status

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

log = logging.getLogger("schema-drift.reporter")


@dataclass
class SchemaSnapshot:
    """A local schema's identity and hash, as the seed described it."""

    name: str
    track: str
    sha256: str
    version: str | None = None
    fetched_at: float | None = None


def _from_pulse_config(cfg: Any) -> tuple[str | None, str]:
    """(Redis URL or None, namespace) from an object shaped like the Store's PulseConfig."""
    from drift.sinks.pulse import DEFAULT_NAMESPACE, DEFAULT_REDIS_URL  # noqa: PLC0415

    namespace = getattr(cfg, "ns", None) or DEFAULT_NAMESPACE
    enabled = getattr(cfg, "enabled", True)
    backend = str(getattr(cfg, "backend", "redis") or "redis").strip().lower()
    if not enabled or backend != "redis":
        return None, str(namespace)
    return str(getattr(cfg, "redis_url", None) or DEFAULT_REDIS_URL), str(namespace)


class DriftReporter:
    """Detects drift per schema, records metrics and emits Pulse events (fail-open).

    The Store builds it as `DriftReporter(pulse_config=cfg, publisher=None)`, where `cfg`
    is its frozen `PulseConfig` (`enabled`, `backend`, `redis_url`, `ns`, `track`); that
    call is read duck-typed: `backend="inmem"` or `enabled=False` means no Redis.
    A `publisher` stays the caller's: it is kept as `self.publisher` and stopped by
    `stop()` as the seed did, while events go to Redis through this project's Pulse sink.
    Explicit `pulse_url` / `pulse_namespace` keywords win over `pulse_config`, which wins
    over the environment (PULSE_ENABLED, REDIS_URL, MD_NAMESPACE).
    """

    def __init__(
        self,
        pulse_config: Any = None,
        publisher: Any = None,
        *,
        repo: str = "market-data-store",
        registry: CollectorRegistry | None = None,
        pulse_url: str | None = None,
        pulse_namespace: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge  # noqa: PLC0415

        from drift.sinks.pulse import pulse_settings_from_env  # noqa: PLC0415

        env = os.environ if env is None else env
        if pulse_config is None:
            default_url, default_namespace = pulse_settings_from_env(env)
        else:
            default_url, default_namespace = _from_pulse_config(pulse_config)
        self.pulse_config = pulse_config
        self.publisher = publisher
        self.repo = repo
        self.pulse_url = pulse_url if pulse_url is not None else default_url
        self.pulse_namespace = pulse_namespace or default_namespace
        self.registry = registry if registry is not None else CollectorRegistry()
        labels = ("repo", "track", "schema")
        self._drift_total = Counter(
            "schema_drift", "Schema drift detections", labels, registry=self.registry
        )
        self._last_detected = Gauge(
            "schema_drift_last_detected_timestamp",
            "Unix time of the last drift detection",
            labels,
            registry=self.registry,
        )
        self._last_drift: dict[str, float] = {}
        self.started = False

    @property
    def pulse_enabled(self) -> bool:
        return self.pulse_url is not None

    async def start(self) -> None:
        """Ready the reporter; with Pulse on, check the bus answers (a warning if not)."""
        if self.started:
            return
        self.started = True
        if self.pulse_enabled:
            await asyncio.to_thread(self._ping)

    async def stop(self) -> None:
        """Idempotent: stopping twice, or without starting, is fine."""
        was_started, self.started = self.started, False
        stop = getattr(self.publisher, "stop", None)
        if was_started and callable(stop):
            try:
                result = stop()
                if asyncio.iscoroutine(result):
                    await result
            except Exception:  # fail open, as every telemetry path here
                log.exception("DriftReporter: stopping the publisher failed")

    def compute_sha256(self, content: str | dict[str, Any]) -> str:
        return compute_sha256(content)

    async def detect_and_emit_drift(
        self,
        local_snapshot: SchemaSnapshot,
        registry_sha: str,
        registry_version: str | None = None,
    ) -> bool:
        """True when the snapshot's hash differs from the registry's; records and emits."""
        key = f"{local_snapshot.track}/{local_snapshot.name}"
        if local_snapshot.sha256 == registry_sha:
            return False
        now = time.time()
        labels = (self.repo, local_snapshot.track, local_snapshot.name)
        try:
            self._drift_total.labels(*labels).inc()
            self._last_detected.labels(*labels).set(now)
        except Exception:  # fail open: metrics never break the caller
            log.exception("DriftReporter: recording metrics for %s failed", key)
        self._last_drift[key] = now
        if self.pulse_enabled:
            await asyncio.to_thread(self._emit, local_snapshot, registry_sha, registry_version, now)
        return True

    def get_last_drift_time(self, schema_key: str) -> float | None:
        """Unix time of the last drift of `track/name`, or None."""
        return self._last_drift.get(schema_key)

    def _ping(self) -> None:
        try:
            import redis  # noqa: PLC0415

            client = redis.Redis.from_url(str(self.pulse_url), socket_connect_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
        except Exception as exc:  # fail open
            log.warning(
                "DriftReporter: Pulse is not reachable (%s); events may be lost", type(exc).__name__
            )

    def _emit(
        self, snapshot: SchemaSnapshot, registry_sha: str, registry_version: str | None, now: float
    ) -> None:
        from drift.sinks.pulse import emit_report  # noqa: PLC0415

        item = SchemaResult(
            schema=snapshot.name,
            status=Status.DRIFT,
            local_sha=snapshot.sha256,
            local_version=snapshot.version,
            registry_sha=registry_sha,
            registry_version=registry_version,
        )
        report = DriftReport(track=snapshot.track, registry_url="", generated_at="", schemas=[item])
        result = emit_report(
            report, url=str(self.pulse_url), namespace=self.pulse_namespace, repo=self.repo, now=now
        )
        if not result.ok:
            log.warning("DriftReporter: emitting the drift event failed: %s", result.error)
