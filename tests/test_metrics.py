"""Prometheus telemetry against a real Pushgateway, and the alert rules under promtool."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from drift.engine import check
from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from drift.report import DriftReport, SchemaResult, Stats, Status
from drift.settings import load_settings
from drift.sinks.metrics import (
    Previous,
    build_metrics,
    previous_from_pushgateway,
)
from drift.sinks.pushgateway import push_report
from drift.telemetry import TelemetryResult
from tests.conftest import ROOT
from tests.helpers import evolve, make_local, make_registry, model

if TYPE_CHECKING:  # imported at run time by pytest_plugins, which also rewrites its asserts
    from tests.telemetry_servers import Server, StartPushgateway

pytest_plugins = ("tests.telemetry_servers",)

RULES = ROOT / "deploy" / "prometheus" / "schema-drift.rules.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "schema-drift.rules.test.yml"
REPO = "acme/orders"  # a slash: the grouping key travels base64-encoded

SCHEMA_METRICS = {
    "schema_drift_total",
    "schema_drift_last_detected_timestamp",
    "schema_drift_active",
    "schema_drift_first_detected_timestamp",
    "schema_drift_resolved_total",
    "schema_drift_breaking",
}
RUN_METRICS = {
    "schema_drift_check_last_run_timestamp",
    "schema_drift_check_success",
    "schema_drift_check_duration_seconds",
    "schema_registry_errors_total",
}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def report(
    *schemas: SchemaResult, run_errors: tuple[str, ...] = (), track: str = "v1"
) -> DriftReport:
    return DriftReport(
        track=track,
        registry_url="https://registry.example",
        generated_at="2026-01-01T00:00:00Z",
        schemas=list(schemas),
        run_errors=list(run_errors),
        stats=Stats(requests=2, seconds=0.25),
    )


def drift(name: str, severity: str = "compatible") -> SchemaResult:
    return SchemaResult(name, Status.DRIFT, severity=severity, compatible=severity != "breaking")


def synced(name: str) -> SchemaResult:
    return SchemaResult(name, Status.SYNCED)


def parse(text: str) -> Samples:
    """Samples by (name, labels), without the labels the Pushgateway adds (job, instance)."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = frozenset(
                (k, v) for k, v in sample.labels.items() if k not in {"job", "instance"}
            )
            samples[sample.name, labels] = sample.value
    return samples


def scrape(server: Server, auth: tuple[str, str] | None = None) -> Samples:
    response = httpx.get(f"{server.url}/metrics", auth=auth, timeout=5)
    response.raise_for_status()
    return {key: value for key, value in parse(response.text).items() if "schema" in key[0]}


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def push(server: Server, drift_report: DriftReport, now: float, repo: str = REPO) -> None:
    result = push_report(drift_report, url=server.url, repo=repo, env={}, now=now)
    assert result == TelemetryResult("pushgateway", ok=True)


# ---------------------------------------------------------------- build_metrics alone


def test_exposition_has_exactly_the_contract_names() -> None:
    run = report(
        drift("md.Trade", "breaking"),
        synced("md.Quote"),
        SchemaResult("md.Broken", Status.ERROR, error="registry answered 500"),
        SchemaResult("md.Gone", Status.MISSING_IN_REGISTRY),
        run_errors=("index request failed",),
    )
    text = generate_latest(build_metrics(run, repo=REPO, now=1000.0)).decode()
    samples = parse(text)
    assert {name for name, _ in samples} == SCHEMA_METRICS | RUN_METRICS
    assert "_created" not in text
    types = dict(line.split()[2:4] for line in text.splitlines() if line.startswith("# TYPE"))
    assert {name for name, kind in types.items() if kind == "counter"} == {
        "schema_drift_total",
        "schema_drift_resolved_total",
        "schema_registry_errors_total",
    }
    trade = {"repo": REPO, "track": "v1", "schema": "md.Trade"}
    quote = {**trade, "schema": "md.Quote"}
    run_labels = {"repo": REPO, "track": "v1"}
    assert value(samples, "schema_drift_total", **trade) == 1
    assert value(samples, "schema_drift_total", **quote) == 0
    assert value(samples, "schema_drift_active", **trade) == 1
    assert value(samples, "schema_drift_breaking", **trade) == 1
    assert value(samples, "schema_drift_first_detected_timestamp", **trade) == 1000
    assert value(samples, "schema_drift_last_detected_timestamp", **trade) == 1000
    # Never drifted: no timestamps at all.
    assert value(samples, "schema_drift_first_detected_timestamp", **quote) is None
    assert value(samples, "schema_drift_last_detected_timestamp", **quote) is None
    assert value(samples, "schema_drift_check_success", **run_labels) == 0
    assert value(samples, "schema_drift_check_duration_seconds", **run_labels) == 0.25
    assert value(samples, "schema_drift_check_last_run_timestamp", **run_labels) == 1000
    assert value(samples, "schema_registry_errors_total", **run_labels) == 2


