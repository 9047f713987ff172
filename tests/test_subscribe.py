"""`watch --subscribe` against a real redis-server, with events from market-data-core's own bus.

The registry's events are published by core's `RedisStreamsBus` (its `JsonCodec`, its
`SchemaPublishedEvent` / `SchemaDeprecatedEvent`); the watchers are real `python -m
drift watch --subscribe` processes against a loopback registry; the drift events they
emit are decoded by core's codec. Every wait polls a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import redis
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from drift.cli import main
from drift.config import DriftConfig
from drift.errors import RegistryError
from drift.hashing import compute_sha256
from drift.lifecycle import MAX_EVENT_BYTES, Kind, MalformedEvent, parse_entry
from drift.livemetrics import EventMetrics
from drift.reaction import LocalView, Verdicts
from drift.registry.base import RegistrySchema, TrackIndex
from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from drift.report import SchemaResult
from drift.snapshots import load_snapshots
from drift.subscribe import MAX_DELIVERIES, Effects, SubscribeOptions, Subscriber
from drift.vocabulary import Mode, Policy
from tests.helpers import evolve, make_local, make_registry, model
from tests.test_telemetry import dead_port

if TYPE_CHECKING:
    from tests.telemetry_servers import RestartableRedis

with warnings.catch_warnings():  # core's pydantic models use the deprecated class-based Config
    warnings.simplefilter("ignore")
    from market_data_core import SchemaDriftEvent
    from market_data_core.events import JsonCodec, RedisStreamsBus
    from market_data_core.models.registry import SchemaDeprecatedEvent, SchemaPublishedEvent

pytest_plugins = ("tests.telemetry_servers",)
Serve = Callable[..., RegistryHTTPServer]
NS = "mdp"
PUBLISHED, DEPRECATED = "mdp.schema.published", "mdp.schema.deprecated"  # core's stream names
PUBLISHED_KEY, DEPRECATED_KEY = f"{NS}:{PUBLISHED}", f"{NS}:{DEPRECATED}"
DRIFT_KEY = "mdp:mdp.telemetry.schema_drift"
GROUP = "schema-drift.acme"
WAIT_SECONDS = 60.0


# --- the registry's side: core's bus -------------------------------------------------------


def publish(url: str, *events: SchemaPublishedEvent | SchemaDeprecatedEvent) -> None:
    """XADD each event as the registry would: core's RedisStreamsBus.publish."""

    async def run() -> None:
        bus = RedisStreamsBus(redis_url=url, namespace=NS)
        try:
            for event in events:
                stream = DEPRECATED if isinstance(event, SchemaDeprecatedEvent) else PUBLISHED
                await bus.publish(stream, event, key=event.name)
        finally:
            await bus.close()

    asyncio.run(run())


def published(name: str, content: dict[str, Any], version: str = "1.1.0") -> SchemaPublishedEvent:
    return SchemaPublishedEvent(
        name=name, track="v1", core_version=version, sha256=compute_sha256(content)
    )


def drift_events(url: str) -> list[tuple[dict[str, Any], Any]]:
    """(raw envelope, core's decoded SchemaDriftEvent or None) per event on the drift stream."""
    client = redis.Redis.from_url(url)
    try:
        entries = client.xrange(DRIFT_KEY)
    finally:
        client.close()
    codec = JsonCodec(track="v1")
    decoded = []
    for _, fields in entries:
        raw = json.loads(fields[b"data"])
        core = None
        if raw["payload"]["drift_type"] is not None:  # a resolution has none in core's model
            core = codec.decode(fields[b"data"], SchemaDriftEvent).payload
        decoded.append((raw, core))
    return decoded


def group_pending(url: str, key: str = PUBLISHED_KEY) -> dict[str, int]:
    client = redis.Redis.from_url(url)
    try:
        summary = client.xpending(key, GROUP)
    except redis.ResponseError:
        return {}
    finally:
        client.close()
    return {c["name"].decode(): int(c["pending"]) for c in summary["consumers"]}


