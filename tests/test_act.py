"""The composite action under a real runner: `act`, self-hosted mode, no Docker.

Runs .github/workflows/self-test.yml (three `uses: ./` cases) exactly as CI on
GitHub would, with stand-ins for the remote actions act cannot fetch offline;
the stand-ins fail loudly if any of them runs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import ROOT
from tests.tools import project_copy, tool

if TYPE_CHECKING:
    from collections.abc import Callable

    from drift.registry.server import RegistryHTTPServer
    from tests.telemetry_servers import Server

pytest_plugins = ("tests.telemetry_servers",)

REMOTE_ACTIONS = ("actions/upload-artifact@v7", "actions/setup-python@v6", "actions/cache@v5")


def run_act(
    root: Path,
    workflow: str,
    *extra: str,
    event: str = "push",
    prepare: Callable[[Path], list[str]] | None = None,
) -> str:
    """`act EVENT` of one workflow in a fresh copy of the project; the log, on success.

    `prepare` may change the copy (commit to it) once the workflow is in, and returns
    more flags for act.
    """
    act = tool("act")
    repo = project_copy(root / "repo")
    if not (repo / workflow).exists():  # a test-only workflow, kept out of .github/
        shutil.copyfile(ROOT / "tests" / "workflows" / Path(workflow).name, repo / workflow)
    flags: list[str] = list(extra) + (prepare(repo) if prepare else [])
    for action in REMOTE_ACTIONS:
        stub = root / "stubs" / action.replace("/", "_")
        stub.mkdir(parents=True)
        (stub / "action.yml").write_text(
            f"name: stand-in for {action}\ndescription: must never run\nruns:\n  using: composite\n"
            f"  steps:\n    - shell: bash\n      run: echo 'STAND-IN {action} RAN'; exit 1\n"
        )
        flags += ["--local-repository", f"{action}={stub}"]
    result = subprocess.run(
        [act, event, "-W", workflow, "-P", "ubuntu-latest=-self-hosted",
         "--action-offline-mode", "--action-cache-path", str(root / "cache"), *flags],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:]
    return log


@pytest.fixture(scope="module")
def act_log(tmp_path_factory: pytest.TempPathFactory) -> str:
    return run_act(tmp_path_factory.mktemp("act"), ".github/workflows/self-test.yml")


def test_the_self_test_job_succeeds_and_its_output_checks_pass(act_log: str) -> None:
    assert "Job succeeded" in act_log
    assert "self-test outputs as expected" in act_log
    assert "STAND-IN" not in act_log


def test_outputs_of_each_case(act_log: str) -> None:
    outputs = re.findall(r"::set-output:: ([a-z-]+)=(.*)", act_log)
    statuses = [value for name, value in outputs if name == "status"]
    assert {"synced", "breaking", "error"} <= set(statuses)
    assert ("drifted-schemas", '["md.Trade"]') in outputs


def test_summaries_are_written(act_log: str) -> None:
    assert "Summary - ## ✅ Schema drift: synced — all 4 schemas match the registry" in act_log
    assert "Schema drift: breaking" in act_log
    assert "<details><summary>md.Trade — breaking" in act_log
    assert "Schema drift: error" in act_log


def test_annotations_point_at_files_and_lines(act_log: str) -> None:
    # fail-on: never → breaking changes are warnings, at the file and line
    assert re.search(
        r"::warning title=schema drift%3A md\.Trade \[required_added\],"
        r"file=examples/schemas/md\.Trade\.json,line=\d+::",
        act_log,
    )
    # the unreachable registry is an error annotation
    assert "::error title=schema drift%3A registry::registry http://127.0.0.1:9" in act_log


def test_the_action_installs_pulse_and_sends_telemetry(
    tmp_path: Path,
    serve_registry: Callable[..., RegistryHTTPServer],
    pushgateway: Server,
    redis_server: str,
) -> None:
    """engine: python installs the action itself (pulse extra too) and reaches both sinks."""
    registry = serve_registry(ROOT / "examples" / "registry")
    log = run_act(
        tmp_path,
        ".github/workflows/telemetry.yml",
        "--env", f"SD_REGISTRY_URL={registry.url}",
        "--env", f"SD_PUSHGATEWAY_URL={pushgateway.url}",
        "--env", f"SD_PULSE_URL={redis_server}",
    )  # fmt: skip
    assert "telemetry outputs as expected" in log
    assert "schema-drift telemetry" not in log  # no telemetry warning: both sinks answered
    import redis

    client = redis.Redis.from_url(redis_server)
    try:
        events = [
            json.loads(f[b"data"]) for _, f in client.xrange("mdp:mdp.telemetry.schema_drift")
        ]
    finally:
        client.close()
    by_schema = {event["payload"]["schema"]: event["payload"] for event in events}
    assert by_schema["md.Trade"]["drift_type"] in {"version_mismatch", "content_mismatch"}
    assert by_schema["md.Trade"]["repo"] == "act-telemetry"
    exposed = httpx.get(f"{pushgateway.url}/metrics", timeout=10).text
    assert re.search(
        r'schema_drift_total\{[^}]*repo="act-telemetry"[^}]*schema="md\.Trade"', exposed
    )


def test_against_base_on_a_pull_request_event(tmp_path: Path) -> None:
    """`act pull_request -e event.json`: the action compares the pull request with its base
    commit (from the payload), annotates the changed line, and sets its outputs."""
    from tests.gitrepo import git

    def pull_request(repo: Path) -> list[str]:
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", "base")
        base = git(repo, "rev-parse", "HEAD")
        quote = repo / "examples" / "schemas" / "md.Quote.json"
        text = quote.read_text()
        quote.write_text(text.replace('"bid": {\n      "type": "number"',
                                      '"bid": {\n      "type": "integer"'))  # fmt: skip
        extra = {"$schema_id": "md.Extra", "type": "object"}
        (repo / "examples" / "schemas" / "md.Extra.json").write_text(json.dumps(extra))
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "the pull request")
        head = git(repo, "rev-parse", "HEAD")
        event = tmp_path / "event.json"
        event.write_text(json.dumps({
            "number": 1,
            "pull_request": {"number": 1, "base": {"sha": base, "ref": "main"},
                             "head": {"sha": head, "ref": "feature"}},
        }))  # fmt: skip
        return ["-e", str(event), "--env", f"SD_PYTHON={sys.executable}"]

    log = run_act(tmp_path, ".github/workflows/against.yml", event="pull_request",
                  prepare=pull_request)  # fmt: skip
    assert "against outputs as expected" in log
    assert "STAND-IN" not in log
    quote = (tmp_path / "repo" / "examples" / "schemas" / "md.Quote.json").read_text()
    line = next(n for n, text in enumerate(quote.splitlines(), 1) if '"integer"' in text)
    assert re.search(
        r"::error title=schema change since git%3A[0-9a-f]{12}%3Aexamples/schemas%3A md\.Quote "
        rf"\[type_narrowed\],file=examples/schemas/md\.Quote\.json,line={line}::",
        log,
    ), log[-4000:]
    outputs = dict(re.findall(r"::set-output:: (against-[a-z-]+)=(.*)", log))
    assert outputs["against-status"] == "breaking"
    assert json.loads(outputs["against-changed"]) == ["md.Quote", "md.Extra"]
    assert "\n## ❌ Against the pull request's base: breaking" in log  # in the step summary
    assert "Migration preview v1 → v2: NOT safe" in log