def test_a_schema_in_error_keeps_its_drift_state() -> None:
    labels = (REPO, "v1", "md.Trade")
    before = Previous(
        {
            ("schema_drift_active", labels): 1.0,
            ("schema_drift_breaking", labels): 1.0,
            ("schema_drift_first_detected_timestamp", labels): 500.0,
            ("schema_drift_total", labels): 3.0,
        }
    )
    run = report(SchemaResult("md.Trade", Status.ERROR, error="timeout"))
    samples = parse(
        generate_latest(build_metrics(run, repo=REPO, now=900.0, previous=before)).decode()
    )
    trade = dict(zip(("repo", "track", "schema"), labels, strict=True))
    assert value(samples, "schema_drift_active", **trade) == 1
    assert value(samples, "schema_drift_breaking", **trade) == 1
    assert value(samples, "schema_drift_first_detected_timestamp", **trade) == 500
    assert value(samples, "schema_drift_total", **trade) == 3
    assert value(samples, "schema_drift_resolved_total", **trade) == 0


def test_previous_reads_only_its_own_group() -> None:
    def group(repo: str, track: str, total: str) -> dict[str, Any]:
        labels = {"job": "schema-drift", "repo": repo, "track": track}
        metric = {"labels": {**labels, "instance": "", "schema": "md.Trade"}, "value": total}
        return {
            "labels": labels,
            "schema_drift_total": {"type": "COUNTER", "metrics": [metric]},
            "push_time_seconds": {"type": "GAUGE", "metrics": []},
        }

    data = {
        "status": "success",
        "data": [group("other/repo", "v1", "7"), group(REPO, "v2", "5"), group(REPO, "v1", "3")],
    }
    previous = previous_from_pushgateway(data, repo=REPO, track="v1")
    assert previous == Previous({("schema_drift_total", (REPO, "v1", "md.Trade")): 3.0})
    assert (
        previous_from_pushgateway({"status": "success", "data": []}, repo=REPO, track="v1")
        == Previous()
    )
    with pytest.raises(ValueError, match="not a Pushgateway"):
        previous_from_pushgateway(["nope"], repo=REPO, track="v1")


# ---------------------------------------------------------------- a real Pushgateway


def test_two_drifting_runs_count_two_and_keep_the_first_detection(pushgateway: Server) -> None:
    run = report(drift("md.Trade", "breaking"), synced("md.Quote"))
    push(pushgateway, run, now=1000.0)
    push(pushgateway, run, now=2000.0)
    samples = scrape(pushgateway)
    trade = {"repo": REPO, "track": "v1", "schema": "md.Trade"}
    assert value(samples, "schema_drift_total", **trade) == 2
    assert value(samples, "schema_drift_first_detected_timestamp", **trade) == 1000
    assert value(samples, "schema_drift_last_detected_timestamp", **trade) == 2000
    assert value(samples, "schema_drift_active", **trade) == 1
    assert value(samples, "schema_drift_breaking", **trade) == 1
    assert value(samples, "schema_drift_total", **{**trade, "schema": "md.Quote"}) == 0
    assert value(samples, "schema_drift_check_last_run_timestamp", repo=REPO, track="v1") == 2000
    assert value(samples, "schema_drift_check_success", repo=REPO, track="v1") == 1


