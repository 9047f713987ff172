"""The Pulse sink against a real redis-server, decoded by market-data-core's own JsonCodec."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, cast

import pydantic
import pytest
import redis

from drift.engine import check
from drift.hashing import compute_sha256
from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from drift.report import DriftReport, SchemaResult, Status
from drift.settings import load_settings
from drift.sinks.pulse import (
    build_events,
    emit_report,
    encode_event,
    pulse_settings_from_env,
    stream_key,
)
from tests.conftest import ROOT
from tests.helpers import evolve, make_local, make_registry, model

with warnings.catch_warnings():  # its pydantic models use the deprecated class-based Config
    warnings.simplefilter("ignore")
    from market_data_core import SchemaDriftEvent
    from market_data_core.events.codecs import JsonCodec

KEY = "mdp:mdp.telemetry.schema_drift"
NOW = 1_795_000_000.25
SHA_A, SHA_B = "a" * 64, "b" * 64

pytest_plugins = ("tests.telemetry_servers",)  # the `redis_server` fixture: a real redis-server


# --- a real redis-server on an ephemeral loopback port --------------------------------------


@pytest.fixture
def db(redis_server: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server)
    yield client
    client.close()


def _pong_or_noauth(port: int) -> bool:
    """Ready: a password-protected server answers PING with NOAUTH."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


