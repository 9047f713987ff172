"""Prometheus metrics of one drift run, built for a Pushgateway group.

A Pushgateway PUT replaces the whole group and every CI run starts from zero, so the
counters (and the timestamps that must outlive one run) continue from the values the
group held before: `Previous`, read from the Pushgateway's `GET /api/v1/metrics`.

Per schema (labels repo, track, schema):
- `schema_drift_total`: +1 each run the schema is in status drift;
- `schema_drift_last_detected_timestamp`: now when drifted, else the previous value;
- `schema_drift_active`: 1 while drifted, else 0;
- `schema_drift_first_detected_timestamp`: when the current drift started (absent if none);
- `schema_drift_resolved_total`: +1 when a schema active before is synced now;
- `schema_drift_breaking`: 1 when the drift's severity is breaking.
Per run (labels repo, track): `schema_drift_check_last_run_timestamp`,
`schema_drift_check_success`, `schema_drift_check_duration_seconds` and
`schema_registry_errors_total` (+ error statuses and run errors).

A schema in `error` could not be compared: its drift state (active, first detected,
breaking) stays what the previous run saw rather than reading as resolved.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from drift.report import DriftReport, SchemaResult, Status

JOB = "schema-drift"
SCHEMA_LABELS = ("repo", "track", "schema")
RUN_LABELS = ("repo", "track")

DRIFT_TOTAL = "schema_drift_total"
LAST_DETECTED = "schema_drift_last_detected_timestamp"
ACTIVE = "schema_drift_active"
FIRST_DETECTED = "schema_drift_first_detected_timestamp"
RESOLVED_TOTAL = "schema_drift_resolved_total"
BREAKING = "schema_drift_breaking"
LAST_RUN = "schema_drift_check_last_run_timestamp"
SUCCESS = "schema_drift_check_success"
DURATION = "schema_drift_check_duration_seconds"
REGISTRY_ERRORS_TOTAL = "schema_registry_errors_total"


@dataclass(frozen=True)
class MetricSpec:
    name: str  # the exposed sample name, `_total` included for counters
    counter: bool
    help: str
    labels: tuple[str, ...]

    def family(self) -> CounterMetricFamily | GaugeMetricFamily:
        """An empty sample family of this metric, for a collector to fill."""
        kind = CounterMetricFamily if self.counter else GaugeMetricFamily
        return kind(self.name, self.help, labels=self.labels)


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(DRIFT_TOTAL, True, "Runs that found the schema drifted.", SCHEMA_LABELS),
    MetricSpec(LAST_DETECTED, False, "Unix time the schema was last found drifted.", SCHEMA_LABELS),
    MetricSpec(ACTIVE, False, "1 while the schema is drifted, else 0.", SCHEMA_LABELS),
    MetricSpec(
        FIRST_DETECTED, False, "Unix time the schema's current drift started.", SCHEMA_LABELS
    ),
    MetricSpec(RESOLVED_TOTAL, True, "Drifts resolved (found synced again).", SCHEMA_LABELS),
    MetricSpec(BREAKING, False, "1 when the schema's drift is breaking, else 0.", SCHEMA_LABELS),
    MetricSpec(LAST_RUN, False, "Unix time of the last drift check.", RUN_LABELS),
    MetricSpec(SUCCESS, False, "1 when the last drift check had no errors, else 0.", RUN_LABELS),
    MetricSpec(DURATION, False, "Seconds the last drift check took.", RUN_LABELS),
    MetricSpec(
        REGISTRY_ERRORS_TOTAL,
        True,
        "Schemas that could not be compared, plus run errors, over all checks.",
        RUN_LABELS,
    ),
)
SPECS: Mapping[str, MetricSpec] = {spec.name: spec for spec in METRICS}

# (metric name, label values in the metric's label order)
Key = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Previous:
    """The values this group held before this run, per (metric, label values)."""

    values: Mapping[Key, float] = field(default_factory=dict)

    def get(self, metric: str, labels: tuple[str, ...]) -> float | None:
        return self.values.get((metric, labels))


# When one schema name appears more than once (two files, one identity), the most
# telling status speaks for it: a drift seen beats an error, an error beats a synced.
_RANK = {
    Status.DRIFT: 4,
    Status.ERROR: 3,
    Status.MISSING_IN_REGISTRY: 2,
    Status.SYNCED: 1,
    Status.NEW_IN_REGISTRY: 0,
}


def _by_schema(results: Iterable[SchemaResult]) -> dict[str, SchemaResult]:
    chosen: dict[str, SchemaResult] = {}
    for item in results:
        seen = chosen.get(item.schema)
        if seen is None or _RANK[item.status] > _RANK[seen.status]:
            chosen[item.schema] = item
    return dict(sorted(chosen.items()))


def _schema_samples(
    item: SchemaResult, labels: tuple[str, ...], now: float, previous: Previous
) -> dict[str, float]:
    def before(metric: str) -> float | None:
        return previous.get(metric, labels)

    was_active = before(ACTIVE) == 1
    first = before(FIRST_DETECTED) if was_active else None
    samples = {
        DRIFT_TOTAL: before(DRIFT_TOTAL) or 0.0,
        RESOLVED_TOTAL: before(RESOLVED_TOTAL) or 0.0,
    }
    last = before(LAST_DETECTED)
    if item.status is Status.DRIFT:
        samples[DRIFT_TOTAL] += 1
        last = now
        active, breaking = True, item.severity == "breaking"
        first = now if first is None else first
    elif item.status is Status.ERROR:
        active, breaking = was_active, was_active and before(BREAKING) == 1
        first = (now if first is None else first) if active else None
    else:
        active, breaking, first = False, False, None
        if was_active and item.status is Status.SYNCED:
            samples[RESOLVED_TOTAL] += 1
    samples[ACTIVE] = float(active)
    samples[BREAKING] = float(breaking)
    if last is not None:
        samples[LAST_DETECTED] = last
    if first is not None:
        samples[FIRST_DETECTED] = first
    return samples


def _run_samples(
    report: DriftReport, now: float, previous: Previous, labels: tuple[str, ...]
) -> dict[str, float]:
    errors = report.count(Status.ERROR) + len(report.run_errors)
    return {
        LAST_RUN: now,
        SUCCESS: 0.0 if report.has_errors else 1.0,
        DURATION: report.stats.seconds,
        REGISTRY_ERRORS_TOTAL: (previous.get(REGISTRY_ERRORS_TOTAL, labels) or 0.0) + errors,
    }


class _Snapshot(Collector):
    """Metric families computed once; a custom collector so counters carry no `_created`."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def build_metrics(
    report: DriftReport, *, repo: str, now: float, previous: Previous | None = None
) -> CollectorRegistry:
    """The run's metrics in a registry of their own, continuing from `previous`."""
    previous = previous or Previous()
    values: dict[str, list[tuple[tuple[str, ...], float]]] = {spec.name: [] for spec in METRICS}
    for name, item in _by_schema(report.schemas).items():
        labels = (repo, report.track, name)
        for metric, value in _schema_samples(item, labels, now, previous).items():
            values[metric].append((labels, value))
    run_labels = (repo, report.track)
    for metric, value in _run_samples(report, now, previous, run_labels).items():
        values[metric].append((run_labels, value))

    families: list[Metric] = []
    for spec in METRICS:
        family = spec.family()
        for label_values, value in values[spec.name]:
            family.add_metric(list(label_values), value)
        families.append(family)
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_Snapshot(families))
    return registry


