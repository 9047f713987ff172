"""The action adapter (entrypoint.py → drift.action) with the env a runner gives it."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import yaml

from drift.action import ADAPTER_INPUTS, COMPOSITE_INPUTS, SETTINGS_INPUTS, main
from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from drift.settings import DEFAULTS
from tests.conftest import ROOT
from tests.github_stand_in import TOKEN, GitHubStandIn, github_api
from tests.helpers import evolve, make_registry, model, write_json

Serve = Callable[..., RegistryHTTPServer]
if TYPE_CHECKING:
    from tests.telemetry_servers import Server

pytest_plugins = ("tests.telemetry_servers",)
__all__ = ["github_api"]  # the fixture, imported for pytest
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def parse_outputs(text: str) -> dict[str, str]:
    """Read a GITHUB_OUTPUT file (name<<DELIM ... DELIM records)."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        name, _, delimiter = lines[i].partition("<<")
        end = lines.index(delimiter, i + 1)
        values[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return values


class Runner:
    """A workspace plus the files and env GitHub gives a step."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.monkeypatch = monkeypatch
        self.workspace = root / "workspace"
        self.workspace.mkdir()
        self.output = root / "output.txt"
        self.summary = root / "summary.md"
        self.output.touch()
        self.summary.touch()

    def env(self, **inputs: str) -> dict[str, str]:
        env = {
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "acme/service",
            "GITHUB_SHA": "0123abc",
            "GITHUB_WORKSPACE": str(self.workspace),
        }
        env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
        return env

    def apply(self, env: dict[str, str]) -> None:
        """drift.sinks.workflow writes to the files named in os.environ, as on a runner."""
        for key in [k for k in os.environ if k.startswith(("INPUT_", "GITHUB_"))]:
            self.monkeypatch.delenv(key)
        for key, value in env.items():
            self.monkeypatch.setenv(key, value)

    def run(self, capsys: pytest.CaptureFixture[str], **inputs: str) -> tuple[int, str]:
        self.apply(self.env(**inputs))
        code = main(cwd=self.workspace)
        return code, capsys.readouterr().out

    @property
    def outputs(self) -> dict[str, str]:
        return parse_outputs(self.output.read_text())


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runner:
    return Runner(tmp_path, monkeypatch)


def publish(runner: Runner, serve: Serve, local: dict[str, Any], remote: dict[str, Any]) -> str:
    for name, content in local.items():
        write_json(runner.workspace / "schemas" / f"{name}.json", content)
    published = [Published(f"{name}.schema", content) for name, content in remote.items()]
    return serve(make_registry(runner.root / "registry", published)).url


def test_inputs_agree_across_action_yml_settings_and_readme() -> None:
    declared = set(ACTION["inputs"])
    assert declared == set(SETTINGS_INPUTS) | set(ADAPTER_INPUTS) | set(COMPOSITE_INPUTS)
    for action_name, settings_name in SETTINGS_INPUTS.items():
        default = ACTION["inputs"][action_name].get("default", "")
        if settings_name in DEFAULTS:
            assert default == DEFAULTS[settings_name], action_name
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Inputs", 1)[1].split("### Outputs", 1)[0]
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| ([^|]*) \|", table, flags=re.MULTILINE))
    assert set(rows) == declared
    for name, spec in ACTION["inputs"].items():
        shown = rows[name].strip().strip("`")
        expected = spec.get("default", "")
        assert shown == (expected or "(empty)") or (
            spec.get("required") and shown == "(required)"
        ), name
    outputs_table = readme.split("### Outputs", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"^\| `([a-z-]+)` \|", outputs_table, flags=re.MULTILINE)) == set(
        ACTION["outputs"]
    )


def test_no_expression_inside_any_run_script() -> None:
    files = [ROOT / "action.yml", *sorted((ROOT / ".github" / "workflows").glob("*.yml"))]
    for path in files:
        document = yaml.safe_load(path.read_text())
        steps = document.get("runs", {}).get("steps", [])
        for job in document.get("jobs", {}).values():
            steps += job.get("steps", [])
        for step in steps:
            assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"


def test_drift_outputs_summary_and_annotations(
    runner: Runner, serve_registry: Serve, capsys: pytest.CaptureFixture[str]
) -> None:
    bar, quote = model("md.Bar"), model("md.Quote")
    url = publish(
        runner,
        serve_registry,
        {"md.Bar": bar, "md.Quote": quote},
        {"md.Bar": bar, "md.Quote": evolve(quote)},
    )
    code, out = runner.run(
        capsys, registry_url=url, schema_dir="schemas", fail_on="breaking", sarif_path="out.sarif"
    )
    outputs = runner.outputs
    assert code == 0  # evolve() adds an optional property: compatible under full/lenient
    assert outputs["status"] == "drift"
    assert (outputs["total"], outputs["synced"], outputs["drifted"]) == ("2", "1", "1")
    assert json.loads(outputs["drifted-schemas"]) == ["md.Quote"]
    assert outputs["exit-code"] == "0"
    assert outputs["report-path"] == "drift_report.json"
    assert outputs["sarif-path"] == "out.sarif"
    assert (runner.workspace / "drift_report.json").is_file()
    assert json.loads((runner.workspace / "out.sarif").read_text())["version"] == "2.1.0"
    summary = runner.summary.read_text()
    assert "Schema drift: drift" in summary
    assert "| md.Quote | drift | compatible |" in summary
    assert "https://github.com/acme/service/blob/0123abc/schemas/md.Quote.json#L" in summary
    assert re.search(
        r"^::warning title=schema drift%3A md\.Quote .*file=schemas/md\.Quote\.json,line=\d+::",
        out,
        re.M,
    )


def test_breaking_fails_with_error_annotations_capped_at_ten(
    runner: Runner, serve_registry: Serve, capsys: pytest.CaptureFixture[str]
) -> None:
    old = model("md.Big", **{f"p{i:02d}": {"type": "string"} for i in range(15)})
    new = json.loads(json.dumps(old))
    for i in range(15):
        new["properties"][f"p{i:02d}"]["type"] = "integer"
    url = publish(runner, serve_registry, {"md.Big": old}, {"md.Big": new})
    code, out = runner.run(capsys, registry_url=url, schema_dir="schemas", fail_on="breaking")
    assert code == 1
    assert runner.outputs["status"] == "breaking"
    assert runner.outputs["breaking"] == "1"
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(errors) == 10
    notices = [line for line in out.splitlines() if line.startswith("::notice ")]
    assert len(notices) == 1
    assert "5 more findings" in notices[0]


def test_bad_inputs_fail_with_every_problem_named(
    runner: Runner, capsys: pytest.CaptureFixture[str]
) -> None:
    (runner.workspace / "schemas").mkdir()
    code, out = runner.run(
        capsys, registry_url="ftp://x", schema_dir="schemas", mode="sideways", annotations="maybe"
    )
    assert code == 2
    assert "::error title=schema-drift%3A cannot run::input 'registry-url': scheme 'ftp'" in out
    assert "input 'mode'" in out
    assert "input 'annotations'" in out
    assert runner.outputs["status"] == "error"
    assert runner.outputs["exit-code"] == "2"
    assert "could not run" in runner.summary.read_text()


def test_verify_index_and_retry_budget_reach_the_check(
    runner: Runner, serve_registry: Serve, capsys: pytest.CaptureFixture[str]
) -> None:
    bar = model("md.Bar")
    url = publish(runner, serve_registry, {"md.Bar": bar}, {"md.Bar": bar})
    code, _ = runner.run(
        capsys, registry_url=url, schema_dir="schemas", verify_index="all", retry_budget="0"
    )
    assert code == 0
    stats = json.loads((runner.workspace / "drift_report.json").read_text())["stats"]
    assert stats["verify_index"] == "all"

    code, out = runner.run(capsys, registry_url=url, schema_dir="schemas", retry_budget="soon")
    assert code == 2
    assert "input 'retry-budget': 'soon' is not a number of seconds; e.g. 30" in out


def test_hyphen_and_underscore_input_spellings(
    runner: Runner, serve_registry: Serve, capsys: pytest.CaptureFixture[str]
) -> None:
    bar = model("md.Bar")
    url = publish(runner, serve_registry, {"md.Bar": bar}, {"md.Bar": bar})
    env = runner.env()
    env["INPUT_REGISTRY-URL"] = url  # how a Docker action receives it
    env["INPUT_SCHEMA-DIR"] = "schemas"
    runner.apply(env)
    assert main(cwd=runner.workspace) == 0
    assert runner.outputs["status"] == "synced"


HOSTILE = "evil::error::pwned%0A,|`<img src=x onerror=alert(1)>`\r\n::warning::x"


def test_hostile_names_cannot_inject_commands_or_markdown(
    runner: Runner, serve_registry: Serve, capsys: pytest.CaptureFixture[str]
) -> None:
    old = model(HOSTILE, **{"a|b`c<d>": {"type": "string"}})
    new = json.loads(json.dumps(old))
    new["properties"]["a|b`c<d>"]["type"] = "integer"
    new["description"] = "</details><script>alert(1)</script>\n::error::x"
    write_json(runner.workspace / "schemas" / "hostile.json", old)
    url = serve_registry(make_registry(runner.root / "registry", [Published("hostile", new)])).url
    code, out = runner.run(capsys, registry_url=url, schema_dir="schemas", fail_on="breaking")
    assert code == 1
    lines = out.splitlines()
    [start] = [i for i, line in enumerate(lines) if line.startswith("::stop-commands")]
    token = lines[start].rsplit("::", 1)[1]
    end = lines.index(f"::{token}::")
    assert "::warning::x" in "\n".join(lines[start:end])  # the raw text, commands off
    outside = lines[:start] + lines[end + 1 :]
    commands = [line for line in outside if line.startswith("::")]
    assert commands
    for line in commands:
        name = line[2:].split("::", 1)[0].split(" ", 1)[0]
        assert name in {"error", "warning", "notice", "add-mask"}, line
        assert "\r" not in line
        assert "pwned%0A" not in line or "pwned%250A" in line  # % itself escaped first
    hostile_lines = [line for line in commands if "evil" in line]
    assert hostile_lines
    for line in hostile_lines:
        head, _, message = line[2:].partition("::")
        assert "%3A%3Aerror%3A%3Apwned" in head  # ':' escaped in properties
        assert "\n" not in message
    assert [line for line in outside if not line.startswith("::") and line.strip()] == []
    summary = runner.summary.read_text()
    assert "<script>" not in summary
    assert "<img" not in summary
    assert "</details><script>" not in summary
    table_rows = [line for line in summary.splitlines() if line.startswith("| ") and "evil" in line]
    assert table_rows, summary
    for row in table_rows:
        cells = re.split(r"(?<!\\)\|", row)
        assert len(cells) == 7, row  # 5 columns: the pipes in the name are escaped
    outputs = runner.outputs
    assert json.loads(outputs["drifted-schemas"]) == [HOSTILE]


def test_tokens_are_masked_and_never_written(
    runner: Runner, serve_registry: Serve, capsys: pytest.CaptureFixture[str]
) -> None:
    bar = model("md.Bar")
    url = publish(runner, serve_registry, {"md.Bar": bar}, {"md.Bar": evolve(bar)})
    secret, gh_secret = "reg-SECRET-123", "ghp_SECRET456"
    code, out = runner.run(
        capsys,
        registry_url=url,
        schema_dir="schemas",
        registry_token=secret,
        github_token=gh_secret,
    )
    assert code == 1
    masks = [line for line in out.splitlines() if line.startswith("::add-mask")]
    assert [line.rsplit("::", 1)[1] for line in masks] == [secret, gh_secret]
    rest = "\n".join(line for line in out.splitlines() if not line.startswith("::add-mask"))
    for text in (
        rest,
        runner.summary.read_text(),
        runner.output.read_text(),
        (runner.workspace / "drift_report.json").read_text(),
    ):
        assert secret not in text
        assert gh_secret not in text


def test_the_summary_stays_under_one_mebibyte(
    runner: Runner, serve_registry: Serve, capsys: pytest.CaptureFixture[str]
) -> None:
    local, remote = {}, {}
    for i in range(60):
        old = model(
            f"md.S{i:02d}", **{f"field_{j:03d}_{'x' * 40}": {"type": "string"} for j in range(150)}
        )
        new = json.loads(json.dumps(old))
        for prop in new["properties"].values():
            prop["type"] = "integer"
        local[f"md.S{i:02d}"], remote[f"md.S{i:02d}"] = old, new
    url = publish(runner, serve_registry, local, remote)
    runner.run(capsys, registry_url=url, schema_dir="schemas", artifact_name="drift-art")
    summary = runner.summary.read_bytes()
    assert len(summary) < 1024 * 1024
    assert b"Summary truncated to fit GitHub's 1 MiB limit" in summary
    assert b"drift-art" in summary


def test_entrypoint_script_runs_from_a_checkout(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "entrypoint.py")],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "GITHUB_OUTPUT": str(tmp_path / "o"),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "s"),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert (
        "::error title=schema-drift%3A cannot run::input 'registry-url': is required"
        in result.stdout
    )


def test_pr_comment_is_created_then_updated_through_the_api(
    runner: Runner,
    serve_registry: Serve,
    capsys: pytest.CaptureFixture[str],
    github_api: GitHubStandIn,
) -> None:
    bar = model("md.Bar")
    url = publish(runner, serve_registry, {"md.Bar": bar}, {"md.Bar": evolve(bar)})
    event = runner.root / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}, "number": 12}))
    extra = {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": github_api.url,
        "GITHUB_WORKFLOW": "drift check",
    }
    for _attempt in range(2):
        runner.apply(
            {
                **runner.env(
                    registry_url=url, schema_dir="schemas", pr_comment="true", github_token=TOKEN
                ),
                **extra,
            }
        )
        assert main(cwd=runner.workspace) == 1
        out = capsys.readouterr().out
        assert "could not comment" not in out
        [comment] = github_api.comments("acme/service", 12)
        assert "Schema drift: drift" in comment["body"]
        assert "workflow=drift%20check track=v1" in comment["body"]
    methods = [request.method for request in github_api.requests]
    assert methods.count("POST") == 1
    assert methods.count("PATCH") == 1


def test_a_failing_comment_api_warns_but_keeps_the_verdict(
    runner: Runner,
    serve_registry: Serve,
    capsys: pytest.CaptureFixture[str],
    github_api: GitHubStandIn,
) -> None:
    bar = model("md.Bar")
    url = publish(runner, serve_registry, {"md.Bar": bar}, {"md.Bar": bar})
    event = runner.root / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 3}}))
    runner.apply(
        {
            **runner.env(
                registry_url=url,
                schema_dir="schemas",
                pr_comment="true",
                github_token="wrong-token",
            ),
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_API_URL": github_api.url,
        }
    )
    assert main(cwd=runner.workspace) == 0
    out = capsys.readouterr().out
    assert "::warning title=schema-drift::could not comment on the pull request" in out
    assert "401" in out
    assert runner.outputs["status"] == "synced"


def test_telemetry_inputs_reach_the_pushgateway_and_a_dead_bus_only_warns(
    runner: Runner, serve_registry: Serve, capsys: pytest.CaptureFixture[str], pushgateway: Server
) -> None:
    bar = model("md.Bar")
    url = publish(runner, serve_registry, {"md.Bar": bar}, {"md.Bar": evolve(bar)})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    code, out = runner.run(
        capsys,
        registry_url=url,
        schema_dir="schemas",
        pushgateway_url=pushgateway.url,
        pulse_url=dead,
        repo="acme",
        fail_on="never",
    )
    assert code == 0
    exposed = httpx.get(f"{pushgateway.url}/metrics").text
    assert (
        'schema_drift_active{instance="",job="schema-drift",repo="acme",schema="md.Bar"' in exposed
    )
    assert "::warning title=schema-drift telemetry::pulse" in out
    report = json.loads((runner.workspace / "drift_report.json").read_text())
    assert report["telemetry"]["pushgateway"]["ok"] is True
    assert report["telemetry"]["pulse"]["ok"] is False
