"""Telemetry wired into `check` and `watch`, against a real Pushgateway and a real Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from drift.cli import main
from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from tests.helpers import evolve, make_local, make_registry, model

if TYPE_CHECKING:
    from tests.telemetry_servers import Server

pytest_plugins = ("tests.telemetry_servers",)
Serve = Callable[..., RegistryHTTPServer]
KEY = "mdp:mdp.telemetry.schema_drift"


def dead_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def events(url: str, key: str = KEY) -> list[dict[str, Any]]:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return [json.loads(f[b"data"]) for _, f in client.xrange(key)]
    finally:
        client.close()


@pytest.fixture
def drifting(tmp_path: Path, serve_registry: Serve, monkeypatch: pytest.MonkeyPatch) -> str:
    """md.Bar synced, md.Quote drifted; cwd = tmp_path with local/ snapshots."""
    bar, quote = model("md.Bar"), model("md.Quote")
    make_local(tmp_path / "local", {"md.Bar": bar, "md.Quote": quote})
    registry = make_registry(
        tmp_path / "registry", [Published("md.Bar", bar), Published("md.Quote", evolve(quote))]
    )
    monkeypatch.chdir(tmp_path)
    return serve_registry(registry).url


def test_check_pushes_metrics_and_emits_events(
    drifting: str, pushgateway: Server, redis_server: str
) -> None:
    args = ["check", "--registry-url", drifting, "--schema-dir", "local", "--quiet",
            "--pushgateway", pushgateway.url, "--pulse-url", redis_server,
            "--repo", "acme"]  # fmt: skip
    assert main(args) == 1
    report = json.loads(Path("drift_report.json").read_text())
    assert report["telemetry"] == {
        "pushgateway": {"ok": True, "error": None},
        "pulse": {"ok": True, "error": None},
    }
    exposed = httpx.get(f"{pushgateway.url}/metrics").text
    series = 'schema_drift_total{instance="",job="schema-drift",repo="acme",schema="md.Quote"'
    assert f'{series},track="v1"}} 1' in exposed
    stored = events(redis_server)
    by_schema = {e["payload"]["schema"]: e["payload"] for e in stored}
    assert by_schema["md.Quote"]["drift_type"] == "version_mismatch"
    assert by_schema["md.Bar"]["local_sha"] == by_schema["md.Bar"]["registry_sha"]  # resolution


def test_telemetry_down_warns_and_keeps_the_verdict(drifting: str) -> None:
    args = ["check", "--registry-url", drifting, "--schema-dir", "local", "--quiet",
            "--fail-on", "never", "--pushgateway", f"http://127.0.0.1:{dead_port()}",
            "--pulse-url", f"redis://:s3cret@127.0.0.1:{dead_port()}/0"]  # fmt: skip
    assert main(args) == 0
    report = json.loads(Path("drift_report.json").read_text())
    assert report["telemetry"]["pushgateway"]["ok"] is False
    assert report["telemetry"]["pulse"]["ok"] is False
    assert sum("telemetry (" in w for w in report["warnings"]) == 2
    assert "s3cret" not in Path("drift_report.json").read_text()
    assert main([*args, "--strict-telemetry"]) == 2


def test_emit_telemetry_uses_the_seed_environment(
    drifting: str, redis_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_ENABLED", "true")
    monkeypatch.setenv("REDIS_URL", redis_server)
    monkeypatch.setenv("MD_NAMESPACE", "store")
    args = [
        "check",
        "--registry-url",
        drifting,
        "--schema-dir",
        "local",
        "--quiet",
        "--emit-telemetry",
    ]
    main(args)
    assert len(events(redis_server, "store:store.telemetry.schema_drift")) == 2
    monkeypatch.setenv("PULSE_ENABLED", "false")
    main(args)
    assert len(events(redis_server, "store:store.telemetry.schema_drift")) == 2  # off: nothing more


def wait_for(predicate: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)  # polling a condition, bounded by the deadline
    raise AssertionError(f"timed out waiting for {what}")


def metrics_text(port: int) -> str:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except httpx.HTTPError:
        return ""


def start_watch(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "drift", "watch", *args],
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_watch_serves_metrics_emits_only_changes_and_stops_on_sigterm(
    drifting: str, redis_server: str, tmp_path: Path
) -> None:
    port = dead_port()
    process = start_watch("--registry-url", drifting, "--schema-dir", "local",
                          "--interval", "0.2", "--metrics-port", str(port),
                          "--pulse-url", redis_server, "--repo", "acme", cwd=tmp_path)  # fmt: skip
    try:
        wait_for(lambda: "schema_drift_check_last_run_timestamp" in metrics_text(port), "/metrics")
        text = metrics_text(port)
        assert 'schema_drift_active{repo="acme",schema="md.Quote",track="v1"} 1.0' in text
        wait_for(
            lambda: (
                float(
                    next(
                        line.split()[-1]
                        for line in metrics_text(port).splitlines()
                        if line.startswith('schema_drift_total{repo="acme",schema="md.Quote"')
                    )
                )
                >= 3
            ),
            "three checks",
        )
        # three checks, one drift that never changed: Pulse heard it once
        assert [e["payload"]["schema"] for e in events(redis_server)] == ["md.Quote"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.stderr is not None
    assert "stopped after" in process.stderr.read()


def test_watch_survives_a_registry_outage(tmp_path: Path) -> None:
    make_local(tmp_path / "local", {"md.Bar": model("md.Bar")})
    port = dead_port()
    process = start_watch("--registry-url", f"http://127.0.0.1:{dead_port()}",
                          "--schema-dir", "local", "--retries", "0", "--interval", "0.1",
                          "--metrics-port", str(port), cwd=tmp_path)  # fmt: skip

    def errors() -> float:
        for line in metrics_text(port).splitlines():
            if line.startswith("schema_registry_errors_total{"):
                return float(line.split()[-1])
        return 0.0

    try:
        wait_for(lambda: errors() >= 4, "outages counted across checks")
        assert process.poll() is None  # never fatal
        assert "schema_drift_check_success" in metrics_text(port)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
