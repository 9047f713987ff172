"""The metrics a long-running `watch` serves on /metrics.

`DriftGauges` holds the drift metrics of drift/sinks/metrics.py (the same names and
meaning the Pushgateway gets) as values that two things move: a full check, which
rebuilds every schema's series from its report, and a registry event, which re-checks
one schema and moves only that schema's series. Both go through `build_metrics`, so
"+1 per check that found the schema drifted" means the same on either path.

`EventMetrics` counts the `--subscribe` path: events received, handled, skipped (by
reason), malformed and failed, entries claimed from other consumers, the connection's
state, and a histogram of the time from the registry's publish (the envelope's `ts`)
to the drift or resolution event on Pulse.

/metrics is served from another thread: the values sit behind a lock, and the
families are built from a copy at scrape time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Set
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from drift.lifecycle import Kind
from drift.reaction import SkipReason
from drift.report import DriftReport, SchemaResult, Status
from drift.sinks.metrics import METRICS, RUN_LABELS, SCHEMA_LABELS, Previous, build_metrics

if TYPE_CHECKING:
    from drift.sinks.metrics import Key

DEPRECATED = "schema_drift_deprecated"
HANDLED = {Kind.PUBLISHED: ("drift", "synced"), Kind.DEPRECATED: ("deprecated",)}
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


def registry_values(registry: CollectorRegistry) -> dict[Key, float]:
    """A built registry's samples, keyed the way drift.sinks.metrics.Previous expects."""
    values: dict[Key, float] = {}
    for family in registry.collect():
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            names = SCHEMA_LABELS if "schema" in sample.labels else RUN_LABELS
            values[(sample.name, tuple(sample.labels[n] for n in names))] = sample.value
    return values


class DriftGauges(Collector):
    """The drift metrics, continued across full checks and single-schema re-checks."""

    def __init__(self, repo: str) -> None:
        self.repo = repo
        self._lock = threading.Lock()
        self._values: dict[Key, float] = {}
        self._deprecated: dict[tuple[str, str], bool] = {}  # (track, schema) → deprecated
        self.checks = 0  # full checks seen: nothing is served before the first

    def after_check(
        self,
        report: DriftReport,
        now: float,
        keep: Set[str] = frozenset(),
        keep_deprecated: Set[str] = frozenset(),
    ) -> None:
        """Every schema's series from a full check's report, but those of `keep` stay, and
        the deprecation of those in `keep_deprecated` (events newer than the check's data)."""

        def kept(key: Key) -> bool:
            return len(key[1]) == len(SCHEMA_LABELS) and key[1][2] in keep

        with self._lock:
            built = build_metrics(report, repo=self.repo, now=now, previous=Previous(self._values))
            fresh = {key: v for key, v in registry_values(built).items() if not kept(key)}
            self._values = fresh | {key: v for key, v in self._values.items() if kept(key)}
            for item in report.schemas:
                if item.status is not Status.ERROR and item.schema not in keep_deprecated:
                    self._deprecated[(report.track, item.schema)] = item.deprecated
            self.checks += 1

    def after_event(self, item: SchemaResult, *, track: str, registry_url: str, now: float) -> None:
        """One schema's series after a registry event re-checked it; the run's stay as they are."""
        one = DriftReport(track=track, registry_url=registry_url, generated_at="")
        one.schemas = [item]
        with self._lock:
            built = build_metrics(one, repo=self.repo, now=now, previous=Previous(self._values))
            labels = (self.repo, track, item.schema)
            kept = {key: v for key, v in self._values.items() if key[1] != labels}
            fresh = {key: v for key, v in registry_values(built).items() if key[1] == labels}
            self._values = kept | fresh
            self._deprecated[(track, item.schema)] = item.deprecated

    def deprecate(self, track: str, schema: str) -> None:
        with self._lock:
            self._deprecated[(track, schema)] = True

    def value(self, metric: str, labels: tuple[str, ...]) -> float | None:
        with self._lock:
            return self._values.get((metric, labels))

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            if not self.checks:
                return
            values = dict(self._values)
            deprecated = dict(self._deprecated)
        for spec in METRICS:
            family = spec.family()
            for (name, labels), value in sorted(values.items()):
                if name == spec.name:
                    family.add_metric(list(labels), value)
            yield family
        gauge = GaugeMetricFamily(
            DEPRECATED, "1 when the registry marks the schema deprecated.", labels=SCHEMA_LABELS
        )
        for (track, schema), flag in sorted(deprecated.items()):
            gauge.add_metric([self.repo, track, schema], float(flag))
        yield gauge


class EventMetrics:
    """Counters of the `--subscribe` path, in the registry /metrics serves."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.received = Counter(
            "schema_drift_events_received",
            "Registry events read from Pulse (each delivery, a redelivery too).",
            ["kind"],
            registry=registry,
        )
        self.handled = Counter(
            "schema_drift_events_handled",
            "Registry events acted on: the schema re-checked (outcome drift or synced) "
            "or its deprecation recorded.",
            ["kind", "outcome"],
            registry=registry,
        )
        self.skipped = Counter(
            "schema_drift_events_skipped",
            "Registry events acknowledged without effect, by reason "
            "(other_track, no_snapshot, duplicate, gave_up).",
            ["kind", "reason"],
            registry=registry,
        )
        self.malformed = Counter(
            "schema_drift_events_malformed",
            "Stream entries that are not a valid registry event (acknowledged and skipped).",
            ["kind"],
            registry=registry,
        )
        self.failed = Counter(
            "schema_drift_events_failed",
            "Attempts to handle an event that failed (registry unreachable, ...); "
            "the event stays pending and is claimed again.",
            ["kind"],
            registry=registry,
        )
        self.claimed = Counter(
            "schema_drift_events_claimed",
            "Pending events claimed after --claim-after (from a crashed or stuck consumer).",
            registry=registry,
        )
        self.latency = Histogram(
            "schema_drift_event_latency_seconds",
            "Seconds from the registry's publish (the envelope's ts) to the drift or "
            "resolution event on Pulse.",
            ["outcome"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.connected = Gauge(
            "schema_drift_subscription_up",
            "1 while the consumer group is being read, 0 while Pulse is unreachable.",
            registry=registry,
        )
        self.reconnects = Counter(
            "schema_drift_subscription_reconnects",
            "Times the connection to Pulse was lost and tried again.",
            registry=registry,
        )
        # Every series exists from the start at 0: increase() over a counter that first
        # appears at 1 sees no increase, and the alert rules would miss the first event.
        for kind in Kind:
            for counter in (self.received, self.malformed, self.failed):
                counter.labels(kind.value)
            for outcome in HANDLED[kind]:
                self.handled.labels(kind.value, outcome)
            for reason in SkipReason:
                self.skipped.labels(kind.value, reason.value)
