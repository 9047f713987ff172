"""`schema-drift watch`: the check every --interval seconds, as a long-running service.

/metrics serves the same metrics the Pushgateway gets, from a registry of our own;
Pulse hears only changes (a new drift, a resolution); a registry outage is
counted and reported, never fatal; SIGTERM and SIGINT end it cleanly.

With --subscribe (drift/subscribe.py) it also follows the registry's publish and
deprecate events and re-checks the one schema each names, within a second; the
full check stays, as the safety net, and keeps running while Pulse is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drift.engine import check_async
from drift.errors import SettingsError
from drift.failure import cannot_listen
from drift.reaction import LocalView
from drift.report import DriftReport, SchemaResult, Status
from drift.settings import Settings
from drift.telemetry import TelemetryTargets, send
from drift.text import listing, plural

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from drift.lifecycle import SchemaDeprecated
    from drift.livemetrics import DriftGauges
    from drift.subscribe import SubscribeOptions, Subscriber

log = logging.getLogger("schema-drift.watch")


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


def _start_subscriber(
    settings: Settings,
    targets: TelemetryTargets,
    options: SubscribeOptions,
    served: CollectorRegistry,
    gauges: DriftGauges,
    state: WatchState,
) -> Subscriber:
    from drift.livemetrics import EventMetrics  # noqa: PLC0415
    from drift.reaction import Verdicts  # noqa: PLC0415
    from drift.registry import open_registry  # noqa: PLC0415
    from drift.subscribe import Effects, Subscriber  # noqa: PLC0415

    def rechecked(item: SchemaResult) -> None:
        gauges.after_event(
            item, track=settings.track, registry_url=settings.public_registry_url, now=time.time()
        )
        if item.status is Status.DRIFT:
            state.active.add(item.schema)
        else:
            state.active.discard(item.schema)
        log.info("event: %s is %s", item.schema, item.status.value)

    def deprecated(schema: str, event: SchemaDeprecated) -> None:
        gauges.deprecate(settings.track, schema)
        replacement = f", superseded by {event.superseded_by}" if event.superseded_by else ""
        reason = f": {event.deprecation_reason}" if event.deprecation_reason else ""
        log.info("event: %s deprecated in %s%s%s", schema, event.core_version, replacement, reason)

    assert targets.pulse_url is not None  # the CLI requires it with --subscribe
    return Subscriber(
        url=targets.pulse_url,
        namespace=targets.pulse_namespace,
        repo=targets.repo,
        options=options,
        registry=open_registry(settings),
        registry_url=settings.public_registry_url,
        verdicts=Verdicts(settings.mode, settings.policy, settings.config),
        metrics=EventMetrics(served),
        effects=Effects(rechecked, deprecated),
        concurrency=settings.concurrency,
    )


async def _emit(
    report: DriftReport,
    targets: TelemetryTargets,
    subscriber: Subscriber | None,
    only: set[str],
    now: float,
) -> None:
    """Pulse hears the check's changes; through the subscriber, once per consumer group."""
    if subscriber is None:
        pulse = TelemetryTargets(targets.repo, None, targets.pulse_url, targets.pulse_namespace)
        send(report, pulse, only=only, now=now)
        return
    problem = await subscriber.emit_changes(report, only, now=now)
    if problem:
        log.warning("telemetry (pulse) failed, the watch goes on: %s", problem)