def test_a_fixed_schema_is_resolved(pushgateway: Server) -> None:
    push(pushgateway, report(drift("md.Trade")), now=1000.0)
    push(pushgateway, report(synced("md.Trade")), now=2000.0)
    samples = scrape(pushgateway)
    trade = {"repo": REPO, "track": "v1", "schema": "md.Trade"}
    assert value(samples, "schema_drift_active", **trade) == 0
    assert value(samples, "schema_drift_resolved_total", **trade) == 1
    assert value(samples, "schema_drift_first_detected_timestamp", **trade) is None
    assert value(samples, "schema_drift_last_detected_timestamp", **trade) == 1000  # kept
    assert value(samples, "schema_drift_total", **trade) == 1
    assert value(samples, "schema_drift_breaking", **trade) == 0

    push(pushgateway, report(synced("md.Trade")), now=3000.0)  # still synced: nothing new
    assert value(scrape(pushgateway), "schema_drift_resolved_total", **trade) == 1

    push(pushgateway, report(drift("md.Trade")), now=4000.0)  # drifts again: a new start
    samples = scrape(pushgateway)
    assert value(samples, "schema_drift_first_detected_timestamp", **trade) == 4000
    assert value(samples, "schema_drift_total", **trade) == 2


def test_errors_are_counted_across_runs(pushgateway: Server) -> None:
    run = report(
        synced("md.Quote"),
        SchemaResult("md.Trade", Status.ERROR, error="registry answered 503"),
        run_errors=("index: connection reset",),
    )
    push(pushgateway, run, now=1000.0)
    push(pushgateway, run, now=2000.0)
    samples = scrape(pushgateway)
    assert value(samples, "schema_registry_errors_total", repo=REPO, track="v1") == 4
    assert value(samples, "schema_drift_check_success", repo=REPO, track="v1") == 0

    push(pushgateway, report(synced("md.Quote"), synced("md.Trade")), now=3000.0)
    samples = scrape(pushgateway)
    assert value(samples, "schema_registry_errors_total", repo=REPO, track="v1") == 4
    assert value(samples, "schema_drift_check_success", repo=REPO, track="v1") == 1


def test_a_push_replaces_only_its_own_group(pushgateway: Server) -> None:
    push(pushgateway, report(drift("md.Trade")), now=1000.0, repo="acme/billing")
    push(pushgateway, report(drift("md.Trade"), track="v2"), now=1000.0)
    push(pushgateway, report(drift("md.Trade")), now=1000.0)
    before = scrape(pushgateway)
    push(pushgateway, report(synced("md.Quote")), now=2000.0)  # md.Trade leaves this group
    after = scrape(pushgateway)

    def others(samples: Samples) -> Samples:
        return {
            k: v
            for k, v in samples.items()
            if ("repo", REPO) not in k[1] or ("track", "v2") in k[1]
        }

    assert others(after) == others(before)
    assert len(others(after)) == 2 * (len(SCHEMA_METRICS) + len(RUN_METRICS))
    mine = {k: v for k, v in after.items() if k not in others(after)}
    assert {dict(labels).get("schema") for _, labels in mine} == {"md.Quote", None}

    groups = httpx.get(f"{pushgateway.url}/api/v1/metrics", timeout=5).json()["data"]
    assert sorted((g["labels"]["repo"], g["labels"]["track"]) for g in groups) == [
        ("acme/billing", "v1"),
        (REPO, "v1"),
        (REPO, "v2"),
    ]


