"""`schema-drift compare` and `migrate` against a real registry on loopback with v1 and v2."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drift.cli import main
from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from tests.helpers import make_registry, model, write_json

Serve = Callable[..., RegistryHTTPServer]


def on_track(content: dict[str, Any], track: str) -> dict[str, Any]:
    moved = copy.deepcopy(content)
    moved["$track"] = track
    return moved


def tracks(*, safe: bool) -> dict[str, list[Published]]:
    """v1 and v2 of a registry. Unsafe: md.Trade narrows a type, md.Heartbeat is dropped."""
    trade = model("md.Trade", price={"type": "number"}, side={"type": "string"})
    quote, bar, beat = model("md.Quote"), model("md.Bar"), model("md.Heartbeat")
    v1 = [
        Published("md.Trade.schema", trade),
        Published("md.Quote.schema", quote),
        Published("md.Bar.schema", bar),
        Published("md.Heartbeat.schema", beat, deprecated=True,
                  deprecation_note="use telemetry.HealthStatus"),
    ]  # fmt: skip
    trade2 = on_track(trade, "v2")
    if not safe:
        trade2["properties"]["price"]["type"] = "integer"
    quote2 = on_track(quote, "v2")
    quote2["properties"]["venue"] = {"type": "string"}  # optional: compatible
    v2 = [
        Published("md.Trade.schema", trade2),
        Published("md.Quote.schema", quote2, "1.1.0"),
        Published("md.Bar.schema", on_track(bar, "v2"), deprecated=True,
                  deprecation_note="superseded by md.Candle"),
        Published("md.New.schema", on_track(model("md.New"), "v2")),
    ]  # fmt: skip
    if safe:
        v2.append(Published("md.Heartbeat.schema", on_track(beat, "v2")))
    return {"v1": v1, "v2": v2}


@pytest.fixture
def registry(tmp_path: Path, serve_registry: Serve) -> Callable[..., RegistryHTTPServer]:
    def start(*, safe: bool) -> RegistryHTTPServer:
        root = tmp_path / ("safe" if safe else "unsafe")
        trackset = tracks(safe=safe)
        return serve_registry(make_registry(root, trackset["v1"], "v1", v2=trackset["v2"]))

    return start


def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str, output: str = "r.json"
) -> tuple[int, dict[str, Any] | None]:
    monkeypatch.chdir(tmp_path)
    code = main([*args, "--output", output])
    path = tmp_path / output
    return code, json.loads(path.read_text()) if path.is_file() else None


def by_schema(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["schema"]: item for item in report["schemas"]}


def test_migrate_previews_v1_to_v2_over_http(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    registry: Callable[..., RegistryHTTPServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = registry(safe=False)
    code, report = run(
        tmp_path, monkeypatch, "migrate", "--registry-url", server.url, "--from", "v1", "--to", "v2"
    )
    out = capsys.readouterr().out
    assert code == 1  # --fail-on breaking is migrate's default: an unsafe move exits 1
    assert report is not None
    items = by_schema(report)
    # each v1 schema beside its v2 counterpart, with its verdict
    assert (items["md.Trade"]["status"], items["md.Trade"]["severity"]) == ("drift", "breaking")
    assert (items["md.Quote"]["status"], items["md.Quote"]["severity"]) == ("drift", "compatible")
    assert (items["md.Bar"]["status"], items["md.Bar"]["severity"]) == ("drift", "cosmetic")
    assert items["md.Quote"]["registry_version"] == "1.1.0"
    # dropped in v2, new in v2
    assert items["md.Heartbeat"]["status"] == "removed"
    assert items["md.New"]["status"] == "added"
    assert all(item["file"] is None for item in report["schemas"])  # a registry has no files
    assert all(c["line"] is None for item in report["schemas"] for c in item["changes"])
    migration = report["migration"]
    assert migration["safe"] is False
    assert migration["verdict"].startswith("moving every consumer from v1 to v2 is NOT safe")
    assert "md.Trade" in migration["verdict"]
    assert "dropped in v2 (md.Heartbeat)" in migration["verdict"]
    assert {(d["schema"], d["track"], d["note"]) for d in migration["deprecations"]} == {
        ("md.Heartbeat", "v1", "use telemetry.HealthStatus"),
        ("md.Bar", "v2", "superseded by md.Candle"),
    }
    assert report["comparison"]["command"] == "migrate"
    assert (report["track"], report["registry_url"]) == ("v2", server.url)
    assert report["stats"]["requests"] == server.requests
    assert f"migrate {server.url} from track v1 to v2" in out
    assert "migration: moving every consumer from v1 to v2 is NOT safe" in out
    assert "deprecated in v1: md.Heartbeat: use telemetry.HealthStatus" in out
    assert "FAIL (exit 1)" in out


def test_a_safe_migration_exits_0_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: Callable[..., RegistryHTTPServer]
) -> None:
    server = registry(safe=True)
    code, report = run(
        tmp_path, monkeypatch, "migrate", "--registry-url", server.url, "--from", "v1", "--to", "v2"
    )
    assert code == 0
    assert report is not None
    assert report["migration"]["safe"] is True
    assert report["migration"]["verdict"] == (
        "moving every consumer from v1 to v2 is safe (full, lenient): 4 schemas changed, "
        "none breaking; 1 new in v2"
    )
    # the other way round, md.New (only in v2) is dropped
    code, report = run(
        tmp_path, monkeypatch, "migrate", "--registry-url", server.url, "--from", "v2", "--to", "v1"
    )
    assert report is not None
    assert code == 1
    assert report["migration"]["safe"] is False
    assert report["migration"]["verdict"].endswith("is NOT safe: 1 dropped in v1 (md.New)")


def test_compare_two_tracks_prints_the_report_as_json(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    registry: Callable[..., RegistryHTTPServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = registry(safe=False)
    code, report = run(
        tmp_path, monkeypatch, "compare", f"{server.url}#v1", f"{server.url}#v2", "--format", "json"
    )
    assert code == 1  # compare's --fail-on is drift, as check's
    assert json.loads(capsys.readouterr().out) == report
    assert report is not None
    assert report["migration"] is None
    assert report["comparison"]["old"] == {
        "kind": "registry",
        "spec": f"{server.url}#v1",
        "commit": None,
        "track": "v1",
    }
    assert by_schema(report)["md.Heartbeat"]["status"] == "removed"


def test_markdown_is_the_summary_section(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    registry: Callable[..., RegistryHTTPServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = registry(safe=False)
    args = ("migrate", "--registry-url", server.url, "--from", "v1", "--to", "v2")
    code, _ = run(tmp_path, monkeypatch, *args, "--format", "markdown", "--fail-on", "never")
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("## ❌ Migration preview v1 → v2: NOT safe")
    assert "| md.Heartbeat | removed |" in out
    assert "- **md.Heartbeat** in v1: use telemetry.HealthStatus" in out


def test_a_dir_against_a_registry_track_is_check_with_compare_s_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: Callable[..., RegistryHTTPServer]
) -> None:
    server = registry(safe=False)
    write_json(tmp_path / "schemas" / "md.Quote.json", model("md.Quote"))
    write_json(tmp_path / "schemas" / "orders.Local.json", model("orders.Local"))
    code, report = run(tmp_path, monkeypatch, "compare", "schemas", f"{server.url}#v1")
    assert code == 1
    assert report is not None
    items = by_schema(report)
    assert items["md.Quote"]["status"] == "synced"
    assert items["orders.Local"]["status"] == "removed"
    assert items["orders.Local"]["file"] == "schemas/orders.Local.json"
    assert items["md.Trade"]["status"] == "added"
    # the index's hashes were trusted after one probe, as in check: few requests
    assert report["stats"]["requests"] == server.requests <= 3


def test_an_unreachable_registry_side_is_an_error_never_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_json(tmp_path / "schemas" / "md.Quote.json", model("md.Quote"))
    for old, new in (("schemas", "http://127.0.0.1:9#v1"), ("http://127.0.0.1:9#v1", "schemas")):
        code, report = run(tmp_path, monkeypatch, "compare", old, new, "--retries", "0")
        assert code == 2
        assert report is not None
        assert any("http://127.0.0.1:9" in e["message"] for e in report["errors"])
        assert "ERROR (exit 2)" in capsys.readouterr().out


def test_bad_sides_exit_2_name_the_side_and_remove_a_stale_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "schemas").mkdir()
    stale = write_json(tmp_path / "r.json", {"from": "an earlier run"})
    code, report = run(tmp_path, monkeypatch, "compare", "git:main", "https://reg.example")
    assert code == 2
    assert report is None
    assert not stale.exists()
    err = capsys.readouterr().err
    assert "OLD: 'git:main' names no path: write git:REV:PATH" in err
    assert "NEW: 'https://reg.example' names no track: add it, e.g. https://reg.example#v1" in err
    assert "removed the previous run's report" in err

    code, _ = run(tmp_path, monkeypatch, "migrate", "--registry-url", "http://x.example")
    assert code == 2
    err = capsys.readouterr().err
    assert "--from: is required; e.g. --from v1 --to v2" in err
    assert "--to: is required" in err


def test_the_readme_lists_every_compare_flag_with_its_default() -> None:
    from drift.cli import build_parser
    from drift.settings import COMPARE_DEFAULTS, DEFAULTS
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## `schema-drift compare OLD NEW`", 1)[1].split("\n## ", 1)[0]
    table = dict(re.findall(r"^\| `(--[a-z-]+)[^`]*` \| ([^|]+) \|", section, flags=re.M))
    commands = next(a for a in build_parser()._actions if a.dest == "command")
    for command in ("compare", "migrate"):
        parser = commands.choices[command]  # type: ignore[attr-defined]
        flags = {
            option
            for action in parser._actions
            for option in action.option_strings
            if option.startswith("--") and option != "--help"
        }
        own = {"--registry-url", "--from", "--to"} if command == "migrate" else set()
        assert flags - own == set(table), command
    defaults = {**DEFAULTS, **COMPARE_DEFAULTS["compare"]}
    for flag, shown in table.items():
        name = flag.removeprefix("--")
        if name in defaults and name != "quiet":
            assert shown.strip().strip("`") == defaults[name], flag
    migrate = readme.split("## `schema-drift migrate`", 1)[1].split("\n## ", 1)[0]
    assert "`--fail-on` defaults to `breaking`" in migrate
    assert COMPARE_DEFAULTS["migrate"] == {"output": "migration_report.json", "fail-on": "breaking"}