def consumers(url: str) -> set[str]:
    client = redis.Redis.from_url(url)
    try:
        return {c["name"].decode() for c in client.xinfo_consumers(PUBLISHED_KEY, GROUP)}
    except redis.ResponseError:
        return set()
    finally:
        client.close()


def xadd_raw(url: str, key: str, fields: dict[str, bytes], entry_id: str = "*") -> None:
    client = redis.Redis.from_url(url)
    try:
        client.xadd(key, fields, id=entry_id)  # type: ignore[arg-type]
    finally:
        client.close()


def wait_for(predicate: Callable[[], bool], what: str, *watchers: Watcher) -> None:
    """Poll `predicate` until it holds; past the deadline, fail with the watchers' logs."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)  # polling a condition, bounded by the deadline
    logs = "".join(
        f"\n--- {w.name}:\n{w.stderr()[-4000:]}\n{w.value_lines('events')}" for w in watchers
    )
    raise AssertionError(f"timed out waiting for {what}{logs}")


# --- the watchers -----------------------------------------------------------------------------


@dataclass
class Watcher:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def metrics(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        try:
            text = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=2).text
        except httpx.HTTPError:
            return {}
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def value(self, name: str, **labels: str) -> float:
        """The sum over the series of `name` whose labels include `labels` (0 when none)."""
        wanted = set(labels.items())
        return sum(v for (n, ls), v in self.metrics().items() if n == name and wanted <= ls)

    def value_lines(self, part: str) -> str:
        return "\n".join(
            f"{name}{dict(labels)} {value}"
            for (name, labels), value in self.metrics().items()
            if part in name and not name.endswith("_created")
        )

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


@pytest.fixture
def watchers(tmp_path: Path) -> Iterator[Callable[..., Watcher]]:
    running: list[Watcher] = []

    def start(name: str, registry: str, pulse: str, *extra: str) -> Watcher:
        port = dead_port()
        log = tmp_path / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "drift", "watch", "--subscribe",
                 "--registry-url", registry, "--schema-dir", "local", "--pulse-url", pulse,
                 "--repo", "acme", "--consumer", name, "--metrics-port", str(port),
                 "--retries", "0", *extra],
                cwd=tmp_path, stderr=out, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )  # fmt: skip
        watcher = Watcher(name, process, port, log)
        running.append(watcher)
        return watcher

    yield start
    for watcher in running:
        if watcher.process.poll() is None:
            watcher.process.kill()
            watcher.process.wait()


def ready(watcher: Watcher, url: str) -> None:
    """The first full check is done and the watcher reads the group."""
    wait_for(
        lambda: (
            watcher.value("schema_drift_check_last_run_timestamp") > 0
            and watcher.name in consumers(url)
        ),
        f"{watcher.name} ready",
        watcher,
    )


def schemas(n: int) -> dict[str, dict[str, Any]]:
    return {f"md.S{i:02d}": model(f"md.S{i:02d}") for i in range(n)}


def registry_of(root: Path, contents: dict[str, dict[str, Any]]) -> Path:
    """The registry names schemas with core's `.schema` suffix (CONTRACTS §1)."""
    return make_registry(root, [Published(f"{n}.schema", c) for n, c in contents.items()])


# --- the proof ------------------------------------------------------------------------------


