"""`schema-drift watch`: the check every --interval seconds, as a long-running service.

/metrics serves the same metrics the Pushgateway gets, from a registry of our own;
Pulse hears only changes (a new drift, a resolution); a registry outage is
counted and reported, never fatal; SIGTERM and SIGINT end it cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drift.engine import check_async
from drift.errors import SettingsError
from drift.failure import cannot_listen
from drift.report import DriftReport, Status
from drift.settings import Settings
from drift.telemetry import TelemetryTargets, send
from drift.text import plural

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import Metric

log = logging.getLogger("schema-drift.watch")


def previous_values(registry: CollectorRegistry) -> dict[tuple[str, tuple[str, ...]], float]:
    """A built registry's samples, keyed the way drift.sinks.metrics.Previous expects."""
    from drift.sinks.metrics import RUN_LABELS, SCHEMA_LABELS  # noqa: PLC0415

    values: dict[tuple[str, tuple[str, ...]], float] = {}
    for family in registry.collect():
        for sample in family.samples:
            names = SCHEMA_LABELS if "schema" in sample.labels else RUN_LABELS
            if sample.name.endswith("_created"):
                continue
            values[(sample.name, tuple(sample.labels[n] for n in names))] = sample.value
    return values


class LatestMetrics:
    """A collector that always serves the newest run's registry."""

    def __init__(self) -> None:
        self.current: CollectorRegistry | None = None

    def collect(self) -> Iterator[Metric]:
        if self.current is not None:
            yield from self.current.collect()


@dataclass
class WatchState:
    active: set[str] = field(default_factory=set)  # schemas drifting at the last check
    runs: int = 0
    outages: int = 0


def changes(report: DriftReport, state: WatchState) -> set[str]:
    """Schemas whose drift started or ended since the last check (what Pulse hears)."""
    drifting = {i.schema for i in report.schemas if i.status is Status.DRIFT}
    resolved = {
        i.schema for i in report.schemas if i.status is Status.SYNCED and i.schema in state.active
    }
    return (drifting - state.active) | resolved


async def watch(
    settings: Settings,
    targets: TelemetryTargets,
    *,
    interval: float,
    metrics_host: str,
    metrics_port: int | None,
    stop: asyncio.Event | None = None,
    max_runs: int | None = None,
) -> WatchState:
    from prometheus_client import CollectorRegistry, start_http_server  # noqa: PLC0415

    from drift.sinks.metrics import Previous, build_metrics  # noqa: PLC0415

    stop = stop or asyncio.Event()
    latest = LatestMetrics()
    served = CollectorRegistry(auto_describe=False)
    served.register(latest)
    if metrics_port is not None:
        try:
            server, _thread = start_http_server(metrics_port, addr=metrics_host, registry=served)
        except OSError as exc:  # a port in use is the user's to fix, not a crash
            flags = ("--metrics-port", "--metrics-host")
            raise SettingsError(cannot_listen(*flags, metrics_host, metrics_port, exc)) from None
        log.info("metrics on http://%s:%s/metrics", metrics_host, server.server_port)
    state = WatchState()
    previous = Previous()
    while not stop.is_set():
        started = time.time()
        report = (await check_async(settings)).report
        state.runs += 1
        if report.has_errors:
            state.outages += 1
            log.warning(
                "check %d: %d errors (registry outage?): %s",
                state.runs,
                report.count(Status.ERROR) + len(report.run_errors),
                "; ".join(report.run_errors) or "see the report",
            )
        built = build_metrics(report, repo=targets.repo, now=started, previous=previous)
        previous = Previous(previous_values(built))
        latest.current = built
        pulse_only = changes(report, state)
        if targets.pulse_url and pulse_only:
            send(
                report,
                TelemetryTargets(targets.repo, None, targets.pulse_url, targets.pulse_namespace),
                only=pulse_only,
                now=started,
            )
        if targets.pushgateway_url:
            send(report, TelemetryTargets(targets.repo, targets.pushgateway_url), now=started)
        if not report.has_errors:
            state.active = {i.schema for i in report.schemas if i.status is Status.DRIFT}
        log.info(
            "check %d: %d synced, %d drifted, %d errors",
            state.runs,
            report.count(Status.SYNCED),
            report.count(Status.DRIFT),
            report.count(Status.ERROR),
        )
        if max_runs is not None and state.runs >= max_runs:
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
    if metrics_port is not None:
        server.shutdown()
        server.server_close()
    return state


def run_watch(
    settings: Settings,
    targets: TelemetryTargets,
    *,
    interval: float,
    metrics_host: str,
    metrics_port: int | None,
) -> int:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )

    async def main() -> WatchState:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        return await watch(
            settings,
            targets,
            interval=interval,
            metrics_host=metrics_host,
            metrics_port=metrics_port,
            stop=stop,
        )

    state = asyncio.run(main())
    log.info("stopped after %s (%d with errors)", plural(state.runs, "check"), state.outages)
    return 0