def test_a_real_check_pushed(
    tmp_path: Path,
    serve_registry: Callable[..., RegistryHTTPServer],
    pushgateway: Server,
) -> None:
    local = {"md.Trade": model("md.Trade"), "md.Quote": model("md.Quote")}
    published = [
        Published("md.Trade.schema", evolve(local["md.Trade"]), "1.1.0"),
        Published("md.Quote.schema", local["md.Quote"]),
    ]
    registry = serve_registry(make_registry(tmp_path / "registry", published))
    make_local(tmp_path / "local", local)
    settings = load_settings(
        {"registry-url": registry.url, "schema-dir": "local"}, env={}, cwd=tmp_path
    )
    run = check(settings, cwd=tmp_path).report
    assert sorted((s.schema, s.status) for s in run.schemas) == [
        ("md.Quote", Status.SYNCED),
        ("md.Trade", Status.DRIFT),
    ]
    push(pushgateway, run, now=1000.0)
    samples = scrape(pushgateway)
    trade = {"repo": REPO, "track": "v1", "schema": "md.Trade"}
    assert value(samples, "schema_drift_total", **trade) == 1
    expected_breaking = 1 if run.breaking else 0
    assert value(samples, "schema_drift_breaking", **trade) == expected_breaking
    assert value(samples, "schema_drift_check_success", repo=REPO, track="v1") == 1
    assert value(samples, "schema_drift_check_duration_seconds", repo=REPO, track="v1") == (
        run.stats.seconds
    )


def test_a_pushgateway_that_is_down_fails_open() -> None:
    with socket.socket() as sock:  # a port the kernel just handed out: nobody listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = push_report(
        report(drift("md.Trade")),
        url=f"http://127.0.0.1:{port}",
        repo=REPO,
        env={"PUSHGATEWAY_TOKEN": "s3cret-token"},
        timeout=2.0,
    )
    assert result.sink == "pushgateway"
    assert result.ok is False
    assert result.error is not None
    assert f"Pushgateway http://127.0.0.1:{port}: cannot read the previous values" in result.error
    assert "s3cret-token" not in result.error


def test_conflicting_credentials_fail_open() -> None:
    env = {"PUSHGATEWAY_TOKEN": "tok", "PUSHGATEWAY_USERNAME": "u", "PUSHGATEWAY_PASSWORD": "pw"}
    result = push_report(report(), url="http://127.0.0.1:1", repo=REPO, env=env)
    assert result.ok is False
    assert result.error is not None
    assert "not both" in result.error


def _bcrypt_hash(password: str) -> str:
    htpasswd = shutil.which("htpasswd")
    if htpasswd is not None:
        line = subprocess.run(
            [htpasswd, "-nbB", "-C", "4", "u", password], capture_output=True, text=True, check=True
        ).stdout
        return line.strip().split(":", 1)[1]
    try:
        import bcrypt
    except ImportError:
        pytest.skip("neither htpasswd (apache2-utils) nor python bcrypt to hash the password")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


def test_basic_auth_pushes_with_env_credentials_and_fails_open_without(
    tmp_path: Path, start_pushgateway: StartPushgateway
) -> None:
    user, password = "drift-ci", "pässword-42"
    config = tmp_path / "web.yml"
    config.write_text(
        f"basic_auth_users:\n  {user}: {json.dumps(_bcrypt_hash(password))}\n", encoding="utf-8"
    )
    server = start_pushgateway(web_config=config, auth=(user, password))
    run = report(drift("md.Trade"))
    creds = {"PUSHGATEWAY_USERNAME": user, "PUSHGATEWAY_PASSWORD": password}

    assert push_report(run, url=server.url, repo=REPO, env=creds, now=1000.0).ok
    assert push_report(run, url=server.url, repo=REPO, env=creds, now=2000.0).ok
    samples = scrape(server, auth=(user, password))
    trade = {"repo": REPO, "track": "v1", "schema": "md.Trade"}
    assert value(samples, "schema_drift_total", **trade) == 2

    anonymous = push_report(run, url=server.url, repo=REPO, env={}, now=3000.0)
    assert anonymous.ok is False
    assert anonymous.error is not None
    assert "401" in anonymous.error

    wrong = {**creds, "PUSHGATEWAY_PASSWORD": "wrong-horse-battery"}
    refused = push_report(run, url=server.url, repo=REPO, env=wrong, now=3000.0)
    assert refused.ok is False
    assert refused.error is not None
    assert "401" in refused.error
    assert "wrong-horse-battery" not in refused.error
    # Neither refused push changed anything.
    assert value(scrape(server, auth=(user, password)), "schema_drift_total", **trade) == 2