def test_two_watchers_share_the_work_and_a_killed_one_loses_and_doubles_nothing(
    tmp_path: Path, serve_registry: Serve, redis_server: str, watchers: Callable[..., Watcher]
) -> None:
    local = schemas(12)
    make_local(tmp_path / "local", local)
    root = registry_of(tmp_path / "registry", local)
    # A slow registry: each event's fetch takes a second, so a watcher killed right
    # after it took events still holds them, unacknowledged.
    registry = serve_registry(root, delay=1.0).url
    options = ("--group", GROUP, "--claim-after", "1", "--interval", "3600")
    first = watchers("w1", registry, redis_server, *options)
    second = watchers("w2", registry, redis_server, *options)
    ready(first, redis_server)
    ready(second, redis_server)

    changed = {name: evolve(content) for name, content in local.items()}
    registry_of(root, changed)
    publish(redis_server, *(published(f"{n}.schema", c) for n, c in changed.items()))

    wait_for(lambda: any(group_pending(redis_server).values()), "events taken")
    holding = group_pending(redis_server)
    victim, survivor = (first, second) if holding.get("w1") else (second, first)
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait(timeout=10)
    held = group_pending(redis_server).get(victim.name, 0)
    assert held > 0  # killed mid-stream: it took events and never acknowledged them

    wait_for(
        lambda: (
            not any(group_pending(redis_server).values())
            and len(drift_events(redis_server)) >= len(changed)
        ),
        "every event handled",
        survivor,
    )
    events = drift_events(redis_server)
    # No drift lost, none doubled: exactly one drift event per published change ...
    assert Counter(raw["key"] for raw, _ in events) == Counter(list(changed))
    for raw, core in events:
        assert core is not None  # ... each one a valid core SchemaDriftEvent
        assert (core.drift_type, core.registry_sha) == (
            "version_mismatch",
            compute_sha256(changed[raw["key"]]),
        )
        assert core.local_sha == compute_sha256(local[raw["key"]])
    by_survivor = {
        raw["key"] for raw, _ in events if raw["meta"]["headers"]["consumer"] == survivor.name
    }
    by_victim = {raw["key"] for raw, _ in events} - by_survivor
    assert len(by_survivor) >= held  # it claimed what the victim held
    assert survivor.value("schema_drift_events_claimed_total") >= held
    # ... and the survivor counted each drift it emitted once, and nothing else
    for name in changed:
        assert survivor.value("schema_drift_total", schema=name) == (name in by_survivor), name
        assert survivor.value("schema_drift_active", schema=name) == (name in by_survivor), name
    assert survivor.value("schema_drift_events_handled_total", outcome="drift") == len(by_survivor)
    assert survivor.value("schema_drift_event_latency_seconds_count") == len(by_survivor)
    assert by_victim | by_survivor == set(changed)

    # The same news again (the registry publishes twice): acknowledged, not counted.
    name = sorted(by_survivor)[0]
    publish(redis_server, published(f"{name}.schema", changed[name]))
    wait_for(
        lambda: survivor.value("schema_drift_events_skipped_total", reason="duplicate") >= 1,
        "the duplicate skipped",
    )
    # Malformed entries: not JSON, a missing field, a wrong type. Counted, acked, skipped.
    xadd_raw(redis_server, PUBLISHED_KEY, {"data": b"{not json"})
    bad = json.loads(JsonCodec().encode(
        "registry.SchemaPublishedEvent", published(f"{name}.schema", changed[name])
    ))  # fmt: skip
    del bad["payload"]["sha256"]
    xadd_raw(redis_server, PUBLISHED_KEY, {"data": json.dumps(bad).encode()})
    bad["payload"] |= {"sha256": compute_sha256(local[name]), "track": 1}
    xadd_raw(redis_server, PUBLISHED_KEY, {"data": json.dumps(bad).encode()})
    # ... and the watcher goes on: the registry back at the snapshot is a resolution.
    registry_of(root, local)
    publish(redis_server, published(f"{name}.schema", local[name], "1.0.0"))
    wait_for(
        lambda: survivor.value("schema_drift_events_handled_total", outcome="synced") == 1,
        "the resolution handled",
        survivor,
    )
    assert survivor.value("schema_drift_events_malformed_total") == 3
    resolution = drift_events(redis_server)[-1][0]["payload"]
    assert (resolution["schema"], resolution["status"]) == (name, "synced")
    assert resolution["local_sha"] == resolution["registry_sha"] == compute_sha256(local[name])
    assert survivor.value("schema_drift_resolved_total", schema=name) == 1
    assert survivor.value("schema_drift_active", schema=name) == 0
    assert len(drift_events(redis_server)) == len(changed) + 1  # the duplicate added nothing
    assert not any(group_pending(redis_server).values())
    # Every delivery ended one way: handled, skipped, malformed or failed (and retried).
    received = survivor.value("schema_drift_events_received_total")
    ends = sum(
        survivor.value(f"schema_drift_events_{what}_total")
        for what in ("handled", "skipped", "malformed", "failed")
    )
    assert received == ends
    assert survivor.stderr().count("skipped malformed event") == 3  # logged once each
    assert survivor.stop() == 0