@pytest.fixture
def redis_with_password(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(host:port/db, password) of a redis-server that requires the password."""
    # imported here, once pytest_plugins has loaded the module (with assertion rewriting)
    from tests.telemetry_servers import REDIS_SERVER, binary
    from tests.telemetry_servers import _start as start_server

    path = binary(REDIS_SERVER, "redis-server")
    password = "s3cr3t-pw"

    def argv(port: int) -> list[str]:
        return [path, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(tmp_path),
                "--requirepass", password]  # fmt: skip

    server = start_server(
        argv, lambda port: f"127.0.0.1:{port}/0", _pong_or_noauth, tmp_path / "redis.log"
    )
    yield server.url, password
    server.stop()


# --- reports ---------------------------------------------------------------------------------


def synthetic_report() -> DriftReport:
    """Every status, built by hand."""
    return DriftReport(
        track="v1",
        registry_url="http://registry.invalid",
        generated_at="2026-11-28T06:45:24Z",
        schemas=[
            SchemaResult("md.Bumped", Status.DRIFT, local_sha=SHA_A, local_version="1.0.0",
                         registry_sha=SHA_B, registry_version="1.1.0"),
            SchemaResult("md.Edited", Status.DRIFT, local_sha=SHA_A, local_version="1.0.0",
                         registry_sha=SHA_B, registry_version="1.0.0"),
            SchemaResult("md.Local", Status.MISSING_IN_REGISTRY, local_sha=SHA_A,
                         local_version="0.3.0"),
            SchemaResult("md.Same", Status.SYNCED, local_sha=SHA_A, local_version="1.0.0",
                         registry_sha=SHA_A, registry_version="1.0.0"),
            SchemaResult("md.New", Status.NEW_IN_REGISTRY, registry_sha=SHA_B,
                         registry_version="2.0.0"),
            SchemaResult("md.Broken", Status.ERROR, error="invalid JSON"),
        ],
    )  # fmt: skip


Serve = Callable[..., RegistryHTTPServer]


@pytest.fixture
def checked_report(tmp_path: Path, serve_registry: Serve) -> DriftReport:
    """The real check against a loopback registry: 2 synced, 2 drifted, 1 missing."""
    schemas = {f"md.M{i}": model(f"md.M{i}") for i in range(4)}
    edited = {**schemas["md.M3"], "title": "Edited without a version bump"}
    published = [
        Published("md.M0.schema", schemas["md.M0"]),
        Published("md.M1.schema", schemas["md.M1"]),
        Published("md.M2.schema", evolve(schemas["md.M2"]), "1.1.0"),
        Published("md.M3.schema", edited),
    ]
    server = serve_registry(make_registry(tmp_path / "registry", published))
    make_local(tmp_path / "local", {**schemas, "orders.OnlyHere": model("orders.OnlyHere")})
    settings = load_settings({"registry-url": server.url, "schema-dir": "local"}, cwd=tmp_path)
    report = check(settings, cwd=tmp_path).report
    statuses = sorted(item.status.value for item in report.schemas)
    assert statuses == ["drift", "drift", "missing_in_registry", "synced", "synced"]
    return report


# --- a consumer's view -----------------------------------------------------------------------


class SupersetPayload(pydantic.BaseModel):
    """Every key the Store, core's SchemaDriftEvent and the Orchestrator read (test only)."""

    model_config = pydantic.ConfigDict(extra="allow")

    repo: str
    schema_: str = pydantic.Field(alias="schema")
    track: Literal["v1", "v2"]
    local_sha256: str
    local_version: str | None
    registry_sha256: str
    registry_version: str | None
    detected_at: float
    service: str
    schema_name: str
    local_sha: str
    registry_sha: str
    drift_type: Literal["version_mismatch", "content_mismatch", "missing_in_registry"] | None


def stored(db: redis.Redis, key: str = KEY) -> list[tuple[bytes, dict[bytes, bytes]]]:
    return cast(list[tuple[bytes, dict[bytes, bytes]]], db.xrange(key))


def data_of(db: redis.Redis) -> list[bytes]:
    messages = stored(db)
    assert all(list(fields) == [b"data"] for _, fields in messages)
    return [fields[b"data"] for _, fields in messages]


# --- tests -----------------------------------------------------------------------------------


def test_stream_key_and_env_settings() -> None:
    assert stream_key("mdp") == KEY
    assert stream_key("prod") == "prod:prod.telemetry.schema_drift"
    assert pulse_settings_from_env({}) == (None, "mdp")
    assert pulse_settings_from_env({"PULSE_ENABLED": "false", "MD_NAMESPACE": "x"}) == (None, "x")
    for flag in ("true", "1", "YES", " on "):
        assert pulse_settings_from_env({"PULSE_ENABLED": flag}) == (
            "redis://localhost:6379/0",
            "mdp",
        )
    env = {"PULSE_ENABLED": "true", "REDIS_URL": "redis://r:6380/2", "MD_NAMESPACE": "prod"}
    assert pulse_settings_from_env(env) == ("redis://r:6380/2", "prod")


def test_events_per_status() -> None:
    events = build_events(synthetic_report(), repo="acme/md", now=NOW)
    by_key = {event["key"]: event for event in events}
    assert list(by_key) == ["md.Bumped", "md.Edited", "md.Local", "md.Same"]  # no new, no error
    assert by_key["md.Bumped"]["payload"]["drift_type"] == "version_mismatch"
    assert by_key["md.Edited"]["payload"]["drift_type"] == "content_mismatch"
    missing = by_key["md.Local"]["payload"]
    assert missing["drift_type"] == "missing_in_registry"
    assert (missing["registry_sha"], missing["registry_version"]) == ("", None)
    resolved = by_key["md.Same"]["payload"]
    assert resolved["local_sha"] == resolved["registry_sha"] == SHA_A
    assert (resolved["drift_type"], resolved["status"]) == (None, "synced")
    for event in events:
        assert event["ts"] == event["payload"]["detected_at"] == NOW
        assert event["payload"]["detected_at_iso"] == "2026-11-18T11:06:40.250Z"
        assert event["meta"]["schema_id"] == "telemetry.schema_drift"
        assert event["meta"]["track"] == "v1"
        assert event["meta"]["hash"] == compute_sha256(event["payload"])
    only = build_events(synthetic_report(), repo="r", now=NOW, only={"md.Edited", "md.New"})
    assert [event["key"] for event in only] == ["md.Edited"]


def test_events_land_under_the_stream_key(redis_server: str, db: redis.Redis) -> None:
    report = synthetic_report()
    result = emit_report(report, url=redis_server, repo="acme/md", now=NOW)
    assert (result.sink, result.ok, result.error) == ("pulse", True, None)
    assert db.keys("*") == [KEY.encode()]
    assert db.type(KEY) == b"stream"
    expected = [encode_event(event) for event in build_events(report, repo="acme/md", now=NOW)]
    assert data_of(db) == expected

    other = emit_report(report, url=redis_server, namespace="prod", repo="r", only={"md.Same"})
    assert other.ok
    [(_, fields)] = stored(db, "prod:prod.telemetry.schema_drift")
    event = json.loads(fields[b"data"])
    assert event["key"] == "md.Same"
    assert abs(event["ts"] - time.time()) < 60  # `now` defaults to the clock


def test_one_pipelined_xadd_maxlen_approx_per_event(redis_server: str, db: redis.Redis) -> None:
    db.config_set("slowlog-log-slower-than", 0)  # the slow log now records every command
    db.slowlog_reset()
    connections = cast(dict[str, Any], db.info("stats"))["total_connections_received"]
    try:
        assert emit_report(synthetic_report(), url=redis_server, repo="r", now=NOW, maxlen=10).ok
        entries = cast(list[dict[str, Any]], db.slowlog_get(100))
    finally:
        db.config_set("slowlog-log-slower-than", 10000)
    xadds = [entry["command"].split()[:7] for entry in entries if b"XADD" in entry["command"]]
    assert xadds == [[b"XADD", KEY.encode(), b"MAXLEN", b"~", b"10", b"*", b"data"]] * 4
    stats = cast(dict[str, Any], db.info("stats"))
    assert stats["total_connections_received"] == connections + 1  # one connection per emit


def test_maxlen_trims_approximately(redis_server: str, db: redis.Redis) -> None:
    report = synthetic_report()  # 4 events per emit
    for _ in range(100):
        assert emit_report(report, url=redis_server, repo="r", now=NOW, maxlen=10).ok
    length = cast(int, db.xlen(KEY))
    # MAXLEN ~ drops only whole radix-tree nodes (up to 100 entries each): bounded, not exact
    assert 10 <= length <= 10 + 100 < 400
    info = cast(dict[str, Any], db.xinfo_stream(KEY))
    assert info["entries-added"] == 400


def test_core_json_codec_decodes_every_message(
    checked_report: DriftReport, redis_server: str, db: redis.Redis
) -> None:
    assert emit_report(checked_report, url=redis_server, repo="acme/md", now=NOW).ok
    results = {item.schema: item for item in checked_report.schemas}
    codec = JsonCodec(track="v1")
    seen = {}
    for data in data_of(db):
        envelope = codec.decode(data, SupersetPayload)
        raw = json.loads(data)
        payload = raw["payload"]
        item = results[payload["schema"]]
        seen[item.schema] = payload["drift_type"]
        assert (envelope.key, envelope.ts, envelope.meta.track) == (item.schema, NOW, "v1")
        assert envelope.meta.schema_id == "telemetry.schema_drift"
        assert envelope.meta.headers["source"] == "acme/md"
        # the check JsonCodec.decode makes (it only ever warns, so make it here)
        verified = hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()
        assert envelope.meta.hash == verified

        local_sha, registry_sha = item.local_sha, item.registry_sha or ""
        seed_store = {
            "repo": "acme/md",
            "schema": item.schema,
            "track": "v1",
            "local_sha256": local_sha,
            "local_version": item.local_version,
            "registry_sha256": registry_sha,
            "registry_version": item.registry_version,
            "detected_at": NOW,
        }
        core = {
            "service": "acme/md",
            "schema_name": item.schema,
            "track": "v1",
            "local_sha": local_sha,
            "registry_sha": registry_sha,
            "detected_at": NOW,
        }
        orchestrator = {
            "repo": "acme/md",
            "track": "v1",
            "schema_name": item.schema,
            "local_sha": local_sha,
            "registry_sha": registry_sha,
        }
        for keys in (seed_store, core, orchestrator):
            assert {k: payload[k] for k in keys} == keys
        assert envelope.payload.schema_name == item.schema

        if item.status is Status.SYNCED:  # the Orchestrator's "resolved"
            assert payload["local_sha"] == payload["registry_sha"] == item.registry_sha
        else:
            assert payload["local_sha"] != payload["registry_sha"]
            # a drift event is a valid core SchemaDriftEvent, too
            drift = codec.decode(data, SchemaDriftEvent).payload
            assert (drift.drift_type, drift.detected_at) == (payload["drift_type"], NOW)

    assert seen == {
        "md.M0": None,
        "md.M1": None,
        "md.M2": "version_mismatch",
        "md.M3": "content_mismatch",
        "orders.OnlyHere": "missing_in_registry",
    }


def test_our_hash_is_the_one_core_decode_verifies_not_what_its_encode_writes() -> None:
    """market-data-core 1.4.61 hashes compact JSON on encode but sorted default JSON on decode."""
    event = SchemaDriftEvent(
        service="s", schema_name="x", track="v1", local_sha=SHA_A, registry_sha=SHA_B,
        drift_type="content_mismatch", detected_at=NOW,
    )  # fmt: skip
    raw = json.loads(JsonCodec(track="v1").encode("telemetry.SchemaDriftEvent", event))
    verified = hashlib.sha256(json.dumps(raw["payload"], sort_keys=True).encode()).hexdigest()
    assert raw["meta"]["hash"] != verified  # core's own messages fail its own check
    assert raw["meta"]["hash"] == hashlib.sha256(event.model_dump_json().encode()).hexdigest()
    assert compute_sha256(raw["payload"]) == verified  # what build_events writes


def test_redis_down_fails_open_without_the_password() -> None:
    from tests.telemetry_servers import free_port

    url = f"redis://:secret@127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    result = emit_report(synthetic_report(), url=url, repo="r", now=NOW, timeout=2.0)
    assert time.monotonic() - started < 10
    assert (result.sink, result.ok) == ("pulse", False)
    assert result.error is not None
    assert "ConnectionError" in result.error
    assert "127.0.0.1" in result.error
    assert "secret" not in result.error
    assert not result.error.startswith("pulse")


def test_wrong_password_fails_open_and_right_one_publishes(
    redis_with_password: tuple[str, str],
) -> None:
    port_and_db, password = redis_with_password
    wrong = emit_report(
        synthetic_report(), url=f"redis://:wrong-pw@{port_and_db}", repo="r", now=NOW
    )
    assert not wrong.ok
    assert wrong.error is not None
    assert "wrong-pw" not in wrong.error
    assert "Authentication" in wrong.error

    right = f"redis://:{password}@{port_and_db}"
    assert emit_report(synthetic_report(), url=right, repo="r", now=NOW).ok
    client = redis.Redis.from_url(right)
    assert client.xlen(KEY) == 4
    client.close()


def test_bad_url_fails_open() -> None:
    result = emit_report(synthetic_report(), url="http://:hunter2@host/", repo="r", now=NOW)
    assert not result.ok
    assert result.error is not None
    assert "scheme" in result.error
    assert "hunter2" not in result.error


def test_without_redis_installed_fails_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # `import redis` now raises ImportError
    result = emit_report(synthetic_report(), url="redis://127.0.0.1:1/0", repo="r", now=NOW)
    assert not result.ok
    assert result.error is not None
    assert "schema-drift-action[pulse]" in result.error
    # the sink's name is said once, by whoever shows the error ("pulse: …"), not twice
    assert not result.error.startswith("pulse")


def test_nothing_to_send_needs_no_connection() -> None:
    report = synthetic_report()
    result = emit_report(report, url="redis://127.0.0.1:1/0", repo="r", only=set())
    assert result.ok


def test_importing_the_sink_does_not_import_redis() -> None:
    code = "import sys, drift.sinks.pulse; print('redis' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