# ---------------------------------------------------------------- a stand-in, for faults


class _StandIn(BaseHTTPRequestHandler):
    """Answers like a Pushgateway (or not, per `get_body` / `put_status`); records headers."""

    seen: list[tuple[str, str | None]]
    get_body: bytes
    put_status: int

    def do_GET(self) -> None:
        self.seen.append(("GET", self.headers.get("Authorization")))
        self._answer(200, self.get_body)

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.seen.append(("PUT", self.headers.get("Authorization")))
        status = self.put_status
        self._answer(status, b"" if status < 400 else b"pushed metrics are invalid: because")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[Callable[..., tuple[str, list[tuple[str, str | None]]]]]:
    servers: list[ThreadingHTTPServer] = []

    def start(
        get_body: bytes = b'{"status":"success","data":[]}', put_status: int = 202
    ) -> tuple[str, list[tuple[str, str | None]]]:
        seen: list[tuple[str, str | None]] = []
        handler = type(
            "Handler", (_StandIn,), {"seen": seen, "get_body": get_body, "put_status": put_status}
        )
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_bearer_token_goes_with_both_requests(stand_in: Callable[..., Any]) -> None:
    url, seen = stand_in()
    result = push_report(
        report(drift("md.Trade")), url=url, repo=REPO, env={"PUSHGATEWAY_TOKEN": "t0k"}
    )
    assert result.ok, result.error
    assert seen == [("GET", "Bearer t0k"), ("PUT", "Bearer t0k")]


def test_a_refused_put_fails_open_with_the_reason(stand_in: Callable[..., Any]) -> None:
    url, _ = stand_in(put_status=400)
    result = push_report(report(drift("md.Trade")), url=url, repo=REPO, env={})
    assert result.ok is False
    assert (
        result.error
        == f"Pushgateway {url}: PUT answered 400 Bad Request: pushed metrics are invalid: because"
    )


def test_an_answer_that_is_not_a_pushgateway_fails_open_without_pushing(
    stand_in: Callable[..., Any],
) -> None:
    url, seen = stand_in(get_body=b"<html>login</html>")
    result = push_report(report(drift("md.Trade")), url=url, repo=REPO, env={})
    assert result.ok is False
    assert result.error is not None
    assert result.error.startswith(f"Pushgateway {url}: GET /api/v1/metrics:")
    assert [method for method, _ in seen] == ["GET"]  # no PUT that would reset the counters


def test_url_credentials_are_used_and_never_shown(stand_in: Callable[..., Any]) -> None:
    url, seen = stand_in(put_status=500)
    with_userinfo = url.replace("http://", "http://ci:hunter2@")
    result = push_report(report(), url=with_userinfo, repo=REPO, env={})
    assert result.ok is False
    assert result.error is not None
    assert "hunter2" not in result.error
    assert result.error.startswith(f"Pushgateway {url}: PUT answered 500")
    assert seen[0] == ("GET", "Basic Y2k6aHVudGVyMg==")


# ---------------------------------------------------------------- alert rules


def test_promtool_accepts_the_rules(promtool: str) -> None:
    done = subprocess.run(
        [promtool, "check", "rules", str(RULES)], check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 7 rules found" in done.stdout


def test_promtool_unit_tests_of_the_rules_pass(promtool: str) -> None:
    """Staleness fires after 2 days without a run though nothing drifted; breaking fires."""
    done = subprocess.run(
        [promtool, "test", "rules", str(RULE_TESTS)], check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


@pytest.mark.parametrize(
    "url",
    ["http://ci:hunter2@[::1", "http://ci:hunter2@127.0.0.1:notaport", "ftp://ci:hunter2@host"],
)
def test_a_bad_url_fails_open_without_its_password(url: str) -> None:
    result = push_report(report(), url=url, repo=REPO, env={}, timeout=1.0)
    assert result.ok is False
    assert result.error is not None
    assert "hunter2" not in result.error
