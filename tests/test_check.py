"""`schema-drift check` against a real registry served on loopback."""

from __future__ import annotations

import gc
import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drift.cli import main
from drift.hashing import compute_sha256
from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from tests.conftest import ROOT, shared_path, validate_report
from tests.helpers import evolve, make_local, make_registry, model, write_json

Serve = Callable[..., RegistryHTTPServer]


def run(cwd: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any]]:
    monkeypatch.chdir(cwd)
    code = main(["check", "--output", "report.json", *args])
    report = json.loads((cwd / "report.json").read_text())
    return code, report


def by_schema(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["schema"]: item for item in report["schemas"]}


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    """25 schemas published under `.schema` names; the local copies match."""
    schemas = {f"md.Model{i:02d}": model(f"md.Model{i:02d}") for i in range(25)}
    return {
        "tmp": tmp_path,
        "schemas": schemas,
        "published": [Published(f"{name}.schema", content) for name, content in schemas.items()],
    }


def test_all_synced_costs_two_requests(
    world: dict[str, Any], serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = world["tmp"]
    server = serve_registry(make_registry(tmp / "registry", world["published"]))
    make_local(tmp / "local", world["schemas"])
    code, report = run(
        tmp, "--registry-url", server.url, "--schema-dir", "local", monkeypatch=monkeypatch
    )
    assert code == 0
    assert report["synced"] == report["total_schemas"] == 25
    assert report["drifted"] == 0
    assert server.requests == report["stats"]["requests"] == 2
    assert report["stats"]["index_hashes_verified"] is True
    item = by_schema(report)["md.Model07"]
    assert item["registry_name"] == "md.Model07.schema"
    assert item["file"] == "local/md.Model07.json"
    assert (
        item["local_sha"] == item["registry_sha"] == compute_sha256(world["schemas"]["md.Model07"])
    )


def test_drift_missing_and_new(
    world: dict[str, Any], serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = world["tmp"]
    published = list(world["published"])
    published[3] = Published("md.Model03.schema", evolve(world["schemas"]["md.Model03"]), "1.1.0")
    published.append(Published("md.OnlyInRegistry", model("md.OnlyInRegistry")))
    server = serve_registry(make_registry(tmp / "registry", published))
    local = make_local(tmp / "local", world["schemas"])
    write_json(local / "orders" / "local_only.json", model("orders.LocalOnly"))

    code, report = run(
        tmp,
        "--registry-url",
        server.url,
        "--schema-dir",
        "local",
        "--include-new",
        monkeypatch=monkeypatch,
    )
    assert code == 1
    items = by_schema(report)
    drifted = items["md.Model03"]
    assert drifted["status"] == "drift"
    assert (drifted["local_version"], drifted["registry_version"]) == ("1.0.0", "1.1.0")
    assert drifted["registry_sha"] == compute_sha256(evolve(world["schemas"]["md.Model03"]))
    assert items["orders.LocalOnly"]["status"] == "missing_in_registry"
    assert items["orders.LocalOnly"]["file"] == "local/orders/local_only.json"
    assert items["md.OnlyInRegistry"]["status"] == "new_in_registry"
    assert items["md.OnlyInRegistry"]["file"] is None
    assert report["counts"] == {
        "synced": 24,
        "drift": 1,
        "missing_in_registry": 1,
        "new_in_registry": 1,
        "error": 0,
    }
    # The drifted schema doubled as the verification probe: still two requests.
    assert server.requests == 2

    code, _ = run(
        tmp,
        "--registry-url",
        server.url,
        "--schema-dir",
        "local",
        "--fail-on",
        "never",
        monkeypatch=monkeypatch,
    )
    assert code == 0


def test_matching_prefers_schema_id_then_suffixless_name(
    tmp_path: Path, serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_id = model("telemetry.FeedbackEvent")
    no_id = {"type": "object", "title": "no $schema_id"}
    server = serve_registry(
        make_registry(
            tmp_path / "registry",
            [
                Published("feedback-event-v1", by_id),  # name unrelated to the id
                Published("telemetry.Plain.schema.json", no_id),
            ],
        )
    )
    local = tmp_path / "local"
    write_json(local / "whatever-file-name.json", by_id)
    write_json(local / "telemetry.Plain.json", no_id)
    code, report = run(
        tmp_path, "--registry-url", server.url, "--schema-dir", "local", monkeypatch=monkeypatch
    )
    items = by_schema(report)
    assert code == 0
    assert items["telemetry.FeedbackEvent"]["registry_name"] == "feedback-event-v1"
    assert items["telemetry.Plain"]["registry_name"] == "telemetry.Plain.schema.json"


def test_index_hash_that_disagrees_with_content_falls_back_to_content(
    world: dict[str, Any], serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = world["tmp"]
    registry = make_registry(tmp / "registry", world["published"])
    index_file = registry / "index.json"
    index = json.loads(index_file.read_text())
    for item in index["tracks"]["v1"]["schemas"]:  # a registry that hashes differently
        item["sha256"] = compute_sha256("other:" + item["sha256"])
    index_file.write_text(json.dumps(index))
    server = serve_registry(registry)
    schemas = dict(world["schemas"])
    schemas["md.Model05"] = evolve(schemas["md.Model05"])
    make_local(tmp / "local", schemas)

    code, report = run(
        tmp, "--registry-url", server.url, "--schema-dir", "local", monkeypatch=monkeypatch
    )
    assert code == 1
    assert report["stats"]["index_hashes_verified"] is False
    assert any("could not be verified" in w for w in report["warnings"])
    assert report["synced"] == 24
    assert by_schema(report)["md.Model05"]["status"] == "drift"
    assert server.requests == 1 + 25


def test_verify_index_all_catches_an_index_that_lies(
    world: dict[str, Any], serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index lists md.Model03's local hash, but the registry serves other content."""
    tmp = world["tmp"]
    registry = make_registry(tmp / "registry", world["published"])
    served = registry / "schemas" / "v1" / "md.Model03.schema.json"
    document = json.loads(served.read_text())
    document["content"] = evolve(document["content"])
    served.write_text(json.dumps(document))
    server = serve_registry(registry)
    make_local(tmp / "local", world["schemas"])
    flags = ("--registry-url", server.url, "--schema-dir", "local")

    # The fast path trusts the index once one schema checked out: that is its assumption.
    code, report = run(tmp, *flags, monkeypatch=monkeypatch)
    assert (code, report["synced"], report["stats"]["verify_index"]) == (0, 25, "probe")
    assert server.requests == 2

    code, report = run(tmp, *flags, "--verify-index", "all", monkeypatch=monkeypatch)
    assert code == 1
    lied = by_schema(report)["md.Model03"]
    assert lied["status"] == "drift"
    assert lied["registry_sha"] == compute_sha256(document["content"])
    assert lied["detail"] == (
        f"the registry index lists sha256 {lied['local_sha']} (the local hash), but the "
        f"content it serves hashes to {lied['registry_sha']}"
    )
    assert lied["severity"] == "compatible"  # diffed like any drift
    assert report["synced"] == 24
    assert report["stats"]["verify_index"] == "all"
    assert report["stats"]["index_hashes_verified"] is False
    assert any(
        w.startswith("the registry index lied about md.Model03: it lists the local hash")
        for w in report["warnings"]
    )
    assert server.requests == 2 + 1 + 25  # the probe run, then the index and every schema


def test_verify_index_all_on_an_honest_index_fetches_every_schema_and_warns_of_nothing(
    world: dict[str, Any], serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = world["tmp"]
    server = serve_registry(make_registry(tmp / "registry", world["published"]))
    make_local(tmp / "local", world["schemas"])
    code, report = run(
        tmp, "--registry-url", server.url, "--schema-dir", "local", "--verify-index", "all",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0
    assert report["synced"] == 25
    assert report["warnings"] == []
    assert report["stats"] | {"seconds": 0} == {
        "requests": 26,
        "seconds": 0,
        "index_hashes_verified": True,
        "fetched": 25,
        "verify_index": "all",
    }
    assert server.requests == 26


def test_unreachable_registry_is_never_synced(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp = world["tmp"]
    make_local(tmp / "local", world["schemas"])
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, report = run(
        tmp,
        "--registry-url",
        f"http://127.0.0.1:{port}",
        "--schema-dir",
        "local",
        "--retries",
        "0",
        "--fail-on",
        "never",
        monkeypatch=monkeypatch,
    )
    assert code == 2
    assert report["synced"] == 0
    assert report["counts"]["error"] == 25
    assert "ConnectError" in report["errors"][0]["message"]
    assert "ConnectError" in capsys.readouterr().err


def test_a_registry_failing_every_probe_is_treated_as_down(
    world: dict[str, Any], serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = world["tmp"]
    registry = make_registry(tmp / "registry", world["published"])
    for path in (registry / "schemas" / "v1").iterdir():
        path.write_text("{truncated")
    server = serve_registry(registry)
    schemas = {name: evolve(content) for name, content in world["schemas"].items()}
    make_local(tmp / "local", schemas)
    code, report = run(
        tmp,
        "--registry-url",
        server.url,
        "--schema-dir",
        "local",
        "--retries",
        "0",
        monkeypatch=monkeypatch,
    )
    assert code == 2
    assert report["counts"]["error"] == 25
    assert server.requests == 1 + 3  # index, then three failed probes, then no more
    assert sum("not compared" in (item["error"] or "") for item in report["schemas"]) == 22


def test_404_on_fetch_is_missing_in_registry(
    world: dict[str, Any], serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = world["tmp"]
    registry = make_registry(tmp / "registry", world["published"])
    (registry / "schemas" / "v1" / "md.Model00.schema.json").unlink()
    server = serve_registry(registry)
    schemas = dict(world["schemas"])
    schemas["md.Model00"] = evolve(schemas["md.Model00"])
    make_local(tmp / "local", schemas)
    code, report = run(
        tmp, "--registry-url", server.url, "--schema-dir", "local", monkeypatch=monkeypatch
    )
    item = by_schema(report)["md.Model00"]
    assert code == 1
    assert item["status"] == "missing_in_registry"
    assert "404" in item["detail"]


def test_deprecation_is_carried(
    world: dict[str, Any], serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = world["tmp"]
    published = list(world["published"])
    published[1] = Published(
        "md.Model01.schema",
        world["schemas"]["md.Model01"],
        deprecated=True,
        deprecation_note="use md.Model02",
    )
    server = serve_registry(make_registry(tmp / "registry", published))
    make_local(tmp / "local", world["schemas"])
    code, report = run(
        tmp, "--registry-url", server.url, "--schema-dir", "local", monkeypatch=monkeypatch
    )
    item = by_schema(report)["md.Model01"]
    assert code == 0
    assert (item["deprecated"], item["deprecation_note"]) == (True, "use md.Model02")
    assert by_schema(report)["md.Model02"]["deprecated"] is False


def test_unusable_local_files_are_errors_and_exit_2(
    world: dict[str, Any], serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = world["tmp"]
    server = serve_registry(make_registry(tmp / "registry", world["published"]))
    local = make_local(tmp / "local", world["schemas"])
    (local / "broken.json").write_text("{")
    code, report = run(
        tmp, "--registry-url", server.url, "--schema-dir", "local", monkeypatch=monkeypatch
    )
    assert code == 2
    assert report["synced"] == 25
    assert report["errors"] == [
        {
            "schema": "broken",
            "file": "local/broken.json",
            "message": by_schema(report)["broken"]["error"],
        }
    ]
    assert "1:2: invalid JSON" in report["errors"][0]["message"]


def test_empty_schema_dir_is_an_error_not_synced(
    world: dict[str, Any], serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = world["tmp"]
    server = serve_registry(make_registry(tmp / "registry", world["published"]))
    (tmp / "empty").mkdir()
    code, report = run(
        tmp, "--registry-url", server.url, "--schema-dir", "empty", monkeypatch=monkeypatch
    )
    assert code == 2
    assert "no schema files" in report["errors"][0]["message"]


def test_directory_registry_gives_the_same_report_as_http(
    world: dict[str, Any], serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = world["tmp"]
    published = list(world["published"])
    published[0] = Published("md.Model00.schema", evolve(world["schemas"]["md.Model00"]))
    registry = make_registry(tmp / "registry", published)
    server = serve_registry(registry)
    make_local(tmp / "local", world["schemas"])
    _, over_http = run(
        tmp, "--registry-url", server.url, "--schema-dir", "local", monkeypatch=monkeypatch
    )
    _, from_dir = run(
        tmp, "--registry-url", registry.as_uri(), "--schema-dir", "local", monkeypatch=monkeypatch
    )

    def essence(report: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (i["schema"], i["status"], i["local_sha"], i["registry_sha"]) for i in report["schemas"]
        ]

    assert essence(over_http) == essence(from_dir)


def test_real_fixtures_synced_then_drift_after_one_property_changes(
    tmp_path: Path, serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixtures = shared_path("fixtures", "market-data-store", "v1")
    local = tmp_path / "tests" / "fixtures" / "schemas"
    shutil.copytree(fixtures, local)
    published = [
        Published(f"{path.stem}.schema", json.loads(path.read_text()), "1.1.2")
        for path in sorted(fixtures.glob("telemetry.*.json"))
    ]
    server = serve_registry(make_registry(tmp_path / "registry", published))
    monkeypatch.chdir(tmp_path)
    # The seed's nightly command, with only the script name swapped.
    seed = [
        "check",
        "--track",
        "v1",
        "--registry-url",
        server.url,
        "--schema-dir",
        "tests/fixtures/schemas",
        "--output",
        "drift_report.json",
    ]
    assert main(seed) == 0
    report = json.loads((tmp_path / "drift_report.json").read_text())
    assert (report["total_schemas"], report["synced"], report["drifted"]) == (3, 3, 0)

    feedback = local / "telemetry.FeedbackEvent.json"
    content = json.loads(feedback.read_text())
    content["properties"]["ts"]["type"] = "string"
    feedback.write_text(json.dumps(content, indent=2))
    assert main(seed) == 1
    report = json.loads((tmp_path / "drift_report.json").read_text())
    assert (report["synced"], report["drifted"]) == (2, 1)
    assert by_schema(report)["telemetry.FeedbackEvent"]["status"] == "drift"


def test_the_bundled_example_as_the_readme_runs_it(tmp_path: Path) -> None:
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", work / "examples")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "drift",
            "check",
            "--registry-url",
            "examples/registry",
            "--schema-dir",
            "examples/schemas",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    report = validate_report(json.loads((work / "drift_report.json").read_text()))
    statuses = {item["schema"]: item["status"] for item in report["schemas"]}
    assert statuses == {
        "md.Bar": "synced",
        "md.Quote": "synced",
        "md.Trade": "drift",
        "orders.OrderPlaced": "missing_in_registry",
    }
    assert "DRIFT    md.Trade  1.1.0 → 1.2.0" in result.stderr
    assert result.stdout == ""


def test_quiet_prints_nothing(
    world: dict[str, Any],
    serve_registry: Serve,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tmp = world["tmp"]
    server = serve_registry(make_registry(tmp / "registry", world["published"]))
    make_local(tmp / "local", world["schemas"])
    run(
        tmp,
        "--registry-url",
        server.url,
        "--schema-dir",
        "local",
        "--quiet",
        monkeypatch=monkeypatch,
    )
    assert capsys.readouterr() == ("", "")
    run(tmp, "--registry-url", server.url, "--schema-dir", "local", monkeypatch=monkeypatch)
    assert "25 schemas: 25 synced" in capsys.readouterr().err


def test_usage_errors_exit_2_and_name_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--registry-url", "https://r.example", "--schema-dir", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("schema-drift: error: --schema-dir: 'nope' is not a directory")
    assert not (tmp_path / "drift_report.json").exists()


def test_the_process_entry_flushes_everything_and_exits_with_the_code() -> None:
    # drift.cli.run ends the process with os._exit: buffered output must not be lost.
    program = (
        "import gc, sys\n"
        "from drift.cli import run\n"
        "def entry():\n"
        "    sys.stdout.write('o' * 200_000)\n"
        "    sys.stderr.write('e' * 70_000)\n"
        "    sys.stderr.write(str(gc.isenabled()))\n"
        "    return 3\n"
        "run(entry)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert result.returncode == 3
    assert result.stdout == "o" * 200_000
    assert result.stderr == "e" * 70_000 + "False"


@pytest.mark.parametrize("command", ["watch", "registry"])
def test_the_long_running_commands_turn_the_collector_back_on(command: str, tmp_path: Path) -> None:
    args = {
        "watch": ["watch", "--schema-dir", str(tmp_path / "nowhere")],
        "registry": ["registry", "serve", str(tmp_path / "nowhere")],
    }[command]
    gc.disable()
    try:
        assert main(args) == 2  # stopped by the bad directory, after the switch
        assert gc.isenabled()
    finally:
        gc.enable()