def previous_from_pushgateway(data: Any, *, repo: str, track: str) -> Previous:
    """The values of group {job="schema-drift", repo, track} in a `GET /api/v1/metrics` answer.

    A group that is not there yet is an empty `Previous`; an answer that is not the
    Pushgateway's shape at all raises ValueError (carrying on from zero would lose the
    drifts' first-detected times).
    """
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ValueError("not a Pushgateway /api/v1/metrics answer (no 'data' list)")
    wanted = {"job": JOB, "repo": repo, "track": track}
    for group in data["data"]:
        if isinstance(group, dict) and group.get("labels") == wanted:
            return Previous(dict(_group_values(group)))
    return Previous()


def _group_values(group: Mapping[str, Any]) -> Iterator[tuple[Key, float]]:
    for spec in METRICS:
        family = group.get(spec.name)
        metrics = family.get("metrics") if isinstance(family, dict) else None
        for metric in metrics if isinstance(metrics, list) else []:
            labels = metric.get("labels") if isinstance(metric, dict) else None
            if not isinstance(labels, dict):
                continue
            key = tuple(labels.get(name) for name in spec.labels)
            value = _number(metric.get("value"))
            if value is not None and all(isinstance(part, str) for part in key):
                yield (spec.name, tuple(str(part) for part in key)), value


def _number(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