def test_each_kind_of_event_and_what_it_does(
    tmp_path: Path, serve_registry: Serve, redis_server: str, watchers: Callable[..., Watcher]
) -> None:
    local = schemas(3)
    make_local(tmp_path / "local", local)
    root = registry_of(tmp_path / "registry", local)
    watcher = watchers("w", serve_registry(root).url, redis_server, "--interval", "3600")
    ready(watcher, redis_server)
    s0, s1, s2 = sorted(local)

    publish(
        redis_server,
        # the registry holds the snapshot's own content: synced, without a request
        published(f"{s0}.schema", local[s0], "1.0.0"),
        # another track, a schema nobody here has a snapshot of
        SchemaPublishedEvent(
            name=f"{s1}.schema", track="v2", core_version="2.0.0", sha256="c" * 64
        ),
        published("md.Unknown.schema", model("md.Unknown")),
        SchemaDeprecatedEvent(
            name=f"{s2}.schema",
            track="v1",
            core_version="1.2.0",
            superseded_by="md.S2V2.schema",
            deprecation_reason="use md.S2V2",
        ),
        # a stale event: it names a hash the registry no longer serves; the fetch decides
        published(f"{s1}.schema", evolve(local[s1])),
    )
    # Two streams can hold the same entry id: both entries are handled.
    same_id = "99999999999999-0"
    for key, event in (
        (PUBLISHED_KEY, published(f"{s1}.schema", {"another": "hash"})),
        (DEPRECATED_KEY, SchemaDeprecatedEvent(name=f"{s0}.schema", track="v1", core_version="1")),
    ):
        xadd_raw(redis_server, key, {"data": json.dumps(encoded(event)).encode()}, same_id)
    wait_for(
        lambda: (
            watcher.value("schema_drift_events_received_total") == 7
            and not any(group_pending(redis_server).values())
            and not any(group_pending(redis_server, DEPRECATED_KEY).values())
        ),
        "seven events",
        watcher,
    )

    outcomes = {}
    for (name, labels), value in watcher.metrics().items():
        if value and name in (
            "schema_drift_events_handled_total",
            "schema_drift_events_skipped_total",
        ):
            tags = dict(labels)
            outcomes[tags["kind"], tags.get("outcome") or tags["reason"]] = value
    assert outcomes == {
        ("published", "synced"): 3,  # s0, and s1 twice (stale hashes)
        ("deprecated", "deprecated"): 2,
        ("published", "other_track"): 1,
        ("published", "no_snapshot"): 1,
    }
    assert watcher.value("schema_drift_deprecated", schema=s2) == 1
    assert watcher.value("schema_drift_deprecated", schema=s0) == 1
    assert watcher.value("schema_drift_deprecated", schema=s1) == 0
    assert "deprecated in 1.2.0, superseded by md.S2V2.schema: use md.S2V2" in watcher.stderr()
    assert sorted(raw["key"] for raw, _ in drift_events(redis_server)) == [s0, s1, s1]
    assert all(raw["payload"]["status"] == "synced" for raw, _ in drift_events(redis_server))
    assert watcher.value("schema_drift_total") == 0
    assert watcher.stop() == 0


