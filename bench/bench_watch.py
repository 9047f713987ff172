"""Benchmark `schema-drift watch --subscribe`: publish → drift event latency, and idle CPU.

    python bench/bench_watch.py [--events 200] [--latency-ms 20] [--spacing-ms 20]
                                [--idle-seconds 10] [--redis-server /usr/bin/redis-server]

A real redis-server on a free loopback port, the registry served by RegistryHTTPServer
with injected latency, and the watcher as users run it (`python -m drift watch
--subscribe`, a subprocess). Each event is a publish of a schema the registry has just
changed, so each one costs a fetch and a diff and ends in one drift event on Pulse.

  paced  one publish every --spacing-ms (the registry's normal rhythm)
  burst  all --events published at once (a core release that touches many schemas)

Latency is measured from just before the XADD of the publish event to the moment the
drift event is in its stream (the Redis entry id's millisecond clock; one host, one
clock). The idle watcher's CPU is its utime+stime (/proc) over --idle-seconds with no
events. A benchmark, not a gate: it always exits 0 and marks a missed target with MISS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import redis
from bench_check import TRACK, drifted, make_schema, serving, write_fixture

from drift.hashing import compute_sha256
from drift.registry.build import Published, write_registry_dir

P99_TARGET_SECONDS = 1.0
NS = "mdp"
PUBLISHED_KEY = f"{NS}:{NS}.schema.published"
DRIFT_KEY = f"{NS}:{NS}.telemetry.schema_drift"
GROUP = "schema-drift.bench"
DEADLINE = 120.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench_watch: timed out waiting for {what}")
        time.sleep(0.01)


@contextmanager
def redis_server(binary: str, workdir: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait(up, "redis-server")
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def envelope(name: str, sha256: str, version: str) -> bytes:
    """What market-data-core's JsonCodec.encode writes for a SchemaPublishedEvent."""
    payload = {"name": name, "track": TRACK, "core_version": version, "sha256": sha256,
               "deprecated": False, "supersedes": None}  # fmt: skip
    meta = {"schema_id": "registry.SchemaPublishedEvent", "track": TRACK, "headers": {},
            "hash": compute_sha256(payload)}  # fmt: skip
    return json.dumps({"ts": time.time(), "key": name, "meta": meta, "payload": payload}).encode()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drift_times(client: redis.Redis) -> dict[str, float]:
    """Schema → when its drift event entered the stream (the entry id's milliseconds)."""
    times = {}
    for entry_id, fields in client.xrange(DRIFT_KEY):
        event = json.loads(fields[b"data"])
        if event["payload"]["status"] == "drift":
            times[event["key"]] = int(entry_id.split(b"-")[0]) / 1000
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def metric(port: int, name: str, labels: str = "") -> float:
    """The sum of the samples of `name` whose label text contains `labels`."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    total = 0.0
    for line in text.splitlines():
        series, _, value = line.rpartition(" ")
        if series == name or (series.startswith(name + "{") and labels in series):
            total += float(value)
    return total


def run_phase(
    name: str,
    client: redis.Redis,
    schemas: list[dict[str, Any]],
    spacing: float,
    registry_dir: Path,
    everything: list[dict[str, Any]],
    changed: set[str],
) -> list[float]:
    """Change these schemas in the registry, publish one event each, time the drift events."""
    for schema in schemas:
        changed.add(schema["$schema_id"])
    remote = [drifted(s) if s["$schema_id"] in changed else s for s in everything]
    write_registry_dir(
        registry_dir,
        {TRACK: [Published(f"{s['$schema_id']}.schema", s, s["$core_version"]) for s in remote]},
    )
    published: dict[str, float] = {}
    for schema in schemas:
        new = drifted(schema)
        name_ = schema["$schema_id"]
        data = envelope(f"{name_}.schema", compute_sha256(new), new["$core_version"])
        published[name_] = time.time()
        client.xadd(PUBLISHED_KEY, {"data": data})
        if spacing:
            time.sleep(spacing)  # the publisher's pace, not a synchronisation
    # XLEN is cheap: reading and parsing the stream every poll would take the CPU (and
    # the GIL of this process, which serves the registry) from what is being measured.
    seen: dict[str, float] = {}

    def all_in() -> bool:
        nonlocal seen
        if client.xlen(DRIFT_KEY) < len(changed):
            return False
        seen = drift_times(client)
        return set(published) <= set(seen)

    wait(all_in, f"{name}: every drift event")
    return [seen[schema] - at for schema, at in published.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--spacing-ms", type=float, default=20.0)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--redis-server", default="/usr/bin/redis-server")
    args = parser.parse_args()
    if not os.access(args.redis_server, os.X_OK):
        raise SystemExit(
            f"bench_watch: {args.redis_server} is not installed (apt-get install redis-server)"
        )

    rng = random.Random(13)
    local = [make_schema(rng, i) for i in range(2 * args.events)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fixture = write_fixture(root, "all-synced", local)
        (root / "redis").mkdir()
        with (
            redis_server(args.redis_server, root / "redis") as url,
            serving(fixture.registry_dir, args.latency_ms) as registry,
        ):
            port = free_port()
            watcher = subprocess.Popen(
                [sys.executable, "-m", "drift", "watch", "--subscribe",
                 "--registry-url", registry.url, "--schema-dir", str(fixture.schema_dir),
                 "--pulse-url", url, "--group", GROUP, "--consumer", "bench",
                 "--interval", "3600", "--metrics-port", str(port), "--repo", "bench"],
                stderr=subprocess.DEVNULL, cwd=root,
            )  # fmt: skip
            client = redis.Redis.from_url(url)
            try:

                def ready() -> bool:
                    try:
                        consumers = client.xinfo_consumers(PUBLISHED_KEY, GROUP)
                        return any(c["name"] == b"bench" for c in consumers)
                    except redis.ResponseError:
                        return False

                wait(ready, "the watcher")
                changed: set[str] = set()
                print(
                    f"watch --subscribe: {args.events} events per phase, registry latency "
                    f"{args.latency_ms:g} ms, {os.cpu_count()} CPUs"
                )
                phases = (
                    ("paced", local[: args.events], args.spacing_ms / 1000),
                    ("burst", local[args.events :], 0.0),
                )
                for name, schemas, spacing in phases:
                    latencies = run_phase(
                        name, client, schemas, spacing, fixture.registry_dir, local, changed
                    )
                    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
                    verdict = "ok" if p99 <= P99_TARGET_SECONDS else "MISS"
                    print(
                        f"{name} n={len(latencies)} p50={p50 * 1000:.0f} ms "
                        f"p99={p99 * 1000:.0f} ms max={max(latencies) * 1000:.0f} ms "
                        f"(target p99 <= {P99_TARGET_SECONDS:g} s: {verdict})"
                    )
                handled = metric(port, "schema_drift_events_handled_total", 'outcome="drift"')
                count = metric(port, "schema_drift_event_latency_seconds_count")
                total = metric(port, "schema_drift_event_latency_seconds_sum")
                print(
                    f"watcher handled={handled:.0f} drifts, its own histogram: mean "
                    f"{total / max(count, 1) * 1000:.0f} ms from the envelope's ts"
                )
                before, started = cpu_seconds(watcher.pid), time.monotonic()
                time.sleep(args.idle_seconds)  # the measurement window itself
                used, elapsed = cpu_seconds(watcher.pid) - before, time.monotonic() - started
                tick = 1000 / os.sysconf("SC_CLK_TCK")
                print(
                    f"idle cpu={used / elapsed * 100:.2f}% of one core "
                    f"({used * 1000:.0f} ms over {elapsed:.1f} s; the kernel counts in "
                    f"{tick:.0f} ms ticks)"
                )
            finally:
                client.close()
                watcher.terminate()
                watcher.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
