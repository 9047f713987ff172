"""The seed's library API (drift.SchemaSnapshot, drift.DriftReporter): its 19 behaviours."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import socket
import time
from collections.abc import Coroutine
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

import drift
from drift import DriftReporter, SchemaSnapshot

pytest_plugins = ("tests.telemetry_servers",)

NO_PULSE: dict[str, str] = {}  # an env without PULSE_ENABLED: Pulse off


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coroutine)


def snapshot(name: str = "telemetry.FeedbackEvent", sha: str = "a" * 64) -> SchemaSnapshot:
    return SchemaSnapshot(name=name, track="v1", sha256=sha, version="1.0.0")


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    value = registry.get_sample_value(name, labels)
    return value


def dead_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


def stream(url: str, key: str) -> list[dict[str, Any]]:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return [json.loads(fields[b"data"]) for _, fields in client.xrange(key)]
    finally:
        client.close()


# 1
def test_snapshot_creation() -> None:
    snap = SchemaSnapshot(name="x", track="v2", sha256="b" * 64, version="2.0", fetched_at=1.5)
    assert (snap.name, snap.track, snap.sha256, snap.version, snap.fetched_at) == (
        "x", "v2", "b" * 64, "2.0", 1.5,
    )  # fmt: skip
    assert SchemaSnapshot(name="x", track="v1", sha256="c").version is None


# 2
def test_init_defaults() -> None:
    reporter = DriftReporter(env=NO_PULSE)
    assert reporter.repo == "market-data-store"
    assert reporter.pulse_enabled is False
    assert reporter.pulse_namespace == "mdp"
    assert isinstance(reporter.registry, CollectorRegistry)


# 3
def test_init_custom() -> None:
    registry = CollectorRegistry()
    reporter = DriftReporter(
        repo="orders", registry=registry, pulse_url="redis://r:6379/1", pulse_namespace="ns"
    )
    assert (reporter.repo, reporter.registry, reporter.pulse_url, reporter.pulse_namespace) == (
        "orders", registry, "redis://r:6379/1", "ns",
    )  # fmt: skip


# 4
def test_init_from_the_seed_environment() -> None:
    env = {"PULSE_ENABLED": "true", "REDIS_URL": "redis://bus:6379/2", "MD_NAMESPACE": "prod"}
    reporter = DriftReporter(env=env)
    assert (reporter.pulse_url, reporter.pulse_namespace) == ("redis://bus:6379/2", "prod")


# 5
def test_hash_from_string() -> None:
    reporter = DriftReporter(env=NO_PULSE)
    assert reporter.compute_sha256('{"a": 1}') == hashlib.sha256(b'{"a": 1}').hexdigest()


# 6
def test_hash_from_dict() -> None:
    reporter = DriftReporter(env=NO_PULSE)
    expected = hashlib.sha256(json.dumps({"a": 1}, sort_keys=True).encode()).hexdigest()
    assert reporter.compute_sha256({"a": 1}) == expected


# 7
def test_hash_ignores_key_order() -> None:
    reporter = DriftReporter(env=NO_PULSE)
    assert reporter.compute_sha256({"b": 2, "a": 1}) == reporter.compute_sha256({"a": 1, "b": 2})


# 8
def test_no_drift() -> None:
    reporter = DriftReporter(env=NO_PULSE)
    assert run(reporter.detect_and_emit_drift(snapshot(sha="a" * 64), "a" * 64)) is False
    assert reporter.get_last_drift_time("v1/telemetry.FeedbackEvent") is None
    assert (
        sample(
            reporter.registry,
            "schema_drift_total",
            repo="market-data-store",
            track="v1",
            schema="telemetry.FeedbackEvent",
        )
        is None
    )


# 9
def test_drift_detected_and_counted() -> None:
    reporter = DriftReporter(env=NO_PULSE)
    assert run(reporter.detect_and_emit_drift(snapshot(), "b" * 64, "1.1.0")) is True
    assert run(reporter.detect_and_emit_drift(snapshot(), "b" * 64, "1.1.0")) is True
    labels = {"repo": "market-data-store", "track": "v1", "schema": "telemetry.FeedbackEvent"}
    assert sample(reporter.registry, "schema_drift_total", **labels) == 2
    assert b"schema_drift_total{" in generate_latest(reporter.registry)


# 10
def test_last_drift_time() -> None:
    reporter = DriftReporter(env=NO_PULSE)
    before = time.time()
    run(reporter.detect_and_emit_drift(snapshot(), "b" * 64))
    when = reporter.get_last_drift_time("v1/telemetry.FeedbackEvent")
    assert when is not None
    assert before <= when <= time.time()
    labels = {"repo": "market-data-store", "track": "v1", "schema": "telemetry.FeedbackEvent"}
    assert sample(reporter.registry, "schema_drift_last_detected_timestamp", **labels) == when
    assert reporter.get_last_drift_time("v1/other") is None


# 11
def test_no_event_when_pulse_is_disabled(redis_server: str) -> None:
    reporter = DriftReporter(env=NO_PULSE)
    run(reporter.detect_and_emit_drift(snapshot(), "b" * 64))
    assert stream(redis_server, "mdp:mdp.telemetry.schema_drift") == []


# 12
def test_event_structure(redis_server: str) -> None:
    reporter = DriftReporter(repo="market-data-store", pulse_url=redis_server, env=NO_PULSE)
    run(reporter.start())
    run(reporter.detect_and_emit_drift(snapshot(), "b" * 64, "1.1.0"))
    run(reporter.stop())
    [event] = stream(redis_server, "mdp:mdp.telemetry.schema_drift")
    assert event["key"] == "telemetry.FeedbackEvent"
    assert event["meta"]["schema_id"] == "telemetry.schema_drift"
    assert event["meta"]["track"] == "v1"
    payload = event["payload"]
    assert (payload["repo"], payload["schema"], payload["track"]) == (
        "market-data-store", "telemetry.FeedbackEvent", "v1",
    )  # fmt: skip
    assert (payload["local_sha256"], payload["registry_sha256"]) == ("a" * 64, "b" * 64)
    assert (payload["local_version"], payload["registry_version"]) == ("1.0.0", "1.1.0")
    assert (payload["schema_name"], payload["local_sha"], payload["registry_sha"]) == (
        "telemetry.FeedbackEvent", "a" * 64, "b" * 64,
    )  # fmt: skip
    assert payload["drift_type"] == "version_mismatch"


# 13
def test_fail_open_when_pulse_is_down(caplog: pytest.LogCaptureFixture) -> None:
    reporter = DriftReporter(pulse_url=dead_redis_url(), env=NO_PULSE)
    run(reporter.start())
    assert run(reporter.detect_and_emit_drift(snapshot(), "b" * 64)) is True
    run(reporter.stop())
    assert any("emitting the drift event failed" in r.getMessage() for r in caplog.records)


# 14
def test_start_and_stop_are_idempotent() -> None:
    reporter = DriftReporter(env=NO_PULSE)
    run(reporter.stop())  # stop before start
    run(reporter.start())
    run(reporter.start())
    assert reporter.started
    run(reporter.stop())
    run(reporter.stop())
    assert not reporter.started


# 15
def test_end_to_end(redis_server: str) -> None:
    registry = CollectorRegistry()
    reporter = DriftReporter(
        repo="svc", registry=registry, pulse_url=redis_server, pulse_namespace="e2e", env=NO_PULSE
    )

    async def scenario() -> list[bool]:
        await reporter.start()
        local = snapshot(sha=reporter.compute_sha256({"type": "object"}))
        same = await reporter.detect_and_emit_drift(
            local, reporter.compute_sha256({"type": "object"})
        )
        drifted = await reporter.detect_and_emit_drift(
            local, reporter.compute_sha256({"type": "array"})
        )
        await reporter.stop()
        return [same, drifted]

    assert run(scenario()) == [False, True]
    events = stream(redis_server, "e2e:e2e.telemetry.schema_drift")
    assert len(events) == 1
    assert (
        registry.get_sample_value(
            "schema_drift_total",
            {"repo": "svc", "track": "v1", "schema": "telemetry.FeedbackEvent"},
        )
        == 1
    )


# 16
def test_independent_schemas() -> None:
    reporter = DriftReporter(env=NO_PULSE)
    run(reporter.detect_and_emit_drift(snapshot("a.A"), "b" * 64))
    assert reporter.get_last_drift_time("v1/a.A") is not None
    assert reporter.get_last_drift_time("v1/b.B") is None
    run(reporter.detect_and_emit_drift(snapshot("b.B"), "c" * 64))
    labels = {"repo": "market-data-store", "track": "v1"}
    assert sample(reporter.registry, "schema_drift_total", schema="a.A", **labels) == 1
    assert sample(reporter.registry, "schema_drift_total", schema="b.B", **labels) == 1


# 17
def test_reporters_do_not_share_global_metrics() -> None:
    first, second = DriftReporter(env=NO_PULSE), DriftReporter(env=NO_PULSE)
    run(first.detect_and_emit_drift(snapshot(), "b" * 64))
    labels = {"repo": "market-data-store", "track": "v1", "schema": "telemetry.FeedbackEvent"}
    assert sample(first.registry, "schema_drift_total", **labels) == 1
    assert sample(second.registry, "schema_drift_total", **labels) is None


# 18
def test_importing_drift_does_not_import_prometheus_or_redis() -> None:
    import subprocess
    import sys

    code = "import sys, drift; print('prometheus_client' in sys.modules, 'redis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    assert drift.DriftReporter is DriftReporter


# 19
def test_missing_registry_version_is_fine(redis_server: str) -> None:
    reporter = DriftReporter(pulse_url=redis_server, env=NO_PULSE)
    assert run(reporter.detect_and_emit_drift(snapshot(), "b" * 64)) is True
    [event] = stream(redis_server, "mdp:mdp.telemetry.schema_drift")
    assert event["payload"]["registry_version"] is None
    assert event["payload"]["drift_type"] == "content_mismatch"


@dataclasses.dataclass(frozen=True)
class StorePulseConfig:
    """The shape of market-data-store 0.6.73's `market_data_store.pulse.config.PulseConfig`."""

    enabled: bool = True
    backend: str = "inmem"
    redis_url: str = "redis://localhost:6379/0"
    ns: str = "mdp"
    track: str = "v1"