def test_redis_restarted_under_the_watcher(
    tmp_path: Path,
    serve_registry: Serve,
    watchers: Callable[..., Watcher],
    restartable_redis: RestartableRedis,
) -> None:
    local = schemas(2)
    make_local(tmp_path / "local", local)
    root = registry_of(tmp_path / "registry", local)
    url = restartable_redis.url
    watcher = watchers("w", serve_registry(root).url, url, "--interval", "0.3")
    ready(watcher, url)
    s0, s1 = sorted(local)
    changed = evolve(local[s0])
    registry_of(root, {s0: changed, s1: local[s1]})
    publish(url, published(f"{s0}.schema", changed))
    wait_for(lambda: watcher.value("schema_drift_active", schema=s0) == 1, "the drift")
    # The event and the full checks (every 0.3 s) both see this drift; Pulse hears it once.
    checks = watcher.value("schema_drift_check_last_run_timestamp")
    wait_for(
        lambda: watcher.value("schema_drift_check_last_run_timestamp") > checks + 0.6,
        "two more checks",
        watcher,
    )
    assert [raw["key"] for raw, _ in drift_events(url)] == [s0]

    restartable_redis.stop()
    wait_for(lambda: watcher.value("schema_drift_subscription_up") == 0, "the loss noticed")
    before = watcher.value("schema_drift_check_last_run_timestamp")
    # the full check goes on while Pulse is down (it warns, it does not stop)
    wait_for(
        lambda: (
            watcher.value("schema_drift_check_last_run_timestamp") > before
            and watcher.value("schema_drift_subscription_up") == 0
        ),
        "a full check without Redis",
    )
    assert watcher.process.poll() is None

    restartable_redis.start()  # same port, empty: the streams and the group are gone
    make_registry(
        root,
        [Published(f"{s0}.schema", changed), Published(f"{s1}.schema", local[s1], deprecated=True)],
    )
    wait_for(lambda: watcher.value("schema_drift_subscription_up") == 1, "reconnected")
    assert watcher.value("schema_drift_subscription_reconnects_total") >= 1
    publish(url, SchemaDeprecatedEvent(name=f"{s1}.schema", track="v1", core_version="1.3.0"))
    wait_for(
        lambda: watcher.value("schema_drift_deprecated", schema=s1) == 1,
        "an event after the restart",
        watcher,
    )
    assert watcher.value("schema_drift_events_handled_total", kind="deprecated") == 1
    assert watcher.stderr().count("reconnecting with backoff") == 1  # said once per outage
    assert watcher.stop() == 0


def test_subscribe_needs_pulse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_local(tmp_path / "local", schemas(1))
    registry = registry_of(tmp_path / "registry", schemas(1))
    args = ["watch", "--subscribe", "--registry-url", str(registry), "--schema-dir",
            str(tmp_path / "local")]  # fmt: skip
    assert main(args) == 2
    assert "--subscribe reads the registry's events from Pulse: give --pulse-url" in (
        capsys.readouterr().err
    )
    assert main([*args, "--pulse-url", "redis://127.0.0.1:1/0", "--claim-after", "soon"]) == 2
    assert "--claim-after: 'soon' is not seconds" in capsys.readouterr().err
    assert main([*args, "--pulse-url", "redis://127.0.0.1:1/0", "--group", "a b"]) == 2
    assert "--group: 'a b' must be 1 to 200 printable characters" in capsys.readouterr().err


# --- one entry, checked ------------------------------------------------------------------------


def encoded(event: SchemaPublishedEvent | SchemaDeprecatedEvent) -> dict[str, Any]:
    schema_id = type(event).__schema_id__
    data: dict[str, Any] = json.loads(JsonCodec().encode(schema_id, event, key=event.name))
    return data


GOOD = published("md.S00.schema", model("md.S00"))


def test_core_encoded_events_parse() -> None:
    entry = parse_entry(Kind.PUBLISHED, "1-0", {b"data": json.dumps(encoded(GOOD)).encode()})
    assert entry.event.name == "md.S00.schema"
    assert entry.event.sha256 == GOOD.sha256  # type: ignore[union-attr]
    assert entry.ts > 0
    gone = SchemaDeprecatedEvent(name="md.S00.schema", track="v2", core_version="2.0.0")
    entry = parse_entry(Kind.DEPRECATED, "2-0", {b"data": json.dumps(encoded(gone)).encode()})
    assert (entry.track, entry.event.superseded_by) == ("v2", None)  # type: ignore[union-attr]


