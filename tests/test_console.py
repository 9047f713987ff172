"""What `check` prints: counted in words, an outage said once, one final verdict line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from drift.console import render_text
from drift.policy import ExitCode, judge
from drift.report import DriftReport, ReportedChange, SchemaResult, Stats, Status
from drift.settings import FailOn
from drift.text import listing, plural
from tests.helpers import make_local, model


def item(name: str, status: Status, **fields: object) -> SchemaResult:
    return SchemaResult(schema=name, status=status, file=f"s/{name}.json", **fields)  # type: ignore[arg-type]


def report(
    *items: SchemaResult, requests: int = 2, run_errors: list[str] | None = None
) -> DriftReport:
    return DriftReport(
        track="v1",
        registry_url="http://reg",
        generated_at="",
        schemas=list(items),
        run_errors=run_errors or [],
        stats=Stats(requests=requests),
    )


def test_plural_and_listing() -> None:
    assert [plural(n, "change") for n in (0, 1, 2)] == ["0 changes", "1 change", "2 changes"]
    assert plural(1, "is", "are") == "1 is"
    assert plural(3, "is", "are") == "3 are"
    assert listing(["a", "b"]) == "a, b"
    assert listing([str(n) for n in range(12)], limit=3) == "0, 1, 2, … and 9 more"


def test_one_schema_and_one_request_read_as_singulars() -> None:
    text = render_text(report(item("md.A", Status.SYNCED), requests=1))
    assert "1 schema: 1 synced (1 registry request," in text
    assert "1 schemas" not in text
    assert "1 registry requests" not in text


@pytest.mark.parametrize(
    ("statuses", "fail_on", "breaking", "line"),
    [
        ([Status.SYNCED] * 3, FailOn.DRIFT, False,
         "PASS (exit 0): 3 schemas synced, nothing drifted"),
        ([Status.SYNCED, Status.DRIFT], FailOn.DRIFT, False,
         "FAIL (exit 1): 1 drift under --fail-on drift"),
        ([Status.DRIFT, Status.MISSING_IN_REGISTRY], FailOn.BREAKING, True,
         "FAIL (exit 1): 1 breaking, 1 missing_in_registry under --fail-on breaking"),
        ([Status.DRIFT], FailOn.BREAKING, False,
         "PASS (exit 0): 1 drift, nothing breaking under --fail-on breaking"),
        ([Status.DRIFT], FailOn.NEVER, True,
         "PASS (exit 0): 1 drift, 1 breaking reported; under --fail-on never nothing fails"),
        ([Status.DRIFT, Status.ERROR], FailOn.NEVER, False,
         "ERROR (exit 2): 1 schema in error; a run with errors exits 2 whatever --fail-on says"),
    ],
)  # fmt: skip
def test_the_verdict_line_says_the_outcome_the_code_and_why(
    statuses: list[Status], fail_on: FailOn, breaking: bool, line: str
) -> None:
    items = []
    for number, status in enumerate(statuses):
        severity = "breaking" if breaking and status is Status.DRIFT else "compatible"
        change = ReportedChange("x", "/a", 1, None, 2, severity, ("backward",), "m", "f")
        extra: dict[str, object] = {"severity": severity, "changes": [change]}
        items.append(item(f"s{number}", status, **(extra if status is Status.DRIFT else {})))
    verdict = judge(report(*items), fail_on)
    assert verdict.line == line
    assert render_text(report(*items), "r.json", verdict).splitlines()[-1] == line
    assert int(verdict.code) == int(line.split("exit ")[1][0])


def test_an_outage_is_said_once_then_the_schemas_it_hit(tmp_path: Path) -> None:
    local = make_local(tmp_path / "local", {f"md.S{n:02}": model(f"md.S{n:02}") for n in range(30)})
    result = subprocess.run(
        [sys.executable, "-m", "drift", "check", "--registry-url", "http://127.0.0.1:9",
         "--schema-dir", str(local), "--output", str(tmp_path / "r.json"),
         "--timeout", "2", "--retries", "0"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == ExitCode.ERROR
    assert result.stderr.count("ConnectError") == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) <= 6, result.stderr
    assert "30 schemas not compared, because of the error above: md.S00 (" in result.stderr
    assert "… and 20 more" in result.stderr
    assert lines[-1].startswith("ERROR (exit 2): 30 schemas in error and 1 run error")


def test_distinct_errors_stay_apart_and_repeated_ones_are_grouped() -> None:
    text = render_text(
        report(
            item("a", Status.ERROR, error="not UTF-8"),
            item("b", Status.ERROR, error="timed out"),
            item("c", Status.ERROR, error="timed out"),
        )
    )
    assert "  ERROR    a  (s/a.json)\n           not UTF-8" in text
    assert "  ERROR    2 schemas: b (s/b.json), c (s/c.json)\n           timed out" in text


def test_a_deprecated_schema_shows_even_when_synced() -> None:
    text = render_text(
        report(
            item("md.Old", Status.SYNCED, local_version="1.0.0", deprecated=True,
                 deprecation_note="use md.New"),
            item("md.Fine", Status.SYNCED),
        )
    )  # fmt: skip
    assert (
        "synced   md.Old  1.0.0  (s/md.Old.json)\n           deprecated in the registry: use md.New"
        in text
    )
    assert "md.Fine" not in text


def test_the_step_summary_counts_in_words() -> None:
    from drift.sinks.github import LinkBase, headline, step_summary

    one = report(item("md.A", Status.SYNCED), requests=1)
    assert "the 1 schema matches the registry" in headline(one)
    summary = step_summary(one, links=LinkBase(None, None, None), artifact=None)
    assert "1 registry request in" in summary
    broken = report(item("a", Status.ERROR, error="x"))
    assert "1 error: some schemas could not be compared" in headline(broken)


@pytest.mark.parametrize("fail_on", list(FailOn))
def test_annotation_levels_follow_what_fails_the_step(fail_on: FailOn) -> None:
    from drift.sinks.github import select_annotations

    def change(kind: str, severity: str) -> ReportedChange:
        return ReportedChange(kind, "/p", 1, None, 3, severity, (), "m", kind)

    drifted = item(
        "md.T",
        Status.DRIFT,
        severity="breaking",
        changes=[change("required_added", "breaking"), change("property_added", "compatible"),
                 change("annotation_changed", "cosmetic")],
    )  # fmt: skip
    old = item("md.Old", Status.SYNCED, deprecated=True, deprecation_note="use md.New")
    levels = {a.title: a.level for a in select_annotations(report(drifted, old), fail_on)}
    breaking_level = "warning" if fail_on is FailOn.NEVER else "error"
    assert levels == {
        "schema drift: md.T [required_added]": breaking_level,
        "schema drift: md.T [property_added]": "warning",
        "schema drift: md.T [annotation_changed]": "notice",
        "schema drift: md.Old is deprecated": "notice",
    }


def test_the_step_summary_lists_deprecated_schemas() -> None:
    from drift.sinks.github import LinkBase, step_summary

    old = item("md.Old", Status.SYNCED, deprecated=True, deprecation_note="use *md.New*")
    summary = step_summary(report(old), links=LinkBase(None, None, None), artifact=None)
    assert "**Deprecated in the registry:**" in summary
    assert "- **md.Old** (synced): use \\*md.New\\*" in summary


def test_the_watch_line_counts_missing_and_names_deprecated_schemas() -> None:
    from drift.watch import check_line

    line = check_line(
        report(
            item("md.A", Status.SYNCED, deprecated=True, deprecation_note="use md.B"),
            item("md.C", Status.DRIFT),
            item("md.D", Status.MISSING_IN_REGISTRY),
        )
    )
    assert line == (
        "1 synced, 1 drifted, 1 missing_in_registry, 0 errors; deprecated: md.A (use md.B)"
    )
