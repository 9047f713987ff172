"""`schema-drift pull`: the registry's content written into the snapshot files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from drift.cli import main
from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from tests.helpers import evolve, make_local, make_registry, model, write_json

Serve = Callable[..., RegistryHTTPServer]


@pytest.fixture
def setup(tmp_path: Path, serve_registry: Serve, monkeypatch: pytest.MonkeyPatch) -> str:
    bar, quote = model("md.Bar"), model("md.Quote")
    server = serve_registry(
        make_registry(
            tmp_path / "registry",
            [
                Published("md.Bar.schema", evolve(bar), "1.1.0"),
                Published("md.Quote.schema", quote),
                Published("md.New.schema", model("md.New")),
            ],
        )
    )
    local = make_local(tmp_path / "local", {"md.Quote": quote, "orders.Mine": model("orders.Mine")})
    write_json(local / "custom-name-for-bar.json", bar)
    write_json(local / "_metadata.json", {"track": "v1", "note": "kept"})
    monkeypatch.chdir(tmp_path)
    return server.url


def test_pull_updates_drifted_adds_new_and_records_metadata(setup: str, tmp_path: Path) -> None:
    local = tmp_path / "local"
    assert main(["pull", "--registry-url", setup, "--schema-dir", "local", "--quiet"]) == 0
    bar_text = (local / "custom-name-for-bar.json").read_text()
    assert json.loads(bar_text) == evolve(model("md.Bar"))  # existing file name kept
    assert bar_text == json.dumps(json.loads(bar_text), indent=2, sort_keys=True) + "\n"
    assert json.loads((local / "md.New.json").read_text()) == model("md.New")
    assert json.loads((local / "orders.Mine.json").read_text()) == model("orders.Mine")  # untouched
    metadata = json.loads((local / "_metadata.json").read_text())
    assert metadata["registry_url"] == setup
    assert metadata["track"] == "v1"
    assert metadata["note"] == "kept"
    assert (metadata["schemas_fetched"], metadata["schemas_failed"]) == (3, 0)
    assert metadata["fetched_at"].endswith("Z")
    # Afterwards the check agrees: nothing drifts but the schema the registry never had.
    assert (
        main(
            [
                "check",
                "--registry-url",
                setup,
                "--schema-dir",
                "local",
                "--quiet",
                "--fail-on",
                "never",
            ]
        )
        == 0
    )
    report = json.loads((tmp_path / "drift_report.json").read_text())
    assert report["counts"]["drift"] == 0
    assert report["synced"] == 3


def test_only_drifted_leaves_everything_else(setup: str, tmp_path: Path) -> None:
    local = tmp_path / "local"
    quote_before = (local / "md.Quote.json").read_bytes()
    assert (
        main(
            ["pull", "--registry-url", setup, "--schema-dir", "local", "--only-drifted", "--quiet"]
        )
        == 0
    )
    assert json.loads((local / "custom-name-for-bar.json").read_text())["$core_version"] == "1.1.0"
    assert not (local / "md.New.json").exists()
    assert (local / "md.Quote.json").read_bytes() == quote_before


def test_pull_into_a_new_directory(setup: str, tmp_path: Path) -> None:
    assert main(["pull", "--registry-url", setup, "--schema-dir", "fresh/dir", "--quiet"]) == 0
    names = sorted(p.name for p in (tmp_path / "fresh" / "dir").iterdir())
    assert names == ["_metadata.json", "md.Bar.json", "md.New.json", "md.Quote.json"]


@pytest.mark.parametrize("hostile", ["../escape", "..", "sub/dir", ".hidden", "C:evil"])
def test_registry_names_never_write_outside_the_schema_dir(
    tmp_path: Path,
    serve_registry: Serve,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    hostile: str,
) -> None:
    server = serve_registry(
        make_registry(tmp_path / "registry", [Published("evil", {"$schema_id": hostile})])
    )
    monkeypatch.chdir(tmp_path)
    (tmp_path / "local").mkdir()
    assert main(["pull", "--registry-url", server.url, "--schema-dir", "local"]) == 2
    assert sorted(p.name for p in (tmp_path / "local").iterdir()) == ["_metadata.json"]
    assert not (tmp_path / "escape.json").exists()
    assert "refusing to write schema id" in capsys.readouterr().err
    metadata = json.loads((tmp_path / "local" / "_metadata.json").read_text())
    assert metadata["failed_schemas"] == [hostile]


def test_a_failed_pull_leaves_metadata_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    local = make_local(tmp_path / "local", {"md.Quote": model("md.Quote")})
    write_json(local / "_metadata.json", {"registry_url": "https://good.example", "track": "v1"})
    before = (local / "_metadata.json").read_bytes()
    monkeypatch.chdir(tmp_path)
    argv = ["pull", "--registry-url", "http://127.0.0.1:9", "--schema-dir", "local",
            "--timeout", "2", "--retries", "0"]  # fmt: skip
    assert main(argv) == 2
    assert (local / "_metadata.json").read_bytes() == before
    assert "_metadata.json left as it was" in capsys.readouterr().err


def test_pull_prints_every_path_the_same_way_and_shows_deprecation(
    tmp_path: Path,
    serve_registry: Serve,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    trade, beat = model("md.Trade"), model("md.Heartbeat")
    server = serve_registry(
        make_registry(
            tmp_path / "registry",
            [
                Published("md.Trade", evolve(trade)),
                Published("md.Heartbeat", beat, deprecated=True, deprecation_note="use md.Pulse"),
            ],
        )
    )
    make_local(tmp_path / "pl", {"md.Trade": trade})
    monkeypatch.chdir(tmp_path)
    assert main(["pull", "--registry-url", server.url, "--schema-dir", "pl"]) == 0
    err = capsys.readouterr().err
    assert "  wrote pl/md.Trade.json\n" in err
    assert "  wrote pl/md.Heartbeat.json\n" in err  # not a bare md.Heartbeat.json
    assert "DEPRECATED md.Heartbeat: the registry deprecates it (use md.Pulse)" in err