def _mutate(path: str, value: Any) -> dict[bytes, bytes]:
    envelope = encoded(GOOD)
    *parents, last = path.split(".")
    node = envelope
    for part in parents:
        node = node[part]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return {b"data": json.dumps(envelope).encode()}


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({}, "no field 'data'"),
        ({b"data": b"{not json"}, "not JSON"),
        ({b"data": b"\xff\xfe"}, "data is not UTF-8"),
        ({b"data": b"[1, 2]"}, "the envelope is a list"),
        ({b"data": b"x" * (MAX_EVENT_BYTES + 1)}, "MAX_EVENT_BYTES"),
        ({b"data": b"[" * 300 + b"]" * 300}, "not JSON"),
        (_mutate("ts", "yesterday"), "ts is not a unix time"),
        (_mutate("payload", None), "payload is a null"),
        (_mutate("meta", KeyError), "meta is a null"),
        (_mutate("meta.schema_id", "registry.SchemaDeprecatedEvent"), "meta.schema_id"),
        (_mutate("payload.name", KeyError), "payload.name is missing"),
        (_mutate("payload.name", ""), "payload.name is empty"),
        (_mutate("payload.name", "a/../b"), "not a registry schema name"),
        (_mutate("payload.name", "n" * 513), "longer than 512"),
        (_mutate("payload.track", "v3"), "payload.track 'v3' is not one of v1, v2"),
        (_mutate("payload.track", 1), "payload.track is a int"),
        (_mutate("payload.sha256", "abc"), "payload.sha256 is not 64 hex digits"),
        (_mutate("payload.sha256", 12), "payload.sha256 is a int"),
        (_mutate("payload.deprecated", "yes"), "payload.deprecated is a str, not a boolean"),
        (_mutate("payload.core_version", KeyError), "payload.core_version is missing"),
        (_mutate("payload.supersedes", 3), "payload.supersedes is a int"),
    ],
)
def test_malformed_entries_say_what_is_wrong(fields: dict[bytes, bytes], problem: str) -> None:
    with pytest.raises(MalformedEvent) as caught:
        parse_entry(Kind.PUBLISHED, "1-0", fields)
    assert problem in str(caught.value)


# --- one consumer in-process: give up, and a stuck consumer's late commit --------------------


class FakeRegistry:
    """Fault injection: a registry that fails, or that holds a fetch until released."""

    def __init__(self, document: RegistrySchema | None = None, gate: bool = False) -> None:
        self.document, self.requests, self.description = document, 0, "fake"
        self.entered, self.release = asyncio.Event(), asyncio.Event()
        if not gate:
            self.release.set()

    async def get_index(self, track: str) -> TrackIndex:
        raise NotImplementedError

    async def get_schema(self, track: str, name: str) -> RegistrySchema:
        self.requests += 1
        self.entered.set()
        await self.release.wait()
        if self.document is None:
            raise RegistryError(f"GET /schemas/{track}/{name}: 503 (injected)")
        return self.document

    async def aclose(self) -> None:
        return None


@dataclass
class InProcess:
    subscriber: Subscriber
    metrics: CollectorRegistry
    rechecked: list[SchemaResult]

    def value(self, name: str, **labels: str) -> float:
        return self.metrics.get_sample_value(name, labels) or 0.0


def in_process(
    url: str, local: Path, registry: FakeRegistry, consumer: str, claim_after: float
) -> InProcess:
    metrics = CollectorRegistry()
    rechecked: list[SchemaResult] = []
    subscriber = Subscriber(
        url=url,
        namespace=NS,
        repo="acme",
        options=SubscribeOptions(GROUP, consumer, PUBLISHED_KEY, DEPRECATED_KEY, claim_after),
        registry=registry,
        registry_url="http://registry.invalid",
        verdicts=Verdicts(Mode.FULL, Policy.LENIENT, DriftConfig()),
        metrics=EventMetrics(metrics),
        effects=Effects(rechecked.append, lambda schema, event: None),
    )
    subscriber.update_view(LocalView.build("v1", load_snapshots(local, local).snapshots, []))
    return InProcess(subscriber, metrics, rechecked)


