"""`check` explains drift: severity, changes with lines, fail-on breaking, ignore and accept."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drift.cli import main
from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from tests.helpers import make_registry, model, write_json

Serve = Callable[..., RegistryHTTPServer]


def quote() -> dict[str, Any]:
    return model(
        "md.Quote",
        "1.0.0",
        symbol={"type": "string", "description": "Ticker"},
        bid={"type": "number"},
        ask={"type": "number"},
    )


@pytest.fixture
def setup(tmp_path: Path, serve_registry: Serve, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Returns publish(content): serve that registry content, local snapshot stays quote()."""
    write_json(tmp_path / "local" / "md.Quote.json", quote())
    (tmp_path / ".git").mkdir()  # the repo root, where .schema-drift.yml is looked for
    monkeypatch.chdir(tmp_path)

    def publish(content: dict[str, Any]) -> str:
        registry = make_registry(tmp_path / "registry", [Published("md.Quote.schema", content)])
        return serve_registry(registry).url

    return publish


def check(url: str, *flags: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--registry-url", url, "--schema-dir", "local", "--quiet", *flags])
    report = json.loads(Path("drift_report.json").read_text())
    [item] = report["schemas"]
    return code, item


def test_a_core_version_bump_alone_is_cosmetic(setup: Any) -> None:
    bumped = {**quote(), "$core_version": "1.0.1"}
    code, item = check(setup(bumped), "--fail-on", "breaking")
    assert code == 0
    assert item["status"] == "drift"
    assert (item["severity"], item["compatible"]) == ("cosmetic", True)
    [change] = item["changes"]
    assert (change["kind"], change["path"], change["line"]) == (
        "metadata_changed",
        "/$core_version",
        2,
    )
    assert (change["old"], change["new"]) == ("1.0.0", "1.0.1")


def test_breaking_change_points_at_the_line_in_the_local_file(setup: Any) -> None:
    changed = copy.deepcopy(quote())
    changed["properties"]["bid"]["type"] = "string"
    del changed["properties"]["ask"]
    code, item = check(setup(changed), "--fail-on", "breaking")
    assert code == 1
    assert item["severity"] == "breaking"
    lines = Path("local/md.Quote.json").read_text().splitlines()
    by_path = {c["path"]: c for c in item["changes"]}
    type_change = by_path["/properties/bid/type"]
    assert type_change["kind"] == "type_changed"
    assert lines[type_change["line"] - 1].strip() == '"type": "number"'
    removed = by_path["/properties/ask"]
    assert removed["kind"] == "property_removed"
    assert lines[removed["line"] - 1].strip().startswith('"ask"')
    assert set(type_change["breaks"]) == {"backward", "forward"}


def test_mode_and_policy_change_the_verdict(setup: Any) -> None:
    widened = copy.deepcopy(quote())
    widened["properties"]["bid"]["type"] = ["number", "null"]
    url = setup(widened)
    assert check(url, "--fail-on", "breaking", "--mode", "backward")[0] == 0
    code, item = check(url, "--fail-on", "breaking", "--mode", "forward")
    assert (code, item["severity"]) == (1, "breaking")
    added = copy.deepcopy(quote())
    added["properties"]["venue"] = {"type": "string"}
    url = setup(added)
    assert check(url, "--fail-on", "breaking", "--mode", "backward", "--policy", "lenient")[0] == 0
    assert check(url, "--fail-on", "breaking", "--mode", "backward", "--policy", "strict")[0] == 1


def test_ignore_rules_and_accepted_fingerprints(setup: Any) -> None:
    changed = copy.deepcopy(quote())
    changed["properties"]["symbol"]["description"] = "Exchange ticker"
    changed["properties"]["bid"]["minimum"] = 0
    url = setup(changed)
    code, item = check(url, "--fail-on", "breaking")
    assert code == 1
    breaking = next(c for c in item["changes"] if c["severity"] == "breaking")
    Path(".schema-drift.yml").write_text(
        "ignore:\n"
        "  - kind: annotation_changed\n"
        "    reason: docs churn\n"
        "accept:\n"
        f"  - fingerprint: {breaking['fingerprint']}\n"
        "    reason: approved in PR 7\n"
    )
    code, item = check(url, "--fail-on", "breaking")
    assert code == 0
    assert item["severity"] == "cosmetic"
    by_kind = {c["kind"]: c for c in item["changes"]}
    assert by_kind["annotation_changed"]["ignored"] is True
    assert by_kind["annotation_changed"]["ignore_reason"] == "docs churn"
    assert by_kind["bound_added"]["accepted"] is True
    assert by_kind["bound_added"]["accept_reason"] == "approved in PR 7"
    assert by_kind["bound_added"]["severity"] == "breaking"  # still visible as what it is
    # --fail-on drift still sees the drift
    assert check(url)[0] == 1
    # a different change is not covered by the old approval
    changed["properties"]["bid"]["minimum"] = 1
    assert check(setup(changed), "--fail-on", "breaking")[0] == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ignores: []\n", "unknown key 'ignores'; accepted: accept, ignore"),
        ("ignore:\n  - kind: nope\n", "kind 'nope' is not a change kind"),
        ("ignore:\n  - kinds: x\n", "ignore[0]: unknown key 'kinds'"),
        ("accept:\n  - fingerprint: xyz\n", "is not 12 hex digits"),
        ('accept:\n  - fingerprint: "1a2b3c4d5e6f\\n"\n', "is not 12 hex digits"),
        ("ignore: [\n", "invalid YAML"),
    ],
)
def test_config_errors_name_the_problem(
    setup: Any, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    url = setup(quote())
    Path(".schema-drift.yml").write_text(text)
    assert main(["check", "--registry-url", url, "--schema-dir", "local"]) == 2
    err = capsys.readouterr().err
    assert "--config: " in err
    assert ".schema-drift.yml" in err
    assert message in err


def test_explicit_config_path_must_exist(setup: Any, capsys: pytest.CaptureFixture[str]) -> None:
    url = setup(quote())
    assert main(["check", "--registry-url", url, "--schema-dir", "local", "--config", "x.yml"]) == 2
    assert "--config: 'x.yml' does not exist" in capsys.readouterr().err