async def watch(
    settings: Settings,
    targets: TelemetryTargets,
    *,
    interval: float,
    metrics_host: str,
    metrics_port: int | None,
    stop: asyncio.Event | None = None,
    max_runs: int | None = None,
    subscribe: SubscribeOptions | None = None,
) -> WatchState:
    from prometheus_client import CollectorRegistry, start_http_server  # noqa: PLC0415

    from drift.livemetrics import DriftGauges  # noqa: PLC0415

    stop = stop or asyncio.Event()
    gauges = DriftGauges(targets.repo)
    served = CollectorRegistry(auto_describe=False)
    served.register(gauges)
    state = WatchState()
    subscriber, following = None, None
    if subscribe is not None:
        subscriber = _start_subscriber(settings, targets, subscribe, served, gauges, state)
        following = asyncio.ensure_future(subscriber.run())
        log.info(
            "following %s and %s as %s in group %s",
            subscribe.published_stream,
            subscribe.deprecated_stream,
            subscribe.consumer,
            subscribe.group,
        )
    if metrics_port is not None:
        try:
            server, _thread = start_http_server(metrics_port, addr=metrics_host, registry=served)
        except OSError as exc:  # a port in use is the user's to fix, not a crash
            flags = ("--metrics-port", "--metrics-host")
            raise SettingsError(cannot_listen(*flags, metrics_host, metrics_port, exc)) from None
        log.info("metrics on http://%s:%s/metrics", metrics_host, server.server_port)
    try:
        while not stop.is_set():
            await _check(settings, targets, state, gauges, subscriber)
            if max_runs is not None and state.runs >= max_runs:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
    finally:
        if following is not None and subscriber is not None:
            following.cancel()
            await asyncio.gather(following, return_exceptions=True)
            await subscriber.registry.aclose()
        if metrics_port is not None:
            server.shutdown()
            server.server_close()
    return state


async def _check(
    settings: Settings,
    targets: TelemetryTargets,
    state: WatchState,
    gauges: DriftGauges,
    subscriber: Subscriber | None,
) -> None:
    """One full check: the metrics, Pulse's changes, the Pushgateway, the events' view."""
    started = time.time()
    result = await check_async(settings)
    report = result.report
    state.runs += 1
    if report.has_errors:
        state.outages += 1
        log.warning(
            "check %d: %d errors (registry outage?): %s",
            state.runs,
            report.count(Status.ERROR) + len(report.run_errors),
            "; ".join(report.run_errors) or "see the report",
        )
    # A schema an event re-checked while this check ran keeps what the event found:
    # the check's answer for it is older.
    newer, deprecated = set(), set()
    if subscriber is not None:
        newer = subscriber.rechecked_since(started)
        deprecated = subscriber.deprecated_since(started)
    gauges.after_check(report, started, keep=newer, keep_deprecated=newer | deprecated)
    pulse_only = changes(report, state) - newer
    if targets.pulse_url and pulse_only:
        await _emit(report, targets, subscriber, pulse_only, started)
    if targets.pushgateway_url:
        send(report, TelemetryTargets(targets.repo, targets.pushgateway_url), now=started)
    if not report.has_errors:
        drifting = {i.schema for i in report.schemas if i.status is Status.DRIFT}
        state.active = (drifting - newer) | (state.active & newer)
    if subscriber is not None:
        subscriber.update_view(
            LocalView.build(settings.track, result.local.snapshots, report.schemas)
        )
    log.info("check %d: %s", state.runs, check_line(report))


def check_line(report: DriftReport) -> str:
    """`2 synced, 1 drifted, 1 missing_in_registry, 0 errors; deprecated: md.Old (use md.New)`."""
    counts = [
        f"{report.count(Status.SYNCED)} synced",
        f"{report.count(Status.DRIFT)} drifted",
        f"{report.count(Status.MISSING_IN_REGISTRY)} missing_in_registry",
        plural(report.count(Status.ERROR), "error"),
    ]
    old = [
        f"{i.schema} ({i.deprecation_note})" if i.deprecation_note else i.schema
        for i in report.schemas
        if i.deprecated
    ]
    return ", ".join(counts) + (f"; deprecated: {listing(old)}" if old else "")


def run_watch(
    settings: Settings,
    targets: TelemetryTargets,
    *,
    interval: float,
    metrics_host: str,
    metrics_port: int | None,
    subscribe: SubscribeOptions | None = None,
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
            subscribe=subscribe,
        )

    state = asyncio.run(main())
    log.info("stopped after %s (%d with errors)", plural(state.runs, "check"), state.outages)
    return 0