async def until(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)  # polling a condition, bounded by the deadline


async def bus_publish(url: str, event: SchemaPublishedEvent) -> None:
    bus = RedisStreamsBus(redis_url=url, namespace=NS)
    try:
        await bus.publish(PUBLISHED, event, key=event.name)
    finally:
        await bus.close()


def test_an_event_that_keeps_failing_is_retried_then_dropped(
    tmp_path: Path, redis_server: str
) -> None:
    make_local(tmp_path, {"md.S00": model("md.S00")})
    one = in_process(redis_server, tmp_path, FakeRegistry(), "c", claim_after=0.1)

    async def scenario() -> None:
        task = asyncio.ensure_future(one.subscriber.run())
        await until(lambda: one.value("schema_drift_subscription_up") == 1, "connected")
        await bus_publish(redis_server, published("md.S00.schema", evolve(model("md.S00"))))
        await until(
            lambda: (
                one.value("schema_drift_events_skipped_total", kind="published", reason="gave_up")
                == 1
            ),
            "given up",
        )
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())
    # delivered, then claimed again after --claim-after each time, until MAX_DELIVERIES
    assert one.value("schema_drift_events_failed_total", kind="published") == MAX_DELIVERIES
    assert one.value("schema_drift_events_claimed_total") == MAX_DELIVERIES
    assert one.value("schema_drift_events_received_total", kind="published") == MAX_DELIVERIES + 1
    assert not any(group_pending(redis_server).values())
    assert drift_events(redis_server) == []
    assert one.rechecked == []


def test_a_stuck_consumer_finishing_late_changes_nothing(tmp_path: Path, redis_server: str) -> None:
    local = model("md.S00")
    make_local(tmp_path, {"md.S00": local})
    changed = evolve(local)
    document = RegistrySchema(
        "md.S00.schema", "v1", "1.1.0", compute_sha256(changed), "md.S00", changed, False, None
    )
    stuck_registry = FakeRegistry(document, gate=True)
    stuck = in_process(redis_server, tmp_path, stuck_registry, "stuck", claim_after=60)
    rescuer = in_process(redis_server, tmp_path, FakeRegistry(document), "rescuer", 0.2)

    async def scenario() -> None:
        first = asyncio.ensure_future(stuck.subscriber.run())
        await until(lambda: stuck.value("schema_drift_subscription_up") == 1, "connected")
        await bus_publish(redis_server, published("md.S00.schema", changed))
        await stuck_registry.entered.wait()  # it took the event and hangs in the fetch
        second = asyncio.ensure_future(rescuer.subscriber.run())
        await until(lambda: len(rescuer.rechecked) == 1, "the rescuer claimed and handled it")
        stuck_registry.release.set()  # the stuck one finishes, late
        await until(
            lambda: (
                stuck.value(
                    "schema_drift_events_skipped_total", kind="published", reason="duplicate"
                )
                == 1
            ),
            "the late commit refused",
        )
        for task in (first, second):
            task.cancel()
        await asyncio.gather(first, second, return_exceptions=True)

    asyncio.run(scenario())
    assert [raw["key"] for raw, _ in drift_events(redis_server)] == ["md.S00"]  # once
    assert rescuer.value("schema_drift_events_claimed_total") == 1
    assert (
        rescuer.value("schema_drift_events_handled_total", kind="published", outcome="drift") == 1
    )
    assert stuck.value("schema_drift_events_handled_total", kind="published", outcome="drift") == 0
    assert stuck.rechecked == []  # its metrics never saw the drift
    assert not any(group_pending(redis_server).values())