class StorePublisher:
    """Stands in for the Store's FeedbackPublisherService: records that it was stopped."""

    def __init__(self) -> None:
        self.stopped = 0

    async def stop(self) -> None:
        self.stopped += 1


# 20: the Store's own call keeps working
def test_store_constructor_with_a_redis_pulse_config(redis_server: str) -> None:
    cfg = StorePulseConfig(backend="redis", redis_url=redis_server, ns="store")
    reporter = DriftReporter(pulse_config=cfg, publisher=None)
    assert (reporter.pulse_url, reporter.pulse_namespace) == (redis_server, "store")
    assert reporter.pulse_config is cfg
    assert reporter.publisher is None
    run(reporter.start())
    assert run(reporter.detect_and_emit_drift(snapshot(), "b" * 64, "1.1.0")) is True
    run(reporter.stop())
    [event] = stream(redis_server, "store:store.telemetry.schema_drift")
    assert event["payload"]["registry_sha256"] == "b" * 64


@pytest.mark.parametrize(
    "cfg",
    [StorePulseConfig(backend="inmem"), StorePulseConfig(enabled=False, backend="redis")],
    ids=["inmem-backend", "disabled"],
)
def test_store_constructor_without_redis(redis_server: str, cfg: StorePulseConfig) -> None:
    cfg = dataclasses.replace(cfg, redis_url=redis_server)
    reporter = DriftReporter(cfg, None)  # positional, as the seed's signature allows
    assert reporter.pulse_enabled is False
    assert run(reporter.detect_and_emit_drift(snapshot(), "b" * 64)) is True
    assert stream(redis_server, "mdp:mdp.telemetry.schema_drift") == []


def test_store_constructor_keeps_and_stops_the_callers_publisher() -> None:
    publisher = StorePublisher()
    reporter = DriftReporter(pulse_config=StorePulseConfig(), publisher=publisher)
    run(reporter.start())
    run(reporter.stop())
    run(reporter.stop())  # idempotent: the publisher is stopped once
    assert (reporter.publisher, publisher.stopped) == (publisher, 1)


def test_explicit_keywords_win_over_the_pulse_config() -> None:
    cfg = StorePulseConfig(backend="redis", redis_url="redis://cfg:6379/0", ns="cfg")
    reporter = DriftReporter(cfg, pulse_url="redis://kw:6379/0", pulse_namespace="kw")
    assert (reporter.pulse_url, reporter.pulse_namespace) == ("redis://kw:6379/0", "kw")
