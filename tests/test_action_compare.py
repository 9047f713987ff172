"""The action's `against` and `compare-track` inputs, with a real git workspace and registry."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from tests.gitrepo import Repo, git
from tests.helpers import make_registry, model, write_json
from tests.test_action import Runner

Serve = Callable[..., RegistryHTTPServer]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runner:
    return Runner(tmp_path, monkeypatch)


def pull_request(runner: Runner, base: str) -> dict[str, str]:
    event = runner.root / "event.json"
    event.write_text(
        json.dumps({"number": 7, "pull_request": {"number": 7, "base": {"sha": base}}})
    )
    return {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}


def run(
    runner: Runner, capsys: pytest.CaptureFixture[str], extra: dict[str, str], **inputs: str
) -> tuple[int, str]:
    from drift.action import main

    env = runner.env(**inputs)
    env.update(extra)
    runner.apply(env)
    code = main(cwd=runner.workspace)
    return code, capsys.readouterr().out


@pytest.fixture
def pr(runner: Runner, serve_registry: Serve) -> dict[str, Any]:
    """A workspace whose base commit has the registry's schemas; the PR narrows md.Trade's
    price, removes md.Gone and adds md.New (in the working tree, as a checkout has it)."""
    trade = model("md.Trade", price={"type": "number"}, side={"type": "string"})
    schemas = {"md.Trade": trade, "md.Quote": model("md.Quote"), "md.Gone": model("md.Gone")}
    repo = Repo(runner.workspace)
    for name, content in schemas.items():
        repo.write(f"schemas/{name}.json", content)
    base = repo.commit("base")
    head = json.loads(json.dumps(trade))
    head["properties"]["price"]["type"] = "integer"
    write_json(runner.workspace / "schemas" / "md.Trade.json", head)
    (runner.workspace / "schemas" / "md.Gone.json").unlink()
    write_json(runner.workspace / "schemas" / "md.New.json", model("md.New"))
    published = [Published(f"{name}.schema", content) for name, content in schemas.items()]
    v2 = [Published("md.Trade.schema", head), Published("md.Quote.schema", model("md.Quote"))]
    url = serve_registry(make_registry(runner.root / "registry", published, "v1", v2=v2)).url
    return {"base": base, "url": url}


def test_against_base_compares_the_pull_request_with_its_base(
    runner: Runner, pr: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(
        runner,
        capsys,
        pull_request(runner, pr["base"]),
        registry_url=pr["url"],
        schema_dir="schemas",
        fail_on="breaking",
        against="base",
    )
    assert code == 1  # md.Trade narrows and md.Gone is gone: breaking, in both comparisons
    outputs = runner.outputs
    assert outputs["against-status"] == "breaking"
    assert json.loads(outputs["against-changed"]) == ["md.Gone", "md.Trade", "md.New"]
    assert outputs["against-breaking"] == "1"
    assert outputs["against-report-path"] == "drift_report.against.json"
    assert (outputs["migration-safe"], outputs["migration-report-path"]) == ("", "")
    assert outputs["exit-code"] == "1"
    report = json.loads((runner.workspace / "drift_report.against.json").read_text())
    assert report["comparison"]["old"]["commit"] == pr["base"]
    assert report["comparison"]["old"]["spec"] == f"git:{pr['base']}:schemas"
    # annotations on the pull request's lines: NEW's file, where the change is
    trade = (runner.workspace / "schemas" / "md.Trade.json").read_text().splitlines()
    found = re.search(
        r"^::error title=schema change since git%3A[0-9a-f]{12}%3Aschemas%3A md\.Trade "
        r"\[type_narrowed\],file=schemas/md\.Trade\.json,line=(\d+)::",
        out,
        re.M,
    )
    assert found, out
    assert '"type": "integer"' in trade[int(found[1]) - 1]
    assert re.search(
        r"^::error title=.*%3A md\.Gone removed,file=schemas/md\.Gone\.json", out, re.M
    )
    summary = runner.summary.read_text()
    assert "Schema drift: " in summary  # the check's section first
    assert "## ❌ Against the pull request's base: breaking" in summary
    assert "| md.Gone | removed |" in summary


def test_against_a_ref_and_a_migration_preview(
    runner: Runner, pr: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    git(runner.workspace, "tag", "release-1", pr["base"])
    code, out = run(
        runner,
        capsys,
        {"GITHUB_EVENT_NAME": "push"},
        registry_url=pr["url"],
        schema_dir="schemas",
        fail_on="never",
        against="release-1",
        compare_track="v2",
        report_path="out/drift.json",
    )
    assert code == 0  # fail-on never; an unsafe preview never fails the step
    outputs = runner.outputs
    assert outputs["against-status"] == "breaking"
    assert outputs["against-report-path"] == "out/drift.against.json"
    assert outputs["migration-safe"] == "false"  # md.Gone is not in v2
    assert outputs["migration-report-path"] == "out/drift.migration.json"
    migration = json.loads((runner.workspace / "out" / "drift.migration.json").read_text())
    assert migration["migration"]["verdict"].endswith("1 dropped in v2 (md.Gone)")
    summary = runner.summary.read_text()
    assert "## ❌ Against release-1: breaking" in summary
    assert "Migration preview v1 → v2: NOT safe" in summary
    assert "::warning title=migration v1 → v2::moving every consumer from v1 to v2 is NOT" in out


def test_against_base_outside_a_pull_request_is_skipped_with_a_notice(
    runner: Runner, pr: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    stale = write_json(runner.workspace / "drift_report.against.json", {"old": "run"})
    code, out = run(
        runner,
        capsys,
        {"GITHUB_EVENT_NAME": "schedule"},
        registry_url=pr["url"],
        schema_dir="schemas",
        fail_on="never",
        against="base",
    )
    assert code == 0
    assert "::notice title=schema-drift::against: base compares with a pull request's" in out
    assert runner.outputs["against-status"] == ""
    assert not stale.exists()  # an earlier run's comparison is not this run's


def test_a_base_commit_the_shallow_checkout_lacks_fails_with_the_fix(
    runner: Runner, pr: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """actions/checkout's default depth: the workspace holds only the head commit."""
    head = Repo(tmp_path / "head")
    head.write("schemas/md.Quote.json", model("md.Quote"))
    head.commit("head")
    shallow = runner.workspace.parent / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", head.root.as_uri(), str(shallow))
    runner.workspace = shallow
    code, out = run(
        runner,
        capsys,
        pull_request(runner, pr["base"]),
        registry_url=pr["url"],
        schema_dir="schemas",
        against="base",
    )
    assert code == 2
    assert runner.outputs["against-status"] == "error"
    assert runner.outputs["exit-code"] == "2"
    (line,) = [x for x in out.splitlines() if x.startswith("::error") and "shallow" in x]
    assert f"revision '{pr['base']}' is not in this clone, which is shallow" in line
    assert f"git fetch --depth=1 origin {pr['base']}" in line
    assert "fetch-depth: 0" in line


def test_bad_against_and_compare_track_inputs_are_named(
    runner: Runner, pr: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(
        runner,
        capsys,
        {},
        registry_url=pr["url"],
        schema_dir="schemas",
        against="--upload-pack=touch pwned",
        compare_track="v1",
    )
    assert code == 2
    assert "input 'against': revision '--upload-pack=touch pwned' starts with '-'" in out
    assert "input 'compare-track': 'v1' is the checked track itself" in out
    assert not (runner.workspace / "pwned").exists()
